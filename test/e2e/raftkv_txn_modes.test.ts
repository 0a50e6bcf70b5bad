// End-to-end: bin/raftkv in the occ and si txn modes under the harness's txn-list-append workload
// (runTest, the harness's own run), on 3 hot keys with 12 client threads so txns conflict all
// the time. occ must be strict-serializable (under partitions, its retries absorbing the
// conflicts: the nodes log them); si must be snapshot-isolated and, on purpose, not serializable,
// by write skew (G2-item) alone. Seeds are fixed and printed; each failure prints its replay.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AnomalyName, ConsistencyModel } from '../../src/check/txn/types.js';
import { cleanOutDirs, harnessRun, isRunning } from '../harness/helpers.js';
import { RAFTKV_BIN, requireBuilt, stopAll } from '../support/node_process.js';

beforeAll(() => requireBuilt('dist/raftkv.mjs'));
afterEach(stopAll);
afterAll(cleanOutDirs);

/** The retries the nodes' last txn counter lines report, summed over nodes (each node's latest line). */
function loggedRetries(outDir: string): number {
  const dir = join(outDir, 'node-logs');
  let retries = 0;
  for (const file of readdirSync(dir)) {
    const lines = readFileSync(join(dir, file), 'utf8').match(/txns coordinated here: .* (\d+) retries/g) ?? [];
    const last = lines.at(-1)?.match(/(\d+) retries/);
    retries += last === undefined || last === null ? 0 : Number(last[1]);
  }
  return retries;
}

describe('bin/raftkv txn modes under the harness', () => {
  it('occ is strict-serializable on 3 hot keys under partitions, retrying conflicts', { timeout: 40_000 }, async () => {
    const seed = 9_401;
    const result = await harnessRun('raftkv occ', {
      bin: RAFTKV_BIN,
      binArgs: ['--txn-mode', 'occ'],
      workload: 'txn-list-append',
      nodeCount: 3,
      concurrency: 12,
      rate: 300,
      keyCount: 3,
      timeLimitS: 4,
      nemesis: ['partition'],
      nemesisIntervalS: 1,
      consistencyModels: ['strict-serializable'],
      seed,
    });
    const replay = `replay: bin/raftkv-test test -w txn-list-append --bin bin/raftkv --node-count 3 --concurrency 12 --rate 300 --key-count 3 --time-limit 4 --nemesis partition --nemesis-interval 1 --consistency-models strict-serializable --seed ${seed} -- --txn-mode occ`;
    expect(result.processes.every((record) => !isRunning(record.pid))).toBe(true);
    expect(result.valid, `${result.summary}\n${replay}`).toBe(true);
    expect(result.stats.okCount, `${result.summary}\n${replay}`).toBeGreaterThan(100);
    // The hot keys made txns conflict, and the nodes retried them.
    expect(loggedRetries(result.outDir), replay).toBeGreaterThan(0);
  });

  it('si is snapshot-isolated on 3 hot keys, and not serializable by write skew (G2-item) alone', { timeout: 40_000 }, async () => {
    const seed = 9_402;
    const result = await harnessRun('raftkv si', {
      bin: RAFTKV_BIN,
      binArgs: ['--txn-mode', 'si'],
      workload: 'txn-list-append',
      nodeCount: 3,
      concurrency: 12,
      rate: 500,
      keyCount: 3,
      maxTxnLength: 8,
      timeLimitS: 3,
      consistencyModels: ['snapshot-isolation', 'serializable'],
      seed,
    });
    const replay = `replay: bin/raftkv-test test -w txn-list-append --bin bin/raftkv --node-count 3 --concurrency 12 --rate 500 --key-count 3 --max-txn-length 8 --time-limit 3 --consistency-models snapshot-isolation,serializable --seed ${seed} -- --txn-mode si`;
    expect(result.processes.every((record) => !isRunning(record.pid))).toBe(true);
    const verdict = result.workload;
    if (verdict.kind !== 'txn') throw new Error(`expected a txn verdict, got ${verdict.kind}`);
    expect(result.stats.okCount, `${result.summary}\n${replay}`).toBeGreaterThan(100);
    const byModel = Object.fromEntries(verdict.models.map((model) => [model.model, model.valid === true ? true : model.violatedBy])) as Partial<
      Record<ConsistencyModel, true | readonly AnomalyName[]>
    >;
    expect(byModel, `${result.summary}\n${replay}`).toEqual({ 'snapshot-isolation': true, serializable: ['G2-item'] });
    // Real time adds G2-item cycles at most (a snapshot is taken after the txn arrives, and it commits before the reply).
    expect(
      verdict.anomalyNames.filter((name) => !/^G2-item(-process|-realtime)?$/.test(name)),
      replay,
    ).toEqual([]);
  });
});
