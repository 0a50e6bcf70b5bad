// Named fault mixes for the whole-node simulator: how hostile the network is, which nemesis
// actions may run and how often. Pure data plus the per-seed choice. Invariant: client <-> node
// links are never lossy or partitioned (as in Maelstrom); only node <-> node links are faulty.

import type { Rng } from '../base/rng.js';

export interface FaultProfile {
  readonly name: string;
  /** Node <-> node one-way delay, microseconds, uniform in [min, max]. */
  readonly delayUs: readonly [number, number];
  /** Chance that a message takes a slow path (up to slowDelayUs more): reordering. */
  readonly slowChance: number;
  readonly slowDelayUs: number;
  readonly lossChance: number;
  readonly duplicateChance: number;
  readonly partitions: boolean;
  readonly crashes: boolean;
  /** Links held back for a while (FoundationDB's clogging): messages wait, then arrive. */
  readonly clogs: boolean;
  /** Time between nemesis actions, microseconds, uniform in [min, max]. */
  readonly nemesisIntervalUs: readonly [number, number];
}

const BASE = {
  delayUs: [200, 3_000],
  slowChance: 0,
  slowDelayUs: 0,
  lossChance: 0,
  duplicateChance: 0,
  partitions: false,
  crashes: false,
  clogs: false,
  nemesisIntervalUs: [150_000, 600_000],
} as const satisfies Omit<FaultProfile, 'name'>;

export const PROFILES: readonly FaultProfile[] = [
  { ...BASE, name: 'clean' },
  { ...BASE, name: 'partitions', partitions: true, slowChance: 0.02, slowDelayUs: 20_000 },
  { ...BASE, name: 'lossy', delayUs: [200, 8_000], slowChance: 0.1, slowDelayUs: 60_000, lossChance: 0.15, duplicateChance: 0.1, clogs: true },
  { ...BASE, name: 'crashes', crashes: true, slowChance: 0.02, slowDelayUs: 20_000, nemesisIntervalUs: [100_000, 500_000] },
  {
    ...BASE,
    name: 'chaos',
    delayUs: [200, 6_000],
    slowChance: 0.05,
    slowDelayUs: 50_000,
    lossChance: 0.05,
    duplicateChance: 0.05,
    partitions: true,
    crashes: true,
    clogs: true,
    nemesisIntervalUs: [80_000, 400_000],
  },
];

export const PROFILE_NAMES: readonly string[] = PROFILES.map((profile) => profile.name);

export function findProfile(name: string): FaultProfile | undefined {
  return PROFILES.find((profile) => profile.name === name);
}

/** The profile a seed runs under when none is named: drawn from the seed's own stream. */
export function profileForSeed(rng: Rng): FaultProfile {
  return rng.pick(PROFILES);
}
