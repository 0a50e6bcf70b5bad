// Transactions as the state machine runs them (batch mode: a whole txn is one log entry, run at
// apply in log order): micro-ops in order, each seeing the txn's own earlier writes, all or
// nothing. Written against TxnStore (get, put): the versioned store's newest state at apply,
// or its state as of one index for a snapshot read.
// A txn may carry a check (read_index, occ, si): it commits only if none of the check's keys
// has a version newer than the check's index, decided from the store's version indexes alone.
// Pure and deterministic. Stored values are never changed in place (an append stores a new
// list), so a list handed out in a reply or remembered by a session never changes under it.

import { previewJson, type JsonValue } from '../base/json.js';
import { keySlot } from './kv_store.js';
import { KvErrorCode, type KvOutcome, type MicroOp, type TxnKey } from './operations.js';

/**
 * Micro-ops in one txn at most: bounds the work of applying one entry. Maelstrom's clients send
 * up to --max-txn-length (4 by default). The txn's bytes are bounded like any command's: what a
 * message between nodes can carry (src/protocol/peer_budget.ts).
 */
export const MAX_TXN_MICRO_OPS = 1_024;

/**
 * The condition a txn commits under: none of `keys` was written by an entry after `after`. A
 * client's read_index asks for it over every key of the txn; occ over the keys it read at its
 * read point `after`, si over the keys it writes. At most MAX_TXN_MICRO_OPS keys.
 */
export interface TxnCheck {
  readonly after: number;
  readonly keys: readonly TxnKey[];
}

/** Why `check` is not a TxnCheck, or undefined when it is one. */
export function txnCheckProblem(check: unknown): string | undefined {
  if (typeof check !== 'object' || check === null || Array.isArray(check)) return '"check" must be an object {after, keys}';
  const { after, keys } = check as { after?: unknown; keys?: unknown };
  if (typeof after !== 'number' || !Number.isSafeInteger(after) || after < 0) return '"check.after" must be a non-negative integer';
  if (!Array.isArray(keys) || keys.length > MAX_TXN_MICRO_OPS) return `"check.keys" must be a list of at most ${MAX_TXN_MICRO_OPS} keys`;
  for (const key of keys) if (!isTxnKey(key)) return `"check.keys" holds ${previewJson(key as JsonValue, 40)}, which is not a txn key`;
  return undefined;
}

/**
 * The conflict that fails `check` against the versions `versionOf` gives (the newest version's
 * index of each key at apply, or at the state a read is served from), or undefined when it
 * holds: a txn error 30 that says which key changed, and when.
 */
export function txnCheckConflict(check: TxnCheck, versionOf: (key: TxnKey) => number): KvOutcome | undefined {
  for (const key of check.keys) {
    const version = versionOf(key);
    if (version > check.after)
      return {
        type: 'error',
        code: KvErrorCode.txnConflict,
        text: `txn conflict: key ${previewJson(key)} was written at index ${version}, after the txn's read point ${check.after}; the txn changed nothing`,
      };
  }
  return undefined;
}

/** The distinct keys of the micro-ops `ops` for which `which` holds, in order of first use. */
export function distinctKeys(ops: readonly MicroOp[], which: (op: MicroOp) => boolean): TxnKey[] {
  const seen = new Set<string>();
  const keys: TxnKey[] = [];
  for (const op of ops) {
    if (!which(op)) continue;
    const slot = keySlot(op[1]);
    if (seen.has(slot)) continue;
    seen.add(slot);
    keys.push(op[1]);
  }
  return keys;
}

/** What a txn needs of the store: a key's current value (undefined: missing), and setting one. */
export interface TxnStore {
  get(key: TxnKey): JsonValue | undefined;
  put(key: TxnKey, value: JsonValue): void;
}

/** Why `ops` is not a txn's list of micro-ops, or undefined when it is one. */
export function txnProblem(ops: unknown): string | undefined {
  if (!Array.isArray(ops)) return 'a txn must be a list of micro-ops';
  if (ops.length === 0) return 'a txn must hold at least one micro-op';
  if (ops.length > MAX_TXN_MICRO_OPS) return `a txn holds at most ${MAX_TXN_MICRO_OPS} micro-ops; this one has ${ops.length}`;
  for (let i = 0; i < ops.length; i++) {
    const problem = microOpProblem(ops[i]);
    if (problem !== undefined) return `micro-op ${i} ${previewJson(ops[i] as JsonValue, 60)} ${problem}`;
  }
  return undefined;
}

/** Why `op` is not a micro-op (said of the micro-op: "is not ..."), or undefined when it is one. */
export function microOpProblem(op: unknown): string | undefined {
  if (!Array.isArray(op) || op.length !== 3) return 'is not a list of three elements [f, key, value]';
  const [f, key, value] = op as [unknown, unknown, unknown];
  if (f !== 'r' && f !== 'w' && f !== 'append') return `has the unknown function ${previewJson(f as JsonValue, 40)}; the functions are "r", "w" and "append"`;
  if (!isTxnKey(key)) return 'has a key that is neither an integer (within ±(2^53 - 1)) nor a string';
  if (f === 'r' && value !== null) return 'is a read, whose value must be null';
  return undefined;
}

export function isTxnKey(key: unknown): key is TxnKey {
  return typeof key === 'string' || Number.isSafeInteger(key);
}

/** Whether every micro-op reads: such a txn changes nothing and may be served outside the log. */
export function isReadOnlyTxn(ops: readonly MicroOp[]): boolean {
  for (const op of ops) if (op[0] !== 'r') return false;
  return true;
}

/**
 * Runs the micro-ops in order against `store`. Writes go to a buffer that later micro-ops read
 * through, and reach the store only once every micro-op succeeded: an append to a key holding a
 * non-list fails the whole txn, with the store unchanged.
 */
export function executeTxn(ops: readonly MicroOp[], store: TxnStore): KvOutcome {
  // Created at the first write: a read-only txn allocates only its reply.
  let writes: Map<string, { readonly key: TxnKey; value: JsonValue }> | undefined;
  const txn: JsonValue[] = new Array(ops.length);
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i] as MicroOp;
    const key = op[1];
    // A key's slot is needed only once the txn has written something.
    let slot = writes === undefined ? undefined : keySlot(key);
    const buffered = slot === undefined ? undefined : writes?.get(slot);
    const current = buffered === undefined ? store.get(key) : buffered.value;
    if (op[0] === 'r') {
      txn[i] = ['r', key, current === undefined ? null : current];
      continue;
    }
    let next: JsonValue;
    if (op[0] === 'w') next = op[2];
    else if (current === undefined) next = [op[2]];
    else if (Array.isArray(current)) next = [...current, op[2]];
    else {
      return {
        type: 'error',
        code: KvErrorCode.malformedRequest,
        text: `micro-op ${i} appends to key ${previewJson(key)}, which holds ${previewJson(current)}, not a list; the txn changed nothing`,
      };
    }
    if (writes === undefined) writes = new Map();
    slot ??= keySlot(key);
    if (buffered === undefined) writes.set(slot, { key, value: next });
    else buffered.value = next;
    txn[i] = op;
  }
  if (writes !== undefined) for (const { key, value } of writes.values()) store.put(key, value);
  return { type: 'txn_ok', txn };
}
