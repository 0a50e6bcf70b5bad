import { describe, expect, it } from 'vitest';
import { Scenario, matching } from '../../src/raft/testing/scenario.js';
import { disk, run } from './helpers.js';

const FIVE = ['n1', 'n2', 'n3', 'n4', 'n5'];

function tickUntilLeader(s: Scenario, maxTicks = 200): string {
  for (let t = 0; t < maxTicks; t++) {
    s.tickAll();
    const leader = s.leader();
    if (leader !== undefined) return leader;
  }
  throw new Error('no leader elected');
}

describe('leader election', () => {
  for (const [name, ids] of [
    ['3 nodes', ['n1', 'n2', 'n3']],
    ['5 nodes', FIVE],
  ] as const) {
    for (const preVote of [false, true]) {
      it(`elects exactly one leader by timeout in a cluster of ${name} (preVote ${preVote})`, () => {
        const s = new Scenario({ ids, config: { preVote } });
        const leader = tickUntilLeader(s);
        s.tickAll(5);
        const term = s.node(leader).term;
        expect(term).toBe(1); // pre-votes do not spend terms; the first election wins term 1
        for (const id of ids) {
          expect(s.node(id).leaderId).toBe(leader);
          expect(s.node(id).term).toBe(term);
          // The leader's no-op (index 1) is committed and applied everywhere.
          expect(s.host(id).applied.map((e) => e.kind)).toEqual(['noop']);
        }
        expect(ids.filter((id) => s.node(id).role === 'leader')).toEqual([leader]);
      });
    }
  }

  it('randomizes the election timeout in [T, 2T)', () => {
    const firstCampaign: number[] = [];
    for (let seed = 1; seed <= 40; seed++) {
      const s = new Scenario({ seed, config: { preVote: false, electionTimeoutTicks: 10 } });
      let ticks = 0;
      while (s.node('n1').role === 'follower' && ticks < 100) {
        s.tick('n1');
        ticks++;
      }
      firstCampaign.push(ticks);
    }
    expect(Math.min(...firstCampaign)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...firstCampaign)).toBeLessThan(20);
    expect(new Set(firstCampaign).size).toBeGreaterThan(4);
  });

  it('grants one vote per term, to the first candidate that asks', () => {
    const s = new Scenario({ config: { preVote: false } });
    s.node('n1').campaign();
    s.node('n2').campaign();
    s.flush();
    // n3 hears n1 first, then n2, for the same term 1.
    s.deliver(matching('raft_vote', 'n1', 'n3'));
    s.deliver(matching('raft_vote', 'n2', 'n3'));
    expect(s.node('n3').vote).toBe('n1');
    const answers = s.inflight.filter(matching('raft_vote_resp', 'n3'));
    expect(answers.map((m) => [m.to, m.type === 'raft_vote_resp' && m.granted])).toEqual([
      ['n1', true],
      ['n2', false],
    ]);
    s.stabilize();
    expect(s.leader()).toBe('n1');
  });

  it('refuses votes to a candidate whose log is behind (§3.6.1)', () => {
    const s = new Scenario({
      config: { preVote: false },
      storages: { n1: disk(run(1, 2)), n2: disk(run(1, 3)), n3: disk([1, 2]) },
    });
    s.node('n1').campaign();
    s.stabilize();
    expect(s.node('n1').role).not.toBe('leader');
    // n3 has the highest last term and wins.
    s.elect('n3');
    expect(s.node('n3').term).toBe(3);
  });

  it('a vote is durable: a restarted voter does not vote twice in a term', () => {
    const s = new Scenario({ config: { preVote: false } });
    s.node('n1').campaign();
    s.flush();
    s.deliver(matching('raft_vote', 'n1', 'n3'));
    s.crash('n3');
    s.restart('n3');
    expect(s.node('n3').vote).toBe('n1');
    s.node('n2').campaign(); // term 1 as well
    s.flush();
    s.deliver(matching('raft_vote', 'n2', 'n3'));
    expect(s.inflight.filter(matching('raft_vote_resp', 'n3', 'n2')).map((m) => m.type === 'raft_vote_resp' && m.granted)).toEqual([false]);
  });
});

describe('pre-vote (§9.6)', () => {
  it('keeps a partitioned node from inflating its term, so its return does not depose the leader', () => {
    const s = new Scenario({ config: { preVote: true, checkQuorum: false } });
    s.elect('n1');
    s.isolate('n3');
    s.tickAll(200); // twenty election timeouts alone
    expect(s.node('n3').term).toBe(1);
    expect(['follower', 'pre-candidate']).toContain(s.node('n3').role);
    s.heal();
    s.tickAll(30);
    expect(s.leader()).toBe('n1');
    expect(s.node('n1').term).toBe(1);
    expect(s.node('n3').leaderId).toBe('n1');
  });

  it('without pre-vote, the same node returns with a higher term and forces an election', () => {
    const s = new Scenario({ config: { preVote: false, checkQuorum: false } });
    s.elect('n1');
    s.isolate('n3');
    s.tickAll(200);
    expect(s.node('n3').term).toBeGreaterThan(5);
    s.heal();
    s.tickAll(60);
    expect(s.node('n1').term).toBeGreaterThan(1); // disrupted
  });

  it('pre-votes are refused while a leader is heard from, granted once it is silent', () => {
    const s = new Scenario({ config: { preVote: true, checkQuorum: false } });
    s.elect('n1');
    // n3 is cut off from n1 only; n2 still hears n1.
    s.partition(['n1', 'n2'], ['n3']);
    s.tickAll(40);
    expect(s.node('n3').term).toBe(1);
    expect(s.node('n2').leaderId).toBe('n1');
    // Now n1 dies; n2 stops hearing it and grants n3's pre-vote, then its vote.
    s.crash('n1');
    s.heal();
    const leader = tickUntilLeader(s);
    expect(['n2', 'n3']).toContain(leader);
    expect(s.node(leader).term).toBe(2);
  });

  it('a pre-candidate learns of a higher term from a rejection and becomes follower', () => {
    const s = new Scenario({
      config: { preVote: true, checkQuorum: false },
      storages: { n1: disk([], { term: 5 }), n2: disk([], { term: 5 }), n3: disk([], { term: 2 }) },
    });
    s.node('n3').campaign();
    expect(s.node('n3').role).toBe('pre-candidate');
    expect(s.node('n3').term).toBe(2);
    s.stabilize();
    expect(s.node('n3').role).toBe('follower');
    expect(s.node('n3').term).toBe(5);
  });
});

describe('check-quorum (§6.2, §4.2.3)', () => {
  it('an isolated leader steps down within an election timeout and reports it', () => {
    const s = new Scenario({ config: { checkQuorum: true } });
    s.elect('n1');
    s.read('n1', 7);
    s.isolate('n1');
    s.tick('n1', 9);
    expect(s.node('n1').role).toBe('leader');
    s.tick('n1', 11); // one check-quorum period is 10 ticks; at most two pass before it notices
    expect(s.node('n1').role).toBe('follower');
    expect(s.node('n1').term).toBe(1);
    const softStates = s.host('n1').softStates;
    expect(softStates[softStates.length - 1]).toEqual({ role: 'follower', leaderId: null });
    expect(s.host('n1').droppedReads).toEqual([{ ctx: 7, reason: 'leadership-lost' }]);
  });

  it('without check-quorum an isolated leader keeps believing it leads', () => {
    const s = new Scenario({ config: { checkQuorum: false } });
    s.elect('n1');
    s.isolate('n1');
    s.tick('n1', 100);
    expect(s.node('n1').role).toBe('leader');
  });

  it('followers that heard from the leader recently ignore vote requests (leader lease)', () => {
    const s = new Scenario({ config: { checkQuorum: true, preVote: false } });
    s.elect('n1');
    s.tickAll(3);
    // A vote request for a much higher term, as from a node that was partitioned away.
    s.node('n2').step({ type: 'raft_vote', from: 'n3', to: 'n2', term: 9, lastIndex: 100, lastTerm: 8 });
    expect(s.node('n2').term).toBe(1);
    expect(s.node('n2').vote).toBe('n1'); // its term-1 vote, untouched
    expect(s.node('n2').hasReady()).toBe(false); // not even an answer
    // Once n2 has not heard from a leader for an election timeout, the request counts.
    s.isolate('n2');
    s.tick('n2', 10);
    s.node('n2').step({ type: 'raft_vote', from: 'n3', to: 'n2', term: 9, lastIndex: 100, lastTerm: 8 });
    expect(s.node('n2').term).toBe(9);
    expect(s.node('n2').vote).toBe('n3');
  });

  it('a rejoining candidate is ignored by followers, and freed by the leader adopting its term', () => {
    // etcd's "free stuck candidate": without pre-vote the returning node has a higher term
    // that nobody grants (lease) and it ignores the old term's leader, so the leader learns
    // the term from its answer, steps down, and the cluster re-elects in the higher term.
    const s = new Scenario({ config: { checkQuorum: true, preVote: false } });
    s.elect('n1');
    s.isolate('n3');
    s.tickAll(100);
    const staleTerm = s.node('n3').term;
    expect(staleTerm).toBeGreaterThan(3);
    s.heal();
    s.tick('n3', 25); // campaigns again
    expect(s.deliver(matching('raft_vote', 'n3', 'n2'))).toBeGreaterThan(0);
    expect(s.node('n2').term).toBe(1); // ignored under the lease
    expect(s.node('n2').leaderId).toBe('n1');
    s.tickAll(80);
    const leader = tickUntilLeader(s);
    s.tickAll(5);
    for (const id of s.ids) {
      expect(s.node(id).term).toBeGreaterThanOrEqual(staleTerm);
      expect(s.node(id).leaderId).toBe(leader);
    }
  });

  it('a stale leader hears of the newer term from a follower and steps down', () => {
    const s = new Scenario({ config: { checkQuorum: true, preVote: true } });
    s.elect('n1');
    s.isolate('n1');
    s.tickAll(40); // n2 or n3 take over in term 2; n1 also steps down by check-quorum
    const leader = s.leader();
    expect(leader).toBeDefined();
    expect(s.node(leader as string).term).toBe(2);
    s.heal();
    s.tickAll(5);
    expect(s.node('n1').term).toBe(2);
    expect(s.node('n1').leaderId).toBe(leader);
  });
});

describe('invariant checker', () => {
  it('accepts a leader of an older term made by a delayed vote after a newer term committed (sim seed 102376)', () => {
    const s = new Scenario({ config: { preVote: false } });
    s.node('n1').campaign();
    s.flush();
    s.deliver(matching('raft_vote', 'n1')); // n2 and n3 grant term 1; their answers stay in flight
    const lateVotes = s.drop(matching('raft_vote_resp', undefined, 'n1'));
    s.node('n2').campaign();
    s.flush();
    s.drop(matching(undefined, 'n2', 'n1')); // n1 never hears of term 2
    s.deliver(matching('raft_vote', 'n2', 'n3'));
    s.deliver(matching('raft_vote_resp', 'n3', 'n2'));
    expect(s.node('n2').role).toBe('leader');
    s.propose('n2', 'x');
    s.deliver(matching('raft_append', 'n2', 'n3'));
    s.deliver(matching('raft_append_resp', 'n3', 'n2'));
    expect(s.node('n2').commitIndex).toBeGreaterThanOrEqual(1); // its no-op, of term 2
    s.inflight.push(...lateVotes);
    s.deliver(matching('raft_vote_resp', undefined, 'n1')); // checks the cluster after each delivery
    expect([s.node('n1').role, s.node('n1').term]).toEqual(['leader', 1]);
  });
});
