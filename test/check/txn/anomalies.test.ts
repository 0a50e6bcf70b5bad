// Hand-made histories for every anomaly the transaction checker names, for each workload where
// the anomaly applies, each with the anomalies expected (exactly, worst first) and the verdict
// under each of the six consistency models.

import { describe, expect, it } from 'vitest';
import type { ConsistencyModel, TxnWorkload } from '../../../src/check/txn/types.js';
import { CONSISTENCY_MODELS } from '../../../src/check/txn/types.js';
import { anomalyNames, checkTxns, expectedVerdicts, TxnHistory, verdictsOf } from './helpers.js';

const ALL = CONSISTENCY_MODELS;
const READ_COMMITTED_UP: ConsistencyModel[] = ['strict-serializable', 'serializable', 'snapshot-isolation', 'repeatable-read', 'read-committed'];
const REPEATABLE_READ_UP: ConsistencyModel[] = ['strict-serializable', 'serializable', 'snapshot-isolation', 'repeatable-read'];
const SNAPSHOT_UP: ConsistencyModel[] = ['strict-serializable', 'serializable', 'snapshot-isolation'];
const SERIALIZABLE_AND_REPEATABLE: ConsistencyModel[] = ['strict-serializable', 'serializable', 'repeatable-read'];
const STRICT: ConsistencyModel[] = ['strict-serializable'];

interface Case {
  readonly title: string;
  readonly workload: TxnWorkload;
  readonly build: (h: TxnHistory) => void;
  readonly anomalies: readonly string[];
  readonly invalidUnder: readonly ConsistencyModel[];
}

const LA: TxnWorkload = 'txn-list-append';
const RW: TxnWorkload = 'txn-rw-register';

const CASES: Case[] = [
  {
    title: 'a serial history',
    workload: LA,
    build: (h) => {
      h.ok(1, [['append', 1, 1]]);
      h.ok(2, [
        ['r', 1, [1]],
        ['append', 1, 2],
      ]);
      h.ok(1, [
        ['r', 1, [1, 2]],
        ['r', 2, null],
      ]);
    },
    anomalies: [],
    invalidUnder: [],
  },
  {
    title: 'a serial history',
    workload: RW,
    build: (h) => {
      h.ok(1, [['w', 1, 1]]);
      h.ok(2, [
        ['r', 1, 1],
        ['w', 1, 2],
      ]);
      h.ok(1, [
        ['r', 1, 2],
        ['r', 2, null],
      ]);
    },
    anomalies: [],
    invalidUnder: [],
  },
  {
    title: 'a concurrent history that some order within the real-time bounds explains',
    workload: LA,
    build: (h) => {
      const a = h.txn(1, [['append', 1, 1]]);
      const b = h.txn(2, [
        ['r', 1, [1]],
        ['append', 2, 1],
      ]);
      a.ok();
      b.ok();
      const c = h.txn(3, [['r', 2, [1]]]);
      const d = h.txn(1, [['append', 2, 2]]);
      c.ok();
      d.ok();
      h.ok(2, [
        ['r', 1, [1]],
        ['r', 2, [1, 2]],
      ]);
    },
    anomalies: [],
    invalidUnder: [],
  },
  {
    title: 'a concurrent history that some order within the real-time bounds explains',
    workload: RW,
    build: (h) => {
      const a = h.txn(1, [['w', 1, 1]]);
      const b = h.txn(2, [
        ['r', 1, 1],
        ['w', 2, 1],
      ]);
      a.ok();
      b.ok();
      const c = h.txn(3, [['r', 2, 1]]);
      const d = h.txn(1, [
        ['r', 2, 1],
        ['w', 2, 2],
      ]);
      c.ok();
      d.ok();
      h.ok(2, [
        ['r', 1, 1],
        ['r', 2, 2],
      ]);
    },
    anomalies: [],
    invalidUnder: [],
  },
  {
    title: 'G0: two txns append to two keys in opposite orders (dirty write)',
    workload: LA,
    build: (h) => {
      const a = h.txn(1, [
        ['append', 1, 1],
        ['append', 2, 1],
      ]);
      const b = h.txn(2, [
        ['append', 1, 2],
        ['append', 2, 2],
      ]);
      a.ok();
      b.ok();
      h.ok(3, [
        ['r', 1, [1, 2]],
        ['r', 2, [2, 1]],
      ]);
    },
    anomalies: ['G0'],
    invalidUnder: ALL,
  },
  {
    title: 'G0: each txn read the key the other then overwrote (and so also G1c)',
    workload: RW,
    build: (h) => {
      const a = h.txn(1, [
        ['w', 1, 1],
        ['r', 2, 4],
        ['w', 2, 2],
      ]);
      const b = h.txn(2, [
        ['r', 1, 1],
        ['w', 1, 3],
        ['w', 2, 4],
      ]);
      a.ok();
      b.ok();
    },
    anomalies: ['G0', 'G1c'],
    invalidUnder: ALL,
  },
  {
    title: "G1c: each txn read the other's write",
    workload: LA,
    build: (h) => {
      const a = h.txn(1, [
        ['append', 1, 1],
        ['r', 2, [1]],
      ]);
      const b = h.txn(2, [
        ['append', 2, 1],
        ['r', 1, [1]],
      ]);
      a.ok();
      b.ok();
    },
    anomalies: ['G1c'],
    invalidUnder: READ_COMMITTED_UP,
  },
  {
    title: "G1c: each txn read the other's write",
    workload: RW,
    build: (h) => {
      const a = h.txn(1, [
        ['w', 1, 1],
        ['r', 2, 1],
      ]);
      const b = h.txn(2, [
        ['w', 2, 1],
        ['r', 1, 1],
      ]);
      a.ok();
      b.ok();
    },
    anomalies: ['G1c'],
    invalidUnder: READ_COMMITTED_UP,
  },
  {
    title: 'G-single: a reader sees one of two keys before a txn and the other after it (read skew)',
    workload: LA,
    build: (h) => {
      h.ok(0, [
        ['append', 1, 1],
        ['append', 2, 1],
      ]);
      const reader = h.txn(1, [
        ['r', 1, [1]],
        ['r', 2, [1, 2]],
      ]);
      h.ok(2, [
        ['append', 1, 2],
        ['append', 2, 2],
      ]);
      reader.ok();
      h.ok(0, [['r', 1, [1, 2]]]);
    },
    anomalies: ['G-single'],
    invalidUnder: REPEATABLE_READ_UP,
  },
  {
    title: 'G-single: a reader sees one of two keys before a txn and the other after it (read skew)',
    workload: RW,
    build: (h) => {
      h.ok(0, [
        ['w', 1, 1],
        ['w', 2, 1],
      ]);
      const reader = h.txn(1, [
        ['r', 1, 1],
        ['r', 2, 2],
      ]);
      h.ok(2, [
        ['r', 1, 1],
        ['w', 1, 2],
        ['r', 2, 1],
        ['w', 2, 2],
      ]);
      reader.ok();
    },
    anomalies: ['G-single'],
    invalidUnder: REPEATABLE_READ_UP,
  },
  {
    title: 'G-nonadjacent: two readers see two independent writes in opposite orders (long fork)',
    workload: LA,
    build: (h) => {
      const t1 = h.txn(1, [
        ['r', 1, []],
        ['r', 2, [1]],
      ]);
      const t2 = h.txn(2, [['append', 1, 1]]);
      const t3 = h.txn(3, [
        ['r', 1, [1]],
        ['r', 2, []],
      ]);
      const t4 = h.txn(4, [['append', 2, 1]]);
      t2.ok();
      t4.ok();
      t1.ok();
      t3.ok();
    },
    anomalies: ['G-nonadjacent'],
    invalidUnder: REPEATABLE_READ_UP,
  },
  {
    title: 'G-nonadjacent: two readers see two independent writes in opposite orders (long fork)',
    workload: RW,
    build: (h) => {
      const t1 = h.txn(1, [
        ['r', 1, null],
        ['r', 2, 1],
      ]);
      const t2 = h.txn(2, [['w', 1, 1]]);
      const t3 = h.txn(3, [
        ['r', 1, 1],
        ['r', 2, null],
      ]);
      const t4 = h.txn(4, [['w', 2, 1]]);
      t2.ok();
      t4.ok();
      t1.ok();
      t3.ok();
    },
    anomalies: ['G-nonadjacent'],
    invalidUnder: REPEATABLE_READ_UP,
  },
  {
    title: 'G2-item: two txns each read both keys and write a different one (write skew)',
    workload: LA,
    build: (h) => {
      const a = h.txn(1, [
        ['r', 1, []],
        ['r', 2, []],
        ['append', 1, 1],
      ]);
      const b = h.txn(2, [
        ['r', 1, []],
        ['r', 2, []],
        ['append', 2, 1],
      ]);
      a.ok();
      b.ok();
      h.ok(3, [
        ['r', 1, [1]],
        ['r', 2, [1]],
      ]);
    },
    anomalies: ['G2-item'],
    invalidUnder: SERIALIZABLE_AND_REPEATABLE,
  },
  {
    title: 'G2-item: two txns each read both keys and write a different one (write skew)',
    workload: RW,
    build: (h) => {
      const a = h.txn(1, [
        ['r', 1, null],
        ['r', 2, null],
        ['w', 1, 1],
      ]);
      const b = h.txn(2, [
        ['r', 1, null],
        ['r', 2, null],
        ['w', 2, 1],
      ]);
      a.ok();
      b.ok();
      h.ok(3, [
        ['r', 1, 1],
        ['r', 2, 1],
      ]);
    },
    anomalies: ['G2-item'],
    invalidUnder: SERIALIZABLE_AND_REPEATABLE,
  },
  {
    title: 'G-single-realtime: a read that begins after a write completed misses it (stale read)',
    workload: LA,
    build: (h) => {
      h.ok(1, [['append', 1, 1]]);
      h.ok(2, [['r', 1, null]]);
    },
    anomalies: ['G-single-realtime'],
    invalidUnder: STRICT,
  },
  {
    title: 'G-single-realtime: a read that begins after a write completed misses it (stale read)',
    workload: RW,
    build: (h) => {
      h.ok(1, [['w', 1, 1]]);
      h.ok(2, [['r', 1, null]]);
    },
    anomalies: ['G-single-realtime'],
    invalidUnder: STRICT,
  },
  {
    title: 'G-single-process: a process misses its own write (and so does real time)',
    workload: LA,
    build: (h) => {
      h.ok(1, [['append', 1, 1]]);
      h.ok(1, [['r', 1, null]]);
    },
    anomalies: ['G-single-process', 'G-single-realtime'],
    invalidUnder: STRICT,
  },
  {
    title: 'G-single-process: a process misses its own write (and so does real time)',
    workload: RW,
    build: (h) => {
      h.ok(1, [['w', 1, 1]]);
      h.ok(1, [['r', 1, null]]);
    },
    anomalies: ['G-single-process', 'G-single-realtime'],
    invalidUnder: STRICT,
  },
  {
    title: 'G1c-realtime: a txn reads a write that begins only after it completed',
    workload: LA,
    build: (h) => {
      h.ok(1, [['r', 1, [1]]]);
      h.ok(2, [['append', 1, 1]]);
    },
    anomalies: ['G1c-realtime'],
    invalidUnder: STRICT,
  },
  {
    title: 'G1c-realtime: a txn reads a write that begins only after it completed',
    workload: RW,
    build: (h) => {
      h.ok(1, [['r', 1, 1]]);
      h.ok(2, [['w', 1, 1]]);
    },
    anomalies: ['G1c-realtime'],
    invalidUnder: STRICT,
  },
  {
    title: 'G0-realtime: a later append lands before an earlier completed one',
    workload: LA,
    build: (h) => {
      h.ok(1, [['append', 1, 1]]);
      h.ok(2, [['append', 1, 2]]);
      h.ok(3, [['r', 1, [2, 1]]]);
    },
    anomalies: ['G0-realtime'],
    invalidUnder: STRICT,
  },
  {
    title: "G1a: a committed txn reads a failed txn's append",
    workload: LA,
    build: (h) => {
      h.fail(1, [['append', 1, 1]]);
      h.ok(2, [['r', 1, [1]]]);
    },
    anomalies: ['G1a'],
    invalidUnder: READ_COMMITTED_UP,
  },
  {
    title: "G1a: a committed txn reads a failed txn's write",
    workload: RW,
    build: (h) => {
      h.fail(1, [['w', 1, 1]]);
      h.ok(2, [['r', 1, 1]]);
    },
    anomalies: ['G1a'],
    invalidUnder: READ_COMMITTED_UP,
  },
  {
    title: 'G1b: a txn reads the middle of two appends of another (which also makes a G-single)',
    workload: LA,
    build: (h) => {
      const writer = h.txn(1, [
        ['append', 1, 1],
        ['append', 1, 2],
      ]);
      h.ok(2, [['r', 1, [1]]]);
      writer.ok();
    },
    anomalies: ['G1b', 'G-single'],
    invalidUnder: READ_COMMITTED_UP,
  },
  {
    title: 'G1b: a txn reads the first of two writes of another',
    workload: RW,
    build: (h) => {
      const writer = h.txn(1, [
        ['w', 1, 1],
        ['w', 1, 2],
      ]);
      h.ok(2, [['r', 1, 1]]);
      writer.ok();
    },
    anomalies: ['G1b'],
    invalidUnder: READ_COMMITTED_UP,
  },
  {
    title: 'dirty-update: a committed append lands on a failed one (read, so also G1a)',
    workload: LA,
    build: (h) => {
      h.fail(1, [['append', 1, 1]]);
      h.ok(2, [['append', 1, 2]]);
      h.ok(3, [['r', 1, [1, 2]]]);
    },
    anomalies: ['G1a', 'dirty-update'],
    invalidUnder: READ_COMMITTED_UP,
  },
  {
    title: 'internal: a txn does not read its own append',
    workload: LA,
    build: (h) => {
      h.ok(1, [['append', 1, 2]]);
      h.ok(2, [
        ['r', 1, [2]],
        ['append', 1, 1],
        ['r', 1, [2]],
      ]);
    },
    anomalies: ['internal'],
    invalidUnder: SNAPSHOT_UP,
  },
  {
    title: 'internal: a txn does not read its own write',
    workload: RW,
    build: (h) => {
      h.ok(1, [['w', 1, 2]]);
      h.ok(2, [
        ['w', 1, 1],
        ['r', 1, 2],
      ]);
    },
    anomalies: ['internal'],
    invalidUnder: SNAPSHOT_UP,
  },
  {
    title: 'future-read: a txn reads the value it appends only later',
    workload: LA,
    build: (h) => {
      h.ok(1, [
        ['r', 1, [1]],
        ['append', 1, 1],
      ]);
    },
    anomalies: ['future-read'],
    invalidUnder: READ_COMMITTED_UP,
  },
  {
    title: 'future-read: a txn reads the value it writes only later',
    workload: RW,
    build: (h) => {
      h.ok(1, [
        ['r', 1, 1],
        ['w', 1, 1],
      ]);
    },
    anomalies: ['future-read'],
    invalidUnder: READ_COMMITTED_UP,
  },
  {
    title: 'lost-update: two txns read the same state and both append (a G-single too)',
    workload: LA,
    build: (h) => {
      const a = h.txn(1, [
        ['r', 1, []],
        ['append', 1, 1],
      ]);
      const b = h.txn(2, [
        ['r', 1, []],
        ['append', 1, 2],
      ]);
      a.ok();
      b.ok();
      h.ok(3, [['r', 1, [1, 2]]]);
    },
    anomalies: ['lost-update', 'G-single'],
    invalidUnder: REPEATABLE_READ_UP,
  },
  {
    title: 'lost-update: two txns read the same value and both write (a G2-item too)',
    workload: RW,
    build: (h) => {
      const a = h.txn(1, [
        ['r', 1, null],
        ['w', 1, 1],
      ]);
      const b = h.txn(2, [
        ['r', 1, null],
        ['w', 1, 2],
      ]);
      a.ok();
      b.ok();
    },
    anomalies: ['lost-update', 'G2-item'],
    invalidUnder: REPEATABLE_READ_UP,
  },
  {
    title: 'incompatible-order: two reads of a list disagree on the order of its appends',
    workload: LA,
    build: (h) => {
      const a = h.txn(1, [['append', 1, 1]]);
      const b = h.txn(2, [['append', 1, 2]]);
      a.ok();
      b.ok();
      h.ok(3, [['r', 1, [1, 2]]]);
      h.ok(4, [['r', 1, [2, 1]]]);
    },
    anomalies: ['incompatible-order'],
    invalidUnder: READ_COMMITTED_UP,
  },
  {
    // No edge joins a txn to itself, so no cycle shows this; the read's last value is another
    // txn's, so it is no intermediate read either.
    title: "incompatible-order: a read shows a txn's own two appends in the reverse of its order",
    workload: LA,
    build: (h) => {
      h.ok(1, [
        ['append', 1, 1],
        ['append', 1, 2],
      ]);
      h.ok(2, [['append', 1, 3]]);
      h.ok(3, [['r', 1, [2, 1, 3]]]);
    },
    anomalies: ['incompatible-order'],
    invalidUnder: READ_COMMITTED_UP,
  },
  {
    title: 'incompatible-order: a txn reads its own two appends in the reverse of its order (and so internal)',
    workload: LA,
    build: (h) => {
      h.ok(1, [
        ['append', 1, 1],
        ['append', 1, 2],
        ['r', 1, [2, 1]],
      ]);
    },
    anomalies: ['incompatible-order', 'internal'],
    invalidUnder: READ_COMMITTED_UP,
  },
  {
    title: 'duplicate-elements: a read shows one append twice',
    workload: LA,
    build: (h) => {
      h.ok(1, [['append', 1, 1]]);
      h.ok(2, [['r', 1, [1, 1]]]);
    },
    anomalies: ['duplicate-elements'],
    invalidUnder: ALL,
  },
  {
    title: 'cyclic-versions: read 1 then wrote 2, and read 2 then wrote 1 (each read the other: G1c)',
    workload: RW,
    build: (h) => {
      const a = h.txn(1, [
        ['r', 1, 1],
        ['w', 1, 2],
      ]);
      const b = h.txn(2, [
        ['r', 1, 2],
        ['w', 1, 1],
      ]);
      a.ok();
      b.ok();
    },
    anomalies: ['cyclic-versions', 'G1c'],
    invalidUnder: ALL,
  },
  {
    title: 'garbage-read: a read of a value nobody appended',
    workload: LA,
    build: (h) => {
      h.ok(1, [['append', 1, 1]]);
      h.ok(2, [['r', 1, [1, 5]]]);
    },
    anomalies: ['garbage-read'],
    invalidUnder: ALL,
  },
  {
    title: 'garbage-read: a read of a value nobody wrote',
    workload: RW,
    build: (h) => {
      h.ok(1, [['w', 1, 1]]);
      h.ok(2, [['r', 1, 5]]);
    },
    anomalies: ['garbage-read'],
    invalidUnder: ALL,
  },
];

describe('hand-made histories: anomalies found and verdicts under the six models', () => {
  for (const testCase of CASES) {
    it(`${testCase.workload}: ${testCase.title}`, () => {
      const h = new TxnHistory();
      testCase.build(h);
      const result = checkTxns(h.events, testCase.workload);
      expect(anomalyNames(result)).toEqual(testCase.anomalies);
      expect(verdictsOf(result)).toEqual(expectedVerdicts(testCase.invalidUnder));
      expect(result.verdict).toBe(testCase.invalidUnder.length === 0 ? 'valid' : 'invalid');
      for (const verdict of result.models) {
        if (verdict.valid !== false) expect(verdict.violatedBy).toEqual([]);
        else expect(verdict.violatedBy.length).toBeGreaterThan(0);
      }
    });
  }

  it('covers every anomaly the checker can name, in at least one workload', () => {
    const covered = new Set(CASES.flatMap((testCase) => testCase.anomalies.map((name) => name.replace(/-(process|realtime)$/, ''))));
    const expected = [
      'G0',
      'G1c',
      'G-single',
      'G-nonadjacent',
      'G2-item',
      'G1a',
      'G1b',
      'internal',
      'dirty-update',
      'incompatible-order',
      'duplicate-elements',
      'cyclic-versions',
      'future-read',
      'lost-update',
      'garbage-read',
    ];
    expect([...covered].sort()).toEqual([...expected].sort());
  });
});

describe('incompatible orders: which txns they name, and why', () => {
  it("names the appending txn and the reader of a txn's own appends out of order, and the values", () => {
    const h = new TxnHistory();
    h.ok(1, [
      ['append', 7, 1],
      ['append', 7, 2],
    ]);
    h.ok(2, [['append', 7, 3]]);
    h.ok(3, [['r', 7, [2, 1, 3]]]);
    h.ok(4, [['r', 7, [2, 1, 3]]]);
    const result = checkTxns(h.events, LA);
    const reports = result.anomalies.get('incompatible-order') ?? [];
    // One report per read that shows it.
    expect(reports.map((report) => report.txns)).toEqual([
      [0, 2],
      [0, 3],
    ]);
    expect(result.anomalyCounts?.get('incompatible-order')).toBe(2);
    expect(reports[0]?.explanation.split('\n').slice(1)).toEqual([
      'T1 = txn 0 (process 1, ok): append 7 1, append 7 2',
      'T2 = txn 2 (process 3, ok): r 7 [2 1 3]',
      "T1 appended 1 then 2 to key 7, but T2 read key 7 = [2 1 3], with 2 before 1: a txn's appends to a key can only be seen in the order it made them.",
    ]);
  });

  it('names a txn once when it made both appends and the read', () => {
    const h = new TxnHistory();
    h.ok(1, [
      ['append', 7, 1],
      ['append', 7, 2],
      ['r', 7, [2, 1]],
    ]);
    const [report] = checkTxns(h.events, LA).anomalies.get('incompatible-order') ?? [];
    expect(report?.txns).toEqual([0]);
    expect(report?.explanation.split('\n').slice(-1)).toEqual([
      "T1 appended 1 then 2 to key 7, but then T1 itself read key 7 = [2 1], with 2 before 1: a txn's appends to a key can only be seen in the order it made them.",
    ]);
  });

  it('does not take a value read twice for an append out of order: that is a duplicate', () => {
    const h = new TxnHistory();
    h.ok(1, [
      ['append', 7, 1],
      ['append', 7, 2],
    ]);
    h.ok(2, [['r', 7, [1, 2, 1]]]);
    const result = checkTxns(h.events, LA);
    expect(result.anomalies.has('duplicate-elements')).toBe(true);
    expect(result.anomalies.has('incompatible-order')).toBe(false);
  });

  it('names a txn once when both reads that disagree are its own', () => {
    const h = new TxnHistory();
    h.ok(1, [['append', 7, 1]]);
    h.ok(2, [['append', 7, 2]]);
    h.ok(3, [
      ['r', 7, [1, 2]],
      ['r', 7, [2, 1]],
    ]);
    const result = checkTxns(h.events, LA);
    expect(anomalyNames(result)).toEqual(['incompatible-order', 'internal']);
    const [report] = result.anomalies.get('incompatible-order') ?? [];
    expect(report?.txns).toEqual([2]);
    expect(report?.explanation.split('\n').slice(1)).toEqual([
      'T1 = txn 2 (process 3, ok): r 7 [1 2], r 7 [2 1]',
      'T1 read key 7 = [2 1] and also read key 7 = [1 2]: the first is not a prefix of the second, so the appends to key 7 had no single order. The checker infers no ww or rw edge on key 7.',
    ]);
  });
});

describe('txns whose outcome is unknown (info)', () => {
  it('keeps an info txn whose write was read: a G0 through it is found', () => {
    const h = new TxnHistory();
    const crashed = h.txn(1, [
      ['append', 1, 1],
      ['append', 2, 1],
    ]);
    const other = h.txn(2, [
      ['append', 1, 2],
      ['append', 2, 2],
    ]);
    crashed.info();
    other.ok();
    h.ok(3, [
      ['r', 1, [1, 2]],
      ['r', 2, [2, 1]],
    ]);
    const result = checkTxns(h.events, LA);
    expect(anomalyNames(result)).toEqual(['G0']);
    expect(result.anomalies.get('G0')?.[0]?.txns).toEqual([0, 1]);
    expect(result.notes[0]).toContain('1 of 1 info txns are in the dependency graph');
  });

  it('leaves out an info txn nobody read, and says so', () => {
    const h = new TxnHistory();
    h.info(1, [['w', 1, 1]]);
    h.ok(2, [['r', 1, null]]);
    const result = checkTxns(h.events, RW);
    expect(result.verdict).toBe('valid');
    expect(result.notes[0]).toContain('0 of 1 info txns are in the dependency graph');
  });

  it('does not order an info txn before what its process or anyone does next: it may take effect later', () => {
    // Had the timed-out append counted as done when its process moved on, the read of [] would
    // be a G-single-process; but the append may have landed after that read.
    for (const workload of [LA, RW]) {
      const h = new TxnHistory();
      const write: ['append' | 'w', number, number] = [workload === LA ? 'append' : 'w', 1, 1];
      h.info(1, [write]);
      h.ok(1, [['r', 1, workload === LA ? [] : null]]);
      h.ok(2, [['r', 1, workload === LA ? [1] : 1]]);
      const result = checkTxns(h.events, workload);
      expect(anomalyNames(result)).toEqual([]);
      expect(result.verdict).toBe('valid');
    }
  });

  it('counts a txn that never completed as info and keeps it once read', () => {
    const h = new TxnHistory();
    h.txn(1, [['append', 1, 1]]);
    h.ok(2, [['r', 1, [1]]]);
    h.ok(3, [['r', 1, []]]);
    const result = checkTxns(h.events, LA);
    expect(result.counts).toEqual({ ok: 2, fail: 0, info: 1 });
    expect(result.txns[0]?.completeIndex).toBeUndefined();
    // txn 2 read [] after txn 1 saw [1]: real time says txn 1 came first, so this is a stale read.
    expect(anomalyNames(result)).toEqual(['G-single-realtime']);
  });
});

describe('verdicts that cannot be given', () => {
  it('is unknown, with a note, when no txn committed', () => {
    const h = new TxnHistory();
    h.fail(1, [['append', 1, 1]]);
    h.info(2, [['append', 1, 2]]);
    const result = checkTxns(h.events, LA);
    expect(result.verdict).toBe('unknown');
    expect(result.models.every((model) => model.valid === 'unknown')).toBe(true);
    expect(result.notes).toContain('no txn committed (none ok): there is nothing to check');
  });

  it('is unknown for an empty history', () => {
    const result = checkTxns([], RW, { models: ['serializable'] });
    expect(result.verdict).toBe('unknown');
    expect(result.models).toEqual([{ model: 'serializable', valid: 'unknown', violatedBy: [] }]);
  });

  it('judges only the models asked for', () => {
    const h = new TxnHistory();
    const a = h.txn(1, [
      ['r', 1, null],
      ['r', 2, null],
      ['w', 1, 1],
    ]);
    const b = h.txn(2, [
      ['r', 1, null],
      ['r', 2, null],
      ['w', 2, 1],
    ]);
    a.ok();
    b.ok();
    const snapshot = checkTxns(h.events, RW, { models: ['snapshot-isolation'] });
    expect(snapshot.verdict).toBe('valid');
    expect(snapshot.models.map((model) => model.model)).toEqual(['snapshot-isolation']);
    // The anomaly is still reported, though no model asked for forbids it.
    expect(anomalyNames(snapshot)).toEqual(['G2-item']);
    const both = checkTxns(h.events, RW, { models: ['snapshot-isolation', 'serializable'] });
    expect(both.verdict).toBe('invalid');
    expect(both.models.map((model) => [model.model, model.valid, model.violatedBy])).toEqual([
      ['snapshot-isolation', true, []],
      ['serializable', false, ['G2-item']],
    ]);
  });
});
