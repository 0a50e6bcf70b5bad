// How a group serves reads outside the log, one path per read mode behind one interface (see the
// README's "Read modes"). A read is a lin-kv read or a txn of reads only, served against the state
// as of one applied index. Every path ends in AppliedReads: a read with a confirmed read point
// waits there until the state machine has applied that far (and the client's min_index). The
// queues a path owns are bounded by the node's admission; each waiting read has a deadline.

import type { KvStateMachine } from '../kv/state_machine.js';
import type { ClientRequest } from '../protocol/lin_kv.js';
import type { RaftNode, Ready } from '../raft/index.js';
import { notProposed, type Respond } from './requests.js';

/** A read as its path sees it: `request` holds a read-only command (isReadOnlyCommand). */
export interface ReadRequest {
  readonly respond: Respond;
  /** Served once applied >= minIndex as well as the read point (read-your-writes). */
  readonly minIndex: number;
  readonly request: ClientRequest;
  /** False for a request forwarded to this node: it is never forwarded again (no loops). */
  readonly mayForward: boolean;
}

/** What a read path needs from its group and node. */
export interface ReadHost {
  readonly nodeId: string;
  readonly raft: RaftNode;
  readonly machine: KvStateMachine;
  now(): number;
  readonly forwardTimeoutTicks: number;
  readonly leaderWaitTicks: number;
  readonly stalenessBoundTicks: number;
  /**
   * The first read ctx of this incarnation of the node. Raft matches a read index answer by ctx,
   * and ctxs would otherwise restart at 1 after a restart: an answer to an earlier incarnation's
   * read, delayed in the network, would then be taken for a new read and serve it at an old
   * index (sim seed 14200, test/sim/follower_read_restart_regression.test.ts).
   */
  readonly firstReadCtx: number;
  /** The tick this node last heard from a leader (an append or a heartbeat). */
  lastLeaderContactTick(): number;
  /** Hands a read this node cannot serve to the node's forwarding (held until a leader is known). */
  forward(request: ClientRequest, respond: Respond, deadlineTick: number): void;
}

export interface ReadPath {
  /** Serves the read, now or later; false when only the leader can, and the read may be forwarded. */
  submit(read: ReadRequest): boolean;
  /** The end of a turn: one read index for all the reads of the turn. */
  flush(): void;
  /** Confirmed and dropped read points of a Ready. */
  onReady(ready: Ready): void;
  /** The state machine applied more entries. */
  onApplied(): void;
  /** Answers reads whose deadline passed. */
  tick(now: number): void;
  readonly pendingCount: number;
}

type AwaitingApply = ReadRequest & { readonly index: number; readonly deadlineTick: number };

/** Reads with a read point, waiting for the state machine to reach it. */
export class AppliedReads {
  private waiting: AwaitingApply[] = [];

  constructor(private readonly host: ReadHost) {}

  get count(): number {
    return this.waiting.length;
  }

  /** Serves the read once the state machine reached `readPoint` and the client's minimum. */
  serveAt(readPoint: number, read: ReadRequest): void {
    const index = Math.max(readPoint, read.minIndex);
    // The index answered is the state read (the applied one), so a client may read at it later (at_index).
    const { machine } = this.host;
    if (index <= machine.appliedIndex) read.respond(machine.query(read.request.command), machine.appliedIndex);
    else this.waiting.push({ ...read, index, deadlineTick: this.host.now() + this.host.forwardTimeoutTicks });
  }

  onApplied(): void {
    if (this.waiting.length === 0) return;
    const applied = this.host.machine.appliedIndex;
    const waiting = this.waiting;
    this.waiting = [];
    for (const read of waiting) {
      if (read.index <= applied) read.respond(this.host.machine.query(read.request.command), applied);
      else this.waiting.push(read);
    }
  }

  expire(now: number): void {
    this.waiting = expireWaiting(this.waiting, now, this.host.machine.appliedIndex);
  }
}

/** Answers the reads whose deadline passed (the node did not apply their index in time); returns the others. */
export function expireWaiting<T extends { readonly index: number; readonly deadlineTick: number; readonly respond: Respond }>(
  waiting: T[],
  now: number,
  appliedIndex: number,
): T[] {
  if (waiting.length === 0) return waiting;
  const kept: T[] = [];
  for (const read of waiting) {
    if (read.deadlineTick > now) kept.push(read);
    else read.respond(notProposed(`this node has not applied index ${read.index} in time`), appliedIndex);
  }
  return kept;
}

/**
 * ReadIndex (thesis §6.4): the reads of one turn share one read index, so one heartbeat round on
 * the leader (or one request from a follower) serves however many reads the turn brought; a
 * read point taken after every one of them arrived is valid for each. In 'follower' mode a
 * follower asks the leader for the index and serves the read itself.
 */
export class ReadIndexReads implements ReadPath {
  private batch: ReadRequest[] = [];
  /** Batches waiting for Raft to confirm their read point, by read ctx. */
  private readonly awaitingIndex = new Map<number, ReadRequest[]>();
  private awaitingIndexCount = 0;
  private nextCtx: number;

  constructor(
    private readonly host: ReadHost,
    private readonly applied: AppliedReads,
    private readonly servesOnFollowers: boolean,
  ) {
    this.nextCtx = host.firstReadCtx;
  }

  get pendingCount(): number {
    return this.batch.length + this.awaitingIndexCount + this.applied.count;
  }

  submit(read: ReadRequest): boolean {
    if (this.host.raft.role !== 'leader' && !this.servesOnFollowers && read.mayForward) return false;
    this.batch.push(read);
    return true;
  }

  flush(): void {
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    const ctx = this.nextCtx++;
    const asked = this.host.raft.readIndex(ctx);
    if (asked.ok) {
      this.awaitingIndex.set(ctx, batch);
      this.awaitingIndexCount += batch.length;
      return;
    }
    for (const read of batch) {
      if (asked.error.reason === 'overloaded') read.respond(notProposed('too many reads pending; try again'), this.host.machine.appliedIndex);
      else if (read.mayForward) this.host.forward(read.request, read.respond, this.host.now() + this.host.leaderWaitTicks);
      else read.respond(notProposed(`${this.host.nodeId} is not the leader`), this.host.machine.appliedIndex);
    }
  }

  onReady(ready: Ready): void {
    for (const state of ready.readStates) for (const read of this.take(state.ctx)) this.applied.serveAt(state.index, read);
    for (const dropped of ready.droppedReads) {
      for (const read of this.take(dropped.ctx))
        read.respond(notProposed(`the read could not be confirmed (${dropped.reason}); try again`), this.host.machine.appliedIndex);
    }
  }

  onApplied(): void {
    this.applied.onApplied();
  }

  tick(now: number): void {
    this.applied.expire(now);
  }

  private take(ctx: number): readonly ReadRequest[] {
    const reads = this.awaitingIndex.get(ctx);
    if (reads === undefined) return [];
    this.awaitingIndex.delete(ctx);
    this.awaitingIndexCount -= reads.length;
    return reads;
  }
}

/**
 * bounded-staleness, NOT linearizable: any node serves reads from its local copy while it heard
 * from a leader within the bound; the copy may lag the leader, or the leader may be deposed.
 */
export class LocalReads implements ReadPath {
  constructor(
    private readonly host: ReadHost,
    private readonly applied: AppliedReads,
  ) {}

  get pendingCount(): number {
    return this.applied.count;
  }

  submit(read: ReadRequest): boolean {
    const { host } = this;
    const fresh = host.raft.role === 'leader' || host.now() - host.lastLeaderContactTick() <= host.stalenessBoundTicks;
    if (fresh) this.applied.serveAt(host.machine.appliedIndex, read);
    else read.respond(notProposed('this node has not heard from a leader recently'), host.machine.appliedIndex);
    return true;
  }

  flush(): void {}

  onReady(): void {}

  onApplied(): void {
    this.applied.onApplied();
  }

  tick(now: number): void {
    this.applied.expire(now);
  }
}
