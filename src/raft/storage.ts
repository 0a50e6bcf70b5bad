// What a node has made durable: hard state and the stable part of its log. The core reads it
// (on restart and for entries no longer in its unstable tail); the application writes it while
// handling a Ready. Invariants: indexes are contiguous, terms never decrease along the log, and
// the log starts right after the snapshot point (index 0, term 0 until snapshots exist).
//
// Extension point for durability: a write-ahead log on disk replays into a MemoryStorage at
// start-up (hard state, then appends in order); snapshots add applySnapshot()/compact() here,
// and the core's sendAppend gains an InstallSnapshot path for followers behind firstIndex.

import { assert } from '../base/assert.js';
import { EMPTY_HARD_STATE, type Entry, type HardState } from './types.js';

export interface Storage {
  initialState(): HardState;
  /** Index of the first entry still held (snapshot index + 1). */
  firstIndex(): number;
  lastIndex(): number;
  /** Term at `index` for index in [firstIndex - 1, lastIndex]; undefined outside. */
  term(index: number): number | undefined;
  /** Entries [lo, hi), lo >= firstIndex, hi <= lastIndex + 1. */
  entries(lo: number, hi: number): readonly Entry[];
}

export interface StorageContents {
  readonly hardState?: HardState;
  readonly entries?: readonly Entry[];
}

export class MemoryStorage implements Storage {
  private hardState: HardState;
  /** The snapshot point: the entry before entries[0] (the empty log's sentinel for now). */
  private readonly snapshotIndex = 0;
  private readonly snapshotTerm = 0;
  private log: Entry[] = [];

  constructor(contents: StorageContents = {}) {
    this.hardState = contents.hardState ?? EMPTY_HARD_STATE;
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
    return this.log[index - this.snapshotIndex - 1]?.term;
  }

  entries(lo: number, hi: number): readonly Entry[] {
    assert(lo >= this.firstIndex() && hi <= this.lastIndex() + 1 && lo <= hi, () => `storage: entries [${lo}, ${hi}) outside [${this.firstIndex()}, ${this.lastIndex() + 1})`);
    return this.log.slice(lo - this.snapshotIndex - 1, hi - this.snapshotIndex - 1);
  }

  /**
   * Makes one Ready durable: entries first, then the hard state whose commit may refer to them.
   * (A disk-backed storage writes both in one WAL record and syncs once.)
   */
  save(hardState: HardState | undefined, entries: readonly Entry[]): void {
    this.append(entries);
    if (hardState !== undefined) this.setHardState(hardState);
    assert(this.hardState.commit <= this.lastIndex(), () => `storage: commit ${this.hardState.commit} beyond last index ${this.lastIndex()}`);
  }

  setHardState(hardState: HardState): void {
    assert(hardState.term >= this.hardState.term, () => `storage: term went back from ${this.hardState.term} to ${hardState.term}`);
    if (hardState.term === this.hardState.term && this.hardState.vote !== null) {
      assert(hardState.vote === this.hardState.vote, () => `storage: second vote in term ${hardState.term}: ${this.hardState.vote} then ${String(hardState.vote)}`);
    }
    this.hardState = hardState;
  }

  /**
   * Appends entries, first dropping any stored suffix from entries[0].index on (the core only
   * ever overwrites uncommitted entries that conflict with the leader's log).
   */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    assert(first.index > this.snapshotIndex, () => `storage: append at ${first.index} at or below the snapshot ${this.snapshotIndex}`);
    assert(first.index <= this.lastIndex() + 1, () => `storage: append at ${first.index} leaves a gap after ${this.lastIndex()}`);
    this.log.length = first.index - this.snapshotIndex - 1;
    let prevTerm = this.term(first.index - 1) ?? 0;
    for (const entry of entries) {
      assert(entry.index === this.lastIndex() + 1, () => `storage: entries not contiguous at ${entry.index}`);
      assert(entry.term >= prevTerm, () => `storage: term goes back at ${entry.index}: ${prevTerm} then ${entry.term}`);
      this.log.push(entry);
      prevTerm = entry.term;
    }
  }
}
