// DurableNodeStore on a simulated disk: generations and durable points move only when a sync
// completes; what was synced survives a crash and what was not is lost; several groups share
// the WAL; segments begin only once the previous one is durable and go once snapshots cover
// them; snapshot files are written in the background, only after the WAL records they depend
// on; recovery cuts a torn tail of the last segment and refuses damage anywhere else.
import { describe, expect, it } from 'vitest';
import { DurableNodeStore, segmentName, snapshotName } from '../../src/storage/durable_store.js';
import { decodeFrames, parseWalRecord } from '../../src/storage/records.js';
import { diskWith, openStore, range, simDisk, syncNow } from './helpers.js';

const SEG1 = segmentName(1);
const SEG2 = segmentName(2);

describe('DurableNodeStore generations', () => {
  it('requires a sync for entries and votes, not for a commit index alone, and moves durable points only when one completes', () => {
    const { disk, clock } = simDisk();
    const { store } = openStore(disk);
    const group = store.group(0);
    group.save({ term: 1, vote: 'n1', commit: 0 }, range(1, 2, 1));
    store.endTurn();
    expect([store.requiredGeneration, store.durableGeneration]).toEqual([1, 0]);
    expect(group.durablePoint()).toEqual({ index: 0, term: 0 });
    group.save({ term: 1, vote: 'n1', commit: 2 }, []); // only the commit moved
    store.endTurn();
    expect(store.requiredGeneration).toBe(1);
    store.endTurn(); // a turn that wrote nothing is no generation
    let completions = 0;
    store.startSync(() => completions++);
    expect(() => store.startSync(() => {})).toThrow(/another is running/);
    // A turn ended while the sync runs goes into the next one.
    group.save(undefined, range(3, 3, 1));
    store.endTurn();
    expect(store.requiredGeneration).toBe(3);
    clock.runAll();
    expect([completions, store.durableGeneration]).toEqual([1, 2]);
    expect(group.durablePoint()).toEqual({ index: 2, term: 1 });
    syncNow(store, clock);
    expect(store.durableGeneration).toBe(3);
    expect(group.durablePoint()).toEqual({ index: 3, term: 1 });
    // A vote alone, or a term alone, must be durable before the vote or the reply leaves.
    group.save({ term: 2, vote: null, commit: 2 }, []);
    store.endTurn();
    expect([store.requiredGeneration, store.durableGeneration]).toEqual([4, 3]);
    syncNow(store, clock);
    group.save({ term: 2, vote: 'n3', commit: 2 }, []);
    store.endTurn();
    expect([store.requiredGeneration, store.durableGeneration]).toEqual([5, 4]);
  });

  it('keeps what was synced across a crash and loses what was not', () => {
    const { disk, clock } = simDisk(7, { keepUnsyncedChance: 0 });
    const { store, recovery } = openStore(disk);
    expect(recovery.fresh).toBe(true);
    const group = store.group(0);
    group.save({ term: 1, vote: 'n1', commit: 0 }, range(1, 3, 1));
    group.save({ term: 1, vote: 'n1', commit: 3 }, []);
    store.endTurn();
    syncNow(store, clock);
    group.save({ term: 2, vote: null, commit: 3 }, range(4, 6, 2)); // written, never synced
    store.endTurn();
    store.startSync(() => {
      throw new Error('a sync of a crashed node completed');
    });
    disk.crash();
    clock.runAll(); // the sync in flight never completes
    const reopened = openStore(disk);
    expect(reopened.recovery.fresh).toBe(false);
    const recovered = reopened.store.group(0);
    expect([recovered.lastIndex(), recovered.initialState()]).toEqual([3, { term: 1, vote: 'n1', commit: 3 }]);
    expect(recovered.durablePoint()).toEqual({ index: 3, term: 1 });
    expect(reopened.recovery.groups).toEqual([{ group: 0, snapshotIndex: 0, lastIndex: 3, hardState: { term: 1, vote: 'n1', commit: 3 } }]);
  });

  it('makes everything durable on close', () => {
    const { disk, clock } = simDisk(3, { keepUnsyncedChance: 0 });
    const { store } = openStore(disk);
    store.group(0).save({ term: 1, vote: null, commit: 0 }, range(1, 4, 1));
    let closed = false;
    store.close(() => (closed = true));
    clock.runAll();
    expect(closed).toBe(true);
    disk.crash();
    expect(openStore(disk).store.group(0).lastIndex()).toBe(4);
  });
});

describe('DurableNodeStore with several groups', () => {
  it('interleaves groups in one WAL and recovers each exactly', () => {
    const { disk, clock } = simDisk(11, { keepUnsyncedChance: 0 });
    const { store } = openStore(disk);
    const [a, b, c] = [store.group(0), store.group(1), store.group(7)];
    a.save({ term: 1, vote: 'n0', commit: 0 }, range(1, 3, 1));
    b.save({ term: 2, vote: null, commit: 0 }, range(1, 1, 2));
    store.endTurn();
    c.save({ term: 1, vote: null, commit: 0 }, range(1, 5, 1));
    a.save({ term: 1, vote: 'n0', commit: 3 }, []);
    b.save({ term: 3, vote: 'n2', commit: 0 }, range(2, 2, 3));
    c.save({ term: 2, vote: null, commit: 2 }, range(3, 4, 2)); // replaces 3..5
    store.endTurn();
    syncNow(store, clock);
    expect([a.durablePoint(), b.durablePoint(), c.durablePoint()]).toEqual([
      { index: 3, term: 1 },
      { index: 2, term: 3 },
      { index: 4, term: 2 },
    ]);
    disk.crash();
    const { store: again, recovery } = openStore(disk);
    expect(recovery.groups.map((group) => group.group)).toEqual([0, 1, 7]);
    const [a2, b2, c2] = [again.group(0), again.group(1), again.group(7)];
    expect([a2.initialState(), a2.lastIndex()]).toEqual([{ term: 1, vote: 'n0', commit: 3 }, 3]);
    expect([b2.initialState(), b2.entries(1, 3).map((e) => e.term)]).toEqual([{ term: 3, vote: 'n2', commit: 0 }, [2, 3]]);
    expect([c2.initialState(), c2.entries(1, 5).map((e) => e.term)]).toEqual([{ term: 2, vote: null, commit: 2 }, [1, 1, 2, 2]]);
    // One append per turn, tagged by group: the segment holds the header and 9 records.
    const decoded = decodeFrames(disk.read(SEG1));
    expect(
      decoded.ok && decoded.value.frames.map(parseWalRecord).map((r) => (r === undefined || r.type === 'segment' ? r?.type : `${r.type}:${r.group}`)),
    ).toEqual([
      'segment',
      'state:0',
      'entries:0',
      'state:1',
      'entries:1',
      'state:7',
      'entries:7',
      'state:0',
      'state:1',
      'entries:1',
      'state:7',
      'entries:7',
      'state:7',
    ]);
  });
});

describe('DurableNodeStore segments', () => {
  it('begins a segment only once the previous one is durable, and reads them all back in order', () => {
    const { disk, clock } = simDisk(5, { keepUnsyncedChance: 0 });
    const { store } = openStore(disk, { segmentBytes: 400 });
    const group = store.group(0);
    group.save({ term: 1, vote: null, commit: 0 }, range(1, 10, 1)); // well over 400 bytes
    store.endTurn();
    group.save(undefined, range(11, 12, 1)); // waits for the new segment
    store.endTurn();
    expect(disk.list()).toEqual([SEG1]);
    store.startSync(() => {});
    clock.runNext(); // the first segment's sync
    expect(disk.list()).toEqual([SEG1, SEG2]);
    expect(disk.durableBytes(SEG1)).toBe(disk.read(SEG1).length);
    expect(disk.durableBytes(SEG2)).toBe(0);
    clock.runAll();
    expect(store.durableGeneration).toBe(2);
    for (let i = 13; i <= 40; i++) {
      group.save({ term: 1, vote: null, commit: i - 1 }, range(i, i, 1));
      store.endTurn();
      syncNow(store, clock);
    }
    expect(store.segmentCount).toBeGreaterThan(3);
    disk.crash();
    const { store: again, recovery } = openStore(disk, { segmentBytes: 400 });
    expect(recovery.segments).toBe(store.segmentCount);
    expect([again.group(0).lastIndex(), again.group(0).initialState().commit]).toEqual([40, 39]);
  });

  it('deletes old segments once every group with entries in them has a durable snapshot covering them', () => {
    const { disk, clock } = simDisk(9, { keepUnsyncedChance: 0 });
    const { store } = openStore(disk, { segmentBytes: 300 });
    const [a, b] = [store.group(0), store.group(1)];
    b.save({ term: 1, vote: null, commit: 1 }, range(1, 1, 1)); // group 1: one entry in segment 1
    for (let i = 1; i <= 20; i++) {
      a.save({ term: 1, vote: null, commit: i }, range(i, i, 1));
      store.endTurn();
      syncNow(store, clock);
    }
    const segments = store.segmentCount;
    expect(segments).toBeGreaterThan(3);
    a.compact(20, 'a at 20');
    store.endTurn();
    syncNow(store, clock);
    clock.runAll(); // the snapshot file's write
    expect(disk.list()).toContain(snapshotName(0));
    expect(store.segmentCount).toBe(segments); // group 1's entry pins segment 1, so all after it stay
    b.compact(1, 'b at 1');
    store.endTurn();
    syncNow(store, clock);
    clock.runAll();
    expect(store.segmentCount).toBe(1);
    expect(disk.list().filter((name) => name.startsWith('segment-'))).toEqual([segmentName(segments)]);
    disk.crash();
    const { store: again } = openStore(disk, { segmentBytes: 300 });
    expect([again.group(0).snapshot()?.data, again.group(0).lastIndex(), again.group(1).snapshot()?.data]).toEqual(['a at 20', 20, 'b at 1']);
  });
});

describe('DurableNodeStore snapshots', () => {
  it('writes a snapshot file in the background, only once the WAL holds what it was taken from', () => {
    const { disk, clock } = simDisk(2, { keepUnsyncedChance: 0 });
    const { store } = openStore(disk);
    const group = store.group(0);
    group.save({ term: 1, vote: null, commit: 6 }, range(1, 6, 1));
    group.compact(4, 'at 4'); // the entries it covers are not durable yet
    expect(group.snapshot()).toEqual({ index: 4, term: 1, data: 'at 4' });
    store.endTurn();
    clock.runAll();
    expect(disk.list()).not.toContain(snapshotName(0));
    store.startSync(() => {});
    clock.runNext(); // the WAL sync: the snapshot write starts now
    expect(disk.list()).not.toContain(snapshotName(0));
    clock.runAll();
    expect(disk.list()).toContain(snapshotName(0));
    // A compaction in a turn that writes nothing still needs the sync of what came before.
    group.save(undefined, range(7, 7, 1));
    store.endTurn();
    group.compact(6, 'at 6');
    store.endTurn();
    expect(store.requiredGeneration).toBeGreaterThan(store.durableGeneration);
    disk.crash(); // before that sync: the file at 4 and the WAL remain
    const { store: again } = openStore(disk);
    expect([again.group(0).firstIndex(), again.group(0).lastIndex(), again.group(0).snapshot()?.data]).toEqual([5, 6, 'at 4']);
  });

  it('closes only once the snapshot files being written are done: nothing of the store runs after close', () => {
    const { disk, clock } = simDisk(5, { keepUnsyncedChance: 0 });
    const { store } = openStore(disk);
    const group = store.group(0);
    group.save({ term: 1, vote: null, commit: 4 }, range(1, 4, 1));
    group.compact(4, 'at 4');
    store.endTurn();
    store.startSync(() => {});
    clock.runNext(); // the WAL sync completes: the snapshot file write starts
    expect(disk.list()).not.toContain(snapshotName(0));
    let closed = false;
    store.close(() => (closed = true));
    // Run the disk only until close reports done: by then the snapshot write must be over.
    while (!closed && clock.runNext());
    expect(closed).toBe(true);
    expect(disk.list()).toContain(snapshotName(0));
    expect(clock.pending).toBe(0);
  });

  it('records a snapshot installed from the leader in the WAL, after the new term, and writes its file later', () => {
    const { disk, clock } = simDisk(4, { keepUnsyncedChance: 0 });
    const { store } = openStore(disk);
    const group = store.group(0);
    group.save({ term: 1, vote: null, commit: 2 }, range(1, 5, 1));
    store.endTurn();
    syncNow(store, clock);
    group.applySnapshot({ index: 10, term: 3, data: 'leader at 10' });
    group.save({ term: 3, vote: null, commit: 10 }, range(11, 11, 3));
    store.endTurn();
    const records = (): string[] => {
      const decoded = decodeFrames(disk.read(SEG1));
      return decoded.ok ? decoded.value.frames.map((frame) => parseWalRecord(frame)?.type ?? '?') : [];
    };
    expect(records().slice(-4)).toEqual(['state', 'snapshot', 'entries', 'state']);
    store.startSync(() => {});
    clock.runNext(); // durable; the snapshot file is not written yet
    expect(disk.list()).not.toContain(snapshotName(0));
    disk.crash();
    const { store: again } = openStore(disk);
    const recovered = again.group(0);
    expect([recovered.firstIndex(), recovered.lastIndex(), recovered.snapshot()?.data, recovered.initialState()]).toEqual([
      11,
      11,
      'leader at 10',
      { term: 3, vote: null, commit: 10 },
    ]);
    clock.runAll(); // recovery writes the file the crash cut short
    expect(disk.list()).toContain(snapshotName(0));
    const fromFile = openStore(disk).store.group(0);
    expect(fromFile.snapshot()?.data).toBe('leader at 10');
  });

  it('keeps entries after an installed snapshot that agree with it', () => {
    const { disk, clock } = simDisk(6, { keepUnsyncedChance: 0 });
    const { store } = openStore(disk);
    const group = store.group(0);
    group.save({ term: 2, vote: null, commit: 1 }, range(1, 6, 2));
    group.applySnapshot({ index: 3, term: 2, data: 's3' });
    store.endTurn();
    syncNow(store, clock);
    disk.crash();
    const recovered = openStore(disk).store.group(0);
    expect([recovered.firstIndex(), recovered.lastIndex(), recovered.initialState().commit]).toEqual([4, 6, 3]);
  });
});

describe('DurableNodeStore recovery', () => {
  function written(segmentBytes = 64 << 20): Map<string, Uint8Array> {
    const { disk, clock } = simDisk(1, { keepUnsyncedChance: 0 });
    const { store } = openStore(disk, { segmentBytes });
    for (let i = 1; i <= 12; i++) {
      store.group(0).save({ term: 1, vote: 'n0', commit: i - 1 }, range(i, i, 1));
      store.endTurn();
      syncNow(store, clock);
    }
    return disk.snapshotFiles();
  }

  it('cuts a torn tail off the last segment, truncates it and appends after it', () => {
    const files = written();
    const whole = files.get(SEG1) as Uint8Array;
    files.set(SEG1, whole.subarray(0, whole.length - 5));
    const { disk, clock } = diskWith(files);
    const { store, recovery } = openStore(disk);
    expect(recovery.tornTail).toMatch(new RegExp(`^${SEG1}: frame of \\d+ bytes runs past the end at byte \\d+ of ${whole.length - 5}$`));
    // The last turn's commit record was torn; its entry before it survived.
    expect([store.group(0).lastIndex(), store.group(0).initialState().commit]).toEqual([12, 10]);
    expect(disk.read(SEG1).length).toBe(recovery.bytes);
    store.group(0).save({ term: 2, vote: null, commit: 10 }, range(13, 13, 2));
    store.endTurn();
    syncNow(store, clock);
    const again = openStore(disk);
    expect([again.recovery.tornTail, again.store.group(0).term(13)]).toEqual([undefined, 2]);
  });

  it('reads past zeros preallocated after the records, in any segment', () => {
    const files = written(300);
    for (const [name, bytes] of files) if (name.startsWith('segment-')) files.set(name, Buffer.concat([bytes, Buffer.alloc(4096)]));
    const { disk } = diskWith(files);
    const { store, recovery } = openStore(disk, { segmentBytes: 300 });
    expect(recovery.segments).toBeGreaterThan(1);
    expect([recovery.tornTail, store.group(0).lastIndex()]).toEqual([undefined, 12]);
  });

  it('refuses a torn record in a segment that is not the last one, naming it', () => {
    const files = written(300);
    const bytes = files.get(SEG1) as Uint8Array;
    files.set(SEG1, bytes.subarray(0, bytes.length - 3));
    expect(DurableNodeStore.open(diskWith(files).disk)).toEqual({
      ok: false,
      error: expect.stringMatching(new RegExp(`^${SEG1}: a torn record .*but it is not the last segment`)),
    });
  });

  it('refuses corruption with data after it, naming the file and the byte offset', () => {
    const files = written();
    const bytes = Buffer.from(files.get(SEG1) as Uint8Array);
    bytes[120] = (bytes[120] as number) ^ 0x40;
    files.set(SEG1, bytes);
    expect(DurableNodeStore.open(diskWith(files).disk)).toEqual({
      ok: false,
      error: expect.stringMatching(new RegExp(`^${SEG1}: corrupt record at byte \\d+ of ${bytes.length} \\(checksum mismatch\\), with \\d+ bytes after it$`)),
    });
  });

  it('refuses a directory with a segment missing in the middle', () => {
    const files = written(300);
    expect(files.size).toBeGreaterThan(3);
    files.delete(SEG2);
    expect(DurableNodeStore.open(diskWith(files).disk)).toMatchObject({
      ok: false,
      error: expect.stringMatching(
        /^segment-0000000003\.wal: record at byte 0: group 0: the segment begins with the log ending at \d+ \(term 1\), but the records before it end at/,
      ),
    });
  });

  it('refuses a damaged snapshot file, and snapshot files without a WAL', () => {
    const files = new Map([[snapshotName(0), Buffer.from('not a snapshot')]]);
    expect(DurableNodeStore.open(diskWith(files).disk)).toMatchObject({ ok: false, error: expect.stringMatching(/^group-0\.snapshot: /) });
  });

  it('refuses a data directory written by an earlier raftkv, saying what to do', () => {
    const files = new Map([
      ['wal', Buffer.alloc(16)],
      ['snapshot', Buffer.alloc(16)],
    ]);
    expect(DurableNodeStore.open(diskWith(files).disk)).toEqual({
      ok: false,
      error: expect.stringMatching(/written by an earlier raftkv \(it holds wal and snapshot.*start from an empty data directory$/),
    });
  });

  it('begins again an empty last segment (created, then a crash before its header was durable)', () => {
    const files = written(300);
    const last = [...files.keys()]
      .filter((name) => name.startsWith('segment-'))
      .sort()
      .at(-1) as string;
    const next = segmentName(Number(/\d+/.exec(last)?.[0]) + 1);
    files.set(next, new Uint8Array(0));
    const { disk, clock } = diskWith(files);
    const { store } = openStore(disk, { segmentBytes: 300 });
    store.group(0).save(undefined, range(13, 13, 1));
    store.endTurn();
    syncNow(store, clock);
    const again = openStore(disk, { segmentBytes: 300 });
    expect(again.store.group(0).lastIndex()).toBe(13);
    expect(decodeFrames(disk.read(next)).ok).toBe(true);
  });
});
