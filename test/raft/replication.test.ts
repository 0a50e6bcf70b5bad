import { describe, expect, it } from 'vitest';
import type { AppendRequest, RaftMessage } from '../../src/raft/messages.js';
import { Progress } from '../../src/raft/progress.js';
import { Scenario, matching } from '../../src/raft/testing/scenario.js';
import { disk, run } from './helpers.js';

const FIVE = ['n1', 'n2', 'n3', 'n4', 'n5'];

function appends(messages: readonly RaftMessage[], to?: string): AppendRequest[] {
  return messages.filter((m): m is AppendRequest => m.type === 'raft_append' && (to === undefined || m.to === to));
}

function terms(s: Scenario, id: string): number[] {
  const node = s.node(id);
  return node.logEntries(1, node.lastIndex + 1).map((e) => e.term);
}

describe('log replication', () => {
  it('overwrites a follower’s divergent uncommitted suffix with the leader’s log', () => {
    const s = new Scenario({
      config: { preVote: false },
      storages: { n1: disk([1, 1, 3], { commit: 2 }), n2: disk([1, 1, 2, 2, 2], { commit: 2 }), n3: disk([1, 1, 3], { commit: 2 }) },
    });
    s.elect('n1');
    s.tickAll(3);
    expect(terms(s, 'n2')).toEqual([1, 1, 3, 4]);
    expect(terms(s, 'n3')).toEqual([1, 1, 3, 4]);
    for (const id of s.ids) {
      expect(s.node(id).commitIndex).toBe(4);
      expect(s.host(id).applied.map((e) => e.term)).toEqual([1, 1, 3, 4]);
    }
  });

  it('backtracks one round trip per term, not per entry (§5.3 fast backtracking)', () => {
    // Follower n3 holds 100 entries of terms the leader never saw; a naive leader would
    // need about 90 rejections to find index 5, this one needs one.
    const s = new Scenario({
      config: { preVote: false, maxEntriesPerAppend: 1000 },
      storages: {
        n1: disk([...run(1, 5), ...run(4, 10)], { term: 5 }),
        n2: disk([...run(1, 5), ...run(4, 10)], { term: 5 }),
        n3: disk([...run(1, 5), ...run(2, 50), ...run(3, 50)], { term: 5 }),
      },
    });
    s.elect('n1');
    s.stabilize();
    expect(s.count(matching('raft_append_resp', 'n3', 'n1'))).toBeGreaterThan(0);
    const rejections = s.delivered.filter((m) => m.type === 'raft_append_resp' && m.from === 'n3' && m.reject);
    expect(rejections.length).toBe(1);
    expect(terms(s, 'n3')).toEqual(terms(s, 'n1'));
  });

  it('backtracks over a longer follower log whose terms interleave with the leader’s', () => {
    const leaderLog = [...run(1, 5), ...run(2, 20), ...run(5, 10), ...run(7, 3)];
    const followerLog = [...run(1, 5), ...run(2, 30), ...run(3, 40), ...run(6, 40)];
    const s = new Scenario({
      config: { preVote: false, maxEntriesPerAppend: 1000 },
      storages: { n1: disk(leaderLog, { term: 7 }), n2: disk(leaderLog, { term: 7 }), n3: disk(followerLog, { term: 7 }) },
    });
    s.elect('n1');
    s.stabilize();
    const rejections = s.delivered.filter((m) => m.type === 'raft_append_resp' && m.from === 'n3' && m.reject);
    // Probe at 38 (term 7): n3 points at 115 (term 6), the leader skips its term-7 and term-5
    // runs to 25 (term 2), which matches. Two round trips for four terms of divergence.
    expect(rejections.length).toBeLessThanOrEqual(2);
    expect(terms(s, 'n3')).toEqual(terms(s, 'n1'));
  });

  it('ignores stale and duplicate append responses; next never drops below match + 1', () => {
    const s = new Scenario({ config: { preVote: false } });
    s.elect('n1');
    const oldResponses = s.delivered.filter(matching('raft_append_resp', 'n2', 'n1'));
    s.propose('n1', 'a');
    s.propose('n1', 'b');
    s.stabilize();
    const before = s.node('n1').progressOf('n2');
    expect(before?.match).toBe(3);
    // Replay every old response (success for index 1) and a forged stale rejection.
    for (const m of oldResponses) s.node('n1').step(m);
    s.node('n1').step({ type: 'raft_append_resp', from: 'n2', to: 'n1', term: 1, reject: true, index: 1, hintIndex: 0, hintTerm: 0 });
    s.flush();
    expect(s.node('n1').progressOf('n2')).toEqual(before);
  });

  it('Progress.maybeDecrTo cannot roll next back to 0 (or below match + 1)', () => {
    const pr = new Progress(10, 4);
    pr.maybeUpdate(5);
    pr.next = 9;
    expect(pr.maybeDecrTo(8, 0)).toBe(true);
    expect(pr.next).toBe(6);
    expect(pr.maybeDecrTo(7, 0)).toBe(false); // not the outstanding probe: stale
    pr.becomeReplicate();
    expect(pr.maybeDecrTo(5, 0)).toBe(false); // at or below match: stale
    expect(pr.maybeDecrTo(6, 0)).toBe(true);
    expect(pr.next).toBe(6);
    const fresh = new Progress(1, 4);
    expect(fresh.maybeDecrTo(0, 0)).toBe(true);
    expect(fresh.next).toBe(1);
  });
});

describe('commitment (§3.6.2)', () => {
  // Figure 8 of the Raft paper. (a)-(b) already happened: s1 led term 2 and put index 2 on
  // s2; s5 led term 3 and put its own index 2 only on itself.
  function figure8(): Scenario {
    return new Scenario({
      ids: FIVE,
      config: { preVote: false, checkQuorum: false, maxEntriesPerAppend: 1 },
      storages: {
        n1: disk([1, 2], { term: 3, commit: 1 }),
        n2: disk([1, 2], { term: 3, commit: 1 }),
        n3: disk([1], { term: 3, commit: 1 }),
        n4: disk([1], { term: 3, commit: 1 }),
        n5: disk([1, 3], { term: 3, commit: 1 }),
      },
    });
  }

  /**
   * (c) s1 leads term 4; s2 (which has index 2) acknowledges it, and s1 copies index 2 to s3,
   * so index 2 sits on a majority (s1, s2, s3). Its own no-op (index 3) reaches s2, and s3 only
   * when `n3GetsCurrentTerm`. s4 and s5 hear nothing.
   */
  function leaderCopiesOldEntry(s: Scenario, n3GetsCurrentTerm: boolean): void {
    s.node('n1').campaign();
    s.flush();
    s.deliver(matching('raft_vote'));
    s.deliver(matching('raft_vote_resp'));
    expect(s.node('n1').role).toBe('leader');
    expect(s.node('n1').term).toBe(4);
    s.drop(matching('raft_vote_resp'));
    for (let round = 0; round < 10; round++) {
      s.drop((m) => m.from === 'n1' && (m.to === 'n4' || m.to === 'n5'));
      // n3 must see the first probe (prev 2/2) to reject it and make the leader backtrack;
      // once it holds index 2, appends carrying index 3 are lost unless n3GetsCurrentTerm.
      const n3HasIndex2 = s.node('n3').lastIndex >= 2;
      s.drop((m) => m.type === 'raft_append' && m.to === 'n3' && n3HasIndex2 && !n3GetsCurrentTerm && m.entries.some((e) => e.index === 3));
      if (s.deliver() === 0) break;
    }
    expect(terms(s, 'n2')).toEqual([1, 2, 4]);
    expect(terms(s, 'n3')).toEqual(n3GetsCurrentTerm ? [1, 2, 4] : [1, 2]);
  }

  it('does not commit an old-term entry by counting replicas, so it can be overwritten safely', () => {
    const s = figure8();
    leaderCopiesOldEntry(s, false);
    // Index 2 (term 2) is acknowledged by n1, n2, n3: a majority, but not of the leader's term.
    expect(s.node('n1').progressOf('n2')?.match).toBe(3);
    expect(s.node('n1').progressOf('n3')?.match).toBe(2);
    expect(s.node('n1').commitIndex).toBe(1);
    // (d) s1 crashes; s5 wins term 5 with s3 and s4 and overwrites index 2 everywhere.
    s.crash('n1');
    s.inflight = [];
    for (let attempt = 0; attempt < 3 && s.node('n5').role !== 'leader'; attempt++) {
      s.node('n5').campaign();
      s.stabilize();
    }
    expect(s.node('n5').role).toBe('leader');
    s.tickAll(3);
    for (const id of ['n2', 'n3', 'n4', 'n5']) {
      expect(terms(s, id).slice(0, 2)).toEqual([1, 3]);
      expect(s.host(id).applied[1]?.term).toBe(3);
    }
  });

  it('commits the old entry together with one of the current term on a majority (e)', () => {
    const s = figure8();
    leaderCopiesOldEntry(s, true);
    expect(s.node('n1').commitIndex).toBe(3);
    expect(s.host('n1').applied.map((e) => e.term)).toEqual([1, 2, 4]);
    // s5 can no longer win: every majority includes a node with a term-4 entry.
    s.crash('n1');
    s.inflight = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      s.node('n5').campaign();
      s.stabilize();
      expect(s.node('n5').role).not.toBe('leader');
    }
  });
});

describe('flow control and batching', () => {
  it('starts followers in probe (one append in flight) and switches to replicate on the first ack', () => {
    const s = new Scenario({ config: { preVote: false } });
    s.node('n1').campaign();
    s.flush();
    s.deliver(matching(['raft_vote', 'raft_vote_resp']));
    s.deliver(matching(['raft_vote', 'raft_vote_resp']));
    expect(s.node('n1').role).toBe('leader');
    expect(s.node('n1').progressOf('n2')).toMatchObject({ state: 'probe', paused: true });
    expect(appends(s.inflight, 'n2')).toHaveLength(1);
    s.propose('n1', 'x');
    s.flush();
    expect(appends(s.inflight, 'n2')).toHaveLength(1); // paused: nothing more until an answer
    s.deliver(matching('raft_append', 'n1', 'n2'));
    s.deliver(matching('raft_append_resp', 'n2', 'n1'));
    expect(s.node('n1').progressOf('n2')).toMatchObject({ state: 'replicate', match: 1 });
    // The ack released the pending proposal at once.
    expect(appends(s.inflight, 'n2').map((m) => m.entries.map((e) => e.data))).toEqual([['x']]);
  });

  it('pipelines at most maxInflightAppends appends per follower in replicate state', () => {
    const s = new Scenario({ config: { preVote: false, maxInflightAppends: 3, maxEntriesPerAppend: 2 } });
    s.elect('n1');
    for (let i = 0; i < 20; i++) s.node('n1').propose(i);
    s.flush();
    const toN2 = appends(s.inflight, 'n2');
    expect(toN2.map((m) => m.entries.length)).toEqual([2, 2, 2]);
    expect(s.node('n1').progressOf('n2')).toMatchObject({ state: 'replicate', inflight: 3, paused: true });
    // Acks for the first two free two slots: exactly two more go out.
    const [first, second] = toN2;
    s.drop(matching('raft_append', 'n1', 'n2'));
    s.node('n2').step(first as AppendRequest);
    s.node('n2').step(second as AppendRequest);
    s.flush('n2');
    s.drop(matching('raft_append', 'n1', 'n3'));
    s.deliver(matching('raft_append_resp', 'n2', 'n1'));
    expect(appends(s.inflight, 'n2').map((m) => m.prevIndex)).toEqual([7, 9]);
    expect(s.node('n1').progressOf('n2')?.inflight).toBe(3);
  });

  it('sends all proposals of one turn to a follower in one append, bounded by maxEntriesPerAppend', () => {
    const s = new Scenario({ config: { preVote: false, maxEntriesPerAppend: 4 } });
    s.elect('n1');
    for (let i = 0; i < 3; i++) s.propose('n1', i);
    s.flush();
    expect(appends(s.inflight).map((m) => [m.to, m.entries.length])).toEqual([
      ['n2', 3],
      ['n3', 3],
    ]);
    s.stabilize();
    for (let i = 0; i < 10; i++) s.propose('n1', i);
    s.flush();
    expect(appends(s.inflight, 'n2').map((m) => m.entries.length)).toEqual([4, 4, 2]);
  });

  it('a heartbeat response retries a lost probe', () => {
    const s = new Scenario({ config: { preVote: false, heartbeatTicks: 2 } });
    s.node('n1').campaign();
    s.flush();
    s.deliver(matching(['raft_vote', 'raft_vote_resp']));
    s.deliver(matching(['raft_vote', 'raft_vote_resp']));
    expect(s.drop(matching('raft_append', 'n1', 'n2'))).toHaveLength(1); // the probe is lost
    s.tick('n1', 2); // heartbeat
    s.deliver(matching('raft_heartbeat', 'n1', 'n2'));
    s.deliver(matching('raft_heartbeat_resp', 'n2', 'n1'));
    expect(appends(s.inflight, 'n2')).toHaveLength(1);
    s.stabilize();
    expect(s.node('n2').commitIndex).toBe(1);
  });

  it('a rejected append sends a replicating follower back to probe', () => {
    const s = new Scenario({ config: { preVote: false } });
    s.elect('n1');
    s.propose('n1', 'a');
    s.flush();
    s.drop(matching('raft_append', 'n1', 'n2')); // lost: n2 now has a gap
    s.propose('n1', 'b');
    s.flush();
    s.deliver(matching('raft_append', 'n1', 'n2'));
    s.deliver(matching('raft_append_resp', 'n2', 'n1'));
    expect(s.node('n1').progressOf('n2')).toMatchObject({ state: 'probe', match: 1 });
    s.stabilize();
    expect(s.node('n1').progressOf('n2')).toMatchObject({ state: 'replicate', match: 3 });
    expect(terms(s, 'n2')).toEqual([1, 1, 1]);
  });

  it('recovers an append lost while the leader is idle (stall detection)', () => {
    const s = new Scenario({ config: { preVote: false, checkQuorum: false } });
    s.elect('n1');
    s.propose('n1', 'a');
    s.flush();
    s.drop(matching('raft_append', 'n1', 'n2'));
    s.tickAll(15); // heartbeats flow, but nothing else is proposed
    expect(s.node('n2').lastIndex).toBe(2);
    expect(s.node('n2').commitIndex).toBe(2);
  });

  it('heartbeats carry min(match, commit), so a lagging follower never commits what it lacks', () => {
    const s = new Scenario({ config: { preVote: false } });
    s.elect('n1');
    s.propose('n1', 'a');
    s.flush();
    s.drop(matching('raft_append', 'n1', 'n3'));
    s.deliver(); // n2 acks; index 2 commits with n1 + n2
    s.deliver();
    expect(s.node('n1').commitIndex).toBe(2);
    s.inflight = [];
    s.tick('n1', 2);
    const beats = s.inflight.filter(matching('raft_heartbeat', 'n1'));
    expect(beats.map((m) => [m.to, m.type === 'raft_heartbeat' && m.commit])).toEqual([
      ['n2', 2],
      ['n3', 1],
    ]);
  });

  it('tells followers a new commit index without waiting for the next proposal', () => {
    const s = new Scenario({ config: { preVote: false } });
    s.elect('n1');
    s.propose('n1', 'a');
    s.stabilize();
    for (const id of s.ids) expect(s.host(id).applied.map((e) => e.data)).toEqual([null, 'a']);
  });
});

describe('proposals', () => {
  it('refuses on a follower with the leader it knows', () => {
    const s = new Scenario({ config: { preVote: false } });
    expect(s.node('n2').propose('x')).toEqual({ ok: false, error: { reason: 'not-leader', leaderId: null } });
    s.elect('n1');
    expect(s.node('n2').propose('x')).toEqual({ ok: false, error: { reason: 'not-leader', leaderId: 'n1' } });
  });

  it('refuses with overloaded once the uncommitted tail reaches its bound', () => {
    const s = new Scenario({ config: { preVote: false, maxUncommittedEntries: 5 } });
    s.elect('n1');
    s.isolate('n1');
    const results = Array.from({ length: 7 }, (_, i) => s.node('n1').propose(i));
    expect(results.map((r) => (r.ok ? r.value.index : r.error.reason))).toEqual([2, 3, 4, 5, 6, 'overloaded', 'overloaded']);
    s.heal();
    s.tickAll(3);
    expect(s.node('n1').propose('again')).toMatchObject({ ok: true, value: { index: 7, term: 1 } });
  });
});

describe('asynchronous storage writes (thesis §10.2.1)', () => {
  const ASYNC = { preVote: false, asyncStorageWrites: true } as const;

  it('the leader replicates before its own sync, and counts its entry only once it is durable', () => {
    const s = new Scenario({ config: ASYNC });
    s.elect('n1');
    const index = s.propose('n1', 'x');
    s.flush('n1');
    // The appends left although nothing of the turn is synced yet.
    expect(appends(s.inflight).map((m) => [m.to, m.entries.map((e) => e.data)])).toEqual([
      ['n2', ['x']],
      ['n3', ['x']],
    ]);
    expect(s.host('n1').hasUnsynced).toBe(true);
    s.drop(matching('raft_append', 'n1', 'n3'));
    s.deliver(matching('raft_append', 'n1', 'n2'));
    // A follower's acknowledgement vouches for its log: it waits for the follower's sync.
    expect(s.inflight.filter(matching('raft_append_resp'))).toEqual([]);
    s.sync('n2');
    s.deliver(matching('raft_append_resp', 'n2', 'n1'));
    // n2 and n1 hold the entry, but only n2 durably: no majority yet.
    expect(s.node('n1').commitIndex).toBe(index - 1);
    s.sync('n1');
    expect(s.node('n1').commitIndex).toBe(index);
  });

  it('commits on two durable followers while the leader has not synced its own copy', () => {
    const s = new Scenario({ config: ASYNC });
    s.elect('n1');
    const index = s.propose('n1', 'y');
    s.flush('n1');
    s.deliver(matching('raft_append', 'n1'));
    s.sync('n2');
    s.sync('n3');
    s.deliver(matching('raft_append_resp'));
    expect(s.host('n1').hasUnsynced).toBe(true);
    expect(s.node('n1').commitIndex).toBe(index);
  });
});
