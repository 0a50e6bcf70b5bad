// The replicated key-value node: client requests become Raft proposals or linearizable reads of
// the group that holds their key, committed entries are applied to that group's state machine,
// and outcomes go back to whoever asked. Every node accepts every request: one that only a
// group's leader can serve is forwarded there (all of one turn batched) or held while no leader
// is known. Each queue has one owner: admission (bytes in flight), the groups (proposals, read
// paths), LeaderWait (held requests) and the Forwarder (forwards and their results).

import { err, ok } from '../base/result.js';
import type { Rng } from '../base/rng.js';
import type { CommandOutcome } from '../kv/command_codec.js';
import { ErrorCode } from '../protocol/errors.js';
import type { FieldResult } from '../protocol/fields.js';
import { FORWARD_RESULT_TYPE, FORWARD_TYPE, parseForward, parseForwardResults } from '../protocol/forward.js';
import { KV_REQUEST_TYPES, parseClientRequest, parseOpenSession, type ClientRequest } from '../protocol/lin_kv.js';
import type { Body } from '../protocol/message.js';
import { parseTxnRequest, type TxnRequest } from '../protocol/txn.js';
import { parseRaftMessage, RAFT_MESSAGE_TYPES, type RaftMessage, type RaftNode } from '../raft/index.js';
import type { KvStore } from '../kv/kv_store.js';
import type { GroupId, GroupStorage } from '../storage/types.js';
import { Admission } from './admission.js';
import { Forwarder, LeaderWait } from './forwarding.js';
import { Group } from './group.js';
import { groupOfKey } from './key_split.js';
import { formatTxnStats, type TxnStats } from './optimistic_txns.js';
import { route, type Delivery, type NodeApp, type NodeContext, type ReplyTarget, type Route } from './node_app.js';
import type { KvServerOptions } from './options.js';
import { notProposed, type Respond } from './requests.js';

export interface KvNodeDeps {
  /** Each group's slice of the node's storage (it holds what survives a crash). */
  readonly storage: GroupStorage | ((group: GroupId) => GroupStorage);
  readonly rng: Rng;
  /** Lets tests and the simulator look inside (invariant checks); never used for decisions. */
  readonly observe?: (node: KvNode) => void;
}

/** Senders outside the cluster named in the log (once each); more are ignored without a word. */
const MAX_STRANGERS_LOGGED = 16;

export function createKvNodeApp(options: KvServerOptions, deps: KvNodeDeps): (context: NodeContext) => NodeApp {
  return (context) => {
    const node = new KvNode(context, options, deps);
    deps.observe?.(node);
    return node;
  };
}

export class KvNode implements NodeApp {
  readonly routes: ReadonlyMap<string, Route<unknown>>;
  readonly groups: readonly Group[];
  private readonly admission: Admission;
  private readonly forwarder: Forwarder;
  private readonly leaderWait = new LeaderWait();
  /** Raft senders outside the cluster already logged. */
  private readonly strangers = new Set<string>();
  /** The txn counters line as last logged, and the tick of the next look. */
  private loggedTxnStats = '';
  private nextTxnStatsTick = 0;

  constructor(
    private readonly context: NodeContext,
    private readonly options: KvServerOptions,
    deps: KvNodeDeps,
  ) {
    const storageOf = typeof deps.storage === 'function' ? deps.storage : singleGroup(deps.storage, options.groupCount);
    const host = {
      nodeId: context.nodeId,
      nodeIds: context.nodeIds,
      budget: context.budget,
      now: () => context.currentTick(),
      sendRaft: (group: GroupId, message: RaftMessage, delivery: Delivery) => context.send(message.to, group === 0 ? message : { ...message, group }, delivery),
      log: context.log,
      forward: (group: GroupId, request: ClientRequest, respond: Respond, deadlineTick: number) => this.forwardOrHold(group, request, respond, deadlineTick),
    };
    this.groups = Array.from({ length: options.groupCount }, (_, id) => new Group(id, host, options, storageOf(id), deps.rng.fork()));
    this.admission = new Admission(context.budget, options.maxPendingRequests);
    this.forwarder = new Forwarder(
      {
        now: () => context.currentTick(),
        sendEncoded: (dest, body) => context.sendEncoded(dest, body, 'now'),
        itemsBytes: context.budget.forwardItemsBytes,
        maxOpsPerMessage: options.maxOpsPerForward,
        forwardTimeoutTicks: options.forwardTimeoutTicks,
      },
      deps.rng.int(1, 2 ** 30),
    );

    const routes = new Map<string, Route<unknown>>();
    for (const type of KV_REQUEST_TYPES)
      routes.set(
        type,
        route(
          (body) => parseClientRequest(type, body),
          (incoming) => this.onClientRequest(incoming, incoming.request),
        ),
      );
    routes.set(
      'txn',
      route(parseTxnRequest, (incoming) => this.onClientRequest(incoming, incoming.request)),
    );
    routes.set(
      'open_session',
      route(parseOpenSession, (incoming) => this.onClientRequest(incoming, incoming.request)),
    );
    for (const type of RAFT_MESSAGE_TYPES)
      routes.set(
        type,
        route(
          (body) => this.parseGroupedRaft(body),
          (incoming) => this.onRaftMessage(incoming.request),
        ),
      );
    routes.set(
      FORWARD_TYPE,
      route(parseForward, (incoming) =>
        this.forwarder.onForward(incoming.src, incoming.request, this.appliedIndexOf(0), (request, respond) => this.serve(request, respond, false)),
      ),
    );
    routes.set(
      FORWARD_RESULT_TYPE,
      route(parseForwardResults, (incoming) => this.forwarder.onResults(incoming.request)),
    );
    this.routes = routes;
  }

  /** Group 0's Raft node, store and applied index (what a node with one group has). */
  get raft(): RaftNode {
    return (this.groups[0] as Group).raft;
  }

  get store(): KvStore {
    return (this.groups[0] as Group).machine.store;
  }

  get lastApplied(): number {
    return this.appliedIndexOf(0);
  }

  get pendingRequestBytes(): number {
    return this.admission.pendingBytes;
  }

  get pendingRequestCount(): number {
    let count = this.leaderWait.count + this.forwarder.pendingCount;
    for (const group of this.groups) count += group.pendingCount;
    return count;
  }

  tick(): void {
    for (const group of this.groups) group.tick();
    const now = this.context.currentTick();
    this.routeHeld(now);
    this.forwarder.expire(now, this.appliedIndexOf(0));
    this.logTxnStats(now);
  }

  /** The node's occ or si txn counters, summed over its groups, since it started. */
  get txnStats(): TxnStats {
    const sum = { committed: 0, aborted: 0, retries: 0, earlyAborts: 0, earlyAbortsCoordinating: 0, earlyAbortsAsLeader: 0 };
    for (const group of this.groups) {
      const stats = group.optimistic?.stats;
      if (stats !== undefined) {
        sum.committed += stats.committed;
        sum.aborted += stats.aborted;
        sum.retries += stats.retries;
        sum.earlyAbortsCoordinating += stats.earlyAborts;
      }
      sum.earlyAbortsAsLeader += group.earlyAbortsAsLeader;
    }
    sum.earlyAborts = sum.earlyAbortsCoordinating + sum.earlyAbortsAsLeader;
    return sum;
  }

  /**
   * Every txnStatsEveryTicks, if they changed since: the node's occ or si txn counters, one line
   * for all its groups (readers take a node's last line as its totals: the contention study).
   */
  private logTxnStats(now: number): void {
    const mode = this.options.txnMode;
    if (mode === 'batch' || now < this.nextTxnStatsTick) return;
    this.nextTxnStatsTick = now + this.options.txnStatsEveryTicks;
    const stats = this.txnStats;
    if (stats.committed + stats.aborted + stats.retries + stats.earlyAborts === 0) return;
    const line = formatTxnStats(mode, stats);
    if (line === this.loggedTxnStats) return;
    this.loggedTxnStats = line;
    this.context.log('info', line);
  }

  flush(): void {
    this.routeHeld(this.context.currentTick());
    for (const group of this.groups) group.flush();
    this.forwarder.sendBatches();
  }

  private onClientRequest(target: ReplyTarget, request: TxnRequest): void {
    // Maelstrom validates replies as closed schemas, so only clients who ask (opened a session,
    // sent one or a min_index, or return_index) get the index in theirs.
    const withIndex = request.command.kind === 'open_session' || request.command.tag !== undefined || request.minIndex > 0 || request.returnIndex === true;
    const reply: Respond = (outcome, index) => this.replyToClient(target, outcome, withIndex ? index : undefined);
    const group = this.groupOf(request);
    if (this.groups.length > 1 && (request.command.kind === 'open_session' || request.command.tag !== undefined)) {
      // A session's table lives in one group's state machine; the key split would scatter its requests.
      reply({ type: 'error', code: ErrorCode.notSupported, text: `client sessions need a node with one Raft group; this one runs ${this.groups.length}` }, 0);
      return;
    }
    if (group === SPANS_GROUPS) {
      reply(this.spansGroups(request), 0);
      return;
    }
    const admitted = this.admission.admit(request.command, this.pendingRequestCount, reply, this.appliedIndexOf(group));
    if (admitted !== undefined) this.serve(request, admitted.respond, true, admitted.bytes);
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
  private serve(request: TxnRequest, respond: Respond, mayForward: boolean, commandBytes?: number): void {
    const group = this.groupOf(request);
    if (group === SPANS_GROUPS) {
      // Refused at its origin already, unless that node runs with another group count.
      respond(this.spansGroups(request), this.appliedIndexOf(0));
      return;
    }
    if ((this.groups[group] as Group).serve(request, respond, mayForward, commandBytes)) return;
    if (!mayForward) {
      respond(notProposed(`${this.context.nodeId} is not the leader`), this.appliedIndexOf(group));
      return;
    }
    this.forwardOrHold(group, request, respond, this.context.currentTick() + this.options.leaderWaitTicks);
  }

  private forwardOrHold(group: GroupId, request: ClientRequest, respond: Respond, deadlineTick: number): void {
    const leader = (this.groups[group] as Group).raft.leaderId;
    if (leader === null || leader === this.context.nodeId) this.leaderWait.hold(group, request, respond, deadlineTick);
    else this.forwarder.forward(leader, request, respond);
  }

  private routeHeld(now: number): void {
    this.leaderWait.route(
      now,
      (group) => (this.groups[group] as Group).raft.leaderId !== null,
      (request, respond) => this.serve(request, respond, true),
      (group) => this.appliedIndexOf(group),
    );
  }

  private onRaftMessage({ group, message }: GroupedRaftMessage): void {
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
    (this.groups[group] as Group).step(message);
  }

  private parseGroupedRaft(body: Body): FieldResult<GroupedRaftMessage> {
    const group = body['group'] ?? 0;
    if (typeof group !== 'number' || !Number.isSafeInteger(group) || group < 0 || group >= this.groups.length) {
      return err({ field: 'group', problem: `must name one of this node's ${this.groups.length} groups` });
    }
    const parsed = parseRaftMessage(body);
    return parsed.ok ? ok({ group, message: parsed.value }) : err({ field: 'body', problem: parsed.error });
  }

  /** The group that serves the request, or SPANS_GROUPS for a txn whose keys lie in several. */
  private groupOf(request: ClientRequest): GroupId {
    const { command } = request;
    if (command.kind === 'op') return groupOfKey(command.op.key, this.groups.length);
    if (command.kind === 'open_session' || this.groups.length === 1) return 0;
    const group = groupOfKey(command.ops[0]?.[1] ?? 0, this.groups.length);
    for (const op of command.ops) if (groupOfKey(op[1], this.groups.length) !== group) return SPANS_GROUPS;
    return group;
  }

  /**
   * A txn whose keys lie in several groups would need an atomic commit across Raft logs, which
   * comes with regions. Definite: it is refused before anything is proposed.
   */
  private spansGroups(request: ClientRequest): CommandOutcome {
    const groups = new Set<number>();
    if (request.command.kind === 'txn') for (const op of request.command.ops) groups.add(groupOfKey(op[1], this.groups.length));
    return {
      type: 'error',
      code: ErrorCode.notSupported,
      text:
        `this txn's keys lie in ${groups.size} of this node's ${this.groups.length} Raft groups (${[...groups].sort((a, b) => a - b).join(', ')}; --groups splits keys by a hash), ` +
        'and a txn across groups is not supported yet (it comes with regions); it was not run: keep each txn within one group, or run with --groups 1',
    };
  }

  private appliedIndexOf(group: GroupId): number {
    return (this.groups[group] as Group).machine.appliedIndex;
  }
}

/** groupOf's answer for a txn whose keys lie in more than one group. */
const SPANS_GROUPS = -1;

interface GroupedRaftMessage {
  readonly group: GroupId;
  readonly message: RaftMessage;
}

/** A node with one group may be given its storage itself. */
function singleGroup(storage: GroupStorage, groupCount: number): (group: GroupId) => GroupStorage {
  if (groupCount !== 1) throw new RangeError(`a node of ${groupCount} groups needs storage for each group`);
  return () => storage;
}
