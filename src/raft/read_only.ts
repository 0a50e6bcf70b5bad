// Read-index bookkeeping (thesis §6.4). On the leader, ReadOnly queues reads with the commit
// index recorded at arrival and confirms them with numbered heartbeat rounds: a read is released
// once a majority acknowledged a round that started after it arrived. On a follower,
// ForwardedReads remembers reads sent to the leader until answered, dropped or timed out.
// Both are FIFO and bounded; rounds only grow over a node's lifetime, never reused.

import { assert } from '../base/assert.js';
import { majorityValue } from './quorum.js';
import type { NodeId } from './types.js';

export interface PendingRead {
  readonly ctx: number;
  /** The node that asked: this node for local reads, else the follower to answer. */
  readonly from: NodeId;
  /** The commit index to serve at; -1 until the leader has committed an entry of its term. */
  index: number;
  /** The heartbeat round confirming it; 0 until one starts. */
  round: number;
  readonly deadlineTick: number;
}

/** How many round start times to remember for the lease (older ones are not useful). */
const MAX_ROUND_TIMES = 64;

export class ReadOnly {
  /** Arrival order; rounds are non-decreasing along it, unassigned (0) reads form the tail. */
  private queue: PendingRead[] = [];
  private head = 0;
  private readonly keys = new Set<string>();
  private lastRound = 0;
  /** Latest round each voter acknowledged in the current term. */
  private readonly acked = new Map<NodeId, number>();
  /** Tick at which recent rounds started, oldest first (for the leader lease). */
  private readonly roundTicks = new Map<number, number>();
  private confirmedRoundTick: number | undefined;

  constructor(private readonly selfId: NodeId) {}

  get size(): number {
    return this.queue.length - this.head;
  }

  get round(): number {
    return this.lastRound;
  }

  has(from: NodeId, ctx: number): boolean {
    return this.keys.has(key(from, ctx));
  }

  add(read: PendingRead): void {
    assert(!this.has(read.from, read.ctx), () => `read-only: duplicate read ctx ${read.ctx} from ${read.from}`);
    this.keys.add(key(read.from, read.ctx));
    this.queue.push(read);
  }

  /** The leader has committed an entry of its term: reads waiting for that are pinned to `commit`. */
  fillIndex(commit: number): void {
    for (let i = this.head; i < this.queue.length; i++) {
      const read = this.queue[i] as PendingRead;
      if (read.index === -1) read.index = commit;
    }
  }

  /** Reads that have an index but no round yet: the next heartbeat round should go out now. */
  hasUnassigned(): boolean {
    const last = this.queue[this.queue.length - 1];
    return last !== undefined && this.size > 0 && last.round === 0 && last.index !== -1;
  }

  /** Starts a heartbeat round at `tick`; every read with an index and no round joins it. */
  startRound(tick: number): number {
    this.lastRound++;
    for (let i = this.queue.length - 1; i >= this.head; i--) {
      const read = this.queue[i] as PendingRead;
      if (read.round !== 0) break;
      if (read.index !== -1) read.round = this.lastRound;
    }
    this.acked.set(this.selfId, this.lastRound);
    this.roundTicks.set(this.lastRound, tick);
    if (this.roundTicks.size > MAX_ROUND_TIMES) {
      const oldest = this.roundTicks.keys().next().value as number;
      this.roundTicks.delete(oldest);
    }
    return this.lastRound;
  }

  recvAck(from: NodeId, round: number): void {
    // A response can only echo a round we sent in this term (older terms' responses are
    // dropped by the term check), so it never exceeds lastRound.
    if (round > (this.acked.get(from) ?? 0) && round <= this.lastRound) this.acked.set(from, round);
  }

  /** Removes and returns the reads whose round a majority of `voters` acknowledged. */
  release(voters: readonly NodeId[]): PendingRead[] {
    const confirmed = majorityValue(voters, (id) => this.acked.get(id) ?? 0);
    this.noteConfirmed(confirmed);
    const out: PendingRead[] = [];
    while (this.head < this.queue.length) {
      const read = this.queue[this.head] as PendingRead;
      if (read.round === 0 || read.round > confirmed) break;
      out.push(this.shift());
    }
    return out;
  }

  /** Removes and returns reads whose deadline has passed. */
  expire(tick: number): PendingRead[] {
    const out: PendingRead[] = [];
    while (this.head < this.queue.length && (this.queue[this.head] as PendingRead).deadlineTick <= tick) out.push(this.shift());
    return out;
  }

  /** Leadership changed: returns every pending read and forgets the term's acknowledgements. */
  clear(): PendingRead[] {
    const out = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    this.keys.clear();
    this.acked.clear();
    this.roundTicks.clear();
    this.confirmedRoundTick = undefined;
    return out;
  }

  /** Tick at which the latest majority-acknowledged round started, if any in this term. */
  leaseStartTick(): number | undefined {
    return this.confirmedRoundTick;
  }

  private noteConfirmed(round: number): void {
    const tick = this.roundTicks.get(round);
    if (tick === undefined) return;
    this.confirmedRoundTick = tick;
    for (const older of this.roundTicks.keys()) {
      if (older >= round) break;
      this.roundTicks.delete(older);
    }
  }

  private shift(): PendingRead {
    const read = this.queue[this.head] as PendingRead;
    this.head++;
    this.keys.delete(key(read.from, read.ctx));
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return read;
  }
}

function key(from: NodeId, ctx: number): string {
  return `${from}\u0000${ctx}`;
}

export interface ForwardedRead {
  readonly leader: NodeId;
  readonly deadlineTick: number;
}

/** A follower's reads in flight at the leader, by ctx, in send order (deadlines non-decreasing). */
export class ForwardedReads {
  private readonly reads = new Map<number, ForwardedRead>();

  get size(): number {
    return this.reads.size;
  }

  has(ctx: number): boolean {
    return this.reads.has(ctx);
  }

  add(ctx: number, read: ForwardedRead): void {
    assert(!this.reads.has(ctx), () => `forwarded reads: duplicate ctx ${ctx}`);
    this.reads.set(ctx, read);
  }

  /** Removes and returns the read if it was forwarded to `leader`. */
  take(ctx: number, leader: NodeId): ForwardedRead | undefined {
    const read = this.reads.get(ctx);
    if (read === undefined || read.leader !== leader) return undefined;
    this.reads.delete(ctx);
    return read;
  }

  expire(tick: number): number[] {
    const out: number[] = [];
    for (const [ctx, read] of this.reads) {
      if (read.deadlineTick > tick) break;
      out.push(ctx);
    }
    for (const ctx of out) this.reads.delete(ctx);
    return out;
  }

  clear(): number[] {
    const out = [...this.reads.keys()];
    this.reads.clear();
    return out;
  }
}
