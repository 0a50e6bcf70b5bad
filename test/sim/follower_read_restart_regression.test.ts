// Regression for a stale read the simulator found (seed 14200, profile chaos, 3 nodes, 2 groups,
// follower reads; the invariant checker's read-index check failed first): a follower asks the
// leader for a read index with a ctx that restarts at 1 with every incarnation, and matches the
// answer by ctx and leader alone. The leader's answer to the dead incarnation's ctx 1, slowed in
// the network, reached the restarted node while its own ctx 1 was waiting, so it served a new read
// at an index taken before writes that were acknowledged before the read began. Driven by hand on
// three real nodes, never spelling out the wire format: a read from a follower whose answer is
// held back, a restart, a write acknowledged, a new read from the follower while it lags behind
// the leader, then the old answer delivered. The new read must not see the value before the
// write.

import { describe, expect, it } from 'vitest';
import { DEFAULT_KV_SERVER_OPTIONS } from '../../src/server/options.js';
import { carries, HandCluster } from './hand_cluster.js';

describe('follower reads across a restart', () => {
  it('a late read-index answer to a dead incarnation does not serve a read of the live one', () => {
    const nodes = new HandCluster(['n0', 'n1', 'n2'], { ...DEFAULT_KV_SERVER_OPTIONS, readMode: 'follower' });
    const leader = nodes.settle();
    const [follower, other] = nodes.ids.filter((id) => id !== leader) as [string, string];
    expect(nodes.request(leader, 11, { type: 'write', key: 1, value: 1 })?.type).toBe('write_ok');

    // The follower's first incarnation asks for a read index; the leader's answer is held back.
    nodes.hold = (line) => line.src === leader && line.dest === follower && carries(line, 'raft_read_index_resp');
    expect(nodes.request(follower, 12, { type: 'read', key: 1 }, 10)).toBeUndefined();
    expect(nodes.held).toHaveLength(1);
    const lateAnswer = nodes.held.splice(0);

    // Restarted, the follower catches up; then it hears nothing more from the leader (it lags),
    // while the other follower lets a new write commit.
    nodes.hold = () => false;
    nodes.shells.delete(follower);
    nodes.start(follower);
    nodes.runUntil(
      () => nodes.servers.get(follower)?.raft.leaderId === leader && nodes.servers.get(follower)?.lastApplied === nodes.servers.get(leader)?.lastApplied,
    );
    nodes.hold = (line) => line.src === leader && line.dest === follower;
    expect(nodes.request(other, 13, { type: 'write', key: 1, value: 2 })?.type).toBe('write_ok');

    // A new read on the follower: it asks the leader (held back), then the old answer arrives.
    expect(nodes.request(follower, 14, { type: 'read', key: 1 }, 3)).toBeUndefined();
    for (const line of lateAnswer) nodes.deliver(line);
    for (let turn = 0; turn < 5; turn++) nodes.turn();
    const early = nodes.replyTo(14);
    if (early !== undefined) expect(early).not.toMatchObject({ type: 'read_ok', value: 1 });

    // Once the follower hears from the leader again, the read is served at a current index.
    nodes.hold = () => false;
    for (let turn = 0; turn < 200 && nodes.replyTo(14) === undefined; turn++) nodes.turn();
    const reply = nodes.replyTo(14);
    expect(reply?.type === 'error' || (reply?.type === 'read_ok' && reply.value === 2)).toBe(true);
  });
});
