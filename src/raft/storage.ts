// What a node has made durable: hard state, the latest snapshot and the log after it. The core
// reads it (on restart and for entries no longer in its unstable tail); the application writes
// it while handling a Ready and compacts it after taking a snapshot. Invariants: indexes are
// contiguous, terms never decrease along the log, and the log starts right after the snapshot
// point (index 0, term 0 when there is no snapshot). MemoryStorage is pure: the log and state a
// group's storage slice keeps in memory (src/storage mirrors it into the node's WAL), and the
// whole storage of the tests and simulators of the core.

import { assert } from '../base/assert.js';
import { EMPTY_HARD_STATE, type Entry, type HardState, type Snapshot } from './types.js';

export interface Storage {
  initialState(): HardState;
  /** Index of the first entry still held (snapshot index + 1). */
  firstIndex(): number;
  lastIndex(): number;
  /** Term at `index` for index in [firstIndex - 1, lastIndex]; undefined outside. */
  term(index: number): number | undefined;
  /** Entries [lo, hi), lo >= firstIndex, hi <= lastIndex + 1. */
  entries(lo: number, hi: number): readonly Entry[];
  /** The latest snapshot (what a leader ships to a follower behind firstIndex), if any. */
  snapshot(): Snapshot | undefined;
}

export interface LogPosition {
  readonly index: number;
  readonly term: number;
}

export interface StorageContents {
  readonly hardState?: HardState;
  readonly snapshot?: Snapshot;
  readonly entries?: readonly Entry[];
}

export class MemoryStorage implements Storage {
  private hardState: HardState;
  /** The snapshot point: the entry before log[0] (the empty log's sentinel 0/0 without one). */
  private snapshotIndex = 0;
  private snapshotTerm = 0;
  private snapshotData: string | undefined;
  private log: Entry[] = [];

  constructor(contents: StorageContents = {}) {
    this.hardState = contents.hardState ?? EMPTY_HARD_STATE;
    if (contents.snapshot !== undefined) this.applySnapshot(contents.snapshot);
    if (contents.entries !== undefined && contents.entries.length > 0) this.append(contents.entries);
    assert(this.hardState.commit <= this.lastIndex(), () => `storage: commit ${this.hardState.commit} beyond last index ${this.lastIndex()}`);
  }

  initialState(): HardState {
    return this.hardState;
  }

  firstIndex(): number {
    return this.snapshotIndex + 1;
  }

  lastIndex(): number {
    return this.snapshotIndex + this.log.length;
  }

  term(index: number): number | undefined {
    if (index === this.snapshotIndex) return this.snapshotTerm;
    if (index < this.snapshotIndex) return undefined;
    return this.log[index - this.snapshotIndex - 1]?.term;
  }

  entries(lo: number, hi: number): readonly Entry[] {
    assert(
      lo >= this.firstIndex() && hi <= this.lastIndex() + 1 && lo <= hi,
      () => `storage: entries [${lo}, ${hi}) outside [${this.firstIndex()}, ${this.lastIndex() + 1})`,
    );
    return this.log.slice(lo - this.snapshotIndex - 1, hi - this.snapshotIndex - 1);
  }

  snapshot(): Snapshot | undefined {
    return this.snapshotData === undefined ? undefined : { index: this.snapshotIndex, term: this.snapshotTerm, data: this.snapshotData };
  }

  /** Entries stored after the snapshot point (what a rewritten WAL must hold). */
  allEntries(): readonly Entry[] {
    return this.log;
  }

  /** Records one Ready: entries first, then the hard state whose commit may refer to them. */
  save(hardState: HardState | undefined, entries: readonly Entry[]): void {
    this.append(entries);
    if (hardState !== undefined) this.setHardState(hardState);
    assert(this.hardState.commit <= this.lastIndex(), () => `storage: commit ${this.hardState.commit} beyond last index ${this.lastIndex()}`);
  }

  /** Memory is as durable as it gets: everything recorded. */
  durablePoint(): LogPosition {
    const index = this.lastIndex();
    return { index, term: this.term(index) as number };
  }

  setHardState(hardState: HardState): void {
    assert(hardState.term >= this.hardState.term, () => `storage: term went back from ${this.hardState.term} to ${hardState.term}`);
    if (hardState.term === this.hardState.term && this.hardState.vote !== null) {
      assert(
        hardState.vote === this.hardState.vote,
        () => `storage: second vote in term ${hardState.term}: ${this.hardState.vote} then ${String(hardState.vote)}`,
      );
    }
    // A commit index is never lost by a snapshot: everything it covers is committed.
    this.hardState = { ...hardState, commit: Math.max(hardState.commit, this.snapshotIndex) };
  }

  /**
   * Appends entries, first dropping any stored suffix from entries[0].index on (the core only
   * ever overwrites uncommitted entries that conflict with the leader's log). Entries at or
   * below the snapshot point are skipped: they are committed, so they equal what it covers
   * (this happens when a WAL written before a compaction is replayed over its snapshot).
   */
  append(entries: readonly Entry[]): void {
    const skip = Math.max(0, this.snapshotIndex + 1 - (entries[0]?.index ?? 0));
    const fresh = skip === 0 ? entries : entries.slice(skip);
    const first = fresh[0];
    if (first === undefined) return;
    assert(first.index > this.snapshotIndex, () => `storage: append at ${first.index} at or below the snapshot ${this.snapshotIndex}`);
    assert(first.index <= this.lastIndex() + 1, () => `storage: append at ${first.index} leaves a gap after ${this.lastIndex()}`);
    this.log.length = first.index - this.snapshotIndex - 1;
    let prevTerm = this.term(first.index - 1) ?? 0;
    for (const entry of fresh) {
      assert(entry.index === this.lastIndex() + 1, () => `storage: entries not contiguous at ${entry.index}`);
      assert(entry.term >= prevTerm, () => `storage: term goes back at ${entry.index}: ${prevTerm} then ${entry.term}`);
      this.log.push(entry);
      prevTerm = entry.term;
    }
  }

  applySnapshot(snapshot: Snapshot): void {
    assert(snapshot.index >= this.snapshotIndex, () => `storage: snapshot at ${snapshot.index} is older than ours at ${this.snapshotIndex}`);
    // Keep the entries after the snapshot only if our log agrees with it at its index.
    const keep = this.term(snapshot.index) === snapshot.term ? this.log.slice(snapshot.index - this.snapshotIndex) : [];
    this.log = keep;
    this.snapshotIndex = snapshot.index;
    this.snapshotTerm = snapshot.term;
    this.snapshotData = snapshot.data;
    this.hardState = { ...this.hardState, commit: Math.max(this.hardState.commit, snapshot.index) };
  }

  compact(index: number, data: string): void {
    assert(index > this.snapshotIndex && index <= this.lastIndex(), () => `storage: compact to ${index} outside (${this.snapshotIndex}, ${this.lastIndex()}]`);
    assert(index <= this.hardState.commit, () => `storage: compact to ${index} beyond the commit index ${this.hardState.commit}`);
    const term = this.term(index) as number;
    this.log = this.log.slice(index - this.snapshotIndex);
    this.snapshotIndex = index;
    this.snapshotTerm = term;
    this.snapshotData = data;
  }
}
