// The nemesis's vocabulary: the fault kinds (Maelstrom's and the targeted ones) and the groups
// the command line names, the actions a planner decides on, and how each action is written into
// the history (the invoke's value, and the completion's: what it did, and for a targeted step
// whom it chose on what counts). Pure data and formatting; no decisions.

import type { Rng } from '../base/rng.js';
import type { LeaderNote, Link, SpikeSpec } from './nemesis_targets.js';
import { describeGrudge, type Grudge, type PartitionSpec } from './partition.js';

const BASIC_NEMESIS_KINDS = ['partition', 'kill', 'pause'] as const;
export const TARGETED_NEMESIS_KINDS = [
  'partition-leader',
  'partition-new-leader',
  'partition-election',
  'kill-leader',
  'pause-leader',
  'delay-spike',
  'duplicate',
] as const;
export const NEMESIS_KINDS = [...BASIC_NEMESIS_KINDS, ...TARGETED_NEMESIS_KINDS] as const;
export type NemesisKind = (typeof NEMESIS_KINDS)[number];
/** Names for several kinds at once on the command line. */
export const NEMESIS_GROUPS: { readonly [group: string]: readonly NemesisKind[] } = { targeted: TARGETED_NEMESIS_KINDS, all: NEMESIS_KINDS };

type PartitionKind = 'partition' | 'partition-leader' | 'partition-new-leader' | 'partition-election';
type KillKind = 'kill' | 'kill-leader';
type PauseKind = 'pause' | 'pause-leader';
/** The kinds that pick their target from the traffic: every targeted kind but duplicate. */
export const LEADER_KINDS: readonly NemesisKind[] = TARGETED_NEMESIS_KINDS.filter((kind) => kind !== 'duplicate');

export type NemesisAction =
  | {
      readonly f: 'start-partition';
      readonly kind: PartitionKind;
      readonly spec: PartitionSpec | 'leader';
      readonly grudge: Grudge;
      readonly leader?: LeaderNote;
    }
  | {
      readonly f: 'move-partition';
      readonly kind: 'partition-new-leader' | 'partition-election';
      readonly spec: PartitionSpec | 'leader' | 'busiest';
      readonly grudge: Grudge;
      readonly why: string;
    }
  | { readonly f: 'stop-partition'; readonly kind: PartitionKind }
  | { readonly f: 'kill'; readonly kind: KillKind; readonly spec: TargetSpec | 'leader'; readonly nodes: readonly string[]; readonly leader?: LeaderNote }
  | { readonly f: 'start'; readonly kind: KillKind; readonly nodes: readonly string[] }
  | { readonly f: 'pause'; readonly kind: PauseKind; readonly spec: TargetSpec | 'leader'; readonly nodes: readonly string[]; readonly leader?: LeaderNote }
  | { readonly f: 'resume'; readonly kind: PauseKind; readonly nodes: readonly string[] }
  | {
      readonly f: 'start-delay-spike';
      readonly kind: 'delay-spike';
      readonly spec: SpikeSpec;
      readonly links: readonly Link[];
      readonly extraMs: number;
      readonly leader?: LeaderNote;
    }
  | { readonly f: 'stop-delay-spike'; readonly kind: 'delay-spike' }
  | { readonly f: 'start-duplicate'; readonly kind: 'duplicate'; readonly probability: number; readonly maxDelayMs: number; readonly seed: number }
  | { readonly f: 'stop-duplicate'; readonly kind: 'duplicate' };

/**
 * Whom a kill or a pause takes, as in Maelstrom's kill and pause faults (which follow Jepsen's
 * db nemesis): `some` is a random non-empty subset. Taking a majority or everyone is what lets a
 * crash lose what only a minority, or nobody, holds durably.
 */
export const TARGET_SPECS = ['some', 'one', 'minority-third', 'minority', 'majority', 'all'] as const;
export type TargetSpec = (typeof TARGET_SPECS)[number];

/** How many nodes of `n` a spec takes; `some` draws 1..n from `rng`. */
export function targetSize(spec: TargetSpec, n: number, rng?: Rng): number {
  switch (spec) {
    case 'some':
      return rng === undefined || n === 0 ? Math.min(1, n) : rng.int(1, n);
    case 'one':
      return Math.min(1, n);
    case 'minority-third':
      return Math.floor((n - 1) / 3);
    case 'minority':
      return Math.floor((n - 1) / 2);
    case 'majority':
      return n === 0 ? 0 : Math.floor(n / 2) + 1;
    case 'all':
      return n;
  }
}

export function linkName(link: Link): string {
  return `${link.src}->${link.dest}`;
}

/** The value an action's invoke event carries in the history. */
export function actionValue(action: NemesisAction): string | string[] | { [key: string]: number | string[] } | null {
  switch (action.f) {
    case 'start-partition':
    case 'move-partition':
      return action.spec;
    case 'stop-partition':
    case 'stop-delay-spike':
    case 'stop-duplicate':
      return null;
    case 'kill':
    case 'pause':
    case 'start':
    case 'resume':
      return [...action.nodes];
    case 'start-delay-spike':
      return { links: action.links.map(linkName), 'extra-ms': action.extraMs };
    case 'start-duplicate':
      return { probability: action.probability, 'max-delay-ms': action.maxDelayMs };
  }
}

function leaderValue(note: LeaderNote | undefined): object {
  if (note === undefined) return {};
  return {
    'likely-leader': note.node,
    judged: note.judged,
    messages: note.messages,
    'to-each': note.toEach,
    'runner-up': note.runnerUp,
    'window-total': note.total,
  };
}

/** The value of the completion event: what the action did. */
export function actionOutcomeValue(action: NemesisAction): unknown {
  switch (action.f) {
    case 'start-partition':
      return { isolated: describeGrudge(action.grudge), ...leaderValue(action.leader) };
    case 'move-partition':
      return { isolated: describeGrudge(action.grudge), why: action.why };
    case 'stop-partition':
      return 'network-healed';
    case 'kill':
      return { killed: [...action.nodes], ...leaderValue(action.leader) };
    case 'start':
      return { started: [...action.nodes] };
    case 'pause':
      return { paused: [...action.nodes], ...leaderValue(action.leader) };
    case 'resume':
      return { resumed: [...action.nodes] };
    case 'start-delay-spike':
      return { spec: action.spec, links: action.links.map(linkName), 'extra-ms': action.extraMs, ...leaderValue(action.leader) };
    case 'stop-delay-spike':
      return 'delays-ended';
    case 'start-duplicate':
      return { probability: action.probability, 'max-delay-ms': action.maxDelayMs };
    case 'stop-duplicate':
      return 'duplication-ended';
  }
}
