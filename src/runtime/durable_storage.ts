// DurableStorage: a MemoryStorage whose every change is mirrored to files in one directory, so a
// node killed at any instant restarts with all it acknowledged. Files:
//   wal       header (the snapshot point it continues from), then entries and state records
//   snapshot  one frame {index, term, data}, replaced atomically
// Writes are buffered by save() and made durable by sync(), once per event-loop turn (group
// commit). A compaction writes the snapshot atomically, then replaces the WAL atomically by one
// holding only the entries after it, so the disk stays bounded. Recovery: snapshot, then WAL.

import * as fs from 'node:fs';
import { MemoryStorage, type Entry, type HardState, type LogPosition, type NodeStorage, type Snapshot } from '../raft/index.js';
import { isJsonObject } from '../base/json.js';
import { assert } from '../base/assert.js';
import { err, ok, type Result } from '../base/result.js';
import { decodeFrames, encodeFrame, encodeRecord, parseWalRecord, stateRecord, WAL_VERSION, WalWriter, writeFileAtomically, type WalRecord } from './wal.js';

export const WAL_FILE = 'wal';
export const SNAPSHOT_FILE = 'snapshot';

/**
 * What the stdio runtime needs to hold a turn's output until the turn's writes are durable
 * (group commit without blocking the event loop; see DurableStorage's background mode).
 */
export interface SyncGate {
  /** Output produced now may leave once durableGeneration reaches this. */
  readonly requiredGeneration: number;
  readonly durableGeneration: number;
  /** Starts an fdatasync in the background if none is running; `done` runs when one completes. */
  startSync(done: () => void): void;
}

export interface DurableStorageOptions {
  /**
   * false (the default): sync() writes and fdatasyncs before returning. true: sync() only
   * writes, and the runtime holds output through the SyncGate until an fdatasync covers it.
   */
  readonly backgroundSync?: boolean;
}

export interface RecoveryReport {
  /** The directory held no state: nothing was recovered. */
  readonly fresh: boolean;
  readonly snapshotIndex: number;
  readonly walRecords: number;
  readonly walBytes: number;
  /** Set when a torn tail was cut off the WAL. */
  readonly tornTail: string | undefined;
}

export class DurableStorage implements NodeStorage, SyncGate {
  /** Background mode: writes handed to the file, the last one that must be durable, and durable ones. */
  private writtenGeneration = 0;
  private mustBeDurable = 0;
  private durable = 0;
  /**
   * Whether the buffered records include something that must be durable before the turn's
   * messages leave: entries, or a new term or vote. A record that only moves the commit index
   * need not be: a restarted node relearns its commit index from the leader (and never below
   * its snapshot), so such records ride along with the next sync instead of costing their own.
   */
  private mustSync = false;
  private durableAt: LogPosition;
  private syncRunning = false;

  private constructor(
    private readonly dir: string,
    private readonly memory: MemoryStorage,
    private wal: WalWriter,
    readonly recovery: RecoveryReport,
    private readonly backgroundSync: boolean,
  ) {
    this.durableAt = memory.durablePoint();
  }

  /**
   * Opens (or creates) the storage in `dir`. An error (never an exception for bad data) when the
   * files are corrupt before their tail: the caller must stop rather than serve from them.
   */
  static open(dir: string, options: DurableStorageOptions = {}): Result<DurableStorage, string> {
    fs.mkdirSync(dir, { recursive: true });
    for (const name of [WAL_FILE, SNAPSHOT_FILE]) fs.rmSync(`${dir}/${name}.tmp`, { force: true });
    const snapshot = readSnapshotFile(`${dir}/${SNAPSHOT_FILE}`);
    if (!snapshot.ok) return snapshot;
    const walPath = `${dir}/${WAL_FILE}`;
    const fresh = snapshot.value === undefined && !fs.existsSync(walPath);
    if (!fs.existsSync(walPath)) {
      if (snapshot.value !== undefined) return err(`${walPath} is missing but ${dir}/${SNAPSHOT_FILE} exists`);
      writeWal(dir, new MemoryStorage());
    }
    const bytes = fs.readFileSync(walPath);
    const decoded = decodeFrames(bytes);
    if (!decoded.ok) return err(`${walPath}: ${decoded.error}`);
    const records: WalRecord[] = [];
    for (const [position, payload] of decoded.value.payloads.entries()) {
      const record = parseWalRecord(payload);
      if (record === undefined) return err(`${walPath}: record ${position} is not a valid WAL record`);
      records.push(record);
    }
    const replayed = replay(records, snapshot.value);
    if (!replayed.ok) return err(`${walPath}: ${replayed.error}`);
    const fd = fs.openSync(walPath, 'r+');
    if (!decoded.value.zeroTail) {
      // Cut the torn tail off for good, so later appends follow the valid prefix directly.
      fs.ftruncateSync(fd, decoded.value.validBytes);
      fs.fsyncSync(fd);
    }
    const report: RecoveryReport = {
      fresh,
      snapshotIndex: snapshot.value?.index ?? 0,
      walRecords: records.length,
      walBytes: decoded.value.validBytes,
      tornTail: decoded.value.tornTail,
    };
    return ok(new DurableStorage(dir, replayed.value, new WalWriter(fd, decoded.value.validBytes), report, options.backgroundSync === true));
  }

  // ---- Storage (reads come from memory, which mirrors what is on disk plus what is buffered)

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

  /** Bytes in the WAL, buffered ones included. */
  get walBytes(): number {
    return this.wal.sizeBytes;
  }

  // ---- writes

  save(hardState: HardState | undefined, entries: readonly Entry[]): void {
    const before = this.memory.initialState();
    this.memory.save(hardState, entries);
    // Entries before the state whose commit index may refer to them (replay checks it).
    if (entries.length > 0) {
      this.wal.append({ type: 'entries', entries });
      this.mustSync = true;
    }
    if (hardState !== undefined) {
      this.wal.append(stateRecord(this.memory.initialState()));
      if (hardState.term !== before.term || hardState.vote !== before.vote) this.mustSync = true;
    }
  }

  sync(): void {
    if (this.backgroundSync) {
      if (!this.wal.hasPending) return;
      this.wal.write();
      this.writtenGeneration++;
      if (this.mustSync) this.mustBeDurable = this.writtenGeneration;
      this.mustSync = false;
      return;
    }
    if (!this.mustSync) return;
    this.mustSync = false;
    this.wal.sync();
    this.durableAt = this.memory.durablePoint();
  }

  durablePoint(): LogPosition {
    return this.durableAt;
  }

  // ---- SyncGate (background mode)

  get requiredGeneration(): number {
    return this.mustBeDurable;
  }

  get durableGeneration(): number {
    return this.durable;
  }

  startSync(done: () => void): void {
    const target = this.writtenGeneration;
    assert(!this.wal.hasPending, 'storage: a sync started with records still buffered');
    // One at a time: a caller joining a running fdatasync would take it for one covering its
    // own later writes.
    assert(!this.syncRunning, 'storage: a sync started while another is running');
    this.syncRunning = true;
    // Everything recorded is written (sync() runs at the end of every turn that saves), so the
    // log as it stands now is exactly what this fdatasync makes durable.
    const point = this.memory.durablePoint();
    this.wal.syncInBackground(() => {
      this.syncRunning = false;
      if (target > this.durable) {
        this.durable = target;
        this.durableAt = point;
      }
      done();
    });
  }

  compact(index: number, data: string): void {
    this.memory.compact(index, data);
    this.persistSnapshot();
  }

  applySnapshot(snapshot: Snapshot): void {
    this.memory.applySnapshot(snapshot);
    this.persistSnapshot();
  }

  close(): void {
    this.wal.sync();
    this.mustSync = false;
    this.durable = this.writtenGeneration;
    this.durableAt = this.memory.durablePoint();
    this.wal.close();
  }

  /**
   * Snapshot file first, then a fresh WAL continuing from it. A crash between the two leaves the
   * old WAL, whose header names an older snapshot point: recovery replays it and then applies
   * the newer snapshot over it, exactly as applySnapshot() did before the crash.
   */
  private persistSnapshot(): void {
    const snapshot = this.memory.snapshot();
    if (snapshot === undefined) return;
    writeFileAtomically(this.dir, SNAPSHOT_FILE, [encodeFrame({ index: snapshot.index, term: snapshot.term, data: snapshot.data })]);
    // The new WAL holds everything buffered in the old one (it is written from memory), synced.
    this.mustSync = false;
    this.durable = this.writtenGeneration;
    this.wal.close();
    const size = writeWal(this.dir, this.memory);
    this.durableAt = this.memory.durablePoint();
    this.wal = new WalWriter(fs.openSync(`${this.dir}/${WAL_FILE}`, 'r+'), size);
  }
}

/** Writes a complete WAL holding `memory`'s log and hard state, atomically; returns its size. */
function writeWal(dir: string, memory: MemoryStorage): number {
  const snapshotIndex = memory.firstIndex() - 1;
  const frames = [encodeRecord({ type: 'header', version: WAL_VERSION, snapshotIndex, snapshotTerm: memory.term(snapshotIndex) as number })];
  const entries = memory.allEntries();
  if (entries.length > 0) frames.push(encodeRecord({ type: 'entries', entries }));
  frames.push(encodeRecord(stateRecord(memory.initialState())));
  writeFileAtomically(dir, WAL_FILE, frames);
  return frames.reduce((sum, frame) => sum + frame.length, 0);
}

function readSnapshotFile(path: string): Result<Snapshot | undefined, string> {
  if (!fs.existsSync(path)) return ok(undefined);
  const decoded = decodeFrames(fs.readFileSync(path));
  // The file was renamed into place only after it was synced: any damage is corruption.
  if (!decoded.ok) return err(`${path}: ${decoded.error}`);
  const payload = decoded.value.payloads[0];
  if (decoded.value.tornTail !== undefined || decoded.value.payloads.length !== 1 || !isJsonObject(payload)) {
    return err(`${path}: not one intact snapshot record${decoded.value.tornTail === undefined ? '' : ` (${decoded.value.tornTail})`}`);
  }
  const { index, term, data } = payload;
  if (typeof index !== 'number' || typeof term !== 'number' || typeof data !== 'string' || index < 1) return err(`${path}: malformed snapshot record`);
  return ok({ index, term, data });
}

/** Rebuilds memory from the WAL's records, then lays the snapshot over it. */
export function replay(records: readonly WalRecord[], snapshot: Snapshot | undefined): Result<MemoryStorage, string> {
  const header = records[0];
  if (header === undefined || header.type !== 'header') return err('the first record is not a header');
  if (header.version !== WAL_VERSION) return err(`unsupported WAL version ${header.version}`);
  if (header.snapshotIndex > 0 && (snapshot === undefined || snapshot.index < header.snapshotIndex)) {
    return err(`the WAL continues from snapshot index ${header.snapshotIndex}, but the snapshot file holds ${snapshot?.index ?? 'nothing'}`);
  }
  // Replay on top of a placeholder at the WAL's own snapshot point; the real one comes last.
  const base = header.snapshotIndex > 0 ? { snapshot: { index: header.snapshotIndex, term: header.snapshotTerm, data: '' } } : {};
  try {
    return replayOnto(new MemoryStorage(base), records, snapshot);
  } catch (error) {
    // MemoryStorage asserts its invariants (contiguous indexes, terms never going back): a WAL
    // that breaks one was not written by us, whatever its checksums say.
    return err(`the log breaks an invariant: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function replayOnto(memory: MemoryStorage, records: readonly WalRecord[], snapshot: Snapshot | undefined): Result<MemoryStorage, string> {
  let hardState: HardState | undefined;
  for (const [position, record] of records.entries()) {
    if (position === 0) continue;
    switch (record.type) {
      case 'header':
        return err(`a second header at record ${position}`);
      case 'entries': {
        const first = (record.entries[0] as Entry).index;
        if (first > memory.lastIndex() + 1) return err(`record ${position} appends at ${first}, leaving a gap after ${memory.lastIndex()}`);
        memory.append(record.entries);
        break;
      }
      case 'state':
        hardState = { term: record.term, vote: record.vote, commit: record.commit };
        break;
    }
  }
  if (hardState !== undefined) {
    if (hardState.commit > memory.lastIndex()) return err(`commit ${hardState.commit} beyond the last entry ${memory.lastIndex()}`);
    memory.setHardState(hardState);
  }
  if (snapshot !== undefined) memory.applySnapshot(snapshot);
  return ok(memory);
}
