// What the nemesis does and when, as pure decisions: each kind flip-flops, one kind per step, steps
// a uniform [0, 2·interval) apart, so times, kinds and Maelstrom-style targets follow from the seed
// alone. Targeted kinds also read the traffic (traffic.ts) and react while a fault runs (a new
// leader to cut off, a re-partition during an election), drawing from a second stream so traffic
// never shifts the schedule. Invariants: healAll undoes every fault; reactions end with their fault.

import { Rng } from '../base/rng.js';
import { LEADER_KINDS, NEMESIS_KINDS, TARGET_SPECS, targetSize, type NemesisAction, type NemesisKind } from './nemesis_actions.js';
import { drawDuplication, drawSpike, FailoverEstimate, isolate, leaderTarget, type LeaderNote } from './nemesis_targets.js';
import { PARTITION_SPECS, partitionGrudge } from './partition.js';
import { LeaderTracker } from './traffic.js';

/** While a reaction may be due, the executor polls this often. */
export const POLL_MS = 20;
/** A chase moves the partition at most this many times per fault. */
export const MAX_CHASE_MOVES = 8;
/** partition-election re-partitions 1 to this many times per fault. */
export const MAX_ELECTION_MOVES = 3;
/** A wait for a successor leader ends after this long without one. */
const SUCCESSOR_WATCH_MS = 10_000;

/** The nodes a start takes out of service: those killed or paused, or the one cut off alone. */
function outNodes(action: NemesisAction): readonly string[] {
  if (action.f === 'kill' || action.f === 'pause') return action.nodes;
  if (action.f === 'start-partition' && action.leader !== undefined) return [action.leader.node];
  return [];
}

export interface PlannerOptions {
  /** Where the leader-targeted kinds read the traffic (a tracker of its own when not given). */
  readonly tracker?: LeaderTracker;
  /** The stream for choices that depend on traffic (derived from the schedule's seed when not given). */
  readonly targetRng?: Rng;
}

export class NemesisPlanner {
  /** Each kind in force, with the nodes it killed, paused or cut off alone (none for the others). */
  private readonly active = new Map<NemesisKind, readonly string[]>();
  private lastDueMs = 0;
  /** When the nemesis last changed anything: traffic from before then shows an older state. */
  private lastChangeMs = -Infinity;
  readonly tracker: LeaderTracker;
  readonly failover = new FailoverEstimate();
  private readonly targetRng: Rng;
  /** partition-new-leader: who is cut off now, since when, and how often the partition moved. */
  private chase: { isolated: string; sinceMs: number; moves: number } | null = null;
  /** partition-election: the re-partitions still to come. */
  private churn: { isolated: string; movesLeft: number; nextMoveAtMs: number; lastMoveAtMs: number } | null = null;
  /** After the likely leader was cut off: waiting for a clear successor, to learn how long elections take. */
  private watch: { kind: NemesisKind; cutOff: string; sinceMs: number } | null = null;

  constructor(
    private readonly kinds: readonly NemesisKind[],
    private readonly nodes: readonly string[],
    private readonly intervalMs: number,
    private readonly rng: Rng,
    options: PlannerOptions = {},
  ) {
    this.tracker = options.tracker ?? new LeaderTracker(nodes);
    this.targetRng = options.targetRng ?? new Rng((rng.seed ^ 0x6c8e9cf5) >>> 0);
  }

  get enabled(): boolean {
    return this.kinds.length > 0;
  }

  /** Whether node-to-node sends must be reported (some kind picks its target from them). */
  get watchesTraffic(): boolean {
    return this.kinds.some((kind) => LEADER_KINDS.includes(kind));
  }

  /** A node sent a message to another node. */
  sent(src: string, dest: string, nowMs: number): void {
    this.tracker.sent(src, dest, nowMs);
  }

  /** Milliseconds until the next step: uniform in [0, 2·interval). */
  nextDelayMs(): number {
    return this.rng.float() * 2 * this.intervalMs;
  }

  /**
   * When the next step is due, in ms since the start of the operations: a nextDelayMs() after
   * the previous step's due time. The runner waits for it, then asks next() for the action
   * (an action drawn but never carried out would leave its fault marked active).
   */
  nextDueMs(): number {
    this.lastDueMs += this.nextDelayMs();
    return this.lastDueMs;
  }

  /** The next action: one kind, flipped. */
  next(nowMs = 0): NemesisAction {
    const kind = this.rng.pick(this.kinds);
    const affected = this.active.get(kind);
    if (affected !== undefined) {
      this.lastChangeMs = nowMs;
      return this.stop(kind, affected);
    }
    const action = this.startAction(kind, nowMs);
    this.lastChangeMs = nowMs;
    this.active.set(kind, outNodes(action));
    return action;
  }

  /** Reactions due at `nowMs` (a new leader to cut off, a re-partition); the executor carries them out in order. */
  poll(nowMs: number): NemesisAction[] {
    const actions: NemesisAction[] = [];
    this.watchForSuccessor(nowMs);
    const moved = this.chase === null ? undefined : this.chaseStep(nowMs);
    if (moved !== undefined) actions.push(moved);
    if (this.churn !== null && nowMs >= this.churn.nextMoveAtMs) actions.push(this.churnStep(nowMs));
    if (actions.length > 0) this.lastChangeMs = nowMs;
    return actions;
  }

  /** When poll() may next have something to do; Infinity when nothing is awaited. */
  wakeAtMs(nowMs: number): number {
    if (this.chase !== null || this.watch !== null) return nowMs + POLL_MS;
    return this.churn?.nextMoveAtMs ?? Infinity;
  }

  /** At the end of the test: undo every fault still in force. */
  healAll(): NemesisAction[] {
    const actions: NemesisAction[] = [];
    for (const kind of NEMESIS_KINDS) {
      const affected = this.active.get(kind);
      if (affected !== undefined) actions.push(this.stop(kind, affected));
    }
    return actions;
  }

  private stop(kind: NemesisKind, affected: readonly string[]): NemesisAction {
    this.active.delete(kind);
    this.release(affected);
    if (kind === 'partition-new-leader') this.chase = null;
    if (kind === 'partition-election') this.churn = null;
    if (this.watch?.kind === kind) this.watch = null;
    return this.stopAction(kind, affected);
  }

  /** Nodes back in service: what they sent while out is forgotten (unless another fault still holds them out). */
  private release(nodes: readonly string[]): void {
    const stillOut = this.unavailable();
    for (const node of nodes) if (!stillOut.has(node)) this.tracker.forget(node);
  }

  /** Nodes the nemesis killed or paused: down, so nobody is expected to send to them. */
  private down(): Set<string> {
    const nodes = new Set<string>();
    for (const kind of ['kill', 'kill-leader', 'pause', 'pause-leader'] as const) for (const node of this.active.get(kind) ?? []) nodes.add(node);
    return nodes;
  }

  /** Nodes the nemesis itself killed, paused or cut off alone: none of them leads the nodes that serve. */
  private unavailable(): Set<string> {
    const nodes = new Set<string>();
    for (const out of this.active.values()) for (const node of out) nodes.add(node);
    return nodes;
  }

  /**
   * The likely leader now: judged from what followed the nemesis's last change when that shows a
   * clear leader (older traffic may show one deposed since), else from the whole window; a node
   * drawn at random when the traffic names none.
   */
  private likelyLeader(nowMs: number): LeaderNote | null {
    const exclude = this.unavailable();
    const candidates = this.nodes.filter((node) => !exclude.has(node));
    const down = this.down();
    const recent = this.tracker.judge(nowMs, { sinceMs: this.lastChangeMs, exclude, down });
    const judged = recent.clear ? recent : this.tracker.judge(nowMs, { exclude, down });
    return leaderTarget(judged, candidates.length > 0 ? candidates : this.nodes, this.targetRng);
  }

  private startAction(kind: NemesisKind, nowMs: number): NemesisAction {
    switch (kind) {
      case 'partition': {
        const spec = this.rng.pick(PARTITION_SPECS);
        return { f: 'start-partition', kind, spec, grudge: partitionGrudge(spec, this.nodes, this.rng) };
      }
      case 'kill':
      case 'pause': {
        const specs = TARGET_SPECS.filter((spec) => targetSize(spec, this.nodes.length) > 0);
        const spec = this.rng.pick(specs);
        const nodes = this.rng
          .shuffle(this.nodes)
          .slice(0, targetSize(spec, this.nodes.length, this.rng))
          .sort();
        return kind === 'kill' ? { f: 'kill', kind, spec, nodes } : { f: 'pause', kind, spec, nodes };
      }
      case 'partition-leader':
      case 'partition-new-leader':
      case 'partition-election': {
        const leader = this.likelyLeader(nowMs) as LeaderNote;
        this.watch = { kind, cutOff: leader.node, sinceMs: nowMs };
        if (kind === 'partition-new-leader') this.chase = { isolated: leader.node, sinceMs: nowMs, moves: 0 };
        if (kind === 'partition-election') {
          const movesLeft = this.targetRng.int(1, MAX_ELECTION_MOVES);
          this.churn = { isolated: leader.node, movesLeft, nextMoveAtMs: nowMs + this.electionDelayMs(), lastMoveAtMs: nowMs };
        }
        return { f: 'start-partition', kind, spec: 'leader', grudge: isolate(leader.node, this.nodes), leader };
      }
      case 'kill-leader':
      case 'pause-leader': {
        const leader = this.likelyLeader(nowMs) as LeaderNote;
        this.watch = { kind, cutOff: leader.node, sinceMs: nowMs };
        const nodes = [leader.node];
        return kind === 'kill-leader' ? { f: 'kill', kind, spec: 'leader', nodes, leader } : { f: 'pause', kind, spec: 'leader', nodes, leader };
      }
      case 'delay-spike': {
        const judged = this.tracker.judge(nowMs, { exclude: this.unavailable(), down: this.down() });
        const spike = drawSpike(this.targetRng, this.nodes, judged.node);
        // No candidates to draw from: a note only when the traffic named the leader.
        const leader = spike.spec === 'leader-out' ? leaderTarget(judged, [], this.targetRng) : null;
        return leader === null ? { f: 'start-delay-spike', kind, ...spike } : { f: 'start-delay-spike', kind, ...spike, leader };
      }
      case 'duplicate':
        return { f: 'start-duplicate', kind, ...drawDuplication(this.targetRng) };
    }
  }

  private stopAction(kind: NemesisKind, affected: readonly string[]): NemesisAction {
    switch (kind) {
      case 'partition':
      case 'partition-leader':
      case 'partition-new-leader':
      case 'partition-election':
        return { f: 'stop-partition', kind };
      case 'kill':
      case 'kill-leader':
        return { f: 'start', kind, nodes: affected };
      case 'pause':
      case 'pause-leader':
        return { f: 'resume', kind, nodes: affected };
      case 'delay-spike':
        return { f: 'stop-delay-spike', kind };
      case 'duplicate':
        return { f: 'stop-duplicate', kind };
    }
  }

  /** A re-partition during an election: a fraction of the usual failover time after the last change. */
  private electionDelayMs(): number {
    return Math.round(this.failover.ms * (0.2 + 0.8 * this.targetRng.float()));
  }

  private watchForSuccessor(nowMs: number): void {
    const watch = this.watch;
    if (watch === null) return;
    if (nowMs - watch.sinceMs > SUCCESSOR_WATCH_MS) {
      this.watch = null;
      return;
    }
    const exclude = this.unavailable();
    exclude.add(watch.cutOff);
    const judged = this.tracker.judge(nowMs, { sinceMs: watch.sinceMs, exclude, down: this.down() });
    if (!judged.clear) return;
    this.failover.add(nowMs - watch.sinceMs);
    this.watch = null;
  }

  /** partition-new-leader: once a clear new leader shows on the majority side, cut it off instead. */
  private chaseStep(nowMs: number): NemesisAction | undefined {
    const chase = this.chase;
    if (chase === null || chase.moves >= MAX_CHASE_MOVES) return undefined;
    const exclude = this.unavailable();
    exclude.add(chase.isolated);
    const judged = this.tracker.judge(nowMs, { sinceMs: chase.sinceMs, exclude, down: this.down() });
    if (!judged.clear || judged.node === null) return undefined;
    const why =
      `new likely leader ${judged.node} (${judged.toEach} messages to each peer, next ${judged.runnerUp}) ` +
      `${Math.round(nowMs - chase.sinceMs)} ms after ${chase.isolated} was cut off`;
    this.chase = { isolated: judged.node, sinceMs: nowMs, moves: chase.moves + 1 };
    this.active.set('partition-new-leader', [judged.node]);
    this.release([chase.isolated]);
    return { f: 'move-partition', kind: 'partition-new-leader', spec: 'leader', grudge: isolate(judged.node, this.nodes), why };
  }

  /** partition-election: cut off the busiest node since the last change (a candidate, or a leader just elected), or draw a Maelstrom shape. */
  private churnStep(nowMs: number): NemesisAction {
    const churn = this.churn as NonNullable<NemesisPlanner['churn']>;
    const sinceChangeMs = Math.round(nowMs - churn.lastMoveAtMs);
    let action: NemesisAction;
    let isolated = churn.isolated;
    if (this.targetRng.chance(0.5)) {
      const exclude = this.unavailable();
      exclude.add(churn.isolated);
      const judged = this.tracker.judge(nowMs, { sinceMs: churn.lastMoveAtMs, exclude, down: this.down() });
      const candidates = this.nodes.filter((node) => !exclude.has(node));
      const target = judged.node ?? this.targetRng.pick(candidates.length > 0 ? candidates : this.nodes);
      isolated = target;
      this.active.set('partition-election', [target]);
      this.release([churn.isolated]);
      const why = `${sinceChangeMs} ms after the last change: cut off ${target}, the busiest since (${judged.toEach} messages to each peer)`;
      action = { f: 'move-partition', kind: 'partition-election', spec: 'busiest', grudge: isolate(target, this.nodes), why };
    } else {
      const spec = this.targetRng.pick(PARTITION_SPECS);
      this.active.set('partition-election', []);
      this.release([churn.isolated]);
      const why = `${sinceChangeMs} ms after the last change: a ${spec} partition`;
      action = { f: 'move-partition', kind: 'partition-election', spec, grudge: partitionGrudge(spec, this.nodes, this.targetRng), why };
    }
    const movesLeft = churn.movesLeft - 1;
    this.churn = movesLeft > 0 ? { isolated, movesLeft, nextMoveAtMs: nowMs + this.electionDelayMs(), lastMoveAtMs: nowMs } : null;
    return action;
  }
}
