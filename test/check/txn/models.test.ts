// The table of which models each anomaly rules out (the fact sheet's, plus repeatable read as Elle
// decides it), and that a stronger model forbids everything a weaker one does.

import { describe, expect, it } from 'vitest';
import { ANOMALY_SEVERITY, forbiddenBy, isConsistencyModel, modelsViolatedBy } from '../../../src/check/txn/models.js';
import type { AnomalyName, ConsistencyModel } from '../../../src/check/txn/types.js';
import { CONSISTENCY_MODELS } from '../../../src/check/txn/types.js';

const ROWS: [AnomalyName[], ConsistencyModel[]][] = [
  [['G0', 'duplicate-elements', 'cyclic-versions', 'garbage-read'], [...CONSISTENCY_MODELS]],
  [
    ['G1a', 'G1b', 'G1c', 'incompatible-order', 'dirty-update', 'future-read'],
    ['strict-serializable', 'serializable', 'snapshot-isolation', 'repeatable-read', 'read-committed'],
  ],
  [
    ['lost-update', 'G-single', 'G-nonadjacent'],
    ['strict-serializable', 'serializable', 'snapshot-isolation', 'repeatable-read'],
  ],
  [['internal'], ['strict-serializable', 'serializable', 'snapshot-isolation']],
  [['G2-item'], ['strict-serializable', 'serializable', 'repeatable-read']],
  [
    ['G0-process', 'G1c-realtime', 'G-single-realtime', 'G-single-process', 'G-nonadjacent-realtime', 'G2-item-process', 'G2-item-realtime'],
    ['strict-serializable'],
  ],
];

describe('modelsViolatedBy', () => {
  it.each(ROWS)('%j rule out exactly %j', (anomalies, models) => {
    for (const anomaly of anomalies) {
      expect([...modelsViolatedBy(anomaly)].sort()).toEqual([...models].sort());
      for (const model of CONSISTENCY_MODELS) expect(forbiddenBy(model, anomaly)).toBe(models.includes(model));
    }
  });

  it('makes every stronger model forbid what a weaker one forbids', () => {
    const weaker: [ConsistencyModel, ConsistencyModel][] = [
      ['strict-serializable', 'serializable'],
      ['serializable', 'snapshot-isolation'],
      ['serializable', 'repeatable-read'],
      ['snapshot-isolation', 'read-committed'],
      ['repeatable-read', 'read-committed'],
      ['read-committed', 'read-uncommitted'],
    ];
    for (const anomaly of ANOMALY_SEVERITY) {
      for (const [strong, weak] of weaker) {
        if (forbiddenBy(weak, anomaly)) expect(forbiddenBy(strong, anomaly), `${strong} vs ${weak} on ${anomaly}`).toBe(true);
      }
    }
  });

  it('orders every anomaly name once, and reads model names', () => {
    expect(new Set(ANOMALY_SEVERITY).size).toBe(ANOMALY_SEVERITY.length);
    expect(ANOMALY_SEVERITY.length).toBe(10 + 15);
    expect(isConsistencyModel('snapshot-isolation')).toBe(true);
    expect(isConsistencyModel('linearizable')).toBe(false);
  });
});
