// Turns client events with f "txn" into txns: each invocation joined with its process's next
// completion. Pure. Invariants: txn ids are the order of invocations; a malformed event is an
// error naming its index, never skipped.

import type { JsonValue } from '../../base/json.js';
import type { Result } from '../../base/result.js';
import { err, ok } from '../../base/result.js';
import type { HistoryEvent } from '../history.js';
import { isClientEvent } from '../history.js';
import type { MicroOp, ReadValue, Txn, TxnOutcome } from './types.js';

interface OpenInvocation {
  readonly id: number;
  readonly position: number;
  readonly event: HistoryEvent & { readonly process: number };
  readonly ops: MicroOp[];
}

/** Txns with where their events sit in the history (the real-time order the checker trusts). */
export interface TxnTimeline {
  readonly txns: Txn[];
  /** Positions in the event list, by txn id; -1 when the txn never completed. */
  readonly invokePositions: Int32Array;
  readonly completePositions: Int32Array;
}

/** Every client invocation becomes a txn; its process's next completion closes it (none: info). */
export function parseTxns(events: readonly HistoryEvent[]): Result<Txn[], string> {
  const timeline = parseTxnTimeline(events);
  return timeline.ok ? ok(timeline.value.txns) : timeline;
}

export function parseTxnTimeline(events: readonly HistoryEvent[]): Result<TxnTimeline, string> {
  const txns: (Txn | undefined)[] = [];
  const invokePositions: number[] = [];
  const completePositions: number[] = [];
  const open = new Map<number, OpenInvocation>();
  for (let position = 0; position < events.length; position++) {
    const event = events[position] as HistoryEvent;
    if (!isClientEvent(event)) continue;
    const where = `event ${event.index}`;
    if (!Number.isSafeInteger(event.process)) return err(`${where}: client process ${event.process} is not an integer`);
    if (event.f !== 'txn') return err(`${where}: client function "${event.f}" is not "txn"`);
    if (event.type === 'invoke') {
      if (open.has(event.process)) return err(`${where}: process ${event.process} invokes a txn before its last one completed`);
      const ops = parseMicroOps(event.value, where);
      if (!ops.ok) return ops;
      const id = txns.length;
      txns.push(undefined);
      invokePositions.push(position);
      completePositions.push(-1);
      open.set(event.process, { id, position, event, ops: ops.value });
      continue;
    }
    const invocation = open.get(event.process);
    if (invocation === undefined) return err(`${where}: process ${event.process} completes a txn it never invoked`);
    open.delete(event.process);
    let ops = invocation.ops;
    const outcome: TxnOutcome = event.type;
    if (outcome === 'ok') {
      const completed = parseMicroOps(event.value, where);
      if (!completed.ok) return completed;
      const shapeProblem = differsInShape(invocation.ops, completed.value);
      if (shapeProblem !== undefined) {
        return err(`${where}: the ok completion differs from its invocation (event ${invocation.event.index}): ${shapeProblem}`);
      }
      ops = completed.value;
    }
    completePositions[invocation.id] = position;
    txns[invocation.id] = {
      id: invocation.id,
      process: event.process,
      outcome,
      ops,
      invokeTime: invocation.event.time,
      completeTime: event.time,
      invokeIndex: invocation.event.index,
      completeIndex: event.index,
      ...(event.error === undefined ? {} : { error: event.error }),
    };
  }
  for (const invocation of open.values()) {
    txns[invocation.id] = {
      id: invocation.id,
      process: invocation.event.process,
      outcome: 'info',
      ops: invocation.ops,
      invokeTime: invocation.event.time,
      completeTime: undefined,
      invokeIndex: invocation.event.index,
      completeIndex: undefined,
    };
  }
  return ok({
    txns: txns as Txn[],
    invokePositions: Int32Array.from(invokePositions),
    completePositions: Int32Array.from(completePositions),
  });
}

function parseMicroOps(value: JsonValue, where: string): Result<MicroOp[], string> {
  if (!Array.isArray(value)) return err(`${where}: a txn value must be a list of [f, k, v] micro-ops`);
  const ops: MicroOp[] = [];
  for (let i = 0; i < value.length; i++) {
    const raw = value[i];
    if (!Array.isArray(raw) || raw.length !== 3) return err(`${where}: micro-op ${i} is not [f, k, v]`);
    const [f, key, v] = raw as [JsonValue, JsonValue, JsonValue];
    if (!Number.isSafeInteger(key)) return err(`${where}: micro-op ${i} has a key that is not an integer`);
    const k = key as number;
    if (f === 'r') {
      const read = parseReadValue(v);
      if (read === undefined) return err(`${where}: micro-op ${i} reads a value that is not null, an integer or a list of integers`);
      ops.push({ f: 'r', key: k, value: read });
    } else if (f === 'append' || f === 'w') {
      if (!Number.isSafeInteger(v)) return err(`${where}: micro-op ${i} writes a value that is not an integer`);
      ops.push({ f, key: k, value: v as number });
    } else {
      return err(`${where}: micro-op ${i} has function ${JSON.stringify(f)} (expected "r", "append" or "w")`);
    }
  }
  return ok(ops);
}

function parseReadValue(value: JsonValue): ReadValue | undefined {
  if (value === null) return null;
  if (Number.isSafeInteger(value)) return value as number;
  if (!Array.isArray(value)) return undefined;
  for (const element of value) if (!Number.isSafeInteger(element)) return undefined;
  return value as number[];
}

function differsInShape(invoked: readonly MicroOp[], completed: readonly MicroOp[]): string | undefined {
  if (invoked.length !== completed.length) return `${completed.length} micro-ops instead of ${invoked.length}`;
  for (let i = 0; i < invoked.length; i++) {
    const a = invoked[i] as MicroOp;
    const b = completed[i] as MicroOp;
    if (a.f !== b.f || a.key !== b.key || (a.f !== 'r' && a.value !== b.value)) {
      return `micro-op ${i} is [${b.f} ${b.key} ${b.f === 'r' ? '...' : b.value}] instead of [${a.f} ${a.key} ${a.f === 'r' ? '...' : a.value}]`;
    }
  }
  return undefined;
}
