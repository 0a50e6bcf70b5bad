// Byte budgets of the Raft core: appends are cut by the bytes of their entries as well as by
// their count, and a leader refuses proposals once its uncommitted entries take too many bytes,
// so no message outgrows what a peer accepts, whatever the size of the commands.
import { describe, expect, it } from 'vitest';
import { EntrySizes, entryBytesFromData } from '../../src/raft/entry_bytes.js';
import type { AppendRequest, RaftMessage } from '../../src/raft/messages.js';
import { Scenario, matching } from '../../src/raft/testing/scenario.js';
import type { Entry } from '../../src/raft/types.js';

function appends(messages: readonly RaftMessage[], to: string): AppendRequest[] {
  return messages.filter((m): m is AppendRequest => m.type === 'raft_append' && m.to === to);
}

function entriesBytes(entries: readonly Entry[]): number {
  return entries.reduce((sum, entry) => sum + Buffer.byteLength(JSON.stringify(entry)) + 1, 0);
}

describe('entry sizes', () => {
  it('computes an entry’s encoded size from its data’s, as JSON.stringify measures it', () => {
    for (const [index, term, kind, data] of [
      [1, 1, 'noop', null],
      [12_345, 67, 'normal', { kind: 'op', op: { f: 'write', key: 'é', value: 'x'.repeat(1000) } }],
      [9_007_199_254_740_991, 3, 'normal', '\u0000"\\'],
    ] as const) {
      const entry: Entry = { index, term, kind, data };
      expect(entryBytesFromData(index, term, kind, Buffer.byteLength(JSON.stringify(data)))).toBe(Buffer.byteLength(JSON.stringify(entry)));
      expect(new EntrySizes().of(entry)).toBe(Buffer.byteLength(JSON.stringify(entry)));
    }
  });

  it('remembers sizes by index and term, and measures an entry whose index now holds another term', () => {
    const sizes = new EntrySizes(16);
    sizes.remember(5, 2, 1_000);
    expect(sizes.of({ index: 5, term: 2, kind: 'normal', data: 'x' })).toBe(1_000);
    const replaced: Entry = { index: 5, term: 3, kind: 'normal', data: 'x' };
    expect(sizes.of(replaced)).toBe(Buffer.byteLength(JSON.stringify(replaced)));
    // The ring forgets what its slot now holds: index 21 takes the slot of index 5.
    sizes.remember(21, 3, 7);
    expect(sizes.of({ index: 5, term: 3, kind: 'normal', data: 'x' })).toBe(Buffer.byteLength(JSON.stringify(replaced)));
  });
});

describe('append byte budget', () => {
  it('cuts appends by the bytes of their entries, never below one entry', () => {
    const budget = 10_000;
    const s = new Scenario({ config: { preVote: false, maxAppendBytes: budget, maxEntriesPerAppend: 512 } });
    s.elect('n1');
    s.stabilize();
    // 3 KB each: three fit in 10,000 bytes, four do not.
    const small = Array.from({ length: 7 }, (_, i) => `${i}`.padEnd(3_000, 's'));
    // One entry larger than the whole budget still goes, alone.
    const large = 'L'.repeat(25_000);
    for (const data of [...small, large, 'after']) s.propose('n1', data);
    s.flush('n1');
    const sent = appends(s.inflight, 'n2');
    expect(sent.map((m) => m.entries.length)).toEqual([3, 3, 1, 1, 1]);
    for (const message of sent) {
      if (message.entries.length > 1) expect(entriesBytes(message.entries)).toBeLessThanOrEqual(budget);
    }
    expect(sent[3]?.entries[0]?.data).toBe(large);
    s.stabilize();
    expect(s.node('n2').lastIndex).toBe(s.node('n1').lastIndex);
    expect(s.node('n2').commitIndex).toBe(s.node('n1').lastIndex);
  });

  it('cuts a lagging follower’s catch-up appends by bytes too', () => {
    const s = new Scenario({ config: { preVote: false, maxAppendBytes: 5_000 } });
    s.elect('n1');
    s.stabilize();
    s.isolate('n3');
    for (let i = 0; i < 20; i++) s.propose('n1', 'c'.repeat(2_000));
    s.stabilize();
    s.heal();
    // The leader notices the lost appends (stall detection) and probes, then catches n3 up.
    for (let tick = 0; tick < 40 && s.node('n3').lastIndex < s.node('n1').lastIndex; tick++) {
      s.tick('n1');
      s.stabilize();
    }
    const catchUp = appends(s.delivered, 'n3').filter((m) => m.entries.length > 0);
    expect(catchUp.length).toBeGreaterThan(5);
    for (const message of catchUp) expect(message.entries.length === 1 || entriesBytes(message.entries) <= 5_000).toBe(true);
    expect(catchUp.some((m) => m.entries.length === 2)).toBe(true);
    expect(s.node('n3').lastIndex).toBe(s.node('n1').lastIndex);
  });
});

describe('uncommitted byte budget', () => {
  it('refuses proposals with overloaded once the leader’s uncommitted entries would pass the byte bound', () => {
    const s = new Scenario({ config: { preVote: false, maxUncommittedBytes: 10_000 } });
    s.elect('n1');
    s.stabilize();
    s.isolate('n1');
    const results = Array.from({ length: 5 }, () => s.node('n1').propose('u'.repeat(3_000)));
    expect(results.map((r) => (r.ok ? 'ok' : r.error.reason))).toEqual(['ok', 'ok', 'ok', 'overloaded', 'overloaded']);
    expect(s.node('n1').uncommittedBytes).toBeLessThanOrEqual(10_000);
    s.heal();
    s.stabilize();
    expect(s.node('n1').uncommittedBytes).toBe(0);
    expect(s.node('n1').propose('u'.repeat(3_000)).ok).toBe(true);
  });

  it('takes one entry larger than the bound when nothing else is uncommitted', () => {
    const s = new Scenario({ config: { preVote: false, maxUncommittedBytes: 1_000 } });
    s.elect('n1');
    s.stabilize();
    expect(s.node('n1').propose('big'.repeat(1_000)).ok).toBe(true);
    expect(s.node('n1').propose('next').ok).toBe(false);
    s.stabilize();
    expect(s.node('n1').propose('next').ok).toBe(true);
  });

  it('counts the size the caller gives for the command instead of measuring it', () => {
    const s = new Scenario({ config: { preVote: false } });
    s.elect('n1');
    s.stabilize();
    s.isolate('n1');
    const data = { kind: 'op', value: 'v'.repeat(100) };
    s.node('n1').propose(data, Buffer.byteLength(JSON.stringify(data)));
    expect(s.node('n1').uncommittedBytes).toBe(Buffer.byteLength(JSON.stringify({ index: 2, term: 1, kind: 'normal', data })));
    expect(s.drop(matching('raft_append'))).toEqual([]);
  });
});
