// FsDisk against the real file system, and DurableNodeStore over it: appends land in order
// (large ones on the thread pool), a sync covers the appends before it, files grow in
// zero-filled steps, recovery cuts them back to their records, atomic writes leave no
// temporary file, and a store reopened on the directory finds what it synced.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsDisk, PREALLOCATE_BYTES, nativeCrc32 } from '../../src/runtime/fs_disk.js';
import { DurableNodeStore, segmentName, snapshotName } from '../../src/storage/durable_store.js';
import { range } from '../storage/helpers.js';

let root: string;
let counter = 0;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'raftkv-fs-disk-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const freshDir = (): string => join(root, `d${counter++}`);
const WAIT_MS = 10_000;

function waitFor(what: string, done: (resolve: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: not done within ${WAIT_MS} ms`)), WAIT_MS);
    done(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function until(what: string, predicate: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`${what}: not true within ${WAIT_MS} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function open(dir: string): DurableNodeStore {
  const opened = DurableNodeStore.open(new FsDisk(dir), nativeCrc32 === undefined ? {} : { checksum: nativeCrc32 });
  if (!opened.ok) throw new Error(opened.error);
  return opened.value.store;
}

describe('FsDisk', () => {
  it('appends in order, large appends on the thread pool included, and syncs after them', async () => {
    const dir = freshDir();
    const disk = new FsDisk(dir);
    const large = Buffer.alloc(1 << 20, 'L'); // beyond the size written at once
    disk.append('f', Buffer.from('a'));
    disk.append('f', large);
    disk.append('f', Buffer.from('b')); // must land after the large one, though it is written later
    await waitFor('sync', (resolve) => disk.sync('f', resolve));
    const content = readFileSync(join(dir, 'f'));
    expect(content.subarray(0, 1 + large.length + 1).toString()).toBe(`a${'L'.repeat(large.length)}b`);
    // Zeros ahead of the records: the first append grew the file by one step past itself.
    expect(content.length).toBe(1 + PREALLOCATE_BYTES);
    expect(content.subarray(2 + large.length).every((byte) => byte === 0)).toBe(true);
    disk.close();
  });

  it('writes an append made while a sync runs at once, and the next sync covers it', async () => {
    const dir = freshDir();
    const disk = new FsDisk(dir);
    disk.append('f', Buffer.from('first'));
    const firstSync = waitFor('first sync', (resolve) => disk.sync('f', resolve));
    // The sync is on the thread pool now: this append must not wait for it (group commit).
    disk.append('f', Buffer.from('+second'));
    expect(readFileSync(join(dir, 'f')).subarray(0, 12).toString()).toBe('first+second');
    await firstSync;
    await waitFor('second sync', (resolve) => disk.sync('f', resolve));
    disk.close();
  });

  it('cuts a file back to its records at recovery and appends after them', async () => {
    const dir = freshDir();
    const disk = new FsDisk(dir);
    disk.append('f', Buffer.from('records'));
    await waitFor('sync', (resolve) => disk.sync('f', resolve));
    disk.close();
    const again = new FsDisk(dir);
    expect(again.list()).toEqual(['f']);
    again.makeDurable('f', 7);
    expect(statSync(join(dir, 'f')).size).toBe(7);
    again.append('f', Buffer.from('+more'));
    await waitFor('sync', (resolve) => again.sync('f', resolve));
    expect(readFileSync(join(dir, 'f')).subarray(0, 12).toString()).toBe('records+more');
    again.close();
  });

  it('writes files atomically, leaving no temporary file, and cleans up one a crash left', async () => {
    const dir = freshDir();
    const disk = new FsDisk(dir);
    await waitFor('atomic write', (resolve) => disk.writeAtomically('snap', Buffer.from('first'), resolve));
    await waitFor('atomic write', (resolve) => disk.writeAtomically('snap', Buffer.from('second'), resolve));
    expect(readdirSync(dir)).toEqual(['snap']);
    expect(readFileSync(join(dir, 'snap')).toString()).toBe('second');
    writeFileSync(join(dir, 'snap.tmp'), 'half a snapshot');
    expect(new FsDisk(dir).list()).toEqual(['snap']);
    disk.remove('snap');
    await until('removal', () => !existsSync(join(dir, 'snap')));
  });
});

describe('DurableNodeStore on FsDisk', () => {
  it('recovers what it synced after the process is gone, and cuts a torn tail', async () => {
    const dir = freshDir();
    const store = open(dir);
    const group = store.group(0);
    group.save({ term: 1, vote: 'n0', commit: 0 }, range(1, 3, 1));
    store.endTurn();
    await waitFor('sync', (resolve) => store.startSync(resolve));
    group.save(undefined, range(4, 5, 1));
    store.endTurn();
    await waitFor('sync', (resolve) => store.startSync(resolve));
    // The process dies here (no close); the last write is torn on the way.
    const path = join(dir, segmentName(1));
    const bytes = readFileSync(path);
    let recordsEnd = bytes.length;
    while (recordsEnd > 0 && bytes[recordsEnd - 1] === 0) recordsEnd--;
    truncateSync(path, recordsEnd - 4);
    const reopened = DurableNodeStore.open(new FsDisk(dir));
    expect(reopened.ok).toBe(true);
    if (!reopened.ok) return;
    expect(reopened.value.recovery.tornTail).toMatch(/runs past the end/);
    expect([reopened.value.store.group(0).lastIndex(), statSync(path).size]).toEqual([3, reopened.value.recovery.bytes]);
    await waitFor('close', (resolve) => reopened.value.store.close(resolve));
  });

  it('writes snapshot files in the background and starts again from them', async () => {
    const dir = freshDir();
    const store = open(dir);
    const group = store.group(0);
    group.save({ term: 2, vote: null, commit: 6 }, range(1, 8, 2));
    group.compact(6, 'state at 6');
    store.endTurn();
    await waitFor('sync', (resolve) => store.startSync(resolve));
    await until('snapshot file', () => existsSync(join(dir, snapshotName(0))));
    await waitFor('close', (resolve) => store.close(resolve));
    const again = open(dir).group(0);
    expect([again.firstIndex(), again.lastIndex(), again.snapshot()?.data, again.initialState()]).toEqual([
      7,
      8,
      'state at 6',
      { term: 2, vote: null, commit: 6 },
    ]);
  });

  it('refuses a data directory written by an earlier raftkv', () => {
    const dir = freshDir();
    new FsDisk(dir);
    writeFileSync(join(dir, 'wal'), Buffer.alloc(32));
    expect(DurableNodeStore.open(new FsDisk(dir))).toMatchObject({ ok: false, error: expect.stringMatching(/earlier raftkv/) });
  });
});
