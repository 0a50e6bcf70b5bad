// bin/raftkv under the harness's kill nemesis: nodes are SIGKILLed and restarted on their data
// directories (RAFTKV_DATA_DIR, a fresh one per run), so every acknowledged write must survive
// from the WAL and snapshots. A small snapshot interval makes compaction and InstallSnapshot
// part of the run. The seed is fixed; a failure prints the command that replays it.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanOutDirs, harnessRun } from '../harness/helpers.js';
import { RAFTKV_BIN, requireBuilt } from '../support/node_process.js';

beforeAll(() => requireBuilt('dist/raftkv.mjs'));
afterAll(cleanOutDirs);

describe('bin/raftkv with durable storage under the harness', () => {
  it('is valid with 3 nodes when nodes are killed and restarted', async () => {
    const seed = 4501;
    const result = await harnessRun('raftkv kill', {
      bin: RAFTKV_BIN,
      binArgs: ['--snapshot-every', '200'],
      nodeCount: 3,
      concurrency: '2n',
      rate: 150,
      timeLimitS: 8,
      nemesis: ['kill'],
      nemesisIntervalS: 1,
      seed,
    });
    const replay = `replay: bin/raftkv-test test -w lin-kv --bin bin/raftkv --node-count 3 --concurrency 2n --rate 150 --time-limit 8 --nemesis kill --nemesis-interval 1 --seed ${seed} -- --snapshot-every 200`;
    expect(result.valid, `${result.summary}\n${replay}`).toBe(true);
    expect(result.summary).toMatch(/kill ×[1-9]/);
    expect(result.summary).toMatch(/[1-9]\d* restarts/);
    for (const node of ['n0', 'n1', 'n2'])
      expect(
        readdirSync(join(result.dataDir, node)).some((name) => /^segment-\d{10}\.wal$/.test(name)),
        node,
      ).toBe(true);
  }, 60_000);
});
