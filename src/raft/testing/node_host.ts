// A test stand-in for the application loop around one RaftNode, with a disk that only keeps
// what was synced. The node reads `storage` (everything written); `synced` holds what the last
// sync made durable (the checker sees it through `durable`). The Ready contract is followed to the letter with group commit: persist
// every Ready of the turn, sync once, then hand out the messages. The state machine is the list
// of applied entries itself, so a snapshot is that list as JSON and restoring one is checkable.
// Compaction (every compactEveryEntries applied) snapshots and drops the covered log prefix.
// Crash drops everything but `synced`; crashMidTurn() models a kill between write and fsync.
// With asynchronous storage writes (config.asyncStorageWrites), a turn only writes: the messages
// that vouch for storage wait for a sync that completes later (startSync/completeSync, driven by
// the simulation's clock), the leader's own messages leave at once, and each completed sync
// reports the durable point to the node with persisted().

import { assert } from '../../base/assert.js';
import type { RaftConfig } from '../config.js';
import { vouchesForStorage, type RaftMessage } from '../messages.js';
import { RaftNode, type Ready } from '../raft.js';
import { MemoryStorage } from '../storage.js';
import type { DroppedRead, Entry, HardState, NodeId, ReadState, Snapshot, SoftState } from '../types.js';
import type { DurableView } from './invariants.js';

/** Called for each Ready before the host acts on it (invariant checkers hook in here). */
export interface ReadyObserver {
  onReady(host: NodeHost, rd: Ready): void;
  onApply(host: NodeHost, entry: Entry): void;
  onReadState(host: NodeHost, read: ReadState): void;
  onDroppedRead(host: NodeHost, read: DroppedRead): void;
}

export interface NodeHostOptions {
  /** Snapshot and compact once this many entries were applied since the last snapshot; 0 never. */
  readonly compactEveryEntries?: number;
}

/** One write not yet synced, in the order it was made (a WAL's records). */
type PendingWrite =
  | { readonly kind: 'save'; readonly hardState: HardState | undefined; readonly entries: readonly Entry[] }
  | { readonly kind: 'snapshot'; readonly snapshot: Snapshot }
  | { readonly kind: 'compact'; readonly index: number; readonly data: string };

export class NodeHost {
  readonly id: NodeId;
  /** What the node reads: everything written, synced or not. */
  storage: MemoryStorage;
  /** What survives a crash: everything synced. */
  private synced: MemoryStorage;
  /** What a crash keeps, for the cluster checker. */
  readonly durable: DurableView = {
    holds: (index, term) => index <= this.synced.firstIndex() - 1 || this.synced.term(index) === term,
  };
  private pending: PendingWrite[] = [];
  /** Async mode: writes made so far (pending[i] is write number writesMade - pending.length + i + 1). */
  private writesMade = 0;
  /** Async mode: messages waiting for the sync of the writes made before them. */
  private held: Array<{ readonly afterWrite: number; readonly messages: readonly RaftMessage[] }> = [];
  private syncTarget: number | undefined;
  readonly asyncWrites: boolean;
  private readonly compactEveryEntries: number;
  private node: RaftNode | undefined;
  /** The state machine: every entry applied, applied[i - 1] is index i (a snapshot restores it). */
  applied: Entry[] = [];
  readStates: ReadState[] = [];
  droppedReads: DroppedRead[] = [];
  softStates: SoftState[] = [];
  incarnation = 0;
  snapshotsTaken = 0;
  snapshotsInstalled = 0;

  constructor(
    private readonly makeConfig: (incarnation: number) => RaftConfig,
    storage: MemoryStorage = new MemoryStorage(),
    options: NodeHostOptions = {},
  ) {
    this.synced = storage;
    this.storage = copyOf(storage);
    this.compactEveryEntries = options.compactEveryEntries ?? 0;
    this.applied = restoredState(storage.snapshot());
    const config = makeConfig(0);
    this.asyncWrites = config.asyncStorageWrites;
    this.node = new RaftNode(config, this.storage);
    this.id = this.node.id;
  }

  get up(): boolean {
    return this.node !== undefined;
  }

  /** The running node; fails when crashed. */
  get raft(): RaftNode {
    assert(this.node !== undefined, () => `${this.id} is down`);
    return this.node;
  }

  /** Index of the latest snapshot held (0 without one). */
  get snapshotIndex(): number {
    return this.storage.firstIndex() - 1;
  }

  crash(): void {
    this.node = undefined;
    this.pending = []; // never synced: lost
    this.held = [];
    this.syncTarget = undefined;
    this.storage = copyOf(this.synced);
  }

  restart(): void {
    assert(this.node === undefined, () => `${this.id} is already up`);
    this.incarnation++;
    this.storage = copyOf(this.synced);
    this.applied = restoredState(this.storage.snapshot());
    this.node = new RaftNode(this.makeConfig(this.incarnation), this.storage);
  }

  /** Runs the application loop until the node has nothing more; returns the messages to send. */
  handleReady(observer?: ReadyObserver): RaftMessage[] {
    if (this.asyncWrites) return this.handleReadyAsync(observer);
    const out = this.persistTurn(observer);
    this.sync();
    this.maybeCompact();
    return out;
  }

  /** Async mode: returns what may leave now; the rest waits in `held` for completeSync(). */
  private handleReadyAsync(observer: ReadyObserver | undefined): RaftMessage[] {
    const node = this.raft;
    node.persisted(this.synced.lastIndex(), this.synced.term(this.synced.lastIndex()) as number);
    const out = this.persistTurn(observer);
    this.maybeCompact();
    const now = out.filter((message) => !vouchesForStorage(message));
    const later = out.filter((message) => vouchesForStorage(message));
    if (later.length > 0) {
      if (this.pending.length === 0 && this.held.length === 0) return out;
      this.held.push({ afterWrite: this.writesMade, messages: later });
    }
    return now;
  }

  /** Async mode: whether writes or messages wait for a sync. */
  get hasUnsynced(): boolean {
    return this.pending.length > 0 || this.held.length > 0;
  }

  /** Async mode: starts a background sync of every write made so far; its target, or undefined. */
  startSync(): number | undefined {
    if (this.syncTarget !== undefined || (this.pending.length === 0 && this.held.length === 0)) return undefined;
    this.syncTarget = this.writesMade;
    return this.syncTarget;
  }

  /** Async mode: the sync started for `target` completed; returns the messages it releases. */
  completeSync(target: number): RaftMessage[] {
    assert(this.syncTarget === target, () => `${this.id}: completed a sync for ${target}, but ${String(this.syncTarget)} was running`);
    this.syncTarget = undefined;
    // A compaction may have synced everything meanwhile (this host writes snapshots at once).
    const covered = Math.max(0, this.pending.length - (this.writesMade - target));
    for (const change of this.pending.slice(0, covered)) applyWrite(this.synced, change);
    this.pending = this.pending.slice(covered);
    const released: RaftMessage[] = [];
    while (this.held.length > 0 && (this.held[0] as { afterWrite: number }).afterWrite <= target) {
      released.push(...(this.held.shift() as { messages: readonly RaftMessage[] }).messages);
    }
    return released;
  }

  /**
   * A kill in the middle of a turn: the Readies are written, but only the first `keptWrites`
   * writes (chosen by the caller from 0 to the count it is given) reach the disk before the
   * crash, and nothing of the turn is sent. Returns how many writes were pending.
   */
  crashMidTurn(observer: ReadyObserver | undefined, keptWrites: (pendingCount: number) => number): number {
    this.persistTurn(observer);
    const count = this.pending.length;
    const kept = keptWrites(count);
    assert(kept >= 0 && kept <= count, () => `${this.id}: cannot keep ${kept} of ${count} writes`);
    this.pending.length = kept;
    this.sync();
    this.crash();
    return count;
  }

  private persistTurn(observer: ReadyObserver | undefined): RaftMessage[] {
    const node = this.raft;
    const out: RaftMessage[] = [];
    for (let rounds = 1; node.hasReady(); rounds++) {
      // Each Ready drains what the node had; a node that always has more is broken.
      assert(rounds <= 1000, () => `${this.id}: the Ready loop does not converge: ${node.describe()}`);
      const rd = node.ready();
      observer?.onReady(this, rd);
      if (rd.snapshot !== undefined) this.installSnapshot(rd.snapshot, observer);
      this.write({ kind: 'save', hardState: rd.hardState, entries: rd.entries }); // 1. durable first (synced below)
      out.push(...rd.messages); // 2. then sent, after the turn's sync
      for (const entry of rd.committedEntries) {
        assert(entry.index === this.applied.length + 1, () => `${this.id}: applying ${entry.index} after ${this.applied.length}`);
        this.applied.push(entry);
        observer?.onApply(this, entry);
      }
      for (const read of rd.readStates) {
        observer?.onReadState(this, read);
        this.readStates.push(read);
      }
      for (const read of rd.droppedReads) {
        observer?.onDroppedRead(this, read);
        this.droppedReads.push(read);
      }
      if (rd.softState !== undefined) this.softStates.push(rd.softState);
      node.advance(rd);
    }
    return out;
  }

  private installSnapshot(snapshot: Snapshot, observer: ReadyObserver | undefined): void {
    this.write({ kind: 'snapshot', snapshot });
    const state = restoredState(snapshot);
    assert(state.length === snapshot.index, () => `${this.id}: snapshot at ${snapshot.index} holds ${state.length} entries`);
    for (const entry of state.slice(this.applied.length)) observer?.onApply(this, entry);
    this.applied = state;
    this.snapshotsInstalled++;
  }

  private maybeCompact(): void {
    if (this.compactEveryEntries === 0 || this.applied.length - this.snapshotIndex < this.compactEveryEntries) return;
    const index = this.applied.length;
    this.write({ kind: 'compact', index, data: JSON.stringify(this.applied) });
    this.sync(); // a snapshot file is written and synced at once, as the node's store does
    this.snapshotsTaken++;
  }

  private write(change: PendingWrite): void {
    applyWrite(this.storage, change);
    this.pending.push(change);
    this.writesMade++;
  }

  private sync(): void {
    for (const change of this.pending) applyWrite(this.synced, change);
    this.pending = [];
  }
}

function applyWrite(storage: MemoryStorage, change: PendingWrite): void {
  switch (change.kind) {
    case 'save':
      storage.save(change.hardState, change.entries);
      return;
    case 'snapshot':
      storage.applySnapshot(change.snapshot);
      return;
    case 'compact':
      storage.compact(change.index, change.data);
      return;
  }
}

function copyOf(storage: MemoryStorage): MemoryStorage {
  const snapshot = storage.snapshot();
  return new MemoryStorage({ hardState: storage.initialState(), ...(snapshot === undefined ? {} : { snapshot }), entries: storage.allEntries() });
}

function restoredState(snapshot: Snapshot | undefined): Entry[] {
  return snapshot === undefined ? [] : (JSON.parse(snapshot.data) as Entry[]);
}
