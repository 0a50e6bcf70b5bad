import { describe, expect, it } from 'vitest';
import { runSimulation } from '../../src/raft/testing/cluster_sim.js';
import { seedRange, simulationSuite } from './simulation_suite.js';

// Seed 10222 caught a leader that counted its own unsynced entries toward commitment with
// asynchronous storage writes (a lost committed entry once it crashed); it stays in the list.
simulationSuite(3, [...seedRange(1, 250), 10222]);

describe.skipIf(process.env['SEED'] !== undefined)('simulation determinism', () => {
  it('replays a seed exactly: same trace, same outcome', () => {
    const first = runSimulation({ seed: 4242, nodeCount: 5, keepTrace: true });
    const second = runSimulation({ seed: 4242, nodeCount: 5, keepTrace: true });
    expect(second.traceHash).toBe(first.traceHash);
    expect(second.stats).toEqual(first.stats);
    expect(second.trace).toEqual(first.trace);
    expect((first.trace ?? []).length).toBeGreaterThan(1000);
  });

  it('different seeds take different paths', () => {
    const hashes = new Set([1, 2, 3].map((seed) => runSimulation({ seed, nodeCount: 3 }).traceHash));
    expect(hashes.size).toBe(3);
  });
});
