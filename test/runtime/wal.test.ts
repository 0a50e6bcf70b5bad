// Record framing and recovery rules of the write-ahead log: torn tails are cut off, damage
// before the tail is an error, truncations replay in order.
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/base/json.js';
import type { Entry } from '../../src/raft/index.js';
import { replay } from '../../src/runtime/durable_storage.js';
import { decodeFrames, encodeFrame, encodeRecord, FRAME_HEADER_BYTES, parseWalRecord, type WalRecord } from '../../src/runtime/wal.js';

const entry = (index: number, term: number, data: JsonValue = index): Entry => ({ index, term, kind: 'normal', data });
const HEADER: WalRecord = { type: 'header', version: 1, snapshotIndex: 0, snapshotTerm: 0 };

function file(...payloads: JsonValue[]): Buffer {
  return Buffer.concat(payloads.map((p) => encodeFrame(p)));
}

describe('WAL framing', () => {
  it('round-trips frames', () => {
    const decoded = decodeFrames(file({ a: 1 }, [1, 2, 3], 'ü'));
    expect(decoded).toEqual({ ok: true, value: { payloads: [{ a: 1 }, [1, 2, 3], 'ü'], validBytes: expect.any(Number), tornTail: undefined, zeroTail: true } });
    // Preallocated zeros after the records are not a torn tail.
    const padded = decodeFrames(Buffer.concat([file({ a: 1 }), Buffer.alloc(100)]));
    expect(padded.ok && padded.value).toMatchObject({ payloads: [{ a: 1 }], tornTail: undefined, zeroTail: true });
  });

  it('cuts a torn tail at every possible tear point of the last frame', () => {
    const whole = file({ a: 1 }, { b: 2 }, { c: 'three' });
    const lastStart = file({ a: 1 }, { b: 2 }).length;
    for (let cut = lastStart; cut < whole.length; cut++) {
      const decoded = decodeFrames(whole.subarray(0, cut));
      expect(decoded.ok).toBe(true);
      if (!decoded.ok) continue;
      expect(decoded.value.payloads).toEqual([{ a: 1 }, { b: 2 }]);
      expect(decoded.value.validBytes).toBe(lastStart);
      expect(decoded.value.tornTail === undefined).toBe(cut === lastStart);
    }
  });

  it('treats a corrupt last frame and a zero-filled tail as torn', () => {
    const good = file({ a: 1 });
    const last = encodeFrame({ b: 2 });
    last[last.length - 1] = (last[last.length - 1] as number) ^ 0x01;
    const corruptLast = decodeFrames(Buffer.concat([good, last]));
    expect(corruptLast.ok && corruptLast.value.tornTail).toMatch(/checksum mismatch/);
    // A record torn inside preallocated space: its tail is zeros, and so is all after it.
    const half = encodeFrame({ b: 'two' });
    half.fill(0, half.length - 4);
    const tornInZeros = decodeFrames(Buffer.concat([good, half, Buffer.alloc(4096)]));
    expect(tornInZeros.ok && tornInZeros.value).toMatchObject({ payloads: [{ a: 1 }], validBytes: good.length, tornTail: expect.stringMatching(/checksum/), zeroTail: false });
  });

  it('refuses corruption before the tail', () => {
    const bytes = file({ a: 1 }, { b: 2 }, { c: 3 });
    bytes[FRAME_HEADER_BYTES + 2] = (bytes[FRAME_HEADER_BYTES + 2] as number) ^ 0x20; // inside the first payload
    const decoded = decodeFrames(bytes);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.error).toMatch(/corrupt record at byte 0 .*checksum mismatch/);
  });

  it('validates record shapes', () => {
    expect(parseWalRecord({ type: 'entries', entries: [entry(3, 1), entry(4, 1)] as unknown as JsonValue })).toBeDefined();
    expect(parseWalRecord({ type: 'entries', entries: [entry(3, 1), entry(5, 1)] as unknown as JsonValue })).toBeUndefined();
    expect(parseWalRecord({ type: 'state', term: 2, vote: 'n1', commit: 0 })).toBeDefined();
    expect(parseWalRecord({ type: 'state', term: -1, vote: null, commit: 0 })).toBeUndefined();
    expect(parseWalRecord({ type: 'mystery' })).toBeUndefined();
  });
});

describe('WAL replay', () => {
  it('replays truncations in order: a later entries record replaces the suffix', () => {
    const records: WalRecord[] = [
      HEADER,
      { type: 'entries', entries: [entry(1, 1), entry(2, 1), entry(3, 1), entry(4, 1)] },
      { type: 'state', term: 1, vote: 'a', commit: 2 },
      { type: 'entries', entries: [entry(3, 2, 'x')] },
      { type: 'entries', entries: [entry(4, 2, 'y'), entry(5, 2, 'z')] },
      { type: 'state', term: 2, vote: null, commit: 4 },
    ];
    const replayed = replay(records, undefined);
    expect(replayed.ok).toBe(true);
    if (!replayed.ok) return;
    const storage = replayed.value;
    expect(storage.entries(1, 6).map((e) => [e.index, e.term, e.data])).toEqual([
      [1, 1, 1],
      [2, 1, 2],
      [3, 2, 'x'],
      [4, 2, 'y'],
      [5, 2, 'z'],
    ]);
    expect(storage.initialState()).toEqual({ term: 2, vote: null, commit: 4 });
  });

  it('lays a newer snapshot over an older WAL (a crash between snapshot and WAL rewrite)', () => {
    const records: WalRecord[] = [HEADER, { type: 'entries', entries: [entry(1, 1), entry(2, 1), entry(3, 2), entry(4, 2)] }, { type: 'state', term: 2, vote: null, commit: 3 }];
    const kept = replay(records, { index: 3, term: 2, data: 'S' });
    expect(kept.ok && [kept.value.firstIndex(), kept.value.lastIndex(), kept.value.snapshot()?.data]).toEqual([4, 4, 'S']);
    // A snapshot from a leader whose log disagrees at its index replaces our whole log.
    const replaced = replay(records, { index: 3, term: 3, data: 'L' });
    expect(replaced.ok && [replaced.value.firstIndex(), replaced.value.lastIndex(), replaced.value.term(3)]).toEqual([4, 3, 3]);
  });

  it('refuses logs it could not have written', () => {
    expect(replay([{ type: 'state', term: 1, vote: null, commit: 0 }], undefined)).toMatchObject({ ok: false, error: expect.stringMatching(/header/) });
    expect(replay([HEADER, { type: 'entries', entries: [entry(3, 1)] }], undefined)).toMatchObject({ ok: false, error: expect.stringMatching(/gap/) });
    expect(replay([HEADER, { type: 'entries', entries: [entry(1, 1)] }, { type: 'state', term: 1, vote: null, commit: 2 }], undefined)).toMatchObject({ ok: false });
    expect(replay([{ ...HEADER, snapshotIndex: 5, snapshotTerm: 1 }], undefined)).toMatchObject({ ok: false, error: expect.stringMatching(/snapshot/) });
    expect(replay([HEADER, { type: 'entries', entries: [entry(1, 2), entry(2, 1)] }], undefined)).toMatchObject({ ok: false, error: expect.stringMatching(/invariant/) });
  });

  it('encodes records as frames', () => {
    const decoded = decodeFrames(encodeRecord(HEADER));
    expect(decoded.ok && decoded.value.payloads).toEqual([HEADER]);
  });
});
