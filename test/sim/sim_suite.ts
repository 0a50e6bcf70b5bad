// The whole-node simulator as vitest suites: a fixed seed list per fault profile, each run
// required to pass (safety invariants, a linearizable history or a txn history valid under the
// model the txn mode promises, liveness after healing). A failure names its seed and the
// one-line command that replays it with a full trace.

import { describe, expect, it } from 'vitest';
import { runSimulation, type SimOptions } from '../../src/sim/simulator.js';

export function seedRange(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => first + i);
}

export function simSuite(title: string, seeds: readonly number[], options: Omit<SimOptions, 'seed'> = {}): void {
  describe(`${title}: ${seeds.length} seeds`, () => {
    it.each(seeds)('seed %i', (seed) => {
      const result = runSimulation({ ...options, seed });
      const replay = result.failure === undefined ? '' : `seed ${seed} failed: ${result.failure}\nreplay: ${result.replay}`;
      expect(replay).toBe('');
      // Every run must have made progress, not merely stayed safe, in every Raft group.
      expect(result.stats.opsOk).toBeGreaterThan(0);
      expect(result.livenessUs).toBeDefined();
      expect(result.stats.committedByGroup.every((committed) => committed > 0)).toBe(true);
    });
  });
}
