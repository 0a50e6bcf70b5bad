// The simulated disk: appends are volatile until a sync issued after them completes, syncs and
// atomic writes take virtual time, a crash keeps what was durable (and maybe a random prefix of
// the rest: a torn record), callbacks of a crashed life never run, and a seed replays exactly.
// Then the store on it: what a completed sync covered survives any crash.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/base/rng.js';
import { SimDisk } from '../../src/sim/sim_disk.js';
import { decodeFrames } from '../../src/storage/records.js';
import { ManualScheduler, openStore, range, simDisk, syncNow } from './helpers.js';

const bytes = (text: string): Uint8Array => Buffer.from(text);
const text = (data: Uint8Array): string => Buffer.from(data).toString();

describe('SimDisk', () => {
  it('keeps synced bytes across a crash and loses unsynced ones', () => {
    const { disk, clock } = simDisk(1, { keepUnsyncedChance: 0 });
    disk.append('f', bytes('durable'));
    let synced = false;
    disk.sync('f', () => (synced = true));
    disk.append('f', bytes('+late')); // issued after the sync: not covered by it
    expect(synced).toBe(false);
    clock.runAll();
    expect(synced).toBe(true);
    expect(clock.nowUs).toBeGreaterThan(0); // the sync took virtual time
    disk.append('f', bytes('+lost'));
    disk.append('g', bytes('never synced'));
    disk.crash();
    expect(text(disk.read('f'))).toBe('durable');
    expect(disk.list()).toEqual(['f']);
  });

  it('never runs the callbacks of a life a crash ended, and shows atomic writes only once done', () => {
    const { disk, clock } = simDisk(2);
    disk.append('f', bytes('x'));
    let calls = 0;
    disk.sync('f', () => calls++);
    disk.writeAtomically('snap', bytes('whole'), () => calls++);
    expect(disk.list()).toEqual(['f']);
    disk.crash();
    clock.runAll();
    expect(calls).toBe(0);
    expect(disk.list()).not.toContain('snap');
    disk.writeAtomically('snap', bytes('whole'), () => calls++);
    clock.runAll();
    expect([calls, text(disk.read('snap'))]).toEqual([1, 'whole']);
  });

  it('may keep a prefix of unsynced bytes: a torn tail, decided by the seed', () => {
    const outcomes = new Set<string>();
    for (let seed = 1; seed <= 40; seed++) {
      const { disk, clock } = simDisk(seed, { keepUnsyncedChance: 0.7 });
      disk.append('f', bytes('synced|'));
      disk.sync('f', () => {});
      clock.runAll();
      disk.append('f', bytes('0123456789'));
      disk.crash();
      const kept = text(disk.read('f'));
      expect(kept.startsWith('synced|')).toBe(true);
      expect('synced|0123456789'.startsWith(kept)).toBe(true);
      outcomes.add(kept.length === 7 ? 'none' : kept.length === 17 ? 'all' : 'torn');
    }
    expect(outcomes).toEqual(new Set(['none', 'all', 'torn']));
  });

  it('replays exactly from its seed', () => {
    const trace = (seed: number): string => {
      const clock = new ManualScheduler();
      const disk = new SimDisk(clock, new Rng(seed));
      const log: string[] = [];
      for (let i = 0; i < 5; i++) {
        disk.append(`f${i % 2}`, bytes(`record ${i};`));
        disk.sync(`f${i % 2}`, () => log.push(`sync ${i} at ${clock.nowUs}`));
      }
      clock.runNext();
      clock.runNext();
      disk.crash();
      clock.runAll();
      return `${log.join(',')} | ${disk
        .list()
        .map((name) => `${name}=${text(disk.read(name))}`)
        .join(',')}`;
    };
    expect(trace(42)).toBe(trace(42));
    expect(trace(42)).not.toBe(trace(43));
  });
});

describe('DurableNodeStore on the simulated disk', () => {
  it('keeps everything a completed sync covered through any crash, and may tear the last record', () => {
    let tornTails = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const { disk, clock } = simDisk(seed, { keepUnsyncedChance: 0.8 });
      const { store } = openStore(disk);
      const group = store.group(0);
      group.save({ term: 1, vote: 'n1', commit: 0 }, range(1, 5, 1));
      store.endTurn();
      syncNow(store, clock);
      for (let i = 6; i <= 9; i++) {
        group.save(undefined, [{ index: i, term: 1, kind: 'normal', data: 'x'.repeat(50) }]);
        store.endTurn();
      }
      disk.crash();
      const decoded = decodeFrames(disk.read('segment-0000000001.wal'));
      if (decoded.ok && decoded.value.tornTail !== undefined) tornTails++;
      const { store: again, recovery } = openStore(disk);
      const recovered = again.group(0);
      expect(recovered.lastIndex(), `seed ${seed}`).toBeGreaterThanOrEqual(5);
      expect(recovered.initialState(), `seed ${seed}`).toEqual({ term: 1, vote: 'n1', commit: 0 });
      expect(recovery.tornTail !== undefined, `seed ${seed}`).toBe(decoded.ok && decoded.value.tornTail !== undefined);
    }
    expect(tornTails).toBeGreaterThan(3);
  });
});
