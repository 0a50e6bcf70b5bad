// The harness's use of the transactional checker: a valid history is valid with each model's
// verdict; a history the checker rejects, a checker that throws, and a checker answer that does
// not add up all make the workload unknown, never valid. The checker is wrapped so a test can make
// it throw or answer something of its choosing; otherwise the real one runs.
import { describe, expect, it, vi } from 'vitest';
import type { JsonValue } from '../../src/base/json.js';
import type { HistoryEvent } from '../../src/check/history.js';
import { checkWorkload, NO_CLIENT_OPERATION, type TxnVerdict } from '../../src/harness/verdict.js';

const override = vi.hoisted(() => ({ next: undefined as undefined | (() => unknown) }));

vi.mock('../../src/check/txn/checker.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/check/txn/checker.js')>();
  return {
    ...real,
    checkTxnHistory: (...args: Parameters<typeof real.checkTxnHistory>) => {
      const replacement = override.next;
      override.next = undefined;
      return replacement === undefined ? real.checkTxnHistory(...args) : replacement();
    },
  };
});

type Step = [process: number | string, type: HistoryEvent['type'], value: JsonValue];

function history(steps: readonly Step[]): HistoryEvent[] {
  return steps.map(([process, type, value], index) => ({
    index,
    process,
    type,
    f: typeof process === 'number' ? 'txn' : 'start-partition',
    value,
    time: index * 1000,
  }));
}

const APPEND_THEN_READ: Step[] = [
  [0, 'invoke', [['append', 1, 1]]],
  [0, 'ok', [['append', 1, 1]]],
  [1, 'invoke', [['r', 1, null]]],
  [1, 'ok', [['r', 1, [1]]]],
];

function txnVerdict(events: HistoryEvent[], models: ('strict-serializable' | 'serializable')[] = ['strict-serializable']): TxnVerdict {
  const verdict = checkWorkload(events, { txn: { workload: 'txn-list-append', models } });
  if (verdict.kind !== 'txn') throw new Error('a txn check gives a txn verdict');
  return verdict;
}

describe('the workload verdict of a txn history', () => {
  it('is valid, with every model and the results section, for a history without anomalies', () => {
    const verdict = txnVerdict(history(APPEND_THEN_READ), ['strict-serializable', 'serializable']);
    expect(verdict.valid).toBe(true);
    expect(verdict.models.map((model) => [model.model, model.valid])).toEqual([
      ['strict-serializable', true],
      ['serializable', true],
    ]);
    expect(verdict.results).toMatchObject({ 'consistency-models': { 'strict-serializable': { 'valid?': true } } });
    expect(verdict.pictures).toEqual([]);
    expect(verdict.summaryLines.join('\n')).toContain('strict-serializable valid');
    expect(verdict.summaryLines).not.toContain('');
  });

  it('is invalid, explained and drawn, when a read misses a write that completed before it began', () => {
    const verdict = txnVerdict(
      history([
        [0, 'invoke', [['append', 1, 1]]],
        [0, 'ok', [['append', 1, 1]]],
        [1, 'invoke', [['r', 1, null]]],
        [1, 'ok', [['r', 1, null]]],
        [2, 'invoke', [['r', 1, null]]],
        [2, 'ok', [['r', 1, [1]]]],
      ]),
    );
    expect(verdict.valid).toBe(false);
    expect(verdict.anomalyNames.length).toBeGreaterThan(0);
    expect(verdict.explanations.length).toBeGreaterThan(0);
    expect(verdict.pictures[0]?.file).toMatch(/^anomaly-.+\.svg$/);
    expect(verdict.pictures[0]?.svg).toContain('<svg');
  });

  it('is unknown, not valid, without client operations or when the checker rejects the history', () => {
    expect(txnVerdict(history([['nemesis', 'info', 'x']])).error).toBe(NO_CLIENT_OPERATION);
    const rejected = txnVerdict(history([[0, 'invoke', [['frob', 1, 1]]]]));
    expect(rejected.valid).toBe('unknown');
    expect(rejected.error).toMatch(/^the checker rejected the history: /);
  });

  it('is unknown when the checker throws', () => {
    override.next = () => {
      throw new Error('boom');
    };
    const verdict = txnVerdict(history(APPEND_THEN_READ));
    expect(verdict.valid).toBe('unknown');
    expect(verdict.error).toMatch(/^the checker failed: Error: boom/);
  });

  it('never says more than the models: "valid" with a model undecided, or "invalid" with none invalid, is unknown', () => {
    const result = (verdict: 'valid' | 'invalid', modelValid: boolean | 'unknown') => ({
      ok: true,
      value: {
        verdict,
        models: [{ model: 'strict-serializable', valid: modelValid, violatedBy: [] }],
        anomalies: new Map(),
        txns: [],
        counts: { ok: 2, fail: 0, info: 0 },
        notes: ['a note'],
      },
    });
    override.next = () => result('valid', 'unknown');
    expect(txnVerdict(history(APPEND_THEN_READ)).valid).toBe('unknown');
    override.next = () => result('invalid', true);
    expect(txnVerdict(history(APPEND_THEN_READ)).valid).toBe('unknown');
    override.next = () => result('valid', true);
    const valid = txnVerdict(history(APPEND_THEN_READ));
    expect(valid.valid).toBe(true);
    expect(valid.notes).toEqual(['a note']);
  });
});
