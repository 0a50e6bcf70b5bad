// The seeds a test run hands to its nodes: each incarnation of each node (every restart is a new
// incarnation) gets its own seed, derived from the run's --seed alone, through the environment
// variable RAFTKV_SEED (bin/raftkv reads it; other Maelstrom nodes ignore it). Pure.

/** The environment variable that carries a node's seed. */
export const NODE_SEED_ENV = 'RAFTKV_SEED';

/** More incarnations than this per node would share seeds with another node's. */
const NODE_INDEX_SPAN = 128;

/** The splitmix32 finalizer: a bijection on 32-bit integers that scatters nearby inputs. */
function mix32(value: number): number {
  let z = value >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * The seed of incarnation `incarnation` (0 for the first start) of node `nodeIndex` (n0 is 0)
 * in a run seeded with `runSeed`. Within one run, distinct (node, incarnation) pairs get
 * distinct seeds: mix32 is a bijection, and its inputs differ while nodeIndex < 128 (the
 * harness runs at most 100 nodes).
 */
export function deriveNodeSeed(runSeed: number, nodeIndex: number, incarnation: number): number {
  if (!Number.isSafeInteger(nodeIndex) || nodeIndex < 0 || nodeIndex >= NODE_INDEX_SPAN) throw new RangeError(`node index ${nodeIndex} is out of range`);
  if (!Number.isSafeInteger(incarnation) || incarnation < 0) throw new RangeError(`incarnation ${incarnation} is out of range`);
  const base = mix32(mix32(runSeed) ^ 0x6e6f6465);
  return mix32((base + incarnation * NODE_INDEX_SPAN + nodeIndex) >>> 0);
}
