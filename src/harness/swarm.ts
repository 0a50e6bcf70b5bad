// Swarm runs (`--swarm`): each run of --test-count draws its own fault mix, nemesis interval,
// rate and latency from its seed, so a campaign covers many combinations instead of one; and the
// command line that replays any one run on its own. Pure: a seed in, a draw out.
// Invariants: a draw depends only on the seed and the settings (the same number of draws from
// the stream whatever is kept fixed); every drawn value is a valid option value.

import { shellQuote } from '../base/shell.js';
import { Rng } from '../base/rng.js';
import { NEMESIS_KINDS, type NemesisKind } from './nemesis_actions.js';
import { logUniform } from './nemesis_targets.js';
import { LATENCY_DISTS, type LatencyDist } from './network.js';
import { isTxnWorkload, type SwarmSettings, type TestOptions } from './options.js';
import { DEFAULT_RECOVERY_TIMEOUT_S } from './recovery.js';

/** At most this many kinds in one run's mix. */
const MAX_MIX = 4;
const INTERVAL_RANGE_S = [0.3, 4] as const;
const RATE_RANGE = [20, 400] as const;
const LATENCY_RANGE_MS = [1, 30] as const;
/** The share of runs without latency. */
const NO_LATENCY_CHANCE = 0.3;

export interface SwarmDraw {
  readonly nemesis: readonly NemesisKind[];
  readonly nemesisIntervalS: number;
  readonly rate: number;
  readonly latencyMs: number;
  readonly latencyDist: LatencyDist;
}

/** What the run with this seed uses; what the settings keep fixed comes from `base`. */
export function drawSwarm(
  seed: number,
  settings: SwarmSettings,
  base: Pick<TestOptions, 'nemesisIntervalS' | 'rate' | 'latencyMs' | 'latencyDist'>,
): SwarmDraw {
  const rng = new Rng((seed ^ 0x5a17e5d1) >>> 0);
  const pool = settings.nemesisPool.length > 0 ? settings.nemesisPool : NEMESIS_KINDS;
  const size = rng.int(1, Math.min(MAX_MIX, pool.length));
  const chosen = new Set(rng.shuffle(pool).slice(0, size));
  const nemesis = NEMESIS_KINDS.filter((kind) => chosen.has(kind));
  const interval = Math.round(logUniform(rng, ...INTERVAL_RANGE_S) * 10) / 10;
  const rate = Math.round(logUniform(rng, ...RATE_RANGE));
  const noLatency = rng.chance(NO_LATENCY_CHANCE);
  const latency = Math.round(logUniform(rng, ...LATENCY_RANGE_MS));
  const dist = rng.pick(LATENCY_DISTS);
  return {
    nemesis,
    nemesisIntervalS: settings.drawInterval ? interval : base.nemesisIntervalS,
    rate: settings.drawRate ? rate : base.rate,
    latencyMs: settings.drawLatency ? (noLatency ? 0 : latency) : base.latencyMs,
    latencyDist: settings.drawLatency ? (noLatency ? 'constant' : dist) : base.latencyDist,
  };
}

export function describeDraw(draw: SwarmDraw): string {
  return (
    `nemesis ${draw.nemesis.join(',')} every ~${draw.nemesisIntervalS} s, rate ${draw.rate}/s, ` +
    `latency ${draw.latencyMs} ms${draw.latencyMs > 0 ? ` ${draw.latencyDist}` : ''}`
  );
}

/** A command line that runs exactly this test again (no --swarm, no --test-count: the drawn values are spelt out). */
export function replayCommand(options: TestOptions): string {
  const words = ['bin/raftkv-test', 'test', '-w', options.workload, '--bin', options.bin];
  const flag = (name: string, value: string | number): void => {
    words.push(name, String(value));
  };
  flag('--node-count', options.nodeCount);
  flag('--time-limit', options.timeLimitS);
  flag('--rate', options.rate);
  flag('--concurrency', options.concurrency);
  flag('--latency', options.latencyMs);
  if (options.latencyMs > 0) flag('--latency-dist', options.latencyDist);
  if (options.nemesis.length > 0) {
    flag('--nemesis', options.nemesis.join(','));
    flag('--nemesis-interval', options.nemesisIntervalS);
  }
  if (options.availability !== undefined) flag('--availability', options.availability);
  if (options.checkTimeLimitS !== undefined) flag('--check-time-limit', options.checkTimeLimitS);
  if (options.recoveryTimeoutS !== DEFAULT_RECOVERY_TIMEOUT_S) flag('--recovery-timeout', options.recoveryTimeoutS);
  if (options.clientSessions) words.push('--client-sessions');
  if (options.readFraction !== undefined) flag('--read-fraction', options.readFraction);
  if (isTxnWorkload(options.workload)) {
    flag('--consistency-models', options.consistencyModels.join(','));
    flag('--key-count', options.keyCount);
    flag('--max-txn-length', options.maxTxnLength);
    flag('--max-writes-per-key', options.maxWritesPerKey);
    flag('--key-dist', options.keyDist);
    if (!options.finalReads) words.push('--no-final-reads');
  }
  flag('--seed', options.seed);
  if (options.binArgs.length > 0) words.push('--', ...options.binArgs);
  return shellQuote(words);
}
