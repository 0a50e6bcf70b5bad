// The order output leaves in: 'now' lines at the end of their turn; 'after-sync' lines once the
// generation their turn required is durable, never ahead of an earlier held line.
import { describe, expect, it } from 'vitest';
import { HeldOutput } from '../../src/storage/held_output.js';

describe('HeldOutput', () => {
  it('lets everything go at once when the disk already covers the turn', () => {
    const held = new HeldOutput();
    expect(held.endTurn(['n1', 'n2'], ['a1'], 0, 0)).toEqual(['n1', 'n2', 'a1']);
    expect(held.endTurn([], ['a2'], 3, 3)).toEqual(['a2']);
    expect(held.heldLines).toBe(0);
  });

  it("holds a turn's after-sync lines until its required generation is durable; now lines go at once", () => {
    const held = new HeldOutput();
    expect(held.endTurn(['now-1'], ['vote-1'], 1, 0)).toEqual(['now-1']);
    expect([held.heldLines, held.heldChars]).toEqual([1, 'vote-1'.length]);
    expect(held.release(0)).toEqual([]);
    expect(held.release(1)).toEqual(['vote-1']);
    expect([held.heldLines, held.heldChars]).toEqual([0, 0]);
  });

  it('never lets a held line be overtaken, even by one whose own generation is durable', () => {
    const held = new HeldOutput();
    expect(held.endTurn([], ['ack-1'], 2, 0)).toEqual([]);
    // This turn wrote nothing that must be durable (its required generation is still 2), but
    // its after-sync lines come after ack-1 all the same.
    expect(held.endTurn(['now-2'], ['ack-2'], 2, 1)).toEqual(['now-2']);
    expect(held.endTurn([], ['ack-3'], 4, 1)).toEqual([]);
    expect(held.release(2)).toEqual(['ack-1', 'ack-2']);
    expect(held.release(3)).toEqual([]);
    expect(held.endTurn(['now-4'], [], 4, 4)).toEqual(['ack-3', 'now-4']);
  });

  it('releases a durable prefix at a turn end, older held lines first', () => {
    const held = new HeldOutput();
    held.endTurn([], ['a'], 1, 0);
    held.endTurn([], ['b'], 2, 0);
    expect(held.endTurn(['now'], ['c'], 3, 1)).toEqual(['a', 'now']);
    expect(held.releaseAll()).toEqual(['b', 'c']);
    expect(held.heldLines).toBe(0);
  });

  it('refuses a required generation going back (the store owns one sequence)', () => {
    const held = new HeldOutput();
    held.endTurn([], [], 5, 0);
    expect(() => held.endTurn([], ['x'], 4, 0)).toThrow(/went back from 5 to 4/);
  });
});
