// Plain data shared by every Raft module: node ids, log entries, hard and soft state, and what a
// Ready hands to the application. Everything here is JSON-serializable (entries travel inside
// raft_append bodies and land in the write-ahead log), so these are type aliases, not classes.
// Index 0 with term 0 is the empty log's sentinel: real entries start at index 1, term 1.

import type { JsonValue } from '../base/json.js';

export type NodeId = string;

/** What the application stores in the log. Raft never looks inside. */
export type Command = JsonValue;

/**
 * `normal` entries carry an application command. `noop` entries are appended by a new leader
 * (data null) so that it can commit an entry of its own term (thesis §3.6.2, §6.4). Later
 * kinds (membership changes) extend this union.
 */
export type EntryKind = 'normal' | 'noop';

export type Entry = {
  readonly index: number;
  readonly term: number;
  readonly kind: EntryKind;
  readonly data: Command;
};

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/** What must be durable before any message of the same Ready is sent. */
export type HardState = {
  readonly term: number;
  /** Whom this node voted for in `term`, or null. */
  readonly vote: NodeId | null;
  /** Persisted so a restarted node can re-apply up to here without waiting for a leader. */
  readonly commit: number;
};

/**
 * A state machine image covering the log up to `index` (whose entry had `term`). `data` is the
 * application's deterministic encoding; Raft never looks inside, it only stores and ships it.
 */
export type Snapshot = {
  readonly index: number;
  readonly term: number;
  readonly data: string;
};

export const EMPTY_HARD_STATE: HardState = { term: 0, vote: null, commit: 0 };

/** Volatile state the application reacts to (fail waiting clients when leadership is lost). */
export type SoftState = {
  readonly role: Role;
  readonly leaderId: NodeId | null;
};

/** A confirmed read: serve the read once the state machine has applied `index`. */
export type ReadState = {
  readonly ctx: number;
  readonly index: number;
};

export type DropReason =
  /** This node stopped being leader, or the leader it forwarded to changed. */
  | 'leadership-lost'
  /** No confirmation within readTimeoutTicks (no quorum, lost messages). */
  | 'timeout'
  /** The node the read was forwarded to refused it (not leader, or overloaded). */
  | 'rejected';

/** A read the application asked for that will never produce a ReadState: fail it. */
export type DroppedRead = {
  readonly ctx: number;
  readonly reason: DropReason;
};

export function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

export function softStateEqual(a: SoftState, b: SoftState): boolean {
  return a.role === b.role && a.leaderId === b.leaderId;
}
