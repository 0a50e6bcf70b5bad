// The key-value node's options, with their defaults (sized for 10 ms ticks). One typed object,
// validated by whoever builds it (src/runtime/node_options.ts for bin/raftkv).

import { DEFAULT_MVCC_RETENTION_ENTRIES } from '../kv/kv_store.js';

/**
 * All but 'bounded-staleness' are linearizable. 'bounded-staleness' serves every read from the
 * local copy of any node that heard from its leader within a bound: reads may miss recent
 * writes. It exists to show what the checker catches, and must never be the default.
 */
export const READ_MODES = ['log', 'read-index', 'lease', 'follower', 'bounded-staleness'] as const;
export type ReadMode = (typeof READ_MODES)[number];

/**
 * How a txn runs (a txn of reads only takes the read mode and never enters the log, in every
 * mode). 'batch': the whole txn is one log entry, run at apply in log order: all or nothing,
 * strict-serializable, never aborts. 'occ': reads at a read point, writes committed with a check
 * of the keys read (error 30 on a conflict, retried by the node): strict-serializable. 'si':
 * snapshot isolation, first committer wins on the keys written only: NOT serializable (write skew).
 */
export const TXN_MODES = ['batch', 'occ', 'si'] as const;
export type TxnMode = (typeof TXN_MODES)[number];

export interface KvServerOptions {
  /** How reads are made linearizable (see README, "Read modes"). */
  readonly readMode: ReadMode;
  readonly txnMode: TxnMode;
  /**
   * Raft groups this node hosts, each holding the keys groupOfKey maps to it (a fixed split);
   * every node of a cluster must run with the same number. Client sessions need a single group.
   */
  readonly groupCount: number;
  readonly electionTimeoutTicks: number;
  readonly heartbeatTicks: number;
  /** How long a follower waits for the leader's answer to a forwarded request. */
  readonly forwardTimeoutTicks: number;
  /** How long a request may wait for a leader to become known before it is refused. */
  readonly leaderWaitTicks: number;
  /**
   * Client requests in flight on this node, all stages together; beyond it: error 11. Their
   * commands' bytes are bounded too, by the node's budget (context.budget.pendingRequestBytes).
   */
  readonly maxPendingRequests: number;
  readonly maxOpsPerForward: number;
  /** Take a snapshot and compact the log once this many entries were applied since the last one. */
  readonly snapshotEveryEntries: number;
  /**
   * ... or once the commands applied since the last one take about this many bytes, or as many
   * as the last snapshot if that is more (so a log of large values does not fill the memory,
   * and snapshots cost at most about as much as the log they replace).
   */
  readonly snapshotEveryBytes: number;
  /** bounded-staleness only: how long after the last word from the leader local reads go on. */
  readonly stalenessBoundTicks: number;
  /**
   * Log entries behind the newest for which the store keeps superseded versions, so snapshot
   * reads (at_index) within the window are served; older ones are collected.
   */
  readonly mvccRetentionEntries: number;
  /**
   * occ and si: no new attempt of a txn starts later than this many ticks after it arrived, so
   * the client (Maelstrom's waits 5 s) hears the outcome of the last attempt in time.
   */
  readonly txnRetryBudgetTicks: number;
  /** occ and si: attempts of a txn after its first at most (0: a conflict is answered 30 at once). */
  readonly txnRetries: number;
  /** occ and si: the longest jittered backoff before a retry, in ticks (0: a retry starts at the end of the turn that saw the conflict). */
  readonly txnBackoffTicks: number;
  /**
   * Whether a txn with a check that this node's applied state already fails is refused with 30
   * before it is proposed (by an occ or si coordinator, and by the leader in every mode), rather
   * than proposed to fail at apply. Only where the 30 is decided changes, never the outcome.
   */
  readonly txnEarlyAbort: boolean;
  /** How often a node in occ or si mode logs its txn counters, when they changed. */
  readonly txnStatsEveryTicks: number;
}

/** A txn's attempts in occ and si modes are this many retries after the first, unless told. */
export const DEFAULT_TXN_RETRIES = 7;

/**
 * The longest backoff before an occ or si retry, in ticks, unless told. Short on purpose: a
 * retry's read round already waits out the commit that beat it, so a longer wait only adds
 * latency (docs/contention.md measures 16 ticks against this and against none).
 */
export const DEFAULT_TXN_BACKOFF_TICKS = 2;

/** The time within which an occ or si txn may start attempts: well inside a Maelstrom client's 5 s timeout. */
export const TXN_RETRY_BUDGET_MS = 2_000;

/** A node in occ or si mode logs its txn counters this often (when they changed). */
export const TXN_STATS_EVERY_MS = 1_000;

export const DEFAULT_KV_SERVER_OPTIONS: KvServerOptions = {
  readMode: 'read-index',
  txnMode: 'batch',
  groupCount: 1,
  electionTimeoutTicks: 20,
  heartbeatTicks: 3,
  forwardTimeoutTicks: 80,
  leaderWaitTicks: 40,
  maxPendingRequests: 20_000,
  maxOpsPerForward: 1_024,
  snapshotEveryEntries: 10_000,
  snapshotEveryBytes: 64 << 20,
  stalenessBoundTicks: 50,
  mvccRetentionEntries: DEFAULT_MVCC_RETENTION_ENTRIES,
  txnRetryBudgetTicks: TXN_RETRY_BUDGET_MS / 10,
  txnRetries: DEFAULT_TXN_RETRIES,
  txnBackoffTicks: DEFAULT_TXN_BACKOFF_TICKS,
  txnEarlyAbort: true,
  txnStatsEveryTicks: TXN_STATS_EVERY_MS / 10,
};
