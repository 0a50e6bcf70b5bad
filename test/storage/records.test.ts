// The on-disk format: frames round-trip (with raw data after the JSON), a torn tail is cut at
// every tear point, preallocated zeros are not a record, damage with data after it is an error
// naming its offset, and records and snapshot files are validated beyond their checksums.
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/base/crc32.js';
import type { JsonValue } from '../../src/base/json.js';
import type { Entry } from '../../src/raft/index.js';
import { nativeCrc32 } from '../../src/runtime/fs_disk.js';
import {
  decodeFrames,
  decodeSnapshotFile,
  encodeFrame,
  encodeRecord,
  encodeSnapshotFile,
  FRAME_HEADER_BYTES,
  parseWalRecord,
  type DecodedFrame,
  type WalRecord,
} from '../../src/storage/records.js';

const entry = (index: number, term: number, data: JsonValue = index): Entry => ({ index, term, kind: 'normal', data });
const frameOf = (meta: JsonValue, data?: string): DecodedFrame => ({ offset: 0, meta, data });

function file(...metas: JsonValue[]): Buffer {
  return Buffer.concat(metas.map((meta) => encodeFrame(meta, undefined)));
}

describe('frames', () => {
  it('round-trip JSON, and raw data after it unescaped', () => {
    const data = '{"k":"line\\none ü"}\n\n'; // newlines and non-ASCII stay as they are
    const bytes = Buffer.concat([encodeFrame({ a: 1 }, undefined), encodeFrame({ b: 'ü' }, data), encodeFrame([1, 2], '')]);
    const decoded = decodeFrames(bytes);
    expect(decoded.ok && decoded.value).toEqual({
      frames: [
        { offset: 0, meta: { a: 1 }, data: undefined },
        { offset: expect.any(Number), meta: { b: 'ü' }, data },
        { offset: expect.any(Number), meta: [1, 2], data: '' },
      ],
      validBytes: bytes.length,
      tornTail: undefined,
    });
  });

  it('treat zeros after the last frame as preallocated space, not a record', () => {
    const good = file({ a: 1 });
    const decoded = decodeFrames(Buffer.concat([good, Buffer.alloc(4096)]));
    expect(decoded.ok && decoded.value).toMatchObject({ validBytes: good.length, tornTail: undefined });
    expect(decoded.ok && decoded.value.frames.length).toBe(1);
  });

  it('cut a torn tail at every possible tear point of the last frame', () => {
    const whole = file({ a: 1 }, { b: 2 }, { c: 'three' });
    const lastStart = file({ a: 1 }, { b: 2 }).length;
    for (let cut = lastStart; cut < whole.length; cut++) {
      const decoded = decodeFrames(whole.subarray(0, cut));
      expect(decoded.ok, `cut at ${cut}`).toBe(true);
      if (!decoded.ok) continue;
      expect(decoded.value.frames.map((frame) => frame.meta)).toEqual([{ a: 1 }, { b: 2 }]);
      expect(decoded.value.validBytes).toBe(lastStart);
      expect(decoded.value.tornTail === undefined).toBe(cut === lastStart);
    }
  });

  it('take a last frame that fails its checksum, or is torn inside preallocated zeros, for a torn tail', () => {
    const good = file({ a: 1 });
    const last = encodeFrame({ b: 2 }, undefined);
    last[last.length - 1] = (last[last.length - 1] as number) ^ 0x01;
    const corruptLast = decodeFrames(Buffer.concat([good, last]));
    expect(corruptLast.ok && corruptLast.value.tornTail).toMatch(/checksum mismatch at byte \d+ of \d+/);
    const half = encodeFrame({ b: 'two' }, 'and data');
    half.fill(0, half.length - 4);
    const tornInZeros = decodeFrames(Buffer.concat([good, half, Buffer.alloc(4096)]));
    expect(tornInZeros.ok && tornInZeros.value).toMatchObject({ validBytes: good.length, tornTail: expect.stringMatching(/checksum/) });
  });

  it('refuse damage with data after it, naming its offset', () => {
    const bytes = file({ a: 1 }, { b: 2 }, { c: 3 });
    const second = file({ a: 1 }).length;
    bytes[second + FRAME_HEADER_BYTES + 2] = (bytes[second + FRAME_HEADER_BYTES + 2] as number) ^ 0x20;
    const decoded = decodeFrames(bytes);
    expect(decoded).toEqual({
      ok: false,
      error: expect.stringMatching(new RegExp(`^corrupt record at byte ${second} of ${bytes.length} \\(checksum mismatch\\), with \\d+ bytes after it$`)),
    });
    // A garbled length is damage too when data follows (it cannot reach the end).
    const garbled = file({ a: 1 }, { b: 2 });
    garbled.writeUInt32LE(0, 0);
    expect(decodeFrames(garbled)).toMatchObject({ ok: false, error: expect.stringMatching(/corrupt record at byte 0 .*impossible length 0/) });
  });

  it('agree with the native CRC-32 of the runtime (zlib, where Node has it)', () => {
    expect(nativeCrc32 === undefined).toBe(typeof zlib.crc32 !== 'function');
    const native = nativeCrc32 ?? crc32;
    const bytes = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) & 0xff));
    for (const [start, end] of [
      [0, bytes.length],
      [3, 4000],
      [17, 17],
    ] as const)
      expect(native(bytes, start, end)).toBe(crc32(bytes, start, end));
    expect(decodeFrames(encodeFrame({ x: 'y' }, 'data', native)).ok).toBe(true); // read back with base/crc32
  });
});

describe('WAL records', () => {
  it('round-trip through frames, an installed snapshot with its data outside the JSON', () => {
    const records: WalRecord[] = [
      { type: 'segment', version: 2, segment: 3, groups: [{ group: 0, term: 2, vote: 'n1', commit: 4, lastIndex: 7, lastTerm: 2 }] },
      { type: 'entries', group: 1, entries: [entry(3, 1), entry(4, 1, { f: 'write', key: 'k', value: 'v' })] },
      { type: 'state', group: 0, term: 2, vote: null, commit: 5 },
      { type: 'snapshot', group: 2, index: 9, term: 2, keptThrough: 11, data: '{"store":"\n"}' },
    ];
    const decoded = decodeFrames(Buffer.concat(records.map((record) => encodeRecord(record))));
    expect(decoded.ok && decoded.value.frames.map(parseWalRecord)).toEqual(records);
  });

  it('refuse shapes the store never writes', () => {
    expect(parseWalRecord(frameOf({ type: 'entries', group: 0, entries: [entry(3, 1), entry(5, 1)] as unknown as JsonValue }))).toBeUndefined();
    expect(parseWalRecord(frameOf({ type: 'entries', group: -1, entries: [entry(3, 1)] as unknown as JsonValue }))).toBeUndefined();
    expect(parseWalRecord(frameOf({ type: 'entries', group: 0, entries: [] }))).toBeUndefined();
    expect(parseWalRecord(frameOf({ type: 'state', group: 0, term: -1, vote: null, commit: 0 }))).toBeUndefined();
    expect(parseWalRecord(frameOf({ type: 'state', group: 0, term: 1, vote: null, commit: 0 }, 'data'))).toBeUndefined();
    expect(parseWalRecord(frameOf({ type: 'snapshot', group: 0, index: 5, term: 1, keptThrough: 4 }, 'd'))).toBeUndefined();
    expect(parseWalRecord(frameOf({ type: 'snapshot', group: 0, index: 5, term: 1, keptThrough: 5 }))).toBeUndefined();
    expect(parseWalRecord(frameOf({ type: 'segment', version: 2, segment: 1, groups: [{ group: 0 }] }))).toBeUndefined();
    expect(parseWalRecord(frameOf({ type: 'mystery' }))).toBeUndefined();
  });
});

describe('snapshot files', () => {
  it('round-trip, and refuse any damage (they are renamed into place only once synced)', () => {
    const snapshot = { index: 12, term: 3, data: '{"a":"b\\n"}\nü' };
    const bytes = encodeSnapshotFile(4, snapshot);
    expect(decodeSnapshotFile(bytes)).toEqual({ ok: true, value: { group: 4, snapshot } });
    const flipped = Buffer.from(bytes);
    flipped[bytes.length - 2] = (flipped[bytes.length - 2] as number) ^ 1;
    expect(decodeSnapshotFile(flipped)).toMatchObject({ ok: false, error: expect.stringMatching(/checksum mismatch/) });
    expect(decodeSnapshotFile(bytes.subarray(0, bytes.length - 1))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/not one intact snapshot record/),
    });
    expect(decodeSnapshotFile(Buffer.concat([bytes, bytes]))).toMatchObject({ ok: false, error: expect.stringMatching(/2 records/) });
    expect(decodeSnapshotFile(encodeFrame({ type: 'snapshot-file', version: 1, group: 0, index: 1, term: 1 }, 'x'))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/version 1/),
    });
  });
});
