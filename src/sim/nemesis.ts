// The simulators' nemesis: which fault strikes next and where, for both simulators. Each step
// picks one of the nemeses the seed turned on, by the weights it drew: a partition (the harness's
// Maelstrom shapes, random components, two halves joined by a bridge node, random one-way cuts)
// or its healing, a clogged link or node (FoundationDB's clogging), or a crash. It also decides
// the targeted crashes: right after a node voted or accepted entries, and between a turn's writes
// and their fsync. Pure: decisions from the FaultRates and the injected Rng; the simulator that
// owns the nodes carries crashes out through NemesisTarget.
// Invariants: mostly a minority is down at once (a majority now and then, rarely every node);
// targeted crashes never take down more than a minority.

import type { Rng } from '../base/rng.js';
import { completeGrudge, describeGrudge, PARTITION_SPECS, partitionGrudge, type Grudge } from '../harness/partition.js';
import type { LinkFaults } from './links.js';
import { NEMESES, type FaultRates, type Nemesis } from './profiles.js';

/** What the nemesis needs of the simulator that owns the nodes (by index into nodeIds). */
export interface NemesisTarget {
  readonly nodeIds: readonly string[];
  isUp(node: number): boolean;
  isLeader(node: number): boolean;
  /** Crashes the node now; the simulator restarts it `downUs` later. */
  crash(node: number, downUs: number): void;
  note(text: string): void;
}

interface NemesisStats {
  partitions: number;
  heals: number;
  crashes: number;
}

/** How long a crashed node stays down, microseconds. */
const CRASH_DOWN_US: readonly [number, number] = [20_000, 1_500_000];
/** A targeted crash: how soon after the vote or append, and how long the node stays down. */
const TARGETED_DELAY_US: readonly [number, number] = [0, 3_000];
const TARGETED_DOWN_US: readonly [number, number] = [5_000, 500_000];
const CLOG_US: readonly [number, number] = [50_000, 800_000];

export class SimNemesis {
  readonly stats: NemesisStats = { partitions: 0, heals: 0, crashes: 0 };
  private readonly totalWeight: number;

  constructor(
    private readonly rates: FaultRates,
    private readonly rng: Rng,
    private readonly links: LinkFaults,
    private readonly target: NemesisTarget,
  ) {
    this.totalWeight = NEMESES.reduce((sum, kind) => sum + rates.nemesisWeights[kind], 0);
  }

  /** Time until the next step. */
  nextDelayUs(): number {
    const [low, high] = this.rates.nemesisIntervalUs;
    return this.rng.int(low, high);
  }

  /** One nemesis step: one of the nemeses that are on, picked by weight (nothing when none is on). */
  step(nowUs: number): void {
    if (this.totalWeight === 0) return;
    let roll = this.rng.int(1, this.totalWeight);
    let kind: Nemesis = 'partition';
    for (const candidate of NEMESES) {
      roll -= this.rates.nemesisWeights[candidate];
      if (roll <= 0) {
        kind = candidate;
        break;
      }
    }
    switch (kind) {
      case 'partition':
        this.partitionOrHeal();
        return;
      case 'crash':
        this.crashOne();
        return;
      case 'clog':
        this.clog(nowUs);
        return;
    }
  }

  /**
   * After a node's Ready: whether to crash it a moment later (the moments where a node that forgot
   * what it persisted, or persisted too late, would break safety). Returns the delay, or undefined.
   */
  targetedCrashDelayUs(voted: boolean, appended: boolean): number | undefined {
    const rates = this.rates;
    if (rates.voteCrashChance === 0 && rates.appendCrashChance === 0) return undefined;
    if (!(voted && this.rng.chance(rates.voteCrashChance)) && !(appended && this.rng.chance(rates.appendCrashChance))) return undefined;
    if (this.downCount() >= minority(this.target.nodeIds.length)) return undefined;
    return this.rng.int(TARGETED_DELAY_US[0], TARGETED_DELAY_US[1]);
  }

  /** Carries out a targeted crash decided earlier (the simulator checks the node is still that incarnation). */
  targetedCrash(node: number): void {
    const downUs = this.rng.int(TARGETED_DOWN_US[0], TARGETED_DOWN_US[1]);
    this.stats.crashes++;
    this.target.crash(node, downUs);
    this.target.note(`nemesis: targeted crash of ${this.target.nodeIds[node] as string} for ${downUs / 1000} ms`);
  }

  /** Per node turn: whether to kill the node between the turn's writes and their fsync. */
  crashBeforeSync(): boolean {
    return this.rates.crashBeforeSyncChance > 0 && this.rng.chance(this.rates.crashBeforeSyncChance);
  }

  /** A node killed before its sync: how many of its `pending` writes reached the disk anyway (a prefix). */
  survivingWrites(pending: number): number {
    return this.rng.int(0, pending);
  }

  /** How long a node killed before its sync stays down. */
  crashBeforeSyncDownUs(): number {
    return this.rng.int(CRASH_DOWN_US[0], CRASH_DOWN_US[1]);
  }

  private downCount(): number {
    let down = 0;
    for (let node = 0; node < this.target.nodeIds.length; node++) if (!this.target.isUp(node)) down++;
    return down;
  }

  private partitionOrHeal(): void {
    if (this.links.partitioned && this.rng.chance(0.5)) {
      this.links.healPartition();
      this.stats.heals++;
      this.target.note('nemesis: heal partition');
      return;
    }
    const { shape, grudge } = drawPartition(this.target.nodeIds, this.rng);
    this.links.partition(grudge);
    this.stats.partitions++;
    this.target.note(`nemesis: partition ${shape} ${JSON.stringify(describeGrudge(grudge))}`);
  }

  private crashOne(): void {
    const n = this.target.nodeIds.length;
    const up: number[] = [];
    for (let node = 0; node < n; node++) if (this.target.isUp(node)) up.push(node);
    // Mostly a minority down at once; now and then a majority, rarely every node (then only
    // what each node persisted carries the committed entries).
    const roll = this.rng.float();
    const limit = roll < 0.05 ? n : roll < 0.25 ? n - 1 : minority(n);
    if (up.length === 0 || n - up.length >= limit) return;
    const leader = up.find((node) => this.target.isLeader(node));
    const victim = leader !== undefined && this.rng.chance(this.rates.leaderCrashChance) ? leader : this.rng.pick(up);
    const downUs = this.rng.int(CRASH_DOWN_US[0], CRASH_DOWN_US[1]);
    this.stats.crashes++;
    this.target.crash(victim, downUs);
    this.target.note(`nemesis: crash ${this.target.nodeIds[victim] as string}${victim === leader ? ' (the leader)' : ''} for ${downUs / 1000} ms`);
  }

  private clog(nowUs: number): void {
    const ids = this.target.nodeIds;
    const untilUs = nowUs + this.rng.int(CLOG_US[0], CLOG_US[1]);
    const victim = this.rng.pick(ids);
    const links: string[] = [];
    if (this.rng.chance(0.5)) {
      // Every link into and out of one node.
      for (const other of ids) if (other !== victim) links.push(`${victim}>${other}`, `${other}>${victim}`);
    } else {
      const others = ids.filter((id) => id !== victim);
      if (others.length === 0) return;
      links.push(`${victim}>${this.rng.pick(others)}`);
    }
    this.links.clog(links, untilUs);
    this.target.note(`nemesis: clog ${links.join(' ')} until ${untilUs / 1000} ms`);
  }
}

/** Fewer than half: the most nodes that may be down while a majority still serves. */
function minority(n: number): number {
  return Math.floor((n - 1) / 2);
}

/**
 * A partition of `ids`: one of Maelstrom's shapes (one node, majority split, minority third,
 * majorities ring) half the time, else random components, two halves joined only through one
 * bridge node, or random one-way cuts.
 */
export function drawPartition(ids: readonly string[], rng: Rng): { readonly shape: string; readonly grudge: Grudge } {
  const roll = rng.float();
  if (roll < 0.5) {
    const spec = rng.pick(PARTITION_SPECS);
    return { shape: spec, grudge: partitionGrudge(spec, ids, rng) };
  }
  if (roll < 0.7) {
    // Every node joins one of two or three sides.
    const sides = rng.int(2, 3);
    const components: string[][] = Array.from({ length: sides }, () => []);
    for (const id of ids) (components[rng.int(0, sides - 1)] as string[]).push(id);
    return { shape: `random-${sides}`, grudge: completeGrudge(components.filter((component) => component.length > 0)) };
  }
  if (roll < 0.8) return { shape: 'bridge', grudge: bridgeGrudge(rng.shuffle(ids)) };
  // Each directed link drops with chance 0.3: asymmetric reachability.
  const grudge = new Map<string, Set<string>>();
  for (const dest of ids) {
    for (const src of ids) {
      if (src === dest || !rng.chance(0.3)) continue;
      let sources = grudge.get(dest);
      if (sources === undefined) grudge.set(dest, (sources = new Set()));
      sources.add(src);
    }
  }
  return { shape: 'one-way', grudge };
}

/** Two halves that hear each other only through the first node (which hears everyone). */
export function bridgeGrudge(ring: readonly string[]): Grudge {
  const half = Math.floor((ring.length - 1) / 2);
  const left = ring.slice(1, 1 + half);
  const right = ring.slice(1 + half);
  const grudge = new Map<string, Set<string>>();
  for (const [side, other] of [
    [left, right],
    [right, left],
  ] as const) {
    if (other.length === 0) continue;
    for (const node of side) grudge.set(node, new Set(other));
  }
  return grudge;
}
