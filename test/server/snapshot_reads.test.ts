// Snapshot reads through real nodes (NodeShell + KvNode, every line through the real codec): a
// read-only txn with "at_index": I is answered by whichever node gets it, once that node has
// applied I, with exactly the state after entry I and no message to any other node, in every read
// mode; below the MVCC window it is refused with a definite 14, and beyond the applied index it
// waits a bounded time (then a definite 11). "return_index" puts the commit index (or the index
// a read saw) in the reply; without it the reply keeps Maelstrom's closed schema. The versions
// travel in the leader's snapshot to a follower that fell behind compaction.
import { describe, expect, it } from 'vitest';
import { DEFAULT_KV_SERVER_OPTIONS, type ReadMode } from '../../src/server/options.js';
import { InProcessCluster } from '../support/in_process_cluster.js';

const others = (cluster: InProcessCluster, leader: string): string[] => cluster.ids.filter((id) => id !== leader);

/** Types of the bodies `from` sent to other nodes in `lines` (a batch counts as its messages). */
function sentTypes(cluster: InProcessCluster, lines: ReturnType<InProcessCluster['turn']>, from: string): string[] {
  return lines.filter((line) => line.src === from && cluster.ids.includes(line.dest)).flatMap((line) => InProcessCluster.bodies(line).map((body) => body.type));
}

/** Commits a txn (sent to `id`) that sets register 'a' and appends to list 'l'; returns its commit index. */
function commit(cluster: InProcessCluster, id: string, value: number): number {
  const [reply] = cluster.await([
    cluster.send(id, {
      type: 'txn',
      txn: [
        ['w', 'a', value],
        ['append', 'l', value],
      ],
      return_index: true,
    }),
  ]);
  expect(reply).toMatchObject({ type: 'txn_ok' });
  expect(typeof reply?.['index']).toBe('number');
  return reply?.['index'] as number;
}

const READS = [
  ['r', 'a', null],
  ['r', 'l', null],
];

describe('snapshot reads (at_index)', () => {
  for (const readMode of ['read-index', 'log', 'lease'] as const satisfies readonly ReadMode[]) {
    it(`are served by a follower with no message, exactly as of the index (${readMode} reads)`, () => {
      const cluster = new InProcessCluster({ server: { readMode }, seed: 11 });
      const leader = cluster.settle();
      const follower = others(cluster, leader)[0] as string;
      const first = commit(cluster, follower, 1);
      const second = commit(cluster, leader, 2);
      expect(second).toBeGreaterThan(first);
      commit(cluster, leader, 3);
      cluster.turnUntil(() => cluster.server(follower).lastApplied >= cluster.server(leader).lastApplied, 100, 'the follower applied every commit');

      const atFirst = cluster.send(follower, { type: 'txn', txn: READS, at_index: first });
      const atSecond = cluster.send(follower, { type: 'txn', txn: READS, at_index: second, return_index: true });
      const before = cluster.send(follower, { type: 'txn', txn: READS, at_index: first - 1 });
      const lines = cluster.turn();
      expect(sentTypes(cluster, lines, follower)).toEqual([]);
      const replies = cluster.await([atFirst, atSecond, before], 1);
      // Exactly Maelstrom's fields unless return_index asked for the index.
      expect(replies[0]).toStrictEqual({
        type: 'txn_ok',
        in_reply_to: atFirst,
        txn: [
          ['r', 'a', 1],
          ['r', 'l', [1]],
        ],
      });
      expect(replies[1]).toStrictEqual({
        type: 'txn_ok',
        in_reply_to: atSecond,
        index: second,
        txn: [
          ['r', 'a', 2],
          ['r', 'l', [1, 2]],
        ],
      });
      expect(replies[2]).toMatchObject({
        type: 'txn_ok',
        txn: [
          ['r', 'a', null],
          ['r', 'l', null],
        ],
      });
      // The leader answers alike.
      expect(cluster.await([cluster.send(leader, { type: 'txn', txn: READS, at_index: first })])[0]).toMatchObject({ txn: replies[0]?.['txn'] });
    });
  }

  it('return_index gives a read-only txn the index of the state it read, and nothing is added without it', () => {
    const cluster = new InProcessCluster({ seed: 12 });
    const leader = cluster.settle();
    const index = commit(cluster, leader, 7);
    const [plain, withIndex] = cluster.await([
      cluster.send(leader, { type: 'txn', txn: [['w', 'b', 1]] }),
      cluster.send(leader, { type: 'txn', txn: READS, return_index: true }),
    ]);
    expect(Object.keys(plain ?? {}).sort()).toEqual(['in_reply_to', 'txn', 'type']);
    const readAt = withIndex?.['index'] as number;
    expect(readAt).toBeGreaterThanOrEqual(index);
    // Reading at that index again gives the same answer.
    expect(cluster.await([cluster.send(leader, { type: 'txn', txn: READS, at_index: readAt })])[0]?.['txn']).toEqual(withIndex?.['txn']);
  });

  it('are refused with 14 below the window, and wait a bounded time for an index not applied yet', () => {
    const cluster = new InProcessCluster({ ids: ['n0'], server: { mvccRetentionEntries: 3 }, seed: 13 });
    cluster.settle();
    const indexes = Array.from({ length: 8 }, (_, i) => commit(cluster, 'n0', i + 1));
    const applied = cluster.server('n0').lastApplied;
    const [old, edge] = cluster.await([
      cluster.send('n0', { type: 'txn', txn: READS, at_index: indexes[0] }),
      cluster.send('n0', { type: 'txn', txn: READS, at_index: applied - 3 }),
    ]);
    expect(old).toMatchObject({ type: 'error', code: 14, text: expect.stringContaining(`at_index ${indexes[0]} is below ${applied - 3}`) as string });
    expect(edge).toMatchObject({ type: 'txn_ok' });

    // One index ahead: answered once the next entry applies, with the state after exactly that entry.
    const ahead = cluster.send('n0', { type: 'txn', txn: READS, at_index: applied + 1, return_index: true });
    for (let i = 0; i < 5; i++) cluster.turn();
    expect(cluster.reply(ahead)).toBeUndefined();
    expect(cluster.server('n0').pendingRequestCount).toBe(1);
    const next = commit(cluster, 'n0', 100);
    expect(next).toBe(applied + 1);
    expect(cluster.await([ahead])[0]).toMatchObject({
      type: 'txn_ok',
      index: applied + 1,
      txn: [
        ['r', 'a', 100],
        ['r', 'l', [1, 2, 3, 4, 5, 6, 7, 8, 100]],
      ],
    });

    // Far ahead: refused with a definite 11 once the wait runs out, and nothing is left waiting.
    const far = cluster.send('n0', { type: 'txn', txn: READS, at_index: applied + 1_000 });
    const [refused] = cluster.await([far], DEFAULT_KV_SERVER_OPTIONS.forwardTimeoutTicks + 10);
    expect(refused).toMatchObject({ type: 'error', code: 11, text: expect.stringContaining(`did not reach at_index ${applied + 1_000} in time`) as string });
    expect(cluster.server('n0').pendingRequestCount).toBe(0);
    // The pin the waiting reads held is gone: the window moves on.
    for (let i = 0; i < 5; i++) commit(cluster, 'n0', 200 + i);
    expect(cluster.server('n0').store.oldestReadableIndex).toBe(cluster.server('n0').lastApplied - 3);
  });

  it('refuses at_index on a txn that writes, with 12, before anything is proposed', () => {
    const cluster = new InProcessCluster({ ids: ['n0'], seed: 14 });
    cluster.settle();
    const before = cluster.server('n0').raft.lastIndex;
    const [reply] = cluster.await([cluster.send('n0', { type: 'txn', txn: [['w', 'a', 1]], at_index: 1 })]);
    expect(reply).toMatchObject({ type: 'error', code: 12, text: expect.stringContaining('at_index') as string });
    expect(cluster.server('n0').raft.lastIndex).toBe(before);
  });

  it('within the window, survive the leader’s snapshot to a follower that fell behind compaction', () => {
    const cluster = new InProcessCluster({ server: { snapshotEveryEntries: 5, mvccRetentionEntries: 12 }, seed: 15 });
    const leader = cluster.settle();
    const behind = others(cluster, leader)[0] as string;
    cluster.isolated.add(behind);
    const indexes = Array.from({ length: 20 }, (_, i) => commit(cluster, leader, i + 1));
    cluster.isolated.delete(behind);
    const target = cluster.server(leader).lastApplied;
    cluster.turnUntil(() => cluster.server(behind).lastApplied >= target, 300, 'the follower caught up');
    expect(cluster.logs.get(behind)?.some((line) => line.includes("installed the leader's snapshot"))).toBe(true);
    const floor = cluster.server(behind).store.oldestReadableIndex;
    expect(floor).toBeLessThan(cluster.server(behind).raft.firstIndex - 1); // versions older than the snapshot came with it
    for (const [i, index] of indexes.entries()) {
      const [reply] = cluster.await([cluster.send(behind, { type: 'txn', txn: READS, at_index: index })]);
      if (index < floor) expect(reply, `at_index ${index}`).toMatchObject({ type: 'error', code: 14 });
      else
        expect(reply, `at_index ${index}`).toMatchObject({
          type: 'txn_ok',
          txn: [
            ['r', 'a', i + 1],
            ['r', 'l', Array.from({ length: i + 1 }, (_, k) => k + 1)],
          ],
        });
    }
  });
});
