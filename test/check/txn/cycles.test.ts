// The cycle search: naming cycles, cutting walks into cycles, and on random small graphs the
// same answers as enumerating every simple cycle: the worst kind of each component, every kind
// present, and the shortest length of each. Then its limits: the step budget costs examples,
// never verdicts; the time limit makes verdicts unknown. CHECK_SEED=N replays one random case.

import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/base/rng.js';
import type { CycleSearchOptions } from '../../../src/check/txn/cycles.js';
import { classifyCycle, searchCycles, simplifyWalk } from '../../../src/check/txn/cycles.js';
import type { DependencyGraph } from '../../../src/check/txn/graph.js';
import { ALL_EDGES, buildGraph, EdgeList, PROCESS, REALTIME, RW, stronglyConnectedComponents, WR, WW } from '../../../src/check/txn/graph.js';
import { ANOMALY_SEVERITY, forbiddenBy } from '../../../src/check/txn/models.js';
import type { CycleAnomalyName } from '../../../src/check/txn/types.js';
import { CONSISTENCY_MODELS } from '../../../src/check/txn/types.js';
import { checkTxns, TxnHistory, verdictsOf, writeSkewRing } from './helpers.js';

const ONLY_SEED = process.env['CHECK_SEED'] === undefined ? undefined : Number(process.env['CHECK_SEED']);

function seeds(count: number, base: number): number[] {
  if (ONLY_SEED !== undefined) return [ONLY_SEED];
  return Array.from({ length: count }, (_, i) => base + i);
}

const GENEROUS: CycleSearchOptions = { stepBudget: 10_000_000, examplesPerKind: 3, timeIsUp: () => false };

function graphOf(nodeCount: number, edges: readonly [number, number, number][]): DependencyGraph {
  const list = new EdgeList();
  for (const [from, to, kind] of edges) list.add(from, to, kind);
  return buildGraph(nodeCount, list);
}

describe('classifyCycle', () => {
  it('names cycles as Elle does', () => {
    expect(classifyCycle([WW, WW])).toBe('G0');
    expect(classifyCycle([WW, WR])).toBe('G1c');
    expect(classifyCycle([WR, RW])).toBe('G-single');
    expect(classifyCycle([RW, WR, RW, WW])).toBe('G-nonadjacent');
    expect(classifyCycle([RW, RW])).toBe('G2-item');
    // The last edge and the first are adjacent too.
    expect(classifyCycle([RW, WR, RW])).toBe('G2-item');
    expect(classifyCycle([WW, PROCESS])).toBe('G0-process');
    expect(classifyCycle([RW, PROCESS, REALTIME])).toBe('G-single-realtime');
    expect(classifyCycle([WR, REALTIME])).toBe('G1c-realtime');
  });
});

describe('simplifyWalk', () => {
  it('cuts a figure eight into the loop that has the wanted kind', () => {
    // 0 -> 1 -> 0 (ww, ww) then 0 -> 2 -> 0 (wr, rw).
    const walk = { nodes: [0, 1, 0, 2], kinds: [WW, WW, WR, RW] };
    expect(simplifyWalk(walk.nodes, walk.kinds, (kinds) => classifyCycle(kinds) === 'G-single')).toEqual({ nodes: [0, 2], kinds: [WR, RW] });
    expect(simplifyWalk(walk.nodes, walk.kinds, (kinds) => classifyCycle(kinds) === 'G0')).toEqual({ nodes: [0, 1], kinds: [WW, WW] });
    expect(simplifyWalk(walk.nodes, walk.kinds, (kinds) => classifyCycle(kinds) === 'G2-item')).toBeUndefined();
  });
});

/** Every simple cycle of a small graph, with every choice of kind on edges that have several. */
function allCycles(graph: DependencyGraph): { nodes: number[]; name: CycleAnomalyName }[] {
  const out: { nodes: number[]; name: CycleAnomalyName }[] = [];
  const kindsBetween = (u: number, v: number): number => {
    for (let e = graph.offsets[u] as number; e < (graph.offsets[u + 1] as number); e++) if (graph.targets[e] === v) return graph.kinds[e] as number;
    return 0;
  };
  const extend = (path: number[]): void => {
    const start = path[0] as number;
    const last = path[path.length - 1] as number;
    for (let e = graph.offsets[last] as number; e < (graph.offsets[last + 1] as number); e++) {
      const next = graph.targets[e] as number;
      if (next === start) {
        const choices = path.map((node, at) => kindsBetween(node, path[(at + 1) % path.length] as number));
        const expand = (at: number, chosen: number[]): void => {
          if (at === choices.length) {
            out.push({ nodes: [...path], name: classifyCycle(chosen) });
            return;
          }
          let bits = choices[at] as number;
          while (bits !== 0) {
            const bit = bits & -bits;
            bits ^= bit;
            expand(at + 1, [...chosen, bit]);
          }
        };
        expand(0, []);
      } else if (next > start && !path.includes(next)) {
        extend([...path, next]);
      }
    }
  };
  for (let start = 0; start < graph.nodeCount; start++) extend([start]);
  return out;
}

/** A random small graph: data edges anywhere, process and real-time edges only forward (they follow time). */
function randomGraph(rng: Rng): DependencyGraph {
  const n = rng.int(2, 7);
  const edges: [number, number, number][] = [];
  const edgeCount = rng.int(1, n * 3);
  for (let i = 0; i < edgeCount; i++) {
    const from = rng.int(0, n - 1);
    const to = rng.int(0, n - 1);
    const kind = rng.pick([WW, WR, RW, RW, WR, PROCESS, REALTIME]);
    if ((kind === PROCESS || kind === REALTIME) && from >= to) continue;
    edges.push([from, to, kind]);
  }
  return graphOf(n, edges);
}

const severityOf = (name: string): number => ANOMALY_SEVERITY.indexOf(name as CycleAnomalyName);

/** The edges a cycle of each kind may use: its components are the strongly connected ones of that sub-graph. */
function allowedEdges(name: string): number {
  const base = name.replace(/-(process|realtime)$/, '');
  const data = base === 'G0' ? WW : base === 'G1c' ? WW | WR : WW | WR | RW;
  return name.endsWith('-realtime') ? data | PROCESS | REALTIME : name.endsWith('-process') ? data | PROCESS : data;
}

/** Per kind, the number of components of its sub-graph that hold a simple cycle of it. */
function componentsPerKind(graph: DependencyGraph, truth: readonly { nodes: number[]; name: CycleAnomalyName }[]): Map<string, number> {
  const units = new Map<string, Set<number>>();
  for (const cycle of truth) {
    const label = stronglyConnectedComponents(graph, allowedEdges(cycle.name)).label;
    const set = units.get(cycle.name) ?? new Set<number>();
    set.add(label[cycle.nodes[0] as number] as number);
    units.set(cycle.name, set);
  }
  return new Map([...units].map(([name, set]) => [name, set.size]));
}

/** The worst kind of cycle in each strongly connected component, from every simple cycle. */
function worstPerComponent(graph: DependencyGraph, truth: readonly { nodes: number[]; name: CycleAnomalyName }[]): Set<string> {
  const components = stronglyConnectedComponents(graph, ALL_EDGES).label;
  const worst = new Map<number, string>();
  for (const cycle of truth) {
    const component = components[cycle.nodes[0] as number] as number;
    const current = worst.get(component);
    if (current === undefined || severityOf(cycle.name) < severityOf(current)) worst.set(component, cycle.name);
  }
  return new Set(worst.values());
}

describe('searchCycles against every simple cycle of random small graphs', () => {
  it('finds the worst kind of each component, every kind there is, and the shortest of each', () => {
    for (const seed of seeds(400, 7000)) {
      const replay = `seed ${seed} (replay: CHECK_SEED=${seed} npx vitest run test/check/txn/cycles.test.ts)`;
      const graph = randomGraph(new Rng(seed));
      const truth = allCycles(graph);
      const result = searchCycles(graph, GENEROUS);
      expect(result.complete, replay).toBe(true);
      const found = new Map<string, number>();
      for (const cycle of result.cycles) {
        // Each reported cycle is real and simple, and named by its own edges.
        expect(new Set(cycle.nodes).size, replay).toBe(cycle.nodes.length);
        expect(classifyCycle(cycle.kinds), replay).toBe(cycle.name);
        cycle.nodes.forEach((from, at) => {
          const to = cycle.nodes[(at + 1) % cycle.nodes.length] as number;
          let kinds = 0;
          for (let e = graph.offsets[from] as number; e < (graph.offsets[from + 1] as number); e++)
            if (graph.targets[e] === to) kinds = graph.kinds[e] as number;
          expect(kinds & (cycle.kinds[at] as number), `${replay}: edge ${from} -> ${to}`).not.toBe(0);
        });
        found.set(cycle.name, Math.min(found.get(cycle.name) ?? Number.POSITIVE_INFINITY, cycle.nodes.length));
      }
      const shortest = new Map<string, number>();
      for (const cycle of truth) shortest.set(cycle.name, Math.min(shortest.get(cycle.name) ?? Number.POSITIVE_INFINITY, cycle.nodes.length));
      expect(Object.fromEntries([...found].sort()), replay).toEqual(Object.fromEntries([...shortest].sort()));
      for (const worst of worstPerComponent(graph, truth)) expect(found.has(worst), `${replay}: worst ${worst}`).toBe(true);
      // Every component that holds a kind is counted for it, and no kind has more examples than components.
      expect(Object.fromEntries([...result.counts].sort()), replay).toEqual(Object.fromEntries([...componentsPerKind(graph, truth)].sort()));
      for (const [name, count] of result.counts) {
        expect(result.cycles.filter((cycle) => cycle.name === name).length, `${replay}: ${name}`).toBeLessThanOrEqual(count);
      }
    }
  });

  it('counts components, not cycles: each component once per kind it holds, with one example from each', () => {
    // Component {0, 1, 2}: two write skews through txn 0, and a ww cycle between 0 and 1 (so
    // also a G-single: 0 -ww-> 1 -rw-> 0). Component {3, 4}: one more write skew. Component
    // {5, 6}: a cycle only through real time.
    const graph = graphOf(7, [
      [0, 1, RW],
      [1, 0, RW],
      [0, 2, RW],
      [2, 0, RW],
      [0, 1, WW],
      [1, 0, WW],
      [3, 4, RW],
      [4, 3, RW],
      [5, 6, REALTIME],
      [6, 5, RW],
    ]);
    const result = searchCycles(graph, GENEROUS);
    expect(Object.fromEntries(result.counts)).toEqual({ G0: 1, 'G-single': 1, 'G2-item': 2, 'G-single-realtime': 1 });
    const skews = result.cycles.filter((cycle) => cycle.name === 'G2-item').map((cycle) => cycle.nodes);
    expect(skews).toEqual([
      [0, 1],
      [3, 4],
    ]);
  });

  it('finds the worst kind of each component with no budget at all (a G-nonadjacent may stand for a G-single)', () => {
    for (const seed of seeds(300, 9000)) {
      const replay = `seed ${seed} (replay: CHECK_SEED=${seed} npx vitest run test/check/txn/cycles.test.ts)`;
      const graph = randomGraph(new Rng(seed));
      const truth = allCycles(graph);
      const result = searchCycles(graph, { ...GENEROUS, stepBudget: 0 });
      const found = new Set<string>(result.cycles.map((cycle) => cycle.name));
      // Whether a G-single exists takes a reachability query per rw edge, more than linear time:
      // without budget, the cycle found may be a G-nonadjacent, which breaks the same models.
      for (const worst of worstPerComponent(graph, truth)) {
        const standIn = worst.replace('G-single', 'G-nonadjacent');
        expect(found.has(worst) || found.has(standIn), `${replay}: worst ${worst}`).toBe(true);
      }
      // Every model's verdict is the same as with every cycle known.
      for (const model of CONSISTENCY_MODELS) {
        const broken = (names: Iterable<string>) => [...names].some((name) => forbiddenBy(model, name as CycleAnomalyName));
        expect(broken(found), `${replay}: ${model}`).toBe(broken(truth.map((cycle) => cycle.name)));
      }
      for (const name of found)
        expect(
          truth.some((cycle) => cycle.name === name),
          `${replay}: ${name}`,
        ).toBe(true);
    }
  });
});

describe('limits', () => {
  it('spends no step budget on the verdicts: with none, a large component is still judged exactly', () => {
    const h = writeSkewRing(1000);
    const generous = checkTxns(h.events, 'txn-rw-register');
    const starved = checkTxns(h.events, 'txn-rw-register', { cycleStepBudget: 0 });
    expect(verdictsOf(starved)).toEqual(verdictsOf(generous));
    expect(verdictsOf(starved)).toEqual({
      'strict-serializable': 'invalid',
      serializable: 'invalid',
      'snapshot-isolation': 'valid',
      'repeatable-read': 'invalid',
      'read-committed': 'valid',
      'read-uncommitted': 'valid',
    });
    expect(starved.anomalies.has('G2-item')).toBe(true);
    expect(starved.notes.some((note) => note.includes('used its budget of 0 steps in a component of 1000 txns'))).toBe(true);
    expect(generous.notes.some((note) => note.includes('budget'))).toBe(false);
  });

  it('bounds the search over all components together, not only per component', () => {
    const h = new TxnHistory();
    for (let ring = 0; ring < 30; ring++) writeSkewRing(20, h, ring * 100);
    const result = checkTxns(h.events, 'txn-rw-register', { cycleStepBudget: 5 });
    expect(result.notes.some((note) => note.includes('used the budget of all components together (50 steps)'))).toBe(true);
    expect(verdictsOf(result)['serializable']).toBe('invalid');
    expect(verdictsOf(result)['snapshot-isolation']).toBe('valid');
  });

  it('gives unknown, never a guess, when the time limit runs out before the cycles are classified', () => {
    const h = writeSkewRing(50);
    // The clock jumps past the limit right after it is read to set the deadline.
    let calls = 0;
    const clock = () => (calls++ === 0 ? 0 : 1_000);
    const result = checkTxns(h.events, 'txn-rw-register', { now: clock, timeLimitMs: 10 });
    expect(result.verdict).toBe('unknown');
    expect(result.models.every((model) => model.valid === 'unknown')).toBe(true);
    expect(result.notes).toContain('the time limit ran out while cycles were being classified: components not reached may hide any cycle');
  });

  it('keeps a verdict that a non-cycle anomaly decides when time runs out', () => {
    const h = writeSkewRing(10);
    h.fail(100, [['w', 500, 1]]);
    h.ok(101, [['r', 500, 1]]);
    let calls = 0;
    const result = checkTxns(h.events, 'txn-rw-register', { now: () => (calls++ === 0 ? 0 : 1_000), timeLimitMs: 10 });
    expect(verdictsOf(result)).toEqual({
      'strict-serializable': 'invalid',
      serializable: 'invalid',
      'snapshot-isolation': 'invalid',
      'repeatable-read': 'invalid',
      'read-committed': 'invalid',
      'read-uncommitted': 'unknown',
    });
  });

  it('reports at most three examples of a kind, the shortest first', () => {
    // Five disjoint write skews, and one longer ring of three.
    const h = new TxnHistory();
    const pending = [];
    for (let pair = 0; pair < 5; pair++) {
      const x = 2 * pair;
      const y = 2 * pair + 1;
      pending.push(
        h.txn(10 * pair, [
          ['r', x, null],
          ['r', y, null],
          ['w', x, 1],
        ]),
      );
      pending.push(
        h.txn(10 * pair + 1, [
          ['r', x, null],
          ['r', y, null],
          ['w', y, 1],
        ]),
      );
    }
    for (const txn of pending) txn.ok();
    const result = checkTxns(h.events, 'txn-rw-register');
    const reports = result.anomalies.get('G2-item') ?? [];
    expect(reports.map((report) => report.txns.length)).toEqual([2, 2, 2]);
  });
});
