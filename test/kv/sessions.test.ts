import { describe, expect, it } from 'vitest';
import { SessionTable, type SessionSnapshot } from '../../src/kv/sessions.js';

const OK = { type: 'write_ok' } as const;

describe('SessionTable', () => {
  it('runs a new seq once and answers its retries from the cache', () => {
    const table = new SessionTable();
    const id = table.open(7);
    expect(id).toBe(7);
    expect(table.check(id, 1, 8)).toEqual({ kind: 'run' });
    table.record(id, 1, { type: 'error', code: 22, text: 'expected 1, but the value is 2' }, 8);
    expect(table.check(id, 1, 9)).toEqual({ kind: 'duplicate', outcome: { type: 'error', code: 22, text: 'expected 1, but the value is 2' } });
    expect(table.check(id, 2, 9)).toEqual({ kind: 'run' });
  });

  it('refuses seqs that fell out of the window', () => {
    const table = new SessionTable({ maxSessions: 10, repliesPerSession: 3, idleEntries: 1_000 });
    const id = table.open(1);
    for (let seq = 1; seq <= 5; seq++) table.record(id, seq, OK, 1 + seq);
    expect(table.check(id, 2, 10)).toEqual({ kind: 'seq-too-old' });
    expect(table.check(id, 3, 10)).toEqual({ kind: 'duplicate', outcome: OK });
    // A seq inside the window that never ran (reordered) may still run.
    expect(table.check(id, 6, 10)).toEqual({ kind: 'run' });
  });

  it('expires idle sessions by log position, and the least recently used when full', () => {
    const table = new SessionTable({ maxSessions: 2, repliesPerSession: 8, idleEntries: 100 });
    const a = table.open(1);
    const b = table.open(2);
    table.record(a, 1, OK, 50);
    const c = table.open(60); // full: b (last used at 2) goes
    expect(table.check(b, 1, 61)).toEqual({ kind: 'expired' });
    expect(table.check(a, 2, 61)).toEqual({ kind: 'run' });
    table.expireIdle(155); // a last used at 50: idle 105 > 100; c opened at 60: idle 95
    expect(table.check(a, 2, 156)).toEqual({ kind: 'expired' });
    expect(table.check(c, 1, 156)).toEqual({ kind: 'run' });
  });

  it('snapshots deterministically and restores the same decisions', () => {
    const build = (order: number[]): SessionTable => {
      const table = new SessionTable();
      for (const index of order) table.open(index);
      for (const index of order) table.record(index, 1, { type: 'read_ok', value: index }, 100);
      return table;
    };
    const one = build([3, 1, 2]);
    const other = build([1, 2, 3]);
    expect(JSON.stringify(one.snapshot())).toBe(JSON.stringify(other.snapshot()));
    const restored = new SessionTable();
    restored.restore(JSON.parse(JSON.stringify(one.snapshot())) as SessionSnapshot, 100);
    expect(restored.check(2, 1, 101)).toEqual({ kind: 'duplicate', outcome: { type: 'read_ok', value: 2 } });
    expect(restored.size).toBe(3);
    expect(restored.check(4, 1, 101)).toEqual({ kind: 'never-opened' });
  });
});

describe('SessionTable: ids that are not open', () => {
  it('calls an id at or below the applied index that was never opened never-opened, and one beyond it not-yet-opened', () => {
    const table = new SessionTable();
    table.open(5);
    expect(table.check(3, 1, 10)).toEqual({ kind: 'never-opened' });
    // The entry at the applied index is the request itself, not an opening.
    expect(table.check(10, 1, 10)).toEqual({ kind: 'never-opened' });
    expect(table.check(11, 1, 10)).toEqual({ kind: 'not-yet-opened' });
    expect(table.check(5, 1, 10)).toEqual({ kind: 'run' });
  });

  it('remembers expired ids, so an expired session is never taken for one never opened', () => {
    const table = new SessionTable({ maxSessions: 3, idleEntries: 100, expiredRemembered: 1_000 });
    for (const index of [10, 20, 30, 40, 50]) table.open(index); // 10 and 20 are evicted
    table.record(50, 1, OK, 60);
    table.expireIdle(145); // 30 and 40 idle for more than 100 entries
    for (const id of [10, 20, 30, 40]) expect(table.check(id, 1, 200)).toEqual({ kind: 'expired' });
    expect(table.check(50, 2, 200)).toEqual({ kind: 'run' });
    for (const id of [11, 35, 199]) expect(table.check(id, 1, 200)).toEqual({ kind: 'never-opened' });
  });

  it('keeps a bounded record: below the watermark of forgotten ids an unknown id is taken as expired', () => {
    const table = new SessionTable({ maxSessions: 1, expiredRemembered: 3 });
    for (let index = 1; index <= 10; index++) table.open(index * 10); // 10..90 evicted in turn
    expect(table.expiredRememberedCount).toBe(3);
    // 70, 80, 90 are remembered; everything up to 60 is below the watermark.
    for (const id of [70, 80, 90]) expect(table.check(id, 1, 200)).toEqual({ kind: 'expired' });
    for (const id of [10, 15, 60]) expect(table.check(id, 1, 200)).toEqual({ kind: 'forgotten' });
    for (const id of [61, 75, 95]) expect(table.check(id, 1, 200)).toEqual({ kind: 'never-opened' });
    expect(table.check(100, 1, 200)).toEqual({ kind: 'run' });
  });

  it('keeps the record in snapshots, and takes a snapshot without one (an earlier version) as covering expired ids', () => {
    const table = new SessionTable({ maxSessions: 1, expiredRemembered: 2 });
    for (const index of [10, 20, 30, 40]) table.open(index);
    const image = JSON.parse(JSON.stringify(table.snapshot())) as SessionSnapshot;
    expect(image).toMatchObject({ expired: [20, 30], expiredThrough: 10 });
    const restored = new SessionTable({ maxSessions: 1, expiredRemembered: 2 });
    restored.restore(image, 45);
    expect(JSON.stringify(restored.snapshot())).toBe(JSON.stringify(table.snapshot()));
    expect(restored.check(25, 1, 50)).toEqual({ kind: 'never-opened' });
    expect(restored.check(30, 1, 50)).toEqual({ kind: 'expired' });

    const earlier = new SessionTable({ maxSessions: 1, expiredRemembered: 2 });
    earlier.restore({ sessions: image.sessions }, 45);
    expect(earlier.check(25, 1, 50)).toEqual({ kind: 'forgotten' });
    expect(earlier.check(45, 1, 50)).toEqual({ kind: 'forgotten' });
    expect(earlier.check(46, 1, 50)).toEqual({ kind: 'never-opened' });
    expect(earlier.check(40, 1, 50)).toEqual({ kind: 'run' });
  });
});
