// Follower leases: a follower serves reads locally while it holds a lease from the leader, so
// the leader may not commit what a lease holder lacks, and a new leader may not commit while a
// follower could still hold a lease from its predecessor. Each test ticks one step at a time and
// checks the safety property at every step: whenever the entry is committed, no follower that
// lacks it still holds a lease.
import { describe, expect, it } from 'vitest';
import { Scenario } from '../../src/raft/testing/scenario.js';

const LEASES = {
  preVote: false,
  checkQuorum: true,
  leaseReads: true,
  followerLeases: true,
  electionTimeoutTicks: 10,
  heartbeatTicks: 2,
  leaseMarginTicks: 2,
} as const;

/** A cluster with n1 leading: with leases, a started node refuses votes for an election timeout. */
function cluster(ids: readonly string[] = ['n1', 'n2', 'n3']): Scenario {
  const s = new Scenario({ ids, config: LEASES });
  for (let i = 0; i < LEASES.electionTimeoutTicks; i++) for (const id of ids) s.node(id).tick();
  s.elect('n1');
  return s;
}

/** Lets heartbeats run long enough for every reachable follower to ask for and get a lease. */
function settle(s: Scenario): void {
  for (let i = 0; i < 3; i++) s.tickAll(1);
}

function lacks(s: Scenario, id: string, index: number): boolean {
  const node = s.node(id);
  return node.lastIndex < index || node.logEntries(index, index + 1)[0]?.data !== 'x';
}

describe('follower leases', () => {
  it('grant a lease to caught-up followers, anchored at their own ask', () => {
    const s = cluster();
    expect(s.node('n2').followerReadPoint()).toBeUndefined();
    settle(s);
    expect(s.node('n2').followerReadPoint()).toBe(s.node('n1').commitIndex);
    expect(s.node('n3').followerReadPoint()).toBe(s.node('n1').commitIndex);
    expect(s.node('n1').followerReadPoint()).toBeUndefined(); // the leader has its own lease
  });

  it('the leader commits nothing a lease holder lacks until its lease surely ran out', () => {
    const s = cluster();
    settle(s);
    s.isolate('n3');
    const index = s.propose('n1', 'x');
    s.stabilize();
    expect(s.node('n2').lastIndex).toBe(index); // a majority has it
    expect(s.node('n1').commitIndex).toBe(index - 1); // but n3 may be serving reads without it
    let ticks = 0;
    while (s.node('n1').commitIndex < index) {
      s.tickAll(1);
      ticks++;
      expect(ticks).toBeLessThanOrEqual(2 * LEASES.electionTimeoutTicks);
      if (s.node('n1').commitIndex >= index) expect(s.node('n3').followerReadPoint()).toBeUndefined();
    }
    expect(ticks).toBeGreaterThan(1);
  });

  it('a new leader commits nothing while a follower may hold a lease from its predecessor', () => {
    const s = cluster(['n1', 'n2', 'n3', 'n4', 'n5']);
    settle(s);
    s.partition(['n1', 'n2'], ['n3', 'n4', 'n5']);
    const leader = electWithin(s, ['n3', 'n4', 'n5']);
    expect(s.node('n2').followerReadPoint()).not.toBeUndefined(); // n1 still renews n2's lease
    const index = s.propose(leader, 'x');
    s.stabilize();
    let ticks = 0;
    while (s.node(leader).commitIndex < index) {
      s.tickAll(1);
      ticks++;
      expect(ticks).toBeLessThanOrEqual(4 * LEASES.electionTimeoutTicks);
      for (const id of ['n1', 'n2']) if (s.node(leader).commitIndex >= index && lacks(s, id, index)) expect(s.node(id).followerReadPoint()).toBeUndefined();
    }
    expect(ticks).toBeGreaterThan(LEASES.electionTimeoutTicks);
    expect(s.node('n2').followerReadPoint()).toBeUndefined();
  });

  it('a new leader that every follower answered commits at once', () => {
    const s = cluster();
    settle(s);
    s.isolate('n1');
    const leader = electWithin(s, ['n2', 'n3']);
    s.heal();
    settle(s); // n1 hears the new term from a heartbeat and answers
    const index = s.propose(leader, 'x');
    s.stabilize();
    expect(s.node(leader).commitIndex).toBe(index);
  });
});

/** Ticks everyone until one of `among` leads a newer term than n1's; returns it. */
function electWithin(s: Scenario, among: readonly string[]): string {
  for (let i = 0; i < 10 * LEASES.electionTimeoutTicks; i++) {
    s.tickAll(1);
    const leader = among.find((id) => s.node(id).role === 'leader');
    if (leader !== undefined) return leader;
  }
  throw new Error(`no leader among ${among.join(', ')}`);
}
