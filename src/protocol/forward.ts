// The bodies nodes exchange to forward client requests to a group's leader and to bring the
// outcomes back: kv_forward {epoch, ops: [{id, command, minIndex?}]} and kv_forward_result
// {results: [{id, epoch, index, ...outcome}]}. Items are encoded one by one, so a sender can cut
// a batch by bytes; parsing checks every field, since a peer's message is input like any other.

import { isJsonObject, type JsonObject, type JsonValue } from '../base/json.js';
import { err, ok } from '../base/result.js';
import { decodeCommand, encodeCommand, isPositiveInteger, type CommandOutcome } from '../kv/command_codec.js';
import type { FieldResult } from './fields.js';
import type { ClientRequest } from './lin_kv.js';
import type { Body } from './message.js';
import { parseTxnOk } from './txn.js';

export const FORWARD_TYPE = 'kv_forward';
export const FORWARD_RESULT_TYPE = 'kv_forward_result';

export interface ForwardedOp {
  /** Unique per origin incarnation (epoch); results come back under it. */
  readonly id: number;
  readonly request: ClientRequest;
}

export interface ForwardBatch {
  /** The origin incarnation's random epoch (see Forwarder). */
  readonly epoch: number;
  readonly ops: readonly ForwardedOp[];
}

export interface ForwardResult {
  readonly id: number;
  /** The origin incarnation's epoch, echoed back: results for an earlier incarnation are dropped. */
  readonly epoch: number;
  readonly outcome: CommandOutcome;
  /** The log position the outcome reflects (for read-your-writes). */
  readonly index: number;
}

/** The start of a kv_forward body; items follow, then `]}`. */
export function forwardHead(epoch: number): string {
  return `{"type":"${FORWARD_TYPE}","epoch":${epoch},"ops":[`;
}

export const FORWARD_RESULT_HEAD = `{"type":"${FORWARD_RESULT_TYPE}","results":[`;

export function encodeForwardedOp({ id, request }: ForwardedOp): string {
  return `{"id":${id},"command":${JSON.stringify(encodeCommand(request.command))}${request.minIndex > 0 ? `,"minIndex":${request.minIndex}` : ''}}`;
}

export function encodeForwardResult({ id, epoch, outcome, index }: ForwardResult): string {
  return JSON.stringify({ id, epoch, index, ...outcome });
}

export function parseForward(body: Body): FieldResult<ForwardBatch> {
  const epoch = body['epoch'];
  if (!isPositiveInteger(epoch)) return err({ field: 'epoch', problem: 'must be a positive integer' });
  const ops = body['ops'];
  if (!Array.isArray(ops)) return err({ field: 'ops', problem: 'must be a list' });
  const out: ForwardedOp[] = [];
  for (const item of ops) {
    if (!isJsonObject(item) || !isPositiveInteger(item['id'])) return err({ field: 'ops', problem: 'must hold {id, command} objects' });
    const command = decodeCommand(item['command']);
    if (!command.ok) return err({ field: 'ops', problem: `has a malformed command: ${command.error}` });
    const minIndex = item['minIndex'] ?? 0;
    if (typeof minIndex !== 'number' || !Number.isSafeInteger(minIndex) || minIndex < 0) return err({ field: 'ops', problem: 'has a bad minIndex' });
    out.push({ id: item['id'], request: { command: command.value, minIndex } });
  }
  return ok({ epoch, ops: out });
}

export function parseForwardResults(body: Body): FieldResult<ForwardResult[]> {
  const results = body['results'];
  if (!Array.isArray(results)) return err({ field: 'results', problem: 'must be a list' });
  const out: ForwardResult[] = [];
  for (const item of results) {
    if (!isJsonObject(item) || !isPositiveInteger(item['id']) || !isPositiveInteger(item['epoch']))
      return err({ field: 'results', problem: 'must hold {id, epoch, type, ...} objects' });
    const outcome = parseOutcome(item);
    if (outcome === undefined) return err({ field: 'results', problem: 'has an outcome of unknown type' });
    const index = item['index'];
    if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) return err({ field: 'results', problem: 'has a bad index' });
    out.push({ id: item['id'], epoch: item['epoch'], outcome, index });
  }
  return ok(out);
}

function parseOutcome(item: JsonObject): CommandOutcome | undefined {
  switch (item['type']) {
    case 'open_session_ok':
      return isPositiveInteger(item['session']) ? { type: 'open_session_ok', session: item['session'] } : undefined;
    case 'read_ok':
      return item['value'] === undefined ? undefined : { type: 'read_ok', value: item['value'] as JsonValue };
    case 'write_ok':
      return { type: 'write_ok' };
    case 'cas_ok':
      return { type: 'cas_ok' };
    case 'txn_ok':
      return parseTxnOk(item);
    case 'error': {
      const code = item['code'];
      const text = item['text'];
      if (typeof code !== 'number' || !Number.isSafeInteger(code)) return undefined;
      return { type: 'error', code, text: typeof text === 'string' ? text : '' };
    }
    default:
      return undefined;
  }
}
