import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../../src/base/json.js';
import { formatHistory } from '../../../src/check/history.js';
import { checkTxnHistory } from '../../../src/check/txn/checker.js';
import { firstAnomaly, formatTxnSummary, ruledOutModels, txnExplanations, txnResultsJson } from '../../../src/check/txn/report.js';
import type { AnomalyName, AnomalyReport } from '../../../src/check/txn/types.js';
import { INTERNAL, STALE, TXNS, WRITE_SKEW, resultWith, verdictOf } from './report_fixtures.js';
import { checkTxns, TxnHistory } from './helpers.js';
import { randomTxnHistory } from './random_histories.js';

const INVALID = resultWith(
  new Map<AnomalyName, readonly AnomalyReport[]>([
    ['G2-item', [WRITE_SKEW, WRITE_SKEW]],
    ['G-single-realtime', [STALE]],
  ]),
  [verdictOf('strict-serializable', ['G2-item', 'G-single-realtime']), verdictOf('serializable', ['G2-item'])],
  { counts: new Map([['G2-item', 5]]), notes: ['2 of 3 info txns are in the dependency graph'] },
);

describe('the text summary of a txn check', () => {
  it('gives counts, the verdict per model with the anomalies that break it, and the models ruled out', () => {
    const text = formatTxnSummary(INVALID);
    const lines = text.split('\n');
    expect(lines.slice(0, 5)).toEqual([
      'txns: 3 (ok 2, fail 0, info 1)',
      'verdict: invalid',
      // Worst first, with the count of each kind (5 found, 2 kept).
      '  strict-serializable invalid: G2-item (5), G-single-realtime (1)',
      '  serializable invalid: G2-item (5)',
      // G2-item breaks repeatable read, the weakest of the three it rules out.
      'not repeatable-read; so also not strict-serializable, serializable',
    ]);
    expect(text).toContain('anomalies: G2-item (5), G-single-realtime (1)');
    expect(text).toMatch(/\n {2}G2-item: a cycle with two or more read-write anti-dependencies/);
    expect(text).toContain('note: 2 of 3 info txns are in the dependency graph');
  });

  it('explains the first few anomalies in full and counts the rest', () => {
    const text = formatTxnSummary(INVALID, { explained: 2, moreReportsIn: 'out/explanations.txt' });
    expect(text).toContain('G2-item #1 of 5 (rules out strict-serializable, serializable, repeatable-read)\n  G2-item: a cycle');
    expect(text).toContain('  T1 -rw-> T2: T1 read key 1 empty, and T2 appended 1 to it');
    expect(text).toContain('G2-item #2 of 5');
    expect(text).not.toContain('G-single-realtime #1');
    expect(text).toContain('... 1 more anomaly report in out/explanations.txt');
  });

  it('ends after the notes when no report is to be explained: no blank line, no count of reports left out', () => {
    const lines = formatTxnSummary(INVALID, { explained: 0, moreReportsIn: 'out/explanations.txt' }).split('\n');
    expect(lines).not.toContain('');
    expect(lines[lines.length - 1]).toBe('note: 2 of 3 info txns are in the dependency graph');
    expect(lines.join('\n')).not.toContain('more anomaly report');
  });

  it('lists every kept report in the full explanations, forbidden kinds first', () => {
    const result = resultWith(
      new Map<AnomalyName, readonly AnomalyReport[]>([
        ['internal', [INTERNAL]],
        ['G2-item', [WRITE_SKEW]],
      ]),
      [verdictOf('read-committed', [])],
    );
    const blocks = txnExplanations(result);
    expect(blocks).toHaveLength(2);
    // read-committed allows both; they are still shown, worst first.
    expect(blocks[0]).toMatch(/^internal #1 of 1 \(rules out strict-serializable, serializable, snapshot-isolation\)/);
    expect(formatTxnSummary(result)).toContain('also found, allowed by every model checked: internal (1), G2-item (1)');
    expect(formatTxnSummary(result)).toContain('verdict: valid');
  });

  it('does not pass the reports kept for a count when the checker did not count', () => {
    const capped = resultWith(new Map<AnomalyName, readonly AnomalyReport[]>([['G2-item', [WRITE_SKEW, WRITE_SKEW, WRITE_SKEW]]]), [
      verdictOf('serializable', ['G2-item']),
    ]);
    expect(formatTxnSummary(capped)).toContain('  serializable invalid: G2-item (3+)');
    expect(formatTxnSummary(capped)).toContain('G2-item #3 of 3+');
    expect(txnResultsJson(capped)).not.toHaveProperty('anomaly-counts');
    const fewer = resultWith(new Map<AnomalyName, readonly AnomalyReport[]>([['G2-item', [WRITE_SKEW, WRITE_SKEW]]]), [verdictOf('serializable', ['G2-item'])]);
    expect(formatTxnSummary(fewer)).toContain('  serializable invalid: G2-item (2)');
  });

  it('says so when the verdict is unknown, with the notes that say why', () => {
    const result = resultWith(new Map(), [verdictOf('serializable', [], 'unknown')], { notes: ['the cycle search ran out of its step budget'] });
    const text = formatTxnSummary(result);
    expect(text).toContain('verdict: unknown');
    expect(text).toContain('  serializable unknown');
    expect(text).toContain('note: the cycle search ran out of its step budget');
    expect(text).not.toContain('anomalies:');
  });
});

describe('the results.json section of a txn check', () => {
  it("has the shape of Elle's result: valid?, anomaly-types, anomalies with cycles and steps, not, also-not", () => {
    const json = txnResultsJson(INVALID);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json); // plain JSON, nothing lost
    expect(json['valid?']).toBe(false);
    expect(json['anomaly-types']).toEqual(['G-single-realtime', 'G2-item']);
    expect(json['not']).toEqual(['repeatable-read']);
    expect(json['also-not']).toEqual(['strict-serializable', 'serializable']);
    expect(json['anomaly-counts']).toEqual({ 'G2-item': 5, 'G-single-realtime': 1 });
    expect(json['consistency-models']).toEqual({
      'strict-serializable': { 'valid?': false, 'violated-by': ['G-single-realtime', 'G2-item'] },
      serializable: { 'valid?': false, 'violated-by': ['G2-item'] },
    });
    expect(json['txn-count']).toBe(3);
    expect(json['info-count']).toBe(1);
    const skew = (json['anomalies'] as { [name: string]: JsonValue[] })['G2-item']?.[0] as { [field: string]: JsonValue };
    expect(skew['type']).toBe('G2-item');
    // Elle's cycles repeat the first op at the end; each op is the completion, value filled in.
    const cycle = skew['cycle'] as { [field: string]: JsonValue }[];
    expect(cycle.map((op) => op['id'])).toEqual([0, 1, 0]);
    expect(cycle[0]).toEqual({
      id: 0,
      index: 2,
      'invoke-index': 0,
      process: 0,
      type: 'ok',
      f: 'txn',
      value: [
        ['r', 1, null],
        ['append', 2, 1],
      ],
      time: 5_000_000,
      'invoke-time': 0,
    });
    expect(skew['steps']).toEqual([
      { type: 'rw', from: 0, to: 1, key: 1, explanation: 'T1 read key 1 empty, and T2 appended 1 to it' },
      { type: 'rw', from: 1, to: 0, key: 2, explanation: 'T2 read key 2 empty, and T1 appended 1 to it' },
    ]);
    expect(String(skew['explanation'])).toContain('T1 = txn 0');
  });

  it('keeps what the models checked allow apart from what they forbid', () => {
    const result = resultWith(new Map<AnomalyName, readonly AnomalyReport[]>([['internal', [INTERNAL]]]), [verdictOf('read-committed', [])]);
    const json = txnResultsJson(result);
    expect(json['valid?']).toBe(true);
    expect(json['anomaly-types']).toEqual([]);
    expect(json['anomalies']).toEqual({});
    expect(json['allowed-anomaly-types']).toEqual(['internal']);
    const internal = (json['allowed-anomalies'] as { [name: string]: { [field: string]: JsonValue }[] })['internal']?.[0];
    // A non-cycle anomaly lists its txns; an info txn that never completed has its invocation's index and time.
    expect(internal?.['txns']).toEqual([
      { id: 2, index: 4, 'invoke-index': 4, process: 2, type: 'info', f: 'txn', value: [['append', 3, 7]], time: 2_000_000, 'invoke-time': 2_000_000 },
    ]);
    // Still, the models it rules out are named, as Elle's boundary does.
    expect(json['not']).toEqual(['snapshot-isolation']);
    expect(json['also-not']).toEqual(['strict-serializable', 'serializable']);
  });

  it('says unknown, not valid, when a model could not be decided', () => {
    const json = txnResultsJson(resultWith(new Map(), [verdictOf('serializable', [], 'unknown')]));
    expect(json['valid?']).toBe('unknown');
    expect(json['consistency-models']).toEqual({ serializable: { 'valid?': 'unknown', 'violated-by': [] } });
  });
});

describe('the models an anomaly rules out', () => {
  it.each([
    [['G0'], ['read-uncommitted'], ['strict-serializable', 'serializable', 'snapshot-isolation', 'repeatable-read', 'read-committed']],
    [['G1c'], ['read-committed'], ['strict-serializable', 'serializable', 'snapshot-isolation', 'repeatable-read']],
    [['G-single'], ['snapshot-isolation', 'repeatable-read'], ['strict-serializable', 'serializable']],
    [['G2-item-realtime'], ['strict-serializable'], []],
    [
      ['G2-item', 'internal'],
      ['snapshot-isolation', 'repeatable-read'],
      ['strict-serializable', 'serializable'],
    ],
    [[], [], []],
  ] as const)('%j: not %j, also not %j', (names, not, alsoNot) => {
    const anomalies = new Map<AnomalyName, readonly AnomalyReport[]>(names.map((name) => [name, [{ ...INTERNAL, name }]]));
    expect(ruledOutModels(resultWith(anomalies, [verdictOf('serializable', [])]))).toEqual({ not, alsoNot });
  });
});

describe('the anomaly to draw', () => {
  it('is the worst one a model checked forbids, else the worst found', () => {
    expect(firstAnomaly(INVALID)?.name).toBe('G2-item');
    const allowedOnly = resultWith(
      new Map<AnomalyName, readonly AnomalyReport[]>([
        ['G2-item', [WRITE_SKEW]],
        ['internal', [INTERNAL]],
      ]),
      [verdictOf('read-committed', [])],
    );
    expect(firstAnomaly(allowedOnly)?.name).toBe('internal');
    expect(firstAnomaly(resultWith(new Map(), [verdictOf('serializable', [])]))).toBeUndefined();
  });
});

/** Five write skews (five components) and four reads of failed writes: more of each than the checker keeps. */
function manyAnomalies(): TxnHistory {
  const h = new TxnHistory();
  for (let pair = 0; pair < 5; pair++) {
    const x = 2 * pair;
    const y = 2 * pair + 1;
    const a = h.txn(10 * pair, [
      ['r', x, null],
      ['r', y, null],
      ['w', x, 1],
    ]);
    const b = h.txn(10 * pair + 1, [
      ['r', x, null],
      ['r', y, null],
      ['w', y, 1],
    ]);
    a.ok();
    b.ok();
  }
  for (let read = 0; read < 4; read++) {
    h.fail(100 + read, [['w', 100 + read, 1]]);
    h.ok(200 + read, [['r', 100 + read, 1]]);
  }
  return h;
}

describe('reports of real checks', () => {
  it('give the exact count of each kind, beyond the reports kept, in the summary and in results.json', () => {
    const result = checkTxns(manyAnomalies().events, 'txn-rw-register', { models: ['serializable'] });
    expect(result.anomalies.get('G2-item')).toHaveLength(3);
    expect(result.anomalies.get('G1a')).toHaveLength(3);
    expect(result.anomalyCounts).toEqual(
      new Map([
        ['G1a', 4],
        ['G2-item', 5],
      ]),
    );
    const text = formatTxnSummary(result, { explained: Infinity });
    expect(text).toContain('  serializable invalid: G1a (4), G2-item (5)');
    expect(text).toContain('G2-item #3 of 5 (rules out');
    expect(text).toContain('G1a #3 of 4 (rules out');
    expect(text).not.toContain('+');
    expect(txnResultsJson(result)['anomaly-counts']).toEqual({ G1a: 4, 'G2-item': 5 });
  });

  it('mention every anomaly kind the checker found, with its txns, on random broken histories', () => {
    let invalid = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const { events } = randomTxnHistory(seed, 'txn-list-append');
      const checked = checkTxnHistory(events, { workload: 'txn-list-append', models: ['strict-serializable'] });
      if (!checked.ok) throw new Error(`seed ${seed}: ${checked.error}\n${formatHistory(events)}`);
      const result = checked.value;
      const text = formatTxnSummary(result, { explained: Infinity });
      const json = txnResultsJson(result);
      expect(text, `seed ${seed}`).toContain(`verdict: ${result.verdict}`);
      for (const [name, reports] of result.anomalies) {
        const count = result.anomalyCounts?.get(name) ?? 0;
        expect(count, `seed ${seed}: ${name}`).toBeGreaterThanOrEqual(reports.length);
        expect(text, `seed ${seed}`).toContain(`${name} #${reports.length} of ${count} `);
        expect((json['anomaly-counts'] as { [name: string]: number })[name], `seed ${seed}: ${name}`).toBe(count);
        expect([...(json['anomaly-types'] as string[]), ...(json['allowed-anomaly-types'] as string[])], `seed ${seed}`).toContain(name);
      }
      if (result.verdict === 'invalid') {
        invalid++;
        expect(json['valid?']).toBe(false);
        expect((json['not'] as string[]).length, `seed ${seed}`).toBeGreaterThan(0);
      }
    }
    expect(invalid).toBeGreaterThan(30);
  });
});

// The fixtures' txns are what the picture tests draw too: keep them honest.
it('fixtures: the write skew is between two concurrent ok txns', () => {
  expect(TXNS.map((txn) => txn.outcome)).toEqual(['ok', 'ok', 'info']);
});
