import { describe, expect, it } from 'vitest';
import type { Verdict } from '../../src/check/linearizability.js';
import { checkHistory, interpretOperation, NOTHING_TO_CHECK } from '../../src/check/linearizability.js';
import { pairOperations } from '../../src/check/operations.js';
import { generateHistory } from '../../src/check/generate.js';
import { check, history } from './helpers.js';

interface Case {
  readonly name: string;
  readonly verdict: Verdict;
  readonly events: string;
}

const CASES: readonly Case[] = [
  // --- valid, plain ---
  {
    name: 'read of a missing key before any write',
    verdict: 'valid',
    events: `1 invoke read
             1 ok read null`,
  },
  {
    name: 'sequential write then read',
    verdict: 'valid',
    events: `1 invoke write 1
             1 ok write 1
             2 invoke read
             2 ok read 1`,
  },
  {
    name: 'read concurrent with a write may see the old value',
    verdict: 'valid',
    events: `1 invoke write 1
             1 ok write 1
             1 invoke write 2
             2 invoke read
             2 ok read 1
             1 ok write 2`,
  },
  {
    name: 'read concurrent with a write may see the new value',
    verdict: 'valid',
    events: `1 invoke write 1
             2 invoke read
             2 ok read 1
             1 ok write 1`,
  },
  {
    name: 'concurrent writes may land in either order',
    verdict: 'valid',
    events: `1 invoke write 1
             2 invoke write 2
             1 ok write 1
             2 ok write 2
             3 invoke read
             3 ok read 1`,
  },
  {
    name: 'cas chain',
    verdict: 'valid',
    events: `1 invoke write 0
             1 ok write 0
             1 invoke cas [0,1]
             2 invoke cas [1,2]
             2 ok cas [1,2]
             1 ok cas [0,1]
             3 invoke read
             3 ok read 2`,
  },
  {
    name: 'Jepsen nemesis events are ignored',
    verdict: 'valid',
    events: `nemesis info start null
             1 invoke write 1
             1 ok write 1
             nemesis info stop null`,
  },
  // --- invalid classics ---
  {
    name: 'stale read after a completed write',
    verdict: 'invalid',
    events: `1 invoke write 1
             1 ok write 1
             1 invoke write 2
             1 ok write 2
             2 invoke read
             2 ok read 1`,
  },
  {
    name: 'read of a value never written',
    verdict: 'invalid',
    events: `1 invoke write 1
             2 invoke read
             2 ok read 3
             1 ok write 1`,
  },
  {
    name: 'cas succeeding from a value never written',
    verdict: 'invalid',
    events: `1 invoke write 1
             1 ok write 1
             2 invoke cas [3,4]
             2 ok cas [3,4]`,
  },
  {
    name: 'cas succeeding on a missing key',
    verdict: 'invalid',
    events: `2 invoke cas [1,2]
             2 ok cas [1,2]`,
  },
  {
    name: 'two reads observing values in an impossible order',
    verdict: 'invalid',
    events: `1 invoke write 1
             1 ok write 1
             1 invoke write 2
             2 invoke read
             2 ok read 2
             3 invoke read
             3 ok read 1
             1 ok write 2`,
  },
  {
    name: 'two writes seen in both orders',
    verdict: 'invalid',
    events: `1 invoke write 1
             2 invoke write 2
             1 ok write 1
             2 ok write 2
             3 invoke read
             3 ok read 1
             4 invoke read
             4 ok read 2
             3 invoke read
             3 ok read 1`,
  },
  // --- null reads are strict ---
  {
    name: 'null read after a completed write (Knossos would let it pass)',
    verdict: 'invalid',
    events: `1 invoke write 1
             1 ok write 1
             2 invoke read
             2 ok read null`,
  },
  {
    name: 'null read concurrent with the first write',
    verdict: 'valid',
    events: `1 invoke write 1
             2 invoke read
             2 ok read null
             1 ok write 1`,
  },
  // --- indeterminate operations ---
  {
    name: 'info write that took effect',
    verdict: 'valid',
    events: `1 invoke write 1
             1 info write 1
             2 invoke read
             2 ok read 1`,
  },
  {
    name: 'info write that never took effect',
    verdict: 'valid',
    events: `1 invoke write 1
             1 info write 1
             2 invoke read
             2 ok read null`,
  },
  {
    name: 'info write may take effect long after its info event',
    verdict: 'valid',
    events: `1 invoke write 1
             1 info write 1
             2 invoke write 2
             2 ok write 2
             2 invoke read
             2 ok read 2
             3 invoke read
             3 ok read 1`,
  },
  {
    name: 'info write cannot take effect twice',
    verdict: 'invalid',
    events: `1 invoke write 1
             1 info write 1
             2 invoke read
             2 ok read 1
             2 invoke write 2
             2 ok write 2
             3 invoke read
             3 ok read 1`,
  },
  {
    name: 'info write cannot take effect before its invoke',
    verdict: 'invalid',
    events: `2 invoke read
             2 ok read 1
             1 invoke write 1
             1 info write 1`,
  },
  {
    name: 'an invoke without completion is indeterminate',
    verdict: 'valid',
    events: `1 invoke write 1
             2 invoke read
             2 ok read 1
             2 invoke read
             2 ok read 1`,
  },
  {
    name: 'info cas that took effect',
    verdict: 'valid',
    events: `1 invoke write 1
             1 ok write 1
             1 invoke cas [1,2]
             1 info cas [1,2]
             2 invoke read
             2 ok read 2`,
  },
  {
    name: 'info cas cannot take effect from the wrong value',
    verdict: 'invalid',
    events: `1 invoke write 3
             1 ok write 3
             1 invoke cas [1,2]
             1 info cas [1,2]
             2 invoke read
             2 ok read 2`,
  },
  {
    name: 'info reads constrain nothing',
    verdict: 'valid',
    events: `1 invoke write 1
             1 ok write 1
             2 invoke read
             2 info read 99`,
  },
  {
    name: 'a write failing with an indefinite code (13) may have happened',
    verdict: 'valid',
    events: `1 invoke write 1
             1 fail write 1 err=13
             2 invoke read
             2 ok read 1`,
  },
  // --- failures without effect ---
  {
    name: 'a write refused with 11 did not happen',
    verdict: 'invalid',
    events: `1 invoke write 1
             1 fail write 1 err=11
             2 invoke read
             2 ok read 1`,
  },
  {
    name: 'a read failing with 11 or with a timeout observed nothing',
    verdict: 'valid',
    events: `1 invoke write 1
             1 ok write 1
             2 invoke read
             2 fail read err=11
             2 invoke read
             2 fail read err=0`,
  },
  {
    name: 'a cas refused with 14 did not happen',
    verdict: 'invalid',
    events: `1 invoke write 1
             1 ok write 1
             1 invoke cas [1,2]
             1 fail cas [1,2] err=14
             2 invoke read
             2 ok read 2`,
  },
  // --- refusals that observed the state ---
  {
    name: 'cas refused with 22 when the value differed',
    verdict: 'valid',
    events: `1 invoke write 1
             1 ok write 1
             2 invoke cas [2,3]
             2 fail cas [2,3] err=22`,
  },
  {
    name: 'cas refused with 22 although the value matched',
    verdict: 'invalid',
    events: `1 invoke write 1
             1 ok write 1
             2 invoke cas [1,3]
             2 fail cas [1,3] err=22`,
  },
  {
    name: 'cas refused with 22 on a missing key (that would be 20)',
    verdict: 'invalid',
    events: `2 invoke cas [1,3]
             2 fail cas [1,3] err=22`,
  },
  {
    name: 'cas refused with 22 is valid if a concurrent write makes the value differ',
    verdict: 'valid',
    events: `1 invoke write 1
             1 ok write 1
             3 invoke write 5
             2 invoke cas [1,3]
             2 fail cas [1,3] err=22
             3 ok write 5`,
  },
  {
    name: 'cas refused with 20 on a missing key',
    verdict: 'valid',
    events: `2 invoke cas [1,3]
             2 fail cas [1,3] err=20`,
  },
  {
    name: 'cas refused with 20 after a completed write',
    verdict: 'invalid',
    events: `1 invoke write 1
             1 ok write 1
             2 invoke cas [1,3]
             2 fail cas [1,3] err=20`,
  },
  {
    name: 'read refused with 20 before any write',
    verdict: 'valid',
    events: `2 invoke read
             2 fail read err=20
             1 invoke write 1
             1 ok write 1`,
  },
  {
    name: 'read refused with 20 after a completed write',
    verdict: 'invalid',
    events: `1 invoke write 1
             1 ok write 1
             2 invoke read
             2 fail read err=20`,
  },
  {
    name: 'refusal with 20 observed the key missing, so it preceded a concurrent write',
    verdict: 'invalid',
    events: `1 invoke write 1
             2 invoke read
             2 ok read 1
             3 invoke read
             3 fail read err=20
             1 ok write 1`,
  },
  {
    name: 'Jepsen-style cas refusal (no code) on a missing key: saw something other than from',
    verdict: 'valid',
    events: `2 invoke cas [1,3]
             2 fail cas [1,3]`,
  },
  {
    name: 'Jepsen-style cas refusal (no code) although the value matched',
    verdict: 'invalid',
    events: `1 invoke write 1
             1 ok write 1
             2 invoke cas [1,3]
             2 fail cas [1,3]`,
  },
  // --- keys are independent ---
  {
    name: 'each key is its own register',
    verdict: 'valid',
    events: `1 invoke write 1 key=1
             1 ok write 1 key=1
             2 invoke write 2 key=2
             2 ok write 2 key=2
             3 invoke read key=1
             3 ok read 1 key=1
             3 invoke read key=3
             3 ok read null key=3`,
  },
  {
    name: 'keys may be any JSON value',
    verdict: 'invalid',
    events: `1 invoke write 1 key="a"
             1 ok write 1 key="a"
             3 invoke read key="a"
             3 ok read null key="a"`,
  },
];

describe('linearizability of hand-written histories', () => {
  for (const testCase of CASES) {
    it(`${testCase.name}: ${testCase.verdict}`, () => {
      const result = check(history(testCase.events));
      expect(result.verdict).toBe(testCase.verdict);
    });
  }
});

describe('histories with nothing to check', () => {
  it('an empty history gets no verdict, and says why', () => {
    expect(checkHistory([])).toEqual({ ok: false, error: `${NOTHING_TO_CHECK} (it is empty)` });
  });

  it('a history of nemesis events only gets no verdict', () => {
    const result = checkHistory(
      history(`nemesis info start null
                                         nemesis info stop null`),
    );
    expect(result).toEqual({ ok: false, error: `${NOTHING_TO_CHECK} (only 2 non-client events)` });
  });

  it('one operation, even a failed one, is something to check', () => {
    expect(
      check(
        history(`1 invoke write 1
                          1 fail write 1 err=11`),
      ).verdict,
    ).toBe('valid');
  });
});

describe('per-key verdicts', () => {
  it('one invalid key makes the whole history invalid, and names that key', () => {
    const result = check(
      history(`1 invoke write 1 key=1
               1 ok write 1 key=1
               2 invoke write 2 key=2
               2 ok write 2 key=2
               3 invoke read key=2
               3 ok read 1 key=2`),
    );
    expect(result.verdict).toBe('invalid');
    expect(result.keys.map((key) => [key.key, key.verdict])).toEqual([
      [1, 'valid'],
      [2, 'invalid'],
    ]);
  });

  it('counts operations and the ones that constrain the register', () => {
    const result = check(
      history(`1 invoke write 1
               1 ok write 1
               2 invoke read
               2 fail read err=11
               3 invoke read
               3 info read null`),
    );
    expect(result.operationCount).toBe(3);
    expect(result.checkedOperationCount).toBe(1);
    expect(result.outcomeCounts).toEqual({ ok: 1, fail: 1, info: 1 });
  });
});

describe('the failure of an invalid key', () => {
  it('names the unlinearizable op, the longest prefix with states, and the concurrent ops', () => {
    const result = check(
      history(`1 invoke write 1
               1 ok write 1
               1 invoke write 2
               1 ok write 2
               3 invoke write 7
               2 invoke read
               2 ok read 1`),
    );
    const failure = result.keys[0]?.failure;
    expect(result.verdict).toBe('invalid');
    expect(failure).toBeDefined();
    if (failure === null || failure === undefined) return;
    expect([failure.operation.process, failure.operation.f, failure.operation.completionValue]).toEqual([2, 'read', 1]);
    expect(failure.prefix.map((step) => [step.operation.process, step.stateAfter])).toEqual([
      [1, 1],
      [1, 2],
    ]);
    expect(failure.state).toBe(2);
    expect(failure.concurrent.map((op) => [op.process, op.f, op.outcome])).toEqual([[3, 'write', 'info']]);
  });

  it('reports the very first op when nothing can be linearized', () => {
    const result = check(
      history(`2 invoke read
               2 ok read 5`),
    );
    const failure = result.keys[0]?.failure;
    expect(failure?.prefix).toEqual([]);
    expect(failure?.operation.process).toBe(2);
    expect(failure?.state).toBeNull();
  });
});

describe('budgets: out of budget is unknown, never a guess', () => {
  const concurrent = history(`1 invoke write 1
                              2 invoke write 2
                              3 invoke read
                              1 ok write 1
                              2 ok write 2
                              3 ok read 1
                              4 invoke read
                              4 ok read 2`);
  // Invalid only as a whole (each read alone could be explained), so only the search tells.
  const invalid = history(`1 invoke write 1
                           2 invoke write 2
                           1 ok write 1
                           2 ok write 2
                           3 invoke read
                           3 ok read 1
                           4 invoke read
                           4 ok read 2
                           3 invoke read
                           3 ok read 1`);
  const staleRead = history(`1 invoke write 1
                             1 ok write 1
                             1 invoke write 2
                             1 ok write 2
                             2 invoke read
                             2 ok read 1`);

  it('a budget of one step yields unknown for a valid history', () => {
    const result = check(concurrent, { maxStepsPerKey: 1 });
    expect(result.verdict).toBe('unknown');
    expect(result.keys[0]?.unknownReason).toBe('steps');
    expect(check(concurrent).verdict).toBe('valid');
  });

  it('a budget of one step yields unknown for an invalid history', () => {
    const result = check(invalid, { maxStepsPerKey: 1 });
    expect(result.verdict).toBe('unknown');
    expect(result.keys[0]?.failure).toBeNull();
    expect(check(invalid).verdict).toBe('invalid');
  });

  it('a read of a value overwritten for good is invalid by proof, needing no search budget', () => {
    const result = check(staleRead, { maxStepsPerKey: 1 });
    expect(result.verdict).toBe('invalid');
    expect(result.keys[0]?.failure?.operation.process).toBe(2);
  });

  it('an exhausted cache yields unknown', () => {
    const result = check(concurrent, { maxCacheWordsPerKey: 0 });
    expect(result.verdict).toBe('unknown');
    expect(result.keys[0]?.unknownReason).toBe('memory');
  });

  it('a passed deadline yields unknown', () => {
    let fakeNow = 0;
    const clock = (): number => (fakeNow += 1000);
    const events = generateHistory({ seed: 3, operationCount: 20_000, keyCount: 1, clientsPerKey: 10 });
    const result = check(events, { timeLimitMs: 1, now: clock });
    expect(result.verdict).toBe('unknown');
    expect(result.keys[0]?.unknownReason).toBe('time');
  });

  it('invalid beats unknown, unknown beats valid in the overall verdict', () => {
    const small = (key: number, value: number): string => `9 invoke read key=${key}\n9 ok read ${value} key=${key}`;
    const big = generateHistory({ seed: 5, operationCount: 300, keyCount: 1, clientsPerKey: 8 }).map((event) => ({
      ...event,
      key: 2,
    }));
    const invalidSmall = history(small(1, 5));
    const validSmall = history(small(1, 0).replace('ok read 0', 'ok read null'));
    const smallSteps = Math.max(check(invalidSmall).steps, check(validSmall).steps);
    expect(check(big).steps).toBeGreaterThan(smallSteps);
    const budget = { maxStepsPerKey: smallSteps };
    const shift = (events: typeof big): typeof big => events.map((event, i) => ({ ...event, index: 1000 + i }));
    const invalidAndUnknown = check([...invalidSmall, ...shift(big)], budget);
    expect(invalidAndUnknown.keys.map((key) => key.verdict)).toEqual(['invalid', 'unknown']);
    expect(invalidAndUnknown.verdict).toBe('invalid');
    const validAndUnknown = check([...validSmall, ...shift(big)], budget);
    expect(validAndUnknown.keys.map((key) => key.verdict)).toEqual(['valid', 'unknown']);
    expect(validAndUnknown.verdict).toBe('unknown');
  });
});

describe('interpretation of operations', () => {
  const interpreted = (text: string): unknown => {
    const paired = pairOperations(history(text));
    if (!paired.ok) throw new Error(paired.error);
    const operation = paired.value[0];
    if (operation === undefined) throw new Error('no operation');
    const model = interpretOperation(operation);
    return model.ok ? model.value : model.error;
  };

  it.each([
    ['1 invoke read\n1 ok read 3', { kind: 'read', a: 3, b: null, indefinite: false }],
    ['1 invoke read\n1 fail read err=20', { kind: 'read', a: null, b: null, indefinite: false }],
    ['1 invoke read\n1 fail read err=11', null],
    ['1 invoke read\n1 info read', null],
    ['1 invoke write 4\n1 ok write 4', { kind: 'write', a: 4, b: null, indefinite: false }],
    ['1 invoke write 4\n1 info write 4', { kind: 'write', a: 4, b: null, indefinite: true }],
    ['1 invoke write 4\n1 fail write 4 err=0', { kind: 'write', a: 4, b: null, indefinite: true }],
    ['1 invoke write 4\n1 fail write 4 err=1000', { kind: 'write', a: 4, b: null, indefinite: true }],
    ['1 invoke write 4\n1 fail write 4 err=12', null],
    ['1 invoke write 4\n1 fail write 4', null],
    ['1 invoke cas [1,2]\n1 ok cas [1,2]', { kind: 'cas', a: 1, b: 2, indefinite: false }],
    ['1 invoke cas [1,2]', { kind: 'cas', a: 1, b: 2, indefinite: true }],
    ['1 invoke cas [1,2]\n1 fail cas [1,2] err=22', { kind: 'cas-mismatch-present', a: 1, b: null, indefinite: false }],
    ['1 invoke cas [1,2]\n1 fail cas [1,2] err=20', { kind: 'read', a: null, b: null, indefinite: false }],
    ['1 invoke cas [1,2]\n1 fail cas [1,2]', { kind: 'cas-mismatch', a: 1, b: null, indefinite: false }],
    ['1 invoke cas [1,2]\n1 fail cas [1,2] err=11', null],
    ['1 invoke cas [1,2]\n1 fail cas [1,2] err=13', { kind: 'cas', a: 1, b: 2, indefinite: true }],
    ['1 invoke cas 5\n1 ok cas 5', 'operation 0: cas value must be [from, to]'],
  ])('%j', (text, expected) => {
    expect(interpreted(text)).toEqual(expected);
  });
});
