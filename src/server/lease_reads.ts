// Lease reads (thesis §6.4.1): while the leader's lease holds no other leader can have committed
// anything, so its commit index is a read point without a heartbeat round; a follower holding a
// lease serves reads with no network hop (RaftNode.followerReadPoint says why that is
// linearizable). Without a lease, a read takes the ReadIndex path (or goes to the leader).

import { mayWriteAnyKey, readKeysOf } from '../kv/commands.js';
import { decodeCommand } from '../kv/command_codec.js';
import type { Ready } from '../raft/index.js';
import { expireWaiting, type AppliedReads, type ReadHost, type ReadIndexReads, type ReadPath, type ReadRequest } from './read_paths.js';
import { notProposed } from './requests.js';

/** Lease reads on a follower search at most this many unapplied entries for writes to their key. */
const MAX_LEASE_READ_SCAN = 512;

type AwaitingWrite = ReadRequest & { readonly index: number; readonly deadlineTick: number };

export class LeaseReads implements ReadPath {
  /** Follower reads waiting to apply a write to their key; checked again then (the lease may lapse). */
  private awaitingWrites: AwaitingWrite[] = [];

  constructor(
    private readonly host: ReadHost,
    private readonly applied: AppliedReads,
    private readonly readIndex: ReadIndexReads,
  ) {}

  get pendingCount(): number {
    return this.readIndex.pendingCount + this.awaitingWrites.length;
  }

  submit(read: ReadRequest): boolean {
    const { raft } = this.host;
    if (raft.role === 'leader' && raft.leaseValid()) {
      this.applied.serveAt(raft.commitIndex, read);
      return true;
    }
    if (raft.role !== 'leader' && this.serveUnderFollowerLease(read)) return true;
    return this.readIndex.submit(read);
  }

  flush(): void {
    this.readIndex.flush();
  }

  onReady(ready: Ready): void {
    this.readIndex.onReady(ready);
  }

  onApplied(): void {
    this.readIndex.onApplied();
    if (this.awaitingWrites.length === 0) return;
    const { host } = this;
    const waiting = this.awaitingWrites;
    this.awaitingWrites = [];
    for (const read of waiting) {
      if (read.index > host.machine.appliedIndex) this.awaitingWrites.push(read);
      // Check again: the lease may have lapsed, and newer writes to the key may have arrived.
      else if (this.serveUnderFollowerLease(read)) continue;
      else if (read.mayForward) host.forward(read.request, read.respond, read.deadlineTick);
      else read.respond(notProposed(`${host.nodeId} lost its read lease; try again`), host.machine.appliedIndex);
    }
  }

  tick(now: number): void {
    this.readIndex.tick(now);
    this.awaitingWrites = expireWaiting(this.awaitingWrites, now, this.host.machine.appliedIndex);
  }

  /**
   * Serves the read here once this node applied the grant's commit index and every write to the
   * key its log holds. False without a lease, or with a log tail too long to search.
   */
  private serveUnderFollowerLease(read: ReadRequest): boolean {
    const { host } = this;
    const readPoint = host.raft.followerReadPoint();
    if (readPoint === undefined) return false;
    const lastWrite = this.lastUnappliedWrite(read);
    if (lastWrite === undefined) return false;
    const index = Math.max(readPoint, lastWrite, read.minIndex);
    if (index <= host.machine.appliedIndex) read.respond(host.machine.query(read.request.command), host.machine.appliedIndex);
    else this.awaitingWrites.push({ ...read, index, deadlineTick: host.now() + host.forwardTimeoutTicks });
    return true;
  }

  /** The last entry after the applied one that may write a key the read reads (0 if none); undefined past the search bound. */
  private lastUnappliedWrite(read: ReadRequest): number | undefined {
    const { raft, machine } = this.host;
    const from = machine.appliedIndex + 1;
    const to = raft.lastIndex + 1;
    if (to - from > MAX_LEASE_READ_SCAN) return undefined;
    if (to === from) return 0;
    // A read-only txn is served at one applied index for all its keys: past the last write to any of them.
    const keys = readKeysOf(read.request.command);
    let last = 0;
    for (const entry of raft.logEntries(from, to)) {
      if (entry.kind !== 'normal') continue;
      const command = decodeCommand(entry.data);
      // An entry that is no command changes nothing (the state machine refuses it alike).
      if (command.ok && mayWriteAnyKey(command.value, keys)) last = entry.index;
    }
    return last;
  }
}
