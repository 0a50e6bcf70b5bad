// The init handshake body: the node learns its own id and the whole cluster's.

import { err, ok } from '../base/result.js';
import { requireString, requireStringList, type FieldResult } from './fields.js';
import type { Body } from './message.js';

export interface InitRequest {
  readonly nodeId: string;
  readonly nodeIds: readonly string[];
}

export function parseInit(body: Body): FieldResult<InitRequest> {
  const nodeId = requireString(body, 'node_id');
  if (!nodeId.ok) return nodeId;
  const nodeIds = requireStringList(body, 'node_ids');
  if (!nodeIds.ok) return nodeIds;
  if (nodeId.value.length === 0) return err({ field: 'node_id', problem: 'must not be empty' });
  if (!nodeIds.value.includes(nodeId.value)) return err({ field: 'node_ids', problem: 'must include node_id' });
  if (new Set(nodeIds.value).size !== nodeIds.value.length) return err({ field: 'node_ids', problem: 'must not repeat a node' });
  return ok({ nodeId: nodeId.value, nodeIds: nodeIds.value });
}
