// RaftNode: the pure Raft state machine (elections with pre-vote and check-quorum, log
// replication with flow control, commitment, read index, InstallSnapshot for followers behind
// the compacted log). Events come in through tick(), step(), propose(), readIndex(); effects
// go out through ready(). No I/O, no clock, no randomness but config.rng. Invariants are
// asserted: one vote per term, term never decreases, commit never decreases and never passes
// the last index, at most one leader per term seen.
//
// THE READY CONTRACT (the application loop, once per event-loop turn, after all steps/ticks):
//   while (node.hasReady()) {
//     const rd = node.ready();
//     1. persist rd.snapshot (if present: it replaces the log and the state machine), then
//        rd.entries, then rd.hardState (if present)             -- durable before step 2
//     2. send rd.messages                                       -- in any order, may be lost
//     3. apply rd.committedEntries in order; serve rd.readStates once applied >= index;
//        fail rd.droppedReads; on rd.softState, fail requests waiting on a lost leadership
//     4. node.advance(rd)
//   }
// A vote or append response is put in a Ready only together with (or after) the hard state and
// entries it vouches for, so "persist, then send" is all the safety the core needs from the
// application (thesis §3.8: a server must not answer before its term, vote and log are stable).
// With config.asyncStorageWrites, step 1 may only write (not sync): the application then holds
// every message but the leader's own (isFromLeader) until the sync, and calls persisted() when
// a sync completes. The leader counts only persisted entries of its own toward commitment, so
// anything committed is durable on a majority and may be applied and answered at once.
// Proposals in one turn are batched: propose() only appends locally and marks followers dirty;
// ready() sends each follower one append for all of them (up to maxEntriesPerAppend entries
// and maxAppendBytes bytes of them: an append must fit in a line the follower accepts).
// Inputs may also arrive while a Ready is being handled (say, during an fsync): their effects
// go into the next Ready, after advance().

import { assert } from '../base/assert.js';
import { jsonBytes } from '../base/json.js';
import { err, ok, type Result } from '../base/result.js';
import { validateRaftConfig, type RaftConfig } from './config.js';
import { EntrySizes, entryBytesFromData } from './entry_bytes.js';
import { RaftLog } from './log.js';
import {
  isFromLeader,
  isVoteRequest,
  type AppendRequest,
  type AppendResponse,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type LeaseAsk,
  type LeaseGrant,
  type RaftMessage,
  type ReadIndexRequest,
  type ReadIndexResponse,
  type SnapshotRequest,
  type SnapshotResponse,
  type VoteRequest,
  type VoteResponse,
} from './messages.js';
import { Progress, type ProgressState } from './progress.js';
import { majorityValue, quorumSize, voteResult, type VoteResult } from './quorum.js';
import { ForwardedReads, ReadOnly } from './read_only.js';
import type { Storage } from './storage.js';
import { UncommittedTail } from './uncommitted.js';
import {
  hardStateEqual,
  softStateEqual,
  type Command,
  type DroppedRead,
  type DropReason,
  type Entry,
  type HardState,
  type NodeId,
  type ReadState,
  type Role,
  type Snapshot,
  type SoftState,
} from './types.js';

/** Everything the application must act on, in the order of the contract above. */
export interface Ready {
  /** Present when role or leader changed since the last Ready. */
  readonly softState?: SoftState;
  /** Present when term, vote or commit changed since the last Ready. */
  readonly hardState?: HardState;
  /**
   * A snapshot installed from the leader: persist it (it replaces the stored log), and restore
   * the state machine from it before applying committedEntries (which follow it).
   */
  readonly snapshot?: Snapshot;
  /** Entries to persist (they may replace a persisted suffix from entries[0].index on). */
  readonly entries: readonly Entry[];
  /** Entries to apply, in order (they may include some of `entries`: persist first). */
  readonly committedEntries: readonly Entry[];
  readonly messages: readonly RaftMessage[];
  readonly readStates: readonly ReadState[];
  readonly droppedReads: readonly DroppedRead[];
}

/** Why propose() or readIndex() did nothing (a definite refusal: nothing was appended or queued). */
export type Refusal =
  /** Not the leader (propose), or no leader known (readIndex); leaderId is the one this node knows. */
  | { readonly reason: 'not-leader'; readonly leaderId: NodeId | null }
  /** Too many uncommitted entries or pending reads: shed load (nothing was done). */
  | { readonly reason: 'overloaded' };

/** Where the entry will be if it commits; it may still be lost if leadership changes first. */
export interface Proposed {
  readonly index: number;
  readonly term: number;
}

export interface ProgressView {
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  readonly inflight: number;
  readonly paused: boolean;
  readonly recentActive: boolean;
}

/** `null`, the data of a no-op entry. */
const NULL_BYTES = 4;

export class RaftNode {
  readonly id: NodeId;
  private readonly config: RaftConfig;
  private readonly voters: readonly NodeId[];
  private readonly voterSet: ReadonlySet<NodeId>;
  /** Every voter but this node. */
  private readonly others: readonly NodeId[];
  private readonly raftLog: RaftLog;
  private readonly storage: Storage;

  private currentTerm: number;
  private votedFor: NodeId | null;
  private currentRole: Role = 'follower';
  private lead: NodeId | null = null;
  /** Leader only: one per voter, this node included (its match is its last index). */
  private readonly progress = new Map<NodeId, Progress>();
  /** (Pre-)candidate only: who granted or refused. */
  private readonly votes = new Map<NodeId, boolean>();
  private readonly readOnly: ReadOnly;
  private readonly forwarded = new ForwardedReads();
  /** Follower leases: this incarnation's nonce, so grants answering a previous life's asks (whose ticks meant another clock) are ignored. */
  private readonly leaseNonce: number;
  /** Follower leases, follower side: the latest grant of this term's leader. */
  private followerLease: { readonly term: number; readonly askedAt: number; readonly until: number; readonly commit: number } | undefined;
  /** Follower leases, leader side: when this node became leader, and which followers answered it since. */
  private leaderSinceTick = 0;
  private readonly answeredThisTerm = new Set<NodeId>();
  /** The last log position known durable here (see persisted()); on start, all of storage. */
  private durable: { index: number; term: number };
  /** Follower: the chunks of a snapshot being received from the leader. */
  private incomingSnapshot: { from: NodeId; index: number; term: number; chunks: string[]; received: number } | undefined;

  /** Follower/candidate: ticks since the last valid leader message or granted vote. Leader: since the last check-quorum. */
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  /** Ticks since this node started; the clock for read deadlines and the lease. */
  private ticks = 0;

  private outbox: RaftMessage[] = [];
  private readStates: ReadState[] = [];
  private droppedReads: DroppedRead[] = [];
  /** Leader: followers that may have something to send at the next flush. */
  private readonly dirtyPeers = new Set<NodeId>();
  /** Leader: the commit index moved; followers may need to hear it. */
  private commitAdvanced = false;
  /** Leader: the bytes of its entries not yet committed (maxUncommittedBytes). */
  private readonly uncommitted = new UncommittedTail();
  /** Leader: the sizes of recent entries, for the byte bound of appends. */
  private readonly entrySizes = new EntrySizes();

  private prevHardState: HardState;
  private prevSoftState: SoftState;
  private outstanding: Ready | undefined;

  /** Builds a node from what `storage` holds: a fresh node or one restarting after a crash. */
  constructor(config: RaftConfig, storage: Storage) {
    validateRaftConfig(config);
    this.config = config;
    this.id = config.id;
    this.voters = [...config.peers].sort();
    this.voterSet = new Set(this.voters);
    this.others = this.voters.filter((id) => id !== config.id);
    this.readOnly = new ReadOnly(config.id);
    const hardState = storage.initialState();
    assert(hardState.vote === null || this.voterSet.has(hardState.vote), () => `raft: stored vote for unknown node ${String(hardState.vote)}`);
    this.storage = storage;
    this.raftLog = new RaftLog(storage, hardState.commit, config.appliedIndex);
    this.currentTerm = hardState.term;
    this.votedFor = hardState.vote;
    this.prevHardState = hardState;
    this.durable = { index: this.raftLog.lastIndex(), term: this.raftLog.lastTerm() };
    this.leaseNonce = config.followerLeases ? config.rng.int(1, 2 ** 30) : 0;
    this.becomeFollower(hardState.term, null);
    this.prevSoftState = this.softState();
  }

  // ---------------------------------------------------------------- read-only accessors

  get role(): Role {
    return this.currentRole;
  }

  get term(): number {
    return this.currentTerm;
  }

  get vote(): NodeId | null {
    return this.votedFor;
  }

  get leaderId(): NodeId | null {
    return this.lead;
  }

  get commitIndex(): number {
    return this.raftLog.committed;
  }

  get appliedIndex(): number {
    return this.raftLog.applied;
  }

  get firstIndex(): number {
    return this.raftLog.firstIndex();
  }

  get lastIndex(): number {
    return this.raftLog.lastIndex();
  }

  get lastTerm(): number {
    return this.raftLog.lastTerm();
  }

  /** Ticks since this node was constructed. */
  get tickCount(): number {
    return this.ticks;
  }

  /** Reads waiting for confirmation on this node (as leader) or for the leader's answer (as follower). */
  get pendingReadCount(): number {
    return this.readOnly.size + this.forwarded.size;
  }

  logTerm(index: number): number | undefined {
    return this.raftLog.term(index);
  }

  /** Entries [lo, hi) of the log, persisted or not. */
  logEntries(lo: number, hi: number): Entry[] {
    return this.raftLog.slice(lo, hi);
  }

  softState(): SoftState {
    return { role: this.currentRole, leaderId: this.lead };
  }

  hardState(): HardState {
    return { term: this.currentTerm, vote: this.votedFor, commit: this.raftLog.committed };
  }

  /** The leader's view of a follower (undefined when not leader). */
  progressOf(peer: NodeId): ProgressView | undefined {
    const pr = this.currentRole === 'leader' ? this.progress.get(peer) : undefined;
    if (pr === undefined) return undefined;
    return { match: pr.match, next: pr.next, state: pr.state, inflight: pr.inflights.count, paused: pr.isPaused(), recentActive: pr.recentActive };
  }

  /** One line for logs. */
  describe(): string {
    const base = `${this.id} ${this.currentRole} t${this.currentTerm} lead=${this.lead ?? '-'} vote=${this.votedFor ?? '-'} last=${this.lastIndex}/${this.lastTerm} commit=${this.commitIndex} applied=${this.appliedIndex}`;
    if (this.currentRole !== 'leader') return base;
    const prs = this.others.map((id) => `${id}:${(this.progress.get(id) as Progress).describe()}`);
    return `${base} [${prs.join('; ')}]`;
  }

  // ---------------------------------------------------------------- inputs

  /** Advances logical time by one tick (elections, heartbeats, check-quorum, read deadlines). */
  tick(): void {
    this.ticks++;
    if (this.currentRole === 'leader') this.tickHeartbeat();
    else this.tickElection();
    this.expireReads();
  }

  /** Starts an election now (as if the election timeout elapsed). No-op on a leader. */
  campaign(): void {
    if (this.currentRole === 'leader') return;
    this.hup();
  }

  /**
   * Appends a command to the leader's log. The entry is sent to followers at the next ready(),
   * together with everything else proposed in the same turn. `dataBytes`, when the caller knows
   * it, is the UTF-8 size of JSON.stringify(data), or an upper bound of it (the byte bounds then
   * only get stricter), so the entry is not measured again.
   */
  propose(data: Command, dataBytes?: number): Result<Proposed, Refusal> {
    if (this.currentRole !== 'leader') return err({ reason: 'not-leader', leaderId: this.lead });
    if (this.raftLog.lastIndex() - this.raftLog.committed >= this.config.maxUncommittedEntries) return err({ reason: 'overloaded' });
    const index = this.raftLog.lastIndex() + 1;
    const bytes = entryBytesFromData(index, this.currentTerm, 'normal', dataBytes ?? jsonBytes(data));
    if (!this.uncommitted.isEmpty && this.uncommitted.bytes + bytes > this.config.maxUncommittedBytes) return err({ reason: 'overloaded' });
    this.appendEntry('normal', data, bytes);
    return ok({ index, term: this.currentTerm });
  }

  /** Leader: bytes of the entries it appended in its term that are not committed yet. */
  get uncommittedBytes(): number {
    return this.uncommitted.bytes;
  }

  /**
   * Asks for a linearizable read point (thesis §6.4). The answer arrives in a later Ready, as a
   * ReadState {ctx, index} (serve the read once the state machine applied `index`) or a
   * DroppedRead {ctx}. `ctx` must be unique among this node's pending reads. A leader confirms
   * its leadership with one heartbeat round shared by every read of the turn; a follower
   * forwards to the leader it knows. Refused at once when no leader is known.
   */
  readIndex(ctx: number): Result<null, Refusal> {
    assert(Number.isSafeInteger(ctx) && ctx >= 0, () => `raft: read ctx must be a non-negative integer, got ${ctx}`);
    if (this.currentRole === 'leader') {
      if (this.readOnly.size >= this.config.maxPendingReads) return err({ reason: 'overloaded' });
      assert(!this.readOnly.has(this.id, ctx), () => `raft: read ctx ${ctx} is already pending`);
      this.readOnly.add({ ctx, from: this.id, index: this.readIndexNow(), round: 0, deadlineTick: this.ticks + this.config.readTimeoutTicks });
      return ok(null);
    }
    if (this.lead === null) return err({ reason: 'not-leader', leaderId: null });
    if (this.forwarded.size >= this.config.maxPendingReads) return err({ reason: 'overloaded' });
    this.forwarded.add(ctx, { leader: this.lead, deadlineTick: this.ticks + this.config.readTimeoutTicks });
    this.send<ReadIndexRequest>({ type: 'raft_read_index', from: this.id, to: this.lead, term: this.currentTerm, ctx });
    return ok(null);
  }

  /**
   * Lease hook (thesis §6.4.1), only with config.leaseReads: true while this leader may serve
   * reads without a heartbeat round. A majority acknowledged a round that started at tick s, and
   * each of them refuses votes until an election timeout after hearing it, so no other leader
   * can exist before s + electionTimeoutTicks on their clocks; leaseMarginTicks covers drift.
   */
  leaseValid(): boolean {
    if (!this.config.leaseReads || this.currentRole !== 'leader' || !this.committedInCurrentTerm()) return false;
    if (this.voters.length === 1) return true;
    const start = this.readOnly.leaseStartTick();
    return start !== undefined && this.ticks < start + this.config.electionTimeoutTicks - this.config.leaseMarginTicks;
  }

  /**
   * Follower leases, on a follower: while a lease from this term's leader holds, returns the
   * index this node must have applied to serve reads locally; undefined without a lease.
   *
   * Why a local read is then linearizable: the lease was granted for an ask made at tick a on
   * our clock, lasts until a + (electionTimeout - margin), and the leader counted us as holding
   * it from the grant on, at least that long on its clock (plus a margin for drift). While it
   * counts us, it commits nothing we have not acknowledged, so every entry committed after the
   * grant is in our log, and every one committed before it is at or below the grant's commit
   * index. A new leader commits nothing until we answered it (a new term drops our lease) or
   * any lease an earlier leader could have granted ran out. So a reader that has applied the
   * grant's commit index and finds no unapplied entry in its log touching the key it reads has
   * every acknowledged write to that key applied. The caller checks the log; this checks time.
   */
  followerReadPoint(): number | undefined {
    const lease = this.followerLease;
    if (lease === undefined || this.currentRole !== 'follower' || lease.term !== this.currentTerm || this.ticks >= lease.until) return undefined;
    return lease.commit;
  }

  /** Handles a message from a peer (after parseRaftMessage). Messages from non-voters are ignored. */
  step(m: RaftMessage): void {
    assert(m.to === this.id, () => `raft: message for ${m.to} stepped into ${this.id}`);
    if (!this.voterSet.has(m.from) || m.from === this.id) return;

    if (m.term > this.currentTerm) {
      if (isVoteRequest(m) && this.inLease(m.type)) {
        // §4.2.3: we heard from a live leader less than an election timeout ago, so this
        // candidate is disruptive (or partitioned away): ignore it without adopting its term.
        return;
      }
      if (m.type === 'raft_prevote' || (m.type === 'raft_prevote_resp' && m.granted)) {
        // §9.6: a pre-vote asks about a term nobody has entered yet; answering it or being
        // granted it changes no one's term.
      } else {
        this.becomeFollower(m.term, isFromLeader(m) ? m.from : null);
      }
    } else if (m.term < this.currentTerm) {
      if ((this.config.checkQuorum || this.config.preVote) && isFromLeader(m)) {
        // A leader of an older term. With check-quorum or pre-vote, a node can sit in a higher
        // term the leader never hears of (its vote requests are ignored under the lease), and
        // it ignores the leader's older term: both would be stuck. Telling the leader our term
        // makes it step down and the cluster re-elect (etcd's "free stuck candidate").
        this.send<AppendResponse>({
          type: 'raft_append_resp',
          from: this.id,
          to: m.from,
          term: this.currentTerm,
          reject: true,
          index: 0,
          hintIndex: 0,
          hintTerm: 0,
        });
      } else if (m.type === 'raft_prevote') {
        // Refuse explicitly so the pre-candidate learns our term instead of timing out.
        this.send<VoteResponse>({ type: 'raft_prevote_resp', from: this.id, to: m.from, term: this.currentTerm, granted: false });
      }
      return; // everything else from an older term is stale
    }

    if (isVoteRequest(m)) {
      this.handleVoteRequest(m);
      return;
    }
    switch (this.currentRole) {
      case 'leader':
        this.stepLeader(m);
        return;
      case 'candidate':
      case 'pre-candidate':
        this.stepCandidate(m);
        return;
      case 'follower':
        this.stepFollower(m);
        return;
    }
  }

  // ---------------------------------------------------------------- Ready

  /** Whether ready() would return anything. False while a Ready is outstanding (call advance first). */
  hasReady(): boolean {
    if (this.outstanding !== undefined) return false;
    return (
      !softStateEqual(this.softState(), this.prevSoftState) ||
      !hardStateEqual(this.hardState(), this.prevHardState) ||
      this.raftLog.hasUnstableEntries() ||
      this.raftLog.pendingSnapshot() !== undefined ||
      this.raftLog.hasCommittedToApply() ||
      this.outbox.length > 0 ||
      this.readStates.length > 0 ||
      this.droppedReads.length > 0 ||
      (this.currentRole === 'leader' && (this.commitAdvanced || this.readOnly.hasUnassigned() || this.hasPeerToSendTo()))
    );
  }

  /** A follower marked dirty may have caught up since (a later acknowledgement in the same turn). */
  private hasPeerToSendTo(): boolean {
    for (const id of this.dirtyPeers) if (this.wouldSendTo(this.progress.get(id) as Progress)) return true;
    return false;
  }

  /**
   * Flushes this turn's batched work (one append per dirty follower, one heartbeat round for
   * new reads, commit notices) and returns everything the application must do. Exactly one
   * Ready may be outstanding; hand it back to advance() when done.
   */
  ready(): Ready {
    assert(this.outstanding === undefined, 'raft: ready() called again before advance()');
    this.flush();
    const softState = this.softState();
    const hardState = this.hardState();
    const snapshot = this.raftLog.pendingSnapshot();
    const rd: Ready = {
      ...(softStateEqual(softState, this.prevSoftState) ? {} : { softState }),
      ...(hardStateEqual(hardState, this.prevHardState) ? {} : { hardState }),
      ...(snapshot === undefined ? {} : { snapshot }),
      entries: this.raftLog.unstableEntries(),
      committedEntries: this.raftLog.committedToApply(this.config.maxCommittedEntriesPerReady),
      messages: this.outbox.splice(0, this.config.maxMessagesPerReady),
      readStates: this.readStates,
      droppedReads: this.droppedReads,
    };
    this.readStates = [];
    this.droppedReads = [];
    this.outstanding = rd;
    return rd;
  }

  /**
   * With asyncStorageWrites: everything this node wrote up to the entry (index, term) is now
   * durable (the storage's latest durable point, which may lie below an earlier one after a
   * suffix was replaced). A report whose entry was since replaced (another term at that index)
   * or compacted away counts for nothing; the next report covers it.
   */
  persisted(index: number, term: number): void {
    this.durable = { index, term };
    if (this.currentRole !== 'leader' || !this.config.asyncStorageWrites) return;
    if ((this.progress.get(this.id) as Progress).maybeUpdate(this.durableMatch())) this.maybeCommit();
  }

  /** The application has persisted, sent and applied `rd`. */
  advance(rd: Ready): void {
    assert(rd === this.outstanding, 'raft: advance() with a Ready that is not the outstanding one');
    this.outstanding = undefined;
    if (rd.softState !== undefined) this.prevSoftState = rd.softState;
    if (rd.hardState !== undefined) this.prevHardState = rd.hardState;
    if (rd.snapshot !== undefined) this.raftLog.snapshotStable(rd.snapshot);
    const lastEntry = rd.entries[rd.entries.length - 1];
    if (lastEntry !== undefined) this.raftLog.stableTo(lastEntry.index, lastEntry.term);
    const lastApplied = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastApplied !== undefined) this.raftLog.appliedTo(lastApplied.index);
  }

  // ---------------------------------------------------------------- role changes

  private becomeFollower(term: number, lead: NodeId | null): void {
    this.reset(term);
    this.currentRole = 'follower';
    this.lead = lead;
  }

  /** §9.6: a pre-candidate keeps its term and vote; it only asks whether it could win. */
  private becomePreCandidate(): void {
    assert(this.currentRole !== 'leader', 'raft: leader cannot become pre-candidate');
    this.reset(this.currentTerm);
    this.currentRole = 'pre-candidate';
  }

  private becomeCandidate(): void {
    assert(this.currentRole !== 'leader', 'raft: leader cannot become candidate');
    this.reset(this.currentTerm + 1);
    this.setVote(this.id);
    this.currentRole = 'candidate';
  }

  private becomeLeader(): void {
    assert(this.currentRole === 'candidate', () => `raft: ${this.currentRole} cannot become leader`);
    const voters = [...this.votes].filter(([, granted]) => granted).map(([id]) => id);
    this.reset(this.currentTerm);
    // Whoever voted for us is in our term, so holds no lease from an earlier leader.
    for (const id of voters) this.answeredThisTerm.add(id);
    this.currentRole = 'leader';
    this.lead = this.id;
    const next = this.raftLog.lastIndex() + 1;
    for (const id of this.voters) this.progress.set(id, new Progress(next, this.config.maxInflightAppends));
    this.leaderSinceTick = this.ticks;
    const self = this.progress.get(this.id) as Progress;
    self.maybeUpdate(this.config.asyncStorageWrites ? this.durableMatch() : this.raftLog.lastIndex());
    self.recentActive = true;
    // §3.6.2 / §6.4: entries of earlier terms only commit with one of ours, and read index
    // needs a commit in this term; append a no-op at once rather than waiting for a client.
    this.appendEntry('noop', null, entryBytesFromData(next, this.currentTerm, 'noop', NULL_BYTES));
  }

  /** Volatile state shared by every role change; term changes clear the vote. */
  private reset(term: number): void {
    assert(term >= this.currentTerm, () => `raft: term going back from ${this.currentTerm} to ${term}`);
    if (term !== this.currentTerm) {
      this.currentTerm = term;
      this.votedFor = null;
    }
    this.lead = null;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.config.rng.int(this.config.electionTimeoutTicks, 2 * this.config.electionTimeoutTicks - 1);
    this.votes.clear();
    this.progress.clear();
    this.followerLease = undefined;
    this.answeredThisTerm.clear();
    this.incomingSnapshot = undefined;
    this.dirtyPeers.clear();
    this.commitAdvanced = false;
    this.uncommitted.clear();
    this.dropReads('leadership-lost');
  }

  private setVote(id: NodeId): void {
    assert(this.votedFor === null || this.votedFor === id, () => `raft: second vote in term ${this.currentTerm}: ${this.votedFor} then ${id}`);
    this.votedFor = id;
  }

  // ---------------------------------------------------------------- elections

  private tickElection(): void {
    this.electionElapsed++;
    if (this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup();
    }
  }

  private hup(): void {
    this.startCampaign(this.config.preVote ? 'pre-vote' : 'election');
  }

  private startCampaign(kind: 'pre-vote' | 'election'): void {
    let term: number;
    let type: VoteRequest['type'];
    if (kind === 'pre-vote') {
      this.becomePreCandidate();
      term = this.currentTerm + 1;
      type = 'raft_prevote';
    } else {
      this.becomeCandidate();
      term = this.currentTerm;
      type = 'raft_vote';
    }
    if (this.poll(this.id, true) === 'won') {
      this.afterVoteWon();
      return;
    }
    const lastIndex = this.raftLog.lastIndex();
    const lastTerm = this.raftLog.lastTerm();
    for (const to of this.others) this.send<VoteRequest>({ type, from: this.id, to, term, lastIndex, lastTerm });
  }

  private afterVoteWon(): void {
    if (this.currentRole === 'pre-candidate') this.startCampaign('election');
    else this.becomeLeader();
  }

  private poll(id: NodeId, granted: boolean): VoteResult {
    if (!this.votes.has(id)) this.votes.set(id, granted);
    return voteResult(this.voters, this.votes);
  }

  /**
   * Whether to ignore a (pre-)vote request because a leader is alive (§4.2.3 with check-quorum;
   * §9.6 for pre-votes: grant one only if we have not heard from a leader for an election
   * timeout). With lease reads, a node also refuses for its first election timeout: before a
   * restart it may have acknowledged a leader's lease it no longer remembers.
   */
  private inLease(type: VoteRequest['type']): boolean {
    if (!this.config.checkQuorum && !(this.config.preVote && type === 'raft_prevote')) return false;
    if (this.config.leaseReads && this.ticks < this.config.electionTimeoutTicks) return true;
    return this.lead !== null && this.electionElapsed < this.config.electionTimeoutTicks;
  }

  private handleVoteRequest(m: VoteRequest): void {
    const responseType = m.type === 'raft_vote' ? 'raft_vote_resp' : 'raft_prevote_resp';
    // We can vote for whoever we already voted for this term, for anyone when we have neither
    // voted nor seen a leader in this term, and pre-vote for any later term.
    const canVote = this.votedFor === m.from || (this.votedFor === null && this.lead === null) || (m.type === 'raft_prevote' && m.term > this.currentTerm);
    if (canVote && this.raftLog.isUpToDate(m.lastIndex, m.lastTerm)) {
      // A granted pre-vote carries the term asked for, so the pre-candidate counts it.
      this.send<VoteResponse>({ type: responseType, from: this.id, to: m.from, term: m.term, granted: true });
      if (m.type === 'raft_vote') {
        this.electionElapsed = 0; // §3.4: granting a vote resets the election timer
        this.setVote(m.from);
      }
    } else {
      this.send<VoteResponse>({ type: responseType, from: this.id, to: m.from, term: this.currentTerm, granted: false });
    }
  }

  private stepCandidate(m: Exclude<RaftMessage, VoteRequest>): void {
    switch (m.type) {
      case 'raft_append':
        // A leader exists in our term (or a later one): give up the campaign.
        this.becomeFollower(m.term, m.from);
        this.handleAppendEntries(m);
        return;
      case 'raft_heartbeat':
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case 'raft_snapshot':
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case 'raft_vote_resp':
      case 'raft_prevote_resp': {
        if ((m.type === 'raft_vote_resp') !== (this.currentRole === 'candidate')) return; // the other kind's, stale
        const result = this.poll(m.from, m.granted);
        if (result === 'won') this.afterVoteWon();
        else if (result === 'lost') this.becomeFollower(this.currentTerm, null);
        return;
      }
      case 'raft_read_index':
        this.rejectForwardedRead(m);
        return;
      case 'raft_append_resp':
      case 'raft_heartbeat_resp':
      case 'raft_snapshot_resp':
      case 'raft_read_index_resp':
        return; // answers to a leadership we no longer hold
    }
  }

  private stepFollower(m: Exclude<RaftMessage, VoteRequest>): void {
    switch (m.type) {
      case 'raft_append':
        this.acceptLeader(m.from);
        this.handleAppendEntries(m);
        return;
      case 'raft_heartbeat':
        this.acceptLeader(m.from);
        this.handleHeartbeat(m);
        return;
      case 'raft_read_index':
        this.rejectForwardedRead(m); // the sender's idea of the leader is outdated; no chains
        return;
      case 'raft_read_index_resp':
        this.handleReadIndexResponse(m);
        return;
      case 'raft_snapshot':
        this.acceptLeader(m.from);
        this.handleSnapshot(m);
        return;
      case 'raft_vote_resp':
      case 'raft_prevote_resp':
      case 'raft_append_resp':
      case 'raft_heartbeat_resp':
      case 'raft_snapshot_resp':
        return; // stale answers to a campaign or leadership of ours
    }
  }

  private acceptLeader(from: NodeId): void {
    assert(this.lead === null || this.lead === from, () => `raft: two leaders in term ${this.currentTerm}: ${this.lead} and ${from}`);
    this.electionElapsed = 0;
    this.lead = from;
  }

  // ---------------------------------------------------------------- follower: replication

  private handleAppendEntries(m: AppendRequest): void {
    // Any answer in the leader's term confirms its read-index round, if the append carried one.
    const round = m.round === undefined ? {} : { round: m.round };
    const respond = (fields: Pick<AppendResponse, 'reject' | 'index' | 'hintIndex' | 'hintTerm'>): void =>
      this.send<AppendResponse>({ type: 'raft_append_resp', from: this.id, to: m.from, term: this.currentTerm, ...fields, ...round });
    if (m.prevIndex < this.raftLog.committed) {
      // Everything up to our commit index matches any leader's log (§3.6.3); say how far.
      respond({ reject: false, index: this.raftLog.committed, hintIndex: 0, hintTerm: 0 });
      return;
    }
    const lastNewIndex = this.raftLog.maybeAppend(m.prevIndex, m.prevTerm, m.commit, m.entries);
    if (lastNewIndex !== undefined) {
      respond({ reject: false, index: lastNewIndex, hintIndex: 0, hintTerm: 0 });
      return;
    }
    // Consistency check failed. Point the leader at the last index that may still match:
    // at most our last index, and with a term at most prevTerm (every entry of ours after it
    // has a larger term than the leader's at prevIndex, so cannot match).
    const hint = this.raftLog.findConflictByTerm(Math.min(m.prevIndex, this.raftLog.lastIndex()), m.prevTerm);
    respond({ reject: true, index: m.prevIndex, hintIndex: hint.index, hintTerm: hint.term });
  }

  /**
   * The follower side of InstallSnapshot. Chunks must arrive in order (offset = what we hold);
   * anything else is answered with what we hold, so the leader resumes from there. The last
   * chunk installs the snapshot and is answered like a successful append of its index.
   */
  private handleSnapshot(m: SnapshotRequest): void {
    const respondOffset = (offset: number): void =>
      this.send<SnapshotResponse>({ type: 'raft_snapshot_resp', from: this.id, to: m.from, term: this.currentTerm, snapshotIndex: m.snapshotIndex, offset });
    const respondDone = (index: number): void =>
      this.send<AppendResponse>({
        type: 'raft_append_resp',
        from: this.id,
        to: m.from,
        term: this.currentTerm,
        reject: false,
        index,
        hintIndex: 0,
        hintTerm: 0,
      });
    if (m.snapshotIndex <= this.raftLog.committed) {
      // We already hold (and committed) everything it covers.
      this.incomingSnapshot = undefined;
      respondDone(this.raftLog.committed);
      return;
    }
    if (m.offset === 0) this.incomingSnapshot = { from: m.from, index: m.snapshotIndex, term: m.snapshotTerm, chunks: [], received: 0 };
    const incoming = this.incomingSnapshot;
    if (
      incoming === undefined ||
      incoming.from !== m.from ||
      incoming.index !== m.snapshotIndex ||
      incoming.term !== m.snapshotTerm ||
      incoming.received !== m.offset
    ) {
      respondOffset(incoming !== undefined && incoming.from === m.from && incoming.index === m.snapshotIndex ? incoming.received : 0);
      return;
    }
    if (!m.done) {
      incoming.chunks.push(m.data);
      incoming.received += m.data.length;
      respondOffset(incoming.received);
      return;
    }
    if (this.outstanding !== undefined) {
      // The application is between ready() and advance() (inputs may arrive then): installing
      // now would move the applied index under it. Ask for the last chunk again instead.
      respondOffset(incoming.received);
      return;
    }
    this.incomingSnapshot = undefined;
    incoming.chunks.push(m.data);
    const snapshot: Snapshot = { index: m.snapshotIndex, term: m.snapshotTerm, data: incoming.chunks.join('') };
    if (this.raftLog.matchTerm(snapshot.index, snapshot.term)) {
      // Our log holds its last entry, hence (log matching) everything before: just commit.
      this.raftLog.commitTo(snapshot.index);
    } else {
      this.raftLog.restore(snapshot);
    }
    respondDone(snapshot.index);
  }

  private handleHeartbeat(m: HeartbeatRequest): void {
    // The leader sends min(our match, its commit), so this never passes what we hold.
    this.raftLog.commitTo(m.commit);
    if (!this.config.followerLeases) {
      this.send<HeartbeatResponse>({ type: 'raft_heartbeat_resp', from: this.id, to: m.from, term: this.currentTerm, round: m.round });
      return;
    }
    if (m.lease !== undefined) this.acceptLeaseGrant(m.lease);
    const lease = { askedAt: this.ticks, nonce: this.leaseNonce };
    this.send<HeartbeatResponse>({ type: 'raft_heartbeat_resp', from: this.id, to: m.from, term: this.currentTerm, round: m.round, lease });
  }

  /** A grant counts from our own ask (never from its arrival, which a slow network could delay without bound). */
  private acceptLeaseGrant(grant: LeaseGrant): void {
    if (grant.nonce !== this.leaseNonce || grant.askedAt > this.ticks) return; // an earlier life's ask
    const current = this.followerLease;
    if (current !== undefined && current.term === this.currentTerm && current.askedAt >= grant.askedAt) return; // stale
    const until = grant.askedAt + this.config.electionTimeoutTicks - this.config.leaseMarginTicks;
    this.followerLease = { term: this.currentTerm, askedAt: grant.askedAt, until, commit: grant.commit };
  }

  // ---------------------------------------------------------------- leader

  private stepLeader(m: Exclude<RaftMessage, VoteRequest>): void {
    this.answeredThisTerm.add(m.from); // in our term now: any lease it held from an earlier leader is gone
    switch (m.type) {
      case 'raft_append_resp':
        this.handleAppendResponse(m);
        return;
      case 'raft_heartbeat_resp':
        this.handleHeartbeatResponse(m);
        return;
      case 'raft_snapshot_resp':
        this.handleSnapshotResponse(m);
        return;
      case 'raft_read_index':
        this.handleForwardedRead(m);
        return;
      case 'raft_append':
      case 'raft_heartbeat':
      case 'raft_snapshot':
        assert(false, () => `raft: two leaders in term ${this.currentTerm}: ${this.id} and ${m.from}`);
        return;
      case 'raft_vote_resp':
      case 'raft_prevote_resp':
      case 'raft_read_index_resp':
        return; // stale: late votes of the election we won, answers meant for a follower past
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.config.electionTimeoutTicks) {
      this.electionElapsed = 0;
      if (this.config.checkQuorum) {
        // §6.2: a leader that cannot reach a majority steps down, so clients stop waiting on
        // it and reads cannot be served from a deposed leader's stale state.
        if (!this.quorumActive()) {
          this.becomeFollower(this.currentTerm, null);
          return;
        }
        for (const id of this.others) (this.progress.get(id) as Progress).recentActive = false;
      }
    }
    this.detectStalls();
    if (this.config.followerLeases) this.maybeCommit(); // a lease that ran out may have held a commit back
    if (this.heartbeatElapsed >= this.config.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat();
    }
  }

  private quorumActive(): boolean {
    let active = 0;
    for (const id of this.voters) if ((this.progress.get(id) as Progress).recentActive) active++;
    return active >= quorumSize(this.voters.length);
  }

  /**
   * A follower in replicate state that acknowledged nothing for a whole election timeout while
   * appends were outstanding has probably lost one: a lost append is otherwise only noticed when
   * a later append is rejected, which never comes while the leader is idle. Fall back to probing
   * from its match point. The timeout is generous on purpose (round trips are far shorter than
   * an election timeout, thesis §3.4's timing requirement), so a slow link is not mistaken for
   * loss and the pipeline is not torn down needlessly.
   */
  private detectStalls(): void {
    for (const id of this.others) {
      const pr = this.progress.get(id) as Progress;
      if (pr.state !== 'replicate' || pr.inflights.count === 0) {
        pr.stalledTicks = 0;
        continue;
      }
      pr.stalledTicks++;
      if (pr.stalledTicks >= this.config.electionTimeoutTicks) {
        pr.becomeProbe();
        this.dirtyPeers.add(id);
      }
    }
  }

  /** Appends one entry of the current term to the leader's log and schedules replication. */
  private appendEntry(kind: Entry['kind'], data: Command, bytes: number): number {
    const index = this.raftLog.lastIndex() + 1;
    this.entrySizes.remember(index, this.currentTerm, bytes);
    this.uncommitted.add(index, bytes);
    this.raftLog.append([{ index, term: this.currentTerm, kind, data }]);
    if (!this.config.asyncStorageWrites) {
      // The leader's own "match" counts toward the quorum now: its entries are persisted in the
      // same Ready that could report them committed, before anything is applied or sent.
      (this.progress.get(this.id) as Progress).maybeUpdate(index);
      this.maybeCommit();
    }
    for (const id of this.others) this.dirtyPeers.add(id);
    return index;
  }

  /**
   * How far this node's own log is durable, as a match index: by log matching, an entry that
   * still has the term it had when it was synced sits on the same prefix that was synced.
   */
  private durableMatch(): number {
    const { index, term } = this.durable;
    return index <= this.raftLog.lastIndex() && this.raftLog.term(index) === term ? index : 0;
  }

  private maybeCommit(): boolean {
    let quorumIndex = majorityValue(this.voters, (id) => (this.progress.get(id) as Progress).match);
    if (this.config.followerLeases) quorumIndex = Math.min(quorumIndex, this.leaseHoldersMatch());
    if (!this.raftLog.maybeCommit(quorumIndex, this.currentTerm)) return false;
    this.commitAdvanced = true;
    this.uncommitted.commitTo(this.raftLog.committed);
    // §6.4: reads that arrived before the first commit of this term can now be pinned.
    this.readOnly.fillIndex(this.raftLog.committed);
    return true;
  }

  /**
   * Follower leases: how far every follower that may be serving reads has our log. Followers we
   * granted a lease hold it until leaseHeldUntil. A follower that has not answered us in this
   * term may hold one from an earlier leader: that leader granted it at most two election
   * timeouts after losing its majority (check-quorum's period), we were elected at least one
   * after that, and the lease ran for less than one more: until then nothing new commits.
   */
  private leaseHoldersMatch(): number {
    let bound = Number.MAX_SAFE_INTEGER;
    const earlierLeasesEnd = this.leaderSinceTick + 2 * this.config.electionTimeoutTicks + this.config.leaseMarginTicks;
    for (const id of this.others) {
      const pr = this.progress.get(id) as Progress;
      if (pr.leaseHeldUntil > this.ticks) bound = Math.min(bound, pr.match);
      if (!this.answeredThisTerm.has(id) && this.ticks < earlierLeasesEnd) bound = Math.min(bound, this.raftLog.committed);
    }
    return bound;
  }

  private committedInCurrentTerm(): boolean {
    return this.raftLog.term(this.raftLog.committed) === this.currentTerm;
  }

  /** The commit index a read arriving now must wait for, or -1 until this term has a commit. */
  private readIndexNow(): number {
    return this.committedInCurrentTerm() ? this.raftLog.committed : -1;
  }

  private handleAppendResponse(m: AppendResponse): void {
    const pr = this.progress.get(m.from) as Progress;
    pr.recentActive = true;
    if (m.round !== undefined) {
      this.readOnly.recvAck(m.from, m.round);
      this.releaseConfirmedReads();
    }
    if (m.reject) {
      // Fast backtracking (§5.3): the follower's hint is refined against our log, so the
      // next probe lands on the last index where both logs can hold the same term.
      const nextProbe = m.hintTerm > 0 ? this.raftLog.findConflictByTerm(m.hintIndex, m.hintTerm).index : m.hintIndex;
      if (pr.maybeDecrTo(m.index, nextProbe)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.dirtyPeers.add(m.from);
      }
      return;
    }
    assert(m.index <= this.raftLog.lastIndex(), () => `raft: ${m.from} acknowledged ${m.index} beyond our last index ${this.raftLog.lastIndex()}`);
    if (!pr.maybeUpdate(m.index)) return; // stale or duplicate
    if (pr.state === 'snapshot') {
      // The snapshot was installed (or made unnecessary): back to appends after it.
      if (pr.match >= pr.pendingSnapshot) pr.becomeReplicate();
    } else if (pr.state === 'probe') pr.becomeReplicate();
    else pr.inflights.freeLE(m.index);
    this.maybeCommit();
    // Only when flush() would send it something: otherwise hasReady() would promise a Ready
    // with nothing in it, once per acknowledgement.
    if (this.wouldSendTo(pr)) this.dirtyPeers.add(m.from);
  }

  /**
   * Whether flush() has something for this follower: entries it lacks that flow control lets
   * go now, or news of a commit index it can use (its applies and reads wait on it).
   */
  private wouldSendTo(pr: Progress): boolean {
    if (Math.min(pr.match, this.raftLog.committed) > pr.sentCommit) return true;
    const last = this.raftLog.lastIndex();
    if (pr.isPaused() || pr.match >= last) return false;
    return pr.state !== 'replicate' || pr.next <= last;
  }

  private handleSnapshotResponse(m: SnapshotResponse): void {
    const pr = this.progress.get(m.from) as Progress;
    pr.recentActive = true;
    if (pr.state !== 'snapshot' || m.snapshotIndex !== pr.pendingSnapshot) return; // stale
    pr.snapshotOffset = m.offset;
    pr.probeSent = false;
    this.dirtyPeers.add(m.from);
  }

  private handleHeartbeatResponse(m: HeartbeatResponse): void {
    const pr = this.progress.get(m.from) as Progress;
    pr.recentActive = true;
    // The follower is reachable: a lost probe may be retried.
    pr.probeSent = false;
    if (pr.match < this.raftLog.lastIndex()) this.dirtyPeers.add(m.from);
    this.readOnly.recvAck(m.from, m.round);
    this.releaseConfirmedReads();
    if (this.config.followerLeases && m.lease !== undefined) pr.leaseAsk = m.lease;
  }

  private handleForwardedRead(m: ReadIndexRequest): void {
    if (this.readOnly.has(m.from, m.ctx)) return; // a duplicate: the original will be answered
    if (this.readOnly.size >= this.config.maxPendingReads) {
      this.rejectForwardedRead(m);
      return;
    }
    this.readOnly.add({ ctx: m.ctx, from: m.from, index: this.readIndexNow(), round: 0, deadlineTick: this.ticks + this.config.readTimeoutTicks });
  }

  private rejectForwardedRead(m: ReadIndexRequest): void {
    this.send<ReadIndexResponse>({ type: 'raft_read_index_resp', from: this.id, to: m.from, term: this.currentTerm, ctx: m.ctx, reject: true, index: 0 });
  }

  private handleReadIndexResponse(m: ReadIndexResponse): void {
    if (this.forwarded.take(m.ctx, m.from) === undefined) return; // expired or duplicate
    if (m.reject) this.droppedReads.push({ ctx: m.ctx, reason: 'rejected' });
    else this.readStates.push({ ctx: m.ctx, index: m.index });
  }

  private releaseConfirmedReads(): void {
    for (const read of this.readOnly.release(this.voters)) {
      if (read.from === this.id) this.readStates.push({ ctx: read.ctx, index: read.index });
      else
        this.send<ReadIndexResponse>({
          type: 'raft_read_index_resp',
          from: this.id,
          to: read.from,
          term: this.currentTerm,
          ctx: read.ctx,
          reject: false,
          index: read.index,
        });
    }
  }

  private expireReads(): void {
    for (const read of this.readOnly.expire(this.ticks)) {
      // A forwarded read expires at its follower on the same schedule; only ours are reported.
      if (read.from === this.id) this.droppedReads.push({ ctx: read.ctx, reason: 'timeout' });
    }
    for (const ctx of this.forwarded.expire(this.ticks)) this.droppedReads.push({ ctx, reason: 'timeout' });
  }

  private dropReads(reason: DropReason): void {
    for (const read of this.readOnly.clear()) {
      if (read.from === this.id) this.droppedReads.push({ ctx: read.ctx, reason });
    }
    for (const ctx of this.forwarded.clear()) this.droppedReads.push({ ctx, reason });
  }

  // ---------------------------------------------------------------- leader: sending

  /** The end of a turn: one batch per follower instead of one message per proposal. */
  private flush(): void {
    if (this.currentRole !== 'leader') return;
    // §6.4 batching: every read that arrived this turn rides on one round, carried by the
    // append a follower gets anyway this turn, else by a heartbeat.
    const round = this.readOnly.hasUnassigned() ? this.startReadRound() : undefined;
    for (const id of this.others) {
      const pr = this.progress.get(id) as Progress;
      const roundSent = this.dirtyPeers.has(id) && this.sendAppends(id, pr, round);
      if (round !== undefined && !roundSent) {
        this.sendHeartbeat(id, pr);
        continue;
      }
      // Tell followers about a new commit index promptly (their reads and applies wait on
      // it). A heartbeat does it without a log-consistency check that a reordered pipeline
      // could fail.
      if (Math.min(pr.match, this.raftLog.committed) > pr.sentCommit) this.sendHeartbeat(id, pr);
    }
    this.dirtyPeers.clear();
    this.commitAdvanced = false;
  }

  /**
   * Sends what flow control allows: one probe, or a pipeline of batches up to the inflight
   * limit. Returns whether an append carried `round` (the first one sent does).
   */
  private sendAppends(to: NodeId, pr: Progress, round: number | undefined): boolean {
    if (pr.state === 'snapshot') {
      this.maybeSendSnapshot(to, pr);
      return false;
    }
    if (pr.state === 'probe') return pr.match < this.raftLog.lastIndex() && this.maybeSendAppend(to, pr, true, round);
    let carried: number | undefined = round;
    while (pr.next <= this.raftLog.lastIndex() && this.maybeSendAppend(to, pr, false, carried)) carried = undefined;
    return round !== undefined && carried === undefined;
  }

  private maybeSendAppend(to: NodeId, pr: Progress, sendIfEmpty: boolean, round?: number): boolean {
    if (pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.raftLog.term(prevIndex);
    if (prevTerm === undefined) {
      // The follower needs entries we compacted away (§5.3): send the snapshot instead.
      const snapshot = this.raftLog.pendingSnapshot() ?? this.storageSnapshot();
      assert(prevIndex < this.raftLog.firstIndex() - 1, () => `raft: no term for ${prevIndex} to send to ${to}`);
      pr.becomeSnapshot(snapshot.index);
      this.maybeSendSnapshot(to, pr);
      return false;
    }
    const entries = this.entrySizes.within(this.raftLog.entriesFrom(pr.next, this.config.maxEntriesPerAppend), this.config.maxAppendBytes);
    if (entries.length === 0 && !sendIfEmpty) return false;
    const commit = this.raftLog.committed;
    this.send<AppendRequest>({
      type: 'raft_append',
      from: this.id,
      to,
      term: this.currentTerm,
      prevIndex,
      prevTerm,
      entries,
      commit,
      ...(round === undefined ? {} : { round }),
    });
    const lastIndex = prevIndex + entries.length;
    pr.sentEntries(lastIndex, entries.length);
    pr.sentCommit = Math.max(pr.sentCommit, Math.min(commit, lastIndex));
    return true;
  }

  private storageSnapshot(): Snapshot {
    const snapshot = this.storage.snapshot();
    assert(snapshot !== undefined, 'raft: the log was compacted but storage has no snapshot');
    return snapshot;
  }

  /** Sends the next chunk of our snapshot, one at a time; restarts if we took a newer one. */
  private maybeSendSnapshot(to: NodeId, pr: Progress): void {
    if (pr.isPaused()) return;
    const snapshot = this.raftLog.pendingSnapshot() ?? this.storageSnapshot();
    if (snapshot.index !== pr.pendingSnapshot) {
      if (snapshot.index <= pr.match) {
        pr.becomeProbe();
        return;
      }
      pr.becomeSnapshot(snapshot.index);
    }
    const offset = Math.min(pr.snapshotOffset, snapshot.data.length);
    const data = snapshot.data.slice(offset, offset + this.config.maxSnapshotChunkChars);
    const done = offset + data.length >= snapshot.data.length;
    this.send<SnapshotRequest>({
      type: 'raft_snapshot',
      from: this.id,
      to,
      term: this.currentTerm,
      snapshotIndex: snapshot.index,
      snapshotTerm: snapshot.term,
      offset,
      data,
      done,
    });
    pr.probeSent = true;
  }

  /** Starts a read-index round and sends it (with the commit index) to every follower. */
  private bcastHeartbeat(): void {
    this.startReadRound();
    for (const id of this.others) this.sendHeartbeat(id, this.progress.get(id) as Progress);
  }

  /** A new read-index round; the caller sends it to every follower. */
  private startReadRound(): number {
    const round = this.readOnly.startRound(this.ticks);
    this.releaseConfirmedReads(); // a single-node cluster confirms at once
    return round;
  }

  private sendHeartbeat(to: NodeId, pr: Progress): void {
    const commit = Math.min(pr.match, this.raftLog.committed);
    // Only a follower holding everything committed gets a lease: one far behind would hold
    // every commit back until it caught up. And only once an entry of this term has committed
    // (as for read index, section 6.4): until then our commit index may lag what an earlier
    // leader committed, and a lease reading at it would miss acknowledged writes (sim seed 55).
    const lease =
      pr.leaseAsk !== undefined && pr.match >= this.raftLog.committed && this.committedInCurrentTerm() ? this.grantLease(pr, pr.leaseAsk) : undefined;
    this.send<HeartbeatRequest>({
      type: 'raft_heartbeat',
      from: this.id,
      to,
      term: this.currentTerm,
      commit,
      round: this.readOnly.round,
      ...(lease === undefined ? {} : { lease }),
    });
    pr.sentCommit = Math.max(pr.sentCommit, commit);
  }

  /**
   * From now on the follower may hold a lease: count it until the lease surely ended on its
   * clock (it started at its ask, before this grant) plus the drift margin.
   */
  private grantLease(pr: Progress, ask: LeaseAsk): LeaseGrant {
    pr.leaseAsk = undefined;
    pr.leaseHeldUntil = Math.max(pr.leaseHeldUntil, this.ticks + this.config.electionTimeoutTicks);
    return { askedAt: ask.askedAt, nonce: ask.nonce, commit: this.raftLog.committed };
  }

  private send<M extends RaftMessage>(message: M): void {
    this.outbox.push(message);
  }
}
