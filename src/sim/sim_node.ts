// One simulated raftkv node, built the way bin/raftkv builds it: the turn driver (NodeRunner)
// around the real NodeShell and KvNode, over a DurableNodeStore on a simulated disk that lives
// across the node's crashes. This is the only place that knows how a node is put together and
// what a crash keeps: the disk's durable bytes (and maybe a torn prefix of the rest). A restart
// recovers from the disk; a store that cannot, or that lost state its own reports called
// durable, fails the run. Pure: time, delivery and the order of turns belong to the simulator.
// Invariants: a node is up exactly while it has a runner; each start is a new incarnation; a
// turn that wrote entries, a term or a vote requires a new generation to be durable before its
// output; a granted vote leaves only once the vote is durable.

import { assert } from '../base/assert.js';
import type { Rng } from '../base/rng.js';
import type { RaftNode } from '../raft/index.js';
import { InvariantViolation, type CheckedHost } from '../raft/testing/invariants.js';
import { createKvNodeApp, type KvNode } from '../server/kv_node.js';
import type { LogLevel } from '../server/node_app.js';
import { NodeRunner } from '../server/node_runner.js';
import type { KvServerOptions } from '../server/options.js';
import { DurableNodeStore, type DurableStoreOptions, type RecoveryReport } from '../storage/durable_store.js';
import { DurableLogModel } from './durable_model.js';
import { SimDisk, type SimDiskOptions } from './sim_disk.js';

/** The fields of a Raft body the vote check reads (any body of a batch, as it left). */
interface VoteBody {
  readonly type: string;
  readonly to: string;
  readonly term: number;
  readonly granted?: boolean;
  readonly group?: number;
}

/** What a node needs of the simulator around it. */
export interface SimNodeEnv {
  readonly nodeIds: readonly string[];
  readonly serverOptions: KvServerOptions;
  readonly storeOptions: DurableStoreOptions;
  readonly diskOptions: Partial<SimDiskOptions>;
  /** A line the node lets out: at the end of its turn, or when a sync releases it. */
  send(from: SimNode, line: string): void;
  log(from: SimNode, level: LogLevel, text: string): void;
  /** Runs a disk callback `delayUs` from now, as an event of its own. */
  scheduleDisk(node: SimNode, delayUs: number, run: () => void): void;
  /** Each fresh server, before it handles anything (the invariant hooks attach here). */
  started(node: SimNode, server: KvNode): void;
}

/** One Raft group of a node as the cluster checker sees it (the same object across restarts). */
export class SimGroupHost implements CheckedHost {
  /** What a crash keeps of this group: the checker's durable view. */
  readonly durable = new DurableLogModel();

  constructor(
    private readonly node: SimNode,
    readonly group: number,
  ) {}

  get id(): string {
    return this.node.id;
  }

  get up(): boolean {
    return this.node.up;
  }

  get raft(): RaftNode {
    return this.node.server.groups[this.group]?.raft as RaftNode;
  }
}

export class SimNode {
  /** What survives a crash. */
  readonly disk: SimDisk;
  /** Per Raft group, what the cluster checker reads. */
  readonly groups: readonly SimGroupHost[];
  private runner: NodeRunner | undefined;
  private store: DurableNodeStore | undefined;
  private running: KvNode | undefined;
  private turnRequested = false;
  /** The generation the store required for the last turn that wrote what a crash must keep. */
  private lastGeneration = 0;
  /** What the last start recovered, for the trace. */
  recovery: RecoveryReport | undefined;
  incarnation = 0;

  constructor(
    readonly index: number,
    readonly id: string,
    /** The node's own tick period: clocks drift a little apart. */
    readonly tickPeriodUs: number,
    /** The node's own randomness: each incarnation's server gets a fork of it. */
    readonly rng: Rng,
    diskRng: Rng,
    private readonly env: SimNodeEnv,
  ) {
    this.disk = new SimDisk({ schedule: (delayUs, run) => env.scheduleDisk(this, delayUs, run) }, diskRng, env.diskOptions);
    this.groups = Array.from({ length: env.serverOptions.groupCount }, (_, group) => new SimGroupHost(this, group));
  }

  get up(): boolean {
    return this.running !== undefined;
  }

  /** The running server (only while up). */
  get server(): KvNode {
    assert(this.running !== undefined, () => `${this.id} is down`);
    return this.running;
  }

  /** Group 0's Raft node. */
  get raft(): RaftNode {
    return this.server.raft;
  }

  /** Whether the node leads any of its groups. */
  get leadsAny(): boolean {
    return this.running?.groups.some((group) => group.raft.role === 'leader') === true;
  }

  /** Starts a new incarnation from what the disk kept, and answers the init handshake. */
  start(): void {
    assert(this.runner === undefined, () => `${this.id} is already up`);
    this.incarnation++;
    const env = this.env;
    this.runner = new NodeRunner(
      {
        write: (lines) => {
          for (const line of lines) {
            this.checkVoteDurable(line);
            env.send(this, line);
          }
        },
        requestTurnEnd: () => {
          this.turnRequested = true;
        },
        log: (level, text) => env.log(this, level, text),
      },
      {
        openStore: () => this.openStore(),
        createApp: (context, store) =>
          createKvNodeApp(env.serverOptions, {
            storage: (group) => store.group(group),
            rng: this.rng.fork(),
            observe: (server) => {
              this.running = server;
              env.started(this, server);
            },
          })(context),
      },
    );
    const init = { type: 'init', msg_id: 1, node_id: this.id, node_ids: env.nodeIds };
    this.runner.receiveLine(`${JSON.stringify({ src: 'c0', dest: this.id, body: init })}\n`);
    assert(this.running !== undefined, () => `${this.id} did not start`);
  }

  /**
   * A power cut: the disk keeps what was durable (maybe a torn prefix of the rest), pending disk
   * callbacks never run, everything in memory is gone; messages already on the wire stay there.
   */
  crash(): void {
    this.disk.crash();
    this.runner = undefined;
    this.store = undefined;
    this.running = undefined;
    this.turnRequested = false;
    this.incarnation++;
  }

  /** One input line (the simulator already checked the node is up). */
  receive(line: string): void {
    assert(this.runner !== undefined, () => `${this.id} is down`);
    this.runner.receiveLine(line);
  }

  tick(): void {
    assert(this.runner !== undefined, () => `${this.id} is down`);
    this.runner.tick();
  }

  /**
   * The end of the node's event-loop turn, if it asked for one: batched work goes out, the turn's
   * records go to the WAL, a sync starts. Returns whether output or writes now wait for a sync.
   */
  endTurn(): boolean {
    const runner = this.runner;
    if (!this.turnRequested || runner === undefined) return false;
    this.turnRequested = false;
    runner.endTurn();
    const store = this.store as DurableNodeStore;
    if (this.groups.some((group) => group.durable.wroteThisTurn)) {
      const generation = store.requiredGeneration;
      if (generation <= this.lastGeneration) {
        throw new InvariantViolation(
          `${this.id}: a turn wrote entries, a term or a vote, but its output need not wait for a sync (generation ${generation} was required before)`,
        );
      }
      this.lastGeneration = generation;
      for (const group of this.groups) group.durable.endTurn(generation);
    }
    // A sync with nothing left to write completes at once, inside the turn.
    this.diskEventDone();
    return store.requiredGeneration > store.durableGeneration;
  }

  /** After one of this node's disk callbacks ran: a sync may have made more durable. */
  diskEventDone(): void {
    const store = this.store;
    if (store === undefined) return;
    for (const group of this.groups) group.durable.durableThrough(store.durableGeneration);
  }

  /**
   * A granted vote vouches for the voter's term and vote (thesis section 3.8): it may leave only
   * once they are durable, or a crash lets the voter grant a second vote in the same term. Checked
   * on the wire, as the line leaves, against the durable model brought up to the store's latest
   * sync, so the breach shows at the first vote rather than only when a crash lands in the gap.
   */
  private checkVoteDurable(line: string): void {
    if (!line.includes('"raft_vote_resp"') || !line.includes('"granted":true')) return;
    const store = this.store;
    if (store === undefined) return;
    // A lone message, or a batch of every body for one peer of a turn (peer_outbox.ts).
    const { body } = JSON.parse(line) as { readonly body: VoteBody & { readonly msgs?: readonly VoteBody[] } };
    for (const vote of body.type === 'batch' ? (body.msgs ?? []) : [body]) {
      if (vote.type !== 'raft_vote_resp' || vote.granted !== true) continue;
      const group = this.groups[vote.group ?? 0];
      if (group === undefined) continue;
      group.durable.durableThrough(store.durableGeneration);
      if (group.durable.holdsVote(vote.term, vote.to)) continue;
      throw new InvariantViolation(
        `${this.id}${this.groups.length === 1 ? '' : ` group ${group.group}`}: granted its vote in term ${vote.term} to ${vote.to} before the vote was durable (${group.durable.describe()})`,
      );
    }
  }

  describe(): string {
    if (this.running === undefined) return `${this.id}: down`;
    return this.running.groups.map((group) => (this.groups.length === 1 ? '' : `group ${group.id}: `) + group.raft.describe()).join(', ');
  }

  /** At init: the store recovered from the disk, checked against what was durable before. */
  private openStore(): DurableNodeStore {
    const opened = DurableNodeStore.open(this.disk, this.env.storeOptions);
    if (!opened.ok) throw new InvariantViolation(`${this.id} could not recover its storage: ${opened.error}`);
    const { store, recovery } = opened.value;
    for (const group of this.groups) {
      const lost = group.durable.recovered(store.group(group.group));
      if (lost !== undefined)
        throw new InvariantViolation(`${this.id}${this.groups.length === 1 ? '' : ` group ${group.group}`}: recovery lost durable state: ${lost}`);
    }
    this.store = store;
    this.recovery = recovery;
    this.lastGeneration = 0;
    return store;
  }
}
