// Client sessions for exactly-once execution (Raft thesis §6.3). Part of the replicated state
// machine: every replica makes the same decisions from the same log, so nothing here reads a
// clock. A session is opened by a log entry and named by that entry's index, so an id is never
// reused. Each session remembers the replies to its most recent sequence numbers.
//
// An id that is not open is told apart by what the log has decided: the table remembers the ids
// that expired (a bounded record; what it must forget lies below a watermark). An id at or
// below the index being applied names an entry decided forever, so if it was never open it
// never will be: the request surely did not and will not run. An expired id's request may have
// run before, and an id past the applied index may still be opened later: both are refused
// without knowing the outcome.

import { assert } from '../base/assert.js';
import type { KvOutcome } from './operations.js';

export interface SessionLimits {
  /** Sessions kept at once; opening one more expires the least recently used. */
  readonly maxSessions: number;
  /** Replies remembered per session: a client may have this many requests in flight. */
  readonly repliesPerSession: number;
  /** A session unused for this many log entries expires. */
  readonly idleEntries: number;
  /** Expired ids remembered, so their requests are told from those of ids never opened. */
  readonly expiredRemembered: number;
}

const DEFAULT_SESSION_LIMITS: SessionLimits = { maxSessions: 10_000, repliesPerSession: 64, idleEntries: 200_000, expiredRemembered: 10_000 };

export type SessionCheck =
  /** Run the request, then record its outcome. */
  | { readonly kind: 'run' }
  /** Already ran: answer with the remembered outcome. */
  | { readonly kind: 'duplicate'; readonly outcome: KvOutcome }
  /** The session expired: the request may have run before. */
  | { readonly kind: 'expired' }
  /** The id is below the record of expired ids: it may have expired, so the request may have run. */
  | { readonly kind: 'forgotten' }
  /** This seq fell out of the session's window of remembered replies: it may have run before. */
  | { readonly kind: 'seq-too-old' }
  /** No session ever had this id, and none ever will: the request never ran. */
  | { readonly kind: 'never-opened' }
  /** No session has this id yet, but the log has not reached its index: one may still open. */
  | { readonly kind: 'not-yet-opened' };

interface Session {
  lastUsedIndex: number;
  highestSeq: number;
  readonly replies: Map<number, KvOutcome>;
}

export interface SessionSnapshot {
  readonly sessions: ReadonlyArray<{ id: number; lastUsedIndex: number; highestSeq: number; replies: Array<[number, KvOutcome]> }>;
  /** Expired ids remembered, ascending. Absent in snapshots of earlier versions. */
  readonly expired?: readonly number[];
  /** Ids at or below this that are not open may have expired. Absent in snapshots of earlier versions. */
  readonly expiredThrough?: number;
}

export class SessionTable {
  private readonly sessions = new Map<number, Session>();
  /** Ids of expired sessions, ascending; at most limits.expiredRemembered. */
  private expired: number[] = [];
  /** Forgotten expired ids are at or below this. */
  private expiredThrough = 0;

  private readonly limits: SessionLimits;

  constructor(limits: Partial<SessionLimits> = {}) {
    this.limits = { ...DEFAULT_SESSION_LIMITS, ...limits };
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Applies an open-session entry at `index`; the new session's id is that index. */
  open(index: number): number {
    assert(!this.sessions.has(index), () => `session ${index} opened twice`);
    if (this.sessions.size >= this.limits.maxSessions) this.evictLeastRecentlyUsed();
    this.sessions.set(index, { lastUsedIndex: index, highestSeq: 0, replies: new Map() });
    return index;
  }

  /** What to do with request `seq` of session `sessionId`, applied at log index `index`. */
  check(sessionId: number, seq: number, index: number): SessionCheck {
    const session = this.sessions.get(sessionId);
    if (session === undefined) {
      if (binarySearch(this.expired, sessionId) >= 0) return { kind: 'expired' };
      if (sessionId <= this.expiredThrough) return { kind: 'forgotten' };
      // The entry at `index` is this request, not an opening: ids up to it are decided.
      return sessionId <= index ? { kind: 'never-opened' } : { kind: 'not-yet-opened' };
    }
    const remembered = session.replies.get(seq);
    if (remembered !== undefined) return { kind: 'duplicate', outcome: remembered };
    // Below the window we cannot tell whether it ran: refuse rather than risk running it twice.
    if (seq <= session.highestSeq - this.limits.repliesPerSession) return { kind: 'seq-too-old' };
    return { kind: 'run' };
  }

  record(sessionId: number, seq: number, outcome: KvOutcome, index: number): void {
    const session = this.sessions.get(sessionId);
    assert(session !== undefined, () => `record for unknown session ${sessionId}`);
    session.replies.set(seq, outcome);
    session.lastUsedIndex = index;
    if (seq > session.highestSeq) {
      session.highestSeq = seq;
      const floor = seq - this.limits.repliesPerSession;
      for (const remembered of session.replies.keys()) if (remembered <= floor) session.replies.delete(remembered);
    }
  }

  /** Expires sessions idle for too long; deterministic because `index` is the log position. */
  expireIdle(index: number): void {
    for (const [id, session] of this.sessions) {
      if (index - session.lastUsedIndex > this.limits.idleEntries) this.expire(id);
    }
  }

  /** How many expired ids are remembered one by one. */
  get expiredRememberedCount(): number {
    return this.expired.length;
  }

  private expire(id: number): void {
    this.sessions.delete(id);
    const at = binarySearch(this.expired, id);
    if (at < 0) this.expired.splice(-at - 1, 0, id);
    if (this.expired.length > this.limits.expiredRemembered) {
      // Forget the oldest: below the watermark an unknown id is taken as expired.
      this.expiredThrough = Math.max(this.expiredThrough, this.expired.shift() as number);
    }
  }

  snapshot(): SessionSnapshot {
    const ids = [...this.sessions.keys()].sort((a, b) => a - b);
    return {
      sessions: ids.map((id) => {
        const session = this.sessions.get(id) as Session;
        const replies = [...session.replies.entries()].sort((a, b) => a[0] - b[0]);
        return { id, lastUsedIndex: session.lastUsedIndex, highestSeq: session.highestSeq, replies };
      }),
      expired: this.expired.slice(),
      expiredThrough: this.expiredThrough,
    };
  }

  /**
   * Replaces the table with a snapshot() image taken at log index `snapshotIndex`. An image of
   * an earlier version has no record of expired ids: any id it covers that is not open may have
   * expired, so they all count as such (never as "never opened").
   */
  restore(snapshot: SessionSnapshot, snapshotIndex: number): void {
    this.sessions.clear();
    for (const saved of snapshot.sessions) {
      this.sessions.set(saved.id, { lastUsedIndex: saved.lastUsedIndex, highestSeq: saved.highestSeq, replies: new Map(saved.replies) });
    }
    const recorded = snapshot.expired !== undefined && snapshot.expiredThrough !== undefined;
    this.expired = recorded ? [...(snapshot.expired as readonly number[])].sort((a, b) => a - b) : [];
    this.expiredThrough = recorded ? (snapshot.expiredThrough as number) : snapshotIndex;
  }

  private evictLeastRecentlyUsed(): void {
    let oldestId: number | undefined;
    let oldestUse = Infinity;
    for (const [id, session] of this.sessions) {
      if (session.lastUsedIndex < oldestUse) {
        oldestUse = session.lastUsedIndex;
        oldestId = id;
      }
    }
    if (oldestId !== undefined) this.expire(oldestId);
  }
}

/** The position of `value` in ascending `sorted`, or -(insertion point) - 1. */
function binarySearch(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const item = sorted[middle] as number;
    if (item < value) low = middle + 1;
    else if (item > value) high = middle - 1;
    else return middle;
  }
  return -low - 1;
}
