// From runs to figures: what one run's results.json says (answered and ok ops/s, latency
// quantiles, server messages per op, validity; for the txn workloads also the abort rate and the
// latency of committed txns), medians with min and max over the reps, the ratio to the ceiling,
// and the exit status. Pure.

import { isJsonObject } from '../base/json.js';
import { isTxnWorkload } from '../harness/options.js';
import type { ResultsDocument, Validity } from '../harness/results.js';
import { ceilingKey, type CeilingPoint, type Cell } from './matrix.js';
import type { BenchOptions } from './options.js';

export interface RunMetrics {
  readonly valid: Validity;
  readonly opPhaseS: number;
  readonly count: number;
  readonly okCount: number;
  readonly failCount: number;
  readonly infoCount: number;
  /** ok + fail per second of op phase: a definite error is an answer too. */
  readonly answeredOpsPerS: number;
  readonly okOpsPerS: number;
  readonly readP50Ms: number | null;
  readonly readP99Ms: number | null;
  readonly writeP50Ms: number | null;
  readonly writeP99Ms: number | null;
  readonly casP50Ms: number | null;
  readonly casP99Ms: number | null;
  readonly serverMsgsPerOp: number | null;
  /** The checks of results.json that were not valid (e.g. `stats`: an f without any ok). */
  readonly failedChecks: readonly string[];
  /** Txn runs only: the share of txns refused with 30 txn-conflict, and the latency of committed txns. */
  readonly abortRate?: number | null;
  readonly txnP50Ms?: number | null;
  readonly txnP99Ms?: number | null;
}

export interface RunRecord {
  readonly rep: number;
  readonly seed: number;
  readonly wallS: number;
  /** undefined when the harness threw instead of reporting. */
  readonly metrics: RunMetrics | undefined;
  /** The harness's exception, or the problems that made the run unknown. */
  readonly errors: readonly string[];
  /** The run's harness directory when it was kept (invalid, unknown, or --keep-runs). */
  readonly keptDir: string | undefined;
}

export interface Spread {
  readonly median: number | null;
  readonly min: number | null;
  readonly max: number | null;
}

export interface Tally {
  readonly valid: number;
  readonly invalid: number;
  /** Unknown verdicts and harness errors. */
  readonly unknown: number;
}

export interface FigureSummary {
  readonly answeredOpsPerS: Spread;
  readonly okOpsPerS: Spread;
  readonly readP50Ms: Spread;
  readonly readP99Ms: Spread;
  readonly writeP50Ms: Spread;
  readonly writeP99Ms: Spread;
  readonly serverMsgsPerOp: Spread;
  readonly tally: Tally;
  /** Present when the runs are txn runs (okOpsPerS is then committed txns/s). */
  readonly txn?: { readonly abortRate: Spread; readonly txnP50Ms: Spread; readonly txnP99Ms: Spread };
}

export interface CellReport {
  readonly cell: Cell;
  readonly runs: readonly RunRecord[];
  readonly summary: FigureSummary;
  /** Median answered ops/s over that of the ceiling point with the same read share and thread count; null for fixed-rate cells or without a ceiling. */
  readonly ratioToCeiling: number | null;
}

export interface CeilingReport {
  readonly point: CeilingPoint;
  readonly runs: readonly RunRecord[];
  readonly summary: FigureSummary;
}

export interface BenchReport {
  readonly title: string;
  /** The argv that reproduces the benchmark, starting with bin/raftkv-test. */
  readonly command: readonly string[];
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly options: BenchOptions;
  readonly cells: readonly CellReport[];
  readonly ceiling: readonly CeilingReport[];
  readonly interrupted: boolean;
  readonly exitCode: 0 | 1 | 2;
}

function at(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isJsonObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

function numberAt(value: unknown, path: readonly string[]): number | null {
  const found = at(value, path);
  return typeof found === 'number' && Number.isFinite(found) ? found : null;
}

/** The figures of one run, read from its results.json document. */
export function extractRunMetrics(results: ResultsDocument): RunMetrics {
  const count = numberAt(results, ['stats', 'count']) ?? 0;
  const okCount = numberAt(results, ['stats', 'ok-count']) ?? 0;
  const failCount = numberAt(results, ['stats', 'fail-count']) ?? 0;
  const infoCount = numberAt(results, ['stats', 'info-count']) ?? 0;
  const opPhaseS = numberAt(results, ['perf', 'op-phase-s']) ?? 0;
  const perSecond = (n: number): number => (opPhaseS > 0 ? n / opPhaseS : 0);
  const latency = (f: string, q: string): number | null => numberAt(results, ['perf', 'latency-ms', f, q]);
  return {
    valid: results.valid,
    opPhaseS,
    count,
    okCount,
    failCount,
    infoCount,
    answeredOpsPerS: perSecond(okCount + failCount),
    okOpsPerS: perSecond(okCount),
    readP50Ms: latency('read', 'p50'),
    readP99Ms: latency('read', 'p99'),
    writeP50Ms: latency('write', 'p50'),
    writeP99Ms: latency('write', 'p99'),
    casP50Ms: latency('cas', 'p50'),
    casP99Ms: latency('cas', 'p99'),
    serverMsgsPerOp: numberAt(results, ['net', 'servers', 'msgs-per-op']),
    failedChecks: Object.entries(results)
      .filter(([, section]) => isJsonObject(section) && 'valid' in section && section['valid'] !== true)
      .map(([name, section]) => `${name} ${String(at(section, ['valid']))}`),
    ...(at(results, ['perf', 'latency-ms', 'txn']) === undefined
      ? {}
      : { abortRate: numberAt(results, ['perf', 'abort-rate']), txnP50Ms: latency('txn', 'p50'), txnP99Ms: latency('txn', 'p99') }),
  };
}

/** The median (mean of the middle two for an even count), min and max, nulls left out. */
export function spread(values: readonly (number | null)[]): Spread {
  const present = values.filter((value): value is number => value !== null && Number.isFinite(value)).sort((a, b) => a - b);
  if (present.length === 0) return { median: null, min: null, max: null };
  const middle = Math.floor(present.length / 2);
  const median = present.length % 2 === 1 ? (present[middle] as number) : ((present[middle - 1] as number) + (present[middle] as number)) / 2;
  return { median, min: present[0] as number, max: present[present.length - 1] as number };
}

export function tally(runs: readonly RunRecord[]): Tally {
  let valid = 0;
  let invalid = 0;
  let unknown = 0;
  for (const run of runs) {
    const verdict = run.metrics?.valid ?? 'unknown';
    if (verdict === true) valid++;
    else if (verdict === false) invalid++;
    else unknown++;
  }
  return { valid, invalid, unknown };
}

export function summarize(runs: readonly RunRecord[]): FigureSummary {
  const of = (pick: (metrics: RunMetrics) => number | null): Spread => spread(runs.map((run) => (run.metrics === undefined ? null : pick(run.metrics))));
  return {
    answeredOpsPerS: of((m) => m.answeredOpsPerS),
    okOpsPerS: of((m) => m.okOpsPerS),
    readP50Ms: of((m) => m.readP50Ms),
    readP99Ms: of((m) => m.readP99Ms),
    writeP50Ms: of((m) => m.writeP50Ms),
    writeP99Ms: of((m) => m.writeP99Ms),
    serverMsgsPerOp: of((m) => m.serverMsgsPerOp),
    tally: tally(runs),
    ...(runs.some((run) => run.metrics?.txnP50Ms !== undefined)
      ? { txn: { abortRate: of((m) => m.abortRate ?? null), txnP50Ms: of((m) => m.txnP50Ms ?? null), txnP99Ms: of((m) => m.txnP99Ms ?? null) } }
      : {}),
  };
}

/** null when either side is missing or the ceiling answered nothing. */
export function ratio(value: number | null, ceiling: number | null): number | null {
  if (value === null || ceiling === null || ceiling <= 0) return null;
  return value / ceiling;
}

/**
 * Groups the finished runs by cell and ceiling point, and relates every closed-loop lin-kv cell to
 * the ceiling point with its read share and its number of client threads.
 */
export function buildReports(
  cells: readonly Cell[],
  points: readonly CeilingPoint[],
  runsOf: (id: string) => readonly RunRecord[],
): { cells: CellReport[]; ceiling: CeilingReport[] } {
  const ceiling = points.map((point): CeilingReport => {
    const runs = runsOf(point.id);
    return { point, runs, summary: summarize(runs) };
  });
  const ceilingByKey = new Map(ceiling.map((report) => [ceilingKey(report.point.readFraction, report.point.concurrency), report]));
  const cellReports = cells.map((cell): CellReport => {
    const runs = runsOf(cell.id);
    const summary = summarize(runs);
    // The ceiling node serves lin-kv only, so only closed-loop lin-kv cells have a ceiling point.
    const reference =
      cell.load.kind === 'closed' && !isTxnWorkload(cell.workload) ? ceilingByKey.get(ceilingKey(cell.readFraction, cell.concurrency)) : undefined;
    return { cell, runs, summary, ratioToCeiling: ratio(summary.answeredOpsPerS.median, reference?.summary.answeredOpsPerS.median ?? null) };
  });
  return { cells: cellReports, ceiling };
}

/** 1 when any run was invalid, else 2 when any was unknown or failed, else 0 (invalid beats unknown, as in the harness). */
export function benchExitCode(tallies: readonly Tally[], interrupted: boolean): 0 | 1 | 2 {
  if (tallies.some((t) => t.invalid > 0)) return 1;
  if (interrupted || tallies.some((t) => t.unknown > 0)) return 2;
  // A benchmark with no finished run measured nothing, so it cannot pass.
  if (tallies.every((t) => t.valid === 0)) return 2;
  return 0;
}

export function validityLabel(t: Tally): string {
  const total = t.valid + t.invalid + t.unknown;
  if (total === 0) return 'not run';
  if (t.valid === total) return 'valid';
  const parts: string[] = [];
  if (t.invalid > 0) parts.push(`INVALID ${t.invalid}/${total}`);
  if (t.unknown > 0) parts.push(`unknown ${t.unknown}/${total}`);
  return parts.join(', ');
}
