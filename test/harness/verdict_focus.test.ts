// Where the pictures of an invalid run centre: the workload verdict names its first anomaly with
// the test times of the ops in it (history times are nanoseconds; the focus is in milliseconds).
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/base/json.js';
import type { HistoryEvent } from '../../src/check/history.js';
import { checkWorkload } from '../../src/harness/verdict.js';

type Row = [process: number, type: HistoryEvent['type'], f: string, value: JsonValue, ms: number];

function history(rows: readonly Row[], key?: number): HistoryEvent[] {
  return rows.map(([process, type, f, value, ms], index) => ({ index, process, type, f, ...(key === undefined ? {} : { key }), value, time: ms * 1e6 }));
}

describe('the first anomaly of a workload verdict', () => {
  it('is the earliest op of a lin-kv history that cannot be linearized', () => {
    const verdict = checkWorkload(
      history(
        [
          [0, 'invoke', 'write', 1, 1],
          [0, 'ok', 'write', 1, 2],
          [1, 'invoke', 'read', null, 5],
          [1, 'ok', 'read', 2, 6],
        ],
        0,
      ),
    );
    expect(verdict.valid).toBe(false);
    expect(verdict.firstAnomaly).toEqual({ startMs: 5, endMs: 6, what: 'key 0: p1 r 2 ok cannot be linearized' });
  });

  it('is the earliest reported txn anomaly a checked model forbids, from its first invocation to its last completion', () => {
    const verdict = checkWorkload(
      history([
        [0, 'invoke', 'txn', [['append', 1, 1]], 1],
        [0, 'ok', 'txn', [['append', 1, 1]], 2],
        [1, 'invoke', 'txn', [['r', 1, null]], 30],
        [1, 'ok', 'txn', [['r', 1, [1, 9]]], 40],
        [2, 'invoke', 'txn', [['r', 1, null]], 10],
        [2, 'ok', 'txn', [['r', 1, [8]]], 20],
      ]),
      { txn: { workload: 'txn-list-append', models: ['serializable'] } },
    );
    expect(verdict.valid).toBe(false);
    expect(verdict.firstAnomaly?.startMs).toBe(10);
    expect(verdict.firstAnomaly?.endMs).toBe(20);
    expect(verdict.firstAnomaly?.what).toMatch(/^[\w-]+: txn 2 \(process 2\)$/);
  });

  it('is absent from a valid verdict', () => {
    const verdict = checkWorkload(
      history(
        [
          [0, 'invoke', 'write', 1, 1],
          [0, 'ok', 'write', 1, 2],
        ],
        0,
      ),
    );
    expect(verdict.valid).toBe(true);
    expect(verdict.firstAnomaly).toBeUndefined();
  });
});
