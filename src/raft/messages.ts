// The messages Raft nodes exchange. Each is a plain JSON object whose `type` is the Maelstrom
// body type, so the server can send one as a body as it is and hand a received body to
// parseRaftMessage. Every message carries the sender's term; the core drops or answers stale
// ones before looking at anything else. Field names follow etcd's vocabulary, shortened.

import { isJsonObject, type JsonValue } from '../base/json.js';
import { err, ok, type Result } from '../base/result.js';
import type { Entry, NodeId } from './types.js';

// Type aliases, not interfaces: only these are assignable to JsonValue and to a shell body.
type Envelope = {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
};

/** RequestVote (thesis §3.4) and its pre-vote twin (§9.6), which asks for `term` without raising its own. */
export type VoteRequest = Envelope & {
  readonly type: 'raft_vote' | 'raft_prevote';
  readonly lastIndex: number;
  readonly lastTerm: number;
};

/** A granted pre-vote carries the term asked for; every other response the voter's own term. */
export type VoteResponse = Envelope & {
  readonly type: 'raft_vote_resp' | 'raft_prevote_resp';
  readonly granted: boolean;
};

/**
 * AppendEntries (§3.5): entries follow (prevIndex, prevTerm); `commit` is the leader's commit
 * index. `round`, when present, is a read-index round (§6.4) riding on the append instead of a
 * heartbeat of its own; the answer echoes it.
 */
export type AppendRequest = Envelope & {
  readonly type: 'raft_append';
  readonly prevIndex: number;
  readonly prevTerm: number;
  readonly entries: Entry[];
  readonly commit: number;
  readonly round?: number;
};

/**
 * On success `index` is the last index known to match the leader's log. On rejection `index`
 * is the rejected prevIndex and (hintIndex, hintTerm) the follower's guess of where the logs may
 * match: the last index at or below min(prevIndex, lastIndex) whose term is at most prevTerm,
 * and that term. The leader skips a whole term per round trip (§5.3's optimisation).
 */
export type AppendResponse = Envelope & {
  readonly type: 'raft_append_resp';
  readonly reject: boolean;
  readonly index: number;
  readonly hintIndex: number;
  readonly hintTerm: number;
  readonly round?: number;
};

/**
 * Heartbeats carry min(follower's match, leader's commit) so that a follower never commits
 * past what it is known to hold, and the leader's latest read-index round (§6.4).
 */
export type HeartbeatRequest = Envelope & {
  readonly type: 'raft_heartbeat';
  readonly commit: number;
  readonly round: number;
  /** With follower leases: the grant answering the follower's latest ask (see RaftNode.followerLease). */
  readonly lease?: LeaseGrant;
};

export type HeartbeatResponse = Envelope & {
  readonly type: 'raft_heartbeat_resp';
  readonly round: number;
  /** With follower leases: the follower asks for a lease anchored at its own clock. */
  readonly lease?: LeaseAsk;
};

/** A follower's request for a read lease: its tick when asking, and its incarnation's nonce. */
export type LeaseAsk = {
  readonly askedAt: number;
  readonly nonce: number;
};

/** The leader's grant: the ask it answers, and its commit index when granting. */
export type LeaseGrant = LeaseAsk & {
  readonly commit: number;
};

/**
 * InstallSnapshot (thesis §5.3 / Figure 5.3), one bounded chunk at a time: `data` is the slice
 * of the snapshot's text starting at `offset`; `done` marks the last chunk. The leader sends the
 * next chunk only when the previous one was acknowledged, so at most one is in flight.
 */
export type SnapshotRequest = Envelope & {
  readonly type: 'raft_snapshot';
  readonly snapshotIndex: number;
  readonly snapshotTerm: number;
  readonly offset: number;
  readonly data: string;
  readonly done: boolean;
};

/**
 * `offset` is how much of the snapshot at `snapshotIndex` the follower holds: where the next
 * chunk must start (0 when it has nothing of it, after a restart say). The last chunk is
 * answered with a raft_append_resp for the snapshot's index instead, like an append.
 */
export type SnapshotResponse = Envelope & {
  readonly type: 'raft_snapshot_resp';
  readonly snapshotIndex: number;
  readonly offset: number;
};

/** A follower forwards a read-index request to the leader it knows. */
export type ReadIndexRequest = Envelope & {
  readonly type: 'raft_read_index';
  readonly ctx: number;
};

/** `index` is meaningful only when not rejected. */
export type ReadIndexResponse = Envelope & {
  readonly type: 'raft_read_index_resp';
  readonly ctx: number;
  readonly reject: boolean;
  readonly index: number;
};

export type RaftMessage =
  | VoteRequest
  | VoteResponse
  | AppendRequest
  | AppendResponse
  | HeartbeatRequest
  | HeartbeatResponse
  | SnapshotRequest
  | SnapshotResponse
  | ReadIndexRequest
  | ReadIndexResponse;

export type RaftMessageType = RaftMessage['type'];

export const RAFT_MESSAGE_TYPES: readonly RaftMessageType[] = [
  'raft_vote',
  'raft_vote_resp',
  'raft_prevote',
  'raft_prevote_resp',
  'raft_append',
  'raft_append_resp',
  'raft_heartbeat',
  'raft_heartbeat_resp',
  'raft_snapshot',
  'raft_snapshot_resp',
  'raft_read_index',
  'raft_read_index_resp',
];

const TYPE_SET: ReadonlySet<string> = new Set(RAFT_MESSAGE_TYPES);

export function isRaftMessageType(type: string): type is RaftMessageType {
  return TYPE_SET.has(type);
}

/** Messages only a leader sends: receiving one at a term tells a node who leads that term. */
export function isFromLeader(message: RaftMessage): message is AppendRequest | HeartbeatRequest | SnapshotRequest {
  return message.type === 'raft_append' || message.type === 'raft_heartbeat' || message.type === 'raft_snapshot';
}

/**
 * Whether a message vouches for this node's persisted state (its term, vote or log), so that
 * with asynchronous storage writes it may leave only after the sync (thesis §3.8). Votes and
 * log acknowledgements do. The leader's own messages do not (§10.2.1: it writes its log in
 * parallel with replicating it, and counts its own entries only once they are durable), nor do
 * read-index requests and answers (they concern the commit index, whose entries are durable on
 * a majority), nor heartbeat answers: one says "my term is T and you lead it", which stays
 * true enough after a crash that loses T, because a node that had voted in a higher term had
 * made that vote durable first, and no leader of T other than the one answered can exist.
 */
export function vouchesForStorage(message: RaftMessage): boolean {
  return !isFromLeader(message) && !SEND_BEFORE_SYNC.has(message.type);
}

const SEND_BEFORE_SYNC: ReadonlySet<RaftMessage['type']> = new Set(['raft_read_index', 'raft_read_index_resp', 'raft_heartbeat_resp']);

export function isVoteRequest(message: RaftMessage): message is VoteRequest {
  return message.type === 'raft_vote' || message.type === 'raft_prevote';
}

/** A one-line description for logs and simulation traces. */
export function describeMessage(m: RaftMessage): string {
  const head = `${m.type} ${m.from}->${m.to} t${m.term}`;
  switch (m.type) {
    case 'raft_vote':
    case 'raft_prevote':
      return `${head} last=${m.lastIndex}/${m.lastTerm}`;
    case 'raft_vote_resp':
    case 'raft_prevote_resp':
      return `${head} ${m.granted ? 'granted' : 'rejected'}`;
    case 'raft_append':
      return `${head} prev=${m.prevIndex}/${m.prevTerm} n=${m.entries.length} commit=${m.commit}`;
    case 'raft_append_resp':
      return m.reject ? `${head} reject ${m.index} hint=${m.hintIndex}/${m.hintTerm}` : `${head} ok ${m.index}`;
    case 'raft_heartbeat':
      return `${head} commit=${m.commit} round=${m.round}${m.lease === undefined ? '' : ` lease@${m.lease.askedAt}/${m.lease.commit}`}`;
    case 'raft_heartbeat_resp':
      return `${head} round=${m.round}${m.lease === undefined ? '' : ` ask@${m.lease.askedAt}`}`;
    case 'raft_snapshot':
      return `${head} snap=${m.snapshotIndex}/${m.snapshotTerm} offset=${m.offset} n=${m.data.length}${m.done ? ' done' : ''}`;
    case 'raft_snapshot_resp':
      return `${head} snap=${m.snapshotIndex} offset=${m.offset}`;
    case 'raft_read_index':
      return `${head} ctx=${m.ctx}`;
    case 'raft_read_index_resp':
      return m.reject ? `${head} ctx=${m.ctx} reject` : `${head} ctx=${m.ctx} index=${m.index}`;
  }
}

// ---- Decoding: a body from the network is validated field by field; nothing here throws. ----

type Fields = { readonly [key: string]: JsonValue | undefined };

class Reader {
  problem: string | undefined;
  constructor(private readonly body: Fields) {}

  count(field: string): number {
    const value = this.body[field];
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
    this.fail(`field "${field}" must be a non-negative integer`);
    return 0;
  }

  id(field: string): string {
    const value = this.body[field];
    if (typeof value === 'string' && value.length > 0) return value;
    this.fail(`field "${field}" must be a non-empty string`);
    return '';
  }

  flag(field: string): boolean {
    const value = this.body[field];
    if (typeof value === 'boolean') return value;
    this.fail(`field "${field}" must be a boolean`);
    return false;
  }

  text(field: string): string {
    const value = this.body[field];
    if (typeof value === 'string') return value;
    this.fail(`field "${field}" must be a string`);
    return '';
  }

  entries(field: string, prevIndex: number): Entry[] {
    const value = this.body[field];
    if (!Array.isArray(value)) {
      this.fail(`field "${field}" must be a list`);
      return [];
    }
    const out: Entry[] = [];
    for (const [position, item] of value.entries()) {
      const entry = parseEntry(item);
      if (typeof entry === 'string') {
        this.fail(`${field}[${position}]: ${entry}`);
        return [];
      }
      if (entry.index !== prevIndex + 1 + position) {
        this.fail(`${field}[${position}] has index ${entry.index}, expected ${prevIndex + 1 + position}`);
        return [];
      }
      out.push(entry);
    }
    return out;
  }

  /** An optional object of non-negative integer fields; undefined when absent. */
  counts<K extends string>(field: string, keys: readonly K[]): { readonly [key in K]: number } | undefined {
    const value = this.body[field];
    if (value === undefined) return undefined;
    if (!isJsonObject(value)) {
      this.fail(`field "${field}" must be an object`);
      return undefined;
    }
    const inner = new Reader(value);
    const out = Object.fromEntries(keys.map((key) => [key, inner.count(key)])) as { [key in K]: number };
    if (inner.problem !== undefined) this.fail(`${field}: ${inner.problem}`);
    return out;
  }

  /** An optional non-negative integer; undefined when absent. */
  optionalCount(field: string): number | undefined {
    return this.body[field] === undefined ? undefined : this.count(field);
  }

  private fail(problem: string): void {
    this.problem ??= problem;
  }
}

function parseEntry(item: JsonValue): Entry | string {
  if (!isJsonObject(item)) return 'an entry must be an object';
  const { index, term, kind, data } = item;
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 1) return 'entry index must be a positive integer';
  if (typeof term !== 'number' || !Number.isSafeInteger(term) || term < 1) return 'entry term must be a positive integer';
  if (kind !== 'normal' && kind !== 'noop') return 'entry kind must be "normal" or "noop"';
  if (data === undefined) return 'entry data is missing';
  return { index, term, kind, data };
}

/** Validates a body received from a peer. Unknown extra fields (msg_id, ...) are ignored. */
export function parseRaftMessage(body: unknown): Result<RaftMessage, string> {
  if (!isJsonObject(body)) return err('a raft message must be an object');
  const type = body['type'];
  if (typeof type !== 'string' || !isRaftMessageType(type)) return err(`not a raft message type: ${JSON.stringify(type)}`);
  const r = new Reader(body);
  const envelope = { from: r.id('from'), to: r.id('to'), term: r.count('term') };
  let message: RaftMessage;
  switch (type) {
    case 'raft_vote':
    case 'raft_prevote':
      message = { type, ...envelope, lastIndex: r.count('lastIndex'), lastTerm: r.count('lastTerm') };
      break;
    case 'raft_vote_resp':
    case 'raft_prevote_resp':
      message = { type, ...envelope, granted: r.flag('granted') };
      break;
    case 'raft_append': {
      const prevIndex = r.count('prevIndex');
      const round = r.optionalCount('round');
      message = {
        type,
        ...envelope,
        prevIndex,
        prevTerm: r.count('prevTerm'),
        entries: r.entries('entries', prevIndex),
        commit: r.count('commit'),
        ...(round === undefined ? {} : { round }),
      };
      break;
    }
    case 'raft_append_resp': {
      const round = r.optionalCount('round');
      message = {
        type,
        ...envelope,
        reject: r.flag('reject'),
        index: r.count('index'),
        hintIndex: r.count('hintIndex'),
        hintTerm: r.count('hintTerm'),
        ...(round === undefined ? {} : { round }),
      };
      break;
    }
    case 'raft_heartbeat': {
      const lease = r.counts('lease', ['askedAt', 'nonce', 'commit']);
      message = { type, ...envelope, commit: r.count('commit'), round: r.count('round'), ...(lease === undefined ? {} : { lease }) };
      break;
    }
    case 'raft_heartbeat_resp': {
      const lease = r.counts('lease', ['askedAt', 'nonce']);
      message = { type, ...envelope, round: r.count('round'), ...(lease === undefined ? {} : { lease }) };
      break;
    }
    case 'raft_snapshot':
      message = {
        type,
        ...envelope,
        snapshotIndex: r.count('snapshotIndex'),
        snapshotTerm: r.count('snapshotTerm'),
        offset: r.count('offset'),
        data: r.text('data'),
        done: r.flag('done'),
      };
      break;
    case 'raft_snapshot_resp':
      message = { type, ...envelope, snapshotIndex: r.count('snapshotIndex'), offset: r.count('offset') };
      break;
    case 'raft_read_index':
      message = { type, ...envelope, ctx: r.count('ctx') };
      break;
    case 'raft_read_index_resp':
      message = { type, ...envelope, ctx: r.count('ctx'), reject: r.flag('reject'), index: r.count('index') };
      break;
  }
  return r.problem === undefined ? ok(message) : err(`${type}: ${r.problem}`);
}
