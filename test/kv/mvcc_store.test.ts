// The multi-versioned store: a read at index I sees exactly the state after entry I, for lin-kv
// operations and txn writes alike; superseded versions are collected once no read in the window
// (or a pinned one) can see them, and by bytes, so memory stays bounded; snapshot images carry
// the window's versions, deterministically, and an earlier build's plain image still loads.
// The randomized test replays with MVCC_SEED=<seed>.
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/base/json.js';
import { Rng } from '../../src/base/rng.js';
import { KvStore } from '../../src/kv/kv_store.js';

/** Every version ever written, per key: what a read at any index must see. */
class FullHistory {
  private readonly versions = new Map<JsonValue, Array<[number, JsonValue]>>();

  write(key: JsonValue, index: number, value: JsonValue): void {
    const list = this.versions.get(key) ?? [];
    if (list.at(-1)?.[0] === index) list.pop();
    list.push([index, value]);
    this.versions.set(key, list);
  }

  valueAt(key: JsonValue, index: number): JsonValue | undefined {
    let found: JsonValue | undefined;
    for (const [at, value] of this.versions.get(key) ?? []) if (at <= index) found = value;
    return found;
  }

  /** Superseded versions a read at `floor` or later can still see. */
  supersededAbove(floor: number): number {
    let count = 0;
    for (const list of this.versions.values()) for (let k = 0; k + 1 < list.length; k++) if ((list[k + 1] as [number, JsonValue])[0] > floor) count++;
    return count;
  }
}

function readAt(store: KvStore, key: JsonValue, index: number): JsonValue | undefined | 'refused' {
  const state = store.at(index);
  return state === undefined ? 'refused' : state.get(key);
}

describe('KvStore versions', () => {
  it('reads at an index see exactly the state after that entry, lin-kv and txn writes alike', () => {
    const store = new KvStore({ retentionEntries: 100 });
    store.beginEntry(1);
    store.apply({ f: 'write', key: 'a', value: 1 });
    store.beginEntry(2); // a no-op entry
    store.beginEntry(3);
    store.apply({ f: 'cas', key: 'a', from: 1, to: 2, createIfMissing: false });
    store.put('b', [1]);
    store.beginEntry(4);
    store.put('a', 3);
    store.put('a', 4); // twice in one entry: one version
    store.put('b', [1, 2]);
    store.beginEntry(5);
    expect(store.apply({ f: 'cas', key: 'a', from: 9, to: 0, createIfMissing: false })).toMatchObject({ code: 22 });
    expect([0, 1, 2, 3, 4, 5].map((index) => readAt(store, 'a', index))).toEqual([undefined, 1, 1, 2, 4, 4]);
    expect([0, 2, 3, 4].map((index) => readAt(store, 'b', index))).toEqual([undefined, undefined, [1], [1, 2]]);
    expect(store.get('a')).toBe(4);
    expect(store.read('b')).toEqual({ type: 'read_ok', value: [1, 2] });
    expect(store.supersededVersionCount).toBe(3);
    expect(() => store.at(6)).toThrow(/beyond the entry applied/);
  });

  it('keeps the version count bounded when one key is written many times', () => {
    const store = new KvStore({ retentionEntries: 16 });
    for (let index = 1; index <= 20_000; index++) {
      store.beginEntry(index);
      store.put('hot', index);
      expect(store.supersededVersionCount).toBeLessThanOrEqual(16);
    }
    expect(store.supersededVersionCount).toBe(16);
    expect(store.oldestReadableIndex).toBe(20_000 - 16);
    expect(readAt(store, 'hot', 20_000 - 16)).toBe(20_000 - 16);
    expect(readAt(store, 'hot', 20_000 - 17)).toBe('refused');
  });

  it('keeps no versions with retention 0: reads only at the newest index', () => {
    const store = new KvStore({ retentionEntries: 0 });
    for (let index = 1; index <= 100; index++) {
      store.beginEntry(index);
      store.put(index % 3, index);
    }
    expect(store.supersededVersionCount).toBe(0);
    expect(readAt(store, 1, 100)).toBe(100);
    expect(readAt(store, 1, 99)).toBe('refused');
  });

  it('bounds superseded versions by bytes as well: past the budget the floor rises', () => {
    const store = new KvStore({ retentionEntries: 1_000, retentionBytes: 10_000 });
    const big = (index: number): string => `${index}`.padEnd(1_000, '.');
    for (let index = 1; index <= 200; index++) {
      store.beginEntry(index);
      store.put(index % 2, big(index));
      expect(store.supersededVersionBytes).toBeLessThanOrEqual(10_000);
    }
    // About ten values of 1 KB fit: the floor follows them, far above 200 - 1,000.
    expect(store.oldestReadableIndex).toBeGreaterThan(185);
    for (let index = store.oldestReadableIndex; index <= 200; index++) expect(readAt(store, index % 2, index)).toBe(big(index));
    expect(readAt(store, 0, store.oldestReadableIndex - 1)).toBe('refused');
  });

  it('keeps a pinned index readable past the window until it is unpinned', () => {
    const store = new KvStore({ retentionEntries: 4 });
    store.beginEntry(1);
    store.put('k', 'one');
    store.pin(2);
    store.pin(2);
    for (let index = 2; index <= 50; index++) {
      store.beginEntry(index);
      store.put('k', index);
    }
    expect(readAt(store, 'k', 2)).toBe(2);
    expect(readAt(store, 'k', 1)).toBe('refused');
    store.unpin(2);
    store.beginEntry(51);
    expect(readAt(store, 'k', 2)).toBe(2);
    store.unpin(2);
    store.beginEntry(52);
    expect(readAt(store, 'k', 2)).toBe('refused');
    expect(store.oldestReadableIndex).toBe(48);
    // The versions of 48 and 49, superseded at 49 and 50; 50 is the newest.
    expect(store.supersededVersionCount).toBe(2);
    expect(() => store.unpin(2)).toThrow(/not pinned/);
  });

  it('snapshots the versions the window can read, deterministically, and restores them', () => {
    const build = (pinned: boolean): KvStore => {
      const store = new KvStore({ retentionEntries: 5 });
      if (pinned) store.pin(3);
      for (let index = 1; index <= 12; index++) {
        store.beginEntry(index);
        if (index % 2 === 0) store.put('even', index);
        if (index === 1) store.put('once', { v: [1] });
        if (index === 11) store.put('late', 'l');
      }
      return store;
    };
    const image = build(false).snapshot();
    // What a reader pinned changes nothing in the image: it depends on the history and the retention only.
    expect(build(true).snapshot()).toBe(image);
    expect(JSON.parse(image)).toEqual({
      version: 2,
      floor: 7,
      entries: [
        // 6 is superseded at 8, above the floor (7): a read at 7 sees it.
        [
          'seven',
          12,
          12,
          [
            [6, 6],
            [8, 8],
            [10, 10],
          ],
        ],
        ['slate', 'l', 11, []],
        // Below the floor: one version, with the index that wrote it (txn checks compare it).
        ['sonce', { v: [1] }, 1],
      ],
    });
    const restored = new KvStore({ retentionEntries: 5 });
    restored.restore(image, 12);
    expect(restored.snapshot()).toBe(image);
    // The version indexes survive the image exactly, so a txn check at apply decides as on a replica that applied every entry.
    for (const key of ['even', 'late', 'once', 'never']) expect(restored.versionOf(key), key).toBe(build(false).versionOf(key));
    expect([restored.versionOf('once'), restored.versionOf('even'), restored.versionOf('never')]).toEqual([1, 12, 0]);
    expect(restored.oldestReadableIndex).toBe(7);
    for (let index = 7; index <= 12; index++) {
      expect(readAt(restored, 'even', index)).toBe(index - (index % 2));
      expect(readAt(restored, 'late', index)).toBe(index >= 11 ? 'l' : undefined);
      expect(readAt(restored, 'once', index)).toEqual({ v: [1] });
    }
    expect(readAt(restored, 'even', 6)).toBe('refused');
    // Writing on from the image collects as the original would.
    restored.beginEntry(13);
    restored.put('even', 13);
    expect(restored.supersededVersionCount).toBe(3);
  });

  it('loads the plain image an earlier build wrote: one version per key, at the snapshot index', () => {
    // Exactly what the previous build's store wrote (group-0.snapshot of a data directory).
    const earlier = '{"version":1,"entries":[["sk",6],["sl",[1,2,3,4,5,6]],["sr",6]]}';
    const store = new KvStore();
    store.restore(earlier, 13);
    expect(store.oldestReadableIndex).toBe(13);
    expect(readAt(store, 'l', 13)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(readAt(store, 'k', 12)).toBe('refused');
    store.beginEntry(14);
    store.put('l', [1, 2, 3, 4, 5, 6, 7]);
    expect(readAt(store, 'l', 13)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(readAt(store, 'l', 14)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(JSON.parse(store.snapshot())).toEqual({
      version: 2,
      floor: 13,
      entries: [
        // The earlier image did not say which entry wrote them: at most the snapshot's index.
        ['sk', 6, 13],
        ['sl', [1, 2, 3, 4, 5, 6, 7], 14, [[13, [1, 2, 3, 4, 5, 6]]]],
        ['sr', 6, 13],
      ],
    });
  });

  it('refuses images that are not one', () => {
    const store = new KvStore();
    for (const text of [
      '{"version":3,"entries":[]}',
      '{"version":2,"floor":9,"entries":[]}',
      '{"version":2,"floor":1,"entries":[["sk",1,1,[]]]}',
      '{"version":2,"floor":1,"entries":[["sk",1,3,[[2,1],[2,1]]]]}',
      '{"version":2,"floor":1,"entries":[["sk",1,3,[[4,1]]]]}',
      '{"version":2,"floor":1,"entries":[["sk"]]}',
      '{"version":2,"floor":1,"entries":[["sk",1,2]]}',
      '{"version":2,"floor":1,"entries":[["sk",1,-1]]}',
    ])
      expect(() => store.restore(text, 5), text).toThrow();
  });

  it('agrees with the full history on random writes, pins, byte budgets and restores', () => {
    const seeds = process.env['MVCC_SEED'] === undefined ? [1, 2, 3, 4, 5, 6, 7, 8] : [Number(process.env['MVCC_SEED'])];
    for (const seed of seeds) {
      const rng = new Rng(seed);
      const retentionEntries = rng.int(0, 30);
      const retentionBytes = rng.chance(0.3) ? rng.int(50, 400) : Number.MAX_SAFE_INTEGER;
      const context = (index: number): string => `seed ${seed} (MVCC_SEED=${seed}), entry ${index}, retention ${retentionEntries}, bytes ${retentionBytes}`;
      let store = new KvStore({ retentionEntries, retentionBytes });
      let currentRetention = retentionEntries;
      const history = new FullHistory();
      const keys: JsonValue[] = [1, 2, 3, 'a', 'b', { k: 1 }];
      const pins: number[] = [];
      let restoredWithOther = false;
      for (let index = 1; index <= 400; index++) {
        store.beginEntry(index);
        const writes = rng.int(0, 3);
        for (let w = 0; w < writes; w++) {
          const key = rng.pick(keys);
          const value = rng.chance(0.5) ? rng.int(0, 9) : `${index}:${'x'.repeat(rng.int(0, 20))}`;
          if (rng.chance(0.5)) store.apply({ f: 'write', key, value });
          else store.put(key, value);
          history.write(key, index, value);
        }
        if (rng.chance(0.05)) {
          const pin = rng.int(store.oldestReadableIndex, index + 5);
          store.pin(pin);
          pins.push(pin);
        }
        if (pins.length > 0 && rng.chance(0.08)) store.unpin(pins.splice(rng.int(0, pins.length - 1), 1)[0] as number);
        if (rng.chance(0.03)) {
          const image = store.snapshot();
          const sameRetention = rng.chance(0.7);
          const nextRetention = sameRetention ? currentRetention : rng.int(0, 30);
          const next = new KvStore({ retentionEntries: nextRetention, retentionBytes });
          for (const pin of pins) next.pin(pin);
          next.restore(image, index);
          // The same retention gives the same image back; another one shifts the window.
          if (sameRetention) expect(next.snapshot(), context(index)).toBe(image);
          else restoredWithOther = true;
          store = next;
          currentRetention = nextRetention;
        }
        const floor = store.oldestReadableIndex;
        if (retentionBytes === Number.MAX_SAFE_INTEGER && !restoredWithOther) {
          // The whole window is readable, and exactly what the window can see is kept.
          expect(floor, context(index)).toBeLessThanOrEqual(Math.max(0, index - retentionEntries));
          if (pins.length === 0) expect(store.supersededVersionCount, context(index)).toBe(history.supersededAbove(floor));
        }
        expect(store.supersededVersionBytes, context(index)).toBeLessThanOrEqual(retentionBytes);
        for (let read = 0; read < 4; read++) {
          const at = rng.int(Math.max(0, floor - 3), index);
          for (const key of keys) {
            const expected = at < floor ? 'refused' : history.valueAt(key, at);
            expect(readAt(store, key, at), `${context(index)}, read of ${JSON.stringify(key)} at ${at}`).toEqual(expected);
          }
        }
      }
    }
  });
});
