// The Raft core's options: timing in ticks, feature switches and every limit, validated once at
// construction (a bad combination is a programming error and fails loudly). The core never reads
// a clock or a random source of its own: `rng` is the only randomness it uses.

import { assert } from '../base/assert.js';
import type { Rng } from '../base/rng.js';
import type { NodeId } from './types.js';

export interface RaftConfig {
  readonly id: NodeId;
  /** Every voter, this node included. The same list, in any order, on every node. */
  readonly peers: readonly NodeId[];
  /** Base election timeout T; each election period draws a timeout from [T, 2T). */
  readonly electionTimeoutTicks: number;
  /** A leader sends heartbeats every this many ticks. */
  readonly heartbeatTicks: number;
  /** Thesis §9.6: ask for pre-votes before raising the term, so a rejoining node cannot disrupt. */
  readonly preVote: boolean;
  /**
   * Thesis §6.2 / §4.2.3: a leader that has not heard from a majority within an election timeout
   * steps down, and a follower that heard from a live leader within the election timeout
   * ignores vote requests. Required by lease-based reads.
   */
  readonly checkQuorum: boolean;
  /**
   * Allows leaseValid() to return true (thesis §6.4.1): a leader whose heartbeat round started at
   * tick s was acknowledged by a majority may serve reads locally until s + electionTimeoutTicks
   * - leaseMarginTicks, because those followers refuse votes until an election timeout after
   * hearing from it. Needs checkQuorum, and makes a (re)started node refuse votes for its first
   * election timeout (it may have acknowledged a lease before the crash).
   */
  readonly leaseReads: boolean;
  /** Ticks subtracted from the lease for clock drift between nodes. */
  readonly leaseMarginTicks: number;
  /**
   * Read leases for followers too (needs leaseReads): see RaftNode.followerReadPoint(). The
   * leader then commits an entry only once every follower it granted a live lease has it, and
   * a new leader commits nothing until each follower has answered it or any lease an earlier
   * leader may have granted has run out.
   */
  readonly followerLeases: boolean;
  /**
   * Thesis §10.2.1: the leader writes its log in parallel with replicating it. false: whatever a
   * Ready holds is durable once the application calls advance(), so the leader counts its own
   * entries toward commitment as soon as it appends them. true: advance() means only "written";
   * the application reports what is durable through persisted(), and only that counts for the
   * leader, so its appends may leave before its own fsync and its commit never rests on an
   * entry that a crash could still take from it.
   */
  readonly asyncStorageWrites: boolean;
  /** Appends in flight per follower in replicate state (optimistic pipelining). */
  readonly maxInflightAppends: number;
  readonly maxEntriesPerAppend: number;
  /**
   * Bytes of entries per append: the UTF-8 JSON of each entry and a comma after it (see
   * encodedEntryBytes). An append always carries one entry at least, however large.
   */
  readonly maxAppendBytes: number;
  /** propose() refuses with `overloaded` while lastIndex - commitIndex is at least this. */
  readonly maxUncommittedEntries: number;
  /**
   * propose() also refuses with `overloaded` when this leader's uncommitted entries (those it
   * appended in its term) would take more bytes than this; a leader with none takes any entry.
   */
  readonly maxUncommittedBytes: number;
  /** Read-index requests waiting for confirmation (local and forwarded, each side). */
  readonly maxPendingReads: number;
  /** A read not confirmed within this many ticks is dropped (reported in Ready.droppedReads). */
  readonly readTimeoutTicks: number;
  /** Ready.messages holds at most this many; the rest wait for the next Ready. */
  readonly maxMessagesPerReady: number;
  /** Ready.committedEntries holds at most this many. */
  readonly maxCommittedEntriesPerReady: number;
  /**
   * InstallSnapshot: characters of snapshot text per raft_snapshot message. Encoded as a JSON
   * string a character takes at most six bytes (\uXXXX), so a chunk takes at most six bytes per
   * character in a message: size it by that to keep a message under a line limit.
   */
  readonly maxSnapshotChunkChars: number;
  /**
   * The index the application's state machine already reflects on start (a snapshot's index
   * later). With a purely in-memory state machine this is 0: everything committed is re-applied.
   */
  readonly appliedIndex: number;
  readonly rng: Rng;
}

export type RaftConfigInput = Pick<RaftConfig, 'id' | 'peers' | 'rng'> & Partial<Omit<RaftConfig, 'id' | 'peers' | 'rng'>>;

/**
 * Defaults sized for 10 ms ticks (elections after 200-400 ms, heartbeats every 30 ms) and for
 * peers accepting lines of 1 MiB; a node derives its byte limits from its own line limit.
 */
export const RAFT_DEFAULTS = {
  electionTimeoutTicks: 20,
  heartbeatTicks: 3,
  preVote: true,
  checkQuorum: true,
  leaseReads: false,
  leaseMarginTicks: 4,
  followerLeases: false,
  asyncStorageWrites: false,
  maxInflightAppends: 64,
  maxEntriesPerAppend: 512,
  maxAppendBytes: 1_000_000,
  maxUncommittedEntries: 10_000,
  maxUncommittedBytes: 64 << 20,
  maxPendingReads: 10_000,
  readTimeoutTicks: 100,
  maxMessagesPerReady: 4_096,
  maxCommittedEntriesPerReady: 4_096,
  maxSnapshotChunkChars: 128 * 1024,
  appliedIndex: 0,
} as const satisfies Omit<RaftConfig, 'id' | 'peers' | 'rng'>;

export function makeRaftConfig(input: RaftConfigInput): RaftConfig {
  const config: RaftConfig = { ...RAFT_DEFAULTS, ...stripUndefined(input) } as RaftConfig;
  validateRaftConfig(config);
  return config;
}

export function validateRaftConfig(config: RaftConfig): void {
  const positive = (name: keyof RaftConfig): void => {
    const value = config[name];
    assert(
      typeof value === 'number' && Number.isSafeInteger(value) && value >= 1,
      () => `raft config: ${name} must be a positive integer, got ${String(value)}`,
    );
  };
  assert(config.id.length > 0, 'raft config: id must not be empty');
  assert(config.peers.includes(config.id), () => `raft config: peers [${config.peers.join(', ')}] must include id ${config.id}`);
  assert(new Set(config.peers).size === config.peers.length, () => `raft config: peers repeat a node: [${config.peers.join(', ')}]`);
  for (const name of [
    'electionTimeoutTicks',
    'heartbeatTicks',
    'maxInflightAppends',
    'maxEntriesPerAppend',
    'maxAppendBytes',
    'maxUncommittedEntries',
    'maxUncommittedBytes',
    'maxPendingReads',
    'readTimeoutTicks',
    'maxMessagesPerReady',
    'maxCommittedEntriesPerReady',
    'maxSnapshotChunkChars',
  ] as const) {
    positive(name);
  }
  assert(Number.isSafeInteger(config.appliedIndex) && config.appliedIndex >= 0, 'raft config: appliedIndex must be a non-negative integer');
  // A follower must hear several heartbeats per election timeout, or it campaigns against a
  // healthy leader; check-quorum's leader lease is meaningless otherwise too.
  assert(
    config.electionTimeoutTicks > config.heartbeatTicks,
    () => `raft config: electionTimeoutTicks (${config.electionTimeoutTicks}) must exceed heartbeatTicks (${config.heartbeatTicks})`,
  );
  assert(Number.isSafeInteger(config.leaseMarginTicks) && config.leaseMarginTicks >= 0, 'raft config: leaseMarginTicks must be a non-negative integer');
  assert(!config.leaseReads || config.checkQuorum, 'raft config: leaseReads requires checkQuorum (followers must refuse votes while the lease lasts)');
  assert(!config.leaseReads || config.leaseMarginTicks < config.electionTimeoutTicks, 'raft config: leaseMarginTicks must be below electionTimeoutTicks');
  assert(!config.followerLeases || config.leaseReads, 'raft config: followerLeases needs leaseReads');
  // A heartbeat round (one message per peer) must fit in one Ready.
  assert(config.maxMessagesPerReady >= config.peers.length, 'raft config: maxMessagesPerReady must be at least the cluster size');
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
