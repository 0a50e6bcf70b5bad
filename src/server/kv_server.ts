// The replicated key-value node: client requests become Raft proposals or linearizable reads,
// committed entries are applied to the KvStore, and outcomes go back to whoever asked. Every
// node accepts every request (Maelstrom clients never leave their node): a follower forwards
// to the leader, batching everything of one turn into one message, and relays the results.
//
// Error discipline: a definite error (11) only while the request surely was not proposed; once
// it may be in the log, only an indefinite one (13, or 0 on a timeout). Reads change nothing,
// so any failure of a read may be definite.

import { assert } from '../base/assert.js';
import { approximateJsonBytes, isJsonObject, jsonBytes, jsonBytesAtMost, utf8Bytes, type JsonValue } from '../base/json.js';
import type { Rng } from '../base/rng.js';
import { applyCommand, isPositiveInteger, mayWriteKey, parseCommand, restoreState, snapshotState, type CommandOutcome, type KvCommand, type SessionTag } from '../kv/commands.js';
import { KvStore } from '../kv/kv_store.js';
import { SessionTable } from '../kv/sessions.js';
import { ErrorCode } from '../protocol/errors.js';
import { err, ok } from '../base/result.js';
import { optionalNonNegativeInteger, type FieldResult } from '../protocol/fields.js';
import { KV_REQUEST_TYPES, parseKvOperation, type KvRequestType } from '../protocol/lin_kv.js';
import type { Body } from '../protocol/message.js';
import type { PeerBudget } from '../protocol/peer_budget.js';
import {
  vouchesForStorage,
  makeRaftConfig,
  parseRaftMessage,
  RAFT_MESSAGE_TYPES,
  RaftNode,
  type Entry,
  type NodeStorage,
  type RaftConfigInput,
  type RaftMessage,
  type Ready,
  type Role,
  type Snapshot,
} from '../raft/index.js';
import { route, type NodeApp, type NodeContext, type ReplyTarget, type Route } from './node_shell.js';

/**
 * All but 'bounded-staleness' are linearizable. 'bounded-staleness' serves every read from the
 * local copy of any node that heard from its leader within a bound: reads may miss recent
 * writes. It exists to show what the checker catches, and must never be the default.
 */
export const READ_MODES = ['log', 'read-index', 'lease', 'follower', 'bounded-staleness'] as const;
export type ReadMode = (typeof READ_MODES)[number];

export interface KvServerOptions {
  /** How reads are made linearizable (see README, "Read modes"). */
  readonly readMode: ReadMode;
  readonly electionTimeoutTicks: number;
  readonly heartbeatTicks: number;
  /** How long a follower waits for the leader's answer to a forwarded request. */
  readonly forwardTimeoutTicks: number;
  /** How long a request may wait for a leader to become known before it is refused. */
  readonly leaderWaitTicks: number;
  /**
   * Client requests in flight on this node, all stages together; beyond it: error 11. Their
   * commands' bytes are bounded too, by the node's budget (context.budget.pendingRequestBytes).
   */
  readonly maxPendingRequests: number;
  readonly maxOpsPerForward: number;
  /** Take a snapshot and compact the log once this many entries were applied since the last one. */
  readonly snapshotEveryEntries: number;
  /**
   * ... or once the commands applied since the last one take about this many bytes, or as many
   * as the last snapshot if that is more (so a log of large values does not fill the memory,
   * and snapshots cost at most about as much as the log they replace).
   */
  readonly snapshotEveryBytes: number;
  /** bounded-staleness only: how long after the last word from the leader local reads go on. */
  readonly stalenessBoundTicks: number;
}

export const DEFAULT_KV_SERVER_OPTIONS: KvServerOptions = {
  readMode: 'read-index',
  electionTimeoutTicks: 20,
  heartbeatTicks: 3,
  forwardTimeoutTicks: 80,
  leaderWaitTicks: 40,
  maxPendingRequests: 20_000,
  maxOpsPerForward: 1_024,
  snapshotEveryEntries: 10_000,
  snapshotEveryBytes: 64 << 20,
  stalenessBoundTicks: 50,
};

/** What survives a crash of the node: the simulator keeps it across restarts. */
export interface KvServerDeps {
  /** MemoryStorage in tests and without a data directory; DurableStorage on disk. */
  readonly storage: NodeStorage;
  readonly rng: Rng;
  /** Lets tests and the simulator look inside (invariant checks); never used for decisions. */
  readonly observe?: (server: KvServer) => void;
}

/**
 * Delivers an outcome with the log position it reflects: the entry's index for a command, the
 * read point for a read (session clients use it for read-your-writes).
 */
type Respond = (outcome: CommandOutcome, index: number) => void;

/** A client request as parsed: the command, and the lowest applied index a read accepts. */
interface ClientRequest {
  readonly command: KvCommand;
  readonly minIndex: number;
  /**
   * At least the bytes of the command's JSON (see commandSize), set when the request arrives
   * from a client; a forwarded request is sized again only if it is proposed.
   */
  commandBytes?: number;
}

/** A request forwarded to the leader, waiting at its origin for the result. */
interface ForwardWaiter {
  readonly respond: Respond;
  readonly deadlineTick: number;
}

/** A request held while no leader is known. */
interface HeldRequest {
  readonly request: ClientRequest;
  readonly respond: Respond;
  readonly deadlineTick: number;
}

interface ReadWaiter {
  readonly key: JsonValue;
  readonly respond: Respond;
  /** Served once applied >= minIndex as well as the read point (read-your-writes). */
  readonly minIndex: number;
}

/** A read with a read point, waiting until the state machine has applied `index`. */
type AwaitingApply = ReadWaiter & { readonly index: number; readonly deadlineTick: number };

interface ForwardedOp {
  readonly id: number;
  readonly request: ClientRequest;
}

interface ForwardResult {
  readonly id: number;
  /** The origin incarnation's epoch, echoed back: results for an earlier incarnation are dropped. */
  readonly epoch: number;
  readonly outcome: CommandOutcome;
  readonly index: number;
}

interface ForwardBatch {
  readonly epoch: number;
  readonly ops: readonly ForwardedOp[];
}

/**
 * Forward id windows of one origin, per incarnation (epoch), in the order the epochs were first
 * seen. Epochs are random, not ordered, so a late forward of an old incarnation must not displace
 * the current one: the windows of the last few incarnations are all kept, and a forward of an
 * incarnation whose window was evicted is ignored (its origin is gone), never run twice.
 */
interface OriginForwards {
  readonly windows: Map<number, ForwardWindow>;
  readonly evicted: number[];
}

const MAX_EPOCHS_PER_ORIGIN = 8;
/** Lease reads on a follower search at most this many unapplied entries for writes to their key. */
const MAX_LEASE_READ_SCAN = 512;
/**
 * Ready rounds per turn: a round's sync can make entries durable, which can commit them, which
 * takes another round to apply (three rounds with a synchronous storage). Work left over waits
 * for the next turn.
 */
const MAX_READY_ROUNDS_PER_TURN = 4;
const MAX_EVICTED_EPOCHS = 64;
/** Senders outside the cluster named in the log (once each); more are ignored without a word. */
const MAX_STRANGERS_LOGGED = 16;
/** Texts up to this many characters are not counted to be sized: 3 bytes a character bounds them. */
const SMALL_TEXT_CHARS = 4_096;

const NOT_PROPOSED = (why: string): CommandOutcome => ({ type: 'error', code: ErrorCode.temporarilyUnavailable, text: why });
const OUTCOME_UNKNOWN = (why: string): CommandOutcome => ({ type: 'error', code: ErrorCode.crash, text: why });

export function createKvServerApp(options: KvServerOptions, deps: KvServerDeps): (context: NodeContext) => NodeApp {
  return (context) => {
    const server = new KvServer(context, options, deps);
    deps.observe?.(server);
    return server;
  };
}

export class KvServer implements NodeApp {
  readonly routes: ReadonlyMap<string, Route<unknown>>;
  readonly raft: RaftNode;
  readonly store = new KvStore();
  readonly sessions = new SessionTable();
  private appliedIndex = 0;

  /** Our proposals by log index; the term tells ours apart from an entry that replaced it. */
  private readonly proposals = new Map<number, { readonly term: number; readonly respond: Respond }>();
  /**
   * Reads of this turn that need a read index. One Raft read index serves them all (a read
   * point taken after every one of them arrived is valid for each): one heartbeat round on the
   * leader, one request from a follower, however many reads the turn brought.
   */
  private readBatch: Array<{ readonly waiter: ReadWaiter; readonly request: ClientRequest; readonly mayForward: boolean }> = [];
  /** Batches of reads waiting for Raft to confirm their read point, by read ctx. */
  private readonly readsAwaitingIndex = new Map<number, ReadWaiter[]>();
  private readsAwaitingIndexCount = 0;
  /** Reads with a confirmed read point, waiting for the state machine to reach it. */
  private readsAwaitingApply: AwaitingApply[] = [];
  /** Lease mode, follower: local reads waiting to apply a write to their key; checked again then. */
  private leaseReadsAwaitingApply: Array<AwaitingApply & { readonly request: ClientRequest; readonly mayForward: boolean }> = [];
  private nextReadCtx = 1;
  /** The tick of the last append or heartbeat from a leader (bounded-staleness reads only). */
  private lastLeaderContactTick = -Infinity;

  private heldForLeader: HeldRequest[] = [];
  private readonly forwardsInFlight = new Map<number, ForwardWaiter>();
  private nextForwardId = 1;
  /** Deduplication of forwards at the leader: forward ids seen per origin (duplicated messages). */
  private readonly forwardsSeen = new Map<string, OriginForwards>();
  /**
   * Forward ids restart at 1 when a node restarts, so each incarnation draws a random epoch and
   * forwards and their results carry it: the leader keeps one id window per (origin, epoch), and
   * a restarted origin ignores results meant for its previous incarnation. Without it the leader
   * took a restarted node's new forwards for duplicates and never answered them (sim seed 45).
   */
  private readonly forwardEpoch: number;

  private readonly outgoingForwards = new Map<string, ForwardedOp[]>();
  private readonly outgoingResults = new Map<string, ForwardResult[]>();

  constructor(
    private readonly context: NodeContext,
    private readonly options: KvServerOptions,
    deps: KvServerDeps,
  ) {
    const snapshot = deps.storage.snapshot();
    if (snapshot !== undefined) this.restoreSnapshot(snapshot);
    const raftInput: RaftConfigInput = {
      appliedIndex: this.appliedIndex,
      id: context.nodeId,
      peers: context.nodeIds,
      rng: deps.rng,
      electionTimeoutTicks: options.electionTimeoutTicks,
      heartbeatTicks: options.heartbeatTicks,
      leaseReads: options.readMode === 'lease',
      followerLeases: options.readMode === 'lease',
      asyncStorageWrites: true,
      // Every message to a peer fits the line limit peers accept.
      maxAppendBytes: context.budget.appendEntriesBytes,
      maxUncommittedBytes: context.budget.uncommittedBytes,
      maxSnapshotChunkChars: context.budget.snapshotChunkChars,
    };
    this.raft = new RaftNode(makeRaftConfig(raftInput), deps.storage);
    this.storage = deps.storage;
    this.forwardEpoch = deps.rng.int(1, 2 ** 30);
    this.leadership = { term: this.raft.term, role: this.raft.role, leader: this.raft.leaderId };

    const routes = new Map<string, Route<unknown>>();
    for (const type of KV_REQUEST_TYPES) {
      routes.set(type, route((body) => parseClientRequest(type, body), (incoming) => this.onClientRequest(incoming, incoming.request)));
    }
    routes.set('open_session', route((): FieldResult<ClientRequest> => ok({ command: { kind: 'open_session' }, minIndex: 0 }), (incoming) => this.onClientRequest(incoming, incoming.request)));
    for (const type of RAFT_MESSAGE_TYPES) {
      routes.set(type, route((body) => parseRaftBody(body), (incoming) => this.onRaftMessage(incoming.request)));
    }
    routes.set('kv_forward', route(parseForward, (incoming) => this.onForward(incoming.src, incoming.request)));
    routes.set('kv_forward_result', route(parseForwardResults, (incoming) => this.onForwardResults(incoming.request)));
    this.routes = routes;
  }

  private readonly storage: NodeStorage;
  /** Bytes of the commands of the client requests in flight on this node. */
  private pendingBytes = 0;
  /** About how many bytes the commands applied since the last snapshot take (compaction by size). */
  private appliedBytesSinceSnapshot = 0;
  private lastSnapshotChars = 0;
  /** Raft senders outside the cluster already logged. */
  private readonly strangers = new Set<string>();
  /** Role, term and leader as last logged, so each change is logged once. */
  private leadership: { readonly term: number; readonly role: Role; readonly leader: string | null };

  get pendingRequestBytes(): number {
    return this.pendingBytes;
  }

  get pendingRequestCount(): number {
    return (
      this.proposals.size +
      this.readBatch.length +
      this.readsAwaitingIndexCount +
      this.readsAwaitingApply.length +
      this.leaseReadsAwaitingApply.length +
      this.heldForLeader.length +
      this.forwardsInFlight.size
    );
  }

  get lastApplied(): number {
    return this.appliedIndex;
  }

  tick(): void {
    this.raft.tick();
    const now = this.context.currentTick();
    if (this.heldForLeader.length > 0) this.routeHeldRequests(now);
    for (const [id, waiter] of this.forwardsInFlight) {
      // Insertion order is deadline order (one timeout for all), so stop at the first live one.
      if (waiter.deadlineTick > now) break;
      this.forwardsInFlight.delete(id);
      waiter.respond({ type: 'error', code: ErrorCode.timeout, text: 'the leader did not answer in time; the outcome is unknown' }, this.appliedIndex);
    }
    if (this.readsAwaitingApply.length > 0) this.readsAwaitingApply = this.expireAwaitingApply(this.readsAwaitingApply, now);
    if (this.leaseReadsAwaitingApply.length > 0) this.leaseReadsAwaitingApply = this.expireAwaitingApply(this.leaseReadsAwaitingApply, now);
  }

  flush(): void {
    this.routeHeldRequests(this.context.currentTick());
    this.requestReadIndex();
    this.handleReadies();
    this.sendBatches();
  }

  // --- client requests -------------------------------------------------------------------

  private onClientRequest(target: ReplyTarget, request: ClientRequest): void {
    // Maelstrom validates replies as closed schemas, so only session clients (who opened a
    // session, or sent one or a min_index) get the index in theirs.
    const withIndex = request.command.kind === 'open_session' || request.command.tag !== undefined || request.minIndex > 0;
    const reply: Respond = (outcome, index) => this.replyToClient(target, outcome, withIndex ? index : undefined);
    const { budget } = this.context;
    const bytes = commandSize(request.command, budget);
    request.commandBytes = bytes;
    if (bytes > budget.commandBytes) {
      // It could travel in no append or forward: refused before anything is done with it.
      reply(tooLarge(bytes, budget), this.appliedIndex);
      return;
    }
    if (this.pendingRequestCount >= this.options.maxPendingRequests) {
      reply(NOT_PROPOSED('too many requests in flight on this node; try again'), this.appliedIndex);
      return;
    }
    if (this.pendingBytes > 0 && this.pendingBytes + bytes > budget.pendingRequestBytes) {
      reply(NOT_PROPOSED(`the requests in flight on this node take too many bytes (${this.pendingBytes}); try again`), this.appliedIndex);
      return;
    }
    this.pendingBytes += bytes;
    let released = false;
    const respond: Respond = (outcome, index) => {
      if (!released) {
        released = true;
        this.pendingBytes -= bytes;
      }
      reply(outcome, index);
    };
    this.serve(request, respond, true);
  }

  private replyToClient(target: ReplyTarget, outcome: CommandOutcome, index: number | undefined): void {
    // Replies leave without waiting for this node's sync: whatever they report was applied, so
    // it is committed, so it is durable on a majority (the leader counts only its own persisted
    // entries, and followers acknowledge only persisted ones). Failures vouch for nothing.
    if (outcome.type === 'error') this.context.replyError(target, outcome.code, outcome.text, 'now');
    else if (index === undefined) this.context.reply(target, outcome, 'now');
    else this.context.reply(target, { ...outcome, index }, 'now');
  }

  /**
   * Serves one request here if this node can, else forwards it (only when `mayForward`: a
   * request forwarded to us is never forwarded again, so no request loops).
   */
  private serve(request: ClientRequest, respond: Respond, mayForward: boolean): void {
    const { command } = request;
    if (command.kind === 'op' && command.op.f === 'read' && this.options.readMode !== 'log') {
      if (this.serveRead({ key: command.op.key, respond, minIndex: request.minIndex }, request, mayForward)) return;
    } else if (this.raft.role === 'leader') {
      const bytes = request.commandBytes ?? commandSize(command, this.context.budget);
      if (bytes > this.context.budget.commandBytes) {
        // Measured at its origin already, unless that node runs with a larger line limit.
        respond(tooLarge(bytes, this.context.budget), this.appliedIndex);
        return;
      }
      const proposed = this.raft.propose(command as unknown as JsonValue, bytes);
      if (proposed.ok) {
        this.proposals.set(proposed.value.index, { term: proposed.value.term, respond });
        return;
      }
      if (proposed.error.reason === 'overloaded') {
        respond(NOT_PROPOSED('the leader has too many uncommitted entries; try again'), this.appliedIndex);
        return;
      }
    }
    if (!mayForward) {
      respond(NOT_PROPOSED(`${this.context.nodeId} is not the leader`), this.appliedIndex);
      return;
    }
    this.forwardOrHold(request, respond, this.context.currentTick() + this.options.leaderWaitTicks);
  }

  /** Returns false when the read must go to the leader instead. */
  private serveRead(waiter: ReadWaiter, request: ClientRequest, mayForward: boolean): boolean {
    const isLeader = this.raft.role === 'leader';
    if (this.options.readMode === 'bounded-staleness') {
      // NOT linearizable: the local copy may lag the leader, or this leader may be deposed.
      const fresh = isLeader || this.context.currentTick() - this.lastLeaderContactTick <= this.options.stalenessBoundTicks;
      if (fresh) this.awaitApply(this.appliedIndex, waiter);
      else waiter.respond(NOT_PROPOSED('this node has not heard from a leader recently'), this.appliedIndex);
      return true;
    }
    if (isLeader && this.options.readMode === 'lease' && this.raft.leaseValid()) {
      // Thesis §6.4.1: within the lease no other leader can have committed anything, so our
      // commit index is a valid read point without a heartbeat round.
      this.awaitApply(this.raft.commitIndex, waiter);
      return true;
    }
    if (!isLeader && this.options.readMode === 'lease' && this.serveUnderFollowerLease(waiter, request, mayForward)) return true;
    if (!isLeader && this.options.readMode !== 'follower' && mayForward) return false;
    this.readBatch.push({ waiter, request, mayForward });
    return true;
  }

  /**
   * Lease mode on a follower: serves the read here, with no network hop, while the leader's
   * lease holds (see RaftNode.followerReadPoint for why that is linearizable), once this node
   * applied the grant's commit index and every write to the key that its log holds. False
   * without a lease (or with a log tail too long to search): the caller forwards instead.
   */
  private serveUnderFollowerLease(waiter: ReadWaiter, request: ClientRequest, mayForward: boolean): boolean {
    const readPoint = this.raft.followerReadPoint();
    if (readPoint === undefined) return false;
    const lastWrite = this.lastUnappliedWrite(waiter.key);
    if (lastWrite === undefined) return false;
    const index = Math.max(readPoint, lastWrite, waiter.minIndex);
    if (index <= this.appliedIndex) waiter.respond(this.store.read(waiter.key), this.appliedIndex);
    else this.leaseReadsAwaitingApply.push({ ...waiter, request, mayForward, index, deadlineTick: this.context.currentTick() + this.options.forwardTimeoutTicks });
    return true;
  }

  /** The index of the last entry after the applied one that may write `key` (0 if none); undefined past the search bound. */
  private lastUnappliedWrite(key: JsonValue): number | undefined {
    const from = this.appliedIndex + 1;
    const to = this.raft.lastIndex + 1;
    if (to - from > MAX_LEASE_READ_SCAN) return undefined;
    let last = 0;
    for (const entry of this.raft.logEntries(from, to)) {
      if (entry.kind === 'normal' && mayWriteKey(entry.data as unknown as KvCommand, key)) last = entry.index;
    }
    return last;
  }

  private serveAppliedLeaseReads(): void {
    const waiting = this.leaseReadsAwaitingApply;
    this.leaseReadsAwaitingApply = [];
    for (const read of waiting) {
      if (read.index > this.appliedIndex) this.leaseReadsAwaitingApply.push(read);
      // Check again: the lease may have lapsed, and newer writes to the key may have arrived.
      else if (this.serveUnderFollowerLease(read, read.request, read.mayForward)) continue;
      else if (read.mayForward) this.forwardOrHold(read.request, read.respond, read.deadlineTick);
      else read.respond(NOT_PROPOSED(`${this.context.nodeId} lost its read lease; try again`), this.appliedIndex);
    }
  }

  /** Asks Raft for one read index for all the reads of this turn (see readBatch). */
  private requestReadIndex(): void {
    if (this.readBatch.length === 0) return;
    const batch = this.readBatch;
    this.readBatch = [];
    const ctx = this.nextReadCtx++;
    const asked = this.raft.readIndex(ctx);
    if (asked.ok) {
      this.readsAwaitingIndex.set(ctx, batch.map((read) => read.waiter));
      this.readsAwaitingIndexCount += batch.length;
      return;
    }
    for (const { waiter, request, mayForward } of batch) {
      if (asked.error.reason === 'overloaded') waiter.respond(NOT_PROPOSED('too many reads pending; try again'), this.appliedIndex);
      else if (mayForward) this.forwardOrHold(request, waiter.respond, this.context.currentTick() + this.options.leaderWaitTicks);
      else waiter.respond(NOT_PROPOSED(`${this.context.nodeId} is not the leader`), this.appliedIndex);
    }
  }

  /** Serves the read once the state machine reached its read point and the client's minimum. */
  private awaitApply(readPoint: number, waiter: ReadWaiter): void {
    const index = Math.max(readPoint, waiter.minIndex);
    if (index <= this.appliedIndex) waiter.respond(this.store.read(waiter.key), index);
    else this.readsAwaitingApply.push({ ...waiter, index, deadlineTick: this.context.currentTick() + this.options.forwardTimeoutTicks });
  }

  /** Answers the reads whose deadline passed; returns the others. */
  private expireAwaitingApply<T extends AwaitingApply>(waiting: readonly T[], now: number): T[] {
    const kept: T[] = [];
    for (const read of waiting) {
      if (read.deadlineTick > now) kept.push(read);
      else read.respond(NOT_PROPOSED(`this node has not applied index ${read.index} in time`), this.appliedIndex);
    }
    return kept;
  }

  private forwardOrHold(request: ClientRequest, respond: Respond, deadlineTick: number): void {
    const leader = this.raft.leaderId;
    if (leader === null || leader === this.context.nodeId) {
      this.heldForLeader.push({ request, respond, deadlineTick });
      return;
    }
    const id = this.nextForwardId++;
    this.forwardsInFlight.set(id, { respond, deadlineTick: this.context.currentTick() + this.options.forwardTimeoutTicks });
    let batch = this.outgoingForwards.get(leader);
    if (batch === undefined) this.outgoingForwards.set(leader, (batch = []));
    batch.push({ id, request });
  }

  /** Requests held while no leader was known: route them once one is, refuse them at their deadline. */
  private routeHeldRequests(now: number): void {
    if (this.heldForLeader.length === 0) return;
    const leader = this.raft.leaderId;
    const heldNow = this.heldForLeader;
    this.heldForLeader = [];
    for (const held of heldNow) {
      if (leader !== null) this.serve(held.request, held.respond, true);
      else if (held.deadlineTick <= now) held.respond(NOT_PROPOSED('no leader is known; try again'), this.appliedIndex);
      else this.heldForLeader.push(held);
    }
  }

  // --- forwarding between nodes ------------------------------------------------------------

  private onForward(origin: string, { epoch, ops }: ForwardBatch): void {
    let forwards = this.forwardsSeen.get(origin);
    if (forwards === undefined) this.forwardsSeen.set(origin, (forwards = { windows: new Map(), evicted: [] }));
    if (forwards.evicted.includes(epoch)) return; // a late forward of a long-dead incarnation: its waiter is gone
    let window = forwards.windows.get(epoch);
    if (window === undefined) {
      forwards.windows.set(epoch, (window = new ForwardWindow()));
      if (forwards.windows.size > MAX_EPOCHS_PER_ORIGIN) {
        const oldest = forwards.windows.keys().next().value as number;
        forwards.windows.delete(oldest);
        forwards.evicted.push(oldest);
        if (forwards.evicted.length > MAX_EVICTED_EPOCHS) forwards.evicted.shift();
      }
    }
    for (const { id, request } of ops) {
      const respond: Respond = (outcome, index) => this.queueResult(origin, { id, epoch, outcome, index });
      const seen = window.admit(id);
      if (seen === 'duplicate') continue; // the first copy's result will be sent
      if (seen === 'too-old') {
        respond(NOT_PROPOSED('forward arrived too late and was not proposed'), this.appliedIndex);
        continue;
      }
      this.serve(request, respond, false);
    }
  }

  private onForwardResults(results: readonly ForwardResult[]): void {
    for (const { id, epoch, outcome, index } of results) {
      if (epoch !== this.forwardEpoch) continue; // meant for an earlier incarnation of this node
      const waiter = this.forwardsInFlight.get(id);
      if (waiter === undefined) continue; // timed out already, or a duplicate
      this.forwardsInFlight.delete(id);
      waiter.respond(outcome, index);
    }
  }

  private queueResult(origin: string, result: ForwardResult): void {
    let batch = this.outgoingResults.get(origin);
    if (batch === undefined) this.outgoingResults.set(origin, (batch = []));
    batch.push(result);
  }

  private sendBatches(): void {
    for (const [leader, ops] of this.outgoingForwards) {
      const items = ops.map(({ id, request }): EncodedItem => {
        const text = `{"id":${id},"command":${JSON.stringify(request.command)}${request.minIndex > 0 ? `,"minIndex":${request.minIndex}` : ''}}`;
        return { text, bytes: textBytesAtMost(text) };
      });
      this.sendItems(leader, `{"type":"kv_forward","epoch":${this.forwardEpoch},"ops":[`, items);
    }
    this.outgoingForwards.clear();
    for (const [origin, results] of this.outgoingResults) {
      const items = results.map(({ id, epoch, outcome, index }): EncodedItem => {
        const text = JSON.stringify({ id, epoch, index, ...outcome });
        return { text, bytes: textBytesAtMost(text) };
      });
      // Like client replies: every result reports something committed, or a failure.
      this.sendItems(origin, '{"type":"kv_forward_result","results":[', items);
    }
    this.outgoingResults.clear();
  }

  /** Sends items as bodies `head` + items + `]}`, as few as their count and bytes allow. */
  private sendItems(dest: string, head: string, items: readonly EncodedItem[]): void {
    const maxBytes = this.context.budget.forwardItemsBytes;
    const send = (from: number, to: number): void => {
      const parts: string[] = [];
      for (let i = from; i < to; i++) parts.push((items[i] as EncodedItem).text);
      this.context.sendEncoded(dest, `${head}${parts.join(',')}]}`, 'now');
    };
    let start = 0;
    let bytes = 0;
    for (let i = 0; i < items.length; i++) {
      const itemBytes = (items[i] as EncodedItem).bytes + 1;
      if (i > start && (i - start >= this.options.maxOpsPerForward || bytes + itemBytes > maxBytes)) {
        send(start, i);
        start = i;
        bytes = 0;
      }
      bytes += itemBytes;
    }
    if (start < items.length) send(start, items.length);
  }

  // --- Raft --------------------------------------------------------------------------------

  private onRaftMessage(message: RaftMessage): void {
    if (message.to !== this.context.nodeId) {
      this.context.log('warn', `dropped a ${message.type} addressed to ${message.to}`);
      return;
    }
    if (message.from === this.context.nodeId || !this.context.nodeIds.includes(message.from)) {
      // Raft ignores messages from outside the cluster; say so once per sender, as it means
      // the nodes were started with different node lists.
      if (!this.strangers.has(message.from) && this.strangers.size < MAX_STRANGERS_LOGGED) {
        this.strangers.add(message.from);
        this.context.log('warn', `ignoring ${message.type} from ${message.from}, which is not another node of [${this.context.nodeIds.join(', ')}]`);
      }
      return;
    }
    if (message.type === 'raft_append' || message.type === 'raft_heartbeat') this.lastLeaderContactTick = this.context.currentTick();
    this.raft.step(message);
  }

  /**
   * The Ready loop (see the contract in raft.ts) with group commit and asynchronous storage
   * writes: every Ready of this turn is written, then one sync() ends the turn. Messages that
   * vouch for our storage wait for that sync (the runtime holds them until its fdatasync
   * completes in the background); the rest leave at the end of the turn. The storage's durable
   * point is reported to Raft at the start of each round, so a leader commits on its own
   * persisted entries, and a storage that syncs synchronously commits within the same turn.
   */
  private handleReadies(): void {
    for (let round = 0; round < MAX_READY_ROUNDS_PER_TURN; round++) {
      const durable = this.storage.durablePoint();
      this.raft.persisted(durable.index, durable.term);
      if (!this.raft.hasReady()) break;
      while (this.raft.hasReady()) {
        const ready = this.raft.ready();
        if (ready.snapshot !== undefined) {
          this.storage.applySnapshot(ready.snapshot);
          this.restoreSnapshot(ready.snapshot);
          this.context.log('info', `installed the leader's snapshot at ${ready.snapshot.index} (${ready.snapshot.data.length} characters)`);
        }
        this.storage.save(ready.hardState, ready.entries);
        for (const message of ready.messages) this.context.send(message.to, message, vouchesForStorage(message) ? 'after-sync' : 'now');
        // Applying before the sync is safe: committed entries are durable on a majority already.
        for (const entry of ready.committedEntries) this.apply(entry);
        this.serveReadStates(ready);
        if (ready.softState !== undefined && ready.softState.role !== 'leader') this.failLostLeadership();
        this.logLeadershipChange();
        this.raft.advance(ready);
      }
      if (this.readsAwaitingApply.length > 0) this.serveAppliedReads();
      if (this.leaseReadsAwaitingApply.length > 0) this.serveAppliedLeaseReads();
      this.storage.sync();
    }
    this.maybeCompact();
  }

  /**
   * Logs, once each, an election won, a step-down, a new term and a new leader to follow: what
   * an operator needs to follow leadership, and a few lines per election at most.
   */
  private logLeadershipChange(): void {
    const { term, role, leaderId: leader } = this.raft;
    const before = this.leadership;
    if (term === before.term && role === before.role && leader === before.leader) return;
    this.leadership = { term, role, leader };
    const following = leader === null ? 'no leader known yet' : `following ${leader}`;
    if (role === 'leader') {
      this.context.log('info', `became leader of term ${term}`);
    } else if (before.role === 'leader') {
      this.context.log('info', `stepped down as leader of term ${before.term}: now ${role} in term ${term}, ${following}`);
    } else if (term !== before.term) {
      this.context.log('info', `term ${term} began (was ${before.term}): ${role === 'candidate' ? 'campaigning' : following}`);
    } else if (leader !== null) {
      this.context.log('info', `following ${leader} in term ${term}`);
    }
  }

  /**
   * Snapshots the store at the applied index once enough entries piled up since the last one,
   * or enough bytes of them.
   */
  private maybeCompact(): void {
    const snapshotIndex = this.storage.firstIndex() - 1;
    const byCount = this.appliedIndex - snapshotIndex >= this.options.snapshotEveryEntries;
    const bySize = this.appliedIndex > snapshotIndex && this.appliedBytesSinceSnapshot >= Math.max(this.options.snapshotEveryBytes, this.lastSnapshotChars);
    if (!byCount && !bySize) return;
    const data = snapshotState(this.store, this.sessions);
    this.storage.compact(this.appliedIndex, data);
    this.appliedBytesSinceSnapshot = 0;
    this.lastSnapshotChars = data.length;
    this.context.log('info', `snapshot at ${this.appliedIndex} (${data.length} characters); log compacted from ${snapshotIndex + 1}`);
  }

  /** The state machine jumps to a snapshot (on start, or installed from the leader). */
  private restoreSnapshot(snapshot: Snapshot): void {
    assert(snapshot.index >= this.appliedIndex, () => `snapshot at ${snapshot.index} is behind the applied index ${this.appliedIndex}`);
    restoreState(snapshot.data, this.store, this.sessions, snapshot.index);
    this.appliedIndex = snapshot.index;
    this.appliedBytesSinceSnapshot = 0;
    this.lastSnapshotChars = snapshot.data.length;
    // Our proposals it covers were decided without us seeing how: their outcome is unknown.
    for (const [index, proposal] of this.proposals) {
      if (index > snapshot.index) continue;
      this.proposals.delete(index);
      proposal.respond(OUTCOME_UNKNOWN('the node caught up from a snapshot; the request may or may not have taken effect'), snapshot.index);
    }
  }

  private apply(entry: Entry): void {
    assert(entry.index === this.appliedIndex + 1, () => `apply out of order: ${entry.index} after ${this.appliedIndex}`);
    this.appliedIndex = entry.index;
    this.appliedBytesSinceSnapshot += approximateJsonBytes(entry.data);
    const outcome = entry.kind === 'normal' ? applyCommand(entry.data as unknown as KvCommand, entry.index, this.store, this.sessions) : undefined;
    const proposal = this.proposals.get(entry.index);
    if (proposal === undefined) return;
    this.proposals.delete(entry.index);
    if (proposal.term !== entry.term) {
      // Another entry took this index, and only one entry per index ever commits (log
      // matching), so ours never will: a definite failure.
      proposal.respond(NOT_PROPOSED('leadership changed before the request committed; it did not take effect'), entry.index);
      return;
    }
    assert(outcome !== undefined, () => `our proposal at ${entry.index} applied as a ${entry.kind} entry`);
    proposal.respond(outcome, entry.index);
  }

  private serveReadStates(ready: Ready): void {
    for (const state of ready.readStates) {
      const waiters = this.takeReadsAwaitingIndex(state.ctx);
      for (const waiter of waiters) this.awaitApply(state.index, waiter);
    }
    for (const dropped of ready.droppedReads) {
      for (const waiter of this.takeReadsAwaitingIndex(dropped.ctx)) waiter.respond(NOT_PROPOSED(`the read could not be confirmed (${dropped.reason}); try again`), this.appliedIndex);
    }
  }

  private takeReadsAwaitingIndex(ctx: number): readonly ReadWaiter[] {
    const waiters = this.readsAwaitingIndex.get(ctx);
    if (waiters === undefined) return [];
    this.readsAwaitingIndex.delete(ctx);
    this.readsAwaitingIndexCount -= waiters.length;
    return waiters;
  }

  private serveAppliedReads(): void {
    const waiting = this.readsAwaitingApply;
    this.readsAwaitingApply = [];
    for (const read of waiting) {
      if (read.index <= this.appliedIndex) read.respond(this.store.read(read.key), read.index);
      else this.readsAwaitingApply.push(read);
    }
  }

  /**
   * Leadership was lost: answer what waited on it now rather than letting clients time out.
   * Our proposals may still commit under the next leader, so their outcome is unknown.
   */
  private failLostLeadership(): void {
    for (const [index, proposal] of this.proposals) {
      this.proposals.delete(index);
      proposal.respond(OUTCOME_UNKNOWN('leadership was lost while the request was in flight; it may or may not take effect'), this.appliedIndex);
    }
  }
}

/**
 * Forward ids from one origin only grow, but messages may be duplicated or reordered. Ids
 * within the window are remembered exactly; ids below it are refused (never proposed), which is
 * safe because the origin times such a request out.
 */
export class ForwardWindow {
  static readonly SIZE = 65_536;
  private readonly seen = new Set<number>();
  private highest = 0;

  admit(id: number): 'new' | 'duplicate' | 'too-old' {
    if (id <= this.highest - ForwardWindow.SIZE) return 'too-old';
    if (this.seen.has(id)) return 'duplicate';
    if (id > this.highest) this.slideTo(id);
    this.seen.add(id);
    return 'new';
  }

  get rememberedCount(): number {
    return this.seen.size;
  }

  /** Forgets ids that fall below the window; costs at most min(jump, ids remembered). */
  private slideTo(highest: number): void {
    const oldFloor = this.highest - ForwardWindow.SIZE;
    const newFloor = highest - ForwardWindow.SIZE;
    this.highest = highest;
    if (newFloor - oldFloor > this.seen.size) {
      for (const id of this.seen) if (id <= newFloor) this.seen.delete(id);
    } else {
      for (let stale = Math.max(oldFloor + 1, 1); stale <= newFloor; stale++) this.seen.delete(stale);
    }
  }
}

function parseRaftBody(body: Body): FieldResult<RaftMessage> {
  const parsed = parseRaftMessage(body);
  return parsed.ok ? ok(parsed.value) : err({ field: 'body', problem: parsed.error });
}

function parseForward(body: Body): FieldResult<ForwardBatch> {
  const epoch = body['epoch'];
  if (!isForwardId(epoch)) return err({ field: 'epoch', problem: 'must be a positive integer' });
  const ops = body['ops'];
  if (!Array.isArray(ops)) return err({ field: 'ops', problem: 'must be a list' });
  const out: ForwardedOp[] = [];
  for (const item of ops) {
    if (!isJsonObject(item) || !isForwardId(item['id'])) return err({ field: 'ops', problem: 'must hold {id, command} objects' });
    const command = parseCommand(item['command']);
    if (command === undefined) return err({ field: 'ops', problem: 'has a malformed command' });
    const minIndex = item['minIndex'] ?? 0;
    if (typeof minIndex !== 'number' || !Number.isSafeInteger(minIndex) || minIndex < 0) return err({ field: 'ops', problem: 'has a bad minIndex' });
    // Not measured here: most forwarded requests are reads, which never become entries.
    out.push({ id: item['id'], request: { command, minIndex } });
  }
  return ok({ epoch, ops: out });
}

/** A client's request: the operation, and optionally its session tag and minimum index. */
function parseClientRequest(type: KvRequestType, body: Body): FieldResult<ClientRequest> {
  const op = parseKvOperation(type, body);
  if (!op.ok) return op;
  const session = body['session'];
  const seq = body['seq'];
  let tag: SessionTag | undefined;
  if (session !== undefined || seq !== undefined) {
    if (!isPositiveInteger(session)) return err({ field: 'session', problem: 'must be a positive integer (from open_session), given with seq' });
    if (!isPositiveInteger(seq)) return err({ field: 'seq', problem: 'must be a positive integer, given with session' });
    tag = { session, seq };
  }
  const minIndex = optionalNonNegativeInteger(body, 'min_index');
  if (!minIndex.ok) return minIndex;
  return ok({ command: { kind: 'op', op: op.value, ...(tag === undefined ? {} : { tag }) }, minIndex: minIndex.value ?? 0 });
}

/**
 * At least the bytes of the command's JSON: the upper bound found without encoding it, which
 * costs far less for the small commands of most requests, and the exact size (one encoding)
 * when the bound passes the limit.
 */
function commandSize(command: KvCommand, budget: PeerBudget): number {
  const bound = jsonBytesAtMost(command as unknown as JsonValue);
  return bound <= budget.commandBytes ? bound : jsonBytes(command as unknown as JsonValue);
}

/** At least the UTF-8 bytes of `text`: three per UTF-16 unit when short, else counted. */
function textBytesAtMost(text: string): number {
  return text.length <= SMALL_TEXT_CHARS ? 3 * text.length : utf8Bytes(text);
}

function tooLarge(bytes: number, budget: PeerBudget): CommandOutcome {
  return {
    type: 'error',
    code: ErrorCode.malformedRequest,
    text: `request too large: its command takes ${bytes} bytes, over the ${budget.commandBytes} bytes a message between nodes can carry under the line limit of ${budget.maxLineBytes} bytes (--max-line-bytes); it was not run`,
  };
}

/** An encoded item of a kv_forward or kv_forward_result body, and its bytes in UTF-8. */
interface EncodedItem {
  readonly text: string;
  readonly bytes: number;
}

function parseForwardResults(body: Body): FieldResult<ForwardResult[]> {
  const results = body['results'];
  if (!Array.isArray(results)) return err({ field: 'results', problem: 'must be a list' });
  const out: ForwardResult[] = [];
  for (const item of results) {
    if (!isJsonObject(item) || !isForwardId(item['id']) || !isForwardId(item['epoch'])) return err({ field: 'results', problem: 'must hold {id, epoch, type, ...} objects' });
    const outcome = parseOutcome(item);
    if (outcome === undefined) return err({ field: 'results', problem: 'has an outcome of unknown type' });
    const index = item['index'];
    if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) return err({ field: 'results', problem: 'has a bad index' });
    out.push({ id: item['id'], epoch: item['epoch'], outcome, index });
  }
  return ok(out);
}

function parseOutcome(item: { readonly [key: string]: JsonValue }): CommandOutcome | undefined {
  switch (item['type']) {
    case 'open_session_ok':
      return isPositiveInteger(item['session']) ? { type: 'open_session_ok', session: item['session'] } : undefined;
    case 'read_ok':
      return item['value'] === undefined ? undefined : { type: 'read_ok', value: item['value'] };
    case 'write_ok':
      return { type: 'write_ok' };
    case 'cas_ok':
      return { type: 'cas_ok' };
    case 'error': {
      const code = item['code'];
      const text = item['text'];
      if (typeof code !== 'number' || !Number.isSafeInteger(code)) return undefined;
      return { type: 'error', code: code as ErrorCode, text: typeof text === 'string' ? text : '' };
    }
    default:
      return undefined;
  }
}

function isForwardId(value: JsonValue | undefined): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}
