// The words of the transaction checker: what each anomaly means, one txn as a line, and the
// explanation of one anomaly (its txns named T1..Tn, each cycle edge with the fact behind it).
// Also the bounded collector of non-cycle anomalies. Pure. Invariant: explanations name txns by
// their place in the report (T1 = txns[0]) and by id ("txn 17") when outside it.

import type { AnomalyName, AnomalyReport, ExplainedEdge, MicroOp, NonCycleAnomalyName, Txn } from './types.js';

/** Reports kept per anomaly kind: enough to see the pattern, few enough to read. */
export const REPORTS_PER_KIND = 3;

const BASE_MEANING: Readonly<Record<string, string>> = {
  G0: 'a cycle of write-write dependencies only: the txns overwrote each other in a circle (dirty write)',
  G1c: 'a cycle of write-write and write-read dependencies: each txn saw or overwrote the effects of the next, in a circle',
  'G-single': 'a cycle with exactly one read-write anti-dependency: one txn missed a write that the rest of the cycle puts before it (read skew)',
  'G-nonadjacent': 'a cycle with several read-write anti-dependencies, never two in a row',
  'G2-item': 'a cycle with two or more read-write anti-dependencies, some in a row: each txn missed the write of another (write skew)',
  G1a: 'aborted read: a committed txn read a value written by a txn that failed',
  G1b: 'intermediate read: a committed txn read a value that its writer later overwrote within the same txn',
  internal: 'a txn read something other than what its own earlier reads and writes imply',
  'dirty-update': 'a committed write was made on top of a state written by a txn that failed',
  'incompatible-order':
    "reads of one list show no single order of its appends: two reads that are not prefixes of one another, or a read showing a txn's own appends out of the order it made them",
  'duplicate-elements': 'a read of a list shows one appended value twice',
  'cyclic-versions': 'the version order inferred for a key goes round in a circle',
  'future-read': 'a txn read a value that it writes only later itself',
  'lost-update': 'two committed txns read the same version of a key and both wrote it: one write was made without seeing the other',
  'garbage-read': 'a read returned a value that no txn ever wrote',
};

/** One line saying what an anomaly is, for reports and explanations. */
export function describeAnomaly(name: AnomalyName): string {
  if (name.endsWith('-process')) {
    return `${BASE_MEANING[name.slice(0, -'-process'.length)]}; the cycle closes only through process order (a client's own earlier txn)`;
  }
  if (name.endsWith('-realtime')) {
    return `${BASE_MEANING[name.slice(0, -'-realtime'.length)]}; the cycle closes only through real-time order (a txn that completed before another began)`;
  }
  return BASE_MEANING[name] ?? name;
}

function formatOp(op: MicroOp): string {
  const value = op.value === null ? 'nil' : Array.isArray(op.value) ? `[${op.value.join(' ')}]` : String(op.value);
  return `${op.f} ${op.key} ${value}`;
}

export function formatOps(ops: readonly MicroOp[]): string {
  return ops.length === 0 ? '(no micro-ops)' : ops.map(formatOp).join(', ');
}

/** A read's value as the explanations print it. */
export function formatRead(value: readonly number[] | number | null): string {
  if (value === null) return 'nil';
  return Array.isArray(value) ? `[${value.join(' ')}]` : String(value);
}

/** "T1 = txn 12 (process 3, ok): r 7 [1 2], append 8 4". */
export function describeTxn(label: string, txn: Txn): string {
  const outcome = txn.error === undefined ? txn.outcome : `${txn.outcome}, error ${txn.error.code}${txn.error.text === '' ? '' : ` ${txn.error.text}`}`;
  const never = txn.completeIndex === undefined ? ', never completed' : '';
  return `${label} = txn ${txn.id} (process ${txn.process}, ${outcome}${never}): ${formatOps(txn.ops)}`;
}

/** Names txns by their place in one report: T1..Tn, or "txn <id>" for a txn outside it. */
export type TxnNamer = (id: number) => string;

export function namerFor(reportTxns: readonly number[]): TxnNamer {
  const places = new Map<number, number>();
  reportTxns.forEach((id, at) => {
    if (!places.has(id)) places.set(id, at);
  });
  return (id) => {
    const at = places.get(id);
    return at === undefined ? `txn ${id}` : `T${at + 1}`;
  };
}

/** Longer cycles show their first and last txns and edges only: the report keeps them all. */
const CYCLE_LINES_SHOWN = { head: 8, tail: 4 };

/** The positions of a cycle the explanation shows, with -1 where it skips some. */
function shownPlaces(length: number): number[] {
  const { head, tail } = CYCLE_LINES_SHOWN;
  if (length <= head + tail + 1) return Array.from({ length }, (_, at) => at);
  return [...Array.from({ length: head }, (_, at) => at), -1, ...Array.from({ length: tail }, (_, at) => length - tail + at)];
}

/** A cycle's report: txns in cycle order, edges[i] from txns[i] to txns[i + 1] (wrapping). */
export function cycleReport(name: AnomalyName, txns: readonly Txn[], cycle: readonly number[], edges: readonly ExplainedEdge[]): AnomalyReport {
  const lines = [`${name}: ${describeAnomaly(name)}.`];
  const places = shownPlaces(cycle.length);
  const skipped = `... (${cycle.length - places.length + 1} more)`;
  for (const at of places) lines.push(at === -1 ? skipped : describeTxn(`T${at + 1}`, txns[cycle[at] as number] as Txn));
  for (const at of places) {
    const edge = edges[at];
    lines.push(edge === undefined ? skipped : `T${at + 1} -${edge.kind}-> T${((at + 1) % cycle.length) + 1}: ${edge.reason}`);
  }
  const chain = cycle.length <= 6 ? [...cycle.map((_, at) => `T${at + 1}`), 'T1'].join(' < ') : `T1 < T2 < ... < T${cycle.length} < T1`;
  lines.push(`So ${chain}: a txn would have to come before itself, and no order of these txns explains what they read and wrote.`);
  return { name, txns: cycle, edges, explanation: lines.join('\n') };
}

/** A non-cycle anomaly's report: the txns involved, then the facts (naming them T1..Tn). */
function factReport(name: NonCycleAnomalyName, txns: readonly Txn[], involved: readonly number[], facts: string): AnomalyReport {
  const lines = [`${name}: ${describeAnomaly(name)}.`];
  involved.forEach((id, at) => {
    lines.push(describeTxn(`T${at + 1}`, txns[id] as Txn));
  });
  lines.push(facts);
  return { name, txns: involved, edges: [], explanation: lines.join('\n') };
}

/**
 * Non-cycle anomalies as they are found, at most REPORTS_PER_KIND kept per kind (the first
 * found, in txn order) and every one counted. The facts are written only for kept ones.
 */
export class Findings {
  readonly reports = new Map<NonCycleAnomalyName, AnomalyReport[]>();
  readonly counts = new Map<NonCycleAnomalyName, number>();

  constructor(private readonly txns: readonly Txn[]) {}

  add(name: NonCycleAnomalyName, involved: readonly number[], facts: () => string): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    let kept = this.reports.get(name);
    if (kept === undefined) {
      kept = [];
      this.reports.set(name, kept);
    }
    if (kept.length < REPORTS_PER_KIND) kept.push(factReport(name, this.txns, involved, facts()));
  }
}
