// End-to-end: real bin/raftkv processes answer Maelstrom's txn requests for both workloads over
// stdin/stdout. Three nodes, every node-to-node line routed by the test: txns sent to any node,
// concurrent appends to one key each applied once and in each client's order; one node with a
// data directory keeps list values across kill -9 (from its snapshot and its WAL); snapshot reads
// (at_index) work on a data directory the previous build wrote and across kill -9 within the
// --mvcc-retention window; and under the harness's txn workloads and faults, the histories are
// strict-serializable. Seeds are fixed so a failure replays with the printed command.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanOutDirs, harnessRun } from '../harness/helpers.js';
import { NodeProcess, RAFTKV_BIN, REPO_ROOT, requireBuilt, stopAll } from '../support/node_process.js';
import { RoutedCluster } from '../support/routed_cluster.js';

const IDS = ['n0', 'n1', 'n2'];
const REQUEST_TIMEOUT_MS = 5_000;
let root: string;

beforeAll(() => {
  requireBuilt('dist/raftkv.mjs');
  root = mkdtempSync(join(tmpdir(), 'raftkv-txn-'));
});
afterEach(stopAll);
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  cleanOutDirs();
});

/** A three-node cluster with a leader every node follows. */
async function startCluster(seed: number): Promise<RoutedCluster> {
  // 25 ms ticks (elections after 0.5-1 s): the test shares two cores with the three nodes.
  const cluster = new RoutedCluster({ nodeIds: IDS, args: (i) => ['--seed', String(seed + i), '--tick-ms', '25', '--log-level', 'info'] });
  await cluster.init();
  await RoutedCluster.until(() => IDS.some((id) => cluster.stderr(id).includes('became leader of term')), 10_000, 'a leader');
  const leader = IDS.find((id) => cluster.stderr(id).includes('became leader of term')) as string;
  await RoutedCluster.until(
    () => IDS.every((id) => id === leader || cluster.stderr(id).includes(`following ${leader}`)),
    10_000,
    `every node following ${leader}`,
  );
  return cluster;
}

describe('bin/raftkv serving txns', () => {
  it('answers txn-list-append and txn-rw-register txns at every node, and refuses malformed ones with 12', { timeout: 30_000 }, async () => {
    const cluster = await startCluster(9_101);
    const txn = (id: string, ops: unknown[]) => cluster.request(id, 'c1', { type: 'txn', txn: ops }, REQUEST_TIMEOUT_MS);

    // txn-list-append, one txn per node, each seeing the ones before it.
    expect(
      await txn('n0', [
        ['append', 1, 1],
        ['r', 1, null],
      ]),
    ).toMatchObject({
      type: 'txn_ok',
      txn: [
        ['append', 1, 1],
        ['r', 1, [1]],
      ],
    });
    expect(
      await txn('n1', [
        ['r', 2, null],
        ['append', 1, 2],
        ['append', 2, 1],
      ]),
    ).toMatchObject({
      type: 'txn_ok',
      txn: [
        ['r', 2, null],
        ['append', 1, 2],
        ['append', 2, 1],
      ],
    });
    expect(
      await txn('n2', [
        ['r', 1, null],
        ['r', 2, null],
      ]),
    ).toMatchObject({
      type: 'txn_ok',
      txn: [
        ['r', 1, [1, 2]],
        ['r', 2, [1]],
      ],
    });

    // txn-rw-register.
    expect(
      await txn('n2', [
        ['w', 10, 1],
        ['r', 10, null],
        ['w', 11, 2],
      ]),
    ).toMatchObject({
      type: 'txn_ok',
      txn: [
        ['w', 10, 1],
        ['r', 10, 1],
        ['w', 11, 2],
      ],
    });
    for (const id of IDS)
      expect(
        await txn(id, [
          ['r', 10, null],
          ['r', 11, null],
          ['r', 12, null],
        ]),
      ).toMatchObject({
        txn: [
          ['r', 10, 1],
          ['r', 11, 2],
          ['r', 12, null],
        ],
      });

    // Malformed: refused before anything is done, or (an append to a register) at apply, changing nothing.
    expect(
      await txn('n1', [
        ['append', 10, 3],
        ['w', 12, 5],
      ]),
    ).toMatchObject({ type: 'error', code: 12, text: expect.stringContaining('not a list') as string });
    expect(await txn('n1', [['r', 12, null]])).toMatchObject({ type: 'txn_ok', txn: [['r', 12, null]] });
    expect(await txn('n0', [])).toMatchObject({ type: 'error', code: 12, text: 'txn: field "txn" must hold at least one micro-op' });
    expect(await txn('n0', [['increment', 1, 1]])).toMatchObject({ type: 'error', code: 12 });
    // A lin-kv read sees the same store.
    expect(await cluster.request('n2', 'c1', { type: 'read', key: 1 }, REQUEST_TIMEOUT_MS)).toMatchObject({ type: 'read_ok', value: [1, 2] });
  });

  it('applies concurrent appends to one key from clients at every node once each, in each client’s order', { timeout: 30_000 }, async () => {
    const cluster = await startCluster(9_201);
    const CLIENTS = 6;
    const APPENDS = 8;
    const acknowledged: number[][] = Array.from({ length: CLIENTS }, () => []);
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        const node = IDS[c % IDS.length] as string;
        for (let i = 0; i < APPENDS; i++) {
          const value = c * 100 + i;
          const reply = await cluster.request(
            node,
            `c${c + 1}`,
            {
              type: 'txn',
              txn: [
                ['append', 'hot', value],
                ['r', 'hot', null],
              ],
            },
            REQUEST_TIMEOUT_MS,
          );
          if (reply?.['type'] !== 'txn_ok') continue; // not acknowledged: it may or may not be there
          acknowledged[c]?.push(value);
          // The txn's own read ends with its own append.
          const read = (reply['txn'] as unknown[][])[1]?.[2] as number[];
          expect(read.at(-1)).toBe(value);
        }
      }),
    );
    const reply = await cluster.request('n1', 'c0', { type: 'txn', txn: [['r', 'hot', null]] }, REQUEST_TIMEOUT_MS);
    expect(reply).toMatchObject({ type: 'txn_ok' });
    const list = ((reply as { txn: unknown[][] }).txn[0] as unknown[])[2] as number[];
    expect(new Set(list).size).toBe(list.length);
    for (const [c, values] of acknowledged.entries()) {
      expect(values.length, `client ${c} had appends acknowledged`).toBeGreaterThan(0);
      const mine = list.filter((value) => Math.floor(value / 100) === c);
      // Every acknowledged append is there once; a client's appends are in the order it sent them.
      for (const value of values) expect(mine).toContain(value);
      expect(mine).toEqual([...mine].sort((a, b) => a - b));
    }
  });

  it('keeps list values across kill -9 and restart, from the snapshot and from the WAL', { timeout: 30_000 }, async () => {
    const dir = join(root, 'lists');
    const init = { src: 'c0', dest: 'n0', body: { type: 'init', msg_id: 1, node_id: 'n0', node_ids: ['n0'] } };
    const start = (): NodeProcess => new NodeProcess(RAFTKV_BIN, ['--data-dir', dir, '--snapshot-every', '4'], { cwd: '/tmp' });
    let msgId = 10;
    const request = async (node: NodeProcess, body: Record<string, unknown>): Promise<Record<string, unknown>> => {
      const id = msgId++;
      node.send({ src: 'c1', dest: 'n0', body: { ...body, msg_id: id } });
      const reply = await node.next(10_000);
      expect(reply.body['in_reply_to']).toBe(id);
      return reply.body;
    };
    const first = start();
    first.send(init);
    expect((await first.next()).body['type']).toBe('init_ok');
    for (let value = 1; value <= 10; value++) {
      expect(
        await request(first, {
          type: 'txn',
          txn: [
            ['append', 'l', value],
            ['w', 'r', value],
          ],
        }),
      ).toMatchObject({ type: 'txn_ok' });
    }
    first.kill();
    await first.exited;

    const second = start();
    second.send(init);
    expect((await second.next()).body['type']).toBe('init_ok');
    expect(
      await request(second, {
        type: 'txn',
        txn: [
          ['r', 'l', null],
          ['r', 'r', null],
        ],
      }),
    ).toMatchObject({
      type: 'txn_ok',
      txn: [
        ['r', 'l', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]],
        ['r', 'r', 10],
      ],
    });
    expect(second.stderr.join('')).toMatch(/restarted on .*: recovered \d+ WAL records .*group 0: a snapshot at [1-9]/);
  });

  it('serves at_index on a data directory the previous build wrote, and across kill -9 within --mvcc-retention', { timeout: 30_000 }, async () => {
    // Written by the build before versioned storage (store image version 1: plain values), then
    // cut after its last WAL record (the rest was preallocated zeros): a snapshot at 13 and
    // entries 14-15. Its history: a leader no-op at 1, then for v = 1..7 a txn
    // [append "l" v, w "r" v] and a lin-kv write of "k" = v, one entry each.
    const dir = join(root, 'previous-build');
    cpSync(join(REPO_ROOT, 'test/e2e/fixtures/previous_build_data'), dir, { recursive: true });
    const init = { src: 'c0', dest: 'n0', body: { type: 'init', msg_id: 1, node_id: 'n0', node_ids: ['n0'] } };
    const start = (): NodeProcess => new NodeProcess(RAFTKV_BIN, ['--data-dir', dir, '--snapshot-every', '4', '--mvcc-retention', '20'], { cwd: '/tmp' });
    let msgId = 10;
    const request = async (node: NodeProcess, body: Record<string, unknown>): Promise<Record<string, unknown>> => {
      const id = msgId++;
      node.send({ src: 'c1', dest: 'n0', body: { ...body, msg_id: id } });
      const reply = await node.next(10_000);
      expect(reply.body['in_reply_to']).toBe(id);
      return reply.body;
    };
    const readsAt = (atIndex: number): Record<string, unknown> => ({
      type: 'txn',
      txn: [
        ['r', 'l', null],
        ['r', 'r', null],
        ['r', 'k', null],
      ],
      at_index: atIndex,
    });
    const first = start();
    first.send(init);
    expect((await first.next()).body['type']).toBe('init_ok');
    const list = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
    expect(await request(first, readsAt(13))).toMatchObject({
      type: 'txn_ok',
      txn: [
        ['r', 'l', list(6)],
        ['r', 'r', 6],
        ['r', 'k', 6],
      ],
    });
    expect(await request(first, readsAt(14))).toMatchObject({
      txn: [
        ['r', 'l', list(7)],
        ['r', 'r', 7],
        ['r', 'k', 6],
      ],
    });
    expect(await request(first, readsAt(15))).toMatchObject({
      txn: [
        ['r', 'l', list(7)],
        ['r', 'r', 7],
        ['r', 'k', 7],
      ],
    });
    // Below the earlier build's snapshot, which held no versions: refused, definitely.
    expect(await request(first, readsAt(12))).toMatchObject({ type: 'error', code: 14 });
    // Commit on, past a few snapshots of the new build, noting where each txn committed.
    const committed: Array<{ index: number; value: number }> = [];
    for (let value = 8; value <= 16; value++) {
      const reply = await request(first, {
        type: 'txn',
        txn: [
          ['append', 'l', value],
          ['w', 'r', value],
        ],
        return_index: true,
      });
      expect(reply).toMatchObject({ type: 'txn_ok' });
      committed.push({ index: reply['index'] as number, value });
    }
    first.kill();
    await first.exited;

    const second = start();
    second.send(init);
    expect((await second.next()).body['type']).toBe('init_ok');
    // Every commit index is within the 20-entry window: each reads exactly its own state, from
    // the new build's snapshot (its versions) and the WAL.
    for (const { index, value } of committed) {
      expect(await request(second, readsAt(index)), `at_index ${index}`).toMatchObject({
        type: 'txn_ok',
        txn: [
          ['r', 'l', list(value)],
          ['r', 'r', value],
          ['r', 'k', 7],
        ],
      });
    }
    expect(second.stderr.join('')).toMatch(/group 0: a snapshot at (1[6-9]|[2-9]\d)/);
  });

  for (const [workload, readMode, nemesis, seed] of [
    ['txn-list-append', 'read-index', ['partition', 'kill'], 9_301],
    ['txn-rw-register', 'lease', ['partition', 'pause'], 9_302],
  ] as const) {
    it(`is strict-serializable under the harness's ${workload} workload (${nemesis.join(', ')}; ${readMode} reads)`, { timeout: 60_000 }, async () => {
      const result = await harnessRun(`raftkv ${workload}`, {
        bin: RAFTKV_BIN,
        binArgs: ['--read-mode', readMode],
        workload,
        nodeCount: 3,
        concurrency: '2n',
        rate: 100,
        timeLimitS: 6,
        nemesis: [...nemesis],
        nemesisIntervalS: 1,
        seed,
      });
      const replay = `replay: bin/raftkv-test test -w ${workload} --bin bin/raftkv --node-count 3 --concurrency 2n --rate 100 --time-limit 6 --nemesis ${nemesis.join(',')} --nemesis-interval 1 --seed ${seed} -- --read-mode ${readMode}`;
      expect(result.valid, `${result.summary}\n${replay}`).toBe(true);
      expect(result.stats.okCount, `${result.summary}\n${replay}`).toBeGreaterThan(100);
      expect(result.results.nemesis).toBeDefined();
    });
  }
});
