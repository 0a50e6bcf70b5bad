// The pure pieces of the targeted nemeses: the partition that cuts one node off, the links a
// delay spike slows, how long elections take here (learnt from traffic, to time re-partitions
// while one runs), and the draws of spikes and duplication. Nothing here reads a clock or
// draws from anything but the Rng it is given.
// Invariants: a spike or duplication draw stays within its documented bounds; the failover
// estimate keeps at most FAILOVER_SAMPLES samples.

import type { Rng } from '../base/rng.js';
import { completeGrudge, type Grudge } from './partition.js';
import type { LeaderJudgement } from './traffic.js';

/** A directed node-to-node link. */
export interface Link {
  readonly src: string;
  readonly dest: string;
}

/** What a leader-targeted step knew about its target. */
export interface LeaderNote {
  readonly node: string;
  /** False when the traffic named no leader and the target was drawn at random. */
  readonly judged: boolean;
  /** What it sent in the span judged, in all and to the peer it sent least to; the runner-up's count to its least-served peer. */
  readonly messages: number;
  readonly toEach: number;
  readonly runnerUp: number;
  readonly total: number;
}

/** Which links a delay spike slows: one directed link, every link out of the likely leader, or every link of one node. */
export const SPIKE_SPECS = ['link', 'leader-out', 'node'] as const;
export type SpikeSpec = (typeof SPIKE_SPECS)[number];

/** A spike adds a log-uniform delay in [SPIKE_MIN_MS, SPIKE_MAX_MS] to every message sent on its links. */
export const SPIKE_MIN_MS = 50;
export const SPIKE_MAX_MS = 2000;
/** Duplication: each node-to-node message is sent twice with a probability in this range... */
export const DUPLICATE_MIN_PROBABILITY = 0.05;
export const DUPLICATE_MAX_PROBABILITY = 0.5;
/** ...the copy arriving up to a log-uniform bound in this range after the original's due time. */
export const DUPLICATE_MIN_DELAY_MS = 10;
export const DUPLICATE_MAX_DELAY_MS = 1000;

/** Elections are assumed to take this long until one has been seen. */
export const DEFAULT_FAILOVER_MS = 1000;
const FAILOVER_SAMPLES = 9;

/** `node` alone on one side, everyone else on the other. */
export function isolate(node: string, nodes: readonly string[]): Grudge {
  return completeGrudge([[node], nodes.filter((other) => other !== node)]);
}

/** The node named by the traffic, or one drawn from `candidates` when the traffic names none. */
export function leaderTarget(judgement: LeaderJudgement, candidates: readonly string[], rng: Rng): LeaderNote | null {
  const { node, messages, toEach, runnerUp, total } = judgement;
  if (node !== null) return { node, judged: true, messages, toEach, runnerUp, total };
  if (candidates.length === 0) return null;
  return { node: rng.pick(candidates), judged: false, messages, toEach, runnerUp, total };
}

/** Uniform on a log scale between low and high. */
export function logUniform(rng: Rng, low: number, high: number): number {
  return low * (high / low) ** rng.float();
}

export interface SpikeDraw {
  readonly spec: SpikeSpec;
  readonly links: readonly Link[];
  readonly extraMs: number;
}

/** A delay spike: its links (the likely leader's out-links need `leader`, else a node is drawn) and its size. */
export function drawSpike(rng: Rng, nodes: readonly string[], leader: string | null): SpikeDraw {
  const spec = rng.pick(SPIKE_SPECS);
  const extraMs = Math.round(logUniform(rng, SPIKE_MIN_MS, SPIKE_MAX_MS));
  const links: Link[] = [];
  if (nodes.length >= 2) {
    const node = spec === 'leader-out' && leader !== null ? leader : rng.pick(nodes);
    const others = nodes.filter((other) => other !== node);
    if (spec === 'link') links.push({ src: node, dest: rng.pick(others) });
    else for (const other of others) links.push({ src: node, dest: other });
    if (spec === 'node') for (const other of others) links.push({ src: other, dest: node });
  }
  return { spec, links, extraMs };
}

export interface DuplicationDraw {
  readonly probability: number;
  readonly maxDelayMs: number;
  /** Seed of the network's own stream of per-message choices while it lasts. */
  readonly seed: number;
}

export function drawDuplication(rng: Rng): DuplicationDraw {
  const probability = Math.round((DUPLICATE_MIN_PROBABILITY + rng.float() * (DUPLICATE_MAX_PROBABILITY - DUPLICATE_MIN_PROBABILITY)) * 1000) / 1000;
  const maxDelayMs = Math.round(logUniform(rng, DUPLICATE_MIN_DELAY_MS, DUPLICATE_MAX_DELAY_MS));
  return { probability, maxDelayMs, seed: rng.nextUint32() };
}

/** How long it takes here from cutting the leader off to a clear new one: the median of the last samples. */
export class FailoverEstimate {
  private readonly samples: number[] = [];

  add(ms: number): void {
    this.samples.push(ms);
    if (this.samples.length > FAILOVER_SAMPLES) this.samples.shift();
  }

  get ms(): number {
    if (this.samples.length === 0) return DEFAULT_FAILOVER_MS;
    const sorted = [...this.samples].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] as number;
  }

  get count(): number {
    return this.samples.length;
  }
}
