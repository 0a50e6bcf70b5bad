// The real bin/raftkv as a cluster under the harness: valid under partitions and pauses in
// every linearizable read mode, and caught when it runs the deliberately stale read mode.
// Seeds are fixed so a failure replays with the printed command.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupOfKey } from '../../src/server/key_split.js';
import { cleanOutDirs, harnessRun } from '../harness/helpers.js';
import { RAFTKV_BIN, requireBuilt } from '../support/node_process.js';

beforeAll(() => requireBuilt('dist/raftkv.mjs'));
afterAll(cleanOutDirs);

const replay = (args: string): string => `replay: bin/raftkv-test test -w lin-kv --bin bin/raftkv ${args}`;

describe('bin/raftkv under the harness', () => {
  it('is valid with 5 nodes under partitions (read-index)', async () => {
    const result = await harnessRun('raftkv 5 nodes partition', {
      bin: RAFTKV_BIN,
      nodeCount: 5,
      concurrency: '2n',
      rate: 150,
      timeLimitS: 8,
      nemesis: ['partition'],
      nemesisIntervalS: 1.5,
      seed: 4101,
    });
    expect(
      result.valid,
      `${result.summary}\n${replay('--node-count 5 --concurrency 2n --rate 150 --time-limit 8 --nemesis partition --nemesis-interval 1.5 --seed 4101')}`,
    ).toBe(true);
    expect(result.results.nemesis).toBeDefined();
  });

  for (const [readMode, seed] of [
    ['log', 4201],
    ['lease', 4202],
    ['follower', 4203],
  ] as const) {
    it(`is valid with 3 nodes, latency 5 ms, under partitions and pauses (${readMode} reads)`, async () => {
      const result = await harnessRun(`raftkv 3 nodes ${readMode}`, {
        bin: RAFTKV_BIN,
        binArgs: ['--read-mode', readMode],
        nodeCount: 3,
        concurrency: '2n',
        rate: 150,
        timeLimitS: 6,
        latencyMs: 5,
        nemesis: ['partition', 'pause'],
        nemesisIntervalS: 1,
        seed,
      });
      expect(
        result.valid,
        `${result.summary}\n${replay(`--node-count 3 --concurrency 2n --rate 150 --time-limit 6 --latency 5 --nemesis partition,pause --nemesis-interval 1 --seed ${seed} -- --read-mode ${readMode}`)}`,
      ).toBe(true);
    });
  }

  it('is valid with two Raft groups per node (keys split between them) under partitions and kills', async () => {
    const result = await harnessRun('raftkv two groups', {
      bin: RAFTKV_BIN,
      binArgs: ['--groups', '2'],
      nodeCount: 3,
      concurrency: '4n',
      rate: 150,
      timeLimitS: 6,
      nemesis: ['partition', 'kill'],
      nemesisIntervalS: 1,
      seed: 4501,
    });
    expect(
      result.valid,
      `${result.summary}\n${replay('--node-count 3 --concurrency 4n --rate 150 --time-limit 6 --nemesis partition,kill --nemesis-interval 1 --seed 4501 -- --groups 2')}`,
    ).toBe(true);
    // Both groups served operations: keys landed in each, and each group elected its leaders.
    const checkedKeys = Object.keys(result.workload.results).map(Number);
    expect(new Set(checkedKeys.map((key) => groupOfKey(key, 2)))).toEqual(new Set([0, 1]));
    const logs = ['n0', 'n1', 'n2'].map((id) => readFileSync(join(result.outDir, 'node-logs', `${id}.log`), 'utf8')).join('\n');
    expect(logs).toMatch(/group 1: became leader of term \d+/);
    expect(logs).toMatch(/(?<!group 1: )became leader of term \d+/);
  });

  it('is valid with client sessions retrying indeterminate writes under partitions', async () => {
    const result = await harnessRun('raftkv client sessions', {
      bin: RAFTKV_BIN,
      nodeCount: 3,
      concurrency: '2n',
      rate: 150,
      timeLimitS: 6,
      nemesis: ['partition'],
      nemesisIntervalS: 1,
      clientSessions: true,
      seed: 4401,
    });
    expect(
      result.valid,
      `${result.summary}\n${replay('--node-count 3 --concurrency 2n --rate 150 --time-limit 6 --nemesis partition --nemesis-interval 1 --client-sessions --seed 4401')}`,
    ).toBe(true);
    expect(result.results['output']).toMatchObject({ 'malformed-response-count': 0 });
  });

  it('is reported invalid when followers serve possibly stale local reads (bounded-staleness)', async () => {
    const result = await harnessRun('raftkv bounded-staleness', {
      bin: RAFTKV_BIN,
      binArgs: ['--read-mode', 'bounded-staleness'],
      nodeCount: 3,
      concurrency: '2n',
      rate: 300,
      timeLimitS: 3,
      latencyMs: 20,
      seed: 4301,
    });
    expect(result.valid, result.summary).toBe(false);
    expect(result.exitCode).toBe(1);
    expect(result.summary).toMatch(/not linearizable/);
  });
});
