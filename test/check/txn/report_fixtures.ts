// Hand-made transactional check results for the report and picture tests: built from the shared
// types directly, so those tests do not depend on what the checker finds.

import type { AnomalyName, AnomalyReport, ConsistencyModel, ModelVerdict, Txn, TxnCheckResult } from '../../../src/check/txn/types.js';

const MS = 1_000_000;

/** Three txns: a write skew between T0 and T1 (concurrent), and an info txn T2 that never completed. */
export const TXNS: readonly Txn[] = [
  {
    id: 0,
    process: 0,
    outcome: 'ok',
    ops: [
      { f: 'r', key: 1, value: null },
      { f: 'append', key: 2, value: 1 },
    ],
    invokeTime: 0,
    completeTime: 5 * MS,
    invokeIndex: 0,
    completeIndex: 2,
  },
  {
    id: 1,
    process: 1,
    outcome: 'ok',
    ops: [
      { f: 'r', key: 2, value: null },
      { f: 'append', key: 1, value: 1 },
    ],
    invokeTime: 1 * MS,
    completeTime: 6 * MS,
    invokeIndex: 1,
    completeIndex: 3,
  },
  {
    id: 2,
    process: 2,
    outcome: 'info',
    ops: [{ f: 'append', key: 3, value: 7 }],
    invokeTime: 2 * MS,
    completeTime: undefined,
    invokeIndex: 4,
    completeIndex: undefined,
  },
];

export const WRITE_SKEW: AnomalyReport = {
  name: 'G2-item',
  txns: [0, 1],
  edges: [
    { from: 0, to: 1, kind: 'rw', key: 1, reason: 'T1 read key 1 empty, and T2 appended 1 to it' },
    { from: 1, to: 0, kind: 'rw', key: 2, reason: 'T2 read key 2 empty, and T1 appended 1 to it' },
  ],
  explanation: [
    'G2-item: a cycle with two or more read-write anti-dependencies (write skew).',
    'T1 = txn 0 (process 0, ok): r 1 nil, append 2 1',
    'T2 = txn 1 (process 1, ok): r 2 nil, append 1 1',
    'T1 -rw-> T2: T1 read key 1 empty, and T2 appended 1 to it',
    'T2 -rw-> T1: T2 read key 2 empty, and T1 appended 1 to it',
  ].join('\n'),
};

export const STALE: AnomalyReport = {
  name: 'G-single-realtime',
  txns: [1, 0],
  edges: [
    { from: 1, to: 0, kind: 'realtime', reason: 'T1 completed before T2 began' },
    { from: 0, to: 1, kind: 'rw', key: 1, reason: 'T2 read key 1 empty, and T1 appended 1 to it' },
  ],
  explanation: 'G-single-realtime: a stale read.\nT1 -realtime-> T2: T1 completed before T2 began',
};

export const INTERNAL: AnomalyReport = {
  name: 'internal',
  txns: [2],
  edges: [],
  explanation: 'internal: T1 read 3 after writing 7 <& "quoted">',
};

export function resultWith(
  anomalies: ReadonlyMap<AnomalyName, readonly AnomalyReport[]>,
  models: readonly ModelVerdict[],
  extra: { counts?: ReadonlyMap<AnomalyName, number>; notes?: readonly string[] } = {},
): TxnCheckResult {
  const verdicts = models.map((verdict) => verdict.valid);
  const verdict = verdicts.includes(false) ? 'invalid' : verdicts.includes('unknown') ? 'unknown' : 'valid';
  return {
    verdict,
    models,
    anomalies,
    ...(extra.counts === undefined ? {} : { anomalyCounts: extra.counts }),
    txns: TXNS,
    counts: { ok: 2, fail: 0, info: 1 },
    notes: extra.notes ?? [],
  };
}

export function verdictOf(model: ConsistencyModel, violatedBy: readonly AnomalyName[], valid: boolean | 'unknown' = violatedBy.length === 0): ModelVerdict {
  return { model, valid, violatedBy };
}
