// Micro-benchmark of the checker on a generated lin-kv-like history. The clock is injected (the
// caller passes performance.now), so this module stays free of I/O and ambient time; it only
// times generation, serialization round-trip and checking, and reports what it measured.

import { generateHistory } from './generate.js';
import type { GeneratorOptions } from './generate.js';
import { formatHistory, parseJsonLines } from './history.js';
import type { Verdict } from './linearizability.js';
import { checkHistory } from './linearizability.js';

export interface BenchmarkReport {
  readonly operationCount: number;
  readonly eventCount: number;
  readonly keyCount: number;
  readonly verdict: Verdict;
  readonly steps: number;
  readonly generateMs: number;
  readonly parseMs: number;
  readonly checkMs: number;
}

/**
 * Generates a lin-kv-like history (100,000 ops over 500 keys, 10 clients per key, 3% info by
 * default), round-trips it through our text format, and checks it `checkRuns` times, reporting
 * the fastest check (the first one also pays for warming up the JIT).
 */
export function benchmarkChecker(now: () => number, overrides: Partial<GeneratorOptions> = {}, checkRuns = 1): BenchmarkReport {
  const options: Partial<GeneratorOptions> = { operationCount: 100_000, keyCount: 500, clientsPerKey: 10, ...overrides };
  const startedAt = now();
  const generated = generateHistory(options);
  const text = formatHistory(generated);
  const generatedAt = now();
  const parsed = parseJsonLines(text);
  if (!parsed.ok) throw new Error(`benchmark history does not parse: ${parsed.error.message}`);
  const parsedAt = now();
  let checked = checkHistory(parsed.value);
  let checkMs = now() - parsedAt;
  for (let run = 1; run < checkRuns; run++) {
    const runStartedAt = now();
    checked = checkHistory(parsed.value);
    checkMs = Math.min(checkMs, now() - runStartedAt);
  }
  if (!checked.ok) throw new Error(`benchmark history is malformed: ${checked.error}`);
  return {
    operationCount: checked.value.operationCount,
    eventCount: checked.value.eventCount,
    keyCount: checked.value.keyCount,
    verdict: checked.value.verdict,
    steps: checked.value.steps,
    generateMs: generatedAt - startedAt,
    parseMs: parsedAt - generatedAt,
    checkMs,
  };
}

/** One line for logs: what was checked and how long each phase took. */
export function formatBenchmark(report: BenchmarkReport): string {
  return (
    `${report.operationCount} ops (${report.eventCount} events, ${report.keyCount} keys): ${report.verdict}, ` +
    `${report.steps} steps; generate ${report.generateMs.toFixed(0)} ms, parse ${report.parseMs.toFixed(0)} ms, ` +
    `check ${report.checkMs.toFixed(0)} ms`
  );
}
