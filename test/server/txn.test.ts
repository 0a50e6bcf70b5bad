// Transactions through real nodes (NodeShell + KvNode, every line through the real codec), in
// batch mode: a txn that writes is one log entry proposed by the leader (forwarded there by any
// other node) and answered at apply; a txn of reads only takes the read mode and never enters the
// log; a txn across Raft groups is refused before anything is proposed; list values travel in
// snapshots; a reply too large for a message between nodes becomes an indefinite error.
import { describe, expect, it } from 'vitest';
import { groupOfKey } from '../../src/server/key_split.js';
import { createLocalKvApp } from '../../src/server/local_kv_app.js';
import { NodeShell } from '../../src/server/node_shell.js';
import type { ReadMode } from '../../src/server/options.js';
import { InProcessCluster } from '../support/in_process_cluster.js';

const others = (cluster: InProcessCluster, leader: string): string[] => cluster.ids.filter((id) => id !== leader);

/** Types of the bodies `from` sent to other nodes in `lines` (a batch counts as its messages). */
function sentTypes(cluster: InProcessCluster, lines: ReturnType<InProcessCluster['turn']>, from: string): string[] {
  return lines.filter((line) => line.src === from && cluster.ids.includes(line.dest)).flatMap((line) => InProcessCluster.bodies(line).map((body) => body.type));
}

function settled(readMode: ReadMode, seed = 1): { cluster: InProcessCluster; leader: string } {
  const cluster = new InProcessCluster({ server: { readMode }, seed });
  return { cluster, leader: cluster.settle() };
}

describe('txns that write', () => {
  it('are proposed by the leader, forwarded there from any other node, and answered with the reads filled in', () => {
    const { cluster, leader } = settled('read-index');
    const [follower, other] = others(cluster, leader) as [string, string];
    const first = cluster.send(follower, {
      type: 'txn',
      txn: [
        ['append', 1, 1],
        ['r', 1, null],
        ['w', 2, 'x'],
      ],
    });
    const forwarded = cluster.turn();
    expect(sentTypes(cluster, forwarded, follower)).toContain('kv_forward');
    const [firstReply] = cluster.await([first]);
    expect(firstReply).toEqual({
      type: 'txn_ok',
      in_reply_to: first,
      txn: [
        ['append', 1, 1],
        ['r', 1, [1]],
        ['w', 2, 'x'],
      ],
    });
    const second = cluster.send(other, {
      type: 'txn',
      txn: [
        ['append', 1, 2],
        ['r', 1, null],
        ['r', 2, null],
        ['r', 3, null],
      ],
    });
    expect(cluster.await([second])[0]).toMatchObject({
      type: 'txn_ok',
      txn: [
        ['append', 1, 2],
        ['r', 1, [1, 2]],
        ['r', 2, 'x'],
        ['r', 3, null],
      ],
    });
    // Every replica applied both, in the same order.
    cluster.turnUntil(() => cluster.ids.every((id) => cluster.server(id).store.get(1)?.toString() === '1,2'), 100, 'every replica applied both txns');
  });

  it('answers an append to a key holding a non-list with 12 and changes nothing, on every replica', () => {
    const { cluster, leader } = settled('read-index');
    const write = cluster.send(leader, { type: 'write', key: 's', value: 5 });
    cluster.await([write]);
    const appliedBefore = cluster.server(leader).lastApplied;
    const bad = cluster.send(others(cluster, leader)[0] as string, {
      type: 'txn',
      txn: [
        ['w', 'a', 1],
        ['append', 'l', 1],
        ['append', 's', 2],
      ],
    });
    expect(cluster.await([bad])[0]).toEqual({
      type: 'error',
      in_reply_to: bad,
      code: 12,
      text: 'micro-op 2 appends to key "s", which holds 5, not a list; the txn changed nothing',
    });
    cluster.turnUntil(() => cluster.ids.every((id) => cluster.server(id).lastApplied > appliedBefore), 100, 'every replica applied the txn');
    for (const id of cluster.ids) {
      const { store } = cluster.server(id);
      expect([store.get('a'), store.get('l'), store.get('s')]).toEqual([undefined, undefined, 5]);
    }
  });

  it('run exactly once per session seq, however often the client retries', () => {
    const { cluster, leader } = settled('read-index');
    const follower = others(cluster, leader)[0] as string;
    const [opened] = cluster.await([cluster.send(follower, { type: 'open_session' })]);
    const session = opened?.['session'] as number;
    const retry = {
      type: 'txn',
      txn: [
        ['append', 'k', 'once'],
        ['r', 'k', null],
      ],
      session,
      seq: 1,
    };
    const replies = cluster.await([cluster.send(follower, retry), cluster.send(leader, retry), cluster.send(follower, retry)]);
    for (const reply of replies)
      expect(reply).toMatchObject({
        type: 'txn_ok',
        txn: [
          ['append', 'k', 'once'],
          ['r', 'k', ['once']],
        ],
      });
    expect(replies.every((reply) => typeof reply['index'] === 'number')).toBe(true);
    expect(cluster.server(leader).store.get('k')).toEqual(['once']);
  });
});

describe('txns that only read', () => {
  for (const readMode of ['read-index', 'follower', 'lease'] as const) {
    it(`take the ${readMode} read path, at the leader and at a follower, and never enter the log`, () => {
      const { cluster, leader } = settled(readMode, 2);
      const write = cluster.send(leader, {
        type: 'txn',
        txn: [
          ['append', 1, 'a'],
          ['w', 2, 7],
        ],
      });
      cluster.await([write]);
      cluster.turnUntil(
        () => cluster.ids.every((id) => cluster.server(id).lastApplied === cluster.server(leader).raft.lastIndex),
        100,
        'every replica applied the write',
      );
      const lastIndex = cluster.server(leader).raft.lastIndex;
      const reads = cluster.ids.map((id) =>
        cluster.send(id, {
          type: 'txn',
          txn: [
            ['r', 1, null],
            ['r', 2, null],
            ['r', 3, null],
          ],
        }),
      );
      for (const reply of cluster.await(reads)) {
        expect(reply).toMatchObject({
          type: 'txn_ok',
          txn: [
            ['r', 1, ['a']],
            ['r', 2, 7],
            ['r', 3, null],
          ],
        });
      }
      // No proposal: no node's log grew.
      for (const id of cluster.ids) expect(cluster.server(id).raft.lastIndex, id).toBe(lastIndex);
    });
  }

  it('enter the log in log read mode, like every read', () => {
    const { cluster, leader } = settled('log');
    const lastIndex = cluster.server(leader).raft.lastIndex;
    const read = cluster.send(leader, { type: 'txn', txn: [['r', 1, null]] });
    expect(cluster.await([read])[0]).toMatchObject({ type: 'txn_ok', txn: [['r', 1, null]] });
    expect(cluster.server(leader).raft.lastIndex).toBe(lastIndex + 1);
  });

  it('in lease mode, at a follower holding a lease: answered in the turn they arrive with no message, after every write to any of their keys in its log', () => {
    const { cluster, leader } = settled('lease', 3);
    const holdsLease = (id: string): boolean => cluster.server(id).raft.followerReadPoint() !== undefined;
    cluster.turnUntil(() => others(cluster, leader).some(holdsLease), 200, 'a follower lease');
    const reader = others(cluster, leader).find(holdsLease) as string;
    const readTxn = {
      type: 'txn',
      txn: [
        ['r', 'a', null],
        ['r', 'b', null],
      ],
    };

    const quiet = cluster.send(reader, readTxn);
    const produced = cluster.turn();
    expect(cluster.reply(quiet)).toMatchObject({
      type: 'txn_ok',
      txn: [
        ['r', 'a', null],
        ['r', 'b', null],
      ],
    });
    expect(sentTypes(cluster, produced, reader).filter((type) => type === 'kv_forward' || type === 'raft_read_index')).toEqual([]);

    // A write to the second key reaches the reader's log before it is applied there: the read
    // waits for it (served at once, it would read b as missing), though the first key has no
    // unapplied write.
    cluster.send(leader, { type: 'txn', txn: [['append', 'b', 1]] });
    cluster.turnUntil(() => cluster.server(reader).raft.lastIndex > cluster.server(reader).lastApplied, 20, 'the write in the reader’s log, unapplied');
    const writeIndex = cluster.server(reader).raft.lastIndex;
    expect(holdsLease(reader)).toBe(true);
    const waiting = cluster.send(reader, readTxn);
    const [reply] = cluster.await([waiting], 50);
    expect(cluster.server(reader).lastApplied).toBeGreaterThanOrEqual(writeIndex);
    expect(reply).toMatchObject({
      type: 'txn_ok',
      txn: [
        ['r', 'a', null],
        ['r', 'b', [1]],
      ],
    });
  });
});

describe('txns with several Raft groups per node', () => {
  it('run in the group of their keys, and a txn across groups is refused with 10 before anything is proposed', () => {
    const cluster = new InProcessCluster({ server: { groupCount: 2 }, seed: 3 });
    cluster.turnUntil(() => cluster.leader(0) !== undefined && cluster.leader(1) !== undefined, 500, 'a leader in each group');
    const keysOf = (group: number): number[] => Array.from({ length: 40 }, (_, key) => key).filter((key) => groupOfKey(key, 2) === group);
    const [a0, b0] = keysOf(0) as [number, number];
    const [a1] = keysOf(1) as [number];
    const inGroup0 = cluster.send('n0', {
      type: 'txn',
      txn: [
        ['append', a0, 1],
        ['append', b0, 2],
        ['r', a0, null],
      ],
    });
    const inGroup1 = cluster.send('n1', { type: 'txn', txn: [['w', a1, 'one']] });
    const [reply0, reply1] = cluster.await([inGroup0, inGroup1]);
    expect(reply0).toMatchObject({
      type: 'txn_ok',
      txn: [
        ['append', a0, 1],
        ['append', b0, 2],
        ['r', a0, [1]],
      ],
    });
    expect(reply1).toMatchObject({ type: 'txn_ok' });
    cluster.turnUntil(() => cluster.server('n2').groups[1]?.machine.store.get(a1) === 'one', 100, 'group 1 applied its txn');
    expect(cluster.server('n2').groups[0]?.machine.store.get(a1)).toBeUndefined();

    const lastIndexes = (): number[] => cluster.ids.flatMap((id) => cluster.server(id).groups.map((group) => group.raft.lastIndex));
    const before = lastIndexes();
    const across = [
      cluster.send('n0', {
        type: 'txn',
        txn: [
          ['append', a0, 3],
          ['r', a1, null],
        ],
      }),
      cluster.send('n2', {
        type: 'txn',
        txn: [
          ['r', a1, null],
          ['r', a0, null],
        ],
      }),
    ];
    for (const reply of cluster.await(across)) {
      expect(reply).toMatchObject({ type: 'error', code: 10 });
      expect(reply['text']).toBe(
        "this txn's keys lie in 2 of this node's 2 Raft groups (0, 1; --groups splits keys by a hash), and a txn across groups is not supported yet (it comes with regions); it was not run: keep each txn within one group, or run with --groups 1",
      );
    }
    expect(lastIndexes()).toEqual(before);
  });
});

describe('list values and the rest of the node', () => {
  it('travel in the leader’s snapshot to a follower that fell behind compaction', () => {
    const cluster = new InProcessCluster({ server: { snapshotEveryEntries: 5 }, seed: 4 });
    const leader = cluster.settle();
    const behind = others(cluster, leader)[0] as string;
    cluster.isolated.add(behind);
    const appends = Array.from({ length: 20 }, (_, value) => cluster.send(leader, { type: 'txn', txn: [['append', 'l', value]] }));
    expect(cluster.await(appends).every((reply) => reply['type'] === 'txn_ok')).toBe(true);
    cluster.isolated.delete(behind);
    const target = cluster.server(leader).lastApplied;
    cluster.turnUntil(() => cluster.server(behind).lastApplied >= target, 300, 'the follower caught up');
    expect(cluster.logs.get(behind)?.some((line) => line.includes("installed the leader's snapshot"))).toBe(true);
    expect(cluster.server(behind).store.get('l')).toEqual(Array.from({ length: 20 }, (_, value) => value));
  });

  it('a reply too large for a message between nodes comes back to the follower as an indefinite error, not lost', () => {
    const maxLineBytes = 2_048;
    const cluster = new InProcessCluster({ shell: { maxLineBytes }, seed: 5 });
    const leader = cluster.settle();
    const follower = others(cluster, leader)[0] as string;
    const element = 'x'.repeat(100);
    const appends = Array.from({ length: 15 }, () => cluster.send(leader, { type: 'txn', txn: [['append', 'big', element]] }));
    expect(cluster.await(appends).every((reply) => reply['type'] === 'txn_ok')).toBe(true);
    // 15 elements of 100 characters: more than a forward result may carry under a 2 KiB line.
    const read = cluster.send(follower, {
      type: 'txn',
      txn: [
        ['r', 'big', null],
        ['append', 'other', 1],
      ],
    });
    const [reply] = cluster.await([read]);
    expect(reply).toMatchObject({ type: 'error', code: 13 });
    expect(reply?.['text']).toMatch(/^the reply takes \d+ bytes, more than the \d+ bytes a message between nodes can carry/);
    expect(cluster.nodeLines().every((line) => line.bytes <= maxLineBytes)).toBe(true);
    // At the leader itself the reply goes straight to the client, whatever its size.
    const direct = cluster.send(leader, { type: 'txn', txn: [['r', 'big', null]] });
    expect(cluster.await([direct])[0]).toMatchObject({ type: 'txn_ok', txn: [['r', 'big', Array.from({ length: 15 }, () => element)]] });
  });
});

describe('the single-node ceiling node (dist/local-kv.mjs)', () => {
  it('serves txns on the same map as lin-kv, refusing bad ones as raftkv does', () => {
    const lines: Array<Record<string, unknown>> = [];
    const shell = new NodeShell({ write: (text) => lines.push((JSON.parse(text) as { body: Record<string, unknown> }).body), log: () => {} }, createLocalKvApp);
    const send = (body: Record<string, unknown>): Record<string, unknown> | undefined => {
      shell.receiveLine(JSON.stringify({ src: 'c1', dest: 'n0', body }));
      shell.flush();
      return lines.at(-1);
    };
    expect(send({ type: 'init', msg_id: 1, node_id: 'n0', node_ids: ['n0'] })).toMatchObject({ type: 'init_ok' });
    expect(
      send({
        type: 'txn',
        msg_id: 2,
        txn: [
          ['append', 1, 1],
          ['r', 1, null],
          ['w', 2, 3],
        ],
      }),
    ).toEqual({
      type: 'txn_ok',
      in_reply_to: 2,
      txn: [
        ['append', 1, 1],
        ['r', 1, [1]],
        ['w', 2, 3],
      ],
    });
    expect(send({ type: 'read', msg_id: 3, key: 1 })).toMatchObject({ type: 'read_ok', value: [1] });
    expect(
      send({
        type: 'txn',
        msg_id: 4,
        txn: [
          ['append', 1, 2],
          ['append', 2, 4],
        ],
      }),
    ).toMatchObject({ type: 'error', code: 12 });
    expect(send({ type: 'txn', msg_id: 5, txn: [['r', 1, null]] })).toMatchObject({ txn: [['r', 1, [1]]] });
    expect(send({ type: 'txn', msg_id: 6, txn: [['r', 1]] })).toMatchObject({ type: 'error', code: 12 });
  });
});

describe('a txn with a session retried across a leader change', () => {
  // The entry reaches only the old leader (it is overwritten), or reaches the followers too (the
  // new leader commits it): either way the retry at the new leader applies the txn exactly once.
  for (const reachedFollowers of [false, true]) {
    it(`applies once when the first attempt ${reachedFollowers ? 'reached the followers' : 'stayed on the old leader'}`, () => {
      const { cluster, leader } = settled('read-index');
      const [opened] = cluster.await([cluster.send(leader, { type: 'open_session' })]);
      const session = opened?.['session'] as number;
      const txn = { type: 'txn', txn: [['append', 'k', 'once']], session, seq: 1 };
      const first = cluster.send(leader, txn);
      // One turn carries the appends to the followers; the next would carry their acknowledgements back.
      if (reachedFollowers) {
        cluster.turn();
        cluster.turn();
      }
      const entryIndex = cluster.server(leader).raft.lastIndex;
      for (const id of others(cluster, leader)) expect(cluster.server(id).raft.lastIndex >= entryIndex, id).toBe(reachedFollowers);
      cluster.isolated.add(leader);
      const newLeader = cluster.settle();
      expect(newLeader).not.toBe(leader);
      const [retried] = cluster.await([cluster.send(newLeader, txn)]);
      expect(retried).toMatchObject({ type: 'txn_ok', txn: [['append', 'k', 'once']] });
      cluster.isolated.delete(leader);
      cluster.turnUntil(
        () => cluster.ids.every((id) => cluster.server(id).lastApplied === cluster.server(newLeader).raft.commitIndex),
        500,
        'every node caught up',
      );
      for (const id of cluster.ids) expect(cluster.server(id).store.get('k'), id).toEqual(['once']);
      // The old leader's answer to the first attempt, if any, says nothing false: a definite error
      // only when its entry was overwritten, ok or indefinite otherwise.
      const answer = cluster.reply(first);
      if (answer !== undefined && answer['type'] === 'error') expect(answer['code'] === 11 ? !reachedFollowers : answer['code'] === 13).toBe(true);
    });
  }
});
