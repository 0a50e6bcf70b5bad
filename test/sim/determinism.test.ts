// One seed must replay identically: the same trace line for line, the same history, the same
// hashes. Also checks that the simulator and checker catch a store that is not linearizable.

import { describe, expect, it } from 'vitest';
import { runSimulation } from '../../src/sim/simulator.js';

describe('simulator determinism', () => {
  it('replays a chaos seed exactly', () => {
    const run = (): { trace: string[]; result: ReturnType<typeof runSimulation> } => {
      const trace: string[] = [];
      const result = runSimulation({ seed: 4242, profile: 'chaos', nodeCount: 5, trace: (line) => trace.push(line) });
      return { trace, result };
    };
    const first = run();
    const second = run();
    expect(first.result.failure).toBeUndefined();
    expect(second.result.traceHash).toBe(first.result.traceHash);
    expect(second.result.historyHash).toBe(first.result.historyHash);
    expect(second.result.stats).toEqual(first.result.stats);
    expect(second.trace).toEqual(first.trace);
    expect(first.trace.length).toBeGreaterThan(1000);
    expect(first.result.stats.crashes + first.result.stats.partitions + first.result.stats.clogs).toBeGreaterThan(0);
  });

  it('tracing does not change the run, and naming the seed-chosen setup replays it', () => {
    const auto = runSimulation({ seed: 77 });
    const traced = runSimulation({ seed: 77, profile: auto.profile, nodeCount: auto.nodeCount, readMode: auto.readMode, trace: () => {} });
    expect(traced.traceHash).toBe(auto.traceHash);
    expect(traced.historyHash).toBe(auto.historyHash);
    expect(auto.replay).toBe(`npm run sim -- --seed 77 --profile ${auto.profile} --nodes ${auto.nodeCount} --read-mode ${auto.readMode} --trace`);
  });

  it('different seeds take different paths', () => {
    const hashes = new Set([1, 2, 3].map((seed) => runSimulation({ seed, profile: 'lossy' }).traceHash));
    expect(hashes.size).toBe(3);
  });

  it('catches a read mode that is not linearizable', () => {
    const result = runSimulation({ seed: 1, profile: 'clean', readMode: 'bounded-staleness' });
    expect(result.failure).toMatch(/^linearizability: invalid/);
    expect(result.replay).toContain('--read-mode bounded-staleness');
  });
});

describe('fault profiles', () => {
  type Counter = 'messagesLost' | 'messagesDuplicated' | 'messagesCut' | 'crashes' | 'restarts' | 'partitions' | 'clogs';
  /** Per profile: the fault counters that must be positive and those that must stay zero (seed 9, 5 nodes). */
  const expected: { readonly [profile: string]: { readonly some: readonly Counter[]; readonly none: readonly Counter[] } } = {
    clean: { some: [], none: ['messagesLost', 'messagesDuplicated', 'messagesCut', 'crashes', 'partitions', 'clogs'] },
    partitions: { some: ['partitions', 'messagesCut'], none: ['messagesLost', 'crashes', 'clogs'] },
    lossy: { some: ['messagesLost', 'messagesDuplicated'], none: ['partitions', 'crashes'] },
    crashes: { some: ['crashes', 'restarts'], none: ['messagesLost', 'partitions', 'clogs'] },
    chaos: { some: ['messagesLost', 'messagesDuplicated'], none: [] },
  };
  it.each(Object.keys(expected))('%s injects exactly the faults it names', (profile) => {
    const stats = runSimulation({ seed: 9, profile, nodeCount: 5 }).stats;
    const { some, none } = expected[profile] as (typeof expected)[string];
    for (const counter of some) expect(stats[counter], counter).toBeGreaterThan(0);
    for (const counter of none) expect(stats[counter], counter).toBe(0);
  });
});
