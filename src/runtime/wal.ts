// The on-disk record format shared by the write-ahead log and the snapshot file, and the WAL's
// reader and writer. A file is a sequence of frames: u32 LE payload length, u32 LE CRC-32 of
// the payload, then the payload (UTF-8 JSON of one record). The first record of a WAL is its
// header, naming the snapshot the log continues from. Recovery keeps the longest valid prefix:
// a torn or corrupt *tail* (a crash mid-write) is cut off; a bad record with data after it is
// corruption, and recovery refuses to go on rather than serve a log with a hole in it.

import * as fs from 'node:fs';
import { crc32 } from '../base/crc32.js';
import { isJsonObject, type JsonValue } from '../base/json.js';
import { err, ok, type Result } from '../base/result.js';
import type { Entry, HardState } from '../raft/index.js';

export const FRAME_HEADER_BYTES = 8;
/** Larger than any record we write (a Ready's entries are bounded); a longer length is garbage. */
export const MAX_RECORD_BYTES = 256 << 20;
export const WAL_VERSION = 1;

export type WalRecord =
  /** First record of every WAL file: the log that follows continues from this snapshot point. */
  | { readonly type: 'header'; readonly version: number; readonly snapshotIndex: number; readonly snapshotTerm: number }
  /**
   * Entries to append. Replay first truncates the log after entries[0].index - 1: the
   * truncation of a conflicting suffix and its replacement are one atomic record, so a torn
   * write can never leave the log shortened without the entries that replaced it.
   */
  | { readonly type: 'entries'; readonly entries: readonly Entry[] }
  | { readonly type: 'state'; readonly term: number; readonly vote: string | null; readonly commit: number };

export function encodeFrame(payload: JsonValue): Buffer {
  const body = Buffer.from(JSON.stringify(payload), 'utf8');
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + body.length);
  frame.writeUInt32LE(body.length, 0);
  frame.writeUInt32LE(crc32(body), 4);
  body.copy(frame, FRAME_HEADER_BYTES);
  return frame;
}

export function encodeRecord(record: WalRecord): Buffer {
  return encodeFrame(record as unknown as JsonValue);
}

export function stateRecord(hardState: HardState): WalRecord {
  return { type: 'state', term: hardState.term, vote: hardState.vote, commit: hardState.commit };
}

export interface DecodedFrames {
  readonly payloads: JsonValue[];
  /** Bytes of the valid prefix: appends continue here. */
  readonly validBytes: number;
  /** Why the bytes after validBytes were cut off, when they were not just zeros. */
  readonly tornTail: string | undefined;
  /** Only zero bytes follow validBytes (preallocated space, or nothing). */
  readonly zeroTail: boolean;
}

/**
 * Splits `bytes` into frames. A bad frame is a torn tail when nothing valid can follow it: it
 * runs up to or past the end of the file, or only zero bytes follow it (preallocated space the
 * crash left unwritten). Any other bad frame is corruption: an error naming its offset.
 */
export function decodeFrames(bytes: Uint8Array): Result<DecodedFrames, string> {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const payloads: JsonValue[] = [];
  let offset = 0;
  while (offset < view.length) {
    const problem = frameProblem(view, offset);
    if (problem === undefined) {
      const length = view.readUInt32LE(offset);
      const start = offset + FRAME_HEADER_BYTES;
      payloads.push(JSON.parse(view.toString('utf8', start, start + length)) as JsonValue);
      offset = start + length;
      continue;
    }
    if (allZero(view, offset)) return ok({ payloads, validBytes: offset, tornTail: undefined, zeroTail: true });
    if (problem.extent >= view.length || allZero(view, problem.extent)) {
      return ok({ payloads, validBytes: offset, tornTail: `${problem.why} at byte ${offset} of ${view.length}`, zeroTail: false });
    }
    return err(`corrupt record at byte ${offset} of ${view.length} (${problem.why}), with ${view.length - problem.extent} bytes after it`);
  }
  return ok({ payloads, validBytes: offset, tornTail: undefined, zeroTail: true });
}

function frameProblem(view: Buffer, offset: number): { why: string; extent: number } | undefined {
  if (view.length - offset < FRAME_HEADER_BYTES) return { why: 'incomplete frame header', extent: view.length };
  const length = view.readUInt32LE(offset);
  const extent = offset + FRAME_HEADER_BYTES + length;
  if (length === 0 || length > MAX_RECORD_BYTES) return { why: `impossible length ${length}`, extent: offset + FRAME_HEADER_BYTES };
  if (extent > view.length) return { why: `frame of ${length} bytes runs past the end`, extent };
  if (crc32(view, offset + FRAME_HEADER_BYTES, extent) !== view.readUInt32LE(offset + 4)) return { why: 'checksum mismatch', extent };
  try {
    JSON.parse(view.toString('utf8', offset + FRAME_HEADER_BYTES, extent));
  } catch {
    return { why: 'checksum matches but the payload is not JSON', extent };
  }
  return undefined;
}

function allZero(view: Buffer, from: number): boolean {
  for (let i = from; i < view.length; i++) if (view[i] !== 0) return false;
  return true;
}

/** Validates one decoded WAL payload (the checksum proved the bytes; this proves the shape). */
export function parseWalRecord(payload: JsonValue): WalRecord | undefined {
  if (!isJsonObject(payload)) return undefined;
  const count = (v: JsonValue | undefined): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  switch (payload['type']) {
    case 'header':
      return count(payload['version']) && count(payload['snapshotIndex']) && count(payload['snapshotTerm']) ? (payload as unknown as WalRecord) : undefined;
    case 'state': {
      const vote = payload['vote'];
      return count(payload['term']) && count(payload['commit']) && (vote === null || typeof vote === 'string') ? (payload as unknown as WalRecord) : undefined;
    }
    case 'entries': {
      const entries = payload['entries'];
      if (!Array.isArray(entries) || entries.length === 0) return undefined;
      for (const [position, entry] of entries.entries()) {
        if (!isJsonObject(entry) || !count(entry['index']) || !count(entry['term']) || (entry['kind'] !== 'normal' && entry['kind'] !== 'noop') || entry['data'] === undefined) return undefined;
        if (entry['index'] !== (entries[0] as { index: number }).index + position) return undefined;
      }
      return payload as unknown as WalRecord;
    }
    default:
      return undefined;
  }
}

/** The WAL grows in steps of this many zero bytes, written (and synced) ahead of the records. */
export const WAL_PREALLOCATE_BYTES = 4 << 20;
const ZEROS = Buffer.alloc(1 << 20);

/**
 * Appends frames to an open file. append() only buffers; sync() writes everything buffered
 * with one write and one fdatasync: the group commit of an event-loop turn. The file is
 * preallocated with zeros ahead of the records, so most fdatasyncs write data only, without a
 * file-size change to commit to the file system's journal; recovery stops at the zeros.
 */
export class WalWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private allocated: number;

  constructor(
    private readonly fd: number,
    private position: number,
  ) {
    this.allocated = fs.fstatSync(fd).size;
  }

  get sizeBytes(): number {
    return this.position + this.pendingBytes;
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** Writes counted so far (each write() that wrote anything is one). */
  writtenGeneration = 0;
  /** Every write up to this generation is on disk. */
  durableGeneration = 0;
  private syncInFlight = false;
  private syncWaiters: Array<() => void> = [];
  private closeWhenIdle = false;

  append(record: WalRecord): void {
    const frame = encodeRecord(record);
    this.pending.push(frame);
    this.pendingBytes += frame.length;
  }

  /** Hands everything buffered to the file (one write), without waiting for the disk. */
  write(): void {
    if (this.pending.length === 0) return;
    const data = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    if (this.position + data.length > this.allocated) this.preallocate(this.position + data.length + WAL_PREALLOCATE_BYTES);
    writeFully(this.fd, data, this.position);
    this.position += data.length;
    this.writtenGeneration++;
  }

  /** write(), then one fdatasync: everything appended so far is durable on return. */
  sync(): void {
    this.write();
    if (this.durableGeneration === this.writtenGeneration) return;
    fs.fdatasyncSync(this.fd);
    this.durableGeneration = this.writtenGeneration;
  }

  /**
   * Makes everything written so far durable without blocking: one fdatasync on the thread pool,
   * then `done`. While one is in flight, callers wait for it (and then ask again): writes made
   * meanwhile go into the next fdatasync, which is what makes the commit a group commit.
   */
  syncInBackground(done: () => void): void {
    this.syncWaiters.push(done);
    if (this.syncInFlight) return;
    const generation = this.writtenGeneration;
    this.syncInFlight = true;
    fs.fdatasync(this.fd, (error) => {
      // A failed fsync leaves the file in an unknown state: nothing may be acknowledged.
      if (error !== null) throw new Error(`fdatasync of the write-ahead log failed: ${error.message}`);
      this.syncInFlight = false;
      this.durableGeneration = Math.max(this.durableGeneration, generation);
      if (this.closeWhenIdle) fs.closeSync(this.fd);
      const waiters = this.syncWaiters;
      this.syncWaiters = [];
      for (const waiter of waiters) waiter();
    });
  }

  /** Closes the file (after an fdatasync in flight, if any). Unwritten appends are dropped. */
  close(): void {
    if (this.syncInFlight) this.closeWhenIdle = true;
    else fs.closeSync(this.fd);
  }

  /** Real zeros, not a hole: writing into a hole would allocate blocks at every sync. */
  private preallocate(size: number): void {
    while (this.allocated < size) {
      const length = Math.min(ZEROS.length, size - this.allocated);
      writeFully(this.fd, ZEROS.subarray(0, length), this.allocated);
      this.allocated += length;
    }
  }
}

export function writeFully(fd: number, data: Uint8Array, position: number): void {
  let written = 0;
  while (written < data.length) written += fs.writeSync(fd, data, written, data.length - written, position + written);
}

/** Writes `frames` to `path` atomically: a temporary file, fsync, rename, fsync of the directory. */
export function writeFileAtomically(dir: string, name: string, frames: readonly Buffer[]): void {
  const target = `${dir}/${name}`;
  const temporary = `${target}.tmp`;
  const fd = fs.openSync(temporary, 'w');
  try {
    writeFully(fd, Buffer.concat(frames), 0);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temporary, target);
  syncDirectory(dir);
}

export function syncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
