// The whole-node deterministic simulator: N real raftkv nodes (NodeShell + KvServer) in one
// process on virtual time, every message an encoded line through receiveLine, one seed for every
// choice. It owns the event queue, the faulty node <-> node network (delay, loss, duplication,
// reordering, partitions, clogged links), crashes and restarts (only MemoryStorage survives),
// the two phases (safety under faults, then liveness after healing) and the final verdict.
// It must stay pure: no clock, no Math.random, no I/O (tracing goes to an injected callback).
// Invariants: the cluster checker runs after every virtual instant; loops are bounded.

import { assert } from '../base/assert.js';
import { Rng } from '../base/rng.js';
import { checkHistory } from '../check/linearizability.js';
import { formatHistoryLine, type HistoryEvent } from '../check/history.js';
import { DeadlineHeap } from '../harness/heap.js';
import { canHear, completeGrudge, describeGrudge, EMPTY_GRUDGE, partitionGrudge, PARTITION_SPECS, type Grudge } from '../harness/partition.js';
import { MemoryStorage, type RaftNode, type Ready } from '../raft/index.js';
import { createKvServerApp, DEFAULT_KV_SERVER_OPTIONS, type KvServer, type KvServerOptions, type ReadMode } from '../server/kv_server.js';
import { NodeShell, type ShellOutput } from '../server/node_shell.js';
import { SimClients, type ClientTimer } from './clients.js';
import { InvariantHooks, type HostView } from './invariant_hooks.js';
import { findProfile, PROFILE_NAMES, profileForSeed, type FaultProfile } from './profiles.js';

export interface SimOptions {
  readonly seed: number;
  /** A profile name; by default the seed picks one. */
  readonly profile?: string;
  /** 3 or 5 by default, picked by the seed. */
  readonly nodeCount?: number;
  readonly readMode?: ReadMode;
  /** Virtual length of the safety phase (faults on, clients busy). */
  readonly safetyUs?: number;
  /** After healing, the cluster must serve a write and a read on every node within this. */
  readonly livenessBoundUs?: number;
  /** Receives every trace line: deliveries and drops, client traffic, node logs, nemesis; not ticks. */
  readonly trace?: (line: string) => void;
}

export interface SimStats {
  messagesSent: number;
  messagesDelivered: number;
  messagesLost: number;
  messagesCut: number;
  messagesDuplicated: number;
  toDownNode: number;
  partitions: number;
  heals: number;
  clogs: number;
  crashes: number;
  restarts: number;
  opsOk: number;
  opsFail: number;
  opsInfo: number;
  committed: number;
  leaderTerms: number;
  events: number;
}

export interface SimResult {
  readonly seed: number;
  readonly profile: string;
  readonly nodeCount: number;
  readonly readMode: ReadMode;
  /** Undefined when the run passed. */
  readonly failure: string | undefined;
  readonly replay: string;
  readonly virtualUs: number;
  /** From healing to the first instant some node is leader. */
  readonly leaderUs: number | undefined;
  /** From healing to the last probe's success. */
  readonly livenessUs: number | undefined;
  readonly historyHash: string;
  /** FNV-1a over every processed event (time, kind, node, line): equal means identical runs. */
  readonly traceHash: string;
  readonly history: readonly HistoryEvent[];
  readonly stats: SimStats;
}

/** The read modes that promise linearizability (bounded-staleness does not: never simulated by default). */
export const LINEARIZABLE_READ_MODES: readonly ReadMode[] = ['log', 'read-index', 'lease', 'follower'];

export const TICK_US = 10_000;
export const DEFAULT_SAFETY_US = 2_000_000;
export const DEFAULT_LIVENESS_BOUND_US = 10_000_000;
const CLIENT_TIMEOUT_US = 1_000_000;
const CLIENT_THINK_US = 30_000;
const CLIENT_LINK_US: readonly [number, number] = [100, 1_000];
/** Every run is bounded: more events than this is a runaway, not a long test. */
const MAX_EVENTS = 20_000_000;
const CHECK_MAX_STEPS_PER_KEY = 5_000_000;

type SimEvent =
  | { readonly kind: 'deliver'; readonly dest: number; readonly src: string; readonly line: string }
  | { readonly kind: 'to-client'; readonly line: string }
  | { readonly kind: 'tick'; readonly node: number; readonly incarnation: number }
  | { readonly kind: 'client'; readonly timer: ClientTimer }
  | { readonly kind: 'nemesis' }
  | { readonly kind: 'restart'; readonly node: number }
  | { readonly kind: 'crash'; readonly node: number; readonly incarnation: number }
  | { readonly kind: 'liveness' };

const EVENT_CODES: { readonly [kind in SimEvent['kind']]: number } = { deliver: 1, 'to-client': 2, tick: 3, client: 4, nemesis: 5, restart: 6, liveness: 7, crash: 8 };

interface SimNode extends HostView {
  readonly index: number;
  readonly tickPeriodUs: number;
  readonly rng: Rng;
  shell: NodeShell | undefined;
  server: KvServer | undefined;
  incarnation: number;
}

/** The seed's own choices of setup, drawn from a stream apart from the run's, so naming them
 *  explicitly on the command line (--profile, --nodes) replays the very same run. */
export function setupForSeed(seed: number): { profile: FaultProfile; nodeCount: number; readMode: ReadMode } {
  const rng = new Rng((seed ^ 0x5eed5eed) >>> 0);
  const profile = profileForSeed(rng);
  const nodeCount = rng.chance(0.6) ? 3 : 5;
  const readMode = rng.pick(LINEARIZABLE_READ_MODES);
  return { profile, nodeCount, readMode };
}

export function replayCommand(seed: number, profile: string, nodeCount: number, readMode: ReadMode): string {
  return `npm run sim -- --seed ${seed} --profile ${profile} --nodes ${nodeCount} --read-mode ${readMode} --trace`;
}

export function runSimulation(options: SimOptions): SimResult {
  return new Simulation(options).run();
}

class Simulation {
  private readonly profile: FaultProfile;
  private readonly nodeCount: number;
  private readonly readMode: ReadMode;
  private readonly serverOptions: KvServerOptions;
  private readonly safetyUs: number;
  private readonly livenessBoundUs: number;
  private readonly trace: ((line: string) => void) | undefined;

  private readonly netRng: Rng;
  private readonly nemesisRng: Rng;
  private readonly nodes: SimNode[] = [];
  private readonly nodeIds: string[];
  private readonly nodeIndex = new Map<string, number>();
  private readonly clients: SimClients;
  private readonly hooks = new InvariantHooks();
  private readonly queue = new DeadlineHeap<SimEvent>();
  private sequence = 0;
  private now = 0;
  private readonly touched: boolean[];

  private phase: 'safety' | 'liveness' = 'safety';
  private faultsOn = true;
  private grudge: Grudge = EMPTY_GRUDGE;
  /** Directed link "a>b" held back until the given time. */
  private readonly clogged = new Map<string, number>();
  private healedAtUs = 0;
  private livenessUs: number | undefined;
  private leaderUs: number | undefined;
  private hash = 0x811c9dc5;
  private readonly stats: SimStats = {
    messagesSent: 0,
    messagesDelivered: 0,
    messagesLost: 0,
    messagesCut: 0,
    messagesDuplicated: 0,
    toDownNode: 0,
    partitions: 0,
    heals: 0,
    clogs: 0,
    crashes: 0,
    restarts: 0,
    opsOk: 0,
    opsFail: 0,
    opsInfo: 0,
    committed: 0,
    leaderTerms: 0,
    events: 0,
  };

  constructor(private readonly options: SimOptions) {
    const setup = setupForSeed(options.seed);
    if (options.profile !== undefined) {
      const named = findProfile(options.profile);
      if (named === undefined) throw new RangeError(`unknown profile "${options.profile}" (known: ${PROFILE_NAMES.join(', ')})`);
      this.profile = named;
    } else {
      this.profile = setup.profile;
    }
    this.nodeCount = options.nodeCount ?? setup.nodeCount;
    assert(Number.isSafeInteger(this.nodeCount) && this.nodeCount >= 1 && this.nodeCount <= 9, `nodeCount must be 1..9, got ${this.nodeCount}`);
    this.readMode = options.readMode ?? setup.readMode;
    this.serverOptions = { ...DEFAULT_KV_SERVER_OPTIONS, readMode: this.readMode };
    this.safetyUs = options.safetyUs ?? DEFAULT_SAFETY_US;
    this.livenessBoundUs = options.livenessBoundUs ?? DEFAULT_LIVENESS_BOUND_US;
    this.trace = options.trace;

    const rng = new Rng(options.seed);
    this.netRng = rng.fork();
    this.nemesisRng = rng.fork();
    const clientRng = rng.fork();
    this.nodeIds = Array.from({ length: this.nodeCount }, (_, i) => `n${i}`);
    this.touched = this.nodeIds.map(() => false);
    for (let index = 0; index < this.nodeCount; index++) {
      const id = this.nodeIds[index] as string;
      this.nodeIndex.set(id, index);
      // Small per-node clock skew: ticks every 10 ms, give or take 2%.
      const tickPeriodUs = TICK_US + rng.int(-200, 200);
      const node: SimNode = {
        index,
        id,
        tickPeriodUs,
        rng: rng.fork(),
        storage: new MemoryStorage(),
        shell: undefined,
        server: undefined,
        incarnation: 0,
        get up(): boolean {
          return this.server !== undefined;
        },
        get raft(): RaftNode {
          assert(this.server !== undefined, () => `${id} is down`);
          return this.server.raft;
        },
      };
      this.nodes.push(node);
    }
    this.clients = new SimClients(
      this.nodeIds,
      clientRng,
      { timeoutUs: CLIENT_TIMEOUT_US, thinkUs: CLIENT_THINK_US, processLimit: 8 },
      {
        send: (_clientId, nodeId, line) => this.sendFromClient(nodeId, line),
        schedule: (atUs, timer) => this.push(atUs, { kind: 'client', timer }),
      },
      () => this.now,
    );
  }

  run(): SimResult {
    let failure: string | undefined;
    try {
      this.simulate();
    } catch (error) {
      failure = `${(error as Error).name}: ${(error as Error).message}`;
    }
    const history = this.clients.history;
    if (failure === undefined) failure = this.checkLinearizability(history);
    this.stats.opsOk = this.clients.okCount;
    this.stats.opsFail = this.clients.failCount;
    this.stats.opsInfo = this.clients.infoCount;
    this.stats.committed = this.hooks.checker.committedCount;
    this.stats.leaderTerms = this.hooks.checker.leaderTermCount;
    let historyHash = 0x811c9dc5;
    for (const event of history) historyHash = fnv(historyHash, formatHistoryLine(event));
    return {
      seed: this.options.seed,
      profile: this.profile.name,
      nodeCount: this.nodeCount,
      readMode: this.readMode,
      failure,
      replay: replayCommand(this.options.seed, this.profile.name, this.nodeCount, this.readMode),
      virtualUs: this.now,
      leaderUs: this.leaderUs,
      livenessUs: this.livenessUs,
      historyHash: hex(historyHash),
      traceHash: hex(this.hash),
      history,
      stats: this.stats,
    };
  }

  private checkLinearizability(history: readonly HistoryEvent[]): string | undefined {
    const checked = checkHistory(history, { maxStepsPerKey: CHECK_MAX_STEPS_PER_KEY });
    if (!checked.ok) return `history: ${checked.error}`;
    const result = checked.value;
    if (result.verdict === 'valid') return undefined;
    const keys = result.keys.filter((key) => key.verdict !== 'valid').map((key) => `key ${key.keyText}: ${key.verdict} (${key.operationCount} ops, ${key.steps} steps)`);
    return `linearizability: ${result.verdict}; ${keys.join('; ')}`;
  }

  // ------------------------------------------------------------------ the event loop

  private simulate(): void {
    for (const node of this.nodes) this.startNode(node);
    this.clients.start();
    this.push(this.nemesisDelay(), { kind: 'nemesis' });
    this.push(this.safetyUs, { kind: 'liveness' });
    const deadlineUs = this.safetyUs + this.livenessBoundUs;
    for (;;) {
      const top = this.queue.peek();
      assert(top !== undefined, 'the event queue ran dry (ticks always remain)');
      if (top.deadline > deadlineUs) {
        throw new Error(`liveness: not done ${this.livenessBoundUs / 1000} ms after healing; probes: ${this.clients.probeStatus()}; ${this.describeNodes()}`);
      }
      this.now = top.deadline;
      for (let next = this.queue.peek(); next !== undefined && next.deadline === this.now; next = this.queue.peek()) {
        this.queue.pop();
        this.stats.events++;
        assert(this.stats.events <= MAX_EVENTS, `more than ${MAX_EVENTS} events: runaway`);
        this.handle(next.item);
      }
      for (const node of this.nodes) {
        if (!this.touched[node.index]) continue;
        this.touched[node.index] = false;
        node.shell?.flush();
      }
      this.hooks.checkCluster(this.nodes);
      if (this.phase === 'liveness' && this.leaderUs === undefined && this.nodes.some((node) => node.server?.raft.role === 'leader')) {
        this.leaderUs = this.now - this.healedAtUs;
      }
      if (this.phase === 'liveness' && this.livenessUs === undefined && this.clients.probesPending === 0) {
        this.livenessUs = this.now - this.healedAtUs;
        this.note(`liveness: every node served a write and a read ${this.livenessUs / 1000} ms after healing`);
      }
      if (this.livenessUs !== undefined && this.clients.inflight === 0) return;
    }
  }

  private push(atUs: number, item: SimEvent): void {
    this.queue.push({ deadline: atUs, sequence: this.sequence++, item });
  }

  private handle(event: SimEvent): void {
    switch (event.kind) {
      case 'deliver':
        this.hash = fnvInts(this.hash, this.now, EVENT_CODES.deliver, event.dest);
        this.hash = fnv(this.hash, event.line);
        this.deliver(event.dest, event.src, event.line);
        return;
      case 'to-client':
        this.hash = fnv(fnvInts(this.hash, this.now, EVENT_CODES['to-client'], 0), event.line);
        this.clients.onLine(event.line);
        return;
      case 'tick': {
        const node = this.nodes[event.node] as SimNode;
        if (node.incarnation !== event.incarnation || node.shell === undefined) return;
        this.hash = fnvInts(this.hash, this.now, EVENT_CODES.tick, event.node);
        node.shell.tick();
        this.touched[node.index] = true;
        this.push(this.now + node.tickPeriodUs, event);
        return;
      }
      case 'client':
        this.hash = fnvInts(this.hash, this.now, EVENT_CODES.client, event.timer.thread);
        this.clients.onTimer(event.timer);
        return;
      case 'nemesis':
        this.hash = fnvInts(this.hash, this.now, EVENT_CODES.nemesis, 0);
        if (this.phase !== 'safety') return;
        this.nemesis();
        this.push(this.now + this.nemesisDelay(), { kind: 'nemesis' });
        return;
      case 'restart': {
        this.hash = fnvInts(this.hash, this.now, EVENT_CODES.restart, event.node);
        const node = this.nodes[event.node] as SimNode;
        if (node.shell === undefined) this.startNode(node);
        return;
      }
      case 'crash': {
        this.hash = fnvInts(this.hash, this.now, EVENT_CODES.crash, event.node);
        const node = this.nodes[event.node] as SimNode;
        if (this.phase !== 'safety' || node.shell === undefined || node.incarnation !== event.incarnation) return;
        this.crash(node);
        const downUs = this.nemesisRng.int(5_000, 500_000);
        this.push(this.now + downUs, { kind: 'restart', node: node.index });
        this.note(`nemesis: targeted crash of ${node.id} for ${downUs / 1000} ms`);
        return;
      }
      case 'liveness':
        this.hash = fnvInts(this.hash, this.now, EVENT_CODES.liveness, 0);
        this.beginLiveness();
        return;
    }
  }

  // ------------------------------------------------------------------ nodes

  private startNode(node: SimNode): void {
    node.incarnation++;
    const output: ShellOutput = {
      write: (line) => this.sendFromNode(node, line),
      log: (level, text) => this.trace?.(`${this.stamp()} ${node.id} ${level}: ${text}`),
    };
    const app = createKvServerApp(this.serverOptions, {
      storage: node.storage,
      rng: node.rng.fork(),
      observe: (server) => {
        node.server = server;
        this.hooks.attach(node, server, (rd) => this.maybeTargetedCrash(node, rd));
      },
    });
    node.shell = new NodeShell(output, app);
    const init = { type: 'init', msg_id: 1, node_id: node.id, node_ids: this.nodeIds };
    node.shell.receiveLine(`${JSON.stringify({ src: 'c0', dest: node.id, body: init })}\n`);
    assert(node.server !== undefined, () => `${node.id} did not start`);
    this.touched[node.index] = true;
    this.push(this.now + node.rng.int(1, node.tickPeriodUs), { kind: 'tick', node: node.index, incarnation: node.incarnation });
    if (node.incarnation > 1) {
      this.stats.restarts++;
      this.note(`restart ${node.id} (term ${node.server.raft.term}, log to ${node.server.raft.lastIndex}, commit ${node.server.raft.commitIndex})`);
    }
  }

  /** Everything but the storage is lost; messages already on the wire stay there. */
  private crash(node: SimNode): void {
    this.hooks.crashed(node);
    node.shell = undefined;
    node.server = undefined;
    node.incarnation++;
    this.touched[node.index] = false;
    this.stats.crashes++;
  }

  private deliver(dest: number, src: string, line: string): void {
    const node = this.nodes[dest] as SimNode;
    if (node.shell === undefined) {
      this.stats.toDownNode++;
      this.trace?.(`${this.stamp()} ${src} -> ${node.id} dropped (down): ${line.trimEnd()}`);
      return;
    }
    if (this.nodeIndex.has(src) && !canHear(this.grudge, node.id, src)) {
      this.stats.messagesCut++;
      this.trace?.(`${this.stamp()} ${src} -> ${node.id} dropped (partition): ${line.trimEnd()}`);
      return;
    }
    this.stats.messagesDelivered++;
    if (src !== 'client') this.trace?.(`${this.stamp()} ${src} -> ${node.id} ${line.trimEnd()}`);
    node.shell.receiveLine(line);
    this.touched[dest] = true;
  }

  // ------------------------------------------------------------------ the network

  private sendFromClient(nodeId: string, line: string): void {
    const dest = this.nodeIndex.get(nodeId);
    assert(dest !== undefined, () => `a client wrote to unknown node ${nodeId}`);
    this.trace?.(`${this.stamp()} client -> ${line.trimEnd()}`);
    this.push(this.now + this.netRng.int(CLIENT_LINK_US[0], CLIENT_LINK_US[1]), { kind: 'deliver', dest, src: 'client', line });
  }

  private sendFromNode(node: SimNode, line: string): void {
    const destId = destOf(line);
    const dest = this.nodeIndex.get(destId);
    if (dest === undefined) {
      // Clients are never cut and never lose messages (as in Maelstrom).
      this.trace?.(`${this.stamp()} client <- ${line.trimEnd()}`);
      this.push(this.now + this.netRng.int(CLIENT_LINK_US[0], CLIENT_LINK_US[1]), { kind: 'to-client', line });
      return;
    }
    this.stats.messagesSent++;
    const profile = this.profile;
    if (this.faultsOn && profile.lossChance > 0 && this.netRng.chance(profile.lossChance)) {
      this.stats.messagesLost++;
      this.trace?.(`${this.stamp()} ${node.id} -> ${destId} lost: ${line.trimEnd()}`);
      return;
    }
    this.schedulePeerMessage(node.id, dest, destId, line);
    if (this.faultsOn && profile.duplicateChance > 0 && this.netRng.chance(profile.duplicateChance)) {
      this.stats.messagesDuplicated++;
      this.schedulePeerMessage(node.id, dest, destId, line);
    }
  }

  private schedulePeerMessage(src: string, dest: number, destId: string, line: string): void {
    const profile = this.profile;
    let delay = this.netRng.int(profile.delayUs[0], profile.delayUs[1]);
    if (this.faultsOn && profile.slowChance > 0 && this.netRng.chance(profile.slowChance)) delay += this.netRng.int(0, profile.slowDelayUs);
    let departUs = this.now;
    const clogUntil = this.clogged.get(`${src}>${destId}`);
    if (clogUntil !== undefined) {
      if (clogUntil > this.now) departUs = clogUntil;
      else this.clogged.delete(`${src}>${destId}`);
    }
    this.push(departUs + delay, { kind: 'deliver', dest, src, line });
  }

  // ------------------------------------------------------------------ faults

  private nemesisDelay(): number {
    const [low, high] = this.profile.nemesisIntervalUs;
    return this.nemesisRng.int(low, high);
  }

  private nemesis(): void {
    const actions: Array<() => void> = [];
    const profile = this.profile;
    if (profile.partitions) actions.push(() => this.partitionOrHeal());
    if (profile.crashes) actions.push(() => this.crashOne());
    if (profile.clogs) actions.push(() => this.clog());
    if (actions.length === 0) return;
    this.nemesisRng.pick(actions)();
  }

  private partitionOrHeal(): void {
    if (this.grudge !== EMPTY_GRUDGE && this.nemesisRng.chance(0.5)) {
      this.grudge = EMPTY_GRUDGE;
      this.stats.heals++;
      this.note('nemesis: heal partition');
      return;
    }
    const roll = this.nemesisRng.float();
    let shape: string;
    if (roll < 0.6) {
      const spec = this.nemesisRng.pick(PARTITION_SPECS);
      shape = spec;
      this.grudge = partitionGrudge(spec, this.nodeIds, this.nemesisRng);
    } else if (roll < 0.85) {
      // Random components: every node joins one of two or three sides.
      const sides = this.nemesisRng.int(2, 3);
      const components: string[][] = Array.from({ length: sides }, () => []);
      for (const id of this.nodeIds) (components[this.nemesisRng.int(0, sides - 1)] as string[]).push(id);
      shape = `random-${sides}`;
      this.grudge = completeGrudge(components.filter((component) => component.length > 0));
    } else {
      // Random one-way cuts: each directed link drops with chance 0.3.
      const grudge = new Map<string, Set<string>>();
      for (const dest of this.nodeIds) {
        for (const src of this.nodeIds) {
          if (src === dest || !this.nemesisRng.chance(0.3)) continue;
          let sources = grudge.get(dest);
          if (sources === undefined) grudge.set(dest, (sources = new Set()));
          sources.add(src);
        }
      }
      shape = 'one-way';
      this.grudge = grudge;
    }
    this.stats.partitions++;
    this.note(`nemesis: partition ${shape} ${JSON.stringify(describeGrudge(this.grudge))}`);
  }

  private crashOne(): void {
    const up = this.nodes.filter((node) => node.shell !== undefined);
    const down = this.nodeCount - up.length;
    // Mostly a minority down at once; now and then a majority, rarely every node (then only
    // what each node persisted carries the committed entries).
    const roll = this.nemesisRng.float();
    const limit = roll < 0.05 ? this.nodeCount : roll < 0.25 ? this.nodeCount - 1 : Math.floor((this.nodeCount - 1) / 2);
    if (up.length === 0 || down >= limit) return;
    const node = this.nemesisRng.pick(up);
    this.crash(node);
    const downUs = this.nemesisRng.int(20_000, 1_500_000);
    this.push(this.now + downUs, { kind: 'restart', node: node.index });
    this.note(`nemesis: crash ${node.id} for ${downUs / 1000} ms`);
  }

  /**
   * Crashes right after a node voted or accepted entries (the Ready is persisted, and its replies
   * may or may not have left): the moments where a node that forgot what it persisted, or
   * persisted too late, would break safety. Crash profiles only, at most a minority at once.
   */
  private maybeTargetedCrash(node: SimNode, rd: Ready): void {
    if (!this.faultsOn || !this.profile.crashes) return;
    const voted = rd.hardState !== undefined && rd.hardState.vote !== null && rd.hardState.vote !== node.id;
    if (!(voted && this.nemesisRng.chance(0.05)) && !(rd.entries.length > 0 && this.nemesisRng.chance(0.001))) return;
    const down = this.nodes.filter((other) => other.shell === undefined).length;
    if (down >= Math.floor((this.nodeCount - 1) / 2)) return;
    this.push(this.now + this.nemesisRng.int(0, 3_000), { kind: 'crash', node: node.index, incarnation: node.incarnation });
  }

  private clog(): void {
    const untilUs = this.now + this.nemesisRng.int(50_000, 800_000);
    const victim = this.nemesisRng.pick(this.nodeIds);
    const links: string[] = [];
    if (this.nemesisRng.chance(0.5)) {
      // Every link into and out of one node.
      for (const other of this.nodeIds) if (other !== victim) links.push(`${victim}>${other}`, `${other}>${victim}`);
    } else {
      const others = this.nodeIds.filter((id) => id !== victim);
      if (others.length === 0) return;
      links.push(`${victim}>${this.nemesisRng.pick(others)}`);
    }
    for (const link of links) this.clogged.set(link, Math.max(untilUs, this.clogged.get(link) ?? 0));
    this.stats.clogs++;
    this.note(`nemesis: clog ${links.join(' ')} until ${untilUs / 1000} ms`);
  }

  private beginLiveness(): void {
    this.phase = 'liveness';
    this.faultsOn = false;
    this.grudge = EMPTY_GRUDGE;
    this.clogged.clear();
    this.healedAtUs = this.now;
    this.clients.stopIssuing();
    for (const node of this.nodes) if (node.shell === undefined) this.startNode(node);
    this.note('liveness: healed the network, restarted every node, probing every node');
    this.clients.startProbes();
  }

  // ------------------------------------------------------------------ reporting

  private describeNodes(): string {
    return this.nodes.map((node) => (node.server === undefined ? `${node.id}: down` : node.server.raft.describe())).join('; ');
  }

  private note(text: string): void {
    this.trace?.(`${this.stamp()} ${text}`);
  }

  private stamp(): string {
    return `${(this.now / 1000).toFixed(3)}ms`;
  }
}

/** The dest of an encoded message, cheaply: encodeMessage writes src first, then dest. */
function destOf(line: string): string {
  const marker = '"dest":"';
  const start = line.indexOf(marker);
  assert(start >= 0, () => `a node wrote a line without a dest: ${line}`);
  const end = line.indexOf('"', start + marker.length);
  return line.slice(start + marker.length, end);
}

function fnv(hash: number, text: string): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function fnvInts(hash: number, a: number, b: number, c: number): number {
  let h = hash;
  for (const value of [a, b, c]) {
    h ^= value | 0;
    h = Math.imul(h, 0x01000193);
    h ^= Math.floor(value / 4294967296);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function hex(hash: number): string {
  return (hash >>> 0).toString(16).padStart(8, '0');
}
