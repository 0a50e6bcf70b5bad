// A node hosting several Raft groups: keys split between them by a fixed hash, each group
// electing and replicating on its own, their messages told apart by a group tag, and client
// sessions refused (a session's table lives in one group).
import { describe, expect, it } from 'vitest';
import { groupOfKey } from '../../src/server/key_split.js';
import { InProcessCluster } from '../support/in_process_cluster.js';

describe('the key split', () => {
  it('puts every key in group 0 of a one-group node, and spreads keys over several groups the same way on every node', () => {
    for (const key of [0, 1, 'k', [1, 2], { a: 1 }, null]) expect(groupOfKey(key, 1)).toBe(0);
    const counts = [0, 0, 0];
    for (let key = 0; key < 3_000; key++) counts[groupOfKey(key, 3)] = (counts[groupOfKey(key, 3)] ?? 0) + 1;
    for (const count of counts) expect(count).toBeGreaterThan(800);
    expect(groupOfKey('k', 3)).toBe(groupOfKey('k', 3));
    // Keys equal as JSON land in the same group whatever their key order.
    expect(groupOfKey({ a: 1, b: 2 }, 7)).toBe(groupOfKey({ b: 2, a: 1 }, 7));
  });
});

describe('a node with two groups', () => {
  it('serves writes and reads of keys in both groups, each group replicating on its own', () => {
    const cluster = new InProcessCluster({ server: { groupCount: 2 }, seed: 3 });
    cluster.turnUntil(() => cluster.leader(0) !== undefined && cluster.leader(1) !== undefined, 500, 'a leader in each group');
    const keys = Array.from({ length: 12 }, (_, key) => key);
    const groupsUsed = new Set(keys.map((key) => groupOfKey(key, 2)));
    expect(groupsUsed).toEqual(new Set([0, 1]));
    const writes = keys.map((key) => cluster.send(cluster.ids[key % 3] as string, { type: 'write', key, value: key * 10 }));
    expect(cluster.await(writes).every((reply) => reply['type'] === 'write_ok')).toBe(true);
    const reads = keys.map((key) => cluster.send(cluster.ids[(key + 1) % 3] as string, { type: 'read', key }));
    expect(cluster.await(reads).map((reply) => reply['value'])).toEqual(keys.map((key) => key * 10));
    // Each key's value lives in its group's state machine only.
    const node = cluster.server('n0');
    for (const key of keys) {
      const group = groupOfKey(key, 2);
      expect(node.groups[group]?.machine.read(key)).toEqual({ type: 'read_ok', value: key * 10 });
      expect(node.groups[1 - group]?.machine.read(key)).toMatchObject({ type: 'error', code: 20 });
    }
    // Group 1's Raft messages carry their group; group 0's carry none (as with one group).
    const raftBodies = cluster
      .nodeLines()
      .flatMap((line) => InProcessCluster.bodies(line))
      .filter((body) => body.type.startsWith('raft_'));
    expect(raftBodies.some((body) => body['group'] === 1)).toBe(true);
    expect(raftBodies.every((body) => body['group'] === undefined || body['group'] === 1)).toBe(true);
  });

  it('refuses client sessions with not-supported, and a raft message for a group it does not have as malformed', () => {
    const cluster = new InProcessCluster({ server: { groupCount: 2 } });
    const open = cluster.send('n0', { type: 'open_session' });
    const tagged = cluster.send('n0', { type: 'write', key: 1, value: 1, session: 5, seq: 1 });
    const [openReply, taggedReply] = cluster.await([open, tagged]);
    expect(openReply).toMatchObject({ type: 'error', code: 10, text: 'client sessions need a node with one Raft group; this one runs 2' });
    expect(taggedReply).toMatchObject({ type: 'error', code: 10 });
    cluster.send('n0', { type: 'raft_heartbeat', from: 'n1', to: 'n0', term: 1, commit: 0, round: 1, group: 2 }, 'n1');
    expect(cluster.logs.get('n0')?.some((line) => line.includes('field "group" must name one of this node\'s 2 groups'))).toBe(true);
  });
});
