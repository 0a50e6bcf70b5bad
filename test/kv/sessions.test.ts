import { describe, expect, it } from 'vitest';
import { SessionTable } from '../../src/kv/sessions.js';

const OK = { type: 'write_ok' } as const;

describe('SessionTable', () => {
  it('runs a new seq once and answers its retries from the cache', () => {
    const table = new SessionTable();
    const id = table.open(7);
    expect(id).toBe(7);
    expect(table.check(id, 1)).toEqual({ kind: 'run' });
    table.record(id, 1, { type: 'error', code: 22, text: 'expected 1, but the value is 2' }, 8);
    expect(table.check(id, 1)).toEqual({ kind: 'duplicate', outcome: { type: 'error', code: 22, text: 'expected 1, but the value is 2' } });
    expect(table.check(id, 2)).toEqual({ kind: 'run' });
  });

  it('refuses ids it never opened and seqs that fell out of the window', () => {
    const table = new SessionTable({ maxSessions: 10, repliesPerSession: 3, idleEntries: 1_000 });
    expect(table.check(99, 1)).toEqual({ kind: 'expired' });
    const id = table.open(1);
    for (let seq = 1; seq <= 5; seq++) table.record(id, seq, OK, 1 + seq);
    expect(table.check(id, 2)).toEqual({ kind: 'expired' });
    expect(table.check(id, 3)).toEqual({ kind: 'duplicate', outcome: OK });
    // A seq inside the window that never ran (reordered) may still run.
    expect(table.check(id, 6)).toEqual({ kind: 'run' });
  });

  it('expires idle sessions by log position, and the least recently used when full', () => {
    const table = new SessionTable({ maxSessions: 2, repliesPerSession: 8, idleEntries: 100 });
    const a = table.open(1);
    const b = table.open(2);
    table.record(a, 1, OK, 50);
    const c = table.open(60); // full: b (last used at 2) goes
    expect(table.check(b, 1)).toEqual({ kind: 'expired' });
    expect(table.check(a, 2)).toEqual({ kind: 'run' });
    table.expireIdle(155); // a last used at 50: idle 105 > 100; c opened at 60: idle 95
    expect(table.check(a, 2)).toEqual({ kind: 'expired' });
    expect(table.check(c, 1)).toEqual({ kind: 'run' });
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
    restored.restore(JSON.parse(JSON.stringify(one.snapshot())));
    expect(restored.check(2, 1)).toEqual({ kind: 'duplicate', outcome: { type: 'read_ok', value: 2 } });
    expect(restored.size).toBe(3);
  });
});
