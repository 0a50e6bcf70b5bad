// What a test run found, as data: operation statistics (with Jepsen's rule that each f needs
// at least one ok), availability, latency quantiles, network counts and msgs-per-op, faults,
// output problems, crashes; the merge of all verdicts; the results.json document (shaped like
// Maelstrom's results.edn, keys in kebab-case, `valid` for `:valid?`) and the console summary.
// Pure: records in, values and text out.

import type { HistoryError } from '../check/history.js';
import type { KvFunction } from './lin_kv.js';
import type { NemesisKind } from './nemesis.js';
import type { NetStats } from './network.js';
import { describeOptions, type TestOptions } from './options.js';
import type { WorkloadVerdict } from './verdict.js';

export type Validity = boolean | 'unknown';
export type OutcomeType = 'ok' | 'fail' | 'info';

export interface OpRecord {
  readonly process: number;
  readonly f: KvFunction;
  readonly key: number;
  readonly type: OutcomeType;
  /** Milliseconds since the start of the test. */
  readonly invokeMs: number;
  readonly completeMs: number;
  readonly error: HistoryError | undefined;
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

export interface OutputProblems {
  readonly badLines: readonly BadLine[];
  readonly malformedResponses: number;
  /** With --client-sessions: writes and cas sent again with the same session and seq. */
  readonly sessionRetries: number;
  readonly malformedExamples: readonly string[];
  /** Messages whose src was another existing id than the node's own (allowed, as in Maelstrom). */
  readonly spoofedSrc: number;
  readonly nodeProblems: readonly string[];
}

export interface CountStats {
  readonly valid: boolean;
  readonly count: number;
  readonly okCount: number;
  readonly failCount: number;
  readonly infoCount: number;
}

export interface Stats extends CountStats {
  readonly byF: { readonly [f in KvFunction]?: CountStats };
}

export interface LatencyQuantiles {
  readonly count: number;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

const FUNCTIONS: readonly KvFunction[] = ['read', 'write', 'cas'];

export function computeStats(ops: readonly OpRecord[]): Stats {
  const byF: { [f in KvFunction]?: CountStats } = {};
  for (const f of FUNCTIONS) {
    const mine = ops.filter((op) => op.f === f);
    if (mine.length > 0) byF[f] = countStats(mine);
  }
  const total = countStats(ops);
  // Jepsen's stats: every f that was attempted needs at least one ok.
  const valid = Object.values(byF).every((stats) => stats.okCount > 0);
  return { ...total, valid, byF };
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

export function okLatencies(ops: readonly OpRecord[], f?: KvFunction): number[] {
  const out: number[] = [];
  for (const op of ops) if (op.type === 'ok' && (f === undefined || op.f === f)) out.push(op.completeMs - op.invokeMs);
  return out;
}

export function availability(ops: readonly OpRecord[], goal: TestOptions['availability']): { valid: boolean; okFraction: number | null } {
  const okCount = ops.filter((op) => op.type === 'ok').length;
  const okFraction = ops.length === 0 ? null : okCount / ops.length;
  if (goal === undefined) return { valid: true, okFraction };
  const needed = goal === 'total' ? 1 : goal;
  return { valid: (okFraction ?? 1) >= needed, okFraction };
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
  readonly workload: WorkloadVerdict;
  readonly keysUsed: number;
  readonly restarts: number;
}

export interface ResultsDocument {
  readonly valid: Validity;
  readonly [section: string]: unknown;
}

export function buildResults(facts: RunFacts): ResultsDocument {
  const { ops, net, options } = facts;
  const stats = computeStats(ops);
  const avail = availability(ops, options.availability);
  const invokes = ops.length;
  const perOp = (count: number): number | null => (invokes === 0 ? null : round(count / invokes, 3));
  const outputValid = facts.output.badLines.length === 0 && facts.output.nodeProblems.length === 0;
  const crashesValid = facts.crashes.length === 0;
  const harnessValid: Validity = facts.harnessErrors.length === 0 ? true : 'unknown';
  const valid = mergeValidity([facts.workload.valid, stats.valid, avail.valid, outputValid, crashesValid, harnessValid]);
  const opSeconds = facts.opPhaseMs / 1000;
  const latency = (f?: KvFunction): LatencyQuantiles => roundQuantiles(quantiles(okLatencies(ops, f)));
  return {
    valid,
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
    },
    workload: {
      valid: facts.workload.valid,
      'key-count': facts.workload.keyCount,
      'keys-used': facts.keysUsed,
      failures: facts.workload.failures,
      undecided: facts.workload.undecided,
      results: facts.workload.results,
      ...(facts.workload.error === undefined ? {} : { error: facts.workload.error }),
      'check-ms': round(facts.workload.elapsedMs, 1),
    },
    stats: {
      valid: stats.valid,
      count: stats.count,
      'ok-count': stats.okCount,
      'fail-count': stats.failCount,
      'info-count': stats.infoCount,
      'by-f': Object.fromEntries(
        Object.entries(stats.byF).map(([f, s]) => [f, { valid: s.valid, count: s.count, 'ok-count': s.okCount, 'fail-count': s.failCount, 'info-count': s.infoCount }]),
      ),
    },
    availability: { valid: avail.valid, 'ok-fraction': avail.okFraction === null ? null : round(avail.okFraction, 4) },
    perf: {
      valid: true,
      'op-phase-s': round(opSeconds, 3),
      'ok-ops-per-s': opSeconds > 0 ? round(stats.okCount / opSeconds, 1) : null,
      'ops-per-s': opSeconds > 0 ? round(stats.count / opSeconds, 1) : null,
      'latency-ms': { ok: latency(), read: latency('read'), write: latency('write'), cas: latency('cas') },
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
    },
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
      'spoofed-src-count': facts.output.spoofedSrc,
      'node-problems': facts.output.nodeProblems,
    },
    crashes: {
      valid: crashesValid,
      nodes: facts.crashes.map((crash) => ({ node: crash.node, code: crash.code, signal: crash.signal, 'at-s': round(crash.atMs / 1000, 3), 'log-tail': crash.logTail })),
    },
    errors: facts.harnessErrors,
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

const ms = (value: number | null): string => (value === null ? '-' : value < 10 ? `${value.toFixed(2)} ms` : `${value.toFixed(0)} ms`);

/** The one-screen console summary. */
export function formatSummary(facts: RunFacts, results: ResultsDocument): string {
  const lines: string[] = [];
  const { options } = facts;
  lines.push(`raftkv-test ${describeOptions(options)}`);
  const stats = computeStats(facts.ops);
  const byF = FUNCTIONS.map((f) => {
    const s = stats.byF[f];
    return s === undefined ? `${f} -` : `${f} ${s.count} (ok ${s.okCount}, fail ${s.failCount}, info ${s.infoCount})${s.okCount === 0 ? ' NO OK' : ''}`;
  });
  lines.push(`ops: ${stats.count} (ok ${stats.okCount}, fail ${stats.failCount}, info ${stats.infoCount}); ${byF.join('; ')}`);
  const perf = results['perf'] as { 'ok-ops-per-s': number | null; 'latency-ms': { ok: LatencyQuantiles } };
  const q = perf['latency-ms'].ok;
  lines.push(
    `throughput: ${perf['ok-ops-per-s'] ?? '-'} ok ops/s; latency of ok ops: p50 ${ms(q.p50)}, p95 ${ms(q.p95)}, p99 ${ms(q.p99)}, max ${ms(q.max)}`,
  );
  const net = results['net'] as { all: { 'msg-count': number; 'msgs-per-op': number | null }; servers: { 'msg-count': number; 'msgs-per-op': number | null } };
  lines.push(
    `network: ${net.all['msg-count']} messages (${net.all['msgs-per-op'] ?? '-'} per op), server-to-server ${net.servers['msg-count']} ` +
      `(${net.servers['msgs-per-op'] ?? '-'} per op); dropped by partitions ${facts.net.droppedByPartition}, to down nodes ${facts.net.droppedNodeDown}`,
  );
  if (options.nemesis.length > 0) {
    const counts = Object.entries(facts.faultCounts).map(([f, count]) => `${f} ×${count}`);
    lines.push(`faults: ${counts.length === 0 ? 'none injected' : counts.join(', ')}${facts.restarts > 0 ? `; ${facts.restarts} restarts` : ''}`);
  }
  const output = facts.output;
  lines.push(
    `output: ${output.badLines.length} bad stdout line${output.badLines.length === 1 ? '' : 's'}, ${output.malformedResponses} malformed response${output.malformedResponses === 1 ? '' : 's'}` +
      (output.spoofedSrc > 0 ? `, ${output.spoofedSrc} messages with another id as src` : '') +
      (output.sessionRetries > 0 ? `, ${output.sessionRetries} session retries` : ''),
  );
  for (const bad of output.badLines.slice(0, 5)) lines.push(`  BAD LINE from ${bad.node} (${bad.reason}): ${bad.line}`);
  for (const example of output.malformedExamples.slice(0, 3)) lines.push(`  malformed response: ${example}`);
  for (const problem of output.nodeProblems.slice(0, 5)) lines.push(`  NODE PROBLEM: ${problem}`);
  for (const crash of facts.crashes) {
    lines.push(`  NODE CRASHED: ${crash.node} exited on its own (code ${crash.code ?? '-'}, signal ${crash.signal ?? '-'}) at ${(crash.atMs / 1000).toFixed(1)} s; last log lines:`);
    for (const line of crash.logTail.split('\n').slice(-8)) if (line.trim() !== '') lines.push(`    ${line}`);
  }
  for (const error of facts.harnessErrors) lines.push(`  ERROR: ${error}`);
  const workload = facts.workload;
  const avail = results['availability'] as { valid: boolean; 'ok-fraction': number | null };
  lines.push(
    `check: workload ${verdictWord(workload.valid)} (${workload.keyCount} key${workload.keyCount === 1 ? '' : 's'}` +
      (workload.failures.length > 0 ? `, not linearizable: ${workload.failures.map((key) => JSON.stringify(key)).join(', ')}` : '') +
      (workload.undecided.length > 0 ? `, undecided: ${workload.undecided.map((key) => JSON.stringify(key)).join(', ')}` : '') +
      `, ${workload.elapsedMs.toFixed(0)} ms); stats ${verdictWord(stats.valid)}; availability ${verdictWord(avail.valid)} (ok fraction ${avail['ok-fraction'] ?? '-'})`,
  );
  if (workload.error !== undefined) lines.push(`  checker error: ${workload.error}`);
  for (const explanation of workload.explanations.slice(0, 3)) {
    for (const line of explanation.split('\n').slice(0, 14)) lines.push(`  ${line}`);
  }
  if (workload.explanations.length > 3) lines.push(`  ... ${workload.explanations.length - 3} more keys explained in results.json`);
  lines.push(`results: ${facts.outDir} (history.jsonl, results.json, latency.svg${workload.timelineSvg === null ? '' : ', timeline.svg'}, node-logs/)`);
  lines.push(`seed: ${options.seed} (repeat with --seed ${options.seed})`);
  lines.push(verdictBanner(results.valid));
  return lines.join('\n');
}

function verdictWord(valid: Validity): string {
  return valid === true ? 'valid' : valid === false ? 'INVALID' : 'UNKNOWN';
}

export function verdictBanner(valid: Validity): string {
  if (valid === true) return 'VERDICT: valid (no anomaly found)';
  if (valid === false) return 'VERDICT: INVALID (see above)';
  return 'VERDICT: unknown (the run could not be judged; see above)';
}
