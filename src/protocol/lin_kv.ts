// Bodies of the lin-kv workload (read, write, cas) and their replies. Reply bodies carry only
// the documented fields: Maelstrom validates them as closed schemas.

import type { JsonValue } from '../base/json.js';
import { err, ok } from '../base/result.js';
import { isPositiveInteger, type KvCommand, type SessionTag } from '../kv/command_codec.js';
import type { KvOperation } from '../kv/operations.js';
import { optionalBoolean, optionalNonNegativeInteger, requireValue, type FieldError, type FieldResult } from './fields.js';
import type { Body } from './message.js';

/** A client's request as the node serves it: the command, and the lowest applied index a read accepts. */
export interface ClientRequest {
  readonly command: KvCommand;
  /** Read-your-writes: a read is served only by a node that applied this index (0: any). */
  readonly minIndex: number;
}

export const KV_REQUEST_TYPES = ['read', 'write', 'cas'] as const;
export type KvRequestType = (typeof KV_REQUEST_TYPES)[number];

export function parseKvOperation(type: KvRequestType, body: Body): FieldResult<KvOperation> {
  const key = requireCarriable(body, 'key');
  if (!key.ok) return key;
  switch (type) {
    case 'read':
      return ok({ f: 'read', key: key.value });
    case 'write': {
      const value = requireCarriable(body, 'value');
      if (!value.ok) return value;
      return ok({ f: 'write', key: key.value, value: value.value });
    }
    case 'cas': {
      const from = requireCarriable(body, 'from');
      if (!from.ok) return from;
      const to = requireCarriable(body, 'to');
      if (!to.ok) return to;
      const create = optionalBoolean(body, 'create_if_not_exists');
      if (!create.ok) return create;
      return ok({ f: 'cas', key: key.value, from: from.value, to: to.value, createIfMissing: create.value ?? false });
    }
  }
}

/** A read, write or cas, with its optional session tag (session, seq) and min_index. */
export function parseClientRequest(type: KvRequestType, body: Body): FieldResult<ClientRequest> {
  const op = parseKvOperation(type, body);
  if (!op.ok) return op;
  // The txn extensions, refused rather than ignored: a client must never get less than it asked for.
  for (const field of ['at_index', 'read_index', 'return_index'] as const) {
    if (body[field] !== undefined) return err({ field, problem: `is a txn extension: ${type} does not take it (send a txn of one micro-op instead)` });
  }
  return clientRequest(body, { kind: 'op', op: op.value });
}

/** The request of `command` (an op or a txn), with the body's optional session tag (session, seq) and min_index. */
export function clientRequest(body: Body, command: KvCommand & { readonly kind: 'op' | 'txn' }): FieldResult<ClientRequest> {
  const session = body['session'];
  const seq = body['seq'];
  let tag: SessionTag | undefined;
  if (session !== undefined || seq !== undefined) {
    if (!isPositiveInteger(session)) return err({ field: 'session', problem: 'must be a positive integer (from open_session), given with seq' });
    if (!isPositiveInteger(seq)) return err({ field: 'seq', problem: 'must be a positive integer, given with session' });
    tag = { session, seq };
  }
  const minIndex = optionalNonNegativeInteger(body, 'min_index');
  if (!minIndex.ok) return minIndex;
  return ok({ command: tag === undefined ? command : { ...command, tag }, minIndex: minIndex.value ?? 0 });
}

/** open_session takes no fields. */
export function parseOpenSession(): FieldResult<ClientRequest> {
  return ok({ command: { kind: 'open_session' }, minIndex: 0 });
}

/**
 * Keys and values nest at most this deep: every node encodes, compares and copies them
 * recursively, and a value nested thousands deep would exhaust the stack.
 */
export const MAX_VALUE_DEPTH = 256;

/**
 * A field whose value survives the trip through JSON and the store unchanged. JSON.parse turns
 * a number too large for a double (1e400) into Infinity, which JSON.stringify writes as null,
 * and rounds an integer beyond 2^53 - 1 to a nearby one: such a value would be acknowledged and
 * read back as something else, so it is refused (send it as a string instead).
 */
function requireCarriable(body: Body, field: string): FieldResult<JsonValue> {
  const value = requireValue(body, field);
  if (!value.ok) return value;
  const problem = uncarriable(value.value, field, 0);
  return problem === undefined ? value : err(problem);
}

export function uncarriable(value: JsonValue, field: string, depth: number): FieldError | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { field, problem: 'holds a number too large for JSON to carry (it reads as infinity); send it as a string' };
    if (Number.isInteger(value) && Math.abs(value) > Number.MAX_SAFE_INTEGER) {
      return {
        field,
        problem: `holds ${value}, an integer beyond ±(2^53 - 1) that JSON parsers round, so it would not read back as sent; send it as a string`,
      };
    }
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth >= MAX_VALUE_DEPTH) return { field, problem: `nests deeper than ${MAX_VALUE_DEPTH} levels` };
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = uncarriable(item, field, depth + 1);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  for (const key in value) {
    const problem = uncarriable(value[key] as JsonValue, field, depth + 1);
    if (problem !== undefined) return problem;
  }
  return undefined;
}
