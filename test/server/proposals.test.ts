// Each proposal is answered exactly once, and only the entry of its own term answers it with its
// outcome: another term's entry at its index is a definite failure (11), a snapshot over it or a
// lost leadership leaves it unknown (13), since it may have committed or may still commit.

import { describe, expect, it } from 'vitest';
import type { CommandOutcome } from '../../src/kv/command_codec.js';
import { Proposals } from '../../src/server/proposals.js';

function recorder() {
  const answers = new Map<number, Array<{ outcome: CommandOutcome; index: number }>>();
  const respondFor = (proposed: number) => (outcome: CommandOutcome, index: number) => {
    answers.set(proposed, [...(answers.get(proposed) ?? []), { outcome, index }]);
  };
  return { answers, respondFor };
}

const written: CommandOutcome = { type: 'write_ok' };

describe('proposals awaiting their entries', () => {
  it('answers a proposal with its outcome when the entry of its term applies, once', () => {
    const proposals = new Proposals();
    const { answers, respondFor } = recorder();
    proposals.add(5, 2, respondFor(5));
    proposals.applied(4, 2, written);
    expect(answers.size).toBe(0);
    proposals.applied(5, 2, written);
    proposals.applied(5, 2, written);
    expect(answers.get(5)).toEqual([{ outcome: written, index: 5 }]);
    expect(proposals.size).toBe(0);
  });

  it('fails a proposal definitely when another term took its index', () => {
    const proposals = new Proposals();
    const { answers, respondFor } = recorder();
    proposals.add(7, 3, respondFor(7));
    proposals.applied(7, 4, written);
    expect(answers.get(7)).toEqual([{ outcome: expect.objectContaining({ type: 'error', code: 11 }), index: 7 }]);
  });

  it('leaves the outcome unknown for proposals a snapshot covered, and keeps those beyond it', () => {
    const proposals = new Proposals();
    const { answers, respondFor } = recorder();
    for (const index of [3, 4, 9]) proposals.add(index, 1, respondFor(index));
    proposals.coveredBySnapshot(4);
    expect([...answers.keys()].sort()).toEqual([3, 4]);
    expect(answers.get(3)).toEqual([{ outcome: expect.objectContaining({ code: 13 }), index: 4 }]);
    expect(proposals.size).toBe(1);
    proposals.applied(9, 1, written);
    expect(answers.get(9)).toEqual([{ outcome: written, index: 9 }]);
  });

  it('leaves every outcome unknown when leadership is lost', () => {
    const proposals = new Proposals();
    const { answers, respondFor } = recorder();
    proposals.add(10, 5, respondFor(10));
    proposals.add(11, 5, respondFor(11));
    proposals.leadershipLost(8);
    expect(answers.get(10)).toEqual([{ outcome: expect.objectContaining({ code: 13 }), index: 8 }]);
    expect(answers.get(11)).toEqual([{ outcome: expect.objectContaining({ code: 13 }), index: 8 }]);
    expect(proposals.size).toBe(0);
  });
});
