// The cluster checker's read-lease invariant (src/raft/testing/invariants.ts): a node that may
// serve reads under a lease (a leader whose lease holds, a follower holding one) must hold every
// committed entry. Hosts here are stubs with just what the checker reads of a Raft node.
import { describe, expect, it } from 'vitest';
import type { RaftNode } from '../../src/raft/index.js';
import { ClusterChecker, type CheckedHost } from '../../src/raft/testing/invariants.js';

interface StubNode {
  role: 'leader' | 'follower';
  term: number;
  /** Terms of the log from index firstIndex on. */
  terms: number[];
  firstIndex: number;
  lease: boolean;
}

function host(id: string, node: StubNode): CheckedHost {
  const raft = {
    id,
    get role() {
      return node.role;
    },
    get term() {
      return node.term;
    },
    get commitIndex() {
      return 0;
    },
    get firstIndex() {
      return node.firstIndex;
    },
    logTerm: (index: number) => node.terms[index - node.firstIndex],
    leaseValid: () => node.role === 'leader' && node.lease,
    followerReadPoint: () => (node.role === 'follower' && node.lease ? 1 : undefined),
  };
  return { id, up: true, raft: raft as unknown as RaftNode, durable: { holds: () => true } };
}

/** A checker that saw entries 1..5 of term 2 applied on `applier`. */
function checkerWithCommitted(applier: CheckedHost): ClusterChecker {
  const checker = new ClusterChecker();
  for (let index = 1; index <= 5; index++) checker.onApply(applier, { index, term: 2, kind: 'normal', data: index });
  return checker;
}

describe('read-lease invariant', () => {
  const full = (): StubNode => ({ role: 'leader', term: 2, terms: [2, 2, 2, 2, 2], firstIndex: 1, lease: true });

  it('passes lease holders that hold every committed entry, and nodes without a lease whatever they hold', () => {
    const leader = host('n0', full());
    const checker = checkerWithCommitted(leader);
    const follower = host('n1', { role: 'follower', term: 2, terms: [2, 2, 2, 2, 2, 2], firstIndex: 1, lease: true });
    const behindWithoutLease = host('n2', { role: 'follower', term: 2, terms: [2], firstIndex: 1, lease: false });
    // Entries under a snapshot are committed: a follower that compacted through 5 holds them.
    const compacted = host('n3', { role: 'follower', term: 2, terms: [2], firstIndex: 6, lease: true });
    expect(() => checker.checkCluster([leader, follower, behindWithoutLease, compacted])).not.toThrow();
  });

  it('fails a follower holding a lease that lacks a committed entry, or holds another term there', () => {
    const leader = host('n0', full());
    const behind = host('n1', { role: 'follower', term: 3, terms: [2, 2, 2], firstIndex: 1, lease: true });
    expect(() => checkerWithCommitted(leader).checkCluster([leader, behind])).toThrow(
      /^read lease: n1 \(follower in term 3, read point 1\) may serve reads under a lease, but its log lacks committed entry 5 \(term 2; it holds nothing there\)/,
    );
    const diverged = host('n1', { role: 'follower', term: 3, terms: [2, 2, 2, 2, 1], firstIndex: 1, lease: true });
    expect(() => checkerWithCommitted(leader).checkCluster([leader, diverged])).toThrow(/lacks committed entry 5 \(term 2; it holds term 1 there\)/);
  });

  it('fails a leader whose lease holds while it lacks a committed entry', () => {
    const applier = host('n1', { role: 'follower', term: 3, terms: [2, 2, 2, 2, 2], firstIndex: 1, lease: false });
    const stale = host('n0', { role: 'leader', term: 2, terms: [2, 2, 2, 2], firstIndex: 1, lease: true });
    expect(() => checkerWithCommitted(applier).checkCluster([stale, applier])).toThrow(/^read lease: n0 \(leader in term 2, commit 0\)/);
    const noLease = host('n0', { role: 'leader', term: 2, terms: [2, 2, 2, 2], firstIndex: 1, lease: false });
    expect(() => checkerWithCommitted(applier).checkCluster([noLease, applier])).not.toThrow();
  });
});
