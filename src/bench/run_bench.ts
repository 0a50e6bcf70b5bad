// The impure part of `raftkv-test bench`: runs the planned harness runs one after another in
// this process (runTest kills every node it starts, also when the signal aborts it), keeps the
// directories of runs that were not valid, and writes bench.json, bench.md, report.html and
// the --docs files (bench.json with the comparison of txns against lin-kv when both ran).
// Decisions and text come from the pure modules next to it.

import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { EXIT_BAD_ARGUMENTS, type CommandIo } from '../harness/cli.js';
import { isTxnWorkload } from '../harness/options.js';
import { runTest, timestampName } from '../harness/run_test.js';
import { compareWorkloads } from './comparison.js';
import { markdownDocument } from './markdown.js';
import { expandCeiling, expandCells, estimateSeconds, loadLabel, planRuns, type PlannedRun } from './matrix.js';
import type { BenchOptions } from './options.js';
import { renderReportHtml, throughputBars } from './report_html.js';
import { benchExitCode, buildReports, extractRunMetrics, type BenchReport, type RunRecord } from './summary.js';

export interface BenchContext {
  readonly io: CommandIo;
  readonly signal: AbortSignal | undefined;
  /** The resolved node binary and the ceiling node. */
  readonly bin: string;
  readonly ceilingBin: string;
  /** The argv that reproduces this benchmark. */
  readonly command: readonly string[];
}

/** Harness log lines kept per run, shown only when the run is not valid. */
const LOG_LINES_KEPT = 20;

export async function runBench(options: BenchOptions, context: BenchContext): Promise<number> {
  const { io } = context;
  const started = new Date();
  const outDir = resolve(options.outDir ?? join('store', 'bench', timestampName(started)));
  const runsDir = join(outDir, 'runs');
  const planned = planRuns(options, { bin: context.bin, ceilingBin: context.ceilingBin, runsDir });
  if (!planned.ok) {
    io.stderr(`raftkv-test bench: ${planned.error}\n`);
    return EXIT_BAD_ARGUMENTS;
  }
  const runs = planned.value;
  const cells = expandCells(options);
  const points = expandCeiling(options);
  const minutes = (estimateSeconds(runs.length, options.timeLimitS) / 60).toFixed(1);
  io.stderr(
    `raftkv-test bench: ${cells.length} cells${points.length > 0 ? ` + ${points.length} ceiling points` : ''} × ${options.reps} reps = ${runs.length} runs of ${options.timeLimitS} s, ` +
      `about ${minutes} min; seed ${options.seed}; results in ${outDir}\n`,
  );
  if (options.dryRun) {
    for (const cell of cells)
      io.stdout(
        `${cell.id}\t${cell.nodeCount} nodes, latency ${cell.latencyMs} ms, ${cell.readFraction === null ? cell.workload : `reads ${cell.readFraction}`}, ${cell.readMode ?? 'node default'}, ${loadLabel(cell.load)} (${cell.concurrency} threads)\n`,
      );
    for (const point of points) io.stdout(`${point.id}\tceiling: 1 node, reads ${point.readFraction}, closed ${point.concurrency} threads\n`);
    return 0;
  }
  mkdirSync(runsDir, { recursive: true });

  const records = new Map<string, RunRecord[]>();
  let interrupted = false;
  for (const [index, run] of runs.entries()) {
    if (isAborted(context.signal)) {
      interrupted = true;
      break;
    }
    const record = await executeRun(run, options, context);
    const { id } = run;
    records.set(id, [...(records.get(id) ?? []), record]);
    const figures =
      record.metrics === undefined
        ? 'no figures'
        : run.target.kind === 'cell' && isTxnWorkload(run.target.cell.workload)
          ? `${Math.round(record.metrics.okOpsPerS)} committed txns/s, abort rate ${((record.metrics.abortRate ?? 0) * 100).toFixed(1)}%`
          : `${Math.round(record.metrics.answeredOpsPerS)} answered ops/s`;
    const verdict =
      record.metrics === undefined ? 'harness error' : record.metrics.valid === true ? 'valid' : record.metrics.valid === false ? 'INVALID' : 'unknown';
    io.stderr(
      `bench: [${index + 1}/${runs.length}] ${id} rep ${run.rep + 1}: ${figures}, ${verdict} (${record.wallS.toFixed(1)} s)${record.keptDir === undefined ? '' : `; kept ${record.keptDir}`}\n`,
    );
    for (const error of record.errors.slice(0, 3)) io.stderr(`  ${error.split('\n')[0] ?? ''}\n`);
    if (isAborted(context.signal)) interrupted = true;
  }
  removeIfEmpty(runsDir);

  const grouped = buildReports(cells, points, (id) => records.get(id) ?? []);
  const report: BenchReport = {
    title: options.title,
    command: context.command,
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    options,
    cells: grouped.cells,
    ceiling: grouped.ceiling,
    interrupted,
    exitCode: benchExitCode(
      [...grouped.cells, ...grouped.ceiling].map((r) => r.summary.tally),
      interrupted,
    ),
  };
  const markdown = markdownDocument(report);
  const comparison = compareWorkloads(report.cells);
  // A one-workload bench.json keeps its shape: the comparison is there only when there is one.
  writeFileSync(join(outDir, 'bench.json'), `${JSON.stringify(comparison.length > 0 ? { ...report, comparison } : report, null, 2)}\n`);
  writeFileSync(join(outDir, 'bench.md'), markdown);
  writeFileSync(join(outDir, 'report.html'), renderReportHtml(report));
  if (options.docsPath !== undefined) {
    const docsPath = resolve(options.docsPath);
    const plotName = `${basename(docsPath, '.md')}.svg`;
    mkdirSync(dirname(docsPath), { recursive: true });
    writeFileSync(join(dirname(docsPath), plotName), `${throughputBars(report)}\n`);
    writeFileSync(docsPath, markdownDocument(report, plotName));
    io.stderr(`bench: wrote ${relative(process.cwd(), docsPath)} and ${plotName}\n`);
  }
  io.stdout(markdown);
  io.stderr(`bench: report in ${join(outDir, 'report.html')} (bench.json, bench.md)\n`);
  return report.exitCode;
}

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

async function executeRun(run: PlannedRun, options: BenchOptions, context: BenchContext): Promise<RunRecord> {
  const startedMs = performance.now();
  const logs: string[] = [];
  const keep = (line: string): void => {
    logs.push(line);
    if (logs.length > LOG_LINES_KEPT) logs.shift();
  };
  const outDir = run.options.outDir as string;
  try {
    const result = await runTest(run.options, {
      log: keep,
      progress: () => {},
      command: context.command,
      ...(context.signal === undefined ? {} : { signal: context.signal }),
    });
    const metrics = extractRunMetrics(result.results);
    const harnessErrors = result.results['errors'];
    const errors = [
      ...(metrics.failedChecks.length === 0 ? [] : [`checks not valid: ${metrics.failedChecks.join(', ')}`]),
      ...(Array.isArray(harnessErrors) ? harnessErrors.filter((e): e is string => typeof e === 'string') : []),
    ];
    const keptDir = metrics.valid === true && !options.keepRuns ? undefined : outDir;
    if (keptDir === undefined) rmSync(outDir, { recursive: true, force: true });
    else if (metrics.valid !== true) writeFileSync(join(outDir, 'harness-log.txt'), `${logs.join('\n')}\n`);
    return { rep: run.rep, seed: run.seed, wallS: (performance.now() - startedMs) / 1000, metrics, errors, keptDir };
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    return {
      rep: run.rep,
      seed: run.seed,
      wallS: (performance.now() - startedMs) / 1000,
      metrics: undefined,
      errors: [`harness error: ${message}`, ...logs],
      keptDir: existsSync(outDir) ? outDir : undefined,
    };
  }
}

function removeIfEmpty(dir: string): void {
  try {
    if (readdirSync(dir).length === 0) rmSync(dir, { recursive: true });
  } catch {
    // Nothing to tidy.
  }
}
