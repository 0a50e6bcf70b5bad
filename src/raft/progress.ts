// The leader's view of each follower (etcd's tracker): how far its log is known to match
// (match), what to send next (next), and the flow-control state. Invariants: next > match >= 0,
// so backtracking can never "roll back to index 0" below what the follower acknowledged; in
// probe state at most one append is in flight; in replicate state at most maxInflightAppends.

import { assert } from '../base/assert.js';
import type { LeaseAsk } from './messages.js';

/** A bounded FIFO of the last index of each append in flight, freed by acknowledgements. */
export class Inflights {
  private readonly buffer: number[];
  private start = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    assert(capacity >= 1, 'inflights: capacity must be positive');
    this.buffer = new Array<number>(capacity).fill(0);
  }

  get count(): number {
    return this.size;
  }

  full(): boolean {
    return this.size === this.capacity;
  }

  add(lastIndex: number): void {
    assert(!this.full(), 'inflights: add while full');
    this.buffer[(this.start + this.size) % this.capacity] = lastIndex;
    this.size++;
  }

  /** Frees every append whose last index is at most `index` (they are acknowledged). */
  freeLE(index: number): void {
    while (this.size > 0 && (this.buffer[this.start] as number) <= index) {
      this.start = (this.start + 1) % this.capacity;
      this.size--;
    }
  }

  reset(): void {
    this.start = 0;
    this.size = 0;
  }
}

/**
 * probe: the follower's match point is unknown; send one append and wait for its answer.
 * replicate: the follower is in sync; pipeline appends, advancing `next` optimistically.
 * snapshot: the follower needs entries we compacted away; send our snapshot, one chunk in
 * flight at a time (probeSent doubles as "a chunk is outstanding"), then replicate after it.
 */
export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** Probe state: an append is outstanding, send nothing more until a response arrives. */
  probeSent = false;
  /** Heard from since the last check-quorum period (§6.2). */
  recentActive = false;
  /** The highest commit index this follower can have learned from what we sent. */
  sentCommit = 0;
  /** Replicate state: ticks since match last moved while appends were outstanding. */
  stalledTicks = 0;
  readonly inflights: Inflights;
  /** Snapshot state: the index of the snapshot being sent, and how much the follower holds. */
  pendingSnapshot = 0;
  /** Follower leases: the follower's latest ask, granted with the next heartbeat. */
  leaseAsk: LeaseAsk | undefined;
  /** Follower leases: until this leader tick the follower may hold a lease we granted. */
  leaseHeldUntil = 0;
  snapshotOffset = 0;

  constructor(next: number, maxInflight: number) {
    assert(next >= 1, 'progress: next must be at least 1');
    this.next = next;
    this.inflights = new Inflights(maxInflight);
  }

  becomeProbe(): void {
    this.restartAs('probe');
  }

  becomeReplicate(): void {
    this.restartAs('replicate');
  }

  /** Sending starts again right after what the follower is known to hold. */
  private restartAs(state: 'probe' | 'replicate'): void {
    this.state = state;
    this.probeSent = false;
    this.stalledTicks = 0;
    this.inflights.reset();
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.state = 'snapshot';
    this.probeSent = false;
    this.stalledTicks = 0;
    this.inflights.reset();
    this.pendingSnapshot = snapshotIndex;
    this.snapshotOffset = 0;
  }

  isPaused(): boolean {
    return this.state === 'replicate' ? this.inflights.full() : this.probeSent;
  }

  /** An append covering up to `lastIndex` went out (replicate: pipelined; probe: now wait). */
  sentEntries(lastIndex: number, entryCount: number): void {
    if (this.state === 'replicate') {
      if (entryCount > 0) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex);
      }
    } else {
      this.probeSent = true;
    }
  }

  /** A success response for `index`. Returns false when stale (nothing new acknowledged). */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      this.probeSent = false;
      this.stalledTicks = 0;
      updated = true;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /**
   * A rejection of the append whose prevIndex was `rejected`, with the follower's hint
   * `matchHint` (already refined against our log). Returns false when stale: in replicate
   * state anything at or below match; in probe state anything but the probe just sent.
   * `next` never goes below match + 1.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    // While a snapshot is on its way, rejections answer appends sent before it: stale.
    if (this.state === 'snapshot') return false;
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  describe(): string {
    const snapshot = this.state === 'snapshot' ? ` snap=${this.pendingSnapshot}@${this.snapshotOffset}` : '';
    return `${this.state}${snapshot} match=${this.match} next=${this.next} inflight=${this.inflights.count}${this.probeSent ? ' paused' : ''}`;
  }
}
