// Snapshots, log compaction and InstallSnapshot in the Raft core: a follower behind the
// leader's first index is caught up by a chunked snapshot, lost chunks are resent, a node
// restarts from its snapshot, and a follower that already holds the snapshot's entry only commits.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/base/rng.js';
import { makeRaftConfig } from '../../src/raft/config.js';
import { RaftNode } from '../../src/raft/raft.js';
import { MemoryStorage } from '../../src/raft/storage.js';
import type { Snapshot } from '../../src/raft/types.js';
import { Scenario, matching } from '../../src/raft/testing/scenario.js';
import { disk } from './helpers.js';

function proposeMany(s: Scenario, leader: string, count: number): void {
  for (let i = 0; i < count; i++) {
    s.propose(leader, { n: i, pad: 'x'.repeat(20) });
    s.stabilize();
  }
}

function appliedData(s: Scenario, id: string): string[] {
  return s.host(id).applied.map((e) => JSON.stringify(e.data));
}

describe('snapshots and InstallSnapshot', () => {
  it('catches a follower that missed compacted entries up with a chunked snapshot', () => {
    const s = new Scenario({ compactEveryEntries: 10, config: { maxSnapshotChunkChars: 200 } });
    s.elect('n1');
    s.crash('n3');
    proposeMany(s, 'n1', 40);
    expect(s.host('n1').snapshotIndex).toBeGreaterThanOrEqual(30);
    expect(s.node('n1').firstIndex).toBeGreaterThan(30);

    s.restart('n3');
    // The leader notices the appends lost while n3 was down after an election timeout of
    // silence, probes from n3's match point, and finds it compacted away.
    for (let i = 0; i < 12; i++) {
      s.tickAll(1);
      s.stabilize();
    }
    const chunks = s.count(matching('raft_snapshot', 'n1', 'n3'));
    expect(chunks).toBeGreaterThan(5); // the snapshot is several kB, 200 characters per chunk
    expect(s.host('n3').snapshotsInstalled).toBe(1);
    expect(appliedData(s, 'n3')).toEqual(appliedData(s, 'n1'));
    // It replicates normally afterwards.
    s.propose('n1', 'after');
    s.stabilize();
    expect(s.node('n3').commitIndex).toBe(s.node('n1').commitIndex);
    expect(appliedData(s, 'n3')).toEqual(appliedData(s, 'n1'));
  });

  it('resends a lost chunk and resumes from what the follower holds', () => {
    const s = new Scenario({ compactEveryEntries: 10, config: { maxSnapshotChunkChars: 300 } });
    s.elect('n1');
    s.crash('n3');
    proposeMany(s, 'n1', 25);
    s.restart('n3');
    // Lose the first chunks the leader sends; heartbeat answers make it send them again.
    let lost = 0;
    for (let i = 0; i < 60; i++) {
      for (const id of s.ids) s.tick(id); // tickAll would deliver everything at once
      for (let round = 0; round < 50 && s.inflight.length > 0; round++) {
        if (lost < 4) lost += s.drop(matching('raft_snapshot')).length;
        s.deliver();
      }
    }
    s.stabilize();
    expect(lost).toBeGreaterThanOrEqual(4);
    expect(s.host('n3').snapshotsInstalled).toBe(1);
    expect(appliedData(s, 'n3')).toEqual(appliedData(s, 'n1'));
  });

  it('restarts a node from its own snapshot plus the log after it', () => {
    const s = new Scenario({ compactEveryEntries: 8 });
    s.elect('n1');
    proposeMany(s, 'n1', 20);
    const before = appliedData(s, 'n2');
    const snapshotIndex = s.host('n2').snapshotIndex;
    expect(snapshotIndex).toBeGreaterThan(0);
    s.crash('n2');
    s.restart('n2');
    expect(s.node('n2').appliedIndex).toBeGreaterThanOrEqual(snapshotIndex);
    s.tickAll(3);
    s.stabilize();
    expect(appliedData(s, 'n2')).toEqual(before);
  });

  it('only commits when the follower already holds the snapshot’s last entry', () => {
    const node = new RaftNode(makeRaftConfig({ id: 'n2', peers: ['n1', 'n2', 'n3'], rng: new Rng(1) }), disk([1, 1, 1, 1, 1], { term: 1 }));
    node.step({ type: 'raft_snapshot', from: 'n1', to: 'n2', term: 1, snapshotIndex: 4, snapshotTerm: 1, offset: 0, data: 'S', done: true });
    const rd = node.ready();
    expect(rd.snapshot).toBeUndefined();
    expect(node.commitIndex).toBe(4);
    expect(rd.messages).toEqual([{ type: 'raft_append_resp', from: 'n2', to: 'n1', term: 1, reject: false, index: 4, hintIndex: 0, hintTerm: 0 }]);
    node.advance(rd);
  });

  it('installs a snapshot over a log that disagrees, and asks for chunks in order', () => {
    const storage = disk([1, 1, 2, 2], { term: 3 });
    const node = new RaftNode(makeRaftConfig({ id: 'n2', peers: ['n1', 'n2', 'n3'], rng: new Rng(1) }), storage);
    const chunk = (offset: number, data: string, done: boolean) =>
      ({ type: 'raft_snapshot', from: 'n1', to: 'n2', term: 3, snapshotIndex: 6, snapshotTerm: 3, offset, data, done }) as const;
    node.step(chunk(3, 'def', false)); // out of order: asks for offset 0
    node.step(chunk(0, 'abc', false));
    node.step(chunk(3, 'de', true));
    const rd = node.ready();
    expect(rd.messages.map((m) => (m.type === 'raft_snapshot_resp' ? m.offset : m.type))).toEqual([0, 3, 'raft_append_resp']);
    expect(rd.snapshot).toEqual({ index: 6, term: 3, data: 'abcde' });
    expect(rd.hardState?.commit).toBe(6);
    expect(rd.committedEntries).toEqual([]);
    storage.applySnapshot(rd.snapshot as Snapshot);
    storage.save(rd.hardState, rd.entries);
    node.advance(rd);
    expect([node.firstIndex, node.lastIndex, node.appliedIndex, node.logTerm(6)]).toEqual([7, 6, 6, 3]);
    expect(node.hasReady()).toBe(false);
    expect(new MemoryStorage().snapshot()).toBeUndefined();
  });
});
