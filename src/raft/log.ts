// RaftLog: the node's view of its log, a stable prefix in Storage plus an unstable tail that the
// application has not yet persisted, with the commit and applied cursors. Invariants (asserted):
// indexes contiguous, terms non-decreasing, applied <= committed <= lastIndex, committed never
// decreases, and no entry at or below committed is ever overwritten (thesis §3.6.3).

import { assert } from '../base/assert.js';
import type { Storage } from './storage.js';
import type { Entry, Snapshot } from './types.js';

/**
 * Entries not yet handed to storage, starting at `offset`. They may overwrite a stored suffix:
 * reads at or above `offset` come from here first.
 */
class Unstable {
  entries: Entry[] = [];
  /** A snapshot received from the leader that storage does not hold yet; entries follow it. */
  snapshot: Snapshot | undefined;
  constructor(public offset: number) {}

  restore(snapshot: Snapshot): void {
    this.snapshot = snapshot;
    this.offset = snapshot.index + 1;
    this.entries = [];
  }

  lastIndex(): number | undefined {
    return this.entries.length === 0 ? undefined : this.offset + this.entries.length - 1;
  }

  term(index: number): number | undefined {
    if (index < this.offset) return undefined;
    return this.entries[index - this.offset]?.term;
  }

  /** Entries [lo, hi) where lo >= offset. */
  slice(lo: number, hi: number): Entry[] {
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }

  truncateAndAppend(entries: readonly Entry[]): void {
    const after = (entries[0] as Entry).index;
    if (after === this.offset + this.entries.length) {
      this.entries.push(...entries);
    } else if (after <= this.offset) {
      // Replaces the whole unstable tail (and, once persisted, a suffix of storage).
      this.offset = after;
      this.entries = entries.slice();
    } else {
      this.entries = this.entries.slice(0, after - this.offset).concat(entries);
    }
  }

  /** Storage now holds everything up to `index` (if it still has that term: a later conflict may have replaced it). */
  stableTo(index: number, term: number): void {
    if (this.term(index) !== term) return;
    this.entries = this.entries.slice(index + 1 - this.offset);
    this.offset = index + 1;
  }
}

export class RaftLog {
  private readonly unstable: Unstable;
  /** Highest index known to be committed. */
  committed: number;
  /** Highest index handed to the application in Ready.committedEntries. */
  applied: number;

  constructor(
    private readonly storage: Storage,
    committed: number,
    applied: number,
  ) {
    this.unstable = new Unstable(storage.lastIndex() + 1);
    this.committed = committed;
    this.applied = Math.max(applied, storage.firstIndex() - 1);
    assert(committed <= this.lastIndex(), () => `log: commit ${committed} beyond last index ${this.lastIndex()}`);
    assert(this.applied <= committed, () => `log: applied ${this.applied} beyond commit ${committed}`);
  }

  firstIndex(): number {
    const pending = this.unstable.snapshot;
    return pending === undefined ? this.storage.firstIndex() : pending.index + 1;
  }

  lastIndex(): number {
    return this.unstable.lastIndex() ?? this.unstable.snapshot?.index ?? this.storage.lastIndex();
  }

  lastTerm(): number {
    const term = this.term(this.lastIndex());
    assert(term !== undefined, 'log: no term for the last index');
    return term;
  }

  /** Term of the entry at `index`, or undefined when compacted away or beyond the end. */
  term(index: number): number | undefined {
    if (index < this.firstIndex() - 1 || index > this.lastIndex()) return undefined;
    const pending = this.unstable.snapshot;
    if (pending !== undefined && index === pending.index) return pending.term;
    return this.unstable.term(index) ?? this.storage.term(index);
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** §3.6.1: a candidate's log is at least as up to date as ours (last term first, then length). */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /** Entries [lo, hi). lo must be at least firstIndex (compaction would need a snapshot). */
  slice(lo: number, hi: number): Entry[] {
    assert(
      lo >= this.firstIndex() && lo <= hi && hi <= this.lastIndex() + 1,
      () => `log: slice [${lo}, ${hi}) outside [${this.firstIndex()}, ${this.lastIndex() + 1})`,
    );
    if (lo === hi) return [];
    const offset = this.unstable.offset;
    if (hi <= offset) return this.storage.entries(lo, hi).slice();
    if (lo >= offset) return this.unstable.slice(lo, hi);
    return this.storage.entries(lo, offset).concat(this.unstable.slice(offset, hi));
  }

  /** Up to `maxCount` entries starting at `lo` (empty when lo is past the end). */
  entriesFrom(lo: number, maxCount: number): Entry[] {
    const hi = Math.min(this.lastIndex() + 1, lo + maxCount);
    return lo >= hi ? [] : this.slice(lo, hi);
  }

  /** Appends entries that follow our log or replace an uncommitted suffix; returns the new last index. */
  append(entries: readonly Entry[]): number {
    const first = entries[0];
    if (first === undefined) return this.lastIndex();
    assert(first.index > this.committed, () => `log: append at ${first.index} would overwrite committed entries (commit ${this.committed})`);
    assert(first.index <= this.lastIndex() + 1, () => `log: append at ${first.index} leaves a gap after ${this.lastIndex()}`);
    let prevTerm = this.term(first.index - 1);
    assert(prevTerm !== undefined, () => `log: no term at ${first.index - 1} to append after`);
    for (const [position, entry] of entries.entries()) {
      assert(entry.index === first.index + position, () => `log: entries not contiguous at ${entry.index}`);
      assert(entry.term >= prevTerm, () => `log: terms go back at ${entry.index}: ${prevTerm} then ${entry.term}`);
      prevTerm = entry.term;
    }
    this.unstable.truncateAndAppend(entries);
    return this.lastIndex();
  }

  /**
   * The follower side of AppendEntries (§3.5): if our log holds (prevIndex, prevTerm), append
   * the entries not already present, keeping any of ours that agree (a reordered, shorter
   * append must not truncate entries a later one added), and commit up to what the leader's
   * message proves we hold. Returns the last index the message covers, or undefined on mismatch.
   */
  maybeAppend(prevIndex: number, prevTerm: number, leaderCommit: number, entries: readonly Entry[]): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNewIndex = prevIndex + entries.length;
    const conflict = this.findConflict(entries);
    if (conflict !== undefined) {
      assert(conflict > this.committed, () => `log: entry ${conflict} conflicts with the leader but is committed (commit ${this.committed})`);
      this.append(entries.slice(conflict - (prevIndex + 1)));
    }
    this.commitTo(Math.min(leaderCommit, lastNewIndex));
    return lastNewIndex;
  }

  /** The first entry that is new to us or disagrees with ours, or undefined when all are present. */
  private findConflict(entries: readonly Entry[]): number | undefined {
    for (const entry of entries) {
      if (!this.matchTerm(entry.index, entry.term)) return entry.index;
    }
    return undefined;
  }

  /**
   * The last index at or below `index` whose term is at most `term`, with that term: where our
   * log and one whose entry at `index` has term `term` may agree. Both sides of fast
   * backtracking use it (one round trip per term, not per entry). Term 0 means unknown
   * (compacted), and then the caller probes at the returned index.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (let i = index; i > 0; i--) {
      const ours = this.term(i);
      if (ours === undefined) return { index: i, term: 0 };
      if (ours <= term) return { index: i, term: ours };
    }
    return { index: 0, term: 0 };
  }

  /** Raises the commit index (never lowers it: a stale leader message may carry an older one). */
  commitTo(index: number): void {
    if (index <= this.committed) return;
    assert(index <= this.lastIndex(), () => `log: commit ${index} beyond last index ${this.lastIndex()}: was the log lost or truncated?`);
    this.committed = index;
  }

  /**
   * Leader commit rule (§3.6.2, Figure 8): an index replicated on a majority commits only if its
   * entry is from the current term; earlier entries then commit with it.
   */
  maybeCommit(quorumIndex: number, currentTerm: number): boolean {
    if (quorumIndex > this.committed && this.term(quorumIndex) === currentTerm) {
      this.commitTo(quorumIndex);
      return true;
    }
    return false;
  }

  /**
   * Jumps the log to a snapshot from the leader (§5.3): everything we hold is replaced, and the
   * snapshot counts as committed and applied (the application applies it before any entry of
   * the Ready that carries it). Only for a snapshot past our commit index whose last entry we
   * do not hold; when we hold it, committing up to it is enough.
   */
  restore(snapshot: Snapshot): void {
    assert(snapshot.index > this.committed, () => `log: restoring a snapshot at ${snapshot.index} at or below commit ${this.committed}`);
    this.unstable.restore(snapshot);
    this.committed = snapshot.index;
    this.applied = snapshot.index;
  }

  pendingSnapshot(): Snapshot | undefined {
    return this.unstable.snapshot;
  }

  /** Storage now holds the pending snapshot (the application persisted it). */
  snapshotStable(snapshot: Snapshot): void {
    if (this.unstable.snapshot === snapshot) this.unstable.snapshot = undefined;
  }

  appliedTo(index: number): void {
    assert(index >= this.applied && index <= this.committed, () => `log: applied ${index} outside [${this.applied}, ${this.committed}]`);
    this.applied = index;
  }

  hasUnstableEntries(): boolean {
    return this.unstable.entries.length > 0;
  }

  unstableEntries(): readonly Entry[] {
    return this.unstable.entries.slice();
  }

  stableTo(index: number, term: number): void {
    this.unstable.stableTo(index, term);
  }

  hasCommittedToApply(): boolean {
    return this.committed > this.applied;
  }

  /** Committed entries the application has not been given yet, at most maxCount. */
  committedToApply(maxCount: number): Entry[] {
    return this.committed > this.applied ? this.slice(this.applied + 1, Math.min(this.committed, this.applied + maxCount) + 1) : [];
  }
}
