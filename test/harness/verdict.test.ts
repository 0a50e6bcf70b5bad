// The harness's use of the checker: a history in which nothing could be checked gets no verdict
// (unknown, with the reason), and an invalid key's full explanation lists every op.
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/base/json.js';
import type { HistoryError, HistoryEvent } from '../../src/check/history.js';
import { checkWorkload, NO_CLIENT_OPERATION } from '../../src/harness/verdict.js';

type Step = [process: number | string, type: HistoryEvent['type'], f: string, value: JsonValue, error?: HistoryError];

function history(steps: readonly Step[]): HistoryEvent[] {
  return steps.map(([process, type, f, value, error], index) => ({
    index,
    process,
    type,
    f,
    ...(typeof process === 'number' ? { key: 0 } : {}),
    value,
    time: index * 1000,
    ...(error === undefined ? {} : { error }),
  }));
}

describe('workload verdict', () => {
  it('is unknown, not valid, when the history holds no client operation', () => {
    for (const events of [
      [],
      history([
        ['nemesis', 'invoke', 'start-partition', 'one'],
        ['nemesis', 'info', 'start-partition', null],
      ]),
    ]) {
      const verdict = checkWorkload(events);
      expect(verdict.valid).toBe('unknown');
      expect(verdict.error).toBe(NO_CLIENT_OPERATION);
    }
  });

  it('is unknown when no operation could have changed or observed the register', () => {
    const refused = { code: 11, text: 'temporarily unavailable' };
    const verdict = checkWorkload(
      history([
        [0, 'invoke', 'write', 1],
        [0, 'fail', 'write', 1, refused],
        [1, 'invoke', 'cas', [1, 2]],
        [1, 'fail', 'cas', [1, 2], refused],
      ]),
    );
    expect(verdict.valid).toBe('unknown');
    expect(verdict.error).toBe('2 client operations, none of which could have changed or observed the register: nothing to check');
  });

  it('is valid when something was checked and nothing is wrong', () => {
    const verdict = checkWorkload(
      history([
        [0, 'invoke', 'write', 1],
        [0, 'ok', 'write', 1],
        [1, 'invoke', 'read', null],
        [1, 'ok', 'read', 1],
      ]),
    );
    expect(verdict.valid).toBe(true);
    expect(verdict.fullExplanations).toEqual([]);
  });

  it('explains an invalid key in full: every op of the prefix, not the last dozen', () => {
    const steps: Step[] = [];
    for (let i = 0; i < 30; i++) steps.push([0, 'invoke', 'write', i % 5], [0, 'ok', 'write', i % 5]);
    // The last write was 4 (29 mod 5): a read of 2 after it cannot be linearized.
    steps.push([1, 'invoke', 'read', null], [1, 'ok', 'read', 2]);
    const verdict = checkWorkload(history(steps));
    expect(verdict.valid).toBe(false);
    expect(verdict.explanations[0]).toContain('earlier op');
    expect(verdict.fullExplanations[0]).not.toContain('earlier op');
    expect((verdict.fullExplanations[0] as string).split('\n').length).toBeGreaterThan((verdict.explanations[0] as string).split('\n').length + 15);
  });
});
