// The on-disk format of WAL segments and snapshot files. A file is a sequence of frames: u32 LE
// payload length, u32 LE CRC-32 of the payload, then the payload: one line of JSON (the record),
// optionally followed by "\n" and raw UTF-8 (a snapshot's data, kept out of the JSON so it is
// neither escaped nor parsed twice). Decoding keeps the longest valid prefix: a bad frame that
// nothing valid can follow is a torn tail (a crash mid-write); a bad frame with data after it
// is corruption, an error naming its byte offset. Zero bytes after the last frame are space
// the writer preallocated, not a record. Pure: no I/O.

import { crc32 } from '../base/crc32.js';
import { isJsonObject, type JsonValue } from '../base/json.js';
import { err, ok, type Result } from '../base/result.js';
import type { Entry, HardState, Snapshot } from '../raft/index.js';
import type { GroupId } from './types.js';

export const FRAME_HEADER_BYTES = 8;
/**
 * No record we write is larger; a longer length is garbage. Lower would catch more flipped
 * length bits; it must stay above the largest snapshot a store may hold.
 */
const MAX_RECORD_BYTES = 2 ** 30;
export const FORMAT_VERSION = 2;
const NEWLINE = 0x0a;

/** CRC-32 (IEEE) of bytes [start, end): base/crc32 by default, a native one when the host has it. */
export type Checksum = (bytes: Uint8Array, start: number, end: number) => number;

/** A group's state where a segment begins: everything its earlier segments said about it. */
export interface GroupHeader {
  readonly group: GroupId;
  readonly term: number;
  readonly vote: string | null;
  readonly commit: number;
  /** The group's log end (its snapshot point when its log is empty). */
  readonly lastIndex: number;
  readonly lastTerm: number;
}

export type WalRecord =
  /**
   * First record of every segment. Its hard states supersede every state record before it, and
   * its log ends let recovery check that the segments before it were all there.
   */
  | { readonly type: 'segment'; readonly version: number; readonly segment: number; readonly groups: readonly GroupHeader[] }
  /**
   * Entries to append: the group's log becomes its log up to entries[0].index - 1, then these.
   * The truncation of a conflicting suffix and its replacement are one atomic record.
   */
  | { readonly type: 'entries'; readonly group: GroupId; readonly entries: readonly Entry[] }
  | { readonly type: 'state'; readonly group: GroupId; readonly term: number; readonly vote: string | null; readonly commit: number }
  /**
   * A snapshot installed from the leader: the group's log becomes the snapshot, then its own
   * entries up to keptThrough (those it kept because they agree with the snapshot). Its data
   * rides in the WAL so the install is durable with the turn that made it.
   */
  | { readonly type: 'snapshot'; readonly group: GroupId; readonly index: number; readonly term: number; readonly keptThrough: number; readonly data: string };

export function stateRecord(group: GroupId, hardState: HardState): WalRecord {
  return { type: 'state', group, term: hardState.term, vote: hardState.vote, commit: hardState.commit };
}

/** One frame: `meta` as JSON, then "\n" and `data` when there is data. */
export function encodeFrame(meta: JsonValue, data: string | undefined, checksum: Checksum = crc32): Buffer {
  const json = JSON.stringify(meta);
  const jsonBytes = Buffer.byteLength(json);
  const payloadBytes = data === undefined ? jsonBytes : jsonBytes + 1 + Buffer.byteLength(data);
  if (payloadBytes > MAX_RECORD_BYTES) throw new RangeError(`a record of ${payloadBytes} bytes is over the limit of ${MAX_RECORD_BYTES}`);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payloadBytes);
  frame.writeUInt32LE(payloadBytes, 0);
  frame.write(json, FRAME_HEADER_BYTES);
  if (data !== undefined) {
    frame[FRAME_HEADER_BYTES + jsonBytes] = NEWLINE;
    frame.write(data, FRAME_HEADER_BYTES + jsonBytes + 1);
  }
  frame.writeUInt32LE(checksum(frame, FRAME_HEADER_BYTES, frame.length), 4);
  return frame;
}

export function encodeRecord(record: WalRecord, checksum: Checksum = crc32): Buffer {
  if (record.type !== 'snapshot') return encodeFrame(record as unknown as JsonValue, undefined, checksum);
  const { data, ...meta } = record;
  return encodeFrame(meta, data, checksum);
}

export interface DecodedFrame {
  /** Byte offset of the frame in its file. */
  readonly offset: number;
  readonly meta: JsonValue;
  readonly data: string | undefined;
}

interface DecodedFrames {
  readonly frames: DecodedFrame[];
  /** Bytes of the valid prefix: appends continue here. */
  readonly validBytes: number;
  /** Why the bytes after validBytes were cut off, when they were not just zeros. */
  readonly tornTail: string | undefined;
}

/**
 * Splits `bytes` into frames. A bad frame is a torn tail when nothing valid can follow it: it
 * runs up to or past the end, or only zero bytes follow it. Any other bad frame is corruption.
 */
export function decodeFrames(bytes: Uint8Array, checksum: Checksum = crc32): Result<DecodedFrames, string> {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: DecodedFrame[] = [];
  let offset = 0;
  while (offset < view.length) {
    const decoded = decodeFrameAt(view, offset, checksum);
    if ('frame' in decoded) {
      frames.push(decoded.frame);
      offset = decoded.end;
      continue;
    }
    if (allZero(view, offset)) break;
    if (decoded.extent >= view.length || allZero(view, decoded.extent)) {
      return ok({ frames, validBytes: offset, tornTail: `${decoded.why} at byte ${offset} of ${view.length}` });
    }
    return err(`corrupt record at byte ${offset} of ${view.length} (${decoded.why}), with ${view.length - decoded.extent} bytes after it`);
  }
  return ok({ frames, validBytes: offset, tornTail: undefined });
}

function decodeFrameAt(view: Buffer, offset: number, checksum: Checksum): { frame: DecodedFrame; end: number } | { why: string; extent: number } {
  if (view.length - offset < FRAME_HEADER_BYTES) return { why: 'incomplete frame header', extent: view.length };
  const length = view.readUInt32LE(offset);
  const start = offset + FRAME_HEADER_BYTES;
  const end = start + length;
  if (length === 0 || length > MAX_RECORD_BYTES) return { why: `impossible length ${length}`, extent: start };
  if (end > view.length) return { why: `frame of ${length} bytes runs past the end`, extent: end };
  if (checksum(view, start, end) !== view.readUInt32LE(offset + 4)) return { why: 'checksum mismatch', extent: end };
  const newline = view.indexOf(NEWLINE, start);
  const jsonEnd = newline === -1 || newline >= end ? end : newline;
  let meta: JsonValue;
  try {
    meta = JSON.parse(view.toString('utf8', start, jsonEnd)) as JsonValue;
  } catch {
    return { why: 'checksum matches but the record is not JSON', extent: end };
  }
  const data = jsonEnd === end ? undefined : view.toString('utf8', jsonEnd + 1, end);
  return { frame: { offset, meta, data }, end };
}

function allZero(view: Buffer, from: number): boolean {
  for (let i = from; i < view.length; i++) if (view[i] !== 0) return false;
  return true;
}

const isCount = (v: JsonValue | undefined): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isVote = (v: JsonValue | undefined): v is string | null => v === null || typeof v === 'string';

/** Validates one decoded frame as a WAL record (the checksum proved the bytes; this proves the shape). */
export function parseWalRecord(frame: DecodedFrame): WalRecord | undefined {
  const { meta, data } = frame;
  if (!isJsonObject(meta)) return undefined;
  const group = meta['group'];
  switch (meta['type']) {
    case 'segment': {
      const groups = meta['groups'];
      if (data !== undefined || !isCount(meta['version']) || !isCount(meta['segment']) || !Array.isArray(groups)) return undefined;
      for (const header of groups) {
        if (!isJsonObject(header) || !isCount(header['group']) || !isCount(header['term']) || !isVote(header['vote']) || !isCount(header['commit']))
          return undefined;
        if (!isCount(header['lastIndex']) || !isCount(header['lastTerm'])) return undefined;
      }
      return meta as unknown as WalRecord;
    }
    case 'state':
      return data === undefined && isCount(group) && isCount(meta['term']) && isCount(meta['commit']) && isVote(meta['vote'])
        ? (meta as unknown as WalRecord)
        : undefined;
    case 'entries': {
      const entries = meta['entries'];
      if (data !== undefined || !isCount(group) || !Array.isArray(entries) || entries.length === 0) return undefined;
      const first = entries[0];
      if (!isJsonObject(first) || !isCount(first['index'])) return undefined;
      for (const [position, entry] of entries.entries()) {
        if (!isJsonObject(entry) || entry['index'] !== first['index'] + position || !isCount(entry['term'])) return undefined;
        if ((entry['kind'] !== 'normal' && entry['kind'] !== 'noop') || entry['data'] === undefined) return undefined;
      }
      return meta as unknown as WalRecord;
    }
    case 'snapshot': {
      const { index, term, keptThrough } = meta;
      if (data === undefined || !isCount(group) || !isCount(index) || index < 1 || !isCount(term) || !isCount(keptThrough) || keptThrough < index)
        return undefined;
      return { type: 'snapshot', group, index, term, keptThrough, data };
    }
    default:
      return undefined;
  }
}

/** A snapshot file: one frame whose record names the group and the snapshot point. */
export function encodeSnapshotFile(group: GroupId, snapshot: Snapshot, checksum: Checksum = crc32): Buffer {
  return encodeFrame({ type: 'snapshot-file', version: FORMAT_VERSION, group, index: snapshot.index, term: snapshot.term }, snapshot.data, checksum);
}

export function decodeSnapshotFile(bytes: Uint8Array, checksum: Checksum = crc32): Result<{ readonly group: GroupId; readonly snapshot: Snapshot }, string> {
  const decoded = decodeFrames(bytes, checksum);
  // The file was renamed into place only after it was synced: any damage is corruption.
  if (!decoded.ok) return decoded;
  const { frames, tornTail, validBytes } = decoded.value;
  const frame = frames[0];
  if (frame === undefined || frames.length !== 1 || tornTail !== undefined || validBytes !== bytes.length) {
    return err(
      `not one intact snapshot record${tornTail === undefined ? ` (${frames.length} records, ${validBytes} of ${bytes.length} bytes valid)` : ` (${tornTail})`}`,
    );
  }
  const { meta, data } = frame;
  if (!isJsonObject(meta) || meta['type'] !== 'snapshot-file' || data === undefined) return err('malformed snapshot record');
  const { version, group, index, term } = meta;
  if (version !== FORMAT_VERSION) return err(`unsupported snapshot format version ${String(version)}`);
  if (!isCount(group) || !isCount(index) || index < 1 || !isCount(term)) return err('malformed snapshot record');
  return ok({ group, snapshot: { index, term, data } });
}
