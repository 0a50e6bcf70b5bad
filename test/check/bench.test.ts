// The checker's cost on a 100,000-op lin-kv-like history (500 keys, 10 clients per key, 3% info
// ops). Wall time is printed for the record, never asserted (a busy machine must not fail a
// test); the assertion is on search steps, which are deterministic for a seed. About 0.8M steps
// take about 0.3 s here; the bound is several times that, to catch a search that blows up.

import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { benchmarkChecker, formatBenchmark } from '../../src/check/bench.js';

describe('checker benchmark', () => {
  it('checks a generated 100,000-op history within a bounded number of search steps', () => {
    const report = benchmarkChecker(() => performance.now(), { seed: 42 }, 2);
    console.log(formatBenchmark(report));
    expect(report.operationCount).toBe(100_000);
    expect(report.verdict).toBe('valid');
    expect(report.steps).toBeLessThan(4_000_000);
  });
});
