// The vocabulary of transactional histories and of their verdicts, shared by the checker, its
// explanations and pictures, the harness and the command line. Types only: no behaviour here.
// Invariants: a txn's micro-ops keep the order the client sent them in; a txn is identified by
// its index among the history's client invocations (T<index> in explanations is a display name).

import type { HistoryError } from '../history.js';

/** Maelstrom's two transactional workloads, by the name of the micro-op that writes. */
export type TxnWorkload = 'txn-list-append' | 'txn-rw-register';

/** Keys are what the client sent: Maelstrom's generator uses integers. */
export type TxnKey = number;

/** A read's value: a list (list-append), an integer (rw-register), or null (key missing or, in an invocation, not read yet). */
export type ReadValue = readonly number[] | number | null;

export type MicroOp =
  | { readonly f: 'r'; readonly key: TxnKey; readonly value: ReadValue }
  | { readonly f: 'append'; readonly key: TxnKey; readonly value: number }
  | { readonly f: 'w'; readonly key: TxnKey; readonly value: number };

/** Outcome of a txn as the client saw it: ok committed, fail surely not, info maybe. */
export type TxnOutcome = 'ok' | 'fail' | 'info';

/** One client transaction: its invocation joined with its completion. */
export interface Txn {
  /** Position among client invocations, 0-based: the identity the checker uses. */
  readonly id: number;
  readonly process: number;
  readonly outcome: TxnOutcome;
  /** The micro-ops: the completion's for ok (reads filled in), the invocation's otherwise. */
  readonly ops: readonly MicroOp[];
  /** History times (ns) and event indexes of invocation and completion; completion absent: never completed (info). */
  readonly invokeTime: number;
  readonly completeTime: number | undefined;
  readonly invokeIndex: number;
  readonly completeIndex: number | undefined;
  readonly error?: HistoryError;
}

/** Maelstrom's --consistency-models names. */
export type ConsistencyModel = 'strict-serializable' | 'serializable' | 'snapshot-isolation' | 'repeatable-read' | 'read-committed' | 'read-uncommitted';

export const CONSISTENCY_MODELS: readonly ConsistencyModel[] = [
  'strict-serializable',
  'serializable',
  'snapshot-isolation',
  'repeatable-read',
  'read-committed',
  'read-uncommitted',
];

export type CycleAnomaly = 'G0' | 'G1c' | 'G-single' | 'G-nonadjacent' | 'G2-item';
/** A cycle anomaly, or the same cycle needing a process or a real-time edge to close. */
export type CycleAnomalyName = CycleAnomaly | `${CycleAnomaly}-process` | `${CycleAnomaly}-realtime`;
export type NonCycleAnomalyName =
  | 'G1a'
  | 'G1b'
  | 'internal'
  | 'dirty-update'
  | 'incompatible-order'
  | 'duplicate-elements'
  | 'cyclic-versions'
  | 'future-read'
  | 'lost-update'
  | 'garbage-read';
export type AnomalyName = CycleAnomalyName | NonCycleAnomalyName;

/** ww: T2 wrote the version after T1's; wr: T2 read T1's write; rw: T2 overwrote what T1 read. */
export type EdgeKind = 'ww' | 'wr' | 'rw' | 'realtime' | 'process';

/** One edge of an explained cycle, with the fact that makes it exist. */
export interface ExplainedEdge {
  readonly from: number;
  readonly to: number;
  readonly kind: EdgeKind;
  /** The key the data edge is about (absent for realtime and process). */
  readonly key?: TxnKey;
  /** E.g. "T2 read 3 from key 7, which T1 appended" (txns named by their place in the cycle). */
  readonly reason: string;
}

/** One anomaly found: the txns involved (a shortest cycle, in order, for cycle anomalies) and why. */
export interface AnomalyReport {
  readonly name: AnomalyName;
  /** Txn ids; for a cycle in cycle order, T1 = txns[0]. */
  readonly txns: readonly number[];
  /** The cycle's edges (empty for non-cycle anomalies): edges[i] goes txns[i] -> txns[(i + 1) % n]. */
  readonly edges: readonly ExplainedEdge[];
  /** A few lines a person can follow, naming txns T1..Tn. */
  readonly explanation: string;
}

export interface ModelVerdict {
  readonly model: ConsistencyModel;
  readonly valid: boolean | 'unknown';
  /** The anomalies found that this model forbids. */
  readonly violatedBy: readonly AnomalyName[];
}

export interface TxnCheckResult {
  /** Valid when every model asked for is; invalid when one is not; unknown otherwise (never a guess). */
  readonly verdict: 'valid' | 'invalid' | 'unknown';
  readonly models: readonly ModelVerdict[];
  /** Every anomaly kind found, with at most a few reports each (the shortest first). */
  readonly anomalies: ReadonlyMap<AnomalyName, readonly AnomalyReport[]>;
  /**
   * How many of each kind were found in all (the reports above are only the first few), for
   * every kind reported; absent: not counted (a result not made by the checker). A non-cycle
   * kind counts each occurrence (each read, txn or group of txns that shows it, as its reports
   * do). A cycle kind counts components: the strongly connected components of the dependency
   * graph restricted to the edges such a cycle may use (ww for G0; ww and wr for G1c; ww, wr
   * and rw for G-single, G-nonadjacent and G2-item; plus process edges for the -process kinds
   * and process and real-time edges for the -realtime kinds) in which the checker found a cycle
   * of that kind, each counted once however many cycles it holds. Exact unless a note says the
   * search for examples was cut short; never fewer than the reports kept.
   */
  readonly anomalyCounts?: ReadonlyMap<AnomalyName, number>;
  /** Every txn of the history, by id (the explanations and pictures need their ops and times). */
  readonly txns: readonly Txn[];
  readonly counts: { readonly ok: number; readonly fail: number; readonly info: number };
  /** Why a verdict is unknown (a budget ran out, nothing could be checked, ...), and what the checker could not see. */
  readonly notes: readonly string[];
}
