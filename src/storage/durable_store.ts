// DurableNodeStore: everything a node keeps on disk, for all of its Raft groups, and the one
// owner of generations: a turn's records go to the WAL in one append at endTurn (generation
// g), output that vouches for them waits for a sync covering g, and each group's durable point
// moves only when one completes. Files, through an injected Disk (no I/O of its own):
//   segment-NNNNNNNNNN.wal  the WAL, shared by every group, records tagged by group. A segment
//                           starts with a header holding each group's hard state and log end,
//                           so older segments' state records are superseded. A new one starts
//                           once the current one passes segmentBytes and is durable, so a torn
//                           tail can only be in the last one.
//   group-G.snapshot        group G's latest durable snapshot, replaced atomically in the
//                           background, only once the WAL holds every record it depends on.
// Compaction never rewrites a file: it deletes the oldest segments once a later header is
// durable and every group's durable snapshot covers all of that group's entries in them.
// (etcd's shape; a per-group WAL would cost one fdatasync per group per turn.)

import { assert } from '../base/assert.js';
import { crc32 } from '../base/crc32.js';
import { err, ok, type Result } from '../base/result.js';
import { MemoryStorage, type Entry, type LogPosition, type Snapshot } from '../raft/index.js';
import type { Disk } from './disk.js';
import { DurableGroup, type GroupRecorder, type RecoveredGroupReport } from './durable_group.js';
import {
  decodeFrames,
  decodeSnapshotFile,
  encodeRecord,
  encodeSnapshotFile,
  FORMAT_VERSION,
  parseWalRecord,
  type Checksum,
  type GroupHeader,
  type WalRecord,
} from './records.js';
import { GroupReplay } from './replay.js';
import type { GroupId, GroupStorage, NodeStore } from './types.js';

/** A new segment starts once the current one holds this many bytes (etcd's size). */
const DEFAULT_SEGMENT_BYTES = 64 << 20;

export interface DurableStoreOptions {
  readonly segmentBytes?: number;
  readonly checksum?: Checksum;
}

export interface RecoveryReport {
  /** The directory held no state: nothing was recovered. */
  readonly fresh: boolean;
  readonly segments: number;
  readonly records: number;
  readonly bytes: number;
  /** Set when a torn tail was cut off the last segment: which file, and why. */
  readonly tornTail: string | undefined;
  readonly groups: readonly RecoveredGroupReport[];
}

/** Files an earlier raftkv (one WAL file and one snapshot file per node) left. */
const OLD_FORMAT_FILES = ['wal', 'snapshot'];
const SEGMENT_NAME = /^segment-(\d{10})\.wal$/;
const SNAPSHOT_NAME = /^group-(\d+)\.snapshot$/;

export function segmentName(segment: number): string {
  return `segment-${String(segment).padStart(10, '0')}.wal`;
}

export function snapshotName(group: GroupId): string {
  return `group-${group}.snapshot`;
}

interface Segment {
  readonly number: number;
  readonly name: string;
  /** Bytes handed to the disk. */
  written: number;
  /** Bytes a completed sync covers; above 0, the header (and so the file) is durable. */
  synced: number;
  /** Per group, the highest log index its records here wrote: a snapshot there frees them. */
  readonly coverNeeded: Map<GroupId, number>;
}

/** One turn's worth of records, or several turns' waiting behind a segment change. */
interface PendingWrite {
  readonly data: Buffer;
  readonly cover: ReadonlyMap<GroupId, number>;
}

interface SnapshotWrites {
  /** The newest snapshot not yet written, and the generation the WAL must be durable through first. */
  next: { readonly snapshot: Snapshot; readonly afterGeneration: number } | undefined;
  writing: boolean;
  /** Index of the snapshot file on disk, durable (0 without one). */
  durableIndex: number;
}

export class DurableNodeStore implements NodeStore, GroupRecorder {
  private readonly groups = new Map<GroupId, DurableGroup>();
  private readonly segments: Segment[] = [];
  private readonly segmentBytes: number;
  private readonly checksum: Checksum;

  // The current turn: its records in order, whether one must be durable before output
  // vouching for storage leaves, the log indexes each segment must keep for each group.
  private turnFrames: Buffer[] = [];
  private turnBytes = 0;
  private turnMustSync = false;
  private turnCover = new Map<GroupId, number>();
  private readonly turnGroups = new Set<DurableGroup>();

  /** Turns whose records went to the WAL; the last that must be durable; the last that is. */
  private generation = 0;
  private required = 0;
  private durable = 0;
  /** Groups' log ends as of the last ended turn, not yet claimed by a sync. */
  private unsyncedPoints = new Map<DurableGroup, LogPosition>();
  /** A segment change waits for the current segment to be durable: its header, and the turns since. */
  private rolling: { readonly header: Buffer; readonly writes: PendingWrite[] } | undefined;
  private syncing = false;
  private afterSync: (() => void) | undefined;
  private closed = false;
  /** Set while a close waits for the disk: everyone who asked to close. */
  private closeWaiters: Array<() => void> | undefined;
  /** Closing waits for the snapshot files being written; this finishes it once they are. */
  private afterSnapshotWrites: (() => void) | undefined;
  private readonly snapshotWrites = new Map<GroupId, SnapshotWrites>();

  private constructor(
    private readonly disk: Disk,
    options: DurableStoreOptions,
  ) {
    this.segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    this.checksum = options.checksum ?? crc32;
    assert(Number.isSafeInteger(this.segmentBytes) && this.segmentBytes > 0, () => `segmentBytes must be a positive integer, got ${this.segmentBytes}`);
  }

  /**
   * Recovers the store from `disk`: snapshot files, then segments in order. An error (never an
   * exception for bad data) names the file and what is wrong when the state cannot be trusted.
   */
  static open(disk: Disk, options: DurableStoreOptions = {}): Result<{ readonly store: DurableNodeStore; readonly recovery: RecoveryReport }, string> {
    const store = new DurableNodeStore(disk, options);
    const recovered = store.recover();
    return recovered.ok ? ok({ store, recovery: recovered.value }) : recovered;
  }

  // ---- NodeStore

  group(group: GroupId): GroupStorage {
    assert(Number.isSafeInteger(group) && group >= 0, () => `group ids are non-negative integers, got ${group}`);
    let found = this.groups.get(group);
    if (found === undefined) {
      found = new DurableGroup(group, new MemoryStorage(), this);
      this.groups.set(group, found);
    }
    return found;
  }

  get requiredGeneration(): number {
    return this.required;
  }

  get durableGeneration(): number {
    return this.durable;
  }

  endTurn(): void {
    assert(!this.closed, 'storage: endTurn after close');
    for (const group of this.turnGroups) group.endTurn();
    if (this.turnFrames.length === 0) {
      this.turnGroups.clear();
      return;
    }
    this.generation++;
    if (this.turnMustSync) this.required = this.generation;
    for (const group of this.turnGroups) this.unsyncedPoints.set(group, group.lastPosition());
    const write: PendingWrite = {
      data: this.turnFrames.length === 1 ? (this.turnFrames[0] as Buffer) : Buffer.concat(this.turnFrames, this.turnBytes),
      cover: this.turnCover,
    };
    this.turnFrames = [];
    this.turnBytes = 0;
    this.turnMustSync = false;
    this.turnCover = new Map();
    this.turnGroups.clear();
    if (this.rolling !== undefined) {
      this.rolling.writes.push(write);
      return;
    }
    const current = this.current();
    this.appendTo(current, write);
    if (current.written >= this.segmentBytes) {
      // The next header holds every group's state as this segment leaves it: now, between turns.
      this.rolling = { header: encodeRecord(this.segmentHeader(current.number + 1), this.checksum), writes: [] };
    }
  }

  startSync(done: () => void): void {
    // One at a time: a caller joining a running sync would take it for one covering its own
    // later turns.
    assert(!this.syncing, 'storage: a sync started while another is running');
    assert(!this.closed, 'storage: sync after close');
    this.syncing = true;
    const target = this.generation;
    const points = this.unsyncedPoints;
    this.unsyncedPoints = new Map();
    this.syncThrough(() => {
      this.durable = Math.max(this.durable, target);
      for (const [group, point] of points) group.durable = point;
      this.syncing = false;
      // The caller's output first: encoding a large snapshot takes a while.
      done();
      this.startSnapshotWrites();
      this.deleteCoveredSegments();
      const after = this.afterSync;
      this.afterSync = undefined;
      after?.();
    });
  }

  close(done: () => void): void {
    if (this.closed) {
      done();
      return;
    }
    if (this.closeWaiters !== undefined) {
      this.closeWaiters.push(done);
      return;
    }
    const waiters = [done];
    this.closeWaiters = waiters;
    const finish = (): void => {
      // Snapshot files still being written finish first: nothing of this store runs after close.
      if ([...this.snapshotWrites.values()].some((writes) => writes.writing)) {
        this.afterSnapshotWrites = finish;
        return;
      }
      this.closed = true;
      this.disk.close();
      for (const waiter of waiters) waiter();
    };
    const closeNow = (): void => {
      if (this.syncing) {
        this.afterSync = closeNow;
        return;
      }
      this.endTurn();
      const current = this.current();
      if (this.rolling === undefined && current.synced === current.written) finish();
      else this.startSync(finish);
    };
    closeNow();
  }

  /** Segments on disk (or about to be): for tests and logs. */
  get segmentCount(): number {
    return this.segments.length;
  }

  // ---- what groups record (DurableGroup calls these)

  record(group: DurableGroup, record: WalRecord, mustSync: boolean, coverIndex: number): void {
    assert(!this.closed, 'storage: write after close');
    const frame = encodeRecord(record, this.checksum);
    this.turnFrames.push(frame);
    this.turnBytes += frame.length;
    if (mustSync) this.turnMustSync = true;
    if (coverIndex > 0) this.turnCover.set(group.id, Math.max(this.turnCover.get(group.id) ?? 0, coverIndex));
    this.turnGroups.add(group);
  }

  /** The group's turn has work to finish at endTurn (an installed snapshot to record). */
  touch(group: DurableGroup): void {
    this.turnGroups.add(group);
  }

  /**
   * `snapshot` may be written once the WAL is durable through the records of this turn: a
   * snapshot file never gets ahead of the log it was taken from (recovery lays the file over
   * the replayed log, which must then agree with it at its index).
   */
  snapshotTaken(group: DurableGroup, snapshot: Snapshot): void {
    const afterGeneration = this.turnFrames.length > 0 ? this.generation + 1 : this.generation;
    // The sync it waits for must happen even if nothing else of the turn needs one.
    if (this.turnFrames.length > 0) this.turnMustSync = true;
    else this.required = Math.max(this.required, this.generation);
    this.snapshotWritesOf(group.id).next = { snapshot, afterGeneration };
    if (afterGeneration <= this.durable) this.startSnapshotWrites();
  }

  // ---- internals

  private current(): Segment {
    return this.segments[this.segments.length - 1] as Segment;
  }

  private appendTo(segment: Segment, write: PendingWrite): void {
    this.disk.append(segment.name, write.data);
    segment.written += write.data.length;
    for (const [group, index] of write.cover) segment.coverNeeded.set(group, Math.max(segment.coverNeeded.get(group) ?? 0, index));
  }

  /**
   * Makes every ended turn durable, then `done`. A pending segment change happens here: the
   * current segment is synced in full first, so the new one exists only once the old is durable.
   */
  private syncThrough(done: () => void): void {
    const current = this.current();
    const rolling = this.rolling;
    if (rolling !== undefined && current.synced < current.written) {
      this.syncSegment(current, () => this.syncThrough(done));
      return;
    }
    if (rolling !== undefined) {
      // A segment past its size waits for the next turn's end to begin the one after it: only
      // between turns does memory hold exactly what the segment holds.
      this.rolling = undefined;
      const next = this.newSegment(current.number + 1, rolling.header);
      for (const write of rolling.writes) this.appendTo(next, write);
    }
    const last = this.current();
    if (last.synced < last.written) this.syncSegment(last, done);
    else done();
  }

  private syncSegment(segment: Segment, done: () => void): void {
    const covered = segment.written;
    this.disk.sync(segment.name, () => {
      segment.synced = Math.max(segment.synced, covered);
      done();
    });
  }

  private newSegment(number: number, header: Buffer): Segment {
    const segment: Segment = { number, name: segmentName(number), written: 0, synced: 0, coverNeeded: new Map() };
    this.segments.push(segment);
    this.appendTo(segment, { data: header, cover: new Map() });
    return segment;
  }

  private segmentHeader(segment: number): WalRecord {
    const groups: GroupHeader[] = [];
    for (const group of this.groups.values()) groups.push(group.header());
    return { type: 'segment', version: FORMAT_VERSION, segment, groups };
  }

  private snapshotWritesOf(group: GroupId): SnapshotWrites {
    let writes = this.snapshotWrites.get(group);
    if (writes === undefined) {
      writes = { next: undefined, writing: false, durableIndex: 0 };
      this.snapshotWrites.set(group, writes);
    }
    return writes;
  }

  /** Starts the background write of every snapshot whose WAL records are now durable. */
  private startSnapshotWrites(): void {
    for (const [group, writes] of this.snapshotWrites) {
      const next = writes.next;
      if (writes.writing || next === undefined || next.afterGeneration > this.durable || this.closeWaiters !== undefined) continue;
      writes.next = undefined;
      writes.writing = true;
      this.disk.writeAtomically(snapshotName(group), encodeSnapshotFile(group, next.snapshot, this.checksum), () => {
        writes.writing = false;
        writes.durableIndex = Math.max(writes.durableIndex, next.snapshot.index);
        const closing = this.afterSnapshotWrites;
        if (closing !== undefined) {
          this.afterSnapshotWrites = undefined;
          closing();
          return;
        }
        this.startSnapshotWrites();
        this.deleteCoveredSegments();
      });
    }
  }

  /** Deletes the oldest segments while a later header is durable and snapshots cover them. */
  private deleteCoveredSegments(): void {
    while (this.segments.length > 1 && !this.closed) {
      const oldest = this.segments[0] as Segment;
      if ((this.segments[1] as Segment).synced === 0) return;
      for (const [group, index] of oldest.coverNeeded) {
        if ((this.snapshotWrites.get(group)?.durableIndex ?? 0) < index) return;
      }
      this.disk.remove(oldest.name);
      this.segments.shift();
    }
  }

  private recover(): Result<RecoveryReport, string> {
    const names = this.disk.list();
    const old = OLD_FORMAT_FILES.filter((name) => names.includes(name));
    if (old.length > 0) {
      return err(
        `this data directory was written by an earlier raftkv (it holds ${old.join(' and ')}: one WAL file and one snapshot file); ` +
          'this version keeps WAL segments and per-group snapshots and cannot read it: start from an empty data directory',
      );
    }
    const snapshots = new Map<GroupId, Snapshot>();
    const segmentNumbers: number[] = [];
    for (const name of names) {
      const snapshotMatch = SNAPSHOT_NAME.exec(name);
      if (snapshotMatch !== null) {
        const decoded = decodeSnapshotFile(this.disk.read(name), this.checksum);
        if (!decoded.ok) return err(`${name}: ${decoded.error}`);
        if (String(decoded.value.group) !== snapshotMatch[1]) return err(`${name}: holds a snapshot of group ${decoded.value.group}`);
        snapshots.set(decoded.value.group, decoded.value.snapshot);
        this.snapshotWritesOf(decoded.value.group).durableIndex = decoded.value.snapshot.index;
        continue;
      }
      const segmentMatch = SEGMENT_NAME.exec(name);
      if (segmentMatch !== null) segmentNumbers.push(Number(segmentMatch[1]));
    }
    segmentNumbers.sort((a, b) => a - b);
    const fresh = segmentNumbers.length === 0 && snapshots.size === 0;
    if (segmentNumbers.length === 0 && snapshots.size > 0) return err(`snapshot files but no WAL segment: the directory is incomplete`);

    const replays = new Map<GroupId, GroupReplay>();
    const replayOf = (group: GroupId): GroupReplay => {
      let replay = replays.get(group);
      if (replay === undefined) {
        replay = new GroupReplay(group, snapshots.get(group));
        replays.set(group, replay);
      }
      return replay;
    };
    for (const group of snapshots.keys()) replayOf(group);
    /** Installed snapshots newer than their group's file: written again in the background. */
    const installs = new Map<GroupId, Snapshot>();
    let records = 0;
    let bytes = 0;
    let tornTail: string | undefined;
    let emptyLast: number | undefined;
    for (const [position, number] of segmentNumbers.entries()) {
      const name = segmentName(number);
      const isLast = position === segmentNumbers.length - 1;
      const decoded = decodeFrames(this.disk.read(name), this.checksum);
      if (!decoded.ok) return err(`${name}: ${decoded.error}`);
      const { frames, validBytes } = decoded.value;
      if (decoded.value.tornTail !== undefined) {
        if (!isLast)
          return err(
            `${name}: a torn record (${decoded.value.tornTail}), but it is not the last segment: a later one was begun only once this one was durable`,
          );
        tornTail = `${name}: ${decoded.value.tornTail}`;
      }
      if (frames.length === 0) {
        // Only the last segment may be empty: created, then a crash before its header was
        // durable. It is begun again below, once the groups are rebuilt for its header.
        if (!isLast) return err(`${name}: no records, but it is not the last segment`);
        this.disk.makeDurable(name, 0);
        emptyLast = number;
        continue;
      }
      const segment: Segment = { number, name, written: validBytes, synced: validBytes, coverNeeded: new Map() };
      for (const frame of frames) {
        const record = parseWalRecord(frame);
        const where = `${name}: record at byte ${frame.offset}`;
        if (record === undefined) return err(`${where} is not a valid WAL record`);
        const problem = this.replayRecord(record, frame.offset === 0, number, replayOf, installs, segment);
        if (problem !== undefined) return err(`${where}: ${problem}`);
        records++;
      }
      bytes += validBytes;
      if (isLast) this.disk.makeDurable(name, validBytes);
      this.segments.push(segment);
    }

    for (const [group, replay] of replays) {
      const storage = replay.finish();
      if (!storage.ok) return err(`group ${group}: ${storage.error}`);
      this.groups.set(group, new DurableGroup(group, storage.value, this));
      const install = installs.get(group);
      if (install !== undefined && install.index === replay.snapshotIndex && install.index > this.snapshotWritesOf(group).durableIndex) {
        this.snapshotWritesOf(group).next = { snapshot: install, afterGeneration: 0 };
      }
    }
    const begin = emptyLast ?? (this.segments.length === 0 ? 1 : undefined);
    if (begin !== undefined) this.newSegment(begin, encodeRecord(this.segmentHeader(begin), this.checksum));
    this.startSnapshotWrites();
    this.deleteCoveredSegments();
    const groups = [...this.groups.values()].sort((a, b) => a.id - b.id).map((group) => group.report());
    return ok({ fresh, segments: segmentNumbers.length, records, bytes, tornTail, groups });
  }

  private replayRecord(
    record: WalRecord,
    first: boolean,
    segmentNumber: number,
    replayOf: (group: GroupId) => GroupReplay,
    installs: Map<GroupId, Snapshot>,
    segment: Segment,
  ): string | undefined {
    if (first !== (record.type === 'segment')) return first ? 'the segment does not begin with a header' : 'a second segment header';
    const cover = (group: GroupId, index: number): void => {
      segment.coverNeeded.set(group, Math.max(segment.coverNeeded.get(group) ?? 0, index));
    };
    switch (record.type) {
      case 'segment': {
        if (record.version !== FORMAT_VERSION) return `unsupported WAL format version ${record.version}`;
        if (record.segment !== segmentNumber) return `the header names segment ${record.segment}`;
        for (const header of record.groups) {
          const problem = replayOf(header.group).checkHeader(header);
          if (problem !== undefined) return `group ${header.group}: ${problem}`;
        }
        return undefined;
      }
      case 'entries': {
        cover(record.group, (record.entries[record.entries.length - 1] as Entry).index);
        const problem = replayOf(record.group).appendEntries(record.entries);
        return problem === undefined ? undefined : `group ${record.group}: ${problem}`;
      }
      case 'state':
        replayOf(record.group).setHardState({ term: record.term, vote: record.vote, commit: record.commit });
        return undefined;
      case 'snapshot': {
        cover(record.group, record.keptThrough);
        const snapshot = { index: record.index, term: record.term, data: record.data };
        installs.set(record.group, snapshot);
        const problem = replayOf(record.group).installSnapshot(snapshot, record.keptThrough);
        return problem === undefined ? undefined : `group ${record.group}: ${problem}`;
      }
    }
  }
}
