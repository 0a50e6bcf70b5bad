import { describe, expect, it } from 'vitest';
import { runRaftSimulation } from '../../src/sim/raft_sim.js';
import { seedRange, simulationSuite } from './simulation_suite.js';

// Seeds 737 and 3457 catch a leader that counts its own unsynced entries toward commitment with
// asynchronous storage writes (a committed entry lost once it crashed): with that bug put back,
// they are the seeds of 1..4000 that fail. They stay in the list.
simulationSuite(3, [...seedRange(1, 250), 737, 3457]);

describe.skipIf(process.env['SEED'] !== undefined)('Raft-core simulation determinism', () => {
  it('replays a seed exactly: same trace, same outcome', () => {
    const first = runRaftSimulation({ seed: 4242, nodeCount: 5, keepTrace: true });
    const second = runRaftSimulation({ seed: 4242, nodeCount: 5, keepTrace: true });
    expect(second.traceHash).toBe(first.traceHash);
    expect(second.stats).toEqual(first.stats);
    expect(second.trace).toEqual(first.trace);
    expect((first.trace ?? []).length).toBeGreaterThan(1000);
  });

  it('different seeds take different paths', () => {
    const hashes = new Set([1, 2, 3].map((seed) => runRaftSimulation({ seed, nodeCount: 3 }).traceHash));
    expect(hashes.size).toBe(3);
  });

  it('runs under a named profile: clean injects no fault, crashes only crashes', () => {
    const clean = runRaftSimulation({ seed: 5, nodeCount: 3, profile: 'clean', safetyUs: 2_000_000 });
    expect(clean.stats).toMatchObject({ dropped: 0, duplicated: 0, crashes: 0, midTurnCrashes: 0, partitions: 0, clogs: 0 });
    expect(clean.stats.committed).toBeGreaterThan(0);
    const crashes = runRaftSimulation({ seed: 5, nodeCount: 3, profile: 'crashes', safetyUs: 2_000_000 });
    expect(crashes.stats.crashes).toBeGreaterThan(0);
    expect(crashes.stats).toMatchObject({ duplicated: 0, partitions: 0, clogs: 0 });
    expect(() => runRaftSimulation({ seed: 5, nodeCount: 3, profile: 'nope' })).toThrow(/unknown profile "nope"/);
  });
});
