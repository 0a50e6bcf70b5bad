// A deterministic whole-cluster simulation of the Raft core (FoundationDB / VOPR style): several
// RaftNodes in one process, virtual time, and a network that delays, loses, duplicates and
// reorders messages, partitions links and crashes nodes (restarting them from what they had
// persisted). One seed decides everything; the same seed replays the same run exactly. Safety
// invariants are checked after every event; then faults heal and the cluster must make progress.

import { assert } from '../../base/assert.js';
import { Rng } from '../../base/rng.js';
import { makeRaftConfig, type RaftConfig } from '../config.js';
import { describeMessage, type RaftMessage } from '../messages.js';
import type { NodeId } from '../types.js';
import { ClusterChecker } from './invariants.js';
import { NodeHost, type ReadyObserver } from './node_host.js';

export interface SimulationOptions {
  readonly seed: number;
  readonly nodeCount: number;
  /** Virtual milliseconds of faults and random load. */
  readonly safetyMs?: number;
  /** After healing, the cluster must elect a leader, commit and serve reads within this. */
  readonly livenessBoundMs?: number;
  /** Lines of trace kept for a failure report. */
  readonly traceTail?: number;
  /** Keep the whole trace in the result (for determinism checks and debugging). */
  readonly keepTrace?: boolean;
}

/** The per-seed choice of features, limits and fault rates. */
export interface SimulationSetup {
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly electionTimeoutTicks: number;
  readonly heartbeatTicks: number;
  readonly maxInflightAppends: number;
  readonly maxEntriesPerAppend: number;
  readonly maxUncommittedEntries: number;
  readonly dropRate: number;
  readonly duplicateRate: number;
  readonly maxDelayMs: number;
  /** Snapshot and compact every this many applied entries (0: never); small values force InstallSnapshot. */
  readonly compactEveryEntries: number;
  readonly maxSnapshotChunkChars: number;
  /** Per ready event: the chance of a kill between the turn's writes and its fsync. */
  readonly midTurnCrashRate: number;
  /**
   * 0: each turn syncs before its messages leave. Above 0: asynchronous storage writes, each
   * background sync taking up to this many milliseconds (the leader replicates meanwhile).
   */
  readonly maxSyncDelayMs: number;
}

export interface SimulationStats {
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
  proposals: number;
  accepted: number;
  committed: number;
  readsIssued: number;
  readsConfirmed: number;
  readsDropped: number;
  termsWithLeader: number;
  /** Virtual time from healing to a committed proposal and two served reads. */
  livenessMs: number;
}

export interface SimulationResult {
  readonly seed: number;
  readonly nodeCount: number;
  readonly setup: SimulationSetup;
  readonly stats: SimulationStats;
  /** FNV-1a over every trace line: equal hashes mean (almost surely) identical runs. */
  readonly traceHash: string;
  readonly trace?: readonly string[];
}

export class SimulationFailure extends Error {
  override readonly name = 'SimulationFailure';
  constructor(
    readonly seed: number,
    message: string,
  ) {
    super(message);
  }
}

const TICK_MS = 10;

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

interface Scheduled {
  readonly time: number;
  readonly seq: number;
  readonly event: SimEvent;
}

/** A binary min-heap on (time, seq): equal times run in scheduling order. */
class EventQueue {
  private readonly heap: Scheduled[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(time: number, event: SimEvent): void {
    const heap = this.heap;
    heap.push({ time, seq: this.seq++, event });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as Scheduled, heap[parent] as Scheduled)) break;
      [heap[i], heap[parent]] = [heap[parent] as Scheduled, heap[i] as Scheduled];
      i = parent;
    }
  }

  pop(): Scheduled | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && before(heap[left] as Scheduled, heap[smallest] as Scheduled)) smallest = left;
      if (right < heap.length && before(heap[right] as Scheduled, heap[smallest] as Scheduled)) smallest = right;
      if (smallest === i) break;
      [heap[i], heap[smallest]] = [heap[smallest] as Scheduled, heap[i] as Scheduled];
      i = smallest;
    }
    return top;
  }
}

function before(a: Scheduled, b: Scheduled): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

export function chooseSetup(seed: number): SimulationSetup {
  const rng = new Rng(seed ^ 0x51ed_5eed);
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
    dropRate: rng.pick([0, 0.02, 0.1, 0.2]),
    duplicateRate: rng.pick([0, 0.02, 0.1]),
    maxDelayMs: rng.pick([2, 8, 20, 40]),
    compactEveryEntries: rng.pick([0, 4, 16, 64]),
    maxSnapshotChunkChars: rng.pick([1024, 8192, 128 * 1024]),
    midTurnCrashRate: rng.pick([0, 0.0005, 0.002]),
    maxSyncDelayMs: rng.pick([0, 1, 5, 20]),
  };
}

export function runSimulation(options: SimulationOptions): SimulationResult {
  return new Simulation(options).run();
}

class Simulation {
  private readonly seed: number;
  private readonly setup: SimulationSetup;
  private readonly ids: NodeId[];
  private readonly hosts: NodeHost[];
  private readonly checker = new ClusterChecker();
  private readonly queue = new EventQueue();
  private readonly netRng: Rng;
  private readonly clientRng: Rng;
  private readonly nemesisRng: Rng;
  private readonly readyPending: boolean[];
  /** Directed links that drop everything: "from>to". */
  private readonly cut = new Set<string>();
  private now = 0;
  private phase: 'safety' | 'liveness' = 'safety';
  private faultsOn = true;
  private commandCounter = 0;
  private readCtx = 0;
  private hash = 0x811c9dc5;
  private readonly tail: string[] = [];
  private readonly fullTrace: string[] | undefined;
  private readonly stats: SimulationStats = {
    events: 0,
    delivered: 0,
    dropped: 0,
    duplicated: 0,
    crashes: 0,
    midTurnCrashes: 0,
    snapshotsTaken: 0,
    snapshotsInstalled: 0,
    partitions: 0,
    proposals: 0,
    accepted: 0,
    committed: 0,
    readsIssued: 0,
    readsConfirmed: 0,
    readsDropped: 0,
    termsWithLeader: 0,
    livenessMs: 0,
  };
  private readonly safetyMs: number;
  private readonly livenessBoundMs: number;
  private readonly traceTail: number;
  private healedAt = 0;
  /** Liveness phase: the marker proposal (term it was proposed in) and the reads awaited. */
  private marker: { term: number; leader: NodeId } | undefined;
  private markerCommitted = false;
  private livenessReads = new Map<string, number>();
  private done = false;

  constructor(options: SimulationOptions) {
    assert(options.nodeCount >= 1 && options.nodeCount <= 9, 'simulation: 1 to 9 nodes');
    this.seed = options.seed >>> 0;
    this.setup = chooseSetup(this.seed);
    this.safetyMs = options.safetyMs ?? 8_000;
    this.livenessBoundMs = options.livenessBoundMs ?? 8_000;
    this.traceTail = options.traceTail ?? 60;
    this.fullTrace = options.keepTrace === true ? [] : undefined;
    const master = new Rng(this.seed);
    this.netRng = master.fork();
    this.clientRng = master.fork();
    this.nemesisRng = master.fork();
    this.ids = Array.from({ length: options.nodeCount }, (_, i) => `n${i}`);
    this.readyPending = this.ids.map(() => false);
    this.hosts = this.ids.map(
      (id, i) => new NodeHost((incarnation) => this.nodeConfig(id, i, incarnation), undefined, { compactEveryEntries: this.setup.compactEveryEntries }),
    );
  }

  private nodeConfig(id: NodeId, index: number, incarnation: number): RaftConfig {
    const s = this.setup;
    return makeRaftConfig({
      id,
      peers: this.ids,
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
      asyncStorageWrites: s.maxSyncDelayMs > 0,
    });
  }

  run(): SimulationResult {
    try {
      this.trace(`seed ${this.seed} nodes ${this.ids.length} setup ${JSON.stringify(this.setup)}`);
      for (let i = 0; i < this.hosts.length; i++) this.startTicking(i);
      this.queue.push(this.nemesisRng.int(100, 800), { kind: 'nemesis' });
      this.queue.push(this.clientRng.int(1, 20), { kind: 'client' });
      this.queue.push(this.safetyMs, { kind: 'heal' });
      while (!this.done) {
        const next = this.queue.pop();
        assert(next !== undefined, 'simulation: event queue ran dry');
        this.now = next.time;
        this.stats.events++;
        this.handle(next.event);
        this.checker.checkCluster(this.hosts);
        if (this.phase === 'liveness' && this.now > this.healedAt + this.livenessBoundMs) {
          throw new Error(`liveness: no progress within ${this.livenessBoundMs} ms of healing: ${this.livenessState()}`);
        }
      }
    } catch (error) {
      throw this.failure(error);
    }
    this.stats.committed = this.checker.committedCount;
    this.stats.readsConfirmed = this.checker.readsChecked;
    this.stats.termsWithLeader = this.checker.leaderTermCount;
    this.stats.readsDropped = this.hosts.reduce((sum, host) => sum + host.droppedReads.length, 0);
    this.stats.snapshotsTaken = this.hosts.reduce((sum, host) => sum + host.snapshotsTaken, 0);
    this.stats.snapshotsInstalled = this.hosts.reduce((sum, host) => sum + host.snapshotsInstalled, 0);
    return {
      seed: this.seed,
      nodeCount: this.ids.length,
      setup: this.setup,
      stats: this.stats,
      traceHash: (this.hash >>> 0).toString(16).padStart(8, '0'),
      ...(this.fullTrace === undefined ? {} : { trace: this.fullTrace }),
    };
  }

  private failure(error: unknown): SimulationFailure {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const lines = [
      `simulation failed: seed ${this.seed}, ${this.ids.length} nodes, at ${this.now} ms (${this.phase} phase)`,
      `  ${reason}`,
      `  setup: ${JSON.stringify(this.setup)}`,
      `  nodes:`,
      ...this.hosts.map((host) => `    ${host.up ? host.raft.describe() : `${host.id} down`}`),
      `  last ${this.tail.length} trace lines:`,
      ...this.tail.map((line) => `    ${line}`),
      `replay: SEED=${this.seed} NODES=${this.ids.length} npx vitest run test/raft/simulation.test.ts`,
    ];
    const failure = new SimulationFailure(this.seed, lines.join('\n'));
    if (error instanceof Error && error.stack !== undefined) failure.stack = `${failure.message}\n${error.stack}`;
    return failure;
  }

  private trace(line: string): void {
    const text = `${this.now} ${line}`;
    let h = this.hash;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    this.hash = h >>> 0;
    this.tail.push(text);
    if (this.tail.length > this.traceTail) this.tail.shift();
    this.fullTrace?.push(text);
  }

  // ---------------------------------------------------------------- events

  private handle(event: SimEvent): void {
    switch (event.kind) {
      case 'tick': {
        const host = this.hosts[event.node] as NodeHost;
        if (!host.up || host.incarnation !== event.incarnation) return;
        host.raft.tick();
        this.scheduleReady(event.node);
        this.queue.push(this.now + TICK_MS, event);
        return;
      }
      case 'ready': {
        this.readyPending[event.node] = false;
        const host = this.hosts[event.node] as NodeHost;
        if (!host.up || host.incarnation !== event.incarnation) return;
        if (this.faultsOn && this.nemesisRng.chance(this.setup.midTurnCrashRate)) {
          // Killed between write and fsync: a random prefix of the turn's writes survives.
          const pending = host.crashMidTurn(this.observer, (count) => this.nemesisRng.int(0, count));
          this.stats.midTurnCrashes++;
          this.trace(`nemesis: crash ${host.id} mid-turn (${pending} writes pending)`);
          this.crash(host);
          return;
        }
        const before = host.raft.role;
        const messages = host.handleReady(this.observer);
        if (host.raft.role !== before) this.trace(`${host.raft.describe()}`);
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
        this.queue.push(this.now + this.clientRng.int(1, 30), event);
        return;
      case 'nemesis':
        if (this.phase !== 'safety') return;
        this.nemesisStep();
        this.queue.push(this.now + this.nemesisRng.int(100, 1500), event);
        return;
      case 'restart':
        this.restart(event.node);
        return;
      case 'crash': {
        const host = this.hosts[event.node] as NodeHost;
        if (this.phase === 'safety' && host.up && host.incarnation === event.incarnation) this.crash(host, this.nemesisRng.int(1, 100));
        return;
      }
      case 'heal':
        this.heal();
        return;
      case 'liveness':
        this.livenessStep();
        if (!this.done) this.queue.push(this.now + TICK_MS, event);
        return;
    }
  }

  private startTicking(node: number): void {
    const host = this.hosts[node] as NodeHost;
    this.queue.push(this.now + this.netRng.int(1, TICK_MS), { kind: 'tick', node, incarnation: host.incarnation });
  }

  private maybeStartSync(node: number): void {
    const host = this.hosts[node] as NodeHost;
    if (!host.asyncWrites) return;
    const target = host.startSync();
    if (target === undefined) return;
    this.queue.push(this.now + this.netRng.int(0, this.setup.maxSyncDelayMs), { kind: 'sync', node, incarnation: host.incarnation, target });
  }

  /** The end of the node's event-loop turn: its Ready is handled after every event queued for now. */
  private scheduleReady(node: number): void {
    if (this.readyPending[node] === true) return;
    this.readyPending[node] = true;
    this.queue.push(this.now, { kind: 'ready', node, incarnation: (this.hosts[node] as NodeHost).incarnation });
  }

  private indexOf(id: NodeId): number {
    const index = this.ids.indexOf(id);
    assert(index >= 0, () => `simulation: unknown node ${id}`);
    return index;
  }

  // ---------------------------------------------------------------- network

  private send(message: RaftMessage): void {
    const rng = this.netRng;
    if (this.faultsOn && rng.chance(this.setup.dropRate)) {
      this.stats.dropped++;
      this.trace(`lose ${describeMessage(message)}`);
      return;
    }
    const copies = this.faultsOn && rng.chance(this.setup.duplicateRate) ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let i = 0; i < copies; i++) {
      // Now and then a message is held up for a long time and arrives very late (stale).
      const spike = this.faultsOn && rng.chance(0.01) ? rng.int(50, 600) : 0;
      this.queue.push(this.now + rng.int(0, this.setup.maxDelayMs) + spike, { kind: 'deliver', message });
    }
  }

  private deliver(message: RaftMessage): void {
    const to = this.indexOf(message.to);
    const host = this.hosts[to] as NodeHost;
    if (this.cut.has(`${message.from}>${message.to}`) || !host.up) {
      this.stats.dropped++;
      this.trace(`drop ${describeMessage(message)}`);
      return;
    }
    this.stats.delivered++;
    this.trace(describeMessage(message));
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
        this.trace(`propose c${command} at ${host.id}: ${result.ok ? `${result.value.index}/${result.value.term}` : result.error.reason}`);
      }
    } else {
      const ctx = ++this.readCtx;
      this.issueRead(host, ctx);
    }
    this.scheduleReady(this.indexOf(host.id));
  }

  private issueRead(host: NodeHost, ctx: number): boolean {
    const result = host.raft.readIndex(ctx);
    this.trace(`read ctx ${ctx} at ${host.id}: ${result.ok ? 'pending' : result.error.reason}`);
    if (!result.ok) return false;
    this.stats.readsIssued++;
    this.checker.readIssued(host, ctx);
    return true;
  }

  // ---------------------------------------------------------------- faults

  private nemesisStep(): void {
    const rng = this.nemesisRng;
    const n = this.ids.length;
    const roll = rng.float();
    if (roll < 0.25) {
      this.cut.clear();
      this.trace('nemesis: heal');
    } else if (roll < 0.55) {
      this.partition();
    } else if (roll < 0.65) {
      // One-way loss on a few random links.
      const links = rng.int(1, n);
      for (let i = 0; i < links; i++) {
        const from = rng.pick(this.ids);
        const to = rng.pick(this.ids.filter((id) => id !== from));
        if (to !== undefined) this.cut.add(`${from}>${to}`);
      }
      this.stats.partitions++;
      this.trace(`nemesis: cut links ${[...this.cut].sort().join(' ')}`);
    } else {
      const live = this.liveHosts();
      if (live.length === 0) return;
      const leader = live.find((host) => host.raft.role === 'leader');
      const victim = roll < 0.8 && leader !== undefined ? leader : rng.pick(live);
      this.crash(victim);
    }
  }

  private partition(): void {
    const rng = this.nemesisRng;
    const ids = rng.shuffle(this.ids);
    const n = ids.length;
    this.cut.clear();
    const shape = n >= 5 ? rng.pick(['isolate', 'split', 'ring', 'bridge'] as const) : rng.pick(['isolate', 'split'] as const);
    const connected = new Set<string>();
    const link = (a: NodeId, b: NodeId): void => {
      connected.add(`${a}>${b}`);
      connected.add(`${b}>${a}`);
    };
    if (shape === 'isolate' || shape === 'split') {
      const k = shape === 'isolate' ? 1 : rng.int(1, Math.floor(n / 2));
      const side = (id: NodeId): boolean => ids.indexOf(id) < k;
      for (const a of ids) for (const b of ids) if (side(a) === side(b)) link(a, b);
    } else if (shape === 'ring') {
      // Every node sees a majority (itself and its two ring neighbours), no two the same one.
      for (let i = 0; i < n; i++) link(ids[i] as NodeId, ids[(i + 1) % n] as NodeId);
    } else {
      // Two halves joined only through one bridge node.
      const bridge = ids[0] as NodeId;
      const half = Math.floor((n - 1) / 2);
      const left = ids.slice(1, 1 + half);
      const right = ids.slice(1 + half);
      for (const group of [left, right]) {
        for (const a of group) {
          link(a, bridge);
          for (const b of group) link(a, b);
        }
      }
    }
    for (const a of ids) for (const b of ids) if (a !== b && !connected.has(`${a}>${b}`)) this.cut.add(`${a}>${b}`);
    this.stats.partitions++;
    this.trace(`nemesis: partition ${shape} cut ${[...this.cut].sort().join(' ')}`);
  }

  private crash(host: NodeHost, downMs = this.nemesisRng.int(20, 1500)): void {
    if (host.up) host.crash();
    this.checker.forgetReads(host);
    this.stats.crashes++;
    this.trace(`nemesis: crash ${host.id}`);
    this.queue.push(this.now + downMs, { kind: 'restart', node: this.indexOf(host.id) });
  }

  /**
   * Targeted faults: crash a node right after it voted or acknowledged entries, the moments where
   * forgetting what it persisted (or persisting too late) would break safety. A crash a few
   * milliseconds later models a process killed while its replies are still in flight.
   */
  private readonly observer: ReadyObserver = {
    onReady: (host, rd) => {
      this.checker.onReady(host, rd);
      if (!this.faultsOn) return;
      const voted = rd.hardState !== undefined && rd.hardState.vote !== null && rd.hardState.vote !== host.id;
      if ((voted && this.nemesisRng.chance(0.1)) || (rd.entries.length > 0 && this.nemesisRng.chance(0.0005))) {
        this.queue.push(this.now + this.nemesisRng.int(0, 3), { kind: 'crash', node: this.indexOf(host.id), incarnation: host.incarnation });
      }
    },
    onApply: (host, entry) => this.checker.onApply(host, entry),
    onReadState: (host, read) => this.checker.onReadState(host, read),
    onDroppedRead: (host, read) => this.checker.onDroppedRead(host, read),
  };

  private restart(node: number): void {
    const host = this.hosts[node] as NodeHost;
    if (host.up) return;
    host.restart();
    this.trace(`restart ${host.raft.describe()}`);
    this.startTicking(node);
    this.scheduleReady(node);
  }

  // ---------------------------------------------------------------- liveness

  private heal(): void {
    this.phase = 'liveness';
    this.faultsOn = false;
    this.cut.clear();
    this.healedAt = this.now;
    this.trace('heal: all faults off, restarting every node that is down');
    for (let i = 0; i < this.hosts.length; i++) this.restart(i);
    this.queue.push(this.now, { kind: 'liveness' });
  }

  /** After healing: propose a marker at the leader until it commits everywhere, then read at two nodes. */
  private livenessStep(): void {
    const leaders = this.hosts.filter((host) => host.raft.role === 'leader').sort((a, b) => b.raft.term - a.raft.term);
    const leader = leaders[0];
    const markerData = { liveness: this.seed };
    if (!this.markerCommitted) {
      if (leader === undefined) return;
      if (this.marker === undefined || this.marker.term !== leader.raft.term || this.marker.leader !== leader.id) {
        const result = leader.raft.propose(markerData);
        this.trace(`liveness: propose marker at ${leader.id}: ${result.ok ? `${result.value.index}/${result.value.term}` : result.error.reason}`);
        if (result.ok) this.marker = { term: leader.raft.term, leader: leader.id };
        this.scheduleReady(this.indexOf(leader.id));
        return;
      }
      const everywhere = this.hosts.every((host) => host.applied.some((entry) => entry.kind === 'normal' && JSON.stringify(entry.data) === JSON.stringify(markerData)));
      if (!everywhere) return;
      this.markerCommitted = true;
      this.trace('liveness: marker applied on every node');
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
    this.stats.livenessMs = this.now - this.healedAt;
    this.trace(`liveness: done after ${this.stats.livenessMs} ms`);
    this.done = true;
  }

  private livenessState(): string {
    return `marker ${this.marker === undefined ? 'not proposed' : `proposed in t${this.marker.term} at ${this.marker.leader}`}, committed everywhere: ${this.markerCommitted}, reads pending: ${[...this.livenessReads.keys()].join(',') || 'none'}; ${this.hosts.map((host) => host.raft.describe()).join(' | ')}`;
  }
}
