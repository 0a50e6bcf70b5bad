// Finds the cycles of a dependency graph and names them (G0, G1c, G-single, G-nonadjacent,
// G2-item, and their -process and -realtime variants). Pure. Two phases:
// 1. Exact, linear time: in every strongly connected component, one example of its worst
//    anomaly, from components of edge-restricted sub-graphs (worstCycleIn). Every model's verdict
//    rests on this phase alone, so the step budget never cuts it short.
// 2. Budgeted: breadth-first searches for the shortest example of each anomaly kind.
// Invariant: every cycle reported is a simple cycle named by the edges it really has.

import type { CycleAnomaly, CycleAnomalyName } from './types.js';
import type { DependencyGraph } from './graph.js';
import { ALL_EDGES, DATA_EDGES, PROCESS, REALTIME, RW, stronglyConnectedComponents, WR, WW } from './graph.js';

export interface FoundCycle {
  readonly name: CycleAnomalyName;
  /** Txn ids in cycle order. */
  readonly nodes: readonly number[];
  /** One kind bit per edge: kinds[i] is the edge nodes[i] -> nodes[(i + 1) % n]. */
  readonly kinds: readonly number[];
}

export interface CycleSearchOptions {
  /** Search steps (edges tried) allowed per strongly connected component in phase 2. */
  readonly stepBudget: number;
  /** How many examples of each kind to keep (the shortest). */
  readonly examplesPerKind: number;
  /** True once the caller's time limit has passed. */
  readonly timeIsUp: () => boolean;
}

export interface CycleSearchResult {
  /** The shortest examples found, at most examplesPerKind per name. */
  readonly cycles: readonly FoundCycle[];
  /** False when time ran out before every component was classified: then a cycle may hide anywhere. */
  readonly complete: boolean;
  /**
   * Per kind, the number of components in which a cycle of that kind was found, a kind's
   * components being the strongly connected components of the sub-graph of the edges its cycles
   * may use (ww for G0; ww and wr for G1c; ww, wr and rw for the others; plus process edges for
   * the -process kinds, and process and real-time edges for the -realtime kinds). Each component
   * is searched for every kind it may hold, so the counts are exact unless a note says the
   * budget or the time limit cut the search short; the examples in `cycles` come from as many
   * components at most.
   */
  readonly counts: ReadonlyMap<CycleAnomalyName, number>;
  readonly componentCount: number;
  readonly notes: readonly string[];
}

/** Phase 2 spends at most this many components' budgets in all. */
const TOTAL_BUDGET_COMPONENTS = 10;

const CYCLE_KINDS: readonly CycleAnomaly[] = ['G0', 'G1c', 'G-single', 'G-nonadjacent', 'G2-item'];

/** Elle's classification: rw edges decide the kind; a real-time edge, else a process edge, the suffix. */
export function classifyCycle(kinds: readonly number[]): CycleAnomalyName {
  let rw = 0;
  let wr = 0;
  let adjacentRw = false;
  let present = 0;
  for (let i = 0; i < kinds.length; i++) {
    const kind = kinds[i] as number;
    present |= kind;
    if (kind === RW) {
      rw++;
      if (kinds[(i + 1) % kinds.length] === RW) adjacentRw = true;
    } else if (kind === WR) wr++;
  }
  const base: CycleAnomaly = rw === 1 ? 'G-single' : rw > 1 ? (adjacentRw ? 'G2-item' : 'G-nonadjacent') : wr > 0 ? 'G1c' : 'G0';
  if ((present & REALTIME) !== 0) return `${base}-realtime`;
  if ((present & PROCESS) !== 0) return `${base}-process`;
  return base;
}

/** True when no two rw edges follow each other, the last and the first included. */
function rwNeverAdjacent(kinds: readonly number[]): boolean {
  for (let i = 0; i < kinds.length; i++) if (kinds[i] === RW && kinds[(i + 1) % kinds.length] === RW) return false;
  return true;
}

/**
 * Cuts a closed walk at a repeated node into two shorter closed walks, recursively, until one is
 * a simple cycle that `accept` takes (or none is). Each split keeps every edge in exactly one part.
 */
export function simplifyWalk(
  nodes: readonly number[],
  kinds: readonly number[],
  accept: (kinds: readonly number[]) => boolean,
): { nodes: number[]; kinds: number[] } | undefined {
  const firstSeen = new Map<number, number>();
  for (let j = 0; j < nodes.length; j++) {
    const i = firstSeen.get(nodes[j] as number);
    if (i === undefined) {
      firstSeen.set(nodes[j] as number, j);
      continue;
    }
    const inner = simplifyWalk(nodes.slice(i, j), kinds.slice(i, j), accept);
    if (inner !== undefined) return inner;
    return simplifyWalk([...nodes.slice(j), ...nodes.slice(0, i)], [...kinds.slice(j), ...kinds.slice(0, i)], accept);
  }
  return accept(kinds) ? { nodes: [...nodes], kinds: [...kinds] } : undefined;
}

/**
 * The cycles found, per kind: which components hold one (each counted once), and the shortest
 * examples, at most one per component so that no kind has more examples than components. A
 * kind's components are the strongly connected components of the sub-graph of the edges its
 * cycles may use (`unitOf`): every cycle of the kind lies in exactly one of them.
 */
class ExampleShelf {
  private readonly byName = new Map<CycleAnomalyName, { readonly cycle: FoundCycle; readonly unit: number }[]>();
  private readonly units = new Map<CycleAnomalyName, Set<number>>();

  constructor(
    private readonly perKind: number,
    private readonly unitOf: (name: CycleAnomalyName, node: number) => number,
  ) {}

  offer(nodes: readonly number[], kinds: readonly number[]): void {
    const name = classifyCycle(kinds);
    const unit = this.unitOf(name, nodes[0] as number);
    let units = this.units.get(name);
    if (units === undefined) {
      units = new Set();
      this.units.set(name, units);
    }
    units.add(unit);
    let shelf = this.byName.get(name);
    if (shelf === undefined) {
      shelf = [];
      this.byName.set(name, shelf);
    }
    const sameUnit = shelf.findIndex((entry) => entry.unit === unit);
    if (sameUnit !== -1) {
      if ((shelf[sameUnit]?.cycle.nodes.length as number) <= nodes.length) return;
      shelf.splice(sameUnit, 1);
    } else if (shelf.length === this.perKind && (shelf[shelf.length - 1]?.cycle.nodes.length as number) <= nodes.length) {
      return;
    }
    let start = 0;
    for (let i = 1; i < nodes.length; i++) if ((nodes[i] as number) < (nodes[start] as number)) start = i;
    const cycle = { name, nodes: [...nodes.slice(start), ...nodes.slice(0, start)], kinds: [...kinds.slice(start), ...kinds.slice(0, start)] };
    shelf.push({ cycle, unit });
    shelf.sort((a, b) => a.cycle.nodes.length - b.cycle.nodes.length || (a.cycle.nodes[0] as number) - (b.cycle.nodes[0] as number));
    if (shelf.length > this.perKind) shelf.pop();
  }

  /** Whether a cycle of `name` was found in its component `unit`. */
  has(name: CycleAnomalyName, unit: number): boolean {
    return this.units.get(name)?.has(unit) === true;
  }

  /** Examples from component `unit` longer than this cannot make the shelf for `name`. */
  longestUseful(name: CycleAnomalyName, unit: number): number {
    const shelf = this.byName.get(name) ?? [];
    const own = shelf.find((entry) => entry.unit === unit);
    if (own !== undefined) return own.cycle.nodes.length - 1;
    if (shelf.length < this.perKind) return Number.POSITIVE_INFINITY;
    return (shelf[shelf.length - 1]?.cycle.nodes.length as number) - 1;
  }

  /** Per kind, the number of components in which a cycle of it was found. */
  counts(): Map<CycleAnomalyName, number> {
    return new Map([...this.units].map(([name, units]) => [name, units.size]));
  }

  all(): FoundCycle[] {
    return [...this.byName.values()].flatMap((shelf) => shelf.map((entry) => entry.cycle));
  }
}

/** Nodes grouped by component label, ascending within a group. */
function groupMembers(label: Int32Array, count: number): { offsets: Int32Array; nodes: Int32Array } {
  const offsets = new Int32Array(count + 1);
  for (let u = 0; u < label.length; u++) {
    const l = label[u] as number;
    if (l >= 0) offsets[l + 1] = (offsets[l + 1] as number) + 1;
  }
  for (let l = 0; l < count; l++) offsets[l + 1] = (offsets[l + 1] as number) + (offsets[l] as number);
  const fill = offsets.slice(0, count);
  const nodes = new Int32Array(offsets[count] as number);
  for (let u = 0; u < label.length; u++) {
    const l = label[u] as number;
    if (l < 0) continue;
    nodes[fill[l] as number] = u;
    fill[l] = (fill[l] as number) + 1;
  }
  return { offsets, nodes };
}

/** Breadth-first search scratch space, reused across searches (sized to the graph once). */
class PathFinder {
  private readonly visited: Int32Array;
  private readonly parent: Int32Array;
  private readonly parentKind: Uint8Array;
  private readonly queue: Int32Array;
  private stamp = 0;

  constructor(private readonly graph: DependencyGraph) {
    this.visited = new Int32Array(graph.nodeCount);
    this.parent = new Int32Array(graph.nodeCount);
    this.parentKind = new Uint8Array(graph.nodeCount);
    this.queue = new Int32Array(graph.nodeCount);
  }

  /**
   * A shortest path from `from` to `to` over edges of a kind in `mask` between nodes of one
   * `label`, as nodes (from .. to) and the kind bit of each edge; with from === to, a shortest
   * cycle through it. Undefined when there is none.
   */
  shortestPath(from: number, to: number, mask: number, label: Int32Array): { nodes: number[]; kinds: number[] } | undefined {
    const { offsets, targets, kinds } = this.graph;
    const region = label[from] as number;
    const stamp = ++this.stamp;
    this.visited[from] = stamp;
    let head = 0;
    let tail = 0;
    this.queue[tail++] = from;
    while (head < tail) {
      const u = this.queue[head++] as number;
      const end = offsets[u + 1] as number;
      for (let e = offsets[u] as number; e < end; e++) {
        const usable = (kinds[e] as number) & mask;
        if (usable === 0) continue;
        const v = targets[e] as number;
        if (label[v] !== region) continue;
        if (v === to) return this.unwind(from, u, to, usable & -usable);
        if (this.visited[v] === stamp) continue;
        this.visited[v] = stamp;
        this.parent[v] = u;
        this.parentKind[v] = usable & -usable;
        this.queue[tail++] = v;
      }
    }
    return undefined;
  }

  private unwind(from: number, last: number, to: number, lastKind: number): { nodes: number[]; kinds: number[] } {
    const nodes = [to];
    const kinds = [lastKind];
    let at = last;
    while (at !== from) {
      nodes.push(at);
      kinds.push(this.parentKind[at] as number);
      at = this.parent[at] as number;
    }
    nodes.push(from);
    nodes.reverse();
    kinds.reverse();
    return { nodes, kinds };
  }
}

/** What phase 2 looks for: an automaton over edge kinds, run in a breadth-first search. */
interface CycleSpec {
  readonly name: CycleAnomalyName;
  readonly allowed: number;
  readonly rwMode: 'none' | 'single' | 'nonadjacent' | 'adjacent';
  readonly needsWr: boolean;
  /** PROCESS or REALTIME for the variants (the cycle must have one), else 0. */
  readonly needs: number;
  /** Upper bound of distinct automaton states. */
  readonly stateBound: number;
}

const HAS_WR = 1;
const HAS_NEEDED = 2;
const RW_SHIFT = 2;
const LAST_RW = 16;
const FIRST_RW = 32;
const ADJACENT = 64;

function cycleSpecs(): CycleSpec[] {
  const specs: CycleSpec[] = [];
  for (const [suffix, extra, needs] of [
    ['', 0, 0],
    ['-process', PROCESS, PROCESS],
    ['-realtime', PROCESS | REALTIME, REALTIME],
  ] as const) {
    const variantStates = needs === 0 ? 1 : 2;
    for (const base of CYCLE_KINDS) {
      const name = `${base}${suffix}` as CycleAnomalyName;
      if (base === 'G0') specs.push({ name, allowed: WW | extra, rwMode: 'none', needsWr: false, needs, stateBound: variantStates });
      else if (base === 'G1c') specs.push({ name, allowed: WW | WR | extra, rwMode: 'none', needsWr: true, needs, stateBound: 2 * variantStates });
      else if (base === 'G-single') specs.push({ name, allowed: DATA_EDGES | extra, rwMode: 'single', needsWr: false, needs, stateBound: 2 * variantStates });
      else if (base === 'G-nonadjacent')
        specs.push({ name, allowed: DATA_EDGES | extra, rwMode: 'nonadjacent', needsWr: false, needs, stateBound: 12 * variantStates });
      else specs.push({ name, allowed: DATA_EDGES | extra, rwMode: 'adjacent', needsWr: false, needs, stateBound: 24 * variantStates });
    }
  }
  return specs;
}

const CYCLE_SPECS: readonly CycleSpec[] = cycleSpecs();
/** The edges each kind's cycles may use: its components are the strongly connected ones of that sub-graph. */
const ALLOWED_EDGES: ReadonlyMap<CycleAnomalyName, number> = new Map(CYCLE_SPECS.map((spec) => [spec.name, spec.allowed]));

/** What a search cut short by its budget or the time limit leaves out. */
const CUT_SHORT =
  'shorter examples may exist, and cycle kinds may be counted in fewer components than hold them (the worst kind of each component always counts); verdicts do not depend on it';

/** The automaton's next state after an edge of one kind, or -1 when the cycle can no longer be of the spec's kind. */
function nextState(spec: CycleSpec, state: number, kind: number, firstEdge: boolean): number {
  let next = state;
  if (kind === RW) {
    if (spec.rwMode === 'none') return -1;
    const count = (state >> RW_SHIFT) & 3;
    if (spec.rwMode === 'single') return count >= 1 ? -1 : next | (1 << RW_SHIFT);
    if ((state & LAST_RW) !== 0) {
      if (spec.rwMode === 'nonadjacent') return -1;
      next |= ADJACENT;
    }
    next = (next & ~(3 << RW_SHIFT)) | (Math.min(count + 1, 2) << RW_SHIFT) | LAST_RW;
    if (firstEdge) next |= FIRST_RW;
    return next;
  }
  next &= ~LAST_RW;
  if (kind === WR && spec.needsWr) next |= HAS_WR;
  if (kind === spec.needs) next |= HAS_NEEDED;
  return next;
}

function accepts(spec: CycleSpec, state: number): boolean {
  if (spec.needsWr && (state & HAS_WR) === 0) return false;
  if (spec.needs !== 0 && (state & HAS_NEEDED) === 0) return false;
  const count = (state >> RW_SHIFT) & 3;
  const wraps = (state & LAST_RW) !== 0 && (state & FIRST_RW) !== 0;
  switch (spec.rwMode) {
    case 'none':
      return count === 0;
    case 'single':
      return count === 1;
    case 'nonadjacent':
      return count === 2 && !wraps;
    case 'adjacent':
      return count === 2 && ((state & ADJACENT) !== 0 || wraps);
  }
}

/** Phase 2's work counter for one component: steps left, and whether time is up. */
interface Budget {
  left: number;
  /** Steps left for all components together, so many mid-sized components stay bounded too. */
  readonly total: { left: number };
  readonly timeIsUp: () => boolean;
  timedOut: boolean;
}

function spend(budget: Budget): boolean {
  budget.left--;
  budget.total.left--;
  if ((budget.left & 1023) === 0 && budget.timeIsUp()) budget.timedOut = true;
  return budget.left >= 0 && budget.total.left >= 0 && !budget.timedOut;
}

/**
 * The shortest cycle of one spec in one component of its sub-graph, of at most `longest` txns:
 * from each member s in turn, a breadth-first search over (node, automaton state) that visits
 * only members after s, so each cycle is met from its first member. A shortest closed walk may
 * repeat a node; it is cut down to a simple cycle of the kind, or passed over. Once one is
 * found, only cycles of at most `useful` txns are still worth the search.
 */
function shortestCycleOfSpec(
  graph: DependencyGraph,
  spec: CycleSpec,
  members: Int32Array,
  label: Int32Array,
  localOf: Int32Array,
  longest: number,
  useful: number,
  budget: Budget,
): { nodes: number[]; kinds: number[] } | undefined {
  const { offsets, targets, kinds } = graph;
  const region = label[members[0] as number] as number;
  const size = members.length;
  for (let i = 0; i < size; i++) localOf[members[i] as number] = i;
  const stateIds = new Int32Array(128).fill(-1);
  let stateCount = 0;
  const stateId = (state: number): number => {
    let id = stateIds[state] as number;
    if (id === -1) {
      id = stateCount++;
      if (id >= spec.stateBound) throw new Error(`${spec.name}: more automaton states than ${spec.stateBound}`);
      stateIds[state] = id;
    }
    return id;
  };
  const dense = size * spec.stateBound <= 1 << 22;
  const visitedDense = dense ? new Int32Array(size * spec.stateBound) : undefined;
  const visitedSparse = dense ? undefined : new Set<number>();
  let best: { nodes: number[]; kinds: number[] } | undefined;
  let bound = longest;
  const queueNode: number[] = [];
  const queueState: number[] = [];
  const queueParent: number[] = [];
  const queueKind: number[] = [];
  const onPath = new Uint8Array(size);
  for (let start = 0; start < size && bound >= 2; start++) {
    const startNode = members[start] as number;
    const stamp = start + 1;
    visitedSparse?.clear();
    queueNode.length = 0;
    queueState.length = 0;
    queueParent.length = 0;
    queueKind.length = 0;
    queueNode.push(startNode);
    queueState.push(0);
    queueParent.push(-1);
    queueKind.push(0);
    let head = 0;
    let layerEnd = 1;
    let depth = 0;
    let rejectedWalk = false;
    search: while (head < queueNode.length && depth + 1 <= bound) {
      const entry = head++;
      const u = queueNode[entry] as number;
      const state = queueState[entry] as number;
      const end = offsets[u + 1] as number;
      for (let e = offsets[u] as number; e < end; e++) {
        let usable = (kinds[e] as number) & spec.allowed;
        if (usable === 0) continue;
        const v = targets[e] as number;
        if (label[v] !== region) continue;
        const local = localOf[v] as number;
        if (local < start) continue;
        while (usable !== 0) {
          const kind = usable & -usable;
          usable ^= kind;
          if (!spend(budget)) return best;
          const next = nextState(spec, state, kind, depth === 0);
          if (next < 0) continue;
          if (local === start) {
            if (!accepts(spec, next)) continue;
            const walk = unwindWalk(queueNode, queueParent, queueKind, entry, kind);
            const simple = simplifyWalk(walk.nodes, walk.kinds, (cycle) => classifyCycle(cycle) === spec.name);
            if (simple === undefined) {
              rejectedWalk = true;
              continue;
            }
            best = simple;
            bound = Math.min(simple.nodes.length - 1, useful);
            break search;
          }
          const key = local * spec.stateBound + stateId(next);
          if (visitedDense !== undefined) {
            if (visitedDense[key] === stamp) continue;
            visitedDense[key] = stamp;
          } else {
            if ((visitedSparse as Set<number>).has(key)) continue;
            (visitedSparse as Set<number>).add(key);
          }
          queueNode.push(v);
          queueState.push(next);
          queueParent.push(entry);
          queueKind.push(kind);
        }
      }
      if (head === layerEnd) {
        depth++;
        layerEnd = queueNode.length;
      }
    }
    // A closed walk of the kind exists through this start, but the shortest ones repeat a node
    // and hold no simple cycle of the kind: the search over (node, state) pairs may have passed
    // the simple cycle by. Enumerate simple paths instead (exponential, so within the budget).
    if (rejectedWalk) {
      const found = shortestSimpleCycleFrom(graph, spec, start, members, region, label, localOf, onPath, bound, budget);
      if (found !== undefined) {
        best = found;
        bound = Math.min(found.nodes.length - 1, useful);
      }
      if (budget.left < 0 || budget.timedOut) return best;
    }
  }
  return best;
}

/**
 * Depth-first over simple paths from members[start] through later members only, tracking the
 * automaton, keeping the shortest cycle of the spec no longer than `bound` (branch and bound).
 */
function shortestSimpleCycleFrom(
  graph: DependencyGraph,
  spec: CycleSpec,
  start: number,
  members: Int32Array,
  region: number,
  label: Int32Array,
  localOf: Int32Array,
  onPath: Uint8Array,
  bound: number,
  budget: Budget,
): { nodes: number[]; kinds: number[] } | undefined {
  const { offsets, targets, kinds } = graph;
  const startNode = members[start] as number;
  const pathNodes = [startNode];
  const pathKinds: number[] = [];
  const pathStates = [0];
  const cursor = [offsets[startNode] as number];
  const kindsLeft = [0];
  let best: { nodes: number[]; kinds: number[] } | undefined;
  let limit = bound;
  onPath[start] = 1;
  while (pathNodes.length > 0) {
    const depth = pathNodes.length - 1;
    const u = pathNodes[depth] as number;
    if (kindsLeft[depth] === 0) {
      const end = offsets[u + 1] as number;
      let e = cursor[depth] as number;
      while (e < end) {
        const v = targets[e] as number;
        const usable = (kinds[e] as number) & spec.allowed;
        if (usable !== 0 && label[v] === region) {
          const local = localOf[v] as number;
          if (local === start || (local > start && onPath[local] === 0)) break;
        }
        e++;
      }
      if (e === end) {
        onPath[localOf[u] as number] = 0;
        pathNodes.pop();
        pathKinds.pop();
        pathStates.pop();
        cursor.pop();
        kindsLeft.pop();
        continue;
      }
      cursor[depth] = e;
      kindsLeft[depth] = (kinds[e] as number) & spec.allowed;
    }
    const e = cursor[depth] as number;
    const left = kindsLeft[depth] as number;
    const kind = left & -left;
    kindsLeft[depth] = left ^ kind;
    if (kindsLeft[depth] === 0) cursor[depth] = e + 1;
    if (!spend(budget)) break;
    const next = nextState(spec, pathStates[depth] as number, kind, depth === 0);
    if (next < 0) continue;
    const v = targets[e] as number;
    if (v === startNode) {
      if (depth + 1 > limit || !accepts(spec, next)) continue;
      const cycleKinds = [...pathKinds, kind];
      if (classifyCycle(cycleKinds) !== spec.name) continue;
      best = { nodes: [...pathNodes], kinds: cycleKinds };
      limit = depth;
      continue;
    }
    if (depth + 2 > limit) continue;
    onPath[localOf[v] as number] = 1;
    pathNodes.push(v);
    pathKinds.push(kind);
    pathStates.push(next);
    cursor.push(offsets[v] as number);
    kindsLeft.push(0);
  }
  for (const node of pathNodes) onPath[localOf[node] as number] = 0;
  return best;
}

function unwindWalk(queueNode: number[], queueParent: number[], queueKind: number[], last: number, closingKind: number): { nodes: number[]; kinds: number[] } {
  const nodes: number[] = [];
  const kinds: number[] = [closingKind];
  let at = last;
  while (at !== -1) {
    nodes.push(queueNode[at] as number);
    const parent = queueParent[at] as number;
    if (parent !== -1) kinds.push(queueKind[at] as number);
    at = parent;
  }
  nodes.reverse();
  kinds.reverse();
  return { nodes, kinds };
}

export function searchCycles(graph: DependencyGraph, options: CycleSearchOptions): CycleSearchResult {
  const full = stronglyConnectedComponents(graph, ALL_EDGES);
  if (full.count === 0) return { cycles: [], complete: true, componentCount: 0, counts: new Map(), notes: [] };
  const labelsByMask = new Map<number, { label: Int32Array; count: number }>([[ALL_EDGES, full]]);
  const componentsOf = (mask: number): { label: Int32Array; count: number } => {
    let components = labelsByMask.get(mask);
    if (components === undefined) {
      components = stronglyConnectedComponents(graph, mask, full.label);
      labelsByMask.set(mask, components);
    }
    return components;
  };
  const groupsByMask = new Map<number, { offsets: Int32Array; nodes: Int32Array }>();
  const membersOf = (mask: number): { offsets: Int32Array; nodes: Int32Array } => {
    let groups = groupsByMask.get(mask);
    if (groups === undefined) {
      const components = componentsOf(mask);
      groups = groupMembers(components.label, components.count);
      groupsByMask.set(mask, groups);
    }
    return groups;
  };
  const shelf = new ExampleShelf(options.examplesPerKind, (name, node) => componentsOf(ALLOWED_EDGES.get(name) as number).label[node] as number);
  const finder = new PathFinder(graph);
  const notes: string[] = [];

  // Phase 1: the worst anomaly of every component. Data cycles first; a component without any
  // is searched with process edges; one without those either, with real-time edges too.
  const fullHasCycleOf = (mask: number): Uint8Array => {
    const has = new Uint8Array(full.count);
    const label = componentsOf(mask).label;
    for (let u = 0; u < label.length; u++) if ((label[u] as number) >= 0) has[full.label[u] as number] = 1;
    return has;
  };
  const withData = fullHasCycleOf(DATA_EDGES);
  const withDataOrProcess = fullHasCycleOf(DATA_EDGES | PROCESS);
  const tiers = [
    { extra: 0, skip: undefined },
    { extra: PROCESS, skip: withData },
    { extra: PROCESS | REALTIME, skip: withDataOrProcess },
  ];
  let complete = true;
  // Components (mask/label) where phase 1 proved no cycle without two rw edges in a row.
  const ruledOutNonadjacent = new Set<string>();
  phase1: for (const tier of tiers) {
    const components = componentsOf(DATA_EDGES | tier.extra);
    const groups = membersOf(DATA_EDGES | tier.extra);
    for (let c = 0; c < components.count; c++) {
      const members = groups.nodes.subarray(groups.offsets[c] as number, groups.offsets[c + 1] as number);
      if (tier.skip !== undefined && tier.skip[full.label[members[0] as number] as number] === 1) continue;
      if (options.timeIsUp()) {
        complete = false;
        break phase1;
      }
      const worst = worstCycleIn(graph, members, components.label, tier.extra, componentsOf, finder);
      shelf.offer(worst.nodes, worst.kinds);
      if (worst.noNonadjacent) ruledOutNonadjacent.add(`${DATA_EDGES | tier.extra}/${c}`);
    }
  }
  if (!complete) {
    notes.push('the time limit ran out while cycles were being classified: components not reached may hide any cycle');
    return { cycles: shelf.all(), complete, componentCount: full.count, counts: shelf.counts(), notes };
  }

  // Phase 2: in every component, each kind it may hold: a component where none was found yet is
  // searched for any (so that it is counted), one already counted only for a shorter example.
  const budgets = new Map<number, Budget>();
  const total = { left: options.stepBudget * TOTAL_BUDGET_COMPONENTS };
  const stoppedAt = new Map<number, CycleAnomalyName>();
  const localOf = new Int32Array(graph.nodeCount);
  let timedOut = false;
  let exhausted = false;
  phase2: for (const spec of CYCLE_SPECS) {
    const components = componentsOf(spec.allowed);
    const wanted = spec.needsWr ? WR : spec.rwMode !== 'none' ? RW : 0;
    const eligible = componentsHolding(graph, components.label, components.count, wanted, spec.needs);
    const groups = membersOf(spec.allowed);
    for (let c = 0; c < components.count; c++) {
      if (eligible[c] !== 1) continue;
      if ((spec.rwMode === 'nonadjacent' || spec.rwMode === 'single') && ruledOutNonadjacent.has(`${spec.allowed}/${c}`)) continue;
      const useful = shelf.longestUseful(spec.name, c);
      const longest = shelf.has(spec.name, c) ? useful : Number.POSITIVE_INFINITY;
      if (longest < 2) continue;
      const members = groups.nodes.subarray(groups.offsets[c] as number, groups.offsets[c + 1] as number);
      const owner = full.label[members[0] as number] as number;
      let budget = budgets.get(owner);
      if (budget === undefined) {
        budget = { left: options.stepBudget, total, timeIsUp: options.timeIsUp, timedOut: false };
        budgets.set(owner, budget);
      }
      if (budget.left <= 0) {
        if (!stoppedAt.has(owner)) stoppedAt.set(owner, spec.name);
        continue;
      }
      if (total.left <= 0) {
        exhausted = true;
        break phase2;
      }
      const found = shortestCycleOfSpec(graph, spec, members, components.label, localOf, longest, useful, budget);
      if (found !== undefined) shelf.offer(found.nodes, found.kinds);
      if (budget.timedOut) {
        timedOut = true;
        break phase2;
      }
      if (budget.left <= 0 && !stoppedAt.has(owner)) stoppedAt.set(owner, spec.name);
    }
  }
  if (exhausted || total.left < 0) {
    notes.push(
      `the search for shortest examples used the budget of all components together (${options.stepBudget * TOTAL_BUDGET_COMPONENTS} steps): ${CUT_SHORT}`,
    );
  }
  if (timedOut) {
    notes.push(`the time limit ran out during the search for shortest examples: ${CUT_SHORT}`);
  }
  if (stoppedAt.size > 0) {
    const [owner, name] = stoppedAt.entries().next().value as [number, CycleAnomalyName];
    let size = 0;
    for (let u = 0; u < full.label.length; u++) if (full.label[u] === owner) size++;
    const others = stoppedAt.size > 1 ? ` (and in ${stoppedAt.size - 1} more components)` : '';
    notes.push(
      `the search for shortest examples used its budget of ${options.stepBudget} steps in a component of ${size} txns while looking for ${name}${others}: for that and later kinds, ${CUT_SHORT}`,
    );
  }
  return { cycles: shelf.all(), complete: true, componentCount: full.count, counts: shelf.counts(), notes };
}

/** Which components hold, between their own members, an edge of kind `a` (if any) and one of kind `b` (if any). */
function componentsHolding(graph: DependencyGraph, label: Int32Array, count: number, a: number, b: number): Uint8Array {
  const flags = new Uint8Array(count);
  const { offsets, targets, kinds } = graph;
  for (let u = 0; u < graph.nodeCount; u++) {
    const l = label[u] as number;
    if (l < 0) continue;
    const end = offsets[u + 1] as number;
    for (let e = offsets[u] as number; e < end; e++) {
      if (label[targets[e] as number] !== l) continue;
      const kind = kinds[e] as number;
      if (a !== 0 && (kind & a) !== 0) flags[l] = (flags[l] as number) | 1;
      if (b !== 0 && (kind & b) !== 0) flags[l] = (flags[l] as number) | 2;
    }
  }
  const want = (a !== 0 ? 1 : 0) | (b !== 0 ? 2 : 0);
  for (let l = 0; l < count; l++) flags[l] = ((flags[l] as number) & want) === want ? 1 : 0;
  return flags;
}

/**
 * The worst cycle of one component of the graph over DATA_EDGES | extra, where (for extra ≠ 0)
 * the lower tiers found no cycle, so every cycle here needs an `extra` edge. In linear time:
 * - a ww(+extra) cycle exists iff the ww sub-graph has a component here: G0;
 * - else a cycle with a wr exists iff a wr edge joins two nodes of one ww+wr component: G1c;
 * - else an rw edge joining two nodes of one ww+wr component closes a G-single (a G-single whose
 *   rw edge leaves every ww+wr component needs a reachability query per rw edge: left to phase 2);
 * - else a cycle with no two rw in a row (G-single or G-nonadjacent) exists iff the graph of
 *   (node, "last edge was rw") pairs has a cycle; its closed walk splits into simple cycles one of
 *   which keeps the property;
 * - else any cycle here: G2-item.
 * So the worst kind is exact, except that a G-nonadjacent may stand for a G-single phase 2 finds.
 * The four first kinds break the same models, so verdicts are exact. `noNonadjacent` says the
 * fourth step ran and found no cycle without two rw in a row: no G-single or G-nonadjacent here.
 */
function worstCycleIn(
  graph: DependencyGraph,
  members: Int32Array,
  label: Int32Array,
  extra: number,
  componentsOf: (mask: number) => { label: Int32Array; count: number },
  finder: PathFinder,
): { nodes: number[]; kinds: number[]; noNonadjacent?: boolean } {
  const writes = componentsOf(WW | extra).label;
  for (const x of members) {
    if ((writes[x] as number) < 0) continue;
    const cycle = finder.shortestPath(x, x, WW | extra, writes);
    if (cycle !== undefined) return closeCycle(cycle);
  }
  const writesReads = componentsOf(WW | WR | extra).label;
  const { offsets, targets, kinds } = graph;
  for (const bit of [WR, RW]) {
    for (const x of members) {
      const l = writesReads[x] as number;
      if (l < 0) continue;
      const end = offsets[x + 1] as number;
      for (let e = offsets[x] as number; e < end; e++) {
        const y = targets[e] as number;
        if (((kinds[e] as number) & bit) === 0 || writesReads[y] !== l) continue;
        const back = finder.shortestPath(y, x, WW | WR | extra, writesReads);
        if (back === undefined) continue;
        return { nodes: [x, ...back.nodes.slice(0, -1)], kinds: [bit, ...back.kinds] };
      }
    }
  }
  const walk = nonadjacentWalk(graph, members, label, DATA_EDGES | extra);
  if (walk !== undefined) {
    const simple = simplifyWalk(walk.nodes, walk.kinds, rwNeverAdjacent);
    if (simple !== undefined) return simple;
  }
  const any = finder.shortestPath(members[0] as number, members[0] as number, DATA_EDGES | extra, label);
  if (any === undefined) throw new Error('a strongly connected component without a cycle');
  return { ...closeCycle(any), noNonadjacent: walk === undefined };
}

/** A path from x back to x, as a cycle: drop the repeated last node. */
function closeCycle(path: { nodes: number[]; kinds: number[] }): { nodes: number[]; kinds: number[] } {
  return { nodes: path.nodes.slice(0, -1), kinds: path.kinds };
}

/**
 * A closed walk with no two rw edges in a row (wrapping included), if there is one in this
 * component: a cycle in the graph of pairs (node, last edge was rw), where an rw edge may only
 * leave a pair whose last edge was not rw.
 */
function nonadjacentWalk(graph: DependencyGraph, members: Int32Array, label: Int32Array, mask: number): { nodes: number[]; kinds: number[] } | undefined {
  const region = label[members[0] as number] as number;
  const localOf = new Map<number, number>();
  members.forEach((node, at) => {
    localOf.set(node, at);
  });
  // Pair (local, afterRw) is node local * 2 + afterRw.
  const pairCount = members.length * 2;
  const degree = new Int32Array(pairCount + 1);
  const { offsets, targets, kinds } = graph;
  const forEachPairEdge = (visit: (from: number, to: number, kind: number) => void): void => {
    members.forEach((u, local) => {
      const end = offsets[u + 1] as number;
      for (let e = offsets[u] as number; e < end; e++) {
        const v = targets[e] as number;
        if (label[v] !== region) continue;
        const usable = (kinds[e] as number) & mask;
        const to = localOf.get(v) as number;
        const other = usable & ~RW;
        if (other !== 0) {
          visit(local * 2, to * 2, other & -other);
          visit(local * 2 + 1, to * 2, other & -other);
        }
        if ((usable & RW) !== 0) visit(local * 2, to * 2 + 1, RW);
      }
    });
  };
  forEachPairEdge((from) => {
    degree[from + 1] = (degree[from + 1] as number) + 1;
  });
  for (let p = 0; p < pairCount; p++) degree[p + 1] = (degree[p + 1] as number) + (degree[p] as number);
  const fill = degree.slice(0, pairCount);
  const pairTargets = new Int32Array(degree[pairCount] as number);
  const pairKinds = new Uint8Array(degree[pairCount] as number);
  forEachPairEdge((from, to, kind) => {
    const at = fill[from] as number;
    pairTargets[at] = to;
    pairKinds[at] = kind;
    fill[from] = at + 1;
  });
  const pairs: DependencyGraph = { nodeCount: pairCount, offsets: degree, targets: pairTargets, kinds: pairKinds };
  const components = stronglyConnectedComponents(pairs, ALL_EDGES);
  if (components.count === 0) return undefined;
  let start = 0;
  while ((components.label[start] as number) < 0) start++;
  const walk = new PathFinder(pairs).shortestPath(start, start, ALL_EDGES, components.label);
  if (walk === undefined) return undefined;
  return { nodes: walk.nodes.slice(0, -1).map((pair) => members[pair >> 1] as number), kinds: walk.kinds };
}
