// One Raft group's slice of a DurableNodeStore: reads come from a MemoryStorage mirror of
// everything the group wrote; writes go to the mirror at once and, as WAL records tagged with
// the group, to the store's current turn. It decides which records must be durable before
// output vouching for them leaves, and orders them so a torn write leaves a state the node had.

import type { Entry, HardState, LogPosition, MemoryStorage, Snapshot } from '../raft/index.js';
import { stateRecord, type GroupHeader, type WalRecord } from './records.js';
import type { GroupId, GroupStorage } from './types.js';

/** What a group needs from its store (DurableNodeStore). */
export interface GroupRecorder {
  /** Adds `record` to the turn; `mustSync`: output of the turn waits for it; `coverIndex`: the highest log index it writes. */
  record(group: DurableGroup, record: WalRecord, mustSync: boolean, coverIndex: number): void;
  /** The group has work to finish at the end of the turn (DurableGroup.endTurn). */
  touch(group: DurableGroup): void;
  /** A snapshot to write to the group's snapshot file once the WAL holds this turn. */
  snapshotTaken(group: DurableGroup, snapshot: Snapshot): void;
}

export interface RecoveredGroupReport {
  readonly group: GroupId;
  readonly snapshotIndex: number;
  readonly lastIndex: number;
  readonly hardState: HardState;
}

export class DurableGroup implements GroupStorage {
  /** The last log position a completed sync covers (DurableNodeStore moves it). */
  durable: LogPosition;
  /** The hard state as the WAL will have it once this turn's records are written. */
  private recorded: HardState;
  /**
   * A snapshot installed this turn and the log end it left (its own entries it kept), recorded
   * after the turn's new term, if any: the term comes from the same leader's message.
   */
  private pendingInstall: { readonly snapshot: Snapshot; readonly keptThrough: number } | undefined;

  constructor(
    readonly id: GroupId,
    private readonly memory: MemoryStorage,
    private readonly store: GroupRecorder,
  ) {
    this.durable = memory.durablePoint();
    this.recorded = memory.initialState();
  }

  initialState(): HardState {
    return this.memory.initialState();
  }
  firstIndex(): number {
    return this.memory.firstIndex();
  }
  lastIndex(): number {
    return this.memory.lastIndex();
  }
  term(index: number): number | undefined {
    return this.memory.term(index);
  }
  entries(lo: number, hi: number): readonly Entry[] {
    return this.memory.entries(lo, hi);
  }
  snapshot(): Snapshot | undefined {
    return this.memory.snapshot();
  }
  durablePoint(): LogPosition {
    return this.durable;
  }

  /**
   * Records are ordered so that every prefix a torn write may leave is a state this node could
   * restart from: a new term and vote first (entries and snapshots never carry a term above
   * the node's), then an installed snapshot, then entries, then a commit index, which may refer
   * to them. Entries and a new term or vote must be durable before output vouching for them;
   * a commit index alone need not be: a restarted node relearns it.
   */
  save(hardState: HardState | undefined, entries: readonly Entry[]): void {
    this.memory.save(hardState, entries);
    const now = this.memory.initialState();
    if (now.term !== this.recorded.term || now.vote !== this.recorded.vote) {
      this.recorded = { term: now.term, vote: now.vote, commit: this.recorded.commit };
      this.store.record(this, stateRecord(this.id, this.recorded), true, 0);
    }
    this.recordInstall();
    const last = entries[entries.length - 1];
    if (last !== undefined) this.store.record(this, { type: 'entries', group: this.id, entries }, true, last.index);
    if (now.commit !== this.recorded.commit) {
      this.recorded = now;
      this.store.record(this, stateRecord(this.id, now), false, 0);
    }
  }

  applySnapshot(snapshot: Snapshot): void {
    this.recordInstall(); // an earlier one of this turn keeps its place
    this.memory.applySnapshot(snapshot);
    this.pendingInstall = { snapshot, keptThrough: this.memory.lastIndex() };
    this.store.touch(this);
  }

  compact(index: number, data: string): void {
    this.memory.compact(index, data);
    this.store.snapshotTaken(this, this.memory.snapshot() as Snapshot);
  }

  /** Records what the turn still owes the WAL (the store calls this at the end of each turn). */
  endTurn(): void {
    this.recordInstall();
  }

  lastPosition(): LogPosition {
    return this.memory.durablePoint();
  }

  header(): GroupHeader {
    const { term, vote, commit } = this.memory.initialState();
    const lastIndex = this.memory.lastIndex();
    return { group: this.id, term, vote, commit, lastIndex, lastTerm: this.memory.term(lastIndex) as number };
  }

  report(): RecoveredGroupReport {
    return { group: this.id, snapshotIndex: this.memory.firstIndex() - 1, lastIndex: this.memory.lastIndex(), hardState: this.memory.initialState() };
  }

  private recordInstall(): void {
    const install = this.pendingInstall;
    if (install === undefined) return;
    this.pendingInstall = undefined;
    const { snapshot, keptThrough } = install;
    this.store.record(
      this,
      { type: 'snapshot', group: this.id, index: snapshot.index, term: snapshot.term, keptThrough, data: snapshot.data },
      true,
      keptThrough,
    );
    this.store.snapshotTaken(this, snapshot);
  }
}
