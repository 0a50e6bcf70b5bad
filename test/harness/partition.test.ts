import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/base/rng.js';
import {
  canHear,
  completeGrudge,
  describeGrudge,
  isEmptyGrudge,
  majoritiesRing,
  partitionGrudge,
  type Grudge,
  unionGrudges,
  PARTITION_SPECS,
} from '../../src/harness/partition.js';

const N3 = ['n0', 'n1', 'n2'];
const N5 = ['n0', 'n1', 'n2', 'n3', 'n4'];

/** Who each node hears (itself excluded). */
function hearing(grudge: Grudge, nodes: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const dest of nodes) out[dest] = nodes.filter((src) => src !== dest && canHear(grudge, dest, src));
  return out;
}

function bidirectionalComponents(grudge: Grudge, nodes: readonly string[]): string[][] {
  const seen = new Set<string>();
  const components: string[][] = [];
  for (const node of nodes) {
    if (seen.has(node)) continue;
    const component = nodes.filter((other) => other === node || (canHear(grudge, node, other) && canHear(grudge, other, node)));
    for (const member of component) seen.add(member);
    components.push(component);
  }
  return components;
}

describe('partition shapes', () => {
  it('cuts complete grudges in both directions', () => {
    const grudge = completeGrudge([['n0'], ['n1', 'n2']]);
    expect(hearing(grudge, N3)).toEqual({ n0: [], n1: ['n2'], n2: ['n1'] });
    expect(describeGrudge(grudge)).toEqual({ n0: ['n1', 'n2'], n1: ['n0'], n2: ['n0'] });
  });

  for (const seed of [1, 2, 3, 4, 5]) {
    it(`n=3, seed ${seed}: one and majority isolate one node; minority-third does nothing`, () => {
      const rng = new Rng(seed);
      for (const spec of ['one', 'majority'] as const) {
        const grudge = partitionGrudge(spec, N3, rng);
        const sizes = bidirectionalComponents(grudge, N3)
          .map((c) => c.length)
          .sort();
        expect(sizes, spec).toEqual([1, 2]);
      }
      expect(isEmptyGrudge(partitionGrudge('minority-third', N3, rng))).toBe(true);
    });

    it(`n=3, seed ${seed}: majorities-ring is a one-way ring (each node hears exactly one other, no round trip)`, () => {
      const grudge = partitionGrudge('majorities-ring', N3, new Rng(seed));
      const heard = hearing(grudge, N3);
      for (const node of N3) expect(heard[node]).toHaveLength(1);
      for (const node of N3) {
        const from = (heard[node] as string[])[0] as string;
        expect(heard[from], `${from} must not hear ${node} back`).not.toContain(node);
      }
    });

    it(`n=5, seed ${seed}: the shapes have Maelstrom's sizes`, () => {
      const rng = new Rng(seed);
      expect(
        bidirectionalComponents(partitionGrudge('one', N5, rng), N5)
          .map((c) => c.length)
          .sort(),
      ).toEqual([1, 4]);
      expect(
        bidirectionalComponents(partitionGrudge('majority', N5, rng), N5)
          .map((c) => c.length)
          .sort(),
      ).toEqual([2, 3]);
      expect(
        bidirectionalComponents(partitionGrudge('minority-third', N5, rng), N5)
          .map((c) => c.length)
          .sort(),
      ).toEqual([1, 4]);
    });

    it(`n=5, seed ${seed}: majorities-ring lets each node hear only its two ring neighbours, symmetrically`, () => {
      const grudge = partitionGrudge('majorities-ring', N5, new Rng(seed));
      const heard = hearing(grudge, N5);
      for (const node of N5) {
        expect(heard[node]).toHaveLength(2);
        for (const neighbour of heard[node] as string[]) expect(heard[neighbour]).toContain(node);
      }
      // A ring: the hearing graph is one cycle through all five nodes.
      const order = ['n0'];
      while (order.length < 5) {
        const next = (heard[order[order.length - 1] as string] as string[]).find((node) => !order.includes(node));
        expect(next).toBeDefined();
        order.push(next as string);
      }
      expect(heard[order[4] as string]).toContain('n0');
      // No two nodes see the same majority.
      const views = N5.map((node) => [node, ...(heard[node] as string[])].sort().join(','));
      expect(new Set(views).size).toBe(5);
    });
  }

  it('majoritiesRing follows the ring order it is given', () => {
    expect(hearing(majoritiesRing(['a', 'b', 'c']), ['a', 'b', 'c'])).toEqual({ a: ['c'], b: ['a'], c: ['b'] });
  });

  it('never partitions anything with one node', () => {
    for (const spec of PARTITION_SPECS) expect(isEmptyGrudge(partitionGrudge(spec, ['n0'], new Rng(1)))).toBe(true);
  });
});

describe('several partitions at once', () => {
  it('drop what any of them drops', () => {
    const one = completeGrudge([['n0'], ['n1', 'n2']]);
    const other = new Map([['n2', new Set(['n1'])]]);
    const union = unionGrudges([one, other]);
    expect(describeGrudge(union)).toEqual({ n0: ['n1', 'n2'], n1: ['n0'], n2: ['n0', 'n1'] });
    expect(canHear(union, 'n1', 'n2')).toBe(true);
    expect(isEmptyGrudge(unionGrudges([]))).toBe(true);
  });
});
