// Rebuilds one Raft group's storage from its snapshot file and the WAL records that follow, in
// order. Every record states the log it leaves behind (entries: the log up to their first index,
// then them; an installed snapshot: the snapshot, then the log up to keptThrough), so replay
// from any base reproduces exactly what the node had above that base, even from records older
// than the base, which are kept until whole segments can go. Segment headers are checked against
// the replay, so a missing or damaged segment is an error, never a silently shorter log.

import { err, ok, type Result } from '../base/result.js';
import { EMPTY_HARD_STATE, MemoryStorage, type Entry, type HardState, type Snapshot } from '../raft/index.js';
import type { GroupHeader } from './records.js';
import type { GroupId } from './types.js';

export class GroupReplay {
  /** The snapshot point the replayed log continues from (0/0 without one). */
  private baseIndex = 0;
  private baseTerm = 0;
  private baseData: string | undefined;
  /** The log after the base, contiguous from baseIndex + 1. */
  private entries: Entry[] = [];
  private hardState: HardState = EMPTY_HARD_STATE;

  constructor(
    readonly group: GroupId,
    snapshot: Snapshot | undefined,
  ) {
    if (snapshot !== undefined) this.setBase(snapshot.index, snapshot.term, snapshot.data);
  }

  get snapshotIndex(): number {
    return this.baseIndex;
  }

  /** The log becomes its prefix up to entries[0].index - 1, then `entries`. */
  appendEntries(entries: readonly Entry[]): string | undefined {
    const first = (entries[0] as Entry).index;
    const last = first + entries.length - 1;
    if (last <= this.baseIndex) {
      // The log then ended at or below the base: nothing above the base survived that record.
      this.entries.length = 0;
      return undefined;
    }
    const from = Math.max(first, this.baseIndex + 1);
    if (from > this.lastIndex() + 1) return `entries from ${first} leave a gap after ${this.lastIndex()}`;
    this.entries.length = from - this.baseIndex - 1;
    for (let i = from - first; i < entries.length; i++) this.entries.push(entries[i] as Entry);
    return undefined;
  }

  /** A snapshot installed from the leader: the snapshot, then the log up to keptThrough. */
  installSnapshot(snapshot: Snapshot, keptThrough: number): string | undefined {
    if (keptThrough > Math.max(this.lastIndex(), snapshot.index))
      return `a snapshot at ${snapshot.index} keeps the log through ${keptThrough}, beyond its end at ${this.lastIndex()}`;
    if (snapshot.index <= this.baseIndex) {
      // Older than the base: only where it left the log's end matters.
      this.entries.length = Math.max(0, keptThrough - this.baseIndex);
      return undefined;
    }
    let kept: Entry[] = [];
    if (keptThrough > snapshot.index) {
      const term = this.term(snapshot.index);
      if (term !== snapshot.term)
        return `a snapshot at ${snapshot.index} (term ${snapshot.term}) keeps entries after it, but the log has term ${String(term)} there`;
      kept = this.entries.slice(snapshot.index - this.baseIndex, keptThrough - this.baseIndex);
    }
    this.setBase(snapshot.index, snapshot.term, snapshot.data);
    this.entries = kept;
    return undefined;
  }

  setHardState(hardState: HardState): void {
    this.hardState = hardState;
  }

  /** A segment header: its hard state supersedes, and its log end must be where replay stands. */
  checkHeader(header: GroupHeader): string | undefined {
    this.hardState = { term: header.term, vote: header.vote, commit: header.commit };
    if (header.lastIndex <= this.baseIndex) {
      if (this.entries.length === 0) return undefined;
      return `the segment begins with the log ending at ${header.lastIndex}, at or below the snapshot at ${this.baseIndex}, but the records before it reach ${this.lastIndex()}`;
    }
    const term = this.term(header.lastIndex);
    if (this.lastIndex() === header.lastIndex && term === header.lastTerm) return undefined;
    if (this.lastIndex() < header.lastIndex && this.entries.length === 0) {
      return `the segment continues the log from index ${header.lastIndex}, but the snapshot covers only up to ${this.baseIndex} and no earlier segment holds the entries between`;
    }
    return `the segment begins with the log ending at ${header.lastIndex} (term ${header.lastTerm}), but the records before it end at ${this.lastIndex()} (term ${String(this.term(this.lastIndex()))})`;
  }

  /** The group's storage as replayed; an error when it breaks an invariant of the log. */
  finish(): Result<MemoryStorage, string> {
    const commit = Math.max(this.hardState.commit, this.baseIndex);
    if (commit > this.lastIndex()) return err(`commit ${commit} beyond the last entry ${this.lastIndex()}`);
    const snapshot = this.baseIndex > 0 ? { index: this.baseIndex, term: this.baseTerm, data: this.baseData as string } : undefined;
    try {
      return ok(new MemoryStorage({ hardState: { ...this.hardState, commit }, entries: this.entries, ...(snapshot === undefined ? {} : { snapshot }) }));
    } catch (error) {
      // MemoryStorage asserts contiguous indexes and terms that never go back: a log breaking
      // one was not written by us, whatever its checksums say.
      return err(`the log breaks an invariant: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private setBase(index: number, term: number, data: string): void {
    this.baseIndex = index;
    this.baseTerm = term;
    this.baseData = data;
  }

  private lastIndex(): number {
    return this.baseIndex + this.entries.length;
  }

  private term(index: number): number | undefined {
    if (index === this.baseIndex) return this.baseTerm;
    return index < this.baseIndex ? undefined : this.entries[index - this.baseIndex - 1]?.term;
  }
}
