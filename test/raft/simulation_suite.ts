// The seeded whole-cluster simulation as a vitest suite. CI runs a fixed seed list per cluster
// size; a failure prints its seed and the command that replays exactly that run:
//   SEED=<seed> NODES=<n> npx vitest run test/raft/simulation
// (with SEED set, only that seed runs, and its summary is printed; add TRACE=1 for every event).

import { describe, expect, it } from 'vitest';
import { runSimulation } from '../../src/raft/testing/cluster_sim.js';

export function seedRange(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => first + i);
}

export function simulationSuite(nodeCount: number, seeds: readonly number[]): void {
  const replaySeed = process.env['SEED'];
  const replayNodes = Number(process.env['NODES'] ?? '3');
  if (replaySeed !== undefined) {
    describe.runIf(replayNodes === nodeCount)(`replay of seed ${replaySeed} with ${nodeCount} nodes`, () => {
      it(`seed ${replaySeed}`, () => {
        const result = runSimulation({ seed: Number(replaySeed), nodeCount, traceTail: 400, keepTrace: process.env['TRACE'] !== undefined });
        if (result.trace !== undefined) console.log(result.trace.join('\n'));
        console.log(JSON.stringify({ seed: result.seed, setup: result.setup, stats: result.stats, traceHash: result.traceHash }, null, 2));
      });
    });
    return;
  }
  describe(`cluster simulation, ${nodeCount} nodes, ${seeds.length} seeds`, () => {
    it.each(seeds)('seed %i', (seed) => {
      const result = runSimulation({ seed, nodeCount });
      // Every run must have made progress, not merely stayed safe.
      expect(result.stats.committed).toBeGreaterThan(0);
      expect(result.stats.livenessMs).toBeGreaterThan(0);
    });
  });
}
