// The dependency graph over txns, kept compact for 100,000-txn histories: int node ids (txn ids),
// edges in typed arrays with one bit per kind, never an object per edge. Also the order edges
// (process and a transitive reduction of real time) and strongly connected components.
// Pure. Invariants: no self edges; a pair of txns has one edge holding the union of its kinds.

/** Edge kinds as bits, so one edge can be several kinds at once (ww on one key, rw on another). */
export const WW = 1;
export const WR = 2;
export const RW = 4;
export const PROCESS = 8;
export const REALTIME = 16;
export const DATA_EDGES = WW | WR | RW;
export const ALL_EDGES = DATA_EDGES | PROCESS | REALTIME;

/** Edges as they are found, duplicates allowed; buildGraph merges them. */
export class EdgeList {
  private from = new Int32Array(1024);
  private to = new Int32Array(1024);
  private kinds = new Uint8Array(1024);
  length = 0;

  add(from: number, to: number, kind: number): void {
    if (from === to) return;
    if (this.length === this.from.length) this.grow();
    this.from[this.length] = from;
    this.to[this.length] = to;
    this.kinds[this.length] = kind;
    this.length++;
  }

  fromAt(index: number): number {
    return this.from[index] as number;
  }

  toAt(index: number): number {
    return this.to[index] as number;
  }

  kindAt(index: number): number {
    return this.kinds[index] as number;
  }

  private grow(): void {
    const capacity = this.from.length * 2;
    const from = new Int32Array(capacity);
    const to = new Int32Array(capacity);
    const kinds = new Uint8Array(capacity);
    from.set(this.from);
    to.set(this.to);
    kinds.set(this.kinds);
    this.from = from;
    this.to = to;
    this.kinds = kinds;
  }
}

/** Compressed adjacency: node u's out-edges are positions offsets[u] .. offsets[u+1]-1. */
export interface DependencyGraph {
  readonly nodeCount: number;
  readonly offsets: Int32Array;
  readonly targets: Int32Array;
  readonly kinds: Uint8Array;
}

export function buildGraph(nodeCount: number, edges: EdgeList): DependencyGraph {
  const offsets = new Int32Array(nodeCount + 1);
  for (let i = 0; i < edges.length; i++) {
    const at = edges.fromAt(i) + 1;
    offsets[at] = (offsets[at] as number) + 1;
  }
  for (let u = 0; u < nodeCount; u++) offsets[u + 1] = (offsets[u + 1] as number) + (offsets[u] as number);
  const fill = offsets.slice(0, nodeCount);
  const targets = new Int32Array(edges.length);
  const kinds = new Uint8Array(edges.length);
  for (let i = 0; i < edges.length; i++) {
    const from = edges.fromAt(i);
    const at = fill[from] as number;
    fill[from] = at + 1;
    targets[at] = edges.toAt(i);
    kinds[at] = edges.kindAt(i);
  }
  // Merge duplicate pairs in place: the write position never passes the read position.
  const lastSource = new Int32Array(nodeCount).fill(-1);
  const slot = new Int32Array(nodeCount);
  const merged = new Int32Array(nodeCount + 1);
  let write = 0;
  for (let u = 0; u < nodeCount; u++) {
    merged[u] = write;
    const end = offsets[u + 1] as number;
    for (let read = offsets[u] as number; read < end; read++) {
      const v = targets[read] as number;
      const kind = kinds[read] as number;
      if (lastSource[v] === u) {
        const at = slot[v] as number;
        kinds[at] = (kinds[at] as number) | kind;
      } else {
        lastSource[v] = u;
        slot[v] = write;
        targets[write] = v;
        kinds[write] = kind;
        write++;
      }
    }
  }
  merged[nodeCount] = write;
  return { nodeCount, offsets: merged, targets: targets.slice(0, write), kinds: kinds.slice(0, write) };
}

/** Component labels: -1 for a node alone in its component (no self edges, so no cycle through it). */
export interface Components {
  readonly label: Int32Array;
  readonly count: number;
}

/**
 * Tarjan's algorithm without recursion (a 100,000-txn chain must not overflow the stack), over
 * the edges having a kind in `mask`. With `within`, only edges between nodes of one same
 * non-negative `within` label are followed, and other nodes are skipped: a sub-graph's
 * components are found inside the components of a larger graph.
 */
export function stronglyConnectedComponents(graph: DependencyGraph, mask: number, within?: Int32Array): Components {
  const n = graph.nodeCount;
  const { offsets, targets, kinds } = graph;
  const order = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack = new Int32Array(n);
  const callNode = new Int32Array(n);
  const callEdge = new Int32Array(n);
  const label = new Int32Array(n).fill(-1);
  let stackSize = 0;
  let nextOrder = 0;
  let count = 0;
  for (let root = 0; root < n; root++) {
    if (order[root] !== -1) continue;
    if (within !== undefined && (within[root] as number) < 0) continue;
    let depth = 0;
    callNode[0] = root;
    callEdge[0] = offsets[root] as number;
    order[root] = nextOrder;
    low[root] = nextOrder;
    nextOrder++;
    stack[stackSize++] = root;
    onStack[root] = 1;
    while (depth >= 0) {
      const u = callNode[depth] as number;
      const end = offsets[u + 1] as number;
      let edge = callEdge[depth] as number;
      let descended = false;
      while (edge < end) {
        const v = targets[edge] as number;
        const followed = ((kinds[edge] as number) & mask) !== 0 && (within === undefined || within[v] === within[u]);
        edge++;
        if (!followed) continue;
        if (order[v] === -1) {
          callEdge[depth] = edge;
          depth++;
          callNode[depth] = v;
          callEdge[depth] = offsets[v] as number;
          order[v] = nextOrder;
          low[v] = nextOrder;
          nextOrder++;
          stack[stackSize++] = v;
          onStack[v] = 1;
          descended = true;
          break;
        }
        if (onStack[v] === 1 && (order[v] as number) < (low[u] as number)) low[u] = order[v] as number;
      }
      if (descended) continue;
      if (low[u] === order[u]) {
        let size = 0;
        let w: number;
        do {
          w = stack[--stackSize] as number;
          onStack[w] = 0;
          size++;
        } while (w !== u);
        if (size > 1) {
          for (let i = stackSize; i < stackSize + size; i++) label[stack[i] as number] = count;
          count++;
        }
      }
      depth--;
      if (depth >= 0) {
        const parent = callNode[depth] as number;
        if ((low[u] as number) < (low[parent] as number)) low[parent] = low[u] as number;
      }
    }
  }
  return { label, count };
}

/** What the order edges need to know of each txn; positions are places in the history's event list. */
export interface TxnTiming {
  readonly process: number;
  /** Only ok txns surely took effect before their completion: only they precede anything. */
  readonly completedOk: boolean;
  readonly invokePosition: number;
  /** -1 when the txn never completed (or its completion is no evidence: info). */
  readonly completePosition: number;
}

/**
 * Adds process edges (a process's last ok txn to its next txn in the graph) and real-time edges
 * (T1 completed ok before T2 was invoked), reduced as Elle's realtime graph is: a frontier of
 * completed txns that no later completed txn follows yet. T2 gets edges from the frontier at
 * its invocation; when T2 completes, those are replaced by T2 in the frontier, since whatever
 * is invoked later is reachable through T2. Every pair in real-time order stays connected by a
 * path of such edges, and the edge count is about (txns × concurrency), not txns².
 */
export function addOrderEdges(timings: readonly TxnTiming[], inGraph: Uint8Array, eventCount: number, edges: EdgeList): void {
  // Event position -> txn id * 2 (+1 for a completion); -1 for other events.
  const eventTxn = new Int32Array(eventCount).fill(-1);
  for (let id = 0; id < timings.length; id++) {
    if (inGraph[id] !== 1) continue;
    const timing = timings[id] as TxnTiming;
    eventTxn[timing.invokePosition] = id * 2;
    if (timing.completedOk) eventTxn[timing.completePosition] = id * 2 + 1;
  }
  const frontier = new Set<number>();
  const realtimeStart = new Int32Array(timings.length);
  const realtimeEnd = new Int32Array(timings.length);
  const lastOkOfProcess = new Map<number, number>();
  for (let position = 0; position < eventCount; position++) {
    const code = eventTxn[position] as number;
    if (code < 0) continue;
    const id = code >> 1;
    const timing = timings[id] as TxnTiming;
    if ((code & 1) === 0) {
      const previous = lastOkOfProcess.get(timing.process);
      if (previous !== undefined) edges.add(previous, id, PROCESS);
      realtimeStart[id] = edges.length;
      for (const before of frontier) edges.add(before, id, REALTIME);
      realtimeEnd[id] = edges.length;
    } else {
      for (let i = realtimeStart[id] as number; i < (realtimeEnd[id] as number); i++) frontier.delete(edges.fromAt(i));
      frontier.add(id);
      lastOkOfProcess.set(timing.process, id);
    }
  }
}

export function edgeKindName(kind: number): 'ww' | 'wr' | 'rw' | 'process' | 'realtime' {
  switch (kind) {
    case WW:
      return 'ww';
    case WR:
      return 'wr';
    case RW:
      return 'rw';
    case PROCESS:
      return 'process';
    default:
      return 'realtime';
  }
}
