// Hand-made runs and reports for the bench's pure modules: figures chosen so medians, ratios
// and table cells are easy to check by eye.
import { buildReports, benchExitCode, type BenchReport, type RunMetrics, type RunRecord } from '../../src/bench/summary.js';
import { expandCeiling, expandCells } from '../../src/bench/matrix.js';
import { parseBenchArgs, type BenchOptions } from '../../src/bench/options.js';
import type { Validity } from '../../src/harness/results.js';

export function benchOptions(argv: string[]): BenchOptions {
  const parsed = parseBenchArgs(argv, () => 11, '/repo/bin/raftkv');
  if (!parsed.ok || parsed.value.kind !== 'run') throw new Error(parsed.ok ? 'help' : parsed.error);
  return parsed.value.options;
}

/** The message `argv` is refused with. */
export function benchRefusal(argv: string[]): string {
  const parsed = parseBenchArgs(argv, () => 11);
  if (parsed.ok) throw new Error(`expected ${argv.join(' ')} to be refused`);
  return parsed.error;
}

export function metrics(answered: number, overrides: Partial<RunMetrics> = {}): RunMetrics {
  return {
    valid: true,
    opPhaseS: 1,
    count: answered,
    okCount: answered,
    failCount: 0,
    infoCount: 0,
    answeredOpsPerS: answered,
    okOpsPerS: answered * 0.75,
    readP50Ms: 1,
    readP99Ms: 5,
    writeP50Ms: 2,
    writeP99Ms: 9,
    casP50Ms: 2,
    casP99Ms: 9,
    serverMsgsPerOp: 0.5,
    failedChecks: [],
    ...overrides,
  };
}

export function record(rep: number, runMetrics: RunMetrics | undefined, valid: Validity = true): RunRecord {
  return {
    rep,
    seed: 11 + rep,
    wallS: 1.2,
    metrics: runMetrics === undefined ? undefined : { ...runMetrics, valid },
    errors: runMetrics === undefined ? ['harness error: boom'] : [],
    keptDir: valid === true ? undefined : `/out/runs/x-rep${rep + 1}`,
  };
}

/** A report for `argv` where every run of a cell answers `answeredOf(id)` ops/s. */
export function reportFor(argv: string[], answeredOf: (id: string) => number, title = 'T'): BenchReport {
  return reportWithRuns(argv, (id, reps) => Array.from({ length: reps }, (_, rep) => record(rep, metrics(answeredOf(id)))), title);
}

/** A report for `argv` whose cell or ceiling point `id` finished the runs `runsOf(id, reps)`. */
export function reportWithRuns(argv: string[], runsOf: (id: string, reps: number) => RunRecord[], title = 'T'): BenchReport {
  const options = benchOptions(argv);
  const grouped = buildReports(expandCells(options), expandCeiling(options), (id) => runsOf(id, options.reps));
  return {
    title,
    command: ['bin/raftkv-test', 'bench', ...argv],
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:01:00.000Z',
    options,
    cells: grouped.cells,
    ceiling: grouped.ceiling,
    interrupted: false,
    exitCode: benchExitCode(
      [...grouped.cells, ...grouped.ceiling].map((r) => r.summary.tally),
      false,
    ),
  };
}
