// The likely leader, from traffic alone (bodies are never read, so any Maelstrom node will do):
// the node that sent the most to the peer it sent least to. A leader sends to every peer, the one
// cut off too; a follower only to its leader, so however busy it never outranks it. Sends, not
// deliveries, are counted. Pure: the caller passes the time. Bounded: a ring of time buckets per
// pair of nodes.

/** What the traffic says about the leader at one moment. */
export interface LeaderJudgement {
  /** The node that sent the most to each of its peers, or null when nobody sent anything in the span. */
  readonly node: string | null;
  /** Everything it sent in the span. */
  readonly messages: number;
  /** What it sent to the peer it sent least to (peers down not counted). */
  readonly toEach: number;
  /** The same for the node ranked next. */
  readonly runnerUp: number;
  /** Every send counted in the span, excluded nodes included. */
  readonly total: number;
  /** True when the lead is clear enough to call a change of leader (see TrafficWindow). */
  readonly clear: boolean;
}

export interface TrafficWindow {
  /** Width of one bucket of counts. */
  readonly bucketMs: number;
  /** How far back a judgement looks. */
  readonly windowMs: number;
  /** A clear leader sent at least this many messages to each peer in the span judged... */
  readonly clearMinToEach: number;
  /** ...at least this many times as many as the runner-up... */
  readonly clearRatio: number;
  /** ...in at least this many buckets (a leader keeps sending; a candidate sends in bursts)... */
  readonly clearMinBuckets: number;
  // ...and someone it does not outrank sent to it: a leader is answered, a candidate alone is not.
}

export const DEFAULT_TRAFFIC_WINDOW: TrafficWindow = { bucketMs: 25, windowMs: 1000, clearMinToEach: 4, clearRatio: 1.5, clearMinBuckets: 3 };

export interface JudgeOptions {
  /** Count only buckets that begin at or after this time (what followed a fault). */
  readonly sinceMs?: number;
  /** Nodes that cannot be the leader (cut off, killed or paused by the nemesis). */
  readonly exclude?: ReadonlySet<string>;
  /** Nodes that are down (killed or paused): what a leader sends them is not asked for. */
  readonly down?: ReadonlySet<string>;
}

interface Score {
  readonly index: number;
  readonly messages: number;
  readonly toEach: number;
  readonly buckets: number;
}

export class LeaderTracker {
  private readonly index = new Map<string, number>();
  private readonly bucketCount: number;
  /** counts[src * n + dest][slot]: messages src sent to dest in the bucket numbered bucketNumbers[slot]. */
  private readonly counts: Uint32Array[];
  private readonly bucketNumbers: Float64Array;

  constructor(
    private readonly nodes: readonly string[],
    private readonly window: TrafficWindow = DEFAULT_TRAFFIC_WINDOW,
  ) {
    for (const [i, node] of nodes.entries()) this.index.set(node, i);
    this.bucketCount = Math.max(1, Math.ceil(window.windowMs / window.bucketMs));
    this.counts = Array.from({ length: nodes.length * nodes.length }, () => new Uint32Array(this.bucketCount));
    this.bucketNumbers = new Float64Array(this.bucketCount).fill(-1);
  }

  /** A node sent a message to another node at `nowMs`. Anything else is ignored. */
  sent(src: string, dest: string, nowMs: number): void {
    const from = this.index.get(src);
    const to = this.index.get(dest);
    if (from === undefined || to === undefined || from === to) return;
    const bucket = Math.floor(nowMs / this.window.bucketMs);
    const slot = bucket % this.bucketCount;
    if (this.bucketNumbers[slot] !== bucket) {
      // The slot held an older bucket: its counts fall out of the window.
      this.bucketNumbers[slot] = bucket;
      for (const counts of this.counts) counts[slot] = 0;
    }
    const counts = this.counts[from * this.nodes.length + to] as Uint32Array;
    counts[slot] = (counts[slot] as number) + 1;
  }

  /** Drops what a node sent so far: what it sent while the nemesis had it cut off says nothing about who leads the rest. */
  forget(node: string): void {
    const i = this.index.get(node);
    if (i === undefined) return;
    for (let dest = 0; dest < this.nodes.length; dest++) (this.counts[i * this.nodes.length + dest] as Uint32Array).fill(0);
  }

  /**
   * The likely leader at `nowMs`: the node, not excluded, whose count to its least-served peer
   * is highest over the window (ties: more messages in all, then node order).
   */
  judge(nowMs: number, options: JudgeOptions = {}): LeaderJudgement {
    const n = this.nodes.length;
    const current = Math.floor(nowMs / this.window.bucketMs);
    const oldest = Math.max(current - this.bucketCount + 1, Math.ceil((options.sinceMs ?? -Infinity) / this.window.bucketMs));
    const inSpan: boolean[] = [];
    for (let slot = 0; slot < this.bucketCount; slot++) {
      const bucket = this.bucketNumbers[slot] as number;
      inSpan.push(bucket >= oldest && bucket <= current);
    }
    const sums: number[][] = [];
    let total = 0;
    const scores: Score[] = [];
    for (let src = 0; src < n; src++) {
      const row: number[] = [];
      let messages = 0;
      let toEach = Infinity;
      const activeSlots = new Set<number>();
      for (let dest = 0; dest < n; dest++) {
        if (dest === src) {
          row.push(0);
          continue;
        }
        const counts = this.counts[src * n + dest] as Uint32Array;
        let sum = 0;
        for (let slot = 0; slot < this.bucketCount; slot++) {
          const count = inSpan[slot] === true ? (counts[slot] as number) : 0;
          sum += count;
          if (count > 0) activeSlots.add(slot);
        }
        row.push(sum);
        messages += sum;
        if (options.down?.has(this.nodes[dest] as string) !== true) toEach = Math.min(toEach, sum);
      }
      sums.push(row);
      total += messages;
      if (options.exclude?.has(this.nodes[src] as string) === true) continue;
      scores.push({ index: src, messages, toEach: toEach === Infinity ? messages : toEach, buckets: activeSlots.size });
    }
    scores.sort((a, b) => b.toEach - a.toEach || b.messages - a.messages || a.index - b.index);
    const [best, next] = scores;
    if (best === undefined || best.messages === 0) return { node: null, messages: 0, toEach: 0, runnerUp: 0, total, clear: false };
    const runnerUp = next?.toEach ?? 0;
    const answered = scores.some((score) => score.index !== best.index && (sums[score.index]?.[best.index] ?? 0) > 0);
    const { clearMinToEach, clearRatio, clearMinBuckets } = this.window;
    const clear = best.toEach >= clearMinToEach && best.toEach >= clearRatio * runnerUp && best.buckets >= clearMinBuckets && answered;
    return { node: this.nodes[best.index] as string, messages: best.messages, toEach: best.toEach, runnerUp, total, clear };
  }
}

/**
 * Who fanned out last: a node "fans out" when it has sent to every peer within `spanMs`, as a
 * leader (heartbeats) and a candidate (vote requests) do and a follower does not. A fan-out by a
 * node other than the last one to fan out marks a moment when two nodes may both act as leader,
 * or a new one has just taken over: an election began or ended, or a deposed leader still sends.
 * Pure: the caller passes the time. Bounded: one timestamp per ordered pair of nodes.
 */
export class FanOutWatch {
  private readonly index = new Map<string, number>();
  /** lastSentMs[src * n + dest]: when src last sent to dest. */
  private readonly lastSentMs: Float64Array;
  private lastSource = -1;

  constructor(
    private readonly nodes: readonly string[],
    private readonly spanMs: number,
  ) {
    for (const [i, node] of nodes.entries()) this.index.set(node, i);
    this.lastSentMs = new Float64Array(nodes.length * nodes.length).fill(-Infinity);
  }

  /** The node that fanned out last, or null before anyone did. */
  get source(): string | null {
    return this.lastSource === -1 ? null : (this.nodes[this.lastSource] as string);
  }

  /** A node sent to another at `nowMs`; true when that completes a fan-out by a node other than the last to fan out. */
  sent(src: string, dest: string, nowMs: number): boolean {
    const from = this.index.get(src);
    const to = this.index.get(dest);
    if (from === undefined || to === undefined || from === to) return false;
    const n = this.nodes.length;
    this.lastSentMs[from * n + to] = nowMs;
    if (from === this.lastSource) return false;
    for (let peer = 0; peer < n; peer++) {
      if (peer !== from && (this.lastSentMs[from * n + peer] as number) < nowMs - this.spanMs) return false;
    }
    this.lastSource = from;
    return true;
  }
}
