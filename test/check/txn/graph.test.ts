// The dependency graph's plumbing: merging edges, components without recursion, and the order
// edges (process, and real time reduced so it stays near txns × concurrency edges). Random cases
// print their seed; CHECK_SEED=N replays one.

import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/base/rng.js';
import type { DependencyGraph, TxnTiming } from '../../../src/check/txn/graph.js';
import { ALL_EDGES, addOrderEdges, buildGraph, EdgeList, PROCESS, REALTIME, RW, stronglyConnectedComponents, WR, WW } from '../../../src/check/txn/graph.js';

const ONLY_SEED = process.env['CHECK_SEED'] === undefined ? undefined : Number(process.env['CHECK_SEED']);

function seeds(count: number, base: number): number[] {
  if (ONLY_SEED !== undefined) return [ONLY_SEED];
  return Array.from({ length: count }, (_, i) => base + i);
}

function edgesOf(graph: DependencyGraph): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let u = 0; u < graph.nodeCount; u++) {
    for (let e = graph.offsets[u] as number; e < (graph.offsets[u + 1] as number); e++) out.push([u, graph.targets[e] as number, graph.kinds[e] as number]);
  }
  return out;
}

/** Nodes reachable from `from` over edges of a kind in `mask`. */
function reachable(graph: DependencyGraph, from: number, mask: number): Set<number> {
  const seen = new Set<number>();
  const queue = [from];
  while (queue.length > 0) {
    const u = queue.shift() as number;
    for (let e = graph.offsets[u] as number; e < (graph.offsets[u + 1] as number); e++) {
      const v = graph.targets[e] as number;
      if (((graph.kinds[e] as number) & mask) === 0 || seen.has(v)) continue;
      seen.add(v);
      queue.push(v);
    }
  }
  return seen;
}

describe('buildGraph', () => {
  it('merges the kinds of one pair into one edge and drops self edges', () => {
    const edges = new EdgeList();
    edges.add(0, 1, WW);
    edges.add(0, 1, RW);
    edges.add(1, 0, WR);
    edges.add(2, 2, WW);
    edges.add(0, 1, WW);
    edges.add(0, 2, REALTIME);
    expect(edgesOf(buildGraph(3, edges))).toEqual([
      [0, 1, WW | RW],
      [0, 2, REALTIME],
      [1, 0, WR],
    ]);
  });

  it('grows past its first capacity', () => {
    const edges = new EdgeList();
    for (let i = 0; i < 5000; i++) edges.add(i, i + 1, WW);
    const graph = buildGraph(5001, edges);
    expect(graph.targets.length).toBe(5000);
    expect(graph.targets[4999]).toBe(5000);
  });
});

describe('stronglyConnectedComponents', () => {
  it('finds one component in a 200,000-txn ring and none in a chain, without running out of stack', () => {
    const n = 200_000;
    const chain = new EdgeList();
    for (let i = 0; i + 1 < n; i++) chain.add(i, i + 1, WW);
    expect(stronglyConnectedComponents(buildGraph(n, chain), ALL_EDGES).count).toBe(0);
    chain.add(n - 1, 0, RW);
    const ring = stronglyConnectedComponents(buildGraph(n, chain), ALL_EDGES);
    expect(ring.count).toBe(1);
    expect(ring.label.every((label) => label === 0)).toBe(true);
    // Without the rw edge that closes it, the ring is a chain again.
    expect(stronglyConnectedComponents(buildGraph(n, chain), WW).count).toBe(0);
  });

  it('labels only nodes in cycles, and follows only the kinds asked for, inside `within`', () => {
    const edges = new EdgeList();
    // 0 <-> 1 by ww/wr, 1 -> 2 -> 3 -> 1 needing an rw, 4 alone.
    edges.add(0, 1, WW);
    edges.add(1, 0, WR);
    edges.add(1, 2, WW);
    edges.add(2, 3, WW);
    edges.add(3, 1, RW);
    edges.add(3, 4, WW);
    const graph = buildGraph(5, edges);
    const all = stronglyConnectedComponents(graph, ALL_EDGES);
    expect(all.count).toBe(1);
    expect([...all.label]).toEqual([0, 0, 0, 0, -1]);
    const noRw = stronglyConnectedComponents(graph, WW | WR, all.label);
    expect(noRw.count).toBe(1);
    expect([...noRw.label]).toEqual([0, 0, -1, -1, -1]);
    expect(stronglyConnectedComponents(graph, WW, all.label).count).toBe(0);
  });

  it('agrees with reachability on random graphs', () => {
    for (const seed of seeds(40, 300)) {
      const rng = new Rng(seed);
      const n = rng.int(2, 30);
      const edges = new EdgeList();
      const edgeCount = rng.int(0, n * 2);
      for (let i = 0; i < edgeCount; i++) edges.add(rng.int(0, n - 1), rng.int(0, n - 1), WW);
      const graph = buildGraph(n, edges);
      const { label } = stronglyConnectedComponents(graph, ALL_EDGES);
      const reach = Array.from({ length: n }, (_, u) => reachable(graph, u, ALL_EDGES));
      for (let u = 0; u < n; u++) {
        expect(label[u] !== -1, `seed ${seed}: node ${u} on a cycle`).toBe(reach[u]?.has(u));
        for (let v = 0; v < n; v++) {
          if (u === v || label[u] === -1) continue;
          const together = (reach[u]?.has(v) ?? false) && (reach[v]?.has(u) ?? false);
          expect(label[u] === label[v], `seed ${seed} (replay: CHECK_SEED=${seed}): ${u} and ${v}`).toBe(together);
        }
      }
    }
  });
});

/** Txns as intervals of event positions, in one event list. */
function timingsOf(intervals: readonly { process: number; invoke: number; complete: number; ok: boolean }[]): TxnTiming[] {
  return intervals.map((interval) => ({
    process: interval.process,
    completedOk: interval.ok,
    invokePosition: interval.invoke,
    completePosition: interval.ok ? interval.complete : -1,
  }));
}

describe('addOrderEdges', () => {
  it('links sequential txns with one real-time edge each, not one per earlier txn', () => {
    const n = 1000;
    const timings = timingsOf(Array.from({ length: n }, (_, i) => ({ process: i % 7, invoke: 2 * i, complete: 2 * i + 1, ok: true })));
    const edges = new EdgeList();
    addOrderEdges(timings, new Uint8Array(n).fill(1), 2 * n, edges);
    const graph = buildGraph(n, edges);
    let realtime = 0;
    for (const [, , kind] of edgesOf(graph)) if ((kind & REALTIME) !== 0) realtime++;
    expect(realtime).toBe(n - 1);
    expect(reachable(graph, 0, REALTIME).size).toBe(n - 1);
  });

  it('adds process edges only from a process ok txn to its next txn in the graph', () => {
    // Process 1: txn 0 ok, txn 1 info (timed out), txn 2 ok. Process 2: txn 3 fail (not in graph), txn 4 ok.
    const timings = timingsOf([
      { process: 1, invoke: 0, complete: 1, ok: true },
      { process: 1, invoke: 2, complete: 3, ok: false },
      { process: 1, invoke: 4, complete: 5, ok: true },
      { process: 2, invoke: 6, complete: 7, ok: false },
      { process: 2, invoke: 8, complete: 9, ok: true },
    ]);
    const inGraph = Uint8Array.from([1, 1, 1, 0, 1]);
    const edges = new EdgeList();
    addOrderEdges(timings, inGraph, 10, edges);
    const processEdges = edgesOf(buildGraph(5, edges)).filter(([, , kind]) => (kind & PROCESS) !== 0);
    expect(processEdges.map(([from, to]) => [from, to])).toEqual([
      [0, 1],
      [0, 2],
    ]);
  });

  it('connects exactly the pairs in real-time order, on random histories, with few edges', () => {
    for (const seed of seeds(60, 500)) {
      const rng = new Rng(seed);
      const processes = rng.int(1, 6);
      const txnCount = rng.int(1, 60);
      // Each process runs its txns one after another; processes interleave at random.
      const intervals: { process: number; invoke: number; complete: number; ok: boolean }[] = [];
      const open = new Map<number, number>();
      let position = 0;
      let started = 0;
      while (started < txnCount || open.size > 0) {
        const process = rng.int(0, processes - 1);
        const current = open.get(process);
        if (current === undefined) {
          if (started === txnCount) continue;
          open.set(process, intervals.length);
          intervals.push({ process, invoke: position++, complete: -1, ok: rng.chance(0.8) });
          started++;
        } else {
          (intervals[current] as { complete: number }).complete = position++;
          open.delete(process);
        }
      }
      const inGraph = Uint8Array.from(intervals, () => (rng.chance(0.9) ? 1 : 0));
      const edges = new EdgeList();
      addOrderEdges(timingsOf(intervals), inGraph, position, edges);
      const graph = buildGraph(intervals.length, edges);
      const replay = `seed ${seed} (replay: CHECK_SEED=${seed} npx vitest run test/check/txn/graph.test.ts)`;
      const wrong: string[] = [];
      for (let a = 0; a < intervals.length; a++) {
        const reach = reachable(graph, a, REALTIME | PROCESS);
        for (let b = 0; b < intervals.length; b++) {
          const first = intervals[a] as { invoke: number; complete: number; ok: boolean };
          const second = intervals[b] as { invoke: number };
          const ordered = inGraph[a] === 1 && inGraph[b] === 1 && first.ok && first.complete < second.invoke;
          if (reach.has(b) !== ordered) wrong.push(`txn ${a} ${ordered ? 'should' : 'should not'} reach txn ${b}`);
        }
      }
      expect(wrong, replay).toEqual([]);
      expect(edges.length, replay).toBeLessThanOrEqual(intervals.length * (2 * processes + 1));
    }
  });
});
