// Node seeds: one per node and incarnation, from the run's seed alone.
import { describe, expect, it } from 'vitest';
import { deriveNodeSeed } from '../../src/harness/seeds.js';

describe('node seeds', () => {
  it('are the same for the same run seed, node and incarnation', () => {
    expect(deriveNodeSeed(42, 3, 1)).toBe(deriveNodeSeed(42, 3, 1));
  });

  it('differ between every node and incarnation of a run, and are valid RAFTKV_SEED values', () => {
    for (const runSeed of [0, 1, 42, 0xffff_ffff]) {
      const seen = new Set<number>();
      for (let node = 0; node < 100; node++) {
        for (let incarnation = 0; incarnation < 50; incarnation++) {
          const seed = deriveNodeSeed(runSeed, node, incarnation);
          expect(Number.isSafeInteger(seed) && seed >= 0 && seed <= 0xffff_ffff).toBe(true);
          seen.add(seed);
        }
      }
      expect(seen.size, `run seed ${runSeed}`).toBe(100 * 50);
    }
  });

  it('change with the run seed', () => {
    const firstSeeds = (runSeed: number): number[] => Array.from({ length: 5 }, (_, node) => deriveNodeSeed(runSeed, node, 0));
    expect(firstSeeds(1)).not.toEqual(firstSeeds(2));
    expect(new Set([...firstSeeds(1), ...firstSeeds(2)]).size).toBe(10);
  });

  it('refuse a node index or incarnation out of range', () => {
    expect(() => deriveNodeSeed(1, 128, 0)).toThrow(RangeError);
    expect(() => deriveNodeSeed(1, 0, -1)).toThrow(RangeError);
  });
});
