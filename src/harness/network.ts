// The simulated network between nodes, clients and services, modelled on Maelstrom's net.clj.
// Pure: the caller passes the current time in and gets deliveries through a callback, so the
// queue logic runs under a fake clock in tests. Rules it keeps:
// - each destination has a queue ordered by delivery deadline (send time + latency);
// - latency is zero when either end is a client, else drawn from the latency distribution;
// - partitions are checked when a message reaches the head of the receiver's queue, not at send;
// - a message to a node that is down is lost; a restarted node starts with an empty queue;
// - no other loss or corruption; the nemesis may slow links (delay spikes) or send a node-to-node
//   message twice (duplication: the copy, same id, no earlier than the original).

import type { Rng } from '../base/rng.js';
import { DeadlineHeap } from './heap.js';
import { canHear, EMPTY_GRUDGE, type Grudge } from './partition.js';

export const LATENCY_DISTS = ['constant', 'uniform', 'exponential'] as const;
export type LatencyDist = (typeof LATENCY_DISTS)[number];

/**
 * One latency draw in milliseconds: constant is exactly the mean; uniform is an integer in
 * [0, 2·mean); exponential has the given mean (undefined for mean 0: options reject it).
 */
export function sampleLatencyMs(dist: LatencyDist, meanMs: number, rng: Rng): number {
  if (meanMs <= 0) return 0;
  switch (dist) {
    case 'constant':
      return meanMs;
    case 'uniform':
      return rng.int(0, Math.ceil(2 * meanMs) - 1);
    case 'exponential':
      return -Math.log(1 - rng.float()) * meanMs;
  }
}

export type EndpointKind = 'node' | 'client' | 'service';

export interface Delivery<P> {
  /** The network's global message number, Maelstrom's envelope `id`. */
  readonly id: number;
  readonly src: string;
  readonly dest: string;
  readonly payload: P;
  readonly sentAtMs: number;
}

export interface NetCounts {
  sendCount: number;
  recvCount: number;
}

export interface NetStats {
  readonly all: Readonly<NetCounts>;
  readonly clients: Readonly<NetCounts>;
  readonly servers: Readonly<NetCounts>;
  /**
   * Mean milliseconds from a node's send to the delivery of node-to-node messages, as the
   * harness achieved it (timers fire a little after their deadline): what a protocol's latency
   * floor is counted in. null before any delivery.
   */
  readonly serverDelayMs: number | null;
  readonly droppedByPartition: number;
  readonly droppedNodeDown: number;
  /** Node-to-node messages sent twice by the duplicate nemesis (the copies are counted here, not in sendCount). */
  readonly duplicated: number;
  /** Node-to-node messages slowed by a delay spike. */
  readonly delayedBySpike: number;
}

/** While set, each node-to-node message is sent twice with `probability`, the copy up to `maxDelayMs` later. */
export interface Duplication {
  readonly probability: number;
  readonly maxDelayMs: number;
  /** The stream of per-message choices (which message, how late its copy). */
  readonly rng: Rng;
}

export interface NetworkOptions {
  readonly latencyMs: number;
  readonly latencyDist: LatencyDist;
  readonly rng: Rng;
}

interface Queued<P> {
  readonly delivery: Delivery<P>;
  readonly clientTraffic: boolean;
}

export class SimNetwork<P> {
  private readonly kinds = new Map<string, EndpointKind>();
  private readonly queues = new Map<string, DeadlineHeap<Queued<P>>>();
  private readonly busy = new Set<string>();
  private readonly down = new Set<string>();
  private grudge: Grudge = EMPTY_GRUDGE;
  private nextId = 0;
  private sequence = 0;
  private readonly clients: NetCounts = { sendCount: 0, recvCount: 0 };
  private readonly servers: NetCounts = { sendCount: 0, recvCount: 0 };
  private serverDelaySumMs = 0;
  private droppedByPartition = 0;
  private droppedNodeDown = 0;
  /** Extra delay per directed link (src → dest → ms) while a delay spike lasts. */
  private linkDelays: ReadonlyMap<string, ReadonlyMap<string, number>> = new Map();
  private duplication: Duplication | null = null;
  private duplicated = 0;
  private delayedBySpike = 0;

  constructor(
    private readonly options: NetworkOptions,
    private readonly deliver: (delivery: Delivery<P>) => void,
    /** Told of each message cut by a partition or lost to a down receiver when it reaches the head of its queue. */
    private readonly dropped?: (delivery: Delivery<P>, reason: 'partition' | 'down') => void,
  ) {}

  register(id: string, kind: EndpointKind): void {
    this.kinds.set(id, kind);
    if (!this.queues.has(id)) this.queues.set(id, new DeadlineHeap());
  }

  kindOf(id: string): EndpointKind | undefined {
    return this.kinds.get(id);
  }

  isKnown(id: string): boolean {
    return this.kinds.has(id);
  }

  /** Replaces the partition; messages already queued are judged against it when dequeued. */
  setGrudge(grudge: Grudge): void {
    this.grudge = grudge;
  }

  heal(): void {
    this.grudge = EMPTY_GRUDGE;
  }

  /** Extra delays per directed link from now on (an empty map ends them); what is queued keeps its time. */
  setLinkDelays(delays: ReadonlyMap<string, ReadonlyMap<string, number>>): void {
    this.linkDelays = delays;
  }

  setDuplication(duplication: Duplication | null): void {
    this.duplication = duplication;
  }

  /** A node going down loses what is queued for it; while down, messages to it are lost. */
  setDown(node: string, isDown: boolean): void {
    if (isDown) {
      this.down.add(node);
      const queue = this.queues.get(node);
      if (queue !== undefined) this.droppedNodeDown += queue.clear();
      this.busy.delete(node);
    } else {
      this.down.delete(node);
    }
  }

  /**
   * Sends a message; both ends must be registered (the caller validates). Delivers at once when
   * it is due now and nothing is queued before it; returns the message id.
   */
  send(src: string, dest: string, payload: P, nowMs: number): number {
    const queue = this.queues.get(dest);
    if (queue === undefined || !this.kinds.has(src)) throw new RangeError(`unknown endpoint in ${src} -> ${dest}`);
    const clientTraffic = this.kinds.get(src) === 'client' || this.kinds.get(dest) === 'client';
    (clientTraffic ? this.clients : this.servers).sendCount++;
    const id = this.nextId++;
    const delivery: Delivery<P> = { id, src, dest, payload, sentAtMs: nowMs };
    let delayMs = clientTraffic ? 0 : sampleLatencyMs(this.options.latencyDist, this.options.latencyMs, this.options.rng);
    if (!clientTraffic && (this.linkDelays.size > 0 || this.duplication !== null)) delayMs = this.disturb(src, dest, delivery, nowMs, delayMs, queue);
    if (delayMs <= 0 && queue.size === 0) {
      this.arrive({ delivery, clientTraffic }, nowMs);
      return id;
    }
    queue.push({ deadline: nowMs + delayMs, sequence: this.sequence++, item: { delivery, clientTraffic } });
    this.busy.add(dest);
    if (delayMs <= 0) this.drainQueue(dest, queue, nowMs);
    return id;
  }

  /** The nemesis's part in a node-to-node send: a spike's extra delay, and maybe a later copy. Returns the delay. */
  private disturb(src: string, dest: string, delivery: Delivery<P>, nowMs: number, latencyMs: number, queue: DeadlineHeap<Queued<P>>): number {
    const kinds = this.kinds;
    if (kinds.get(src) !== 'node' || kinds.get(dest) !== 'node') return latencyMs;
    let delayMs = latencyMs;
    const extraMs = this.linkDelays.get(src)?.get(dest);
    if (extraMs !== undefined && extraMs > 0) {
      delayMs += extraMs;
      this.delayedBySpike++;
    }
    const duplication = this.duplication;
    if (duplication === null || !duplication.rng.chance(duplication.probability)) return delayMs;
    const copyDelayMs = delayMs + duplication.rng.float() * duplication.maxDelayMs;
    queue.push({ deadline: nowMs + copyDelayMs, sequence: this.sequence++, item: { delivery, clientTraffic: false } });
    this.busy.add(dest);
    this.duplicated++;
    return delayMs;
  }

  /** Delivers (or drops) every queued message whose deadline has come; returns how many left queues. */
  deliverDue(nowMs: number): number {
    let count = 0;
    for (const dest of this.busy) {
      const queue = this.queues.get(dest);
      if (queue !== undefined) count += this.drainQueue(dest, queue, nowMs);
    }
    return count;
  }

  /** The earliest deadline among queued messages, or undefined when nothing is queued. */
  nextDeadline(): number | undefined {
    let earliest: number | undefined;
    for (const dest of this.busy) {
      const head = this.queues.get(dest)?.peek();
      if (head !== undefined && (earliest === undefined || head.deadline < earliest)) earliest = head.deadline;
    }
    return earliest;
  }

  stats(): NetStats {
    return {
      all: { sendCount: this.clients.sendCount + this.servers.sendCount, recvCount: this.clients.recvCount + this.servers.recvCount },
      clients: { ...this.clients },
      servers: { ...this.servers },
      serverDelayMs: this.servers.recvCount > 0 ? this.serverDelaySumMs / this.servers.recvCount : null,
      droppedByPartition: this.droppedByPartition,
      droppedNodeDown: this.droppedNodeDown,
      duplicated: this.duplicated,
      delayedBySpike: this.delayedBySpike,
    };
  }

  private drainQueue(dest: string, queue: DeadlineHeap<Queued<P>>, nowMs: number): number {
    let count = 0;
    for (let head = queue.peek(); head !== undefined && head.deadline <= nowMs; head = queue.peek()) {
      queue.pop();
      count++;
      this.arrive(head.item, nowMs);
    }
    if (queue.size === 0) this.busy.delete(dest);
    return count;
  }

  /** The head-of-queue moment: the partition and the receiver's liveness are judged now. */
  private arrive(queued: Queued<P>, nowMs: number): void {
    const { delivery } = queued;
    if (this.down.has(delivery.dest)) {
      this.droppedNodeDown++;
      this.dropped?.(delivery, 'down');
      return;
    }
    if (!queued.clientTraffic && !canHear(this.grudge, delivery.dest, delivery.src)) {
      this.droppedByPartition++;
      this.dropped?.(delivery, 'partition');
      return;
    }
    (queued.clientTraffic ? this.clients : this.servers).recvCount++;
    if (!queued.clientTraffic) this.serverDelaySumMs += nowMs - delivery.sentAtMs;
    this.deliver(delivery);
  }
}
