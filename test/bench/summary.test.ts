// From runs to figures: what is read from results.json, medians with min and max, the ratio
// to the ceiling, validity tallies and the exit status.
import { describe, expect, it } from 'vitest';
import { expandCeiling, expandCells } from '../../src/bench/matrix.js';
import { benchExitCode, buildReports, extractRunMetrics, ratio, spread, summarize, tally, validityLabel } from '../../src/bench/summary.js';
import type { ResultsDocument } from '../../src/harness/results.js';
import { benchOptions, metrics, record } from './fixtures.js';

describe('extractRunMetrics', () => {
  it('counts definite failures as answers and reads latency and messages per op', () => {
    const results: ResultsDocument = {
      valid: false,
      stats: { valid: false, count: 130, 'ok-count': 100, 'fail-count': 20, 'info-count': 10 },
      workload: { valid: true },
      perf: {
        valid: true,
        'op-phase-s': 2,
        'latency-ms': { ok: { p50: 1 }, read: { p50: 0.5, p99: 4 }, write: { p50: 2, p99: 8 }, cas: { p50: null, p99: null } },
      },
      net: { servers: { 'msgs-per-op': 1.25 } },
      errors: [],
    };
    expect(extractRunMetrics(results)).toEqual({
      valid: false,
      opPhaseS: 2,
      count: 130,
      okCount: 100,
      failCount: 20,
      infoCount: 10,
      answeredOpsPerS: 60,
      okOpsPerS: 50,
      readP50Ms: 0.5,
      readP99Ms: 4,
      writeP50Ms: 2,
      writeP99Ms: 8,
      casP50Ms: null,
      casP99Ms: null,
      serverMsgsPerOp: 1.25,
      failedChecks: ['stats false'],
    });
  });

  it('gives zero throughput and no latency for a run that never reached its op phase', () => {
    const figures = extractRunMetrics({ valid: 'unknown', errors: ['setup failed'] });
    expect(figures).toMatchObject({ valid: 'unknown', answeredOpsPerS: 0, okOpsPerS: 0, readP50Ms: null, serverMsgsPerOp: null });
  });
});

describe('spread', () => {
  it('takes the middle value of an odd count and the mean of the middle two of an even one', () => {
    expect(spread([30, 10, 20])).toEqual({ median: 20, min: 10, max: 30 });
    expect(spread([40, 10, 20, 30])).toEqual({ median: 25, min: 10, max: 40 });
  });

  it('leaves out missing values', () => {
    expect(spread([null, 5, null])).toEqual({ median: 5, min: 5, max: 5 });
    expect(spread([null])).toEqual({ median: null, min: null, max: null });
    expect(spread([])).toEqual({ median: null, min: null, max: null });
  });
});

describe('ratio', () => {
  it('divides by the ceiling, and is null without one', () => {
    expect(ratio(500, 2000)).toBe(0.25);
    expect(ratio(500, null)).toBeNull();
    expect(ratio(null, 2000)).toBeNull();
    expect(ratio(500, 0)).toBeNull();
  });
});

describe('summarize and tally', () => {
  it('summarizes reps, leaving harness errors out of the figures but counting them as unknown', () => {
    const runs = [record(0, metrics(100)), record(1, metrics(300, { readP99Ms: 7 })), record(2, undefined), record(3, metrics(200), false)];
    const summary = summarize(runs);
    expect(summary.answeredOpsPerS).toEqual({ median: 200, min: 100, max: 300 });
    expect(summary.readP99Ms.max).toBe(7);
    expect(summary.tally).toEqual({ valid: 2, invalid: 1, unknown: 1 });
    expect(validityLabel(summary.tally)).toBe('INVALID 1/4, unknown 1/4');
    expect(validityLabel(tally([record(0, metrics(1)), record(1, metrics(1))]))).toBe('valid');
    expect(validityLabel(tally([record(0, metrics(1), 'unknown')]))).toBe('unknown 1/1');
    expect(validityLabel(tally([]))).toBe('not run');
  });
});

describe('buildReports', () => {
  it('relates each closed-loop cell to the ceiling with the same read share and number of client threads', () => {
    const options = benchOptions(['--nodes', '3,5', '--latency', '0', '--reads', '0.5,0.9', '--clients', '2n,4n', '--rates', '100', '--reps', '1']);
    // 2n and 4n on 3 nodes: 6 and 12 threads; on 5 nodes: 10 and 20.
    const answered: { [id: string]: number } = {
      'ceiling-r0.5-t6': 1000,
      'ceiling-r0.5-t10': 2000,
      'ceiling-r0.5-t12': 3000,
      'ceiling-r0.5-t20': 4000,
      'ceiling-r0.9-t6': 2000,
      'ceiling-r0.9-t10': 4000,
      'ceiling-r0.9-t12': 6000,
      'ceiling-r0.9-t20': 8000,
    };
    const grouped = buildReports(expandCells(options), expandCeiling(options), (id) => [record(0, metrics(answered[id] ?? 400))]);
    const ratioOf = (id: string): number | null | undefined => grouped.cells.find((r) => r.cell.id === id)?.ratioToCeiling;
    expect(ratioOf('n3-l0-r0.5-default-c2n')).toBeCloseTo(0.4);
    expect(ratioOf('n3-l0-r0.5-default-c4n')).toBeCloseTo(400 / 3000);
    expect(ratioOf('n5-l0-r0.5-default-c2n')).toBeCloseTo(0.2);
    expect(ratioOf('n5-l0-r0.5-default-c4n')).toBeCloseTo(0.1);
    expect(ratioOf('n3-l0-r0.9-default-c2n')).toBeCloseTo(0.2);
    expect(ratioOf('n5-l0-r0.9-default-c4n')).toBeCloseTo(0.05);
    expect(ratioOf('n3-l0-r0.5-default-r100-c10n')).toBeNull();
    expect(grouped.ceiling.map((r) => r.summary.answeredOpsPerS.median)).toEqual([1000, 2000, 3000, 4000, 2000, 4000, 6000, 8000]);
  });

  it('compares a 3-node and a 5-node 10n cell with the ceiling at 30 and at 50 threads', () => {
    const options = benchOptions(['--nodes', '3,5', '--latency', '0', '--reads', '0.5', '--clients', '10n', '--reps', '1']);
    const points = expandCeiling(options);
    expect(points.map((p) => [p.id, p.concurrency])).toEqual([
      ['ceiling-r0.5-t30', 30],
      ['ceiling-r0.5-t50', 50],
    ]);
    const answered: { [id: string]: number } = {
      'ceiling-r0.5-t30': 6000,
      'ceiling-r0.5-t50': 10_000,
      'n3-l0-r0.5-default-c10n': 3000,
      'n5-l0-r0.5-default-c10n': 2000,
    };
    const grouped = buildReports(expandCells(options), points, (id) => [record(0, metrics(answered[id] ?? 1))]);
    expect(grouped.cells.map((r) => [r.cell.id, r.cell.concurrency, r.ratioToCeiling])).toEqual([
      ['n3-l0-r0.5-default-c10n', 30, 0.5],
      ['n5-l0-r0.5-default-c10n', 50, 0.2],
    ]);
  });

  it('has no ratios without a ceiling', () => {
    const options = benchOptions(['--nodes', '3', '--clients', '2n', '--no-ceiling']);
    const grouped = buildReports(expandCells(options), expandCeiling(options), () => [record(0, metrics(10))]);
    expect(grouped.ceiling).toEqual([]);
    expect(grouped.cells.every((r) => r.ratioToCeiling === null)).toBe(true);
  });
});

describe('benchExitCode', () => {
  it('is 1 for any invalid run, else 2 for unknown or interrupted, else 0', () => {
    const valid = { valid: 3, invalid: 0, unknown: 0 };
    expect(benchExitCode([valid, valid], false)).toBe(0);
    expect(benchExitCode([valid, { valid: 2, invalid: 0, unknown: 1 }], false)).toBe(2);
    expect(benchExitCode([valid], true)).toBe(2);
    expect(benchExitCode([{ valid: 0, invalid: 1, unknown: 2 }, valid], true)).toBe(1);
    // Nothing ran: nothing was measured, which is no pass.
    expect(benchExitCode([], false)).toBe(2);
    expect(benchExitCode([{ valid: 0, invalid: 0, unknown: 0 }], false)).toBe(2);
  });
});
