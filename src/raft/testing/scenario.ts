// A hand-driven cluster for scenario tests: the test decides which messages are delivered,
// dropped or held, when nodes tick, crash and restart, and which links are cut. Every node
// runs the real Ready loop (NodeHost) and every step is checked by the ClusterChecker, so a
// scenario that breaks safety fails even if its own assertions would not notice.

import { assert } from '../../base/assert.js';
import { Rng } from '../../base/rng.js';
import { makeRaftConfig, type RaftConfigInput } from '../config.js';
import type { RaftMessage, RaftMessageType } from '../messages.js';
import type { RaftNode } from '../raft.js';
import { MemoryStorage } from '../storage.js';
import type { Command, NodeId } from '../types.js';
import { ClusterChecker } from './invariants.js';
import { NodeHost } from './node_host.js';

type ConfigOverrides = Partial<Omit<RaftConfigInput, 'id' | 'peers' | 'rng'>>;

export interface ScenarioOptions {
  readonly ids?: readonly NodeId[];
  readonly config?: ConfigOverrides;
  /** Pre-filled disks, for nodes that start with a log and a term. */
  readonly storages?: Readonly<Record<NodeId, MemoryStorage>>;
  readonly seed?: number;
  /** Hosts snapshot and compact every this many applied entries (0 or absent: never). */
  readonly compactEveryEntries?: number;
}

export type MessageFilter = (message: RaftMessage) => boolean;

/** Matches messages by type, and optionally sender and receiver. */
export function matching(type?: RaftMessageType | readonly RaftMessageType[], from?: NodeId, to?: NodeId): MessageFilter {
  const types = type === undefined ? undefined : typeof type === 'string' ? [type] : type;
  return (m) => (types === undefined || types.includes(m.type)) && (from === undefined || m.from === from) && (to === undefined || m.to === to);
}

export class Scenario {
  readonly ids: readonly NodeId[];
  readonly hosts = new Map<NodeId, NodeHost>();
  readonly checker = new ClusterChecker();
  /** Sent and not yet delivered or dropped, in send order. */
  inflight: RaftMessage[] = [];
  /** Every message delivered so far, in order. */
  readonly delivered: RaftMessage[] = [];
  private readonly cut = new Set<string>();

  constructor(options: ScenarioOptions = {}) {
    this.ids = options.ids ?? ['n1', 'n2', 'n3'];
    const seed = options.seed ?? 1;
    this.ids.forEach((id, index) => {
      const storage = options.storages?.[id] ?? new MemoryStorage();
      const host = new NodeHost(
        (incarnation) =>
          makeRaftConfig({
            electionTimeoutTicks: 10,
            heartbeatTicks: 2,
            ...options.config,
            id,
            peers: this.ids,
            rng: new Rng(seed * 1000 + index * 10 + incarnation),
          }),
        storage,
        { compactEveryEntries: options.compactEveryEntries ?? 0 },
      );
      this.hosts.set(id, host);
    });
  }

  host(id: NodeId): NodeHost {
    const host = this.hosts.get(id);
    assert(host !== undefined, () => `scenario: no node ${id}`);
    return host;
  }

  node(id: NodeId): RaftNode {
    return this.host(id).raft;
  }

  /** Runs the Ready loop of the given nodes (all live ones by default); sent messages join `inflight`. */
  flush(...ids: NodeId[]): void {
    for (const id of ids.length > 0 ? ids : this.ids) {
      const host = this.host(id);
      if (!host.up) continue;
      for (const message of host.handleReady(this.checker)) this.inflight.push(message);
    }
    this.checker.checkCluster([...this.hosts.values()]);
  }

  /**
   * Delivers the in-flight messages that match (all by default) in send order, then flushes.
   * Messages over a cut link or to a crashed node are dropped. Returns how many were delivered.
   */
  deliver(filter: MessageFilter = () => true): number {
    const now = this.inflight.filter(filter);
    this.inflight = this.inflight.filter((m) => !filter(m));
    let count = 0;
    for (const message of now) {
      const host = this.host(message.to);
      if (this.cut.has(`${message.from}>${message.to}`) || !host.up) continue;
      host.raft.step(message);
      this.delivered.push(message);
      count++;
      this.checker.checkCluster([...this.hosts.values()]);
    }
    this.flush();
    return count;
  }

  /** Removes matching in-flight messages without delivering them; returns them. */
  drop(filter: MessageFilter = () => true): RaftMessage[] {
    const dropped = this.inflight.filter(filter);
    this.inflight = this.inflight.filter((m) => !filter(m));
    return dropped;
  }

  /** Delivers (and, with asynchronous storage writes, syncs) until nothing is in flight; returns the rounds. */
  stabilize(maxRounds = 200): number {
    this.flush();
    let rounds = 0;
    const unsynced = (): boolean => [...this.hosts.values()].some((host) => host.up && host.hasUnsynced);
    while (this.inflight.length > 0 || unsynced()) {
      assert(++rounds <= maxRounds, () => `scenario: not stable after ${maxRounds} rounds`);
      for (const id of this.ids) if (this.host(id).up) this.sync(id);
      this.deliver();
    }
    return rounds;
  }

  /**
   * With asynchronous storage writes: completes a sync of everything `id` wrote so far, sends the
   * messages it held back, and runs its Ready loop (which reports the new durable point).
   */
  sync(id: NodeId): void {
    const host = this.host(id);
    const target = host.startSync();
    if (target === undefined) return;
    for (const message of host.completeSync(target)) this.inflight.push(message);
    this.flush(id);
  }

  tick(id: NodeId, times = 1): void {
    for (let i = 0; i < times; i++) this.node(id).tick();
    this.flush(id);
  }

  /** Ticks every live node `times` times, delivering everything after each tick. */
  tickAll(times = 1): void {
    for (let i = 0; i < times; i++) {
      for (const id of this.ids) if (this.host(id).up) this.node(id).tick();
      this.stabilize();
    }
  }

  isolate(id: NodeId): void {
    for (const other of this.ids) {
      if (other === id) continue;
      this.cut.add(`${id}>${other}`);
      this.cut.add(`${other}>${id}`);
    }
  }

  /** Cuts every link between different groups. */
  partition(...groups: NodeId[][]): void {
    const groupOf = new Map<NodeId, number>();
    for (const [index, group] of groups.entries()) for (const id of group) groupOf.set(id, index);
    for (const a of this.ids) for (const b of this.ids) if (groupOf.get(a) !== groupOf.get(b)) this.cut.add(`${a}>${b}`);
  }

  heal(): void {
    this.cut.clear();
  }

  crash(id: NodeId): void {
    this.host(id).crash();
    this.checker.forgetReads(this.host(id));
  }

  restart(id: NodeId): void {
    this.host(id).restart();
    this.flush(id);
  }

  /** The live leader with the highest term, if any. */
  leader(): NodeId | undefined {
    let best: RaftNode | undefined;
    for (const host of this.hosts.values()) {
      if (host.up && host.raft.role === 'leader' && (best === undefined || host.raft.term > best.term)) best = host.raft;
    }
    return best?.id;
  }

  /** Makes `id` campaign now and delivers everything; asserts it won. */
  elect(id: NodeId): void {
    this.node(id).campaign();
    this.stabilize();
    assert(this.node(id).role === 'leader', () => `scenario: ${id} did not win: ${this.node(id).describe()}`);
  }

  propose(id: NodeId, data: Command): number {
    const result = this.node(id).propose(data);
    assert(result.ok, () => `scenario: propose at ${id} refused: ${JSON.stringify(result)}`);
    return result.value.index;
  }

  /** Issues readIndex(ctx) at `id` and registers it with the checker. */
  read(id: NodeId, ctx: number): void {
    const result = this.node(id).readIndex(ctx);
    assert(result.ok, () => `scenario: readIndex at ${id} refused: ${JSON.stringify(result)}`);
    this.checker.readIssued(this.host(id), ctx);
  }

  count(filter: MessageFilter, among: readonly RaftMessage[] = this.delivered): number {
    return among.filter(filter).length;
  }
}
