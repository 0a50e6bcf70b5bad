// The occ and si txn modes and read_index through real nodes (NodeShell + KvNode, every line
// through the real codec): an occ txn's log entry holds its writes and a check, never its reads;
// concurrent txns on one key both commit, the loser after a retry; si lets a write skew commit
// that occ refuses; read_index aborts with 30 before anything is proposed when the applied state
// shows the conflict; an attempt whose leadership is lost is answered indefinitely.
import { describe, expect, it } from 'vitest';
import type { ReadMode, TxnMode } from '../../src/server/options.js';
import { InProcessCluster } from '../support/in_process_cluster.js';

function settled(txnMode: TxnMode, readMode: ReadMode = 'read-index', seed = 1): { cluster: InProcessCluster; leader: string } {
  const cluster = new InProcessCluster({ server: { txnMode, readMode }, seed });
  return { cluster, leader: cluster.settle() };
}

/** The texts of the Raft appends the leader sent (entries travel in them). */
const appendTexts = (cluster: InProcessCluster, leader: string): string[] =>
  cluster
    .nodeLines()
    .filter((line) => line.src === leader && line.text.includes('raft_append'))
    .map((line) => line.text);

describe('occ', () => {
  it('commits two txns racing on one key: one at once, the other after a retry, each reading what came before it; entries hold writes and a check only', () => {
    const { cluster, leader } = settled('occ');
    const txn = (value: number) => ({
      type: 'txn',
      txn: [
        ['r', 'hot', null],
        ['append', 'hot', value],
      ],
    });
    // Both arrive in one turn: both read at the same read point, and the second to apply fails its check.
    const replies = cluster.await([cluster.send(leader, txn(1)), cluster.send(leader, txn(2))]);
    const reads = replies.map((reply) => (reply['txn'] as unknown[][])[0]?.[2]);
    expect(replies.map((reply) => reply['type'])).toEqual(['txn_ok', 'txn_ok']);
    const final = cluster.server(leader).store.get('hot') as number[];
    expect([...final].sort()).toEqual([1, 2]);
    // The first to commit read nothing; the other read exactly the first's append.
    const first = final[0] as number;
    expect(reads[first - 1]).toBeNull();
    expect(reads[2 - first]).toEqual([first]);
    const stats = cluster.server(leader).groups[0]?.optimistic?.stats;
    expect(stats).toEqual({ committed: 2, aborted: 0, retries: 1, earlyAborts: 0 });
    const texts = appendTexts(cluster, leader);
    expect(texts.some((text) => text.includes('"check":{"after":'))).toBe(true);
    expect(texts.some((text) => text.includes('["r","hot",null]'))).toBe(false);
  });

  it('refuses the write skew si lets through: under occ one of the two re-reads and sees the other', () => {
    for (const mode of ['occ', 'si'] as const) {
      const { cluster, leader } = settled(mode);
      const skew = (write: string) => ({
        type: 'txn',
        txn: [
          ['r', 'x', null],
          ['r', 'y', null],
          ['append', write, write],
        ],
      });
      const replies = cluster.await([cluster.send(leader, skew('x')), cluster.send(leader, skew('y'))]);
      expect(replies.map((reply) => reply['type'])).toEqual(['txn_ok', 'txn_ok']);
      const sawOther = replies.map((reply) => (reply['txn'] as unknown[][]).slice(0, 2).some((op) => op[2] !== null));
      if (mode === 'si') {
        // Both read the empty snapshot and both committed: a write skew, allowed by snapshot isolation.
        expect(sawOther, mode).toEqual([false, false]);
        expect(cluster.server(leader).groups[0]?.optimistic?.stats.retries, mode).toBe(0);
      } else {
        expect(sawOther.filter(Boolean).length, mode).toBe(1);
        expect(cluster.server(leader).groups[0]?.optimistic?.stats.retries, mode).toBe(1);
      }
    }
  });

  it('answers an attempt in flight when leadership is lost indefinitely (13), not with a definite error, and retries nothing', () => {
    const { cluster, leader } = settled('occ');
    const raft = cluster.server(leader).groups[0]?.raft;
    const before = raft?.lastIndex as number;
    const txn = cluster.send(leader, {
      type: 'txn',
      txn: [
        ['r', 'k', null],
        ['w', 'k', 1],
      ],
    });
    // Its reads served (a read index confirmed), its attempt is proposed: then the leader is cut off before it commits.
    cluster.turnUntil(() => raft?.lastIndex === before + 1, 20, 'the attempt proposed');
    expect(raft?.commitIndex).toBe(before);
    cluster.isolated.add(leader);
    const [reply] = cluster.await([txn], 300);
    expect(reply).toMatchObject({ type: 'error', code: 13 });
    expect(cluster.server(leader).groups[0]?.optimistic?.stats.retries).toBe(0);
  });
});

describe('read_index', () => {
  for (const mode of ['batch', 'occ', 'si'] as const) {
    it(`${mode}: commits only if nothing the txn reads or writes changed after it; a failure seen in the applied state is 30 with no log entry`, () => {
      const { cluster, leader } = settled(mode);
      const [written] = cluster.await([cluster.send(leader, { type: 'txn', txn: [['append', 'a', 1]], return_index: true })]);
      const index = written?.['index'] as number;
      // Nothing changed after `index`: it commits, reads filled in.
      const [held] = cluster.await([
        cluster.send(leader, {
          type: 'txn',
          txn: [
            ['r', 'a', null],
            ['append', 'b', 2],
          ],
          read_index: index,
        }),
      ]);
      expect(held).toMatchObject({
        type: 'txn_ok',
        txn: [
          ['r', 'a', [1]],
          ['append', 'b', 2],
        ],
      });
      // Key b changed after `index` (written, or read): refused before anything is proposed.
      const lastIndex = cluster.server(leader).groups[0]?.raft.lastIndex;
      for (const txn of [
        [['append', 'b', 3]],
        [['r', 'b', null]],
        [
          ['r', 'a', null],
          ['append', 'b', 3],
        ],
      ]) {
        const [refused] = cluster.await([cluster.send(leader, { type: 'txn', txn, read_index: index })]);
        expect(refused, JSON.stringify(txn)).toMatchObject({ type: 'error', code: 30 });
        expect(refused?.['text'], JSON.stringify(txn)).toMatch(/key "b" was written at index \d+, after the txn's read point \d+; the txn changed nothing/);
      }
      expect(cluster.server(leader).groups[0]?.raft.lastIndex).toBe(lastIndex);
      expect(cluster.server(leader).store.get('b')).toEqual([2]);
    });
  }
});
