// The reference for the transactional checker: decides serializability of a small history by
// trying serial orders, with no inference at all. Independent of the checker's own parsing and
// graphs on purpose: it joins invocations and completions itself and replays micro-ops.
// Exponential: refuses histories of more than MAX_TXNS txns that could have committed.
//
// Semantics (the ones the checker must agree with):
// - ok txns committed; fail txns did not happen; info txns may or may not have happened, and
//   their reads are unknown (a client that gave up never saw them).
// - serializable: some order of the committed txns plus any subset of the info txns, replayed
//   micro-op by micro-op from empty keys, gives every read of every ok txn exactly.
// - strict-serializable: the same with an order that keeps real time: an ok txn that completed
//   before another txn was invoked (in history order) comes first. An info txn never completed,
//   so it precedes nothing in real time.

import type { HistoryEvent } from '../../../src/check/history.js';
import type { MicroOp, ReadValue, TxnWorkload } from '../../../src/check/txn/types.js';

/** More than this many ok and info txns would take too long to enumerate. */
const MAX_TXNS = 8;

interface ReferenceTxn {
  /** Position among client invocations, as the checker numbers txns. */
  readonly id: number;
  readonly outcome: 'ok' | 'fail' | 'info';
  readonly ops: readonly MicroOp[];
  /** Positions in the event list; an info txn's completion does not count (it may take effect later). */
  readonly invokePosition: number;
  readonly completePosition: number | undefined;
}

export interface ReferenceVerdict {
  /** A serial order of txn ids that explains every read, or null when none does. */
  readonly serialOrder: readonly number[] | null;
  /** The same, keeping real-time order, or null. */
  readonly strictOrder: readonly number[] | null;
}

/** Joins each client invocation with its process's next completion; no validation beyond shape. */
function referenceTxns(events: readonly HistoryEvent[]): ReferenceTxn[] {
  const txns: ReferenceTxn[] = [];
  const open = new Map<number, { id: number; position: number; ops: MicroOp[] }>();
  events.forEach((event, position) => {
    if (typeof event.process !== 'number') return;
    if (event.type === 'invoke') {
      if (open.has(event.process)) throw new Error(`process ${event.process} invokes twice at event ${position}`);
      open.set(event.process, { id: txns.length, position, ops: microOps(event.value) });
      txns.push({ id: txns.length, outcome: 'info', ops: [], invokePosition: position, completePosition: undefined });
      return;
    }
    const invocation = open.get(event.process);
    if (invocation === undefined) throw new Error(`process ${event.process} completes nothing at event ${position}`);
    open.delete(event.process);
    txns[invocation.id] = {
      id: invocation.id,
      outcome: event.type,
      ops: event.type === 'ok' ? microOps(event.value) : invocation.ops,
      invokePosition: invocation.position,
      completePosition: event.type === 'ok' ? position : undefined,
    };
  });
  for (const invocation of open.values()) {
    txns[invocation.id] = { id: invocation.id, outcome: 'info', ops: invocation.ops, invokePosition: invocation.position, completePosition: undefined };
  }
  return txns;
}

function microOps(value: unknown): MicroOp[] {
  if (!Array.isArray(value)) throw new Error(`a txn value must be a list, got ${JSON.stringify(value)}`);
  return value.map((raw) => {
    const [f, key, v] = raw as [string, number, ReadValue];
    if (f === 'r') return { f, key, value: v };
    if (f === 'append' || f === 'w') return { f, key, value: v as number };
    throw new Error(`unknown micro-op ${JSON.stringify(raw)}`);
  });
}

type KeyState = ReadonlyMap<number, readonly number[] | number>;

/**
 * Runs one txn on a state: the state after it, or null when one of its reads differs from what
 * the state gives. Reads of info txns are skipped (unknown). A list-append read of null or []
 * both mean the key is empty, as Elle reads them.
 */
function replay(txn: ReferenceTxn, state: KeyState, workload: TxnWorkload): KeyState | null {
  const next = new Map(state);
  for (const op of txn.ops) {
    const current = next.get(op.key);
    if (op.f === 'r') {
      if (txn.outcome !== 'ok') continue;
      if (!readMatches(op.value, current, workload)) return null;
    } else if (workload === 'txn-list-append') {
      if (op.f !== 'append') return null;
      next.set(op.key, [...((current as readonly number[] | undefined) ?? []), op.value]);
    } else {
      if (op.f !== 'w') return null;
      next.set(op.key, op.value);
    }
  }
  return next;
}

function readMatches(read: ReadValue, current: readonly number[] | number | undefined, workload: TxnWorkload): boolean {
  if (workload === 'txn-rw-register') return read === (current ?? null);
  const actual = (current as readonly number[] | undefined) ?? [];
  const seen = read ?? [];
  if (!Array.isArray(seen) || seen.length !== actual.length) return false;
  return seen.every((element, i) => element === actual[i]);
}

/** Depth-first over serial orders; a prefix whose replay already contradicts a read is abandoned. */
function findOrder(txns: readonly ReferenceTxn[], workload: TxnWorkload, keepRealTime: boolean): number[] | null {
  const candidates = txns.filter((txn) => txn.outcome !== 'fail');
  const mustPrecede = new Map<number, ReferenceTxn[]>();
  for (const txn of candidates) {
    const before = keepRealTime ? candidates.filter((other) => other.completePosition !== undefined && other.completePosition < txn.invokePosition) : [];
    mustPrecede.set(txn.id, before);
  }
  const committedCount = candidates.filter((txn) => txn.outcome === 'ok').length;
  const placed = new Set<number>();
  const order: number[] = [];
  let placedCommitted = 0;
  const search = (state: KeyState): boolean => {
    // Info txns left out did not happen: allowed, as nothing can require them to complete.
    if (placedCommitted === committedCount) return true;
    for (const txn of candidates) {
      if (placed.has(txn.id)) continue;
      if (!(mustPrecede.get(txn.id) ?? []).every((before) => placed.has(before.id))) continue;
      const after = replay(txn, state, workload);
      if (after === null) continue;
      placed.add(txn.id);
      order.push(txn.id);
      if (txn.outcome === 'ok') placedCommitted++;
      if (search(after)) return true;
      if (txn.outcome === 'ok') placedCommitted--;
      order.pop();
      placed.delete(txn.id);
    }
    return false;
  };
  return search(new Map()) ? order.slice() : null;
}

/** Serializable and strict-serializable verdicts of a small history, each with its witness order. */
export function referenceCheck(events: readonly HistoryEvent[], workload: TxnWorkload): ReferenceVerdict {
  const txns = referenceTxns(events);
  const possible = txns.filter((txn) => txn.outcome !== 'fail').length;
  if (possible > MAX_TXNS) throw new Error(`the reference checker takes at most ${MAX_TXNS} ok and info txns, got ${possible}`);
  const strictOrder = findOrder(txns, workload, true);
  // A strict order is also a serial order; only search again when there is none.
  const serialOrder = strictOrder ?? findOrder(txns, workload, false);
  return { serialOrder, strictOrder };
}
