import { describe, expect, it } from 'vitest';
import { AssertionFailure } from '../../src/base/assert.js';
import { Rng } from '../../src/base/rng.js';
import { makeRaftConfig } from '../../src/raft/config.js';
import { RaftLog } from '../../src/raft/log.js';
import type { RaftMessage } from '../../src/raft/messages.js';
import { RaftNode } from '../../src/raft/raft.js';
import { MemoryStorage } from '../../src/raft/storage.js';
import { Scenario } from '../../src/raft/testing/scenario.js';
import { disk, logOf } from './helpers.js';

describe('MemoryStorage', () => {
  it('appends, truncates a conflicting suffix, and answers terms and slices', () => {
    const storage = new MemoryStorage({ entries: logOf([1, 1, 2, 2]) });
    expect([storage.firstIndex(), storage.lastIndex(), storage.term(0), storage.term(3), storage.term(5)]).toEqual([1, 4, 0, 2, undefined]);
    storage.append(logOf([1, 1, 3]).slice(2));
    expect(storage.entries(1, 4).map((e) => e.term)).toEqual([1, 1, 3]);
    expect(storage.lastIndex()).toBe(3);
  });

  it('rejects gaps, terms going back and second votes', () => {
    const storage = new MemoryStorage({ entries: logOf([1, 2]) });
    expect(() => storage.append([{ index: 4, term: 2, kind: 'normal', data: null }])).toThrow(AssertionFailure);
    expect(() => storage.append([{ index: 3, term: 1, kind: 'normal', data: null }])).toThrow(/term goes back/);
    storage.setHardState({ term: 2, vote: 'a', commit: 0 });
    expect(() => storage.setHardState({ term: 2, vote: 'b', commit: 0 })).toThrow(/second vote/);
    storage.setHardState({ term: 3, vote: 'b', commit: 1 });
  });

  it('save() writes entries before the hard state whose commit covers them', () => {
    const storage = new MemoryStorage();
    storage.save({ term: 1, vote: null, commit: 2 }, logOf([1, 1]));
    expect(storage.initialState().commit).toBe(2);
    expect(() => storage.save({ term: 1, vote: null, commit: 5 }, [])).toThrow(/beyond last index/);
  });
});

describe('RaftLog', () => {
  function log(terms: number[], committed = 0): RaftLog {
    return new RaftLog(new MemoryStorage({ entries: logOf(terms) }), committed, 0);
  }

  it('keeps entries that a reordered, shorter append agrees with', () => {
    const raftLog = log([1, 1, 1, 1]);
    expect(raftLog.maybeAppend(1, 1, 0, logOf([1, 1]).slice(1))).toBe(2);
    expect(raftLog.lastIndex()).toBe(4); // not truncated to 2
  });

  it('truncates at the first conflict and appends the rest', () => {
    const raftLog = log([1, 1, 1, 1]);
    expect(raftLog.maybeAppend(2, 1, 0, [{ index: 3, term: 2, kind: 'normal', data: 'x' }])).toBe(3);
    expect([raftLog.lastIndex(), raftLog.term(3)]).toEqual([3, 2]);
    expect(raftLog.unstableEntries().map((e) => e.index)).toEqual([3]);
  });

  it('commits only what the message proves we hold', () => {
    const raftLog = log([1, 1, 1, 1, 1]);
    raftLog.maybeAppend(1, 1, 5, logOf([1, 1]).slice(1));
    expect(raftLog.committed).toBe(2);
  });

  it('refuses a mismatched prev entry', () => {
    expect(log([1, 2]).maybeAppend(2, 1, 0, [])).toBeUndefined();
    expect(log([1, 2]).maybeAppend(5, 2, 0, [])).toBeUndefined();
  });

  it('never overwrites a committed entry, never commits past its end', () => {
    const raftLog = log([1, 1, 1], 2);
    expect(() => raftLog.maybeAppend(1, 1, 0, [{ index: 2, term: 2, kind: 'normal', data: null }])).toThrow(/committed/);
    expect(() => raftLog.commitTo(4)).toThrow(/beyond last index/);
    raftLog.commitTo(1); // a stale, lower commit is ignored
    expect(raftLog.committed).toBe(2);
  });

  it('finds where logs may agree by term', () => {
    const raftLog = log([1, 1, 2, 2, 4, 4]);
    expect(raftLog.findConflictByTerm(6, 3)).toEqual({ index: 4, term: 2 });
    expect(raftLog.findConflictByTerm(6, 4)).toEqual({ index: 6, term: 4 });
    expect(raftLog.findConflictByTerm(6, 0)).toEqual({ index: 0, term: 0 });
  });

  it('hands out unstable entries until they are stable, committed entries until applied', () => {
    const storage = new MemoryStorage();
    const raftLog = new RaftLog(storage, 0, 0);
    raftLog.append(logOf([1, 1]));
    raftLog.commitTo(2);
    expect(raftLog.committedToApply(1).map((e) => e.index)).toEqual([1]);
    storage.append(raftLog.unstableEntries());
    raftLog.stableTo(2, 1);
    raftLog.appliedTo(2);
    expect([raftLog.hasUnstableEntries(), raftLog.hasCommittedToApply(), raftLog.slice(1, 3).length]).toEqual([false, false, 2]);
  });
});

describe('restart from storage', () => {
  it('comes back with term, vote, log and commit, and re-applies committed entries', () => {
    const s = new Scenario({ config: { preVote: false } });
    s.elect('n1');
    s.propose('n1', 'a');
    s.propose('n1', 'b');
    s.stabilize();
    const before = s.node('n2').hardState();
    s.crash('n2');
    s.restart('n2');
    const node = s.node('n2');
    expect(node.hardState()).toEqual(before);
    expect([node.role, node.leaderId, node.lastIndex]).toEqual(['follower', null, 3]);
    expect(s.host('n2').applied.map((e) => e.data)).toEqual([null, 'a', 'b']);
    s.tickAll(3);
    expect(node.leaderId).toBe('n1');
  });

  it('loses what was never persisted, and nothing that was', () => {
    const s = new Scenario({ config: { preVote: false } });
    s.elect('n1');
    s.node('n1').propose('lost');
    s.crash('n1'); // before its Ready was handled: the entry never reached the disk
    s.restart('n1');
    expect(s.node('n1').lastIndex).toBe(1);
  });

  it('starts applying after config.appliedIndex (a snapshot point, later)', () => {
    const node = new RaftNode(makeRaftConfig({ id: 'a', peers: ['a'], rng: new Rng(1), appliedIndex: 2 }), disk([1, 1, 1], { commit: 3 }));
    const rd = node.ready();
    expect(rd.committedEntries.map((e) => e.index)).toEqual([3]);
    node.advance(rd);
  });
});

describe('Ready contract', () => {
  it('puts a vote response in the same Ready as the hard state recording the vote', () => {
    const s = new Scenario({ config: { preVote: false } });
    s.node('n1').campaign();
    s.flush('n1');
    s.node('n2').step(s.inflight.find((m) => m.to === 'n2') as RaftMessage);
    const rd = s.node('n2').ready();
    expect(rd.hardState).toEqual({ term: 1, vote: 'n1', commit: 0 });
    expect(rd.messages.map((m) => m.type)).toEqual(['raft_vote_resp']);
    s.node('n2').advance(rd);
    expect(s.node('n2').hasReady()).toBe(false);
  });

  it('puts an append response in the same Ready as the entries it acknowledges', () => {
    const s = new Scenario({ config: { preVote: false } });
    s.elect('n1');
    s.node('n1').propose('x');
    s.flush('n1');
    s.node('n2').step(s.inflight.find((m) => m.to === 'n2' && m.type === 'raft_append') as RaftMessage);
    const rd = s.node('n2').ready();
    expect(rd.entries.map((e) => e.data)).toEqual(['x']);
    expect(rd.messages.map((m) => m.type === 'raft_append_resp' && m.index)).toEqual([2]);
    s.node('n2').advance(rd);
  });

  it('reports role and leader changes once, and insists on ready/advance alternation', () => {
    const node = new RaftNode(makeRaftConfig({ id: 'a', peers: ['a'], rng: new Rng(1) }), new MemoryStorage());
    expect(node.hasReady()).toBe(false);
    node.campaign();
    const rd = node.ready();
    expect(rd.softState).toEqual({ role: 'leader', leaderId: 'a' });
    expect(() => node.ready()).toThrow(/before advance/);
    node.advance(rd);
    expect(node.hasReady()).toBe(false);
    expect(() => node.advance(rd)).toThrow(AssertionFailure);
  });

  it('bounds messages per Ready and keeps the rest for the next one', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const node = new RaftNode(makeRaftConfig({ id: 'a', peers: ids, rng: new Rng(1), maxMessagesPerReady: 5 }), new MemoryStorage());
    node.campaign(); // 4 pre-votes
    for (let ctx = 0; ctx < 3; ctx++) node.step({ type: 'raft_read_index', from: 'b', to: 'a', term: 0, ctx }); // 3 rejections
    const first = node.ready();
    expect(first.messages).toHaveLength(5);
    node.advance(first);
    expect(node.hasReady()).toBe(true);
    const second = node.ready();
    expect(second.messages).toHaveLength(2);
    node.advance(second);
  });
});
