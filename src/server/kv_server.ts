// The replicated key-value node: client requests become Raft proposals or linearizable reads,
// committed entries are applied to the KvStore, and outcomes go back to whoever asked. Every
// node accepts every request (Maelstrom clients never leave their node): a follower forwards
// to the leader, batching everything of one turn into one message, and relays the results.
//
// Error discipline: a definite error (11) only while the request surely was not proposed; once
// it may be in the log, only an indefinite one (13, or 0 on a timeout). Reads change nothing,
// so any failure of a read may be definite.

import { assert } from '../base/assert.js';
import { isJsonObject, type JsonValue } from '../base/json.js';
import type { Rng } from '../base/rng.js';
import { KvStore, type KvOutcome } from '../kv/kv_store.js';
import { ErrorCode } from '../protocol/errors.js';
import { err, ok } from '../base/result.js';
import type { FieldResult } from '../protocol/fields.js';
import { KV_REQUEST_TYPES, parseKvOperation, type KvOperation, type KvRequestType } from '../protocol/lin_kv.js';
import type { Body } from '../protocol/message.js';
import {
  makeRaftConfig,
  parseRaftMessage,
  RAFT_MESSAGE_TYPES,
  RaftNode,
  type Entry,
  type NodeStorage,
  type RaftConfigInput,
  type RaftMessage,
  type Ready,
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
  /** Client requests in flight on this node, all stages together; beyond it: error 11. */
  readonly maxPendingRequests: number;
  readonly maxOpsPerForward: number;
  /** Take a snapshot and compact the log once this many entries were applied since the last one. */
  readonly snapshotEveryEntries: number;
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

type Respond = (outcome: KvOutcome) => void;

/** A request forwarded to the leader, waiting at its origin for the result. */
interface ForwardWaiter {
  readonly respond: Respond;
  readonly deadlineTick: number;
}

/** A request held while no leader is known. */
interface HeldRequest {
  readonly op: KvOperation;
  readonly respond: Respond;
  readonly deadlineTick: number;
}

interface ReadWaiter {
  readonly key: JsonValue;
  readonly respond: Respond;
}

interface ForwardedOp {
  readonly id: number;
  readonly op: KvOperation;
}

interface ForwardResult {
  readonly id: number;
  /** The origin incarnation's epoch, echoed back: results for an earlier incarnation are dropped. */
  readonly epoch: number;
  readonly outcome: KvOutcome;
}

interface ForwardBatch {
  readonly epoch: number;
  readonly ops: readonly ForwardedOp[];
}

/** Forward ids of one origin incarnation, and the epochs of its earlier incarnations. */
interface OriginForwards {
  readonly epoch: number;
  readonly window: ForwardWindow;
  readonly retired: readonly number[];
}

/** Earlier incarnations remembered per origin, so their late forwards are not run twice. */
const MAX_RETIRED_EPOCHS = 16;

const NOT_PROPOSED = (why: string): KvOutcome => ({ type: 'error', code: ErrorCode.temporarilyUnavailable, text: why });
const OUTCOME_UNKNOWN = (why: string): KvOutcome => ({ type: 'error', code: ErrorCode.crash, text: why });

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
  private appliedIndex = 0;

  /** Our proposals by log index; the term tells ours apart from an entry that replaced it. */
  private readonly proposals = new Map<number, { readonly term: number; readonly respond: Respond }>();
  /** Reads waiting for Raft to confirm a read point, by read ctx. */
  private readonly readsAwaitingIndex = new Map<number, ReadWaiter>();
  /** Reads with a confirmed read point, waiting for the state machine to reach it. */
  private readsAwaitingApply: Array<ReadWaiter & { readonly index: number }> = [];
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
  /**
   * Client replies produced while handling Readies wait here until the turn's sync: an
   * acknowledged write must be on disk first (our own vote toward its commit counts before the
   * fsync), and so must everything a read returns.
   */
  private heldReplies: Array<{ readonly target: ReplyTarget; readonly outcome: KvOutcome }> | undefined;

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
    };
    this.raft = new RaftNode(makeRaftConfig(raftInput), deps.storage);
    this.storage = deps.storage;
    this.forwardEpoch = deps.rng.int(1, 2 ** 30);

    const routes = new Map<string, Route<unknown>>();
    for (const type of KV_REQUEST_TYPES) {
      routes.set(type, route((body) => parseKvOperation(type as KvRequestType, body), (incoming) => this.onClientRequest(incoming, incoming.request)));
    }
    for (const type of RAFT_MESSAGE_TYPES) {
      routes.set(type, route((body) => parseRaftBody(body), (incoming) => this.onRaftMessage(incoming.request)));
    }
    routes.set('kv_forward', route(parseForward, (incoming) => this.onForward(incoming.src, incoming.request)));
    routes.set('kv_forward_result', route(parseForwardResults, (incoming) => this.onForwardResults(incoming.request)));
    this.routes = routes;
  }

  private readonly storage: NodeStorage;

  get pendingRequestCount(): number {
    return this.proposals.size + this.readsAwaitingIndex.size + this.readsAwaitingApply.length + this.heldForLeader.length + this.forwardsInFlight.size;
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
      waiter.respond({ type: 'error', code: ErrorCode.timeout, text: 'the leader did not answer in time; the outcome is unknown' });
    }
  }

  flush(): void {
    this.routeHeldRequests(this.context.currentTick());
    this.handleReadies();
    this.sendBatches();
  }

  // --- client requests -------------------------------------------------------------------

  private onClientRequest(target: ReplyTarget, op: KvOperation): void {
    const respond: Respond = (outcome) => this.replyToClient(target, outcome);
    if (this.pendingRequestCount >= this.options.maxPendingRequests) {
      respond(NOT_PROPOSED('too many requests in flight on this node; try again'));
      return;
    }
    this.serve(op, respond, true);
  }

  private replyToClient(target: ReplyTarget, outcome: KvOutcome): void {
    if (this.heldReplies !== undefined) {
      this.heldReplies.push({ target, outcome });
      return;
    }
    if (outcome.type === 'error') this.context.replyError(target, outcome.code, outcome.text);
    else this.context.reply(target, outcome);
  }

  /**
   * Serves one operation here if this node can, else forwards it (only when `mayForward`: a
   * request forwarded to us is never forwarded again, so no request loops).
   */
  private serve(op: KvOperation, respond: Respond, mayForward: boolean): void {
    if (op.f === 'read' && this.options.readMode !== 'log') {
      if (this.serveRead(op.key, respond, mayForward)) return;
    } else if (this.raft.role === 'leader') {
      const proposed = this.raft.propose(op as unknown as JsonValue);
      if (proposed.ok) {
        this.proposals.set(proposed.value.index, { term: proposed.value.term, respond });
        return;
      }
      if (proposed.error.reason === 'overloaded') {
        respond(NOT_PROPOSED('the leader has too many uncommitted entries; try again'));
        return;
      }
    }
    if (!mayForward) {
      respond(NOT_PROPOSED(`${this.context.nodeId} is not the leader`));
      return;
    }
    this.forwardOrHold(op, respond, this.context.currentTick() + this.options.leaderWaitTicks);
  }

  /** Returns false when the read must go to the leader instead. */
  private serveRead(key: JsonValue, respond: Respond, mayForward: boolean): boolean {
    const isLeader = this.raft.role === 'leader';
    if (this.options.readMode === 'bounded-staleness') {
      // NOT linearizable: the local copy may lag the leader, or this leader may be deposed.
      const fresh = isLeader || this.context.currentTick() - this.lastLeaderContactTick <= this.options.stalenessBoundTicks;
      if (fresh) respond(this.store.read(key));
      else respond(NOT_PROPOSED('this node has not heard from a leader recently'));
      return true;
    }
    if (isLeader && this.options.readMode === 'lease' && this.raft.leaseValid()) {
      // Thesis §6.4.1: within the lease no other leader can have committed anything, so our
      // commit index is a valid read point without a heartbeat round.
      this.awaitApply(this.raft.commitIndex, { key, respond });
      return true;
    }
    if (!isLeader && this.options.readMode !== 'follower' && mayForward) return false;
    const ctx = this.nextReadCtx++;
    const asked = this.raft.readIndex(ctx);
    if (asked.ok) {
      this.readsAwaitingIndex.set(ctx, { key, respond });
      return true;
    }
    if (asked.error.reason === 'overloaded') {
      respond(NOT_PROPOSED('too many reads pending; try again'));
      return true;
    }
    return false;
  }

  private awaitApply(index: number, waiter: ReadWaiter): void {
    if (index <= this.appliedIndex) waiter.respond(this.store.read(waiter.key));
    else this.readsAwaitingApply.push({ ...waiter, index });
  }

  private forwardOrHold(op: KvOperation, respond: Respond, deadlineTick: number): void {
    const leader = this.raft.leaderId;
    if (leader === null || leader === this.context.nodeId) {
      this.heldForLeader.push({ op, respond, deadlineTick });
      return;
    }
    const id = this.nextForwardId++;
    this.forwardsInFlight.set(id, { respond, deadlineTick: this.context.currentTick() + this.options.forwardTimeoutTicks });
    let batch = this.outgoingForwards.get(leader);
    if (batch === undefined) this.outgoingForwards.set(leader, (batch = []));
    batch.push({ id, op });
  }

  /** Requests held while no leader was known: route them once one is, refuse them at their deadline. */
  private routeHeldRequests(now: number): void {
    if (this.heldForLeader.length === 0) return;
    const leader = this.raft.leaderId;
    const held = this.heldForLeader;
    this.heldForLeader = [];
    for (const request of held) {
      if (leader !== null) this.serve(request.op, request.respond, true);
      else if (request.deadlineTick <= now) request.respond(NOT_PROPOSED('no leader is known; try again'));
      else this.heldForLeader.push(request);
    }
  }

  // --- forwarding between nodes ------------------------------------------------------------

  private onForward(origin: string, { epoch, ops }: ForwardBatch): void {
    let forwards = this.forwardsSeen.get(origin);
    if (forwards?.retired.includes(epoch) === true) return; // a late forward of a dead incarnation: its waiter is gone
    if (forwards === undefined || forwards.epoch !== epoch) {
      const retired = forwards === undefined ? [] : [...forwards.retired, forwards.epoch].slice(-MAX_RETIRED_EPOCHS);
      this.forwardsSeen.set(origin, (forwards = { epoch, window: new ForwardWindow(), retired }));
    }
    const window = forwards.window;
    for (const { id, op } of ops) {
      const respond: Respond = (outcome) => this.queueResult(origin, { id, epoch, outcome });
      const seen = window.admit(id);
      if (seen === 'duplicate') continue; // the first copy's result will be sent
      if (seen === 'too-old') {
        respond(NOT_PROPOSED('forward arrived too late and was not proposed'));
        continue;
      }
      this.serve(op, respond, false);
    }
  }

  private onForwardResults(results: readonly ForwardResult[]): void {
    for (const { id, epoch, outcome } of results) {
      if (epoch !== this.forwardEpoch) continue; // meant for an earlier incarnation of this node
      const waiter = this.forwardsInFlight.get(id);
      if (waiter === undefined) continue; // timed out already, or a duplicate
      this.forwardsInFlight.delete(id);
      waiter.respond(outcome);
    }
  }

  private queueResult(origin: string, result: ForwardResult): void {
    let batch = this.outgoingResults.get(origin);
    if (batch === undefined) this.outgoingResults.set(origin, (batch = []));
    batch.push(result);
  }

  private sendBatches(): void {
    for (const [leader, ops] of this.outgoingForwards) {
      for (let start = 0; start < ops.length; start += this.options.maxOpsPerForward) {
        const chunk = ops.slice(start, start + this.options.maxOpsPerForward);
        this.context.send(leader, { type: 'kv_forward', epoch: this.forwardEpoch, ops: chunk.map(({ id, op }) => ({ id, op: op as unknown as JsonValue })) });
      }
    }
    this.outgoingForwards.clear();
    for (const [origin, results] of this.outgoingResults) {
      for (let start = 0; start < results.length; start += this.options.maxOpsPerForward) {
        const chunk = results.slice(start, start + this.options.maxOpsPerForward);
        this.context.send(origin, { type: 'kv_forward_result', results: chunk.map(({ id, epoch, outcome }) => ({ id, epoch, ...outcome })) });
      }
    }
    this.outgoingResults.clear();
  }

  // --- Raft --------------------------------------------------------------------------------

  private onRaftMessage(message: RaftMessage): void {
    if (message.to !== this.context.nodeId) {
      this.context.log('warn', `dropped a ${message.type} addressed to ${message.to}`);
      return;
    }
    if (message.type === 'raft_append' || message.type === 'raft_heartbeat') this.lastLeaderContactTick = this.context.currentTick();
    this.raft.step(message);
  }

  /**
   * The Ready loop (see the contract in raft.ts) with group commit: every Ready of this turn is
   * recorded, then one sync makes them all durable, and only then do the messages and client
   * replies of the turn leave (the contract's "persist, then send", for all Readies at once).
   * Applying before the sync is safe because nothing applied is visible outside until then.
   */
  private handleReadies(): void {
    const outgoing: RaftMessage[] = [];
    this.heldReplies = [];
    try {
      while (this.raft.hasReady()) {
        const ready = this.raft.ready();
        if (ready.snapshot !== undefined) {
          this.storage.applySnapshot(ready.snapshot);
          this.restoreSnapshot(ready.snapshot);
        }
        this.storage.save(ready.hardState, ready.entries);
        for (const message of ready.messages) outgoing.push(message);
        for (const entry of ready.committedEntries) this.apply(entry);
        this.serveReadStates(ready);
        if (ready.softState !== undefined && ready.softState.role !== 'leader') this.failLostLeadership();
        this.raft.advance(ready);
      }
      if (this.readsAwaitingApply.length > 0) this.serveAppliedReads();
      this.storage.sync();
    } catch (error) {
      // Nothing of this turn may leave unsynced: drop it all and let the node crash loudly.
      this.heldReplies = undefined;
      throw error;
    }
    const held = this.heldReplies;
    this.heldReplies = undefined;
    for (const message of outgoing) this.context.send(message.to, message);
    for (const { target, outcome } of held) this.replyToClient(target, outcome);
    this.maybeCompact();
  }

  /** Snapshots the store at the applied index once enough entries piled up since the last one. */
  private maybeCompact(): void {
    const snapshotIndex = this.storage.firstIndex() - 1;
    if (this.appliedIndex - snapshotIndex < this.options.snapshotEveryEntries) return;
    this.storage.compact(this.appliedIndex, this.store.snapshot());
    this.context.log('debug', `snapshot at ${this.appliedIndex}; log compacted from ${snapshotIndex + 1}`);
  }

  /** The state machine jumps to a snapshot (on start, or installed from the leader). */
  private restoreSnapshot(snapshot: Snapshot): void {
    assert(snapshot.index >= this.appliedIndex, () => `snapshot at ${snapshot.index} is behind the applied index ${this.appliedIndex}`);
    this.store.restore(snapshot.data);
    this.appliedIndex = snapshot.index;
    // Our proposals it covers were decided without us seeing how: their outcome is unknown.
    for (const [index, proposal] of this.proposals) {
      if (index > snapshot.index) continue;
      this.proposals.delete(index);
      proposal.respond(OUTCOME_UNKNOWN('the node caught up from a snapshot; the request may or may not have taken effect'));
    }
  }

  private apply(entry: Entry): void {
    assert(entry.index === this.appliedIndex + 1, () => `apply out of order: ${entry.index} after ${this.appliedIndex}`);
    this.appliedIndex = entry.index;
    const outcome = entry.kind === 'normal' ? this.store.apply(entry.data as unknown as KvOperation) : undefined;
    const proposal = this.proposals.get(entry.index);
    if (proposal === undefined) return;
    this.proposals.delete(entry.index);
    if (proposal.term !== entry.term) {
      // Another entry took this index, and only one entry per index ever commits (log
      // matching), so ours never will: a definite failure.
      proposal.respond(NOT_PROPOSED('leadership changed before the request committed; it did not take effect'));
      return;
    }
    assert(outcome !== undefined, () => `our proposal at ${entry.index} applied as a ${entry.kind} entry`);
    proposal.respond(outcome);
  }

  private serveReadStates(ready: Ready): void {
    for (const state of ready.readStates) {
      const waiter = this.readsAwaitingIndex.get(state.ctx);
      if (waiter === undefined) continue;
      this.readsAwaitingIndex.delete(state.ctx);
      this.awaitApply(state.index, waiter);
    }
    for (const dropped of ready.droppedReads) {
      const waiter = this.readsAwaitingIndex.get(dropped.ctx);
      if (waiter === undefined) continue;
      this.readsAwaitingIndex.delete(dropped.ctx);
      waiter.respond(NOT_PROPOSED(`the read could not be confirmed (${dropped.reason}); try again`));
    }
  }

  private serveAppliedReads(): void {
    const waiting = this.readsAwaitingApply;
    this.readsAwaitingApply = [];
    for (const read of waiting) {
      if (read.index <= this.appliedIndex) read.respond(this.store.read(read.key));
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
      proposal.respond(OUTCOME_UNKNOWN('leadership was lost while the request was in flight; it may or may not take effect'));
    }
  }
}

/**
 * Forward ids from one origin only grow, but messages may be duplicated or reordered. Ids
 * within the window are remembered exactly; ids below it are refused (never proposed), which is
 * safe because the origin times such a request out.
 */
class ForwardWindow {
  private static readonly SIZE = 65_536;
  private readonly seen = new Set<number>();
  private highest = 0;

  admit(id: number): 'new' | 'duplicate' | 'too-old' {
    if (id <= this.highest - ForwardWindow.SIZE) return 'too-old';
    if (this.seen.has(id)) return 'duplicate';
    this.seen.add(id);
    if (id > this.highest) {
      const oldFloor = this.highest - ForwardWindow.SIZE;
      this.highest = id;
      for (let stale = Math.max(oldFloor, 0); stale <= id - ForwardWindow.SIZE; stale++) this.seen.delete(stale);
    }
    return 'new';
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
    if (!isJsonObject(item) || !isForwardId(item['id']) || !isJsonObject(item['op'])) {
      return err({ field: 'ops', problem: 'must hold {id, op} objects' });
    }
    const opBody = item['op'];
    const f = opBody['f'];
    if (f !== 'read' && f !== 'write' && f !== 'cas') return err({ field: 'ops', problem: 'has an op of unknown kind' });
    const op = parseKvOperation(f, { ...opBody, type: f, create_if_not_exists: opBody['createIfMissing'] ?? null });
    if (!op.ok) return err({ field: 'ops', problem: `has a bad op: ${op.error.field} ${op.error.problem}` });
    out.push({ id: item['id'], op: op.value });
  }
  return ok({ epoch, ops: out });
}

function parseForwardResults(body: Body): FieldResult<ForwardResult[]> {
  const results = body['results'];
  if (!Array.isArray(results)) return err({ field: 'results', problem: 'must be a list' });
  const out: ForwardResult[] = [];
  for (const item of results) {
    if (!isJsonObject(item) || !isForwardId(item['id']) || !isForwardId(item['epoch'])) return err({ field: 'results', problem: 'must hold {id, epoch, type, ...} objects' });
    const outcome = parseOutcome(item);
    if (outcome === undefined) return err({ field: 'results', problem: 'has an outcome of unknown type' });
    out.push({ id: item['id'], epoch: item['epoch'], outcome });
  }
  return ok(out);
}

function parseOutcome(item: { readonly [key: string]: JsonValue }): KvOutcome | undefined {
  switch (item['type']) {
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
