// Fault profiles for both simulators, and the swarm draw (TigerBeetle's swarm testing): a
// profile gives *bounds*, and each seed draws its own rates within them (how lossy, how slow,
// which nemeses are on and how often each strikes), so ten thousand seeds of one profile cover
// ten thousand different mixes instead of one. Pure data and a draw from an injected Rng.
// Invariants: a drawn rate lies within its profile's bound or is 0 when the seed turned the fault
// off; a fault a profile does not name is never on; client <-> node links are never faulty
// (as in Maelstrom): these rates are for node <-> node links only.

import { Rng } from '../base/rng.js';

export type Range = readonly [number, number];

/** A fault a seed may turn on: with chance `on` its rate is drawn uniformly from `range`, else it is off (0). */
export interface FaultBound {
  readonly on: number;
  readonly range: Range;
}

export const NEMESES = ['partition', 'crash', 'clog'] as const;
export type Nemesis = (typeof NEMESES)[number];

export interface FaultProfile {
  readonly name: string;
  /** Node <-> node one-way delay: the seed draws the low end from `low` and the high end from `high`. */
  readonly delayUs: { readonly low: Range; readonly high: Range };
  readonly loss: FaultBound;
  readonly duplicate: FaultBound;
  /** Chance that a message takes a slow path (reordering); its extra delay is uniform up to slowDelayUs. */
  readonly slow: FaultBound;
  /** The seed's longest slow-path extra delay is drawn from this. */
  readonly slowDelayUs: Range;
  /** Chance that the seed turns each nemesis on; each one on gets a weight from 1 to 4 (how often it is picked). */
  readonly nemeses: { readonly [kind in Nemesis]: number };
  /** The seed's mean time between nemesis steps; each step comes a uniform 0.5 to 1.5 means after the last. */
  readonly nemesisMeanUs: Range;
  /** With crashes on: the chance of a crash aimed at the leader rather than any node. */
  readonly leaderCrash: FaultBound;
  /** With crashes on: right after a node votes (per vote) or accepts entries (per Ready), a crash within a few ms. */
  readonly voteCrash: FaultBound;
  readonly appendCrash: FaultBound;
  /**
   * With crashes on: per node turn, a crash between the turn's writes and their fsync (the
   * whole-node simulator asks only after turns whose output waits for a sync).
   */
  readonly crashBeforeSync: FaultBound;
  /**
   * How long an fsync takes (a latency, not a fault: on in every profile); off means storage that
   * syncs at once (in the whole-node simulator: its completion still comes after the turn).
   */
  readonly syncDelayUs: FaultBound;
}

/** One seed's faults: the rates every decision of its run is drawn with. */
export interface FaultRates {
  readonly profile: string;
  readonly delayUs: Range;
  readonly lossChance: number;
  readonly duplicateChance: number;
  readonly slowChance: number;
  readonly slowDelayUs: number;
  /** 0 for a nemesis that is off. */
  readonly nemesisWeights: { readonly [kind in Nemesis]: number };
  readonly nemesisIntervalUs: Range;
  readonly leaderCrashChance: number;
  readonly voteCrashChance: number;
  readonly appendCrashChance: number;
  readonly crashBeforeSyncChance: number;
  /** Each fsync takes a uniform time in this range; [0, 0]: storage syncs at once. */
  readonly syncDelayUs: Range;
}

const OFF: FaultBound = { on: 0, range: [0, 0] };

const BASE: Omit<FaultProfile, 'name'> = {
  delayUs: { low: [100, 500], high: [1_000, 4_000] },
  loss: OFF,
  duplicate: OFF,
  slow: OFF,
  slowDelayUs: [10_000, 30_000],
  nemeses: { partition: 0, crash: 0, clog: 0 },
  nemesisMeanUs: [150_000, 500_000],
  leaderCrash: OFF,
  voteCrash: OFF,
  appendCrash: OFF,
  crashBeforeSync: OFF,
  syncDelayUs: { on: 0.75, range: [500, 20_000] },
};

/** Targeted crashes, as every profile with crashes has them. */
const CRASHES = {
  leaderCrash: { on: 0.7, range: [0.3, 0.9] },
  voteCrash: { on: 0.8, range: [0.01, 0.1] },
  appendCrash: { on: 0.8, range: [0.0002, 0.002] },
  crashBeforeSync: { on: 0.6, range: [0.0002, 0.002] },
} as const satisfies Partial<FaultProfile>;

export const PROFILES: readonly FaultProfile[] = [
  { ...BASE, name: 'clean' },
  {
    ...BASE,
    name: 'partitions',
    slow: { on: 0.7, range: [0.005, 0.05] },
    slowDelayUs: [5_000, 40_000],
    nemeses: { partition: 1, crash: 0, clog: 0 },
  },
  {
    ...BASE,
    name: 'lossy',
    delayUs: { low: [100, 500], high: [2_000, 10_000] },
    loss: { on: 1, range: [0.02, 0.25] },
    duplicate: { on: 0.8, range: [0.01, 0.15] },
    slow: { on: 0.8, range: [0.02, 0.15] },
    slowDelayUs: [20_000, 80_000],
    nemeses: { partition: 0, crash: 0, clog: 0.7 },
  },
  {
    ...BASE,
    ...CRASHES,
    name: 'crashes',
    slow: { on: 0.7, range: [0.005, 0.05] },
    slowDelayUs: [5_000, 40_000],
    nemeses: { partition: 0, crash: 1, clog: 0 },
    nemesisMeanUs: [100_000, 400_000],
  },
  {
    ...BASE,
    ...CRASHES,
    name: 'chaos',
    delayUs: { low: [100, 1_000], high: [1_000, 20_000] },
    loss: { on: 0.6, range: [0.005, 0.2] },
    duplicate: { on: 0.6, range: [0.005, 0.1] },
    slow: { on: 0.7, range: [0.01, 0.1] },
    slowDelayUs: [20_000, 300_000],
    nemeses: { partition: 0.8, crash: 0.8, clog: 0.6 },
    nemesisMeanUs: [80_000, 800_000],
  },
];

export const PROFILE_NAMES: readonly string[] = PROFILES.map((profile) => profile.name);

export function findProfile(name: string): FaultProfile | undefined {
  return PROFILES.find((profile) => profile.name === name);
}

/** Salt of the stream the rates are drawn from: apart from a run's own streams. */
const RATES_SALT = 0x7a7e5eed;

/** The seed's fault rates under `profile`: a function of the two alone, in both simulators. */
export function ratesForSeed(seed: number, profile: FaultProfile): FaultRates {
  return drawFaultRates(profile, new Rng((seed ^ RATES_SALT) >>> 0));
}

/** The profile a seed runs under when none is named: drawn from the seed's own stream. */
export function profileForSeed(rng: Rng): FaultProfile {
  return rng.pick(PROFILES);
}

/**
 * The seed's rates within the profile's bounds. The draws come in a fixed order from `rng`, which
 * the caller derives from the seed alone, so naming the profile on the command line replays them.
 */
export function drawFaultRates(profile: FaultProfile, rng: Rng): FaultRates {
  const draw = (bound: FaultBound): number => (rng.chance(bound.on) ? uniform(rng, bound.range) : 0);
  const low = Math.round(uniform(rng, profile.delayUs.low));
  const high = Math.max(low, Math.round(uniform(rng, profile.delayUs.high)));
  const lossChance = draw(profile.loss);
  const duplicateChance = draw(profile.duplicate);
  const slowChance = draw(profile.slow);
  const slowDelayUs = Math.round(uniform(rng, profile.slowDelayUs));
  const weight = (kind: Nemesis): number => (rng.chance(profile.nemeses[kind]) ? rng.int(1, 4) : 0);
  const nemesisWeights = { partition: weight('partition'), crash: weight('crash'), clog: weight('clog') };
  const meanUs = uniform(rng, profile.nemesisMeanUs);
  const crashes = nemesisWeights.crash > 0;
  const crashDraw = (bound: FaultBound): number => {
    const rate = draw(bound);
    return crashes ? rate : 0;
  };
  const leaderCrashChance = crashDraw(profile.leaderCrash);
  const voteCrashChance = crashDraw(profile.voteCrash);
  const appendCrashChance = crashDraw(profile.appendCrash);
  const crashBeforeSyncChance = crashDraw(profile.crashBeforeSync);
  const syncHigh = Math.round(draw(profile.syncDelayUs));
  return {
    profile: profile.name,
    delayUs: [low, high],
    lossChance,
    duplicateChance,
    slowChance,
    slowDelayUs,
    nemesisWeights,
    nemesisIntervalUs: [Math.round(meanUs / 2), Math.round((3 * meanUs) / 2)],
    leaderCrashChance,
    voteCrashChance,
    appendCrashChance,
    crashBeforeSyncChance,
    syncDelayUs: [0, syncHigh],
  };
}

/** The rates on one line, for --trace and --verbose. */
export function describeRates(rates: FaultRates): string {
  const percent = (chance: number): string => `${(100 * chance).toFixed(chance === 0 ? 0 : 2)}%`;
  const ms = (us: number): string => `${(us / 1000).toFixed(1)}ms`;
  const nemeses = NEMESES.filter((kind) => rates.nemesisWeights[kind] > 0).map((kind) => `${kind}×${rates.nemesisWeights[kind]}`);
  const crashes =
    rates.nemesisWeights.crash > 0
      ? ` crash: leader ${percent(rates.leaderCrashChance)}, after a vote ${percent(rates.voteCrashChance)}, after an append ${percent(rates.appendCrashChance)}, before a sync ${percent(rates.crashBeforeSyncChance)};`
      : '';
  return (
    `rates (${rates.profile}): delay ${ms(rates.delayUs[0])}-${ms(rates.delayUs[1])}, loss ${percent(rates.lossChance)}, ` +
    `duplicate ${percent(rates.duplicateChance)}, slow ${percent(rates.slowChance)} (+ up to ${ms(rates.slowDelayUs)}); ` +
    `nemeses ${nemeses.length === 0 ? 'none' : `${nemeses.join(' ')} every ${ms(rates.nemesisIntervalUs[0])}-${ms(rates.nemesisIntervalUs[1])}`};${crashes} ` +
    `fsync ${rates.syncDelayUs[1] === 0 ? 'at once' : `up to ${ms(rates.syncDelayUs[1])}`}`
  );
}

function uniform(rng: Rng, [low, high]: Range): number {
  return low + rng.float() * (high - low);
}
