// The seeded Raft-core simulation (src/sim/raft_sim.ts) as a vitest suite. CI runs a fixed seed
// list per cluster size; a failure prints its seed and the commands that replay exactly that run:
//   npm run sim -- --core --seed <seed> --nodes <n> --profile <p> --trace
//   SEED=<seed> NODES=<n> [PROFILE=<p>] npx vitest run test/raft/simulation
// (with SEED set, only that seed runs, and its summary is printed; add TRACE=1 for every event).

import { describe, expect, it } from 'vitest';
import { runRaftSimulation } from '../../src/sim/raft_sim.js';

export function seedRange(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => first + i);
}

export function simulationSuite(nodeCount: number, seeds: readonly number[]): void {
  const replaySeed = process.env['SEED'];
  const replayNodes = Number(process.env['NODES'] ?? '3');
  const profile = process.env['PROFILE'];
  if (replaySeed !== undefined) {
    describe.runIf(replayNodes === nodeCount)(`replay of seed ${replaySeed} with ${nodeCount} nodes`, () => {
      it(`seed ${replaySeed}`, () => {
        const result = runRaftSimulation({
          seed: Number(replaySeed),
          nodeCount,
          traceTail: 400,
          keepTrace: process.env['TRACE'] !== undefined,
          ...(profile === undefined ? {} : { profile }),
        });
        if (result.trace !== undefined) console.log(result.trace.join('\n'));
        console.log(
          JSON.stringify(
            { seed: result.seed, profile: result.profile, setup: result.setup, rates: result.rates, stats: result.stats, traceHash: result.traceHash },
            null,
            2,
          ),
        );
      });
    });
    return;
  }
  describe(`Raft-core simulation, ${nodeCount} nodes, ${seeds.length} seeds`, () => {
    it.each(seeds)('seed %i', (seed) => {
      const result = runRaftSimulation({ seed, nodeCount });
      // Every run must have made progress, not merely stayed safe.
      expect(result.stats.committed).toBeGreaterThan(0);
      expect(result.stats.livenessUs).toBeGreaterThan(0);
    });
  });
}
