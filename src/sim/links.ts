// The faulty node <-> node links of a simulated cluster, shared by both simulators: what becomes
// of each message sent (lost, delayed, sent down a slow path, duplicated, held back by a clogged
// link) and whether the receiver can hear its sender when it arrives (partitions, as grudges from
// src/harness/partition.ts). Decisions come from the seed's FaultRates and the injected Rng.
// Pure: times are virtual microseconds passed in. Invariants: with faults off (the liveness
// phase) nothing is lost, duplicated, slowed, clogged or cut; a message never arrives before it
// was sent; partitions are checked on arrival, as Maelstrom does.

import type { Rng } from '../base/rng.js';
import { canHear, EMPTY_GRUDGE, isEmptyGrudge, type Grudge } from '../harness/partition.js';
import type { FaultRates } from './profiles.js';

interface LinkStats {
  lost: number;
  duplicated: number;
  clogs: number;
}

const NO_ARRIVAL: readonly number[] = [];

export class LinkFaults {
  private grudgeNow: Grudge = EMPTY_GRUDGE;
  /** Directed link "a>b" held back until the given time. */
  private readonly clogged = new Map<string, number>();
  private faultsOn = true;
  readonly stats: LinkStats = { lost: 0, duplicated: 0, clogs: 0 };

  constructor(
    private readonly rates: FaultRates,
    private readonly rng: Rng,
  ) {}

  get grudge(): Grudge {
    return this.grudgeNow;
  }

  get partitioned(): boolean {
    return !isEmptyGrudge(this.grudgeNow);
  }

  /** When the copies of a message sent now from `src` to `dest` arrive: none (lost), one, or two (duplicated). */
  arrivals(src: string, dest: string, nowUs: number): readonly number[] {
    const faults = this.faultsOn;
    if (faults && this.rates.lossChance > 0 && this.rng.chance(this.rates.lossChance)) {
      this.stats.lost++;
      return NO_ARRIVAL;
    }
    const departUs = this.departure(src, dest, nowUs);
    const first = departUs + this.delay();
    if (!(faults && this.rates.duplicateChance > 0 && this.rng.chance(this.rates.duplicateChance))) return [first];
    this.stats.duplicated++;
    return [first, departUs + this.delay()];
  }

  canHear(dest: string, src: string): boolean {
    return canHear(this.grudgeNow, dest, src);
  }

  partition(grudge: Grudge): void {
    this.grudgeNow = grudge;
  }

  healPartition(): void {
    this.grudgeNow = EMPTY_GRUDGE;
  }

  /** Holds back every message on the given directed links ("a>b") until `untilUs`. */
  clog(links: readonly string[], untilUs: number): void {
    for (const link of links) this.clogged.set(link, Math.max(untilUs, this.clogged.get(link) ?? 0));
    this.stats.clogs++;
  }

  /** The liveness phase: every fault off for good. */
  healAll(): void {
    this.faultsOn = false;
    this.grudgeNow = EMPTY_GRUDGE;
    this.clogged.clear();
  }

  private delay(): number {
    const [low, high] = this.rates.delayUs;
    let delay = this.rng.int(low, high);
    if (this.faultsOn && this.rates.slowChance > 0 && this.rng.chance(this.rates.slowChance)) delay += this.rng.int(0, this.rates.slowDelayUs);
    return delay;
  }

  private departure(src: string, dest: string, nowUs: number): number {
    if (this.clogged.size === 0) return nowUs;
    const link = `${src}>${dest}`;
    const until = this.clogged.get(link);
    if (until === undefined) return nowUs;
    if (until > nowUs) return until;
    this.clogged.delete(link);
    return nowUs;
  }
}
