// The one place where the harness meets the checkers (src/check): it hands the recorded history
// to the workload's checker (linearizability per key for lin-kv, the transactional checker for
// the txn workloads) and turns its answer into the workload section of the results, with
// explanations and pictures (the timeline of invalid keys, or one picture per anomaly kind) and
// the times of the first anomaly (the run's pictures centre on it). A checker that rejects the
// history or throws makes the workload verdict unknown, never valid; so does a history in which
// nothing could be checked (no client operation, or none that constrains the register).

import { performance } from 'node:perf_hooks';
import type { JsonValue } from '../base/json.js';
import { checkHistory, type CheckOptions, type KeyResult } from '../check/linearizability.js';
import { isClientEvent, type HistoryEvent } from '../check/history.js';
import { describeOperation } from '../check/operations.js';
import { explainKey, renderTimelinesSvg } from '../check/report.js';
import { checkTxnHistory } from '../check/txn/checker.js';
import { anomalyNames, forbiddenAnomalyNames, formatTxnSummary, txnExplanations, txnResultsJson } from '../check/txn/report.js';
import { renderAnomalySvg } from '../check/txn/svg.js';
import type { AnomalyName, ConsistencyModel, ModelVerdict, TxnCheckResult, TxnWorkload } from '../check/txn/types.js';

export type WorkloadVerdict = LinKvVerdict | TxnVerdict;

/**
 * When the earliest anomaly found happened, in test milliseconds: from the first invocation to the
 * last completion of the ops it names (the pictures of the run centre on it).
 */
export interface AnomalyFocus {
  readonly startMs: number;
  readonly endMs: number;
  /** What it is, in a few words. */
  readonly what: string;
}

export interface LinKvVerdict {
  readonly kind: 'lin-kv';
  readonly valid: boolean | 'unknown';
  readonly keyCount: number;
  /** Keys found not linearizable. */
  readonly failures: readonly JsonValue[];
  /** Keys the search could not decide within its budget. */
  readonly undecided: readonly JsonValue[];
  /** Per key, Maelstrom-style: {"0": {"valid": true, "linearizable": {...}}}. */
  readonly results: { readonly [key: string]: unknown };
  /** Human explanations of invalid and undecided keys (the checker's, a screenful each). */
  readonly explanations: readonly string[];
  /** The same explanations with every op of the prefix and every concurrent op listed. */
  readonly fullExplanations: readonly string[];
  /** The checker's timeline of the invalid keys, or null when none is invalid. */
  readonly timelineSvg: string | null;
  /** The earliest op that cannot be linearized, when a key is invalid. */
  readonly firstAnomaly?: AnomalyFocus;
  readonly error?: string;
  readonly elapsedMs: number;
}

/** A picture for the results directory: its file name there and its SVG text. */
interface Picture {
  readonly file: string;
  readonly svg: string;
}

export interface TxnVerdict {
  readonly kind: 'txn';
  /** Valid when every model asked for is; invalid when one is not; unknown otherwise. */
  readonly valid: boolean | 'unknown';
  /** Each model's verdict (empty when the checker gave none). */
  readonly models: readonly ModelVerdict[];
  /** Every anomaly kind found, worst first. */
  readonly anomalyNames: readonly AnomalyName[];
  /** results.json's workload section as the checker's report gives it. */
  readonly results: { readonly [key: string]: unknown };
  /** The checker's own summary, a few lines for the screen. */
  readonly summaryLines: readonly string[];
  /** One explanation per anomaly reported, the kinds a model forbids first (the screen shows the first few). */
  readonly explanations: readonly string[];
  readonly fullExplanations: readonly string[];
  /** One picture per kind of anomaly that a model checked forbids (its first report), worst first, at most MAX_PICTURES. */
  readonly pictures: readonly Picture[];
  /** What the checker could not see or decide. */
  readonly notes: readonly string[];
  /** The earliest reported anomaly of a kind some model checked forbids. */
  readonly firstAnomaly?: AnomalyFocus;
  readonly error?: string;
  readonly elapsedMs: number;
}

/** Anomaly pictures written per run: one per forbidden kind, worst first. */
const MAX_PICTURES = 6;

/** Why a run without client operations has no workload verdict. */
export const NO_CLIENT_OPERATION = 'no client operation in the history: nothing to check';

export interface VerdictOptions {
  /** Wall-clock budget of the whole check; undefined: the checker's own step budgets only. */
  readonly timeLimitS?: number | undefined;
  /** The txn workloads and the models to check them against; absent: lin-kv. */
  readonly txn?: { readonly workload: TxnWorkload; readonly models: readonly ConsistencyModel[] };
}

export function checkWorkload(events: readonly HistoryEvent[], options: VerdictOptions = {}): WorkloadVerdict {
  if (options.txn !== undefined) return checkTxnWorkload(events, options.txn, options.timeLimitS);
  return checkLinKvWorkload(events, options);
}

function checkLinKvWorkload(events: readonly HistoryEvent[], options: VerdictOptions): LinKvVerdict {
  const startedAt = performance.now();
  const checkOptions: CheckOptions = {
    now: () => performance.now(),
    ...(options.timeLimitS === undefined ? {} : { timeLimitMs: options.timeLimitS * 1000 }),
  };
  const clientOps = events.filter((event) => isClientEvent(event) && event.type === 'invoke').length;
  if (clientOps === 0) return unknown(NO_CLIENT_OPERATION, startedAt);
  let checked: ReturnType<typeof checkHistory>;
  try {
    checked = checkHistory(events, checkOptions);
  } catch (error) {
    return unknown(`the checker failed: ${(error as Error).stack ?? String(error)}`, startedAt);
  }
  if (!checked.ok) return unknown(`the checker rejected the history: ${checked.error}`, startedAt);
  const result = checked.value;
  if (result.checkedOperationCount === 0) {
    return unknown(
      `${result.operationCount} client operation${result.operationCount === 1 ? '' : 's'}, none of which could have changed or observed the register: nothing to check`,
      startedAt,
    );
  }
  const results: { [key: string]: unknown } = {};
  for (const key of result.keys) results[key.keyText] = keySummary(key);
  const invalid = result.keys.filter((key) => key.verdict === 'invalid');
  const undecided = result.keys.filter((key) => key.verdict === 'unknown');
  let timelineSvg: string | null = null;
  if (invalid.length > 0) {
    try {
      timelineSvg = renderTimelinesSvg(invalid.slice(0, 10));
    } catch (error) {
      timelineSvg = null;
      results['timeline-error'] = String(error);
    }
  }
  const firstAnomaly = firstUnlinearizable(invalid);
  return {
    kind: 'lin-kv',
    valid: result.verdict === 'valid' ? true : result.verdict === 'invalid' ? false : 'unknown',
    keyCount: result.keyCount,
    failures: invalid.map((key) => key.key),
    undecided: undecided.map((key) => key.key),
    results,
    explanations: [...invalid, ...undecided].map((key) => explainKey(key)),
    fullExplanations: [...invalid, ...undecided].map((key) => explainKey(key, { prefixLines: Infinity, concurrentLines: Infinity })),
    timelineSvg,
    ...(firstAnomaly === undefined ? {} : { firstAnomaly }),
    elapsedMs: performance.now() - startedAt,
  };
}

/** History times are nanoseconds since test time 0. */
const NANOS_PER_MS = 1e6;

function firstUnlinearizable(invalid: readonly KeyResult[]): AnomalyFocus | undefined {
  let first: AnomalyFocus | undefined;
  for (const key of invalid) {
    const op = key.failure?.operation;
    if (op === undefined || (first !== undefined && op.invokeTime / NANOS_PER_MS >= first.startMs)) continue;
    first = {
      startMs: op.invokeTime / NANOS_PER_MS,
      endMs: (op.completeTime ?? op.invokeTime) / NANOS_PER_MS,
      what: `key ${key.keyText}: ${describeOperation(op)} cannot be linearized`,
    };
  }
  return first;
}

function firstForbiddenAnomaly(result: TxnCheckResult): AnomalyFocus | undefined {
  let first: AnomalyFocus | undefined;
  for (const name of forbiddenAnomalyNames(result)) {
    for (const report of result.anomalies.get(name) ?? []) {
      const txns = report.txns.map((id) => result.txns[id]).filter((txn) => txn !== undefined);
      if (txns.length === 0) continue;
      const startMs = Math.min(...txns.map((txn) => txn.invokeTime)) / NANOS_PER_MS;
      if (first !== undefined && startMs >= first.startMs) continue;
      const endMs = Math.max(...txns.map((txn) => txn.completeTime ?? txn.invokeTime)) / NANOS_PER_MS;
      first = { startMs, endMs, what: `${name}: txn${txns.length === 1 ? '' : 's'} ${txns.map((txn) => `${txn.id} (process ${txn.process})`).join(', ')}` };
    }
  }
  return first;
}

function keySummary(key: KeyResult): unknown {
  const valid = key.verdict === 'valid' ? true : key.verdict === 'invalid' ? false : 'unknown';
  return {
    valid,
    linearizable: {
      valid,
      'op-count': key.operationCount,
      'checked-op-count': key.checkedOperationCount,
      steps: key.steps,
      ...(key.unknownReason === null ? {} : { 'unknown-reason': key.unknownReason }),
      ...(key.verdict === 'valid' ? {} : { explanation: explainKey(key) }),
    },
  };
}

function unknown(error: string, startedAt: number): LinKvVerdict {
  return {
    kind: 'lin-kv',
    valid: 'unknown',
    keyCount: 0,
    failures: [],
    undecided: [],
    results: {},
    explanations: [],
    fullExplanations: [],
    timelineSvg: null,
    error,
    elapsedMs: performance.now() - startedAt,
  };
}

function checkTxnWorkload(events: readonly HistoryEvent[], txn: NonNullable<VerdictOptions['txn']>, timeLimitS: number | undefined): TxnVerdict {
  const startedAt = performance.now();
  const clientOps = events.filter((event) => isClientEvent(event) && event.type === 'invoke').length;
  if (clientOps === 0) return unknownTxn(NO_CLIENT_OPERATION, startedAt);
  try {
    const checked = checkTxnHistory(events, {
      workload: txn.workload,
      models: txn.models,
      now: () => performance.now(),
      ...(timeLimitS === undefined ? {} : { timeLimitMs: timeLimitS * 1000 }),
    });
    if (!checked.ok) return unknownTxn(`the checker rejected the history: ${checked.error}`, startedAt);
    return txnVerdict(checked.value, startedAt);
  } catch (error) {
    return unknownTxn(`the checker failed: ${(error as Error).stack ?? String(error)}`, startedAt);
  }
}

function txnVerdict(result: TxnCheckResult, startedAt: number): TxnVerdict {
  // Never more than the models say: valid needs every model asked for to be valid.
  let valid: boolean | 'unknown' = result.verdict === 'valid' ? true : result.verdict === 'invalid' ? false : 'unknown';
  if (valid === true && (result.models.length === 0 || result.models.some((model) => model.valid !== true))) valid = 'unknown';
  if (valid === false && !result.models.some((model) => model.valid === false)) valid = 'unknown';
  const pictures: Picture[] = [];
  for (const name of forbiddenAnomalyNames(result).slice(0, MAX_PICTURES)) {
    const first = result.anomalies.get(name)?.[0];
    if (first !== undefined) pictures.push({ file: `anomaly-${name}.svg`, svg: renderAnomalySvg(first, result.txns) });
  }
  const explanations = txnExplanations(result);
  const firstAnomaly = firstForbiddenAnomaly(result);
  return {
    kind: 'txn',
    valid,
    models: result.models,
    anomalyNames: anomalyNames(result),
    results: txnResultsJson(result),
    // The summary's own lines end at its first blank line; the explanations follow on screen on
    // their own (a screenful each, in full in the file).
    summaryLines: formatTxnSummary(result, { explained: 0 }).split('\n'),
    explanations,
    fullExplanations: explanations,
    pictures,
    notes: result.notes,
    ...(firstAnomaly === undefined ? {} : { firstAnomaly }),
    elapsedMs: performance.now() - startedAt,
  };
}

function unknownTxn(error: string, startedAt: number): TxnVerdict {
  return {
    kind: 'txn',
    valid: 'unknown',
    models: [],
    anomalyNames: [],
    results: {},
    summaryLines: [],
    explanations: [],
    fullExplanations: [],
    pictures: [],
    notes: [],
    error,
    elapsedMs: performance.now() - startedAt,
  };
}
