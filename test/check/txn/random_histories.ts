// Small random transactional histories from one seed, some valid and some not: txns run against
// a model store in commit-point order (atomic, serial: a correct store), and a share of them
// break isolation on purpose (reads from a stale snapshot, micro-ops split across two points,
// writes lost, commit points outside the txn's real-time window, reads reordered or stale for
// one key, failed txns that still write). Deterministic: the same seed gives the same events.
// Values are unique per key (1, 2, 3, ... as Maelstrom's generator); keys are 0..2.

import type { JsonValue } from '../../../src/base/json.js';
import { Rng } from '../../../src/base/rng.js';
import type { HistoryEvent } from '../../../src/check/history.js';
import type { TxnWorkload } from '../../../src/check/txn/types.js';

type Break =
  | 'stale-snapshot' // reads from an earlier state of the store, writes applied now
  | 'split' // micro-ops applied at two different points: no atomicity
  | 'lost-write' // one write seen by its own txn but never applied
  | 'time-travel' // commit point before the invocation or after the completion
  | 'reordered-read' // list-append: two elements of a read swapped
  | 'stale-key-read' // one read returns an older version of its key
  | 'dirty-write'; // a failed txn's writes are applied anyway

export interface RandomHistory {
  readonly seed: number;
  readonly workload: TxnWorkload;
  readonly events: readonly HistoryEvent[];
  /** Which txn (by invocation order) got which break: what a person replaying the seed wants to know. */
  readonly breaks: readonly string[];
  /** Read-modify-write shape: every write follows a read of its key in the same ok txn (see the agreement test). */
  readonly readModifyWrite: boolean;
}

interface PlannedOp {
  readonly f: 'r' | 'append' | 'w';
  readonly key: number;
  /** The written value; for reads, filled in when the txn runs. */
  value: JsonValue;
}

interface PlannedTxn {
  readonly thread: number;
  process: number;
  readonly ops: PlannedOp[];
  readonly invokeAt: number;
  readonly completeAt: number;
  outcome: 'ok' | 'fail' | 'info';
  /** Info txns: whether the completion event is in the history at all. */
  infoCompletes: boolean;
  applied: boolean;
  brk: Break | undefined;
}

interface Step {
  readonly at: number;
  readonly txn: PlannedTxn;
  readonly opIndexes: readonly number[];
  readonly fromSnapshot: boolean;
}

type StoreValue = readonly number[] | number;
type Store = Map<number, StoreValue>;

const MAX_KEYS = 3;

/** One random history; `readModifyWrite` forces the shape under which rw-register inference is complete. */
export function randomTxnHistory(seed: number, workload: TxnWorkload, shape: { readonly readModifyWrite?: boolean } = {}): RandomHistory {
  const rng = new Rng(seed);
  const readModifyWrite = shape.readModifyWrite ?? false;
  const txnCount = rng.pick([2, 3, 4, 5, 5, 6, 6, 7, 7]);
  // Few keys and several threads: txns must collide for isolation breaks to show.
  const keyCount = rng.pick([1, 1, 2, 2, 3]);
  const threadCount = rng.pick([1, 2, 3, 3, 4]);
  const broken = rng.chance(0.8);
  const breakChance = rng.pick([0.5, 0.7, 0.9]);
  // Final reads make lost and reordered writes visible, as in Jepsen's tests.
  const withFinalRead = rng.chance(0.5);
  const nextValue = new Array<number>(MAX_KEYS).fill(0);
  const writeOp = workload === 'txn-list-append' ? 'append' : 'w';

  const planOps = (): PlannedOp[] => {
    const ops: PlannedOp[] = [];
    const opCount = rng.pick([1, 2, 3, 3]);
    while (ops.length < opCount) {
      const key = rng.int(0, keyCount - 1);
      if (!rng.chance(0.5)) {
        ops.push({ f: 'r', key, value: null });
        continue;
      }
      // Read-modify-write: a write of a key this txn has not read yet is preceded by its read
      // (which can make such a txn one micro-op longer than the others).
      if (readModifyWrite && !ops.some((op) => op.key === key)) ops.push({ f: 'r', key, value: null });
      const value = (nextValue[key] ?? 0) + 1;
      nextValue[key] = value;
      ops.push({ f: writeOp, key, value });
    }
    return ops;
  };

  const threadFreeAt = new Array<number>(threadCount).fill(0);
  const txns: PlannedTxn[] = [];
  const plainCount = withFinalRead ? txnCount - 1 : txnCount;
  for (let i = 0; i < plainCount; i++) {
    const thread = rng.int(0, threadCount - 1);
    const invokeAt = (threadFreeAt[thread] as number) + rng.float() * 2;
    const completeAt = invokeAt + 0.1 + rng.float() * 3;
    threadFreeAt[thread] = completeAt;
    const roll = rng.float();
    // A read-modify-write info txn would hide the read that orders its write: keep them ok or fail.
    const outcome = roll < 0.12 ? 'fail' : roll < 0.27 && !readModifyWrite ? 'info' : 'ok';
    txns.push({
      thread,
      process: thread,
      ops: planOps(),
      invokeAt,
      completeAt,
      outcome,
      infoCompletes: rng.chance(0.7),
      applied: outcome === 'ok' || (outcome === 'info' && rng.chance(0.5)),
      brk: undefined,
    });
  }
  if (withFinalRead) {
    // Jepsen's final reads: after everything else completed, read every key.
    const invokeAt = Math.max(...txns.map((txn) => txn.completeAt)) + 1;
    const ops: PlannedOp[] = [];
    for (let key = 0; key < keyCount; key++) ops.push({ f: 'r', key, value: null });
    txns.push({
      thread: threadCount,
      process: threadCount,
      ops,
      invokeAt,
      completeAt: invokeAt + 1,
      outcome: 'ok',
      infoCompletes: true,
      applied: true,
      brk: undefined,
    });
  }
  // Invocation order is the checker's txn numbering; a thread's process grows after an info.
  txns.sort((a, b) => a.invokeAt - b.invokeAt);
  const generation = new Array<number>(threadCount + 1).fill(0);
  for (const txn of txns) {
    txn.process = txn.thread + (threadCount + 1) * (generation[txn.thread] as number);
    if (txn.outcome === 'info') generation[txn.thread] = (generation[txn.thread] as number) + 1;
  }

  const breaks: string[] = [];
  if (broken) {
    txns.forEach((txn, id) => {
      if (!rng.chance(breakChance)) return;
      const choices: Break[] =
        txn.outcome === 'fail'
          ? ['dirty-write']
          : ['stale-snapshot', 'split', 'lost-write', 'time-travel', workload === 'txn-list-append' ? 'reordered-read' : 'stale-key-read'];
      txn.brk = rng.pick(choices);
      if (txn.brk === 'dirty-write') txn.applied = true;
      breaks.push(`T${id} (process ${txn.process}, ${txn.outcome}): ${txn.brk}`);
    });
  }

  // Commit points: inside the real-time window for a correct txn; an info txn may take effect
  // any time after its invocation.
  const steps: Step[] = [];
  for (const txn of txns) {
    if (!txn.applied) continue;
    const span = txn.completeAt - txn.invokeAt;
    const within = (): number => txn.invokeAt + rng.float() * span;
    const all = txn.ops.map((_, i) => i);
    if (txn.brk === 'time-travel') {
      const at = rng.chance(0.5) ? txn.invokeAt - rng.float() * 4 : txn.completeAt + rng.float() * 4;
      steps.push({ at, txn, opIndexes: all, fromSnapshot: false });
    } else if (txn.brk === 'split' && all.length >= 2) {
      const cut = rng.int(1, all.length - 1);
      const first = within();
      const second = within();
      steps.push({ at: Math.min(first, second), txn, opIndexes: all.slice(0, cut), fromSnapshot: false });
      steps.push({ at: Math.max(first, second), txn, opIndexes: all.slice(cut), fromSnapshot: false });
    } else {
      const at = txn.outcome === 'info' ? txn.invokeAt + rng.float() * (span + 4) : within();
      steps.push({ at, txn, opIndexes: all, fromSnapshot: txn.brk === 'stale-snapshot' });
    }
  }
  steps.sort((a, b) => a.at - b.at);

  const live: Store = new Map();
  const snapshots: Store[] = [new Map()];
  const versions = new Map<number, StoreValue[]>();
  for (const step of steps) {
    // A stale snapshot is an older one whenever there is one.
    const base = step.fromSnapshot ? (snapshots[rng.int(0, Math.max(0, snapshots.length - 2))] as Store) : live;
    // The txn's own view: its base plus its own writes, so it reads what it wrote.
    const view: Store = new Map(base);
    const lostIndex = step.txn.brk === 'lost-write' ? rng.pick(step.opIndexes.filter((i) => step.txn.ops[i]?.f !== 'r').concat(-1)) : -1;
    for (const i of step.opIndexes) {
      const op = step.txn.ops[i] as PlannedOp;
      if (op.f === 'r') {
        op.value = readValue(view.get(op.key), workload);
        continue;
      }
      const value = op.value as number;
      view.set(op.key, workload === 'txn-list-append' ? [...((view.get(op.key) as number[] | undefined) ?? []), value] : value);
      if (i === lostIndex) continue;
      const current = live.get(op.key);
      const next = workload === 'txn-list-append' ? [...((current as number[] | undefined) ?? []), value] : value;
      live.set(op.key, next);
      const keyVersions = versions.get(op.key) ?? [];
      keyVersions.push(next);
      versions.set(op.key, keyVersions);
    }
    snapshots.push(new Map(live));
    if (step.txn.brk === 'reordered-read' || step.txn.brk === 'stale-key-read') corruptOneRead(step.txn, versions, rng);
  }

  return { seed, workload, events: toEvents(txns), breaks, readModifyWrite };
}

function readValue(value: StoreValue | undefined, workload: TxnWorkload): JsonValue {
  if (value === undefined) return null;
  return workload === 'txn-list-append' ? [...(value as number[])] : (value as number);
}

/** reordered-read swaps two elements of a list read; stale-key-read returns an older version. */
function corruptOneRead(txn: PlannedTxn, versions: ReadonlyMap<number, StoreValue[]>, rng: Rng): void {
  const reads = txn.ops.filter((op) => op.f === 'r');
  if (reads.length === 0) return;
  const op = rng.pick(reads);
  if (txn.brk === 'reordered-read') {
    const list = op.value as number[] | null;
    if (list === null || list.length < 2) return;
    const i = rng.int(0, list.length - 2);
    [list[i], list[i + 1]] = [list[i + 1] as number, list[i] as number];
    return;
  }
  const older = versions.get(op.key) ?? [];
  op.value = older.length === 0 || rng.chance(0.3) ? null : (rng.pick(older) as number);
}

/** Invocations and completions in real-time order; times are the events' ranks (ns apart by 1 ms). */
function toEvents(txns: readonly PlannedTxn[]): HistoryEvent[] {
  const raw: { at: number; event: Omit<HistoryEvent, 'index' | 'time'> }[] = [];
  for (const txn of txns) {
    const invocation = txn.ops.map((op) => [op.f, op.key, op.f === 'r' ? null : op.value]);
    raw.push({ at: txn.invokeAt, event: { process: txn.process, type: 'invoke', f: 'txn', value: invocation } });
    if (txn.outcome === 'ok') {
      raw.push({ at: txn.completeAt, event: { process: txn.process, type: 'ok', f: 'txn', value: txn.ops.map((op) => [op.f, op.key, op.value]) } });
    } else if (txn.outcome === 'fail') {
      raw.push({ at: txn.completeAt, event: { process: txn.process, type: 'fail', f: 'txn', value: invocation, error: { code: 30, text: 'txn conflict' } } });
    } else if (txn.infoCompletes) {
      raw.push({ at: txn.completeAt, event: { process: txn.process, type: 'info', f: 'txn', value: invocation, error: { code: 0, text: 'timeout' } } });
    }
  }
  raw.sort((a, b) => a.at - b.at);
  return raw.map(({ event }, index) => ({ ...event, index, time: (index + 1) * 1_000_000 }));
}
