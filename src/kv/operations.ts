// The key-value operations the state machine applies and the outcomes it answers with: lin-kv's
// read, write and cas, and transactions of micro-ops (Maelstrom's txn workloads). The error codes
// are Maelstrom's numbers (src/protocol/errors.ts holds the whole table), so an outcome reaches a
// client unchanged; the state machine itself knows nothing of the wire.

import type { JsonValue } from '../base/json.js';

export type KvOperation =
  | { readonly f: 'read'; readonly key: JsonValue }
  | { readonly f: 'write'; readonly key: JsonValue; readonly value: JsonValue }
  | { readonly f: 'cas'; readonly key: JsonValue; readonly from: JsonValue; readonly to: JsonValue; readonly createIfMissing: boolean };

export type KvFunction = KvOperation['f'];

/** A txn's keys: integers (Maelstrom's) or strings, so each has a cheap canonical form and group. */
export type TxnKey = number | string;

/**
 * One micro-op of a txn, as it travels on the wire and in the log: a read (its value null), a
 * register write, or an append to a list (which creates the list when the key is missing).
 */
export type MicroOp = ['r', TxnKey, null] | ['w', TxnKey, JsonValue] | ['append', TxnKey, JsonValue];

/** The errors the state machine decides. Definite: 12, 20, 22, 30; indefinite: 13. */
export const KvErrorCode = {
  malformedRequest: 12,
  outcomeUnknown: 13,
  keyDoesNotExist: 20,
  preconditionFailed: 22,
  /** A txn's check failed: a key it depends on changed after its read point; it changed nothing. */
  txnConflict: 30,
} as const;

export type KvOutcome =
  | { readonly type: 'read_ok'; readonly value: JsonValue }
  | { readonly type: 'write_ok' }
  | { readonly type: 'cas_ok' }
  /** The txn's micro-ops in order, reads filled in with what they read (null: the key is missing). */
  | { readonly type: 'txn_ok'; readonly txn: JsonValue[] }
  | { readonly type: 'error'; readonly code: number; readonly text: string };

export function isKvFunction(value: unknown): value is KvFunction {
  return value === 'read' || value === 'write' || value === 'cas';
}
