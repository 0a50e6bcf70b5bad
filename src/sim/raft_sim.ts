// The Raft-core simulator: several RaftNodes (each in a NodeHost from src/raft/testing, whose disk
// keeps only what was synced) on the simulation kernel, with the faults both simulators share
// (links.ts, nemesis.ts, a profile's swarm-drawn rates) plus the core's own: crashes between a
// turn's writes and their fsync, fsyncs that take time while the leader replicates, tiny flow
// control limits, compaction and InstallSnapshot. One seed decides everything and replays
// exactly. Safety invariants are checked after every event; then faults heal and the cluster
// must commit and serve reads within a bound. Pure: no clock, no I/O (tracing is a callback).

import { assert } from '../base/assert.js';
import { Rng } from '../base/rng.js';
import { describeMessage, makeRaftConfig, type NodeId, type RaftConfig, type RaftMessage } from '../raft/index.js';
import { ClusterChecker } from '../raft/testing/invariants.js';
import { NodeHost, type ReadyObserver } from '../raft/testing/node_host.js';
import { SimKernel } from './kernel.js';
import { LinkFaults } from './links.js';
import { SimNemesis, type NemesisTarget } from './nemesis.js';
import { findProfile, PROFILE_NAMES, ratesForSeed, type FaultRates } from './profiles.js';

export interface RaftSimOptions {
  readonly seed: number;
  readonly nodeCount: number;
  /** A fault profile's name; 'chaos' by default (each seed draws which of its faults are on). */
  readonly profile?: string;
  /** Virtual microseconds of faults and random load. */
  readonly safetyUs?: number;
  /** After healing, the cluster must elect a leader, commit and serve reads within this. */
  readonly livenessBoundUs?: number;
  /** Lines of trace kept for a failure report. */
  readonly traceTail?: number;
  /** Keep the whole trace in the result (for determinism checks and debugging). */
  readonly keepTrace?: boolean;
  /** Receives every trace line as it happens. */
  readonly trace?: (line: string) => void;
}

/** The per-seed choice of Raft features and limits (the faults are in FaultRates). */
interface RaftSimSetup {
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly electionTimeoutTicks: number;
  readonly heartbeatTicks: number;
  readonly maxInflightAppends: number;
  readonly maxEntriesPerAppend: number;
  readonly maxUncommittedEntries: number;
  /** Snapshot and compact every this many applied entries (0: never); small values force InstallSnapshot. */
  readonly compactEveryEntries: number;
  readonly maxSnapshotChunkChars: number;
}

interface RaftSimStats {
  events: number;
  delivered: number;
  dropped: number;
  duplicated: number;
  crashes: number;
  /** Crashes between a turn's writes and its fsync (some writes lost). */
  midTurnCrashes: number;
  snapshotsTaken: number;
  snapshotsInstalled: number;
  partitions: number;
  clogs: number;
  proposals: number;
  accepted: number;
  committed: number;
  readsIssued: number;
  readsConfirmed: number;
  readsDropped: number;
  termsWithLeader: number;
  /** Virtual time from healing to a committed proposal and two served reads. */
  livenessUs: number;
}

export interface RaftSimResult {
  readonly seed: number;
  readonly nodeCount: number;
  readonly profile: string;
  readonly setup: RaftSimSetup;
  readonly rates: FaultRates;
  readonly stats: RaftSimStats;
  readonly virtualUs: number;
  /** FNV-1a over every trace line: equal hashes mean (almost surely) identical runs. */
  readonly traceHash: string;
  readonly trace?: readonly string[];
}

/** A failed run: the message holds the whole report (state, trace tail, replay command). */
export class RaftSimFailure extends Error {
  override readonly name = 'RaftSimFailure';
  constructor(
    readonly seed: number,
    /** What went wrong, in one line. */
    readonly reason: string,
    readonly replay: string,
    report: string,
  ) {
    super(report);
  }
}

export const RAFT_SIM_DEFAULT_PROFILE = 'chaos';
const TICK_US = 10_000;
const DEFAULT_SAFETY_US = 8_000_000;
const DEFAULT_LIVENESS_BOUND_US = 8_000_000;
const MAX_EVENTS = 20_000_000;
const SETUP_SALT = 0x51ed_5eed;

type SimEvent =
  | { readonly kind: 'tick'; readonly node: number; readonly incarnation: number }
  | { readonly kind: 'ready'; readonly node: number; readonly incarnation: number }
  | { readonly kind: 'sync'; readonly node: number; readonly incarnation: number; readonly target: number }
  | { readonly kind: 'deliver'; readonly message: RaftMessage }
  | { readonly kind: 'client' }
  | { readonly kind: 'nemesis' }
  | { readonly kind: 'restart'; readonly node: number }
  | { readonly kind: 'crash'; readonly node: number; readonly incarnation: number }
  | { readonly kind: 'heal' }
  | { readonly kind: 'liveness' };

function chooseRaftSetup(seed: number): RaftSimSetup {
  const rng = new Rng((seed ^ SETUP_SALT) >>> 0);
  const maxInflightAppends = rng.pick([1, 2, 4, 16]);
  // Tiny limits exercise flow control; the floor keeps catching up after a long partition
  // within the liveness bound (one entry per round trip would take minutes of virtual time).
  const maxEntriesPerAppend = Math.max(rng.pick([1, 3, 8, 64]), Math.ceil(8 / maxInflightAppends));
  return {
    preVote: rng.chance(0.7),
    checkQuorum: rng.chance(0.7),
    electionTimeoutTicks: rng.int(8, 15),
    heartbeatTicks: rng.int(1, 3),
    maxInflightAppends,
    maxEntriesPerAppend,
    maxUncommittedEntries: rng.pick([8, 64, 1000]),
    compactEveryEntries: rng.pick([0, 4, 16, 64]),
    maxSnapshotChunkChars: rng.pick([1024, 8192, 128 * 1024]),
  };
}

function raftReplayCommand(seed: number, nodeCount: number, profile: string): string {
  return `npm run sim -- --core --seed ${seed} --nodes ${nodeCount} --profile ${profile} --trace`;
}

export function runRaftSimulation(options: RaftSimOptions): RaftSimResult {
  return new RaftSimulation(options).run();
}

class RaftSimulation implements NemesisTarget {
  private readonly seed: number;
  private readonly profile: string;
  private readonly setup: RaftSimSetup;
  private readonly rates: FaultRates;
  readonly nodeIds: NodeId[];
  private readonly hosts: NodeHost[];
  private readonly checker = new ClusterChecker();
  private readonly kernel = new SimKernel<SimEvent>(MAX_EVENTS);
  private readonly netRng: Rng;
  private readonly clientRng: Rng;
  private readonly links: LinkFaults;
  private readonly nemesis: SimNemesis;
  private readonly readyPending: boolean[];
  private phase: 'safety' | 'liveness' = 'safety';
  private commandCounter = 0;
  private readCtx = 0;
  private readonly tail: string[] = [];
  private readonly fullTrace: string[] | undefined;
  private readonly stats: RaftSimStats = {
    events: 0,
    delivered: 0,
    dropped: 0,
    duplicated: 0,
    crashes: 0,
    midTurnCrashes: 0,
    snapshotsTaken: 0,
    snapshotsInstalled: 0,
    partitions: 0,
    clogs: 0,
    proposals: 0,
    accepted: 0,
    committed: 0,
    readsIssued: 0,
    readsConfirmed: 0,
    readsDropped: 0,
    termsWithLeader: 0,
    livenessUs: 0,
  };
  private readonly safetyUs: number;
  private readonly livenessBoundUs: number;
  private readonly traceTail: number;
  private healedAt = 0;
  /** Liveness phase: the marker proposal (term it was proposed in) and the reads awaited. */
  private marker: { term: number; leader: NodeId } | undefined;
  private markerCommitted = false;
  private readonly livenessReads = new Map<string, number>();
  private done = false;

  constructor(private readonly options: RaftSimOptions) {
    assert(options.nodeCount >= 1 && options.nodeCount <= 9, 'simulation: 1 to 9 nodes');
    this.seed = options.seed >>> 0;
    this.profile = options.profile ?? RAFT_SIM_DEFAULT_PROFILE;
    const profile = findProfile(this.profile);
    if (profile === undefined) throw new RangeError(`unknown profile "${this.profile}" (known: ${PROFILE_NAMES.join(', ')})`);
    this.setup = chooseRaftSetup(this.seed);
    this.rates = ratesForSeed(this.seed, profile);
    this.safetyUs = options.safetyUs ?? DEFAULT_SAFETY_US;
    this.livenessBoundUs = options.livenessBoundUs ?? DEFAULT_LIVENESS_BOUND_US;
    this.traceTail = options.traceTail ?? 60;
    this.fullTrace = options.keepTrace === true ? [] : undefined;
    const master = new Rng(this.seed);
    this.netRng = master.fork();
    this.clientRng = master.fork();
    const nemesisRng = master.fork();
    this.nodeIds = Array.from({ length: options.nodeCount }, (_, i) => `n${i}`);
    this.readyPending = this.nodeIds.map(() => false);
    this.links = new LinkFaults(this.rates, this.netRng);
    this.nemesis = new SimNemesis(this.rates, nemesisRng, this.links, this);
    this.hosts = this.nodeIds.map(
      (id, i) => new NodeHost((incarnation) => this.nodeConfig(id, i, incarnation), undefined, { compactEveryEntries: this.setup.compactEveryEntries }),
    );
  }

  private nodeConfig(id: NodeId, index: number, incarnation: number): RaftConfig {
    const s = this.setup;
    return makeRaftConfig({
      id,
      peers: this.nodeIds,
      rng: new Rng((this.seed * 7919 + index * 104_729 + incarnation * 1_299_709) >>> 0),
      electionTimeoutTicks: s.electionTimeoutTicks,
      heartbeatTicks: s.heartbeatTicks,
      preVote: s.preVote,
      checkQuorum: s.checkQuorum,
      maxInflightAppends: s.maxInflightAppends,
      maxEntriesPerAppend: s.maxEntriesPerAppend,
      maxUncommittedEntries: s.maxUncommittedEntries,
      maxSnapshotChunkChars: s.maxSnapshotChunkChars,
      maxPendingReads: 64,
      readTimeoutTicks: 5 * s.electionTimeoutTicks,
      // With fsyncs that take time, a turn only writes and the acknowledgements wait for the sync.
      asyncStorageWrites: this.rates.syncDelayUs[1] > 0,
    });
  }

  run(): RaftSimResult {
    try {
      this.note(`seed ${this.seed} nodes ${this.nodeIds.length} setup ${JSON.stringify(this.setup)} rates ${JSON.stringify(this.rates)}`);
      for (let i = 0; i < this.hosts.length; i++) this.startTicking(i);
      this.kernel.schedule(this.nemesis.nextDelayUs(), { kind: 'nemesis' });
      this.kernel.schedule(this.clientRng.int(1, 20) * 1000, { kind: 'client' });
      this.kernel.schedule(this.safetyUs, { kind: 'heal' });
      while (!this.done) {
        const event = this.kernel.next();
        assert(event !== undefined, 'simulation: event queue ran dry');
        this.handle(event);
        this.checker.checkCluster(this.hosts);
        if (this.phase === 'liveness' && this.kernel.now > this.healedAt + this.livenessBoundUs) {
          throw new Error(`liveness: no progress within ${this.livenessBoundUs / 1000} ms of healing: ${this.livenessState()}`);
        }
      }
    } catch (error) {
      throw this.failure(error);
    }
    this.stats.events = this.kernel.eventCount;
    this.stats.duplicated = this.links.stats.duplicated;
    this.stats.clogs = this.links.stats.clogs;
    this.stats.partitions = this.nemesis.stats.partitions;
    this.stats.committed = this.checker.committedCount;
    this.stats.readsConfirmed = this.checker.readsChecked;
    this.stats.termsWithLeader = this.checker.leaderTermCount;
    this.stats.readsDropped = this.hosts.reduce((sum, host) => sum + host.droppedReads.length, 0);
    this.stats.snapshotsTaken = this.hosts.reduce((sum, host) => sum + host.snapshotsTaken, 0);
    this.stats.snapshotsInstalled = this.hosts.reduce((sum, host) => sum + host.snapshotsInstalled, 0);
    return {
      seed: this.seed,
      nodeCount: this.nodeIds.length,
      profile: this.profile,
      setup: this.setup,
      rates: this.rates,
      stats: this.stats,
      virtualUs: this.kernel.now,
      traceHash: this.kernel.trace.hex,
      ...(this.fullTrace === undefined ? {} : { trace: this.fullTrace }),
    };
  }

  private failure(error: unknown): RaftSimFailure {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const replay = raftReplayCommand(this.seed, this.nodeIds.length, this.profile);
    const lines = [
      `simulation failed: seed ${this.seed}, ${this.nodeIds.length} nodes, profile ${this.profile}, at ${this.kernel.now / 1000} ms (${this.phase} phase)`,
      `  ${reason}`,
      `  setup: ${JSON.stringify(this.setup)}`,
      `  rates: ${JSON.stringify(this.rates)}`,
      `  nodes:`,
      ...this.hosts.map((host) => `    ${host.up ? host.raft.describe() : `${host.id} down`}`),
      `  last ${this.tail.length} trace lines:`,
      ...this.tail.map((line) => `    ${line}`),
      `replay: ${replay}`,
      `    or: SEED=${this.seed} NODES=${this.nodeIds.length} PROFILE=${this.profile} npx vitest run test/raft/simulation`,
    ];
    const failure = new RaftSimFailure(this.seed, reason, replay, lines.join('\n'));
    if (error instanceof Error && error.stack !== undefined) failure.stack = `${failure.message}\n${error.stack}`;
    return failure;
  }

  /** A trace line: hashed, kept in the tail for a failure report, and passed on. */
  note(line: string): void {
    const text = `${this.kernel.now / 1000} ${line}`;
    this.kernel.trace.text(text);
    this.tail.push(text);
    if (this.tail.length > this.traceTail) this.tail.shift();
    this.fullTrace?.push(text);
    this.options.trace?.(text);
  }

  // ---------------------------------------------------------------- events

  private handle(event: SimEvent): void {
    switch (event.kind) {
      case 'tick': {
        const host = this.hosts[event.node] as NodeHost;
        if (!host.up || host.incarnation !== event.incarnation) return;
        host.raft.tick();
        this.scheduleReady(event.node);
        this.kernel.after(TICK_US, event);
        return;
      }
      case 'ready': {
        this.readyPending[event.node] = false;
        const host = this.hosts[event.node] as NodeHost;
        if (!host.up || host.incarnation !== event.incarnation) return;
        if (this.phase === 'safety' && this.nemesis.crashBeforeSync()) {
          // Killed between write and fsync: a random prefix of the turn's writes survives.
          const pending = host.crashMidTurn(this.observer, (count) => this.nemesis.survivingWrites(count));
          this.stats.midTurnCrashes++;
          this.note(`nemesis: crash ${host.id} mid-turn (${pending} writes pending)`);
          this.crash(event.node, this.nemesis.crashBeforeSyncDownUs());
          return;
        }
        const before = host.raft.role;
        const messages = host.handleReady(this.observer);
        if (host.raft.role !== before) this.note(host.raft.describe());
        for (const message of messages) this.send(message);
        this.maybeStartSync(event.node);
        return;
      }
      case 'sync': {
        const host = this.hosts[event.node] as NodeHost;
        if (!host.up || host.incarnation !== event.incarnation) return;
        for (const message of host.completeSync(event.target)) this.send(message);
        this.scheduleReady(event.node); // report the durable point; start the next sync
        return;
      }
      case 'deliver':
        this.deliver(event.message);
        return;
      case 'client':
        if (this.phase !== 'safety') return;
        this.clientStep();
        this.kernel.after(this.clientRng.int(1, 30) * 1000, event);
        return;
      case 'nemesis':
        if (this.phase !== 'safety') return;
        this.nemesis.step(this.kernel.now);
        this.kernel.after(this.nemesis.nextDelayUs(), event);
        return;
      case 'restart':
        this.restart(event.node);
        return;
      case 'crash': {
        const host = this.hosts[event.node] as NodeHost;
        if (this.phase === 'safety' && host.up && host.incarnation === event.incarnation) this.nemesis.targetedCrash(event.node);
        return;
      }
      case 'heal':
        this.heal();
        return;
      case 'liveness':
        this.livenessStep();
        if (!this.done) this.kernel.after(TICK_US, event);
        return;
    }
  }

  private startTicking(node: number): void {
    const host = this.hosts[node] as NodeHost;
    this.kernel.after(this.netRng.int(1, TICK_US), { kind: 'tick', node, incarnation: host.incarnation });
  }

  private maybeStartSync(node: number): void {
    const host = this.hosts[node] as NodeHost;
    if (!host.asyncWrites) return;
    const target = host.startSync();
    if (target === undefined) return;
    const [low, high] = this.rates.syncDelayUs;
    this.kernel.after(this.netRng.int(low, high), { kind: 'sync', node, incarnation: host.incarnation, target });
  }

  /** The end of the node's event-loop turn: its Ready is handled after every event queued for now. */
  private scheduleReady(node: number): void {
    if (this.readyPending[node] === true) return;
    this.readyPending[node] = true;
    this.kernel.after(0, { kind: 'ready', node, incarnation: (this.hosts[node] as NodeHost).incarnation });
  }

  private indexOf(id: NodeId): number {
    const index = this.nodeIds.indexOf(id);
    assert(index >= 0, () => `simulation: unknown node ${id}`);
    return index;
  }

  // ---------------------------------------------------------------- network

  private send(message: RaftMessage): void {
    const arrivals = this.links.arrivals(message.from, message.to, this.kernel.now);
    if (arrivals.length === 0) {
      this.stats.dropped++;
      this.note(`lose ${describeMessage(message)}`);
      return;
    }
    for (const atUs of arrivals) this.kernel.schedule(atUs, { kind: 'deliver', message });
  }

  private deliver(message: RaftMessage): void {
    const to = this.indexOf(message.to);
    const host = this.hosts[to] as NodeHost;
    if (!host.up || !this.links.canHear(message.to, message.from)) {
      this.stats.dropped++;
      this.note(`drop ${describeMessage(message)}`);
      return;
    }
    this.stats.delivered++;
    this.note(describeMessage(message));
    host.raft.step(message);
    this.scheduleReady(to);
  }

  // ---------------------------------------------------------------- workload

  private liveHosts(): NodeHost[] {
    return this.hosts.filter((host) => host.up);
  }

  private clientStep(): void {
    const rng = this.clientRng;
    const live = this.liveHosts();
    if (live.length === 0) return;
    // Clients mostly find the leader; sometimes they ask whoever they are bound to.
    const leader = live.find((host) => host.raft.role === 'leader');
    const host = leader !== undefined && rng.chance(0.8) ? leader : rng.pick(live);
    if (rng.chance(0.7)) {
      const burst = rng.chance(0.2) ? rng.int(2, 8) : 1;
      for (let i = 0; i < burst; i++) {
        const command = ++this.commandCounter;
        this.stats.proposals++;
        const result = host.raft.propose({ c: command });
        if (result.ok) this.stats.accepted++;
        this.note(`propose c${command} at ${host.id}: ${result.ok ? `${result.value.index}/${result.value.term}` : result.error.reason}`);
      }
    } else {
      const ctx = ++this.readCtx;
      this.issueRead(host, ctx);
    }
    this.scheduleReady(this.indexOf(host.id));
  }

  private issueRead(host: NodeHost, ctx: number): boolean {
    const result = host.raft.readIndex(ctx);
    this.note(`read ctx ${ctx} at ${host.id}: ${result.ok ? 'pending' : result.error.reason}`);
    if (!result.ok) return false;
    this.stats.readsIssued++;
    this.checker.readIssued(host, ctx);
    return true;
  }

  // ---------------------------------------------------------------- faults (NemesisTarget)

  isUp(node: number): boolean {
    return (this.hosts[node] as NodeHost).up;
  }

  isLeader(node: number): boolean {
    const host = this.hosts[node] as NodeHost;
    return host.up && host.raft.role === 'leader';
  }

  crash(node: number, downUs: number): void {
    const host = this.hosts[node] as NodeHost;
    if (host.up) host.crash();
    this.checker.forgetReads(host);
    this.stats.crashes++;
    this.kernel.after(downUs, { kind: 'restart', node });
  }

  /**
   * Checks every Ready, and sets up the targeted crashes: right after a node voted or accepted
   * entries, a crash a few milliseconds later models a process killed while its replies are
   * still in flight.
   */
  private readonly observer: ReadyObserver = {
    onReady: (host, rd) => {
      this.checker.onReady(host, rd);
      if (this.phase !== 'safety') return;
      const voted = rd.hardState !== undefined && rd.hardState.vote !== null && rd.hardState.vote !== host.id;
      const delayUs = this.nemesis.targetedCrashDelayUs(voted, rd.entries.length > 0);
      if (delayUs !== undefined) this.kernel.after(delayUs, { kind: 'crash', node: this.indexOf(host.id), incarnation: host.incarnation });
    },
    onApply: (host, entry) => this.checker.onApply(host, entry),
    onReadState: (host, read) => this.checker.onReadState(host, read),
    onDroppedRead: (host, read) => this.checker.onDroppedRead(host, read),
  };

  private restart(node: number): void {
    const host = this.hosts[node] as NodeHost;
    if (host.up) return;
    host.restart();
    this.note(`restart ${host.raft.describe()}`);
    this.startTicking(node);
    this.scheduleReady(node);
  }

  // ---------------------------------------------------------------- liveness

  private heal(): void {
    this.phase = 'liveness';
    this.links.healAll();
    this.healedAt = this.kernel.now;
    this.note('heal: all faults off, restarting every node that is down');
    for (let i = 0; i < this.hosts.length; i++) this.restart(i);
    this.kernel.after(0, { kind: 'liveness' });
  }

  /** After healing: propose a marker at the leader until it commits everywhere, then read at two nodes. */
  private livenessStep(): void {
    const leaders = this.hosts.filter((host) => host.up && host.raft.role === 'leader').sort((a, b) => b.raft.term - a.raft.term);
    const leader = leaders[0];
    const markerData = { liveness: this.seed };
    if (!this.markerCommitted) {
      if (leader === undefined) return;
      if (this.marker === undefined || this.marker.term !== leader.raft.term || this.marker.leader !== leader.id) {
        const result = leader.raft.propose(markerData);
        this.note(`liveness: propose marker at ${leader.id}: ${result.ok ? `${result.value.index}/${result.value.term}` : result.error.reason}`);
        if (result.ok) this.marker = { term: leader.raft.term, leader: leader.id };
        this.scheduleReady(this.indexOf(leader.id));
        return;
      }
      const everywhere = this.hosts.every((host) =>
        host.applied.some((entry) => entry.kind === 'normal' && JSON.stringify(entry.data) === JSON.stringify(markerData)),
      );
      if (!everywhere) return;
      this.markerCommitted = true;
      this.note('liveness: marker applied on every node');
    }
    if (leader === undefined) return;
    if (this.livenessReads.size === 0) {
      const follower = this.hosts.find((host) => host.raft.role === 'follower' && host.raft.leaderId === leader.id);
      for (const host of follower === undefined ? [leader] : [leader, follower]) {
        const ctx = ++this.readCtx;
        if (this.issueRead(host, ctx)) this.livenessReads.set(host.id, ctx);
        this.scheduleReady(this.indexOf(host.id));
      }
      return;
    }
    for (const [id, ctx] of this.livenessReads) {
      const host = this.hosts[this.indexOf(id)] as NodeHost;
      if (host.droppedReads.some((read) => read.ctx === ctx)) {
        this.livenessReads.clear(); // leadership moved in between: ask again next time
        return;
      }
      if (!host.readStates.some((read) => read.ctx === ctx)) return;
    }
    this.stats.livenessUs = this.kernel.now - this.healedAt;
    this.note(`liveness: done after ${this.stats.livenessUs / 1000} ms`);
    this.done = true;
  }

  private livenessState(): string {
    return `marker ${this.marker === undefined ? 'not proposed' : `proposed in t${this.marker.term} at ${this.marker.leader}`}, committed everywhere: ${this.markerCommitted}, reads pending: ${[...this.livenessReads.keys()].join(',') || 'none'}; ${this.hosts.map((host) => host.raft.describe()).join(' | ')}`;
  }
}
