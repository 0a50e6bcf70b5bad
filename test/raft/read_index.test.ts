import { describe, expect, it } from 'vitest';
import { Scenario, matching } from '../../src/raft/testing/scenario.js';

function leaderScenario(config: ConstructorParameters<typeof Scenario>[0] = {}): Scenario {
  const s = new Scenario({ ...config, config: { preVote: false, ...config.config } });
  s.elect('n1');
  s.propose('n1', 'w1');
  s.stabilize();
  return s;
}

describe('read index (§6.4)', () => {
  it('confirms leadership with one heartbeat round before releasing the read point', () => {
    const s = leaderScenario();
    s.read('n1', 1);
    s.flush();
    expect(s.host('n1').readStates).toEqual([]);
    const beats = s.inflight.filter(matching('raft_heartbeat', 'n1'));
    expect(beats.map((m) => m.to)).toEqual(['n2', 'n3']);
    s.deliver(matching('raft_heartbeat', 'n1', 'n2'));
    expect(s.host('n1').readStates).toEqual([]); // the response is not back yet
    s.deliver(matching('raft_heartbeat_resp', 'n2', 'n1'));
    // n1 + n2 are a majority of three.
    expect(s.host('n1').readStates).toEqual([{ ctx: 1, index: 2 }]);
  });

  it('batches every read of one turn into one round', () => {
    const s = leaderScenario();
    for (let ctx = 1; ctx <= 50; ctx++) s.read('n1', ctx);
    s.flush();
    expect(s.inflight.filter(matching('raft_heartbeat'))).toHaveLength(2);
    s.stabilize();
    expect(s.host('n1').readStates).toHaveLength(50);
    expect(new Set(s.host('n1').readStates.map((r) => r.index))).toEqual(new Set([2]));
  });

  it('a round rides on the append a follower gets in the same turn, with no heartbeat of its own', () => {
    const s = leaderScenario();
    s.propose('n1', 'w2');
    s.read('n1', 1);
    s.flush();
    expect(s.inflight.filter(matching('raft_heartbeat'))).toEqual([]);
    const appends = s.inflight.filter(matching('raft_append', 'n1'));
    expect(appends.map((m) => [m.to, m.type === 'raft_append' ? m.round : undefined])).toEqual([
      ['n2', 1],
      ['n3', 1],
    ]);
    s.deliver(matching('raft_append', 'n1', 'n2'));
    expect(s.host('n1').readStates).toEqual([]);
    s.deliver(matching('raft_append_resp', 'n2', 'n1')); // echoes the round: n1 + n2 confirm it
    // The read point is the commit index when the read arrived (w1 at 2), not w2's.
    expect(s.host('n1').readStates).toEqual([{ ctx: 1, index: 2 }]);
  });

  it('pins the read to the commit index at arrival, not the later one', () => {
    const s = leaderScenario();
    s.read('n1', 1);
    s.flush();
    s.propose('n1', 'w2');
    s.stabilize();
    expect(s.node('n1').commitIndex).toBe(3);
    expect(s.host('n1').readStates).toEqual([{ ctx: 1, index: 2 }]);
  });

  it('waits for the new leader to commit an entry of its term before choosing the read point', () => {
    const s = new Scenario({ config: { preVote: false } });
    s.node('n1').campaign();
    s.flush();
    s.deliver(matching('raft_vote'));
    s.deliver(matching('raft_vote_resp'));
    expect(s.node('n1').role).toBe('leader');
    s.read('n1', 1);
    s.flush();
    expect(s.inflight.filter(matching('raft_heartbeat'))).toHaveLength(0); // nothing to confirm yet
    s.stabilize();
    expect(s.host('n1').readStates).toEqual([{ ctx: 1, index: 1 }]);
  });

  it('a follower forwards the read to the leader and gets the read point back', () => {
    const s = leaderScenario();
    s.read('n2', 7);
    s.flush();
    expect(s.inflight.filter(matching('raft_read_index', 'n2', 'n1'))).toHaveLength(1);
    s.stabilize();
    expect(s.host('n2').readStates).toEqual([{ ctx: 7, index: 2 }]);
    expect(s.host('n1').readStates).toEqual([]);
  });

  it('follower reads share a round with the leader’s own reads', () => {
    const s = leaderScenario();
    s.read('n2', 1);
    s.read('n3', 1); // ctx is per node: the same number on two nodes is fine
    s.flush();
    // The forwarded requests and a local read arrive in the same turn of the leader.
    for (const m of s.drop(matching('raft_read_index'))) s.node('n1').step(m);
    s.read('n1', 1);
    s.flush();
    expect(s.inflight.filter(matching('raft_heartbeat'))).toHaveLength(2);
    s.stabilize();
    for (const id of s.ids) expect(s.host(id).readStates).toEqual([{ ctx: 1, index: 2 }]);
  });

  it('drops pending reads when leadership is lost, and reports them', () => {
    const s = leaderScenario({ config: { checkQuorum: true } });
    s.read('n1', 1);
    s.read('n2', 2);
    s.flush();
    s.deliver(matching('raft_read_index'));
    s.isolate('n1');
    s.tick('n1', 20);
    expect(s.node('n1').role).toBe('follower');
    expect(s.host('n1').droppedReads).toEqual([{ ctx: 1, reason: 'leadership-lost' }]);
    // n2 elects a new leader; its forwarded read dies with the old leadership.
    s.tickAll(30);
    expect(s.host('n2').droppedReads).toEqual([{ ctx: 2, reason: 'leadership-lost' }]);
    expect(s.host('n2').readStates).toEqual([]);
  });

  it('times reads out when no majority answers (without check-quorum)', () => {
    const s = leaderScenario({ config: { checkQuorum: false, readTimeoutTicks: 30 } });
    s.isolate('n1');
    s.read('n1', 1);
    s.tick('n1', 29);
    expect(s.host('n1').droppedReads).toEqual([]);
    s.tick('n1');
    expect(s.host('n1').droppedReads).toEqual([{ ctx: 1, reason: 'timeout' }]);
  });

  it('refuses reads without a known leader, and beyond maxPendingReads', () => {
    const s = new Scenario({ config: { preVote: false, maxPendingReads: 3 } });
    expect(s.node('n2').readIndex(1)).toEqual({ ok: false, error: { reason: 'not-leader', leaderId: null } });
    s.elect('n1');
    s.isolate('n1');
    for (let ctx = 1; ctx <= 3; ctx++) s.read('n1', ctx);
    expect(s.node('n1').readIndex(4)).toEqual({ ok: false, error: { reason: 'overloaded' } });
    expect(s.node('n1').pendingReadCount).toBe(3);
  });

  it('a follower’s read is rejected by a node that is no longer leader', () => {
    const s = leaderScenario({ config: { checkQuorum: true } });
    s.read('n2', 5);
    s.flush();
    const forwarded = s.drop(matching('raft_read_index'));
    // n1 steps down (check-quorum) before the request arrives; n2 has not noticed yet.
    s.isolate('n1');
    s.tick('n1', 20);
    expect(s.node('n1').role).toBe('follower');
    s.heal();
    for (const m of forwarded) s.node('n1').step(m);
    s.flush('n1');
    s.deliver(matching('raft_read_index_resp'));
    expect(s.host('n2').droppedReads).toEqual([{ ctx: 5, reason: 'rejected' }]);
  });

  it('a single-node cluster confirms reads at once', () => {
    const s = new Scenario({ ids: ['solo'] });
    s.elect('solo');
    s.read('solo', 1);
    s.flush();
    expect(s.host('solo').readStates).toEqual([{ ctx: 1, index: 1 }]);
  });
});

describe('lease hook', () => {
  it('is off unless configured', () => {
    const s = leaderScenario();
    s.tickAll(3);
    expect(s.node('n1').leaseValid()).toBe(false);
  });

  it('holds for an election timeout after a majority acknowledged a round, minus the margin', () => {
    const s = new Scenario({
      config: { checkQuorum: true, preVote: false, leaseReads: true, leaseMarginTicks: 2, electionTimeoutTicks: 10, heartbeatTicks: 2 },
    });
    // A fresh node refuses votes for its first election timeout (it may have backed a lease
    // before a restart), so even a forced campaign fails at first.
    s.node('n1').campaign();
    s.stabilize();
    expect(s.node('n1').role).toBe('candidate');
    for (let t = 0; t < 200 && s.leader() === undefined; t++) s.tickAll();
    const leader = s.leader() as string;
    s.tickAll(2); // a heartbeat round of the leader's term, acknowledged
    expect(s.node(leader).leaseValid()).toBe(true);
    s.isolate(leader);
    s.tick(leader, 1);
    expect(s.node(leader).leaseValid()).toBe(true);
    s.tick(leader, 9);
    expect(s.node(leader).leaseValid()).toBe(false);
  });
});
