// Network partitions as Maelstrom's partition nemesis makes them (Jepsen's combined partition
// package). A partition is a *grudge*: for each destination node, the set of sources whose
// messages it drops. Pure: the shapes depend only on the node list and the seeded Rng.
// Only server nodes appear in a grudge; clients and services are never cut.

import type { Rng } from '../base/rng.js';

export type Grudge = ReadonlyMap<string, ReadonlySet<string>>;

/** The target specs Maelstrom's partition nemesis picks from, uniformly. */
export const PARTITION_SPECS = ['one', 'minority-third', 'majority', 'majorities-ring'] as const;
export type PartitionSpec = (typeof PARTITION_SPECS)[number];

export const EMPTY_GRUDGE: Grudge = new Map();

/** Every node drops every message coming from a node outside its own component. */
export function completeGrudge(components: readonly (readonly string[])[]): Grudge {
  const grudge = new Map<string, Set<string>>();
  const all = components.flat();
  for (const component of components) {
    const inside = new Set(component);
    const outside = all.filter((node) => !inside.has(node));
    if (outside.length === 0) continue;
    for (const node of component) grudge.set(node, new Set(outside));
  }
  return grudge;
}

/** floor(n/2) + 1. */
function majoritySize(n: number): number {
  return Math.floor(n / 2) + 1;
}

export function partitionGrudge(spec: PartitionSpec, nodes: readonly string[], rng: Rng): Grudge {
  const n = nodes.length;
  switch (spec) {
    case 'one': {
      const node = rng.pick(nodes);
      return completeGrudge([[node], nodes.filter((other) => other !== node)]);
    }
    case 'majority': {
      // The smaller half first: floor(n/2) nodes against the rest.
      const shuffled = rng.shuffle(nodes);
      const cut = Math.floor(n / 2);
      return completeGrudge([shuffled.slice(0, cut), shuffled.slice(cut)]);
    }
    case 'minority-third': {
      // Strictly less than a third: (n-1)/3 rounded down, so nothing at all for n = 3.
      const shuffled = rng.shuffle(nodes);
      const cut = Math.floor((n - 1) / 3);
      return completeGrudge([shuffled.slice(0, cut), shuffled.slice(cut)]);
    }
    case 'majorities-ring':
      return majoritiesRing(rng.shuffle(nodes));
  }
}

/**
 * Arrange the nodes in a ring; every window of m = majority consecutive nodes gives its middle
 * node (index floor(m/2) of the window) a view of exactly that window. With 5 nodes each node
 * hears its two ring neighbours (symmetric); with 3 nodes it is a one-way ring a→b→c→a. Jepsen
 * uses this exact construction up to 5 nodes and a randomized one above; we use this one for
 * every size (each node still hears a majority, and no two nodes hear the same one).
 */
export function majoritiesRing(ring: readonly string[]): Grudge {
  const n = ring.length;
  const m = majoritySize(n);
  const grudge = new Map<string, Set<string>>();
  for (let start = 0; start < n; start++) {
    const window: string[] = [];
    for (let offset = 0; offset < m; offset++) window.push(ring[(start + offset) % n] as string);
    const node = window[Math.floor(m / 2)] as string;
    const hears = new Set(window);
    const dropped = new Set(ring.filter((other) => !hears.has(other)));
    if (dropped.size > 0) grudge.set(node, dropped);
  }
  return grudge;
}

/** Every message that any of the grudges drops (several partitions in force at once). */
export function unionGrudges(grudges: Iterable<Grudge>): Grudge {
  const union = new Map<string, Set<string>>();
  for (const grudge of grudges) {
    for (const [dest, sources] of grudge) {
      let dropped = union.get(dest);
      if (dropped === undefined) union.set(dest, (dropped = new Set()));
      for (const src of sources) dropped.add(src);
    }
  }
  return union;
}

/** True when a message from `src` reaches `dest` under the grudge. */
export function canHear(grudge: Grudge, dest: string, src: string): boolean {
  return !(grudge.get(dest)?.has(src) ?? false);
}

/** For history values and reports: dest → sorted list of the sources it drops. */
export function describeGrudge(grudge: Grudge): { [dest: string]: string[] } {
  const out: { [dest: string]: string[] } = {};
  for (const dest of [...grudge.keys()].sort()) out[dest] = [...(grudge.get(dest) ?? [])].sort();
  return out;
}

export function isEmptyGrudge(grudge: Grudge): boolean {
  for (const sources of grudge.values()) if (sources.size > 0) return false;
  return true;
}
