// One Raft group as its node hosts it: the RaftNode, its slice of the node's storage, its state
// machine, the proposals it made and its read path. The node drives every group in each turn;
// a group's Ready loop persists, sends (messages that vouch for storage wait for the sync),
// applies and answers (every proposal exactly once: see proposals.ts), then compacts by count
// or size (compaction.ts). Snapshot reads (at_index) are served here too, whatever the read
// mode; in occ and si modes a txn that reads and writes goes through OptimisticTxns, and a txn
// with a check that the applied state already fails is refused with 30 before it is proposed
// (early abort, unless switched off).

import type { Rng } from '../base/rng.js';
import { encodeCommand } from '../kv/command_codec.js';
import { isReadOnlyCommand } from '../kv/commands.js';
import { KvStateMachine } from '../kv/state_machine.js';
import type { ClientRequest } from '../protocol/lin_kv.js';
import type { TxnRequest } from '../protocol/txn.js';
import type { PeerBudget } from '../protocol/peer_budget.js';
import { makeRaftConfig, RaftNode, vouchesForStorage, type Entry, type RaftMessage, type Role, type Snapshot } from '../raft/index.js';
import type { GroupId, GroupStorage } from '../storage/types.js';
import { commandSize, tooLarge } from './admission.js';
import type { Delivery, LogLevel } from './node_app.js';
import type { KvServerOptions } from './options.js';
import type { ReadPath } from './read_paths.js';
import { createReadPath } from './read_modes.js';
import { notProposed, type Respond } from './requests.js';
import { CompactionTrigger } from './compaction.js';
import { Proposals } from './proposals.js';
import { SnapshotReads } from './snapshot_reads.js';
import { OptimisticTxns, runsOptimistically } from './optimistic_txns.js';

/** What a group needs from the node that hosts it. */
export interface GroupHost {
  readonly nodeId: string;
  readonly nodeIds: readonly string[];
  readonly budget: PeerBudget;
  now(): number;
  sendRaft(group: GroupId, message: RaftMessage, delivery: Delivery): void;
  log(level: LogLevel, text: string): void;
  /** Hands a request this group cannot serve here to the node's forwarding. */
  forward(group: GroupId, request: ClientRequest, respond: Respond, deadlineTick: number): void;
}

/**
 * Ready rounds per turn: reporting the durable point can commit entries, and applying them can
 * confirm reads, each taking another Ready. The work of one turn stays bounded: what is left
 * waits for the next turn (every completed sync starts one).
 */
const MAX_READY_ROUNDS_PER_TURN = 4;

export class Group {
  readonly raft: RaftNode;
  readonly machine: KvStateMachine;
  private readonly proposals = new Proposals();
  private readonly reads: ReadPath | undefined;
  private readonly snapshotReads: SnapshotReads;
  /** occ and si modes: txns with reads and writes run here, optimistically. */
  readonly optimistic: OptimisticTxns | undefined;
  /** Txns with a check refused on this leader before any proposal: their check already failed. */
  earlyAbortsAsLeader = 0;
  /** The tick of the last append or heartbeat from a leader (bounded-staleness reads only). */
  private lastLeaderContactTick = -Infinity;
  private readonly compaction: CompactionTrigger;
  /** Role, term and leader as last logged, so each change is logged once. */
  private leadership: { readonly term: number; readonly role: Role; readonly leader: string | null };

  constructor(
    readonly id: GroupId,
    private readonly host: GroupHost,
    private readonly options: KvServerOptions,
    private readonly storage: GroupStorage,
    rng: Rng,
  ) {
    // Random and far apart (Rng.int draws 32 bits): see ReadHost.firstReadCtx. Below 2^46, so
    // ctxs stay exact integers for as many reads as a node will ever ask for.
    const firstReadCtx = rng.int(1, 2 ** 30) * 2 ** 16;
    this.machine = new KvStateMachine({ retentionEntries: options.mvccRetentionEntries });
    this.compaction = new CompactionTrigger(options.snapshotEveryEntries, options.snapshotEveryBytes);
    const snapshot = storage.snapshot();
    if (snapshot !== undefined) this.restoreSnapshot(snapshot);
    const { budget } = host;
    this.raft = new RaftNode(
      makeRaftConfig({
        id: host.nodeId,
        peers: host.nodeIds,
        rng,
        appliedIndex: this.machine.appliedIndex,
        electionTimeoutTicks: options.electionTimeoutTicks,
        heartbeatTicks: options.heartbeatTicks,
        leaseReads: options.readMode === 'lease',
        followerLeases: options.readMode === 'lease',
        asyncStorageWrites: true,
        // Every message to a peer fits the line limit peers accept.
        maxAppendBytes: budget.appendEntriesBytes,
        maxUncommittedBytes: budget.uncommittedBytes,
        maxSnapshotChunkChars: budget.snapshotChunkChars,
      }),
      storage,
    );
    this.leadership = { term: this.raft.term, role: this.raft.role, leader: this.raft.leaderId };
    this.reads = createReadPath(options.readMode, {
      nodeId: host.nodeId,
      raft: this.raft,
      machine: this.machine,
      now: () => host.now(),
      forwardTimeoutTicks: options.forwardTimeoutTicks,
      leaderWaitTicks: options.leaderWaitTicks,
      stalenessBoundTicks: options.stalenessBoundTicks,
      firstReadCtx,
      lastLeaderContactTick: () => this.lastLeaderContactTick,
      forward: (request, respond, deadlineTick) => host.forward(id, request, respond, deadlineTick),
    });
    this.snapshotReads = new SnapshotReads({
      machine: this.machine,
      now: () => host.now(),
      waitTicks: options.forwardTimeoutTicks,
      retentionEntries: options.mvccRetentionEntries,
    });
    const { txnMode } = options;
    this.optimistic =
      txnMode === 'batch'
        ? undefined
        : new OptimisticTxns({
            mode: txnMode,
            rng: rng.fork(),
            retryBudgetTicks: options.txnRetryBudgetTicks,
            maxRetries: options.txnRetries,
            backoffTicks: options.txnBackoffTicks,
            earlyAbort: options.txnEarlyAbort,
            now: () => host.now(),
            read: (request, respond, mayForward) => this.readForTxn(request, respond, mayForward),
            commit: (request, respond) => {
              if (!this.serve(request, respond, false, undefined)) host.forward(id, request, respond, host.now() + options.leaderWaitTicks);
            },
            conflict: (command) => this.machine.checkConflict(command),
          });
  }

  get pendingCount(): number {
    return this.proposals.size + (this.reads?.pendingCount ?? 0) + this.snapshotReads.count + (this.optimistic?.count ?? 0);
  }

  /**
   * Serves the request here if this node can: a proposal on the leader, a read on its read path.
   * False when only the leader can, so the caller may forward it. `commandBytes` is at least
   * the size of the command's JSON (measured at admission), or undefined to measure it here.
   */
  serve(request: TxnRequest, respond: Respond, mayForward: boolean, commandBytes: number | undefined): boolean {
    const { command } = request;
    // A snapshot read: any node that applied its index serves it, with no message to anyone.
    if (request.atIndex !== undefined) {
      this.snapshotReads.submit(command, request.atIndex, respond);
      return true;
    }
    // A lin-kv read or a txn of reads only: the read mode serves it, and it never enters the log
    // (in 'log' mode there is no read path, and it is proposed like a write).
    if (this.reads !== undefined && isReadOnlyCommand(command)) return this.reads.submit({ respond, minIndex: request.minIndex, request, mayForward });
    if (this.optimistic !== undefined && runsOptimistically(command)) return this.optimistic.start(request, respond, mayForward);
    if (this.raft.role !== 'leader') return false;
    // Early abort: a check the applied state already fails would fail at apply too (versions only grow).
    const conflict = this.options.txnEarlyAbort ? this.machine.checkConflict(command) : undefined;
    if (conflict !== undefined) {
      this.earlyAbortsAsLeader++;
      respond(conflict, this.machine.appliedIndex);
      return true;
    }
    const { budget } = this.host;
    const bytes = commandBytes ?? commandSize(command, budget);
    if (bytes > budget.commandBytes) {
      // Measured at its origin already, unless that node runs with a larger line limit.
      respond(tooLarge(bytes, budget), this.machine.appliedIndex);
      return true;
    }
    const proposed = this.raft.propose(encodeCommand(command), bytes);
    if (proposed.ok) {
      this.proposals.add(proposed.value.index, proposed.value.term, respond);
      return true;
    }
    if (proposed.error.reason === 'overloaded') {
      respond(notProposed('the leader has too many uncommitted entries; try again'), this.machine.appliedIndex);
      return true;
    }
    return false;
  }

  step(message: RaftMessage): void {
    if (message.type === 'raft_append' || message.type === 'raft_heartbeat') this.lastLeaderContactTick = this.host.now();
    this.raft.step(message);
  }

  tick(): void {
    this.raft.tick();
    this.reads?.tick(this.host.now());
    this.snapshotReads.tick(this.host.now());
    this.optimistic?.tick(this.host.now());
  }

  /** The end of a turn: optimistic txns read this turn commit, the turn's reads ask for their read index, then the Ready loop runs. */
  flush(): void {
    this.optimistic?.drain();
    this.reads?.flush();
    this.handleReadies();
  }

  /**
   * The reads of an occ or si txn: on the read path (a linearizable read point), or with no
   * read path ('log' mode) at the leader's applied index, which its check at apply makes safe.
   */
  private readForTxn(request: ClientRequest, respond: Respond, mayForward: boolean): boolean {
    if (this.reads !== undefined) return this.reads.submit({ respond, minIndex: request.minIndex, request, mayForward });
    if (this.raft.role !== 'leader' || request.minIndex > this.machine.appliedIndex) return false;
    respond(this.machine.query(request.command), this.machine.appliedIndex);
    return true;
  }

  /**
   * The Ready loop (see the contract in raft.ts) with asynchronous storage writes: each Ready is
   * recorded in storage, its messages leave at the end of the turn, except those that vouch for
   * storage, which the node holds until the sync covering this turn completes. The durable
   * point is reported at the start of each round, so a leader commits on its own persisted
   * entries only.
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
          this.log('info', `installed the leader's snapshot at ${ready.snapshot.index} (${ready.snapshot.data.length} characters)`);
        }
        this.storage.save(ready.hardState, ready.entries);
        for (const message of ready.messages) this.host.sendRaft(this.id, message, vouchesForStorage(message) ? 'after-sync' : 'now');
        // Applying before the sync is safe: committed entries are durable on a majority already.
        for (const entry of ready.committedEntries) this.apply(entry);
        this.reads?.onReady(ready);
        if (ready.softState !== undefined && ready.softState.role !== 'leader') this.proposals.leadershipLost(this.machine.appliedIndex);
        this.logLeadershipChange();
        this.raft.advance(ready);
      }
      this.reads?.onApplied();
      this.snapshotReads.onApplied();
      // Outside any Ready: txns whose reads were just served propose now, for the next round.
      this.optimistic?.drain();
    }
    this.maybeCompact();
  }

  private apply(entry: Entry): void {
    const outcome = this.machine.apply(entry.index, entry.kind === 'normal' ? entry.data : undefined);
    if (entry.kind === 'normal') this.compaction.applied(entry.data);
    this.proposals.applied(entry.index, entry.term, outcome);
  }

  /** The state machine jumps to a snapshot (on start, or installed from the leader). */
  private restoreSnapshot(snapshot: Snapshot): void {
    this.machine.restore(snapshot.index, snapshot.data);
    this.compaction.snapshotTaken(snapshot.data.length);
    this.proposals.coveredBySnapshot(snapshot.index);
  }

  private maybeCompact(): void {
    const snapshotIndex = this.storage.firstIndex() - 1;
    const applied = this.machine.appliedIndex;
    if (!this.compaction.due(applied, snapshotIndex)) return;
    const data = this.machine.snapshot();
    this.storage.compact(applied, data);
    this.compaction.snapshotTaken(data.length);
    this.log('info', `snapshot at ${applied} (${data.length} characters); log compacted from ${snapshotIndex + 1}`);
  }

  /** Logs, once each, an election won, a step-down, a new term and a new leader to follow. */
  private logLeadershipChange(): void {
    const { term, role, leaderId: leader } = this.raft;
    const before = this.leadership;
    if (term === before.term && role === before.role && leader === before.leader) return;
    this.leadership = { term, role, leader };
    const following = leader === null ? 'no leader known yet' : `following ${leader}`;
    if (role === 'leader') this.log('info', `became leader of term ${term}`);
    else if (before.role === 'leader') this.log('info', `stepped down as leader of term ${before.term}: now ${role} in term ${term}, ${following}`);
    else if (term !== before.term) this.log('info', `term ${term} began (was ${before.term}): ${role === 'candidate' ? 'campaigning' : following}`);
    else if (leader !== null) this.log('info', `following ${leader} in term ${term}`);
  }

  /** A node with one group logs as before; with several, each line names its group. */
  private log(level: LogLevel, text: string): void {
    this.host.log(level, this.options.groupCount > 1 ? `group ${this.id}: ${text}` : text);
  }
}
