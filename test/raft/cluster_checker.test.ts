// The cluster invariant checker (src/raft/testing/invariants.ts) on hand-made histories: what it
// must accept as well as what it must catch. It runs under every scenario and both simulators,
// so a checker that is too strict fails good runs and one that is too lax passes bad ones.
import { describe, expect, it } from 'vitest';
import type { RaftNode } from '../../src/raft/index.js';
import { ClusterChecker, type CheckedHost } from '../../src/raft/testing/invariants.js';
import { matching, Scenario } from '../../src/raft/testing/scenario.js';

/** A node that is down (so the checker reads only its durable view), holding entries 1..durableTo of term 1. */
function downHost(id: string, durableTo: number): CheckedHost {
  return {
    id,
    up: false,
    get raft(): RaftNode {
      throw new Error(`${id} is down`);
    },
    durable: { holds: (index, term) => term === 1 && index <= durableTo },
  };
}

describe('the cluster checker', () => {
  it('accepts a leader of an older term elected by a delayed vote after a newer term committed', () => {
    // Found by the whole-node simulator (its seed 102376 before the swarm rates): leader
    // completeness binds leaders of later terms only; a stale leader holds nothing committed
    // after its term and can commit nothing.
    const scenario = new Scenario({ config: { preVote: false, checkQuorum: false } });
    scenario.node('n1').campaign();
    scenario.flush('n1');
    // Both grant n1 their vote in term 1; n3's answer is lost, n2's is held up in the network.
    scenario.deliver(matching('raft_vote', 'n1'));
    scenario.drop(matching('raft_vote_resp', 'n3', 'n1'));
    const delayedVote = scenario.drop(matching('raft_vote_resp', 'n2', 'n1'));
    expect(delayedVote).toHaveLength(1);
    scenario.isolate('n1');
    scenario.elect('n3');
    scenario.propose('n3', 'x');
    scenario.stabilize();
    expect(scenario.node('n3').commitIndex).toBe(2);
    scenario.heal();
    scenario.inflight.push(...delayedVote);
    scenario.deliver(matching('raft_vote_resp', 'n2', 'n1'));
    expect(scenario.node('n1').role).toBe('leader');
    expect(scenario.node('n1').term).toBe(1);
    expect(scenario.node('n1').lastIndex).toBeLessThan(2);
  });
});

describe('commit durability', () => {
  const entry = (index: number) => ({ index, term: 1, kind: 'normal' as const, data: index });

  it('accepts an entry applied once a majority holds it durably', () => {
    const checker = new ClusterChecker();
    const hosts = [downHost('n1', 2), downHost('n2', 2), downHost('n3', 0)];
    checker.onApply(hosts[0] as CheckedHost, entry(1));
    checker.onApply(hosts[0] as CheckedHost, entry(2));
    expect(() => checker.checkCluster(hosts)).not.toThrow();
  });

  it('catches an entry applied while only a minority holds it durably (written is not enough)', () => {
    const checker = new ClusterChecker();
    const hosts = [downHost('n1', 2), downHost('n2', 1), downHost('n3', 1)];
    checker.onApply(hosts[0] as CheckedHost, entry(1));
    checker.onApply(hosts[0] as CheckedHost, entry(2));
    expect(() => checker.checkCluster(hosts)).toThrow(/commit durability: 2 \(term 1\) is applied, but only 1 of 3 nodes hold it durably \(n1\)/);
  });
});
