// What the nemesis does and when, as pure decisions from the seeded Rng; the runner carries
// them out on processes and the network. Each fault kind flip-flops (start, stop, start, ...);
// with several kinds, each step picks one kind uniformly and flips it, so faults interleave
// (Jepsen mixes its nemesis packages the same way). Steps are due a uniform [0, 2·interval)
// apart, counted from the previous step's due time as Jepsen's stagger counts, not from when
// that step finished, so the whole schedule (times, kinds, targets, partition shapes) follows
// from the seed alone; a step made late by the one before it (a slow restart) runs at once.
// Targets of kill and pause are one node, a minority-third, or a minority (fewer than half),
// chosen uniformly among the non-empty ones.

import type { Rng } from '../base/rng.js';
import { describeGrudge, PARTITION_SPECS, partitionGrudge, type Grudge, type PartitionSpec } from './partition.js';

export const NEMESIS_KINDS = ['partition', 'kill', 'pause'] as const;
export type NemesisKind = (typeof NEMESIS_KINDS)[number];

export type NemesisAction =
  | { readonly f: 'start-partition'; readonly kind: 'partition'; readonly spec: PartitionSpec; readonly grudge: Grudge }
  | { readonly f: 'stop-partition'; readonly kind: 'partition' }
  | { readonly f: 'kill'; readonly kind: 'kill'; readonly spec: TargetSpec; readonly nodes: readonly string[] }
  | { readonly f: 'start'; readonly kind: 'kill'; readonly nodes: readonly string[] }
  | { readonly f: 'pause'; readonly kind: 'pause'; readonly spec: TargetSpec; readonly nodes: readonly string[] }
  | { readonly f: 'resume'; readonly kind: 'pause'; readonly nodes: readonly string[] };

const TARGET_SPECS = ['one', 'minority-third', 'minority'] as const;
export type TargetSpec = (typeof TARGET_SPECS)[number];

export function targetSize(spec: TargetSpec, n: number): number {
  switch (spec) {
    case 'one':
      return Math.min(1, n);
    case 'minority-third':
      return Math.floor((n - 1) / 3);
    case 'minority':
      return Math.floor((n - 1) / 2);
  }
}

/** The value an action's invoke event carries in the history. */
export function actionValue(action: NemesisAction): string | string[] | null {
  switch (action.f) {
    case 'start-partition':
      return action.spec;
    case 'stop-partition':
      return null;
    case 'kill':
    case 'pause':
    case 'start':
    case 'resume':
      return [...action.nodes];
  }
}

/** The value of the completion event: what the action did. */
export function actionOutcomeValue(action: NemesisAction): unknown {
  switch (action.f) {
    case 'start-partition':
      return { isolated: describeGrudge(action.grudge) };
    case 'stop-partition':
      return 'network-healed';
    case 'kill':
      return { killed: [...action.nodes] };
    case 'start':
      return { started: [...action.nodes] };
    case 'pause':
      return { paused: [...action.nodes] };
    case 'resume':
      return { resumed: [...action.nodes] };
  }
}

export class NemesisPlanner {
  private readonly active = new Map<NemesisKind, readonly string[]>();
  private lastDueMs = 0;

  constructor(
    private readonly kinds: readonly NemesisKind[],
    private readonly nodes: readonly string[],
    private readonly intervalMs: number,
    private readonly rng: Rng,
  ) {}

  get enabled(): boolean {
    return this.kinds.length > 0;
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
  next(): NemesisAction {
    const kind = this.rng.pick(this.kinds);
    const affected = this.active.get(kind);
    if (affected !== undefined) {
      this.active.delete(kind);
      return this.stopAction(kind, affected);
    }
    const action = this.startAction(kind);
    this.active.set(kind, action.f === 'kill' || action.f === 'pause' ? action.nodes : []);
    return action;
  }

  /** At the end of the test: undo every fault still in force. */
  healAll(): NemesisAction[] {
    const actions: NemesisAction[] = [];
    for (const kind of NEMESIS_KINDS) {
      const affected = this.active.get(kind);
      if (affected === undefined) continue;
      this.active.delete(kind);
      actions.push(this.stopAction(kind, affected));
    }
    return actions;
  }

  private startAction(kind: NemesisKind): NemesisAction {
    switch (kind) {
      case 'partition': {
        const spec = this.rng.pick(PARTITION_SPECS);
        return { f: 'start-partition', kind, spec, grudge: partitionGrudge(spec, this.nodes, this.rng) };
      }
      case 'kill':
      case 'pause': {
        const specs = TARGET_SPECS.filter((spec) => targetSize(spec, this.nodes.length) > 0);
        const spec = this.rng.pick(specs);
        const nodes = this.rng.shuffle(this.nodes).slice(0, targetSize(spec, this.nodes.length)).sort();
        return kind === 'kill' ? { f: 'kill', kind, spec, nodes } : { f: 'pause', kind, spec, nodes };
      }
    }
  }

  private stopAction(kind: NemesisKind, affected: readonly string[]): NemesisAction {
    switch (kind) {
      case 'partition':
        return { f: 'stop-partition', kind };
      case 'kill':
        return { f: 'start', kind, nodes: affected };
      case 'pause':
        return { f: 'resume', kind, nodes: affected };
    }
  }
}
