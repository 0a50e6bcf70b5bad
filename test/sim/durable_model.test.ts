// The simulator's model of what a crash keeps (src/sim/durable_model.ts), on hand-made turns:
// writes become durable only when the store reports their generation synced, a recovery that
// lost durable entries, a durable term or a durable vote is reported, and one that kept more than
// was durable (unsynced writes that reached the disk after all, even replacing durable entries
// from where they began) is not. Then the per-seed storage setup the simulator draws.

import { describe, expect, it } from 'vitest';
import { MemoryStorage, type Entry, type HardState, type Ready } from '../../src/raft/index.js';
import { DurableLogModel } from '../../src/sim/durable_model.js';
import { runSimulation, storageForSeed } from '../../src/sim/simulator.js';

const entries = (first: number, terms: readonly number[]): Entry[] => terms.map((term, i) => ({ index: first + i, term, kind: 'normal', data: null }));

function ready(fields: { hardState?: HardState; entries?: Entry[] }): Ready {
  return {
    ...(fields.hardState === undefined ? {} : { hardState: fields.hardState }),
    entries: fields.entries ?? [],
    committedEntries: [],
    messages: [],
    readStates: [],
    droppedReads: [],
  };
}

function storage(terms: readonly number[], hardState: HardState): MemoryStorage {
  return new MemoryStorage({ hardState, entries: entries(1, terms) });
}

/** A model whose durable log is entries 1..3 of term 1, term 1 and a vote for n1. */
function durableModel(): DurableLogModel {
  const model = new DurableLogModel();
  model.onReady(ready({ hardState: { term: 1, vote: 'n1', commit: 0 }, entries: entries(1, [1, 1, 1]) }));
  expect(model.wroteThisTurn).toBe(true);
  model.endTurn(1);
  expect(model.holds(3, 1)).toBe(false); // written, not yet synced
  model.durableThrough(1);
  expect(model.holds(3, 1)).toBe(true);
  return model;
}

describe('the durable model', () => {
  it('counts a turn durable only once the store reports its generation synced', () => {
    const model = durableModel();
    model.onReady(ready({ entries: entries(4, [1, 1]) }));
    model.endTurn(2);
    model.durableThrough(1);
    expect([model.holds(3, 1), model.holds(4, 1)]).toEqual([true, false]);
    model.durableThrough(2);
    expect([model.holds(4, 1), model.holds(5, 1), model.holds(5, 2), model.holds(6, 1)]).toEqual([true, true, false, false]);
  });

  it('does not count a Ready that moved only the commit index as a write', () => {
    const model = durableModel();
    model.onReady(ready({ hardState: { term: 1, vote: 'n1', commit: 3 } }));
    expect(model.wroteThisTurn).toBe(false);
  });

  it('reports a recovery that lost a durable entry, term or vote', () => {
    const hard = { term: 1, vote: 'n1', commit: 0 };
    expect(durableModel().recovered(storage([1, 1], hard))).toMatch(/recovered the log to 2, but it was durable to 3/);
    expect(durableModel().recovered(storage([1, 1, 2], hard))).toMatch(/recovered term 2 at 3, but term 1 was durable there/);
    expect(durableModel().recovered(storage([1, 1, 1], { term: 0, vote: null, commit: 0 }))).toMatch(/recovered term 0, but term 1 was durable/);
    expect(durableModel().recovered(storage([1, 1, 1], { term: 1, vote: 'n2', commit: 0 }))).toMatch(
      /recovered vote n2 in term 1, but the vote for n1 was durable/,
    );
  });

  it('accepts a recovery that kept unsynced writes, even ones that replaced durable entries', () => {
    expect(durableModel().recovered(storage([1, 1, 1, 1], { term: 2, vote: null, commit: 0 }))).toBeUndefined();
    const model = durableModel();
    // A new leader's entries from index 2 on, written but not synced when the node crashed.
    model.onReady(ready({ hardState: { term: 2, vote: null, commit: 0 }, entries: entries(2, [2]) }));
    model.endTurn(2);
    expect(model.recovered(storage([1, 2], { term: 2, vote: null, commit: 0 }))).toBeUndefined();
    // The model starts again from what was recovered, all of it durable now.
    expect([model.holds(2, 2), model.holds(3, 1)]).toEqual([true, false]);
  });
});

describe('the storage setup each seed draws', () => {
  it('uses small WAL segments, snapshots often on half the seeds, and varies how much a crash keeps', () => {
    const setups = Array.from({ length: 400 }, (_, i) => storageForSeed(i + 1));
    for (const setup of setups) expect(setup.segmentBytes).toBeGreaterThanOrEqual(1024);
    for (const setup of setups) expect(setup.segmentBytes).toBeLessThanOrEqual(65536);
    const often = setups.filter((setup) => setup.snapshotEveryEntries <= 60).length;
    expect(often).toBeGreaterThan(150);
    expect(often).toBeLessThan(250);
    expect(new Set(setups.map((setup) => setup.keepUnsyncedChance)).size).toBeGreaterThan(2);
  });

  it('makes a short run write snapshot files, delete WAL segments and install snapshots from the leader', () => {
    const result = runSimulation({ seed: 400007, profile: 'crashes' });
    expect(result.failure).toBeUndefined();
    expect(result.storage.snapshotEveryEntries).toBeLessThanOrEqual(60);
    expect(result.stats.snapshotWrites).toBeGreaterThan(0);
    expect(result.stats.fileRemovals).toBeGreaterThan(0);
    expect(result.stats.snapshotsInstalled).toBeGreaterThan(0);
  });
});
