// DurableStorage against the real file system: what is synced survives a "crash" (dropping the
// object without close), torn tails are cut and the file truncated, snapshots are atomic.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Entry } from '../../src/raft/index.js';
import { DurableStorage, SNAPSHOT_FILE, WAL_FILE } from '../../src/runtime/durable_storage.js';
import { writeFileAtomically, encodeFrame } from '../../src/runtime/wal.js';

const entry = (index: number, term: number): Entry => ({ index, term, kind: 'normal', data: { f: 'write', key: index, value: index * 2 } });
const range = (lo: number, hi: number, term: number): Entry[] => Array.from({ length: hi - lo + 1 }, (_, i) => entry(lo + i, term));

let root: string;
let counter = 0;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'raftkv-storage-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function freshDir(): string {
  return join(root, `d${counter++}`);
}

function open(dir: string): DurableStorage {
  const opened = DurableStorage.open(dir);
  if (!opened.ok) throw new Error(opened.error);
  return opened.value;
}

describe('DurableStorage', () => {
  it('recovers synced entries and hard state, and loses what was never synced', () => {
    const dir = freshDir();
    const a = open(dir);
    a.save({ term: 1, vote: 'n1', commit: 0 }, range(1, 5, 1));
    a.save({ term: 1, vote: 'n1', commit: 3 }, []);
    a.sync();
    a.save({ term: 2, vote: null, commit: 3 }, range(6, 8, 2)); // never synced: lost in the crash
    const b = open(dir);
    expect(b.initialState()).toEqual({ term: 1, vote: 'n1', commit: 3 });
    expect([b.firstIndex(), b.lastIndex(), b.term(5)]).toEqual([1, 5, 1]);
    expect(b.entries(2, 4)).toEqual(range(2, 3, 1));
    expect(b.recovery.tornTail).toBeUndefined();
  });

  it('truncates a conflicting suffix durably', () => {
    const dir = freshDir();
    const a = open(dir);
    a.save({ term: 1, vote: null, commit: 1 }, range(1, 6, 1));
    a.save({ term: 3, vote: null, commit: 2 }, range(3, 4, 3));
    a.sync();
    const b = open(dir);
    expect(b.lastIndex()).toBe(4);
    expect([b.term(2), b.term(3), b.term(4)]).toEqual([1, 3, 3]);
  });

  for (const tear of ['truncated', 'zeroed'] as const) {
    it(`cuts a torn tail (${tear}) off and keeps appending after it`, () => {
      const dir = freshDir();
      const a = open(dir);
      a.save({ term: 1, vote: null, commit: 0 }, range(1, 3, 1));
      a.sync();
      const validBytes = a.walBytes;
      a.save(undefined, range(4, 9, 1));
      a.sync();
      const end = a.walBytes;
      const path = join(dir, WAL_FILE);
      if (tear === 'truncated') {
        truncateSync(path, end - 5); // the crash tore the last write, and the file ends there
      } else {
        const bytes = readFileSync(path);
        bytes.fill(0, end - 5, end); // the last sectors of the write never reached the disk
        writeFileSync(path, bytes);
      }
      const b = open(dir);
      expect(b.lastIndex()).toBe(3);
      expect(b.recovery.tornTail).toMatch(tear === 'truncated' ? /runs past the end/ : /checksum mismatch/);
      expect(b.walBytes).toBe(validBytes);
      b.save(undefined, range(4, 4, 2));
      b.sync();
      const c = open(dir);
      expect([c.lastIndex(), c.term(4), c.recovery.tornTail]).toEqual([4, 2, undefined]);
    });
  }

  it('refuses a WAL damaged before its tail', () => {
    const dir = freshDir();
    const a = open(dir);
    for (let i = 1; i <= 4; i++) {
      a.save({ term: 1, vote: null, commit: i - 1 }, [entry(i, 1)]);
      a.sync();
    }
    const path = join(dir, WAL_FILE);
    const bytes = readFileSync(path);
    bytes[60] = (bytes[60] as number) ^ 0x55;
    writeFileSync(path, bytes);
    const opened = DurableStorage.open(dir);
    expect(opened.ok).toBe(false);
    if (!opened.ok) expect(opened.error).toMatch(/corrupt record at byte \d+ .* bytes after it/);
  });

  it('compacts: snapshot file plus a rewritten WAL holding only the entries after it', () => {
    const dir = freshDir();
    const a = open(dir);
    a.save({ term: 2, vote: 'n2', commit: 900 }, range(1, 1000, 2));
    a.sync();
    const before = statSync(join(dir, WAL_FILE)).size;
    a.compact(900, 'state-at-900');
    expect(statSync(join(dir, WAL_FILE)).size).toBeLessThan(before / 5);
    expect(readdirSync(dir).sort()).toEqual([SNAPSHOT_FILE, WAL_FILE]);
    a.save(undefined, range(1001, 1002, 2));
    a.sync();
    const b = open(dir);
    expect([b.firstIndex(), b.lastIndex(), b.term(900), b.snapshot()?.data, b.initialState()]).toEqual([901, 1002, 2, 'state-at-900', { term: 2, vote: 'n2', commit: 900 }]);
  });

  it('installs a snapshot from a leader, replacing a log that disagrees', () => {
    const dir = freshDir();
    const a = open(dir);
    a.save({ term: 1, vote: null, commit: 2 }, range(1, 5, 1));
    a.sync();
    a.applySnapshot({ index: 10, term: 3, data: 'leader' });
    const b = open(dir);
    expect([b.firstIndex(), b.lastIndex(), b.term(10), b.initialState().commit, b.snapshot()?.data]).toEqual([11, 10, 3, 10, 'leader']);
  });

  it('refuses a damaged snapshot file, and leaves no temporary files behind an atomic write', () => {
    const dir = freshDir();
    const a = open(dir);
    a.save({ term: 1, vote: null, commit: 3 }, range(1, 3, 1));
    a.compact(3, 'x'.repeat(100));
    const path = join(dir, SNAPSHOT_FILE);
    const bytes = readFileSync(path);
    bytes[50] = (bytes[50] as number) ^ 1;
    writeFileSync(path, bytes);
    expect(DurableStorage.open(dir)).toMatchObject({ ok: false, error: expect.stringMatching(/snapshot/) });

    writeFileAtomically(dir, 'other', [encodeFrame({ a: 1 }), encodeFrame({ b: 2 })]);
    expect(existsSync(join(dir, 'other.tmp'))).toBe(false);
    expect(readFileSync(join(dir, 'other')).length).toBe(encodeFrame({ a: 1 }).length + encodeFrame({ b: 2 }).length);
  });

  it('in background mode, holds acknowledgements behind an asynchronous fdatasync (group commit)', async () => {
    const dir = freshDir();
    const opened = DurableStorage.open(dir, { backgroundSync: true });
    if (!opened.ok) throw new Error(opened.error);
    const a = opened.value;
    a.save({ term: 1, vote: 'n1', commit: 0 }, range(1, 2, 1));
    a.sync(); // written, not yet durable: output of this turn must wait
    expect(a.requiredGeneration).toBe(1);
    expect(a.durableGeneration).toBe(0);
    expect(a.durablePoint()).toEqual({ index: 0, term: 0 });
    a.save({ term: 1, vote: 'n1', commit: 2 }, []); // only the commit moved: nothing new to wait for
    a.sync();
    expect(a.requiredGeneration).toBe(1);
    const turns: number[] = [];
    await new Promise<void>((resolve) => {
      a.startSync(() => {
        turns.push(a.durableGeneration);
        resolve();
      });
      // A write made while the fdatasync runs goes into the next one.
      a.save(undefined, range(3, 3, 1));
      a.sync();
    });
    expect(turns[0]).toBeGreaterThanOrEqual(1);
    // The fdatasync covered what was written when it started: entries 1-2, not entry 3.
    expect(a.durablePoint()).toEqual({ index: 2, term: 1 });
    expect(a.requiredGeneration).toBe(3);
    await new Promise<void>((resolve) => a.startSync(resolve));
    expect(a.durableGeneration).toBe(3);
    expect(a.durablePoint()).toEqual({ index: 3, term: 1 });
    a.close();
    const b = open(dir);
    expect([b.lastIndex(), b.initialState()]).toEqual([3, { term: 1, vote: 'n1', commit: 2 }]);
  });

  it('refuses to start a second background sync while one runs (it would not cover the newer writes)', async () => {
    const opened = DurableStorage.open(freshDir(), { backgroundSync: true });
    if (!opened.ok) throw new Error(opened.error);
    const a = opened.value;
    a.save({ term: 1, vote: null, commit: 0 }, range(1, 1, 1));
    a.sync();
    const done = new Promise<void>((resolve) => a.startSync(resolve));
    expect(() => a.startSync(() => {})).toThrow(/another is running/);
    await done;
    a.close();
  });

  it('reports everything durable after a synchronous sync, and after a compaction', () => {
    const a = open(freshDir());
    a.save({ term: 2, vote: null, commit: 0 }, range(1, 4, 2));
    expect(a.durablePoint()).toEqual({ index: 0, term: 0 });
    a.sync();
    expect(a.durablePoint()).toEqual({ index: 4, term: 2 });
    a.save({ term: 2, vote: null, commit: 3 }, range(5, 6, 2));
    a.compact(3, 'state at 3');
    expect(a.durablePoint()).toEqual({ index: 6, term: 2 });
    a.close();
  });

  it('ignores a temporary file left by a crash during an atomic write', () => {
    const dir = freshDir();
    const a = open(dir);
    a.save({ term: 1, vote: null, commit: 1 }, range(1, 2, 1));
    a.sync();
    writeFileSync(join(dir, `${WAL_FILE}.tmp`), 'half a wal');
    const b = open(dir);
    expect(b.lastIndex()).toBe(2);
    expect(existsSync(join(dir, `${WAL_FILE}.tmp`))).toBe(false);
  });
});
