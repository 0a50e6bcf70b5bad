// Client sessions for exactly-once execution (Raft thesis §6.3). Part of the replicated state
// machine: every replica makes the same decisions from the same log, so nothing here reads a
// clock. A session is opened by a log entry and named by that entry's index, so an id is never
// reused and an unknown id can only mean "expired" (or made up): such a request is refused,
// never run again. Each session remembers the replies to its most recent sequence numbers.

import { assert } from '../base/assert.js';
import type { KvOutcome } from './kv_store.js';

export interface SessionLimits {
  /** Sessions kept at once; opening one more expires the least recently used. */
  readonly maxSessions: number;
  /** Replies remembered per session: a client may have this many requests in flight. */
  readonly repliesPerSession: number;
  /** A session unused for this many log entries expires. */
  readonly idleEntries: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { maxSessions: 10_000, repliesPerSession: 64, idleEntries: 200_000 };

export type SessionCheck =
  /** Run the request, then record its outcome. */
  | { readonly kind: 'run' }
  /** Already ran: answer with the remembered outcome. */
  | { readonly kind: 'duplicate'; readonly outcome: KvOutcome }
  /** The session expired (or never existed), or this seq fell out of its window. */
  | { readonly kind: 'expired' };

interface Session {
  lastUsedIndex: number;
  highestSeq: number;
  readonly replies: Map<number, KvOutcome>;
}

export interface SessionSnapshot {
  readonly sessions: ReadonlyArray<{ id: number; lastUsedIndex: number; highestSeq: number; replies: Array<[number, KvOutcome]> }>;
}

export class SessionTable {
  private readonly sessions = new Map<number, Session>();

  constructor(private readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS) {}

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

  check(sessionId: number, seq: number): SessionCheck {
    const session = this.sessions.get(sessionId);
    if (session === undefined) return { kind: 'expired' };
    const remembered = session.replies.get(seq);
    if (remembered !== undefined) return { kind: 'duplicate', outcome: remembered };
    // Below the window we cannot tell whether it ran: refuse rather than risk running it twice.
    if (seq <= session.highestSeq - this.limits.repliesPerSession) return { kind: 'expired' };
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
      if (index - session.lastUsedIndex > this.limits.idleEntries) this.sessions.delete(id);
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
    };
  }

  restore(snapshot: SessionSnapshot): void {
    this.sessions.clear();
    for (const saved of snapshot.sessions) {
      this.sessions.set(saved.id, { lastUsedIndex: saved.lastUsedIndex, highestSeq: saved.highestSeq, replies: new Map(saved.replies) });
    }
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
    if (oldestId !== undefined) this.sessions.delete(oldestId);
  }
}
