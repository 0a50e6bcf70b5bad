// The end of a run: the history checked, the facts gathered from every part of the run, and the
// results directory written (results.json, summary.txt, the run's pictures: latency.svg, rate.svg,
// latency-quantiles.svg, messages.svg, timeline.html; the checker's pictures and explanations).
// Runs after every process is gone; the verdict comes from results.ts.
// Invariant: what is returned is exactly what was written.

import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { HistoryEvent } from '../check/history.js';
import { formatJepsenHistory, formatJepsenResults } from '../check/jepsen_format.js';
import type { ClientDriver } from './client_driver.js';
import type { Cluster } from './cluster.js';
import { renderLatencyPlot } from './latency_plot.js';
import { renderMessageDiagram } from './message_diagram.js';
import type { MessageJournal } from './message_journal.js';
import type { NemesisExecutor } from './nemesis_executor.js';
import type { NetStats } from './network.js';
import { isTxnWorkload } from './options.js';
import { LOG_EXCERPT_BYTES, logTail, readLogExcerpt } from './out_dir.js';
import type { ProcessRecord } from './processes.js';
import {
  buildResults,
  computeStats,
  exitCodeForVerdict,
  EXPLANATIONS_FILE,
  explanationsText,
  functionsOf,
  type Crash,
  type ResultsDocument,
  type RunFacts,
  RUN_PICTURES,
  type RunPicture,
  type Stats,
  type Validity,
  type Verdict,
} from './results.js';
import { formatSummary } from './summary_text.js';
import { renderLatencyQuantilesPlot, renderRatePlot } from './rate_plot.js';
import type { BurstSummary } from './op_bursts.js';
import type { RecoverySummary } from './recovery.js';
import type { RunContext } from './run_context.js';
import { describeStartupFailures, type StartupFailure } from './startup.js';
import { renderTimelinePage } from './timeline_page.js';
import { checkWorkload, type WorkloadVerdict } from './verdict.js';

export interface TestResult {
  /** Jepsen's :valid? (false for a run that did not recover, too). */
  readonly valid: Validity;
  readonly verdict: Verdict;
  /** 0 valid, 1 invalid, 2 unknown or harness error, 3 did not recover after healing. */
  readonly exitCode: 0 | 1 | 2 | 3;
  readonly seed: number;
  readonly outDir: string;
  readonly dataDir: string;
  readonly results: ResultsDocument;
  readonly summary: string;
  readonly stats: Stats;
  readonly okOpsPerSecond: number;
  readonly workload: WorkloadVerdict;
  /** Every node process started, with its pid and how it ended. */
  readonly processes: readonly ProcessRecord[];
  readonly historyPath: string;
  readonly resultsPath: string;
}

export interface RunParts {
  readonly ctx: RunContext;
  readonly files: { readonly outDir: string; readonly dataDir: string; readonly logsDir: string; readonly startedAt: Date };
  readonly cluster: Cluster;
  readonly clients: ClientDriver;
  readonly nemesis: NemesisExecutor;
  readonly net: NetStats;
  /** Every message routed, as far as the journal kept them. */
  readonly journal: MessageJournal;
  readonly history: readonly HistoryEvent[];
  /** Nodes whose first start ended before init_ok, with their log offsets. */
  readonly failedStarts: readonly { readonly node: string; readonly exit: StartupFailure['exit']; readonly logOffset: number }[];
  /** When the operation phase ended (undefined: it never began, or was cut short before its end was noted). */
  readonly opPhaseEndMs: number | null;
  /** Wall-clock time of test time 0, once the operation phase began. */
  readonly opPhaseStartedAt: Date | null;
  /** The recovery check, when it ran. */
  readonly recovery: RecoverySummary | null;
  /** The op bursts, when --bursts was given. */
  readonly bursts: BurstSummary | null;
}

export function finishRun(parts: RunParts): TestResult {
  const { ctx, files, cluster, clients, nemesis } = parts;
  const options = ctx.options;
  const endMs = parts.opPhaseEndMs ?? Math.max(0, ctx.nowMs());
  nemesis.closeOpenFaults(endMs);
  for (let i = 0; i < cluster.crashes.length; i++) {
    const crash = cluster.crashes[i] as Crash;
    cluster.crashes[i] = { ...crash, logTail: logTail(join(files.logsDir, `${crash.node}.log`), 32) };
  }
  const startupFailures = describeStartupFailures(
    parts.failedStarts.map(({ node, exit, logOffset }) => {
      const logPath = join(files.logsDir, `${node}.log`);
      return { node, exit, stderr: readLogExcerpt(logPath, logOffset, LOG_EXCERPT_BYTES, false), logPath };
    }),
  );
  const nodeSeeds: { [node: string]: number[] } = {};
  for (const record of cluster.processes) (nodeSeeds[record.node] ??= []).push(record.seed);
  const workload = checkWorkload(parts.history, {
    timeLimitS: options.checkTimeLimitS,
    ...(isTxnWorkload(options.workload) ? { txn: { workload: options.workload, models: options.consistencyModels } } : {}),
  });
  const model = clients.clients;
  // The recovery probes and the bursts are checked with the history but are no part of the run's statistics.
  const ops = clients.ops.filter((op) => op.probe !== true);
  const facts: RunFacts = {
    options,
    command: ctx.hooks.command ?? [],
    outDir: files.outDir,
    dataDir: files.dataDir,
    startedAt: files.startedAt.toISOString(),
    opPhaseMs: endMs,
    ops,
    net: parts.net,
    faults: nemesis.faults,
    faultCounts: nemesis.faultCounts,
    output: {
      badLines: cluster.badLines,
      malformedResponses: model.malformedResponses,
      sessionRetries: model.sessionRetries,
      malformedExamples: model.malformedExamples,
      answersToAnother: model.answersToAnother,
      answersToAnotherExamples: model.answersToAnotherExamples,
      spoofedSrc: cluster.spoofedSrc,
      nodeProblems: cluster.nodeProblems,
    },
    crashes: cluster.crashes,
    harnessErrors: [...startupFailures, ...ctx.harnessErrors],
    nodeSeeds,
    workload,
    keysUsed: model.keysUsed,
    restarts: nemesis.restarts,
    finalReads: clients.finalReadSummary,
    recovery: parts.recovery,
    bursts: parts.bursts,
    opPhaseStartedAt: parts.opPhaseStartedAt?.toISOString() ?? null,
  };
  const results = buildResults(facts);
  const resultsPath = join(files.outDir, 'results.json');
  writeFileSync(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
  // The same run in Jepsen's formats, so Knossos, Elle or Maelstrom's tooling can re-check it.
  writeJepsenHistory(join(files.outDir, 'history.edn'), parts.history);
  writeFileSync(join(files.outDir, 'results.edn'), formatJepsenResults(results));
  // The journal's clock is the router's: test time 0 is where the run's clock reads 0.
  const messages = parts.journal.snapshot(performance.now() - ctx.nowMs());
  const named = (what: string): string => `raftkv-test ${options.workload}: ${what} (seed ${options.seed})`;
  const anomaly = workload.firstAnomaly;
  const pictures: { readonly [file in RunPicture]: () => string } = {
    'latency.svg': () => renderLatencyPlot(ops, nemesis.faults, { title: named('latency'), durationMs: endMs, functions: functionsOf(options.workload) }),
    'rate.svg': () => renderRatePlot(ops, nemesis.faults, { title: named('throughput'), durationMs: endMs }),
    'latency-quantiles.svg': () => renderLatencyQuantilesPlot(ops, nemesis.faults, { title: named('latency quantiles'), durationMs: endMs }),
    'messages.svg': () =>
      renderMessageDiagram(messages, {
        title: named('messages'),
        nodes: cluster.nodeIds,
        faults: nemesis.faults,
        invalid: results.valid === false,
        ...(anomaly === undefined ? {} : { anomaly }),
      }),
    'timeline.html': () =>
      renderTimelinePage(parts.history, nemesis.faults, { title: named('timeline'), ...(anomaly === undefined ? {} : { focus: anomaly }) }),
  };
  for (const file of RUN_PICTURES) writePicture(ctx, join(files.outDir, file), pictures[file]);
  if (workload.kind === 'lin-kv' && workload.timelineSvg !== null) writeFileSync(join(files.outDir, 'timeline.svg'), workload.timelineSvg);
  if (workload.kind === 'txn') for (const picture of workload.pictures) writeFileSync(join(files.outDir, picture.file), picture.svg);
  if (workload.fullExplanations.length > 0) writeFileSync(join(files.outDir, EXPLANATIONS_FILE), explanationsText(workload));
  const summary = formatSummary(facts, results);
  writeFileSync(join(files.outDir, 'summary.txt'), `${summary}\n`);
  const stats = computeStats(ops, options.workload);
  const verdict = results.verdict ?? 'unknown';
  return {
    valid: results.valid,
    verdict,
    exitCode: exitCodeForVerdict(verdict),
    seed: options.seed,
    outDir: files.outDir,
    dataDir: files.dataDir,
    results,
    summary,
    stats,
    okOpsPerSecond: endMs > 0 ? stats.okCount / (endMs / 1000) : 0,
    workload,
    processes: cluster.processes,
    historyPath: join(files.outDir, 'history.jsonl'),
    resultsPath,
  };
}

/** A picture that cannot be drawn is a loud line, never a lost results directory. */
function writePicture(ctx: RunContext, path: string, render: () => string): void {
  try {
    writeFileSync(path, render());
  } catch (error) {
    ctx.log(`raftkv-test: could not draw ${path}: ${(error as Error).stack ?? String(error)}`);
  }
}

/** Events per write: a long history is written in slices, never as one string of its whole size. */
const EDN_EVENTS_PER_WRITE = 10_000;

function writeJepsenHistory(path: string, events: readonly HistoryEvent[]): void {
  const fd = openSync(path, 'w');
  try {
    for (let start = 0; start < events.length; start += EDN_EVENTS_PER_WRITE)
      writeSync(fd, formatJepsenHistory(events.slice(start, start + EDN_EVENTS_PER_WRITE)));
  } finally {
    closeSync(fd);
  }
}
