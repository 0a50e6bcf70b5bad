// Cluster-wide safety properties of Raft (thesis Figure 3.2), checked incrementally as a test
// cluster runs: election safety (one leader per term), log matching (same index and term means
// same entry and same history), leader completeness (a new leader holds every committed entry),
// state machine safety (every node applies the same entry at an index), read-index
// linearizability (a read point covers every write known committed when the read was issued),
// read leases (a node that may serve reads without asking anyone holds every committed entry),
// and commit durability (an entry is committed only once a majority holds it where a crash
// cannot take it: what counts is each node's durable state, never what it merely wrote).
// Note what is *not* a violation: a deposed leader cut off in a minority keeps appending at
// indexes already committed elsewhere; those entries can never commit, and Raft overwrites them.

import { canonicalJson } from '../../base/json.js';
import type { RaftNode, Ready } from '../raft.js';
import type { DroppedRead, Entry, NodeId, ReadState } from '../types.js';
import type { ReadyObserver } from './node_host.js';

/** What a crash of a node keeps of its log (read while the node is down too). */
export interface DurableView {
  /**
   * Whether a crash now keeps the entry at `index` of `term`, or a snapshot covering it (a
   * snapshot holds applied, so committed, entries only).
   */
  holds(index: number, term: number): boolean;
}

/** What the checker reads of a node (of one Raft group): a NodeHost here, a simulated node's group in src/sim. */
export interface CheckedHost {
  readonly id: NodeId;
  readonly up: boolean;
  /** The running node (read only while up). */
  readonly raft: RaftNode;
  /** What survives a crash of the node, as opposed to what it wrote. */
  readonly durable: DurableView;
}

export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation';
}

interface LoggedEntry {
  readonly prevTerm: number;
  readonly kind: Entry['kind'];
  readonly data: string;
}

export class ClusterChecker implements ReadyObserver {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** Every (index, term) ever persisted anywhere, with its content and the term before it. */
  private readonly logged = new Map<string, LoggedEntry>();
  /**
   * commitTerms[i - 1]: the term of the first leader seen with index i committed, an upper bound
   * of the term in which i committed. Leader completeness binds leaders of later terms only: a
   * vote delayed in the network can still make a leader of an older term, which holds nothing
   * committed after it and can commit nothing (seed 102376 of the whole-node simulator).
   */
  private readonly commitTerms: number[] = [];
  /** Entries known committed (applied somewhere), committed[i - 1] is index i. */
  private readonly committed: Entry[] = [];
  /** Highest commit index any node has reported. */
  maxKnownCommit = 0;
  /** Committed entries already checked to be durable on a majority. */
  private durableChecked = 0;
  /** ctx -> the commit index known cluster-wide when the read was issued. */
  private readonly readFloor = new Map<string, number>();
  readsChecked = 0;

  get leaderTermCount(): number {
    return this.leaderOfTerm.size;
  }

  get committedCount(): number {
    return this.committed.length;
  }

  /** After every step: election safety, leader completeness for newly seen leaders, commit high-water mark. */
  checkCluster(hosts: readonly CheckedHost[]): void {
    for (const host of hosts) {
      if (!host.up) continue;
      const node = host.raft;
      this.maxKnownCommit = Math.max(this.maxKnownCommit, node.commitIndex);
      if (node.role !== 'leader') continue;
      const known = this.leaderOfTerm.get(node.term);
      if (known === undefined) {
        this.leaderOfTerm.set(node.term, node.id);
        this.checkLeaderCompleteness(host);
      } else if (known !== node.id) {
        throw new InvariantViolation(`election safety: term ${node.term} has two leaders, ${known} and ${node.id}`);
      }
      while (this.commitTerms.length < node.commitIndex) this.commitTerms.push(node.term);
    }
    this.checkCommitDurability(hosts);
    this.checkLeaseHolders(hosts);
  }

  /**
   * Read leases (thesis section 6.4.1): a leader whose lease holds, or a follower holding a lease,
   * serves reads from its own state without asking anyone, so nothing may commit that its log
   * lacks: that is what the leases buy (voters refuse other candidates; a leader commits nothing
   * a lease holder has not acknowledged). Checked on the newest entry known applied: by log
   * matching, a log that holds it holds every one before. Catching the breach here, when it
   * happens, does not wait for a client to read the key at that moment.
   */
  private checkLeaseHolders(hosts: readonly CheckedHost[]): void {
    const newest = this.committed[this.committed.length - 1];
    if (newest === undefined) return;
    for (const host of hosts) {
      if (!host.up) continue;
      const node = host.raft;
      const leased = node.role === 'leader' ? node.leaseValid() : node.followerReadPoint() !== undefined;
      // Below the node's first index the entry is under its snapshot, which holds committed entries only.
      if (!leased || newest.index < node.firstIndex) continue;
      const term = node.logTerm(newest.index);
      if (term === newest.term) continue;
      throw new InvariantViolation(
        `read lease: ${host.id} (${node.role} in term ${node.term}, ${node.role === 'leader' ? `commit ${node.commitIndex}` : `read point ${String(node.followerReadPoint())}`}) ` +
          `may serve reads under a lease, but its log lacks committed entry ${newest.index} ` +
          `(term ${newest.term}; it holds ${term === undefined ? 'nothing' : `term ${term}`} there): a read there can miss an acknowledged write`,
      );
    }
  }

  /**
   * Every entry first applied since the last check is held durably by a majority: a leader
   * counts its own entries only once durable and followers acknowledge only durable ones. Once
   * true it stays true (committed entries are never overwritten, and a restart recovers at least
   * what was durable), so each entry is checked once, at the end of the step that committed it.
   */
  private checkCommitDurability(hosts: readonly CheckedHost[]): void {
    const majority = Math.floor(hosts.length / 2) + 1;
    for (; this.durableChecked < this.committed.length; this.durableChecked++) {
      const entry = this.committed[this.durableChecked] as Entry;
      const holders = hosts.filter((host) => host.durable.holds(entry.index, entry.term));
      if (holders.length < majority) {
        throw new InvariantViolation(
          `commit durability: ${entry.index} (term ${entry.term}) is applied, but only ${holders.length} of ${hosts.length} nodes hold it durably` +
            ` (${holders.map((host) => host.id).join(', ') || 'none'}): a crash of the others could lose a committed entry`,
        );
      }
    }
  }

  private checkLeaderCompleteness(host: CheckedHost): void {
    const node = host.raft;
    for (const entry of this.committed) {
      // Compacted entries are covered by the leader's snapshot, checked when it was installed.
      if (entry.index < node.firstIndex - 1) continue;
      const commitTerm = this.commitTerms[entry.index - 1];
      if (commitTerm === undefined || commitTerm >= node.term) continue;
      const term = node.logTerm(entry.index);
      if (term !== entry.term) {
        throw new InvariantViolation(
          `leader completeness: new leader ${node.id} (term ${node.term}) has term ${String(term)} at committed index ${entry.index} (committed term ${entry.term})`,
        );
      }
    }
  }

  onReady(host: CheckedHost, rd: Ready): void {
    const node = host.raft;
    let prevTerm: number | undefined;
    for (const entry of rd.entries) {
      prevTerm ??= node.logTerm(entry.index - 1);
      if (prevTerm === undefined) throw new InvariantViolation(`${host.id}: persisting ${entry.index} without a previous entry`);
      const key = `${entry.index}:${entry.term}`;
      const content: LoggedEntry = { prevTerm, kind: entry.kind, data: canonicalJson(entry.data) };
      const seen = this.logged.get(key);
      if (seen === undefined) {
        this.logged.set(key, content);
      } else if (seen.prevTerm !== content.prevTerm || seen.kind !== content.kind || seen.data !== content.data) {
        throw new InvariantViolation(
          `log matching: ${host.id} persists ${key} as ${content.kind} ${content.data} after term ${content.prevTerm}; seen before as ${seen.kind} ${seen.data} after term ${seen.prevTerm}`,
        );
      }
      prevTerm = entry.term;
    }
    if (rd.hardState !== undefined) this.maxKnownCommit = Math.max(this.maxKnownCommit, rd.hardState.commit);
  }

  onApply(host: CheckedHost, entry: Entry): void {
    const known = this.committed[entry.index - 1];
    if (known === undefined) {
      if (entry.index !== this.committed.length + 1)
        throw new InvariantViolation(`${host.id} applies ${entry.index} before anyone applied ${this.committed.length + 1}`);
      this.committed.push(entry);
    } else if (known.term !== entry.term || known.kind !== entry.kind || canonicalJson(known.data) !== canonicalJson(entry.data)) {
      throw new InvariantViolation(
        `state machine safety: ${host.id} applies ${entry.index} as t${entry.term} ${canonicalJson(entry.data)}, another node applied t${known.term} ${canonicalJson(known.data)}`,
      );
    }
  }

  /** Call when the application issues readIndex(ctx) on `host`. */
  readIssued(host: CheckedHost, ctx: number): void {
    this.readFloor.set(`${host.id}:${ctx}`, this.maxKnownCommit);
  }

  onDroppedRead(host: CheckedHost, read: DroppedRead): void {
    if (!this.readFloor.delete(`${host.id}:${read.ctx}`)) throw new InvariantViolation(`${host.id}: dropped unknown or finished read ctx ${read.ctx}`);
  }

  /** The host crashed: its pending reads vanish with it. */
  forgetReads(host: CheckedHost): void {
    for (const key of [...this.readFloor.keys()]) if (key.startsWith(`${host.id}:`)) this.readFloor.delete(key);
  }

  onReadState(host: CheckedHost, read: ReadState): void {
    const key = `${host.id}:${read.ctx}`;
    const floor = this.readFloor.get(key);
    if (floor === undefined) throw new InvariantViolation(`${host.id}: read state for unknown or finished ctx ${read.ctx}`);
    this.readFloor.delete(key);
    if (read.index < floor) {
      throw new InvariantViolation(`read index: ${host.id} ctx ${read.ctx} got index ${read.index}, but ${floor} was known committed when it was issued`);
    }
    this.readsChecked++;
  }
}
