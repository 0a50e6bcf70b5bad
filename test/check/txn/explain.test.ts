// What a person reads: one anomaly explained in full, its edges with the facts behind them.

import { describe, expect, it } from 'vitest';
import { describeAnomaly, describeTxn, formatOps } from '../../../src/check/txn/explain.js';
import { checkTxns, TxnHistory, writeSkewRing } from './helpers.js';

describe('explanations', () => {
  it('explains a read skew on lists: the txns as T1..Tn, each edge with its reason', () => {
    const h = new TxnHistory();
    h.ok(0, [
      ['append', 7, 1],
      ['append', 8, 1],
    ]);
    const reader = h.txn(1, [
      ['r', 7, [1]],
      ['r', 8, [1, 2]],
    ]);
    h.ok(2, [
      ['append', 7, 2],
      ['append', 8, 2],
    ]);
    reader.ok();
    h.ok(0, [['r', 7, [1, 2]]]);
    const [report] = checkTxns(h.events, 'txn-list-append').anomalies.get('G-single') ?? [];
    expect(report?.txns).toEqual([1, 2]);
    expect(report?.edges).toEqual([
      { from: 1, to: 2, kind: 'rw', key: 7, reason: 'T1 read key 7 = [1], and T2 appended 2 right after' },
      { from: 2, to: 1, kind: 'wr', key: 8, reason: 'T1 read [1 2] from key 8, ending with 2, which T2 appended' },
    ]);
    expect(report?.explanation).toBe(
      [
        'G-single: a cycle with exactly one read-write anti-dependency: one txn missed a write that the rest of the cycle puts before it (read skew).',
        'T1 = txn 1 (process 1, ok): r 7 [1], r 8 [1 2]',
        'T2 = txn 2 (process 2, ok): append 7 2, append 8 2',
        'T1 -rw-> T2: T1 read key 7 = [1], and T2 appended 2 right after',
        'T2 -wr-> T1: T1 read [1 2] from key 8, ending with 2, which T2 appended',
        'So T1 < T2 < T1: a txn would have to come before itself, and no order of these txns explains what they read and wrote.',
      ].join('\n'),
    );
  });

  it('says which txn justifies a register version order, and why a real-time edge exists', () => {
    const h = new TxnHistory();
    h.ok(1, [['w', 1, 1]]);
    h.ok(2, [
      ['r', 1, 1],
      ['w', 1, 2],
    ]);
    h.ok(3, [['r', 1, 1]]);
    const result = checkTxns(h.events, 'txn-rw-register');
    const [report] = result.anomalies.get('G-single-realtime') ?? [];
    expect(report?.txns).toEqual([1, 2]);
    expect(report?.edges.map((edge) => `${edge.kind}: ${edge.reason}`)).toEqual([
      'realtime: T1 completed (event 3) before T2 began (event 4)',
      'rw: T2 read key 1 = 1, and T1 wrote 2, which follows 1: T1 read 1 before writing 2',
    ]);
  });

  it('shows the first and last txns and edges of a long cycle, and keeps them all in the report', () => {
    const [report] = checkTxns(writeSkewRing(20).events, 'txn-rw-register').anomalies.get('G2-item') ?? [];
    expect(report?.txns.length).toBe(20);
    expect(report?.edges.length).toBe(20);
    const lines = report?.explanation.split('\n') ?? [];
    expect(lines.length).toBe(1 + 13 + 13 + 1);
    expect(lines[9]).toBe('... (8 more)');
    expect(lines[10]).toBe('T17 = txn 4 (process 4, ok): r 4 nil, r 5 nil, w 5 1');
    expect(lines[22]).toBe('... (8 more)');
    expect(lines[26]).toBe('T20 -rw-> T1: T20 read key 1 = nil, and T1 wrote 1: every value follows the initial nil');
    expect(lines[27]).toBe(
      'So T1 < T2 < ... < T20 < T1: a txn would have to come before itself, and no order of these txns explains what they read and wrote.',
    );
  });

  it('describes every kind in words and txns on one line', () => {
    expect(describeAnomaly('G2-item')).toContain('write skew');
    expect(describeAnomaly('G0-process')).toBe(`${describeAnomaly('G0')}; the cycle closes only through process order (a client's own earlier txn)`);
    expect(formatOps([])).toBe('(no micro-ops)');
    expect(
      describeTxn('T3', {
        id: 9,
        process: 4,
        outcome: 'info',
        ops: [{ f: 'append', key: 1, value: 5 }],
        invokeTime: 0,
        completeTime: undefined,
        invokeIndex: 12,
        completeIndex: undefined,
      }),
    ).toBe('T3 = txn 9 (process 4, info, never completed): append 1 5');
  });
});
