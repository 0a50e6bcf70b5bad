// What a test run found, as data: operation statistics (with Jepsen's rule that each f needs
// at least one ok), availability, latency quantiles, network counts and msgs-per-op, faults,
// output problems, crashes; the merge of all verdicts, with the reason for each one that is not
// valid in words; the results.json document (shaped like Maelstrom's results.edn, keys in
// kebab-case, `valid` for `:valid?`), from which summary_text.ts writes the console summary.
// Nothing checked is never valid: a run without client operations, or a txn run in which no txn
// committed, is unknown. The txn workloads count f "txn" and add the abort rate; their final
// reads count in the stats, not in throughput or latency.
// Pure: records in, values and text out.

import type { HistoryError } from '../check/history.js';
import type { FinalReadSummary } from './final_reads.js';
import { ErrorCode, errorName } from '../protocol/errors.js';
import { abbreviate } from './envelope.js';
import type { NemesisKind } from './nemesis_actions.js';
import type { NetStats } from './network.js';
import { isTxnWorkload, type TestOptions, type Workload } from './options.js';
import type { BurstSummary } from './op_bursts.js';
import { recoveryFailureText, recoveryValidity, type RecoverySummary } from './recovery.js';
import { NO_CLIENT_OPERATION, type LinKvVerdict, type TxnVerdict, type WorkloadVerdict } from './verdict.js';

export type Validity = boolean | 'unknown';
/**
 * The run's verdict: a safe run whose nodes did not all serve again within the recovery bound
 * after healing is `not-recovered`, never valid; broken safety outranks it, and it outranks unknown.
 */
export type Verdict = 'valid' | 'invalid' | 'unknown' | 'not-recovered';
export type OutcomeType = 'ok' | 'fail' | 'info';

export interface OpRecord {
  readonly process: number;
  /** read, write or cas (lin-kv); txn (the txn workloads). */
  readonly f: string;
  /** lin-kv's key; a txn has none of its own. */
  readonly key?: number;
  readonly type: OutcomeType;
  /** Milliseconds since the start of the test. */
  readonly invokeMs: number;
  readonly completeMs: number;
  readonly error: HistoryError | undefined;
  /** One of the final reads after the op phase: counted in stats, not in throughput or latency. */
  readonly final?: true;
  /** An extra client's op (a recovery probe after healing, a burst): checked with the history, left out of every statistic. */
  readonly probe?: true;
}

export interface FaultInterval {
  readonly kind: NemesisKind;
  /** The partition spec ("majority"), or the nodes killed or paused ("n0,n2"). */
  readonly description: string;
  readonly startMs: number;
  /** null while still in force (never in a finished run). */
  endMs: number | null;
}

export interface BadLine {
  readonly node: string;
  readonly reason: string;
  readonly line: string;
  readonly atMs: number;
}

export interface Crash {
  readonly node: string;
  readonly code: number | null;
  readonly signal: string | null;
  readonly atMs: number;
  readonly logTail: string;
}

interface OutputProblems {
  readonly badLines: readonly BadLine[];
  readonly malformedResponses: number;
  /** With --client-sessions: writes and cas sent again with the same session and seq. */
  readonly sessionRetries: number;
  readonly malformedExamples: readonly string[];
  /** Malformed replies that answer another request (another operation's reply type, another txn's micro-ops): they fail the run. */
  readonly answersToAnother: number;
  readonly answersToAnotherExamples: readonly string[];
  /** Messages whose src was another existing id than the node's own (allowed, as in Maelstrom). */
  readonly spoofedSrc: number;
  readonly nodeProblems: readonly string[];
}

interface CountStats {
  readonly valid: boolean;
  readonly count: number;
  readonly okCount: number;
  readonly failCount: number;
  readonly infoCount: number;
}

export interface Stats extends Omit<CountStats, 'valid'> {
  /**
   * Jepsen's rule (every f attempted has an ok); unknown when no operation was attempted, and in
   * the txn workloads when no txn committed (nothing the checker could judge, see verdictReasons).
   */
  readonly valid: Validity;
  readonly byF: { readonly [f: string]: CountStats };
}

export interface LatencyQuantiles {
  readonly count: number;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

/** The client functions of a workload, in the order the reports list them. */
export function functionsOf(workload: Workload): readonly string[] {
  return isTxnWorkload(workload) ? ['txn'] : ['read', 'write', 'cas'];
}

export function computeStats(ops: readonly OpRecord[], workload: Workload = 'lin-kv'): Stats {
  const byF: { [f: string]: CountStats } = {};
  for (const f of functionsOf(workload)) {
    const mine = ops.filter((op) => op.f === f);
    if (mine.length > 0) byF[f] = countStats(mine);
  }
  const total = countStats(ops);
  // Jepsen's stats: every f that was attempted needs at least one ok. Jepsen calls a history
  // without operations valid; here it is unknown, since nothing was checked. A txn run in which
  // nothing committed is unknown too: no txn is idempotent, and a node that refuses every txn
  // (definitely) broke no isolation rule; there is simply nothing to check.
  if (ops.length === 0) return { ...total, valid: 'unknown', byF };
  if (isTxnWorkload(workload) && total.okCount === 0) return { ...total, valid: 'unknown', byF };
  return { ...total, valid: Object.values(byF).every((stats) => stats.okCount > 0), byF };
}

function countStats(ops: readonly OpRecord[]): CountStats {
  let okCount = 0;
  let failCount = 0;
  let infoCount = 0;
  for (const op of ops) {
    if (op.type === 'ok') okCount++;
    else if (op.type === 'fail') failCount++;
    else infoCount++;
  }
  return { valid: ops.length === 0 || okCount > 0, count: ops.length, okCount, failCount, infoCount };
}

/** Nearest-rank quantiles of a list of numbers. */
export function quantiles(values: readonly number[]): LatencyQuantiles {
  if (values.length === 0) return { count: 0, p50: null, p95: null, p99: null, max: null };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1] as number };
}

function okLatencies(ops: readonly OpRecord[], f?: string): number[] {
  const out: number[] = [];
  for (const op of ops) if (op.type === 'ok' && op.final !== true && (f === undefined || op.f === f)) out.push(op.completeMs - op.invokeMs);
  return out;
}

/** Without a goal nothing is required (valid); with one, no operations cannot meet it or miss it. */
export function availability(ops: readonly OpRecord[], goal: TestOptions['availability']): { valid: Validity; okFraction: number | null } {
  const okCount = ops.filter((op) => op.type === 'ok').length;
  const okFraction = ops.length === 0 ? null : okCount / ops.length;
  if (goal === undefined) return { valid: true, okFraction };
  if (okFraction === null) return { valid: 'unknown', okFraction };
  const needed = goal === 'total' ? 1 : goal;
  return { valid: okFraction >= needed, okFraction };
}

/** false beats unknown beats true. */
export function mergeValidity(values: readonly Validity[]): Validity {
  if (values.includes(false)) return false;
  if (values.includes('unknown')) return 'unknown';
  return true;
}

export function exitCodeFor(valid: Validity): 0 | 1 | 2 {
  return valid === true ? 0 : valid === false ? 1 : 2;
}

/** 0 valid, 1 invalid, 2 unknown or harness error, 3 valid (or undecided) but did not recover. */
export function exitCodeForVerdict(verdict: Verdict): 0 | 1 | 2 | 3 {
  return verdict === 'valid' ? 0 : verdict === 'invalid' ? 1 : verdict === 'unknown' ? 2 : 3;
}

/** Safety (every check but recovery) first, then recovery. */
export function verdictOf(safety: Validity, recovery: Validity): Verdict {
  if (safety === false) return 'invalid';
  if (recovery === false) return 'not-recovered';
  return safety === true && recovery === true ? 'valid' : 'unknown';
}

export interface RunFacts {
  readonly options: TestOptions;
  readonly command: readonly string[];
  readonly outDir: string;
  readonly dataDir: string;
  readonly startedAt: string;
  /** Length of the operation phase, ms (the time limit, or less if interrupted). */
  readonly opPhaseMs: number;
  readonly ops: readonly OpRecord[];
  readonly net: NetStats;
  readonly faults: readonly FaultInterval[];
  readonly faultCounts: { readonly [f: string]: number };
  readonly output: OutputProblems;
  readonly crashes: readonly Crash[];
  /** Problems of the harness itself (interrupted, setup failed): they make the run unknown. */
  readonly harnessErrors: readonly string[];
  /** Per node, the seed of each incarnation in order (RAFTKV_SEED). */
  readonly nodeSeeds: { readonly [node: string]: readonly number[] };
  readonly workload: WorkloadVerdict;
  readonly keysUsed: number;
  readonly restarts: number;
  /** The txn workloads' final reads, when they ran. */
  readonly finalReads?: FinalReadSummary | null;
  /** The recovery check after healing, when it ran (its probe ops are not in `ops`). */
  readonly recovery?: RecoverySummary | null;
  /** The op bursts, when --bursts was given (their ops are not in `ops`). */
  readonly bursts?: BurstSummary | null;
  /** Wall-clock time of test time 0 (history times count from it), when the operations began. */
  readonly opPhaseStartedAt?: string | null;
}

export interface ResultsDocument {
  readonly valid: Validity;
  /** Absent in documents older than the recovery check. */
  readonly verdict?: Verdict;
  readonly [section: string]: unknown;
}

/** A check that is not valid, and why, in words. */
export interface Reason {
  readonly check: 'workload' | 'stats' | 'availability' | 'output' | 'crashes' | 'errors' | 'recovery';
  readonly valid: false | 'unknown';
  readonly reason: string;
}

/** The pictures every run draws, in the order the summary lists them. */
export const RUN_PICTURES = ['latency.svg', 'rate.svg', 'latency-quantiles.svg', 'messages.svg', 'timeline.html'] as const;
export type RunPicture = (typeof RUN_PICTURES)[number];

/** The file in the results directory with every explanation in full. */
export const EXPLANATIONS_FILE = 'explanations.txt';

/** The contents of EXPLANATIONS_FILE. */
export function explanationsText(workload: WorkloadVerdict): string {
  return `${workload.fullExplanations.join('\n\n')}\n`;
}

/** `3 keys`, `1 key`. */
export const plural = (count: number, word: string, many = `${word}s`): string => `${count} ${count === 1 ? word : many}`;

/** A list of keys or nodes, at most `max` of them named. */
/** The first `max` items, and how many more. */
export function listSome(items: readonly unknown[], max = 10): string {
  const shown = items.slice(0, max).map((item) => (typeof item === 'string' ? item : JSON.stringify(item)));
  return items.length > max ? `${shown.join(', ')} and ${items.length - max} more` : shown.join(', ');
}

/** Why each check that is not valid is not: the run's verdict in words. */
function verdictReasons(facts: RunFacts): Reason[] {
  const { ops, options, workload } = facts;
  const stats = computeStats(ops, options.workload);
  const reasons: Reason[] = [];
  const [firstError, ...moreErrors] = facts.harnessErrors;
  if (firstError !== undefined) {
    const more = moreErrors.length === 0 ? '' : ` (and ${plural(moreErrors.length, 'more error')} above)`;
    reasons.push({ check: 'errors', valid: 'unknown', reason: `${abbreviate((firstError.split('\n')[0] as string).trim())}${more}` });
  }
  if (stats.count === 0) {
    const cause =
      options.rate === 0
        ? '--rate is 0'
        : facts.harnessErrors.length > 0
          ? 'the run stopped before its operations, see the errors above'
          : `none started in the ${options.timeLimitS} s of the run at --rate ${options.rate}${options.clientSessions ? ', where each client first opens a session' : ''}`;
    reasons.push({ check: 'stats', valid: 'unknown', reason: `no client operation was performed (${cause}): nothing was checked` });
  } else if (stats.okCount === 0 && isTxnWorkload(options.workload)) {
    reasons.push({
      check: 'stats',
      valid: 'unknown',
      reason:
        `nothing committed: none of the ${plural(stats.count, 'txn')} succeeded (${stats.failCount} failed, ${stats.infoCount} indeterminate` +
        `${commonErrors(ops)}), so there is nothing to check; the errors are in history.jsonl, the nodes' stderr in node-logs/`,
    });
  } else if (stats.okCount === 0) {
    reasons.push({
      check: 'stats',
      valid: false,
      reason:
        `no operation succeeded (${stats.count} attempted: ${stats.failCount} failed, ${stats.infoCount} indeterminate): every operation type needs ` +
        `at least one ok (Jepsen's stats rule); the errors are in history.jsonl, the nodes' stderr in node-logs/`,
    });
  } else {
    for (const f of functionsOf(options.workload)) {
      const s = stats.byF[f];
      if (s === undefined || s.okCount > 0) continue;
      const advice = s.count < 20 ? 'run longer or raise --rate' : `the nodes refused or lost all ${s.count} (the errors are in history.jsonl)`;
      reasons.push({
        check: 'stats',
        valid: false,
        reason: `no ${f} succeeded (${s.count} attempted: ${s.failCount} failed, ${s.infoCount} indeterminate): every operation type needs at least one ok (Jepsen's stats rule); ${advice}`,
      });
    }
  }
  if (workload.kind === 'txn') reasons.push(...txnWorkloadReasons(workload, options));
  else reasons.push(...linKvWorkloadReasons(workload, options));
  // Without client operations the stats reason above already says that nothing was checked.
  if (workload.error !== undefined && !(workload.error === NO_CLIENT_OPERATION && stats.count === 0)) {
    reasons.push({
      check: 'workload',
      valid: 'unknown',
      reason: `the ${workload.kind === 'txn' ? 'transactional' : 'linearizability'} check gave no verdict: ${abbreviate((workload.error.split('\n')[0] as string).trim())}`,
    });
  }
  reasons.push(...otherReasons(facts));
  const recovery = facts.recovery;
  if (recovery !== undefined && recovery !== null && recoveryValidity(recovery) !== true) {
    const valid = recoveryValidity(recovery) === false ? false : 'unknown';
    reasons.push({ check: 'recovery', valid, reason: valid === false ? recoveryFailureText(recovery) : 'the recovery check was interrupted' });
  }
  return reasons;
}

function linKvWorkloadReasons(workload: LinKvVerdict, options: TestOptions): Reason[] {
  const reasons: Reason[] = [];
  if (workload.valid === false) {
    reasons.push({
      check: 'workload',
      valid: false,
      reason: `not linearizable: ${workload.failures.length === 1 ? 'key' : 'keys'} ${listSome(workload.failures)} (explained above${workload.timelineSvg === null ? '' : ', drawn in timeline.svg'})`,
    });
  }
  if (workload.undecided.length > 0) {
    reasons.push({
      check: 'workload',
      valid: 'unknown',
      reason:
        `the linearizability check could not decide ${workload.undecided.length === 1 ? 'key' : 'keys'} ${listSome(workload.undecided)} within its budget` +
        (options.checkTimeLimitS === undefined ? '' : ` (--check-time-limit ${options.checkTimeLimitS})`) +
        ': see the explanation above',
    });
  }
  return reasons;
}

/** Each model the history breaks, with the anomalies that break it; each model left undecided. */
function txnWorkloadReasons(workload: TxnVerdict, options: TestOptions): Reason[] {
  if (workload.error !== undefined) return [];
  const reasons: Reason[] = [];
  const pictures =
    workload.pictures.length === 0
      ? ''
      : `, drawn in ${listSome(
          workload.pictures.map((picture) => picture.file),
          3,
        )}`;
  const broken = workload.models.filter((model) => model.valid === false);
  if (broken.length > 0) {
    // Models broken by the same anomalies share one line (a G2-item breaks serializable and strict alike).
    const byAnomalies = new Map<string, string[]>();
    for (const model of broken) {
      const anomalies = model.violatedBy.join(', ');
      byAnomalies.set(anomalies, [...(byAnomalies.get(anomalies) ?? []), model.model]);
    }
    for (const [anomalies, models] of byAnomalies) {
      reasons.push({
        check: 'workload',
        valid: false,
        reason: `not ${models.join(', ')}: ${anomalies === '' ? 'see above' : anomalies} (explained above${pictures})`,
      });
    }
  }
  const undecided = workload.models.filter((model) => model.valid === 'unknown').map((model) => model.model);
  if (undecided.length > 0) {
    const why = workload.notes.length > 0 ? `: ${abbreviate(workload.notes.join('; '))}` : '';
    reasons.push({
      check: 'workload',
      valid: 'unknown',
      reason:
        `the transactional check could not decide ${undecided.join(', ')}` +
        (options.checkTimeLimitS === undefined ? '' : ` (--check-time-limit ${options.checkTimeLimitS})`) +
        why,
    });
  }
  return reasons;
}

/** The most common error codes of the ops that did not succeed, for "nothing committed". */
function commonErrors(ops: readonly OpRecord[]): string {
  const counts = new Map<string, number>();
  for (const op of ops) {
    if (op.type === 'ok' || op.error === undefined) continue;
    const name = op.error.code === 0 && op.error.text === 'net-timeout' ? 'timeout' : `error ${op.error.code} (${errorName(op.error.code)})`;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 3);
  return top.length === 0 ? '' : `; ${top.map(([name, count]) => `${name} ×${count}`).join(', ')}`;
}

function otherReasons(facts: RunFacts): Reason[] {
  const { ops, options } = facts;
  const reasons: Reason[] = [];
  const avail = availability(ops, options.availability);
  if (avail.valid === false && avail.okFraction !== null) {
    reasons.push({
      check: 'availability',
      valid: false,
      reason: `${percent(avail.okFraction)} of operations succeeded, but --availability ${options.availability} asks for ${percent(options.availability === 'total' ? 1 : (options.availability ?? 0))}`,
    });
  } else if (avail.valid === 'unknown') {
    reasons.push({ check: 'availability', valid: 'unknown', reason: `--availability ${options.availability} cannot be judged without operations` });
  }
  const output = facts.output;
  if (output.badLines.length > 0) {
    const nodes = [...new Set(output.badLines.map((bad) => bad.node))];
    reasons.push({
      check: 'output',
      valid: false,
      reason: `${plural(output.badLines.length, 'bad stdout line')} from ${listSome(nodes)}: a node must print only Maelstrom messages on stdout (shown above)`,
    });
  }
  if (output.answersToAnother > 0) {
    reasons.push({
      check: 'output',
      valid: false,
      reason: `${plural(output.answersToAnother, 'reply', 'replies')} answered another request (${abbreviate(output.answersToAnotherExamples[0] ?? '')}): a node must answer the request it was sent`,
    });
  }
  if (output.nodeProblems.length > 0) {
    reasons.push({
      check: 'output',
      valid: false,
      reason: `${plural(output.nodeProblems.length, 'node problem')}: ${abbreviate(output.nodeProblems[0] as string)}${output.nodeProblems.length > 1 ? ' (and more above)' : ''}`,
    });
  }
  for (const crash of facts.crashes) {
    reasons.push({
      check: 'crashes',
      valid: false,
      reason: `node ${crash.node} exited on its own at ${(crash.atMs / 1000).toFixed(1)} s (${crash.signal === null ? `code ${crash.code ?? '-'}` : `signal ${crash.signal}`}): a node under test must keep running`,
    });
  }
  return reasons;
}

export function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(fraction === 1 || fraction === 0 ? 0 : 1)}%`;
}

export function buildResults(facts: RunFacts): ResultsDocument {
  const { ops, net, options } = facts;
  const stats = computeStats(ops, options.workload);
  const avail = availability(ops, options.availability);
  const invokes = ops.length;
  const perOp = (count: number): number | null => (invokes === 0 ? null : round(count / invokes, 3));
  const outputValid = facts.output.badLines.length === 0 && facts.output.nodeProblems.length === 0 && facts.output.answersToAnother === 0;
  const crashesValid = facts.crashes.length === 0;
  const harnessValid: Validity = facts.harnessErrors.length === 0 ? true : 'unknown';
  const safety = mergeValidity([facts.workload.valid, stats.valid, avail.valid, outputValid, crashesValid, harnessValid]);
  const recovery = facts.recovery ?? null;
  const recoveryValid: Validity = recovery === null ? true : recoveryValidity(recovery);
  const verdict = verdictOf(safety, recoveryValid);
  // Jepsen's :valid? fails a run whose liveness check failed, as --availability does; `verdict` tells the two apart.
  const valid: Validity = verdict === 'valid' ? true : verdict === 'unknown' ? 'unknown' : false;
  const opSeconds = facts.opPhaseMs / 1000;
  const latency = (f?: string): LatencyQuantiles => roundQuantiles(quantiles(okLatencies(ops, f)));
  // Throughput counts the op phase only: the final reads come after it.
  const opPhaseOps = ops.filter((op) => op.final !== true);
  const opPhaseOk = opPhaseOps.filter((op) => op.type === 'ok').length;
  const txn = isTxnWorkload(options.workload);
  return {
    valid,
    verdict,
    test: {
      workload: options.workload,
      command: facts.command,
      bin: options.bin,
      'bin-args': options.binArgs,
      'node-count': options.nodeCount,
      'time-limit': options.timeLimitS,
      rate: options.rate,
      concurrency: options.concurrency,
      latency: options.latencyMs,
      'latency-dist': options.latencyDist,
      nemesis: options.nemesis,
      'nemesis-interval': options.nemesisIntervalS,
      availability: options.availability ?? null,
      seed: options.seed,
      'started-at': facts.startedAt,
      'out-dir': facts.outDir,
      'data-dir': facts.dataDir,
      'node-seeds': facts.nodeSeeds,
      'op-phase-started-at': facts.opPhaseStartedAt ?? null,
      'recovery-timeout': options.recoveryTimeoutS,
      bursts: options.bursts,
      ...(txn
        ? {
            'consistency-models': options.consistencyModels,
            'key-count': options.keyCount,
            'max-txn-length': options.maxTxnLength,
            'max-writes-per-key': options.maxWritesPerKey,
            'key-dist': options.keyDist,
            'final-reads': options.finalReads,
          }
        : {}),
    },
    workload: workloadSection(facts),
    stats: {
      valid: stats.valid,
      count: stats.count,
      'ok-count': stats.okCount,
      'fail-count': stats.failCount,
      'info-count': stats.infoCount,
      'by-f': Object.fromEntries(
        Object.entries(stats.byF).map(([f, s]) => [
          f,
          { valid: s.valid, count: s.count, 'ok-count': s.okCount, 'fail-count': s.failCount, 'info-count': s.infoCount },
        ]),
      ),
      ...(txn ? { 'error-codes': errorCodes(ops) } : {}),
    },
    availability: { valid: avail.valid, 'ok-fraction': avail.okFraction === null ? null : round(avail.okFraction, 4) },
    perf: {
      valid: true,
      'op-phase-s': round(opSeconds, 3),
      'ok-ops-per-s': opSeconds > 0 ? round(opPhaseOk / opSeconds, 1) : null,
      'ops-per-s': opSeconds > 0 ? round(opPhaseOps.length / opSeconds, 1) : null,
      'latency-ms': { ok: latency(), ...Object.fromEntries(functionsOf(options.workload).map((f) => [f, latency(f)])) },
      // The txn workloads' abort rate: the share of the op phase's txns refused with 30 txn-conflict.
      ...(txn ? { 'abort-rate': opPhaseOps.length === 0 ? null : round(opPhaseOps.filter(isConflict).length / opPhaseOps.length, 4) } : {}),
    },
    net: {
      valid: true,
      all: { 'send-count': net.all.sendCount, 'recv-count': net.all.recvCount, 'msg-count': net.all.sendCount, 'msgs-per-op': perOp(net.all.sendCount) },
      clients: { 'send-count': net.clients.sendCount, 'recv-count': net.clients.recvCount, 'msg-count': net.clients.sendCount },
      servers: {
        'send-count': net.servers.sendCount,
        'recv-count': net.servers.recvCount,
        'msg-count': net.servers.sendCount,
        'msgs-per-op': perOp(net.servers.sendCount),
        'mean-delay-ms': net.serverDelayMs === null ? null : round(net.serverDelayMs, 3),
      },
      'dropped-by-partition': net.droppedByPartition,
      'dropped-node-down': net.droppedNodeDown,
      duplicated: net.duplicated,
      'delayed-by-spike': net.delayedBySpike,
    },
    recovery: recoverySection(recovery, options.recoveryTimeoutS),
    ...(facts.bursts === undefined || facts.bursts === null ? {} : { bursts: { count: facts.bursts.bursts, 'op-count': facts.bursts.ops } }),
    nemesis: {
      kinds: options.nemesis,
      counts: facts.faultCounts,
      restarts: facts.restarts,
      intervals: facts.faults.map((fault) => ({
        kind: fault.kind,
        description: fault.description,
        'start-s': round(fault.startMs / 1000, 3),
        'end-s': fault.endMs === null ? null : round(fault.endMs / 1000, 3),
      })),
    },
    output: {
      valid: outputValid,
      'bad-line-count': facts.output.badLines.length,
      'bad-lines': facts.output.badLines.map((bad) => ({ node: bad.node, reason: bad.reason, line: bad.line, 'at-s': round(bad.atMs / 1000, 3) })),
      'malformed-response-count': facts.output.malformedResponses,
      'session-retry-count': facts.output.sessionRetries,
      'malformed-response-examples': facts.output.malformedExamples,
      'answers-to-another-request-count': facts.output.answersToAnother,
      'answers-to-another-request-examples': facts.output.answersToAnotherExamples,
      'spoofed-src-count': facts.output.spoofedSrc,
      'node-problems': facts.output.nodeProblems,
    },
    crashes: {
      valid: crashesValid,
      nodes: facts.crashes.map((crash) => ({
        node: crash.node,
        code: crash.code,
        signal: crash.signal,
        'at-s': round(crash.atMs / 1000, 3),
        'log-tail': crash.logTail,
      })),
    },
    errors: facts.harnessErrors,
    why: verdictReasons(facts),
  };
}

function recoverySection(recovery: RecoverySummary | null, timeoutS: number): { [key: string]: unknown } {
  if (recovery === null) return { valid: true, checked: false, 'timeout-s': timeoutS };
  return {
    valid: recoveryValidity(recovery),
    checked: true,
    'timeout-s': timeoutS,
    'healed-at-s': round(recovery.healedAtMs / 1000, 3),
    // Seconds after healing at which each node first served each type; null: never within the bound.
    'served-after-s': Object.fromEntries(
      Object.entries(recovery.served).map(([node, byF]) => [
        node,
        Object.fromEntries(Object.entries(byF).map(([f, ms]) => [f, ms === null ? null : round(ms / 1000, 3)])),
      ]),
    ),
    failures: recovery.failures.map((failure) => ({ node: failure.node, f: failure.f, attempts: failure.attempts, 'last-answer': failure.lastAnswer })),
    skipped: recovery.skipped,
    'probe-ops': recovery.attempts,
    interrupted: recovery.interrupted,
  };
}

function isConflict(op: OpRecord): boolean {
  return op.type === 'fail' && op.error?.code === ErrorCode.txnConflict;
}

/** How often each error code ended an op that did not succeed ("timeout" for the client's own). */
function errorCodes(ops: readonly OpRecord[]): { [code: string]: number } {
  const counts: { [code: string]: number } = {};
  for (const op of ops) {
    if (op.type === 'ok' || op.error === undefined) continue;
    const name = op.error.code === 0 && op.error.text === 'net-timeout' ? 'timeout' : String(op.error.code);
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

/** results.json's workload section: the linearizability check's per key, or the transactional check's. */
function workloadSection(facts: RunFacts): { [key: string]: unknown } {
  const workload = facts.workload;
  if (workload.kind === 'lin-kv') {
    return {
      valid: workload.valid,
      'key-count': workload.keyCount,
      'keys-used': facts.keysUsed,
      failures: workload.failures,
      undecided: workload.undecided,
      results: workload.results,
      ...(workload.error === undefined ? {} : { error: workload.error }),
      'check-ms': round(workload.elapsedMs, 1),
    };
  }
  const finalReads = facts.finalReads;
  return {
    ...workload.results,
    valid: workload.valid,
    'keys-used': facts.keysUsed,
    ...(finalReads === undefined || finalReads === null
      ? {}
      : {
          'final-reads': {
            keys: finalReads.keys,
            txns: finalReads.attempts,
            'keys-read': finalReads.keysRead,
            'keys-unread': finalReads.keysUnread.slice(0, 100),
            'keys-unread-count': finalReads.keysUnread.length,
          },
        }),
    pictures: workload.pictures.map((picture) => picture.file),
    ...(workload.error === undefined ? {} : { error: workload.error }),
    'check-ms': round(workload.elapsedMs, 1),
  };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function roundQuantiles(q: LatencyQuantiles): LatencyQuantiles {
  const r = (value: number | null): number | null => (value === null ? null : round(value, 2));
  return { count: q.count, p50: r(q.p50), p95: r(q.p95), p99: r(q.p99), max: r(q.max) };
}
