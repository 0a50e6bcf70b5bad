// Replay of one group's records over its snapshot: every record states the log it leaves, so
// replay from a newer base reproduces the node's log above it, stale records included; headers
// catch missing segments; logs the node could not have written are refused.
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/raft/index.js';
import type { GroupHeader } from '../../src/storage/records.js';
import { GroupReplay } from '../../src/storage/replay.js';
import { entry, range } from './helpers.js';

const header = (lastIndex: number, lastTerm: number, term = lastTerm): GroupHeader => ({ group: 0, term, vote: null, commit: 0, lastIndex, lastTerm });
const snap = (index: number, term: number, data = `s${index}`): Snapshot => ({ index, term, data });

function finish(replay: GroupReplay): { first: number; last: number; terms: number[]; snapshot: string | undefined; commit: number } {
  const result = replay.finish();
  if (!result.ok) throw new Error(result.error);
  const storage = result.value;
  return {
    first: storage.firstIndex(),
    last: storage.lastIndex(),
    terms: storage.entries(storage.firstIndex(), storage.lastIndex() + 1).map((e) => e.term),
    snapshot: storage.snapshot()?.data,
    commit: storage.initialState().commit,
  };
}

describe('GroupReplay', () => {
  it('replays truncations in order: a later entries record replaces the suffix', () => {
    const replay = new GroupReplay(0, undefined);
    expect(replay.appendEntries(range(1, 4, 1))).toBeUndefined();
    replay.setHardState({ term: 1, vote: 'a', commit: 2 });
    expect(replay.appendEntries([entry(3, 2, 'x')])).toBeUndefined();
    expect(replay.appendEntries([entry(4, 2, 'y'), entry(5, 2, 'z')])).toBeUndefined();
    replay.setHardState({ term: 2, vote: null, commit: 4 });
    expect(finish(replay)).toEqual({ first: 1, last: 5, terms: [1, 1, 2, 2, 2], snapshot: undefined, commit: 4 });
  });

  it('replays stale records older than its snapshot without a false term regression', () => {
    // Entries 4..8 of term 1 were replaced by 4..6 of term 2, then the log was snapshotted at 5:
    // the stale record, replayed first, must not survive above the snapshot.
    const replay = new GroupReplay(0, snap(5, 2));
    expect(replay.appendEntries(range(1, 8, 1))).toBeUndefined();
    expect(replay.appendEntries(range(4, 6, 2))).toBeUndefined();
    replay.setHardState({ term: 2, vote: null, commit: 5 });
    expect(finish(replay)).toEqual({ first: 6, last: 6, terms: [2], snapshot: 's5', commit: 5 });
    // A record wholly at or below the snapshot ends the log there, dropping what was above.
    const below = new GroupReplay(0, snap(5, 2));
    below.appendEntries(range(1, 8, 1));
    below.appendEntries(range(4, 5, 2));
    expect(finish(below)).toMatchObject({ first: 6, last: 5, terms: [] });
  });

  it('installs a snapshot: keeps the entries the node kept, replaces the rest', () => {
    const kept = new GroupReplay(0, undefined);
    kept.appendEntries(range(1, 6, 1));
    expect(kept.installSnapshot(snap(3, 1, 'leader'), 6)).toBeUndefined();
    expect(finish(kept)).toEqual({ first: 4, last: 6, terms: [1, 1, 1], snapshot: 'leader', commit: 3 });
    const replaced = new GroupReplay(0, undefined);
    replaced.appendEntries(range(1, 6, 1));
    expect(replaced.installSnapshot(snap(8, 3, 'far'), 8)).toBeUndefined();
    expect(finish(replaced)).toEqual({ first: 9, last: 8, terms: [], snapshot: 'far', commit: 8 });
    // Older than the base (its file was written since): only the log end it left counts.
    const older = new GroupReplay(0, snap(5, 1));
    older.appendEntries(range(1, 9, 1));
    expect(older.installSnapshot(snap(4, 1), 7)).toBeUndefined();
    expect(finish(older)).toMatchObject({ first: 6, last: 7, snapshot: 's5' });
    // A record claiming to keep entries the log does not have, or disagreeing with the log.
    expect(new GroupReplay(0, undefined).installSnapshot(snap(3, 1), 5)).toMatch(/beyond its end/);
    const disagree = new GroupReplay(0, undefined);
    disagree.appendEntries(range(1, 6, 1));
    expect(disagree.installSnapshot(snap(3, 2), 6)).toMatch(/has term 1 there/);
  });

  it('checks segment headers against the replay, so a missing segment is an error', () => {
    const ok = new GroupReplay(0, undefined);
    ok.appendEntries(range(1, 4, 1));
    expect(ok.checkHeader(header(4, 1, 3))).toBeUndefined();
    expect(finish(ok)).toMatchObject({ last: 4 });
    const missing = new GroupReplay(0, snap(2, 1));
    expect(missing.checkHeader(header(6, 1))).toMatch(/snapshot covers only up to 2 and no earlier segment holds the entries between/);
    const differs = new GroupReplay(0, undefined);
    differs.appendEntries(range(1, 4, 1));
    expect(differs.checkHeader(header(4, 2))).toMatch(/ending at 4 \(term 2\), but the records before it end at 4 \(term 1\)/);
    // At or below the base: nothing may be above it.
    const covered = new GroupReplay(0, snap(6, 1));
    expect(covered.checkHeader(header(5, 1))).toBeUndefined();
    covered.appendEntries(range(7, 8, 1));
    expect(covered.checkHeader(header(5, 1))).toMatch(/at or below the snapshot at 6/);
    // The header's hard state supersedes what came before.
    const state = new GroupReplay(0, undefined);
    state.setHardState({ term: 1, vote: 'a', commit: 0 });
    expect(state.checkHeader({ group: 0, term: 4, vote: 'b', commit: 0, lastIndex: 0, lastTerm: 0 })).toBeUndefined();
    const result = state.finish();
    expect(result.ok && result.value.initialState()).toEqual({ term: 4, vote: 'b', commit: 0 });
    expect(result.ok).toBe(true);
  });

  it('refuses logs the node could not have written', () => {
    const gap = new GroupReplay(0, undefined);
    expect(gap.appendEntries([entry(3, 1)])).toMatch(/gap after 0/);
    const commit = new GroupReplay(0, undefined);
    commit.appendEntries([entry(1, 1)]);
    commit.setHardState({ term: 1, vote: null, commit: 2 });
    expect(commit.finish()).toMatchObject({ ok: false, error: expect.stringMatching(/commit 2 beyond the last entry 1/) });
    const regress = new GroupReplay(0, undefined);
    regress.appendEntries([entry(1, 2), entry(2, 1)]);
    expect(regress.finish()).toMatchObject({ ok: false, error: expect.stringMatching(/invariant/) });
  });
});
