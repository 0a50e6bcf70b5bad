// The whole-node deterministic simulator: N real raftkv nodes (sim_node.ts: the shipping turn
// driver and store, on a simulated disk) in one process on the simulation kernel's virtual time,
// every message an encoded line through the real codec, one seed for every choice. It owns the
// run: the seed's setup, storage setup and fault rates, the events of the cluster (deliveries,
// ticks, disk completions, client timers, nemesis steps, crashes and restarts), the turn
// structure (every event of an instant, then each node's turn end, as the runtime's setImmediate
// does), the two phases (safety under faults, then liveness after healing) and the verdict
// (invariants of every Raft group, a linearizable history or, for a txn workload, one valid under
// the model the node's txn mode promises, progress after healing). Faults come from links.ts and
// nemesis.ts, clients from the shared client model (clients.ts). Pure:
// no clock, no Math.random, no I/O (tracing goes to an injected callback). Invariants: the
// cluster checkers run after every virtual instant; every run is bounded in events and in time.

import { assert } from '../base/assert.js';
import { Rng } from '../base/rng.js';
import { checkHistory } from '../check/linearizability.js';
import { formatHistoryLine, type HistoryEvent } from '../check/history.js';
import { checkTxnHistory } from '../check/txn/checker.js';
import { anomalyNames, firstAnomaly } from '../check/txn/report.js';
import type { ConsistencyModel, TxnCheckResult } from '../check/txn/types.js';
import type { FinalReadSummary } from '../harness/final_reads.js';
import type { Ready } from '../raft/index.js';
import { DEFAULT_KV_SERVER_OPTIONS, type KvServerOptions, type ReadMode, type TxnMode } from '../server/options.js';
import type { SimDiskOptions } from './sim_disk.js';
import { SimClients, type ClientTimer, type SimWorkload } from './clients.js';
import { InvariantHooks } from './invariant_hooks.js';
import { hashLines, SimKernel } from './kernel.js';
import { LinkFaults } from './links.js';
import { SimNemesis, type NemesisTarget } from './nemesis.js';
import { describeRates, findProfile, PROFILE_NAMES, profileForSeed, ratesForSeed, type FaultProfile, type FaultRates } from './profiles.js';
import { SimNode, type SimNodeEnv } from './sim_node.js';

export interface SimOptions {
  readonly seed: number;
  /** A profile name; by default the seed picks one. */
  readonly profile?: string;
  /** 3 or 5 by default, picked by the seed. */
  readonly nodeCount?: number;
  readonly readMode?: ReadMode;
  /** Clients open raftkv sessions and retry indeterminate writes and cas; by default the seed decides (off with several groups). */
  readonly clientSessions?: boolean;
  /** Raft groups per node (keys split by a hash); 1 or 2 by default, picked by the seed. */
  readonly groupCount?: number;
  /**
   * What the clients run; by default the seed picks (a third of seeds a txn workload), except that
   * forced client sessions or several groups keep every seed on lin-kv (txns use neither).
   */
  readonly workload?: SimWorkload;
  /** How the nodes run txns (the node's --txn-mode); the txn check asks for the model it promises. */
  readonly txnMode?: TxnMode;
  /** Virtual length of the safety phase (faults on, clients busy). */
  readonly safetyUs?: number;
  /** After healing, the cluster must serve a write and a read on every node (and a txn workload's final reads) within this. */
  readonly livenessBoundUs?: number;
  /** Receives every trace line: the drawn rates, deliveries and drops, client traffic, node logs, nemesis; not ticks. */
  readonly trace?: (line: string) => void;
}

interface SimStats {
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
  /** Crashes between a turn's writes and their sync. */
  crashesBeforeSync: number;
  /** Crashes that threw unsynced bytes away, and how many bytes in all. */
  crashesLosingWrites: number;
  lostWriteBytes: number;
  /** Crashes that kept a torn prefix of a file's unsynced bytes. */
  tornFiles: number;
  syncs: number;
  /** Snapshot files written, snapshots installed from a leader, files (WAL segments) deleted. */
  snapshotWrites: number;
  snapshotsInstalled: number;
  fileRemovals: number;
  opsOk: number;
  opsFail: number;
  opsInfo: number;
  sessionRetries: number;
  committed: number;
  /** Entries committed in each Raft group. */
  committedByGroup: number[];
  leaderTerms: number;
  events: number;
}

export interface SimResult {
  readonly seed: number;
  readonly profile: string;
  readonly nodeCount: number;
  readonly readMode: ReadMode;
  readonly clientSessions: boolean;
  readonly groupCount: number;
  readonly workload: SimWorkload;
  readonly txnMode: TxnMode;
  readonly storage: StorageSetup;
  /** Txn workloads: the final reads after healing (undefined for lin-kv, or when the run ended before they began). */
  readonly finalReads: FinalReadSummary | undefined;
  /** The fault rates the seed drew within its profile's bounds. */
  readonly rates: FaultRates;
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
const LINEARIZABLE_READ_MODES: readonly ReadMode[] = ['log', 'read-index', 'lease', 'follower'];

const TICK_US = 10_000;
export const DEFAULT_SAFETY_US = 2_000_000;
const DEFAULT_LIVENESS_BOUND_US = 10_000_000;
/** The share of seeds whose clients use sessions when the command line does not say. */
const CLIENT_SESSION_SHARE = 0.3;
/** The share of seeds whose nodes host two Raft groups (a fixed key split) when the command line does not say. */
const MULTI_GROUP_SHARE = 0.25;
export const MAX_GROUPS = 8;
const CLIENT_TIMEOUT_US = 1_000_000;
const CLIENT_THINK_US = 30_000;
const CLIENT_LINK_US: readonly [number, number] = [100, 1_000];
/** A snapshot file write takes a sync's time plus this per MiB. */
const SNAPSHOT_WRITE_US_PER_MIB = 5_000;
/** Every run is bounded: more events than this is a runaway, not a long test. */
const MAX_EVENTS = 20_000_000;
const CHECK_MAX_STEPS_PER_KEY = 5_000_000;
/** Salt of the seed's own setup stream, apart from the run's, so a named setup replays the same run. */
const SETUP_SALT = 0x5eed5eed;
/** Salt of the seed's storage setup stream (segment size, snapshot interval, torn writes). */
const STORAGE_SALT = 0x0d15c5ed;
/** Salt of the seed's workload draw: a stream of its own, so adding it changed no lin-kv seed's run. */
const WORKLOAD_SALT = 0x7a5c0de5;
/** The share of seeds that run a txn workload (half each) when the command line does not say. */
const TXN_SHARE = 1 / 3;
export const SIM_WORKLOADS: readonly SimWorkload[] = ['lin-kv', 'txn-list-append', 'txn-rw-register'];

/**
 * The model each txn mode promises, which the txn check asks for. occ and si are listed ahead of
 * the node's modes (server/options.ts), so that once the node has them they run here by
 * --txn-mode alone; si promises snapshot isolation, not serializability, on purpose.
 */
const PROMISED_TXN_MODEL: { readonly [mode in TxnMode | 'occ' | 'si']: ConsistencyModel } = {
  batch: 'strict-serializable',
  occ: 'strict-serializable',
  si: 'snapshot-isolation',
};

/**
 * The seed's workload, from its own stream: among `choices` evenly, or by default lin-kv for two
 * thirds of seeds and a txn workload (either, evenly) for the rest.
 */
export function workloadForSeed(seed: number, choices?: readonly SimWorkload[]): SimWorkload {
  const rng = new Rng((seed ^ WORKLOAD_SALT) >>> 0);
  if (choices !== undefined) {
    assert(choices.length > 0, 'no workload to choose from');
    return rng.pick(choices);
  }
  if (!rng.chance(TXN_SHARE)) return 'lin-kv';
  return rng.chance(0.5) ? 'txn-list-append' : 'txn-rw-register';
}

type SimEvent =
  | { readonly kind: 'deliver'; readonly dest: number; readonly src: string; readonly line: string }
  | { readonly kind: 'to-client'; readonly line: string }
  | { readonly kind: 'tick'; readonly node: number; readonly incarnation: number }
  | { readonly kind: 'client'; readonly timer: ClientTimer }
  | { readonly kind: 'nemesis' }
  | { readonly kind: 'restart'; readonly node: number }
  | { readonly kind: 'crash'; readonly node: number; readonly incarnation: number }
  | { readonly kind: 'disk'; readonly node: number; readonly run: () => void }
  | { readonly kind: 'liveness' };

const EVENT_CODES: { readonly [kind in SimEvent['kind']]: number } = {
  deliver: 1,
  'to-client': 2,
  tick: 3,
  client: 4,
  nemesis: 5,
  restart: 6,
  liveness: 7,
  crash: 8,
  disk: 9,
};

export interface SeedSetup {
  readonly profile: FaultProfile;
  readonly nodeCount: number;
  readonly readMode: ReadMode;
  /** As drawn; a run with several groups turns sessions off (a multi-group node refuses them). */
  readonly clientSessions: boolean;
  readonly groupCount: number;
}

/** The seed's own choices of setup, drawn from a stream apart from the run's, so naming them
 *  explicitly on the command line (--profile, --nodes, ...) replays the very same run. */
export function setupForSeed(seed: number): SeedSetup {
  const rng = new Rng((seed ^ SETUP_SALT) >>> 0);
  const profile = profileForSeed(rng);
  const nodeCount = rng.chance(0.6) ? 3 : 5;
  const readMode = rng.pick(LINEARIZABLE_READ_MODES);
  const clientSessions = rng.chance(CLIENT_SESSION_SHARE);
  const groupCount = rng.chance(MULTI_GROUP_SHARE) ? 2 : 1;
  return { profile, nodeCount, readMode, clientSessions, groupCount };
}

/** How the seed's nodes keep their state: small enough that a short run rolls and deletes WAL segments. */
export interface StorageSetup {
  readonly segmentBytes: number;
  readonly snapshotEveryEntries: number;
  /** The chance that a crash keeps a random prefix of a file's unsynced bytes (a torn tail). */
  readonly keepUnsyncedChance: number;
}

/** Drawn from the seed alone (its own stream), so every command-line setup of a seed keeps it. */
export function storageForSeed(seed: number): StorageSetup {
  const rng = new Rng((seed ^ STORAGE_SALT) >>> 0);
  // 1 KiB to 64 KiB, log-uniform: a few records per segment up to a few hundred.
  const segmentBytes = Math.round(1024 * 2 ** (rng.float() * 6));
  // Half the seeds snapshot often (compaction, segment deletion, InstallSnapshot), the rest at the default.
  const snapshotEveryEntries = rng.chance(0.5) ? rng.int(5, 60) : DEFAULT_KV_SERVER_OPTIONS.snapshotEveryEntries;
  const keepUnsyncedChance = rng.pick([0, 0.3, 0.7, 1]);
  return { segmentBytes, snapshotEveryEntries, keepUnsyncedChance };
}

export function describeStorage(storage: StorageSetup, rates: FaultRates): string {
  const [low, high] = rates.syncDelayUs;
  return (
    `storage: simulated disk, WAL segments of ${storage.segmentBytes} bytes, a snapshot every ${storage.snapshotEveryEntries} entries, ` +
    `fsync ${high === 0 ? 'at once' : `${low / 1000}-${high / 1000}ms`}, a crash keeps part of the unsynced bytes with chance ${storage.keepUnsyncedChance}`
  );
}

interface ReplaySetup {
  readonly seed: number;
  readonly profile: string;
  readonly nodeCount: number;
  readonly groupCount: number;
  readonly readMode: ReadMode;
  readonly clientSessions: boolean;
  readonly workload: SimWorkload;
  readonly txnMode: TxnMode;
}

function replayCommand(setup: ReplaySetup): string {
  const { seed, profile, nodeCount, groupCount, readMode, clientSessions, workload, txnMode } = setup;
  const txn = workload === 'lin-kv' ? '' : ` --txn-mode ${txnMode}`;
  return `npm run sim -- --seed ${seed} --profile ${profile} --nodes ${nodeCount} --groups ${groupCount} --read-mode ${readMode}${clientSessions ? ' --client-sessions' : ''} --workload ${workload}${txn} --trace`;
}

export function runSimulation(options: SimOptions): SimResult {
  return new Simulation(options).run();
}

class Simulation implements NemesisTarget {
  private readonly profile: FaultProfile;
  private readonly rates: FaultRates;
  private readonly nodeCount: number;
  private readonly readMode: ReadMode;
  private readonly clientSessions: boolean;
  private readonly groupCount: number;
  private readonly workload: SimWorkload;
  private readonly txnMode: TxnMode;
  private readonly storage: StorageSetup;
  private readonly safetyUs: number;
  private readonly livenessBoundUs: number;
  private readonly trace: ((line: string) => void) | undefined;

  private readonly kernel = new SimKernel<SimEvent>(MAX_EVENTS);
  private readonly netRng: Rng;
  private readonly links: LinkFaults;
  private readonly nemesis: SimNemesis;
  readonly nodeIds: string[];
  private readonly nodes: SimNode[] = [];
  private readonly nodeIndex = new Map<string, number>();
  private readonly clients: SimClients;
  private readonly hooks: InvariantHooks;

  private phase: 'safety' | 'liveness' = 'safety';
  private healedAtUs = 0;
  private livenessUs: number | undefined;
  private leaderUs: number | undefined;
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
    crashesBeforeSync: 0,
    crashesLosingWrites: 0,
    lostWriteBytes: 0,
    tornFiles: 0,
    syncs: 0,
    snapshotWrites: 0,
    snapshotsInstalled: 0,
    fileRemovals: 0,
    opsOk: 0,
    opsFail: 0,
    opsInfo: 0,
    sessionRetries: 0,
    committed: 0,
    committedByGroup: [],
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
    this.rates = ratesForSeed(options.seed, this.profile);
    this.nodeCount = options.nodeCount ?? setup.nodeCount;
    assert(Number.isSafeInteger(this.nodeCount) && this.nodeCount >= 1 && this.nodeCount <= 9, `nodeCount must be 1..9, got ${this.nodeCount}`);
    this.readMode = options.readMode ?? setup.readMode;
    // Txns use neither sessions nor several groups (a txn across groups is refused): forcing either keeps the seed on lin-kv.
    const linKvForced = options.clientSessions === true || (options.groupCount ?? 1) > 1;
    this.workload = options.workload ?? (linKvForced ? 'lin-kv' : workloadForSeed(options.seed));
    const txn = this.workload !== 'lin-kv';
    if (txn && linKvForced) throw new RangeError(`${this.workload} runs on one Raft group per node without client sessions`);
    this.txnMode = options.txnMode ?? DEFAULT_KV_SERVER_OPTIONS.txnMode;
    // Sessions forced on pick one group unless told otherwise; several groups turn drawn sessions off.
    this.groupCount = options.groupCount ?? (options.clientSessions === true || txn ? 1 : setup.groupCount);
    assert(
      Number.isSafeInteger(this.groupCount) && this.groupCount >= 1 && this.groupCount <= MAX_GROUPS,
      `groupCount must be 1..${MAX_GROUPS}, got ${this.groupCount}`,
    );
    this.clientSessions = options.clientSessions ?? (this.groupCount === 1 && !txn && setup.clientSessions);
    if (this.clientSessions && this.groupCount > 1)
      throw new RangeError(`client sessions need one Raft group per node (a node with ${this.groupCount} refuses them)`);
    this.storage = storageForSeed(options.seed);
    this.hooks = new InvariantHooks(this.groupCount);
    this.safetyUs = options.safetyUs ?? DEFAULT_SAFETY_US;
    this.livenessBoundUs = options.livenessBoundUs ?? DEFAULT_LIVENESS_BOUND_US;
    this.trace = options.trace;

    const rng = new Rng(options.seed);
    this.netRng = rng.fork();
    const nemesisRng = rng.fork();
    const clientRng = rng.fork();
    this.links = new LinkFaults(this.rates, this.netRng);
    this.nodeIds = Array.from({ length: this.nodeCount }, (_, i) => `n${i}`);
    this.nemesis = new SimNemesis(this.rates, nemesisRng, this.links, this);
    const diskOptions: SimDiskOptions = {
      syncUs: this.rates.syncDelayUs,
      writeUsPerMiB: SNAPSHOT_WRITE_US_PER_MIB,
      keepUnsyncedChance: this.storage.keepUnsyncedChance,
    };
    const env: SimNodeEnv = {
      nodeIds: this.nodeIds,
      serverOptions: {
        ...DEFAULT_KV_SERVER_OPTIONS,
        readMode: this.readMode,
        txnMode: this.txnMode,
        groupCount: this.groupCount,
        snapshotEveryEntries: this.storage.snapshotEveryEntries,
      } satisfies KvServerOptions,
      storeOptions: { segmentBytes: this.storage.segmentBytes },
      diskOptions,
      send: (node, line) => this.sendFromNode(node, line),
      log: (node, level, text) => this.trace?.(`${this.stamp()} ${node.id} ${level}: ${text}`),
      scheduleDisk: (node, delayUs, run) => this.kernel.after(delayUs, { kind: 'disk', node: node.index, run }),
      started: (node, server) => this.hooks.attach(node, server, (rd) => this.observeReady(node, rd)),
    };
    this.nodeIds.forEach((id, index) => {
      this.nodeIndex.set(id, index);
      // Small per-node clock skew: ticks every 10 ms, give or take 2%.
      const tickPeriodUs = TICK_US + rng.int(-200, 200);
      this.nodes.push(new SimNode(index, id, tickPeriodUs, rng.fork(), rng.fork(), env));
    });
    this.clients = new SimClients(
      this.nodeIds,
      clientRng,
      {
        workload: this.workload,
        timeoutUs: CLIENT_TIMEOUT_US,
        thinkUs: CLIENT_THINK_US,
        processLimit: 8,
        sessions: this.clientSessions,
        groupCount: this.groupCount,
      },
      {
        send: (_clientId, nodeId, line) => this.sendFromClient(nodeId, line),
        schedule: (atUs, timer) => this.kernel.schedule(atUs, { kind: 'client', timer }),
      },
      () => this.kernel.now,
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
    if (failure === undefined) failure = this.workload === 'lin-kv' ? this.checkLinearizability(history) : this.checkTxns(history);
    this.stats.opsOk = this.clients.okCount;
    this.stats.opsFail = this.clients.failCount;
    this.stats.opsInfo = this.clients.infoCount;
    this.stats.sessionRetries = this.clients.sessionRetries;
    this.stats.messagesLost = this.links.stats.lost;
    this.stats.messagesDuplicated = this.links.stats.duplicated;
    this.stats.clogs = this.links.stats.clogs;
    this.stats.partitions = this.nemesis.stats.partitions;
    this.stats.heals = this.nemesis.stats.heals;
    this.stats.committedByGroup = this.hooks.committedByGroup;
    this.stats.committed = this.stats.committedByGroup.reduce((sum, count) => sum + count, 0);
    this.stats.leaderTerms = this.hooks.leaderTermCount;
    this.stats.events = this.kernel.eventCount;
    for (const node of this.nodes) {
      const disk = node.disk.stats;
      this.stats.crashesLosingWrites += disk.crashesLosingWrites;
      this.stats.lostWriteBytes += disk.lostBytes;
      this.stats.tornFiles += disk.tornFiles;
      this.stats.syncs += disk.syncs;
      this.stats.snapshotWrites += disk.atomicWrites;
      this.stats.fileRemovals += disk.removals;
    }
    return {
      seed: this.options.seed,
      profile: this.profile.name,
      nodeCount: this.nodeCount,
      readMode: this.readMode,
      clientSessions: this.clientSessions,
      groupCount: this.groupCount,
      workload: this.workload,
      txnMode: this.txnMode,
      storage: this.storage,
      finalReads: this.clients.finalReadSummary,
      rates: this.rates,
      failure,
      replay: replayCommand({
        seed: this.options.seed,
        profile: this.profile.name,
        nodeCount: this.nodeCount,
        groupCount: this.groupCount,
        readMode: this.readMode,
        clientSessions: this.clientSessions,
        workload: this.workload,
        txnMode: this.txnMode,
      }),
      virtualUs: this.kernel.now,
      leaderUs: this.leaderUs,
      livenessUs: this.livenessUs,
      historyHash: hashLines(history.map(formatHistoryLine)),
      traceHash: this.kernel.trace.hex,
      history,
      stats: this.stats,
    };
  }

  private checkLinearizability(history: readonly HistoryEvent[]): string | undefined {
    const checked = checkHistory(history, { maxStepsPerKey: CHECK_MAX_STEPS_PER_KEY });
    if (!checked.ok) return `history: ${checked.error}`;
    const result = checked.value;
    if (result.verdict === 'valid') return undefined;
    const keys = result.keys
      .filter((key) => key.verdict !== 'valid')
      .map((key) => `key ${key.keyText}: ${key.verdict} (${key.operationCount} ops, ${key.steps} steps)`);
    return `linearizability: ${result.verdict}; ${keys.join('; ')}`;
  }

  /**
   * The whole txn history (workers, probes, final reads) against the model the txn mode promises.
   * Unknown fails too: the probes commit txns in every run that got this far, so there is always
   * something to check, and the checker runs without a time limit here.
   */
  private checkTxns(history: readonly HistoryEvent[]): string | undefined {
    assert(this.workload !== 'lin-kv', 'a txn check of a lin-kv run');
    const unread = this.clients.finalReadSummary?.keysUnread.length ?? 0;
    if (unread > 0) return `liveness: final reads gave up on ${unread} keys after healing`;
    const model = PROMISED_TXN_MODEL[this.txnMode];
    const checked = checkTxnHistory(history, { workload: this.workload, models: [model] });
    if (!checked.ok) return `history: ${checked.error}`;
    return describeTxnFailure(checked.value, model, this.txnMode);
  }

  // ------------------------------------------------------------------ the event loop

  private simulate(): void {
    this.trace?.(
      `seed ${this.options.seed}: ${this.nodeCount} nodes of ${this.groupCount} Raft group${this.groupCount === 1 ? '' : 's'}, read mode ${this.readMode}, client sessions ${this.clientSessions ? 'on' : 'off'}, ` +
        `workload ${this.workload}${this.workload === 'lin-kv' ? '' : ` (txn mode ${this.txnMode}, checked ${PROMISED_TXN_MODEL[this.txnMode]})`}`,
    );
    this.trace?.(describeRates(this.rates));
    this.trace?.(describeStorage(this.storage, this.rates));
    for (const node of this.nodes) this.startNode(node);
    this.clients.start();
    this.kernel.schedule(this.nemesis.nextDelayUs(), { kind: 'nemesis' });
    this.kernel.schedule(this.safetyUs, { kind: 'liveness' });
    const deadlineUs = this.safetyUs + this.livenessBoundUs;
    for (;;) {
      const instant = this.kernel.nextTime();
      assert(instant !== undefined, 'the event queue ran dry (ticks always remain)');
      if (instant > deadlineUs) {
        throw new Error(`liveness: not done ${this.livenessBoundUs / 1000} ms after healing; probes: ${this.clients.probeStatus()}; ${this.describeNodes()}`);
      }
      // Every event of this virtual instant, then the end of each node's event-loop turn (a disk
      // completion due at once comes after it, as a callback of its own).
      while (this.kernel.nextTime() === instant) this.handle(this.kernel.next() as SimEvent);
      for (const node of this.nodes) this.endTurn(node);
      this.hooks.checkCluster(this.nodes);
      if (this.phase === 'liveness' && this.leaderUs === undefined && this.everyGroupHasLeader()) {
        this.leaderUs = instant - this.healedAtUs;
      }
      if (this.phase === 'liveness' && this.livenessUs === undefined && this.clients.probesPending === 0) {
        this.livenessUs = instant - this.healedAtUs;
        this.note(`liveness: every node served a write and a read ${this.livenessUs / 1000} ms after healing`);
      }
      if (this.livenessUs !== undefined && this.clients.inflight === 0 && this.clients.finalReadsDone) return;
    }
  }

  private handle(event: SimEvent): void {
    const now = this.kernel.now;
    const hash = this.kernel.trace;
    switch (event.kind) {
      case 'deliver':
        hash.ints(now, EVENT_CODES.deliver, event.dest);
        hash.text(event.line);
        this.deliver(event.dest, event.src, event.line);
        return;
      case 'to-client':
        hash.ints(now, EVENT_CODES['to-client'], 0);
        hash.text(event.line);
        this.clients.onLine(event.line);
        return;
      case 'tick': {
        const node = this.nodes[event.node] as SimNode;
        if (node.incarnation !== event.incarnation || !node.up) return;
        hash.ints(now, EVENT_CODES.tick, event.node);
        node.tick();
        this.kernel.after(node.tickPeriodUs, event);
        return;
      }
      case 'client':
        hash.ints(now, EVENT_CODES.client, event.timer.thread);
        this.clients.onTimer(event.timer);
        return;
      case 'nemesis':
        hash.ints(now, EVENT_CODES.nemesis, 0);
        if (this.phase !== 'safety') return;
        this.nemesis.step(now);
        this.kernel.after(this.nemesis.nextDelayUs(), { kind: 'nemesis' });
        return;
      case 'restart': {
        hash.ints(now, EVENT_CODES.restart, event.node);
        const node = this.nodes[event.node] as SimNode;
        if (!node.up) this.startNode(node);
        return;
      }
      case 'crash': {
        hash.ints(now, EVENT_CODES.crash, event.node);
        const node = this.nodes[event.node] as SimNode;
        if (this.phase !== 'safety' || !node.up || node.incarnation !== event.incarnation) return;
        this.nemesis.targetedCrash(node.index);
        return;
      }
      case 'disk': {
        hash.ints(now, EVENT_CODES.disk, event.node);
        event.run(); // the disk itself drops callbacks of a life a crash ended
        (this.nodes[event.node] as SimNode).diskEventDone();
        return;
      }
      case 'liveness':
        hash.ints(now, EVENT_CODES.liveness, 0);
        this.beginLiveness();
        return;
    }
  }

  /** The node's turn ends; between its writes and their sync, the nemesis may kill it. */
  private endTurn(node: SimNode): void {
    const waitsForSync = node.endTurn();
    if (!waitsForSync || this.phase !== 'safety' || !this.nemesis.crashBeforeSync()) return;
    this.stats.crashesBeforeSync++;
    const downUs = this.nemesis.crashBeforeSyncDownUs();
    this.note(`nemesis: crash ${node.id} between its writes and their sync, for ${downUs / 1000} ms`);
    this.crash(node.index, downUs);
  }

  private everyGroupHasLeader(): boolean {
    for (let group = 0; group < this.groupCount; group++) {
      if (!this.nodes.some((node) => node.up && node.server.groups[group]?.raft.role === 'leader')) return false;
    }
    return true;
  }

  // ------------------------------------------------------------------ nodes (NemesisTarget)

  isUp(index: number): boolean {
    return (this.nodes[index] as SimNode).up;
  }

  /** Leads any of its groups. */
  isLeader(index: number): boolean {
    return (this.nodes[index] as SimNode).leadsAny;
  }

  /** Everything but the disk's durable bytes is lost; messages already on the wire stay there. */
  crash(index: number, downUs: number): void {
    const node = this.nodes[index] as SimNode;
    this.hooks.crashed(node);
    node.crash();
    this.stats.crashes++;
    this.kernel.after(downUs, { kind: 'restart', node: index });
  }

  private startNode(node: SimNode): void {
    node.start();
    this.kernel.after(node.rng.int(1, node.tickPeriodUs), { kind: 'tick', node: node.index, incarnation: node.incarnation });
    if (node.incarnation > 1) {
      this.stats.restarts++;
      const recovery = node.recovery;
      const recovered =
        recovery === undefined
          ? ''
          : `; recovered ${recovery.records} WAL records in ${recovery.segments} segments${recovery.tornTail === undefined ? '' : `, cut a torn tail (${recovery.tornTail})`}`;
      this.note(`restart ${node.id} (${node.describe()}${recovered})`);
    }
  }

  /**
   * Each Ready of each group, before the group acts on it: counts installed snapshots, and after
   * a vote or accepted entries may plan a crash a moment later (the Ready is written by then, maybe
   * not yet durable; the replies that vouch for it may or may not have left).
   */
  private observeReady(node: SimNode, rd: Ready): void {
    if (rd.snapshot !== undefined) this.stats.snapshotsInstalled++;
    if (this.phase !== 'safety') return;
    const voted = rd.hardState !== undefined && rd.hardState.vote !== null && rd.hardState.vote !== node.id;
    const delayUs = this.nemesis.targetedCrashDelayUs(voted, rd.entries.length > 0);
    if (delayUs !== undefined) this.kernel.after(delayUs, { kind: 'crash', node: node.index, incarnation: node.incarnation });
  }

  private deliver(dest: number, src: string, line: string): void {
    const node = this.nodes[dest] as SimNode;
    if (!node.up) {
      this.stats.toDownNode++;
      this.trace?.(`${this.stamp()} ${src} -> ${node.id} dropped (down): ${line.trimEnd()}`);
      return;
    }
    if (this.nodeIndex.has(src) && !this.links.canHear(node.id, src)) {
      this.stats.messagesCut++;
      this.trace?.(`${this.stamp()} ${src} -> ${node.id} dropped (partition): ${line.trimEnd()}`);
      return;
    }
    this.stats.messagesDelivered++;
    if (src !== 'client') this.trace?.(`${this.stamp()} ${src} -> ${node.id} ${line.trimEnd()}`);
    node.receive(line);
  }

  // ------------------------------------------------------------------ the network

  private sendFromClient(nodeId: string, line: string): void {
    const dest = this.nodeIndex.get(nodeId);
    assert(dest !== undefined, () => `a client wrote to unknown node ${nodeId}`);
    this.trace?.(`${this.stamp()} client -> ${line.trimEnd()}`);
    this.kernel.after(this.netRng.int(CLIENT_LINK_US[0], CLIENT_LINK_US[1]), { kind: 'deliver', dest, src: 'client', line });
  }

  private sendFromNode(node: SimNode, line: string): void {
    const destId = destOf(line);
    const dest = this.nodeIndex.get(destId);
    if (dest === undefined) {
      // Clients are never cut and never lose messages (as in Maelstrom).
      this.trace?.(`${this.stamp()} client <- ${line.trimEnd()}`);
      this.kernel.after(this.netRng.int(CLIENT_LINK_US[0], CLIENT_LINK_US[1]), { kind: 'to-client', line });
      return;
    }
    this.stats.messagesSent++;
    const arrivals = this.links.arrivals(node.id, destId, this.kernel.now);
    if (arrivals.length === 0) this.trace?.(`${this.stamp()} ${node.id} -> ${destId} lost: ${line.trimEnd()}`);
    for (const atUs of arrivals) this.kernel.schedule(atUs, { kind: 'deliver', dest, src: node.id, line });
  }

  // ------------------------------------------------------------------ phases

  private beginLiveness(): void {
    this.phase = 'liveness';
    this.links.healAll();
    this.healedAtUs = this.kernel.now;
    this.clients.stopIssuing();
    for (const node of this.nodes) if (!node.up) this.startNode(node);
    this.note('liveness: healed the network, restarted every node, probing every node');
    this.clients.startProbes();
  }

  // ------------------------------------------------------------------ reporting

  private describeNodes(): string {
    return this.nodes.map((node) => node.describe()).join('; ');
  }

  note(text: string): void {
    this.trace?.(`${this.stamp()} ${text}`);
  }

  private stamp(): string {
    return `${(this.kernel.now / 1000).toFixed(3)}ms`;
  }
}

/** Undefined when the txn check is valid; else the verdict, the anomalies counted, and the worst explained. */
function describeTxnFailure(result: TxnCheckResult, model: ConsistencyModel, txnMode: TxnMode): string | undefined {
  if (result.verdict === 'valid') return undefined;
  const counts = `${result.counts.ok} ok, ${result.counts.fail} fail, ${result.counts.info} info txns`;
  if (result.verdict === 'unknown') return `txn check: ${model} (txn mode ${txnMode}) unknown (${counts}): ${result.notes.join(' ')}`;
  const names = anomalyNames(result).map((name) => `${name} (${result.anomalyCounts?.get(name) ?? result.anomalies.get(name)?.length ?? 0})`);
  const worst = firstAnomaly(result);
  // The explanation opens with the anomaly's name and what it means, then its txns and edges.
  const explained = worst === undefined ? '' : `\n      ${worst.explanation.split('\n').join('\n      ')}`;
  return `txn check: ${model} (txn mode ${txnMode}) invalid (${counts}): ${names.join(', ')}${explained}`;
}

/** The dest of an encoded message, cheaply: encodeMessage writes src first, then dest. */
function destOf(line: string): string {
  const marker = '"dest":"';
  const start = line.indexOf(marker);
  assert(start >= 0, () => `a node wrote a line without a dest: ${line}`);
  const end = line.indexOf('"', start + marker.length);
  return line.slice(start + marker.length, end);
}
