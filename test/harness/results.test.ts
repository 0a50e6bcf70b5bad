import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/base/rng.js';
import { renderLatencyPlot, thinOps } from '../../src/harness/latency_plot.js';
import { makeTestOptions, type TestOptions } from '../../src/harness/options.js';
import {
  availability,
  buildResults,
  computeStats,
  exitCodeFor,
  exitCodeForVerdict,
  EXPLANATIONS_FILE,
  explanationsText,
  mergeValidity,
  quantiles,
  verdictOf,
  type OpRecord,
  type Reason,
  type ResultsDocument,
  type RunFacts,
} from '../../src/harness/results.js';
import { formatSummary } from '../../src/harness/summary_text.js';
import type { RecoverySummary } from '../../src/harness/recovery.js';
import { NO_CLIENT_OPERATION, type LinKvVerdict, type TxnVerdict } from '../../src/harness/verdict.js';

function op(f: OpRecord['f'], type: OpRecord['type'], invokeMs = 0, completeMs = 1): OpRecord {
  return { process: 0, f, key: 0, type, invokeMs, completeMs, error: undefined };
}

describe('run statistics', () => {
  it('needs at least one ok for every f that was attempted', () => {
    expect(computeStats([op('read', 'ok'), op('write', 'ok'), op('cas', 'fail')]).valid).toBe(false);
    const stats = computeStats([op('read', 'ok'), op('write', 'info'), op('write', 'ok'), op('cas', 'ok'), op('cas', 'fail')]);
    expect(stats).toMatchObject({ valid: true, count: 5, okCount: 3, failCount: 1, infoCount: 1 });
    expect(stats.byF.cas).toEqual({ valid: true, count: 2, okCount: 1, failCount: 1, infoCount: 0 });
    // Nothing attempted, nothing checked: not valid, unknown.
    expect(computeStats([]).valid).toBe('unknown');
  });

  it('computes nearest-rank latency quantiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantiles(values)).toEqual({ count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
    expect(quantiles([])).toEqual({ count: 0, p50: null, p95: null, p99: null, max: null });
  });

  it('measures availability as the ok fraction against an optional goal', () => {
    const ops = [op('read', 'ok'), op('read', 'fail'), op('write', 'ok'), op('cas', 'ok')];
    expect(availability(ops, undefined)).toEqual({ valid: true, okFraction: 0.75 });
    expect(availability(ops, 'total').valid).toBe(false);
    expect(availability(ops, 0.7).valid).toBe(true);
    expect(availability([], 0.7)).toEqual({ valid: 'unknown', okFraction: null });
    expect(availability([], undefined).valid).toBe(true);
  });

  it('merges verdicts: false beats unknown beats true; exit codes 0, 1, 2', () => {
    expect(mergeValidity([true, 'unknown', false])).toBe(false);
    expect(mergeValidity([true, 'unknown'])).toBe('unknown');
    expect(mergeValidity([true, true])).toBe(true);
    expect([true, false, 'unknown'].map((v) => exitCodeFor(v as boolean | 'unknown'))).toEqual([0, 1, 2]);
  });
});

describe('latency plot', () => {
  it('draws a self-contained SVG with every op, the legend and the fault periods', () => {
    const ops = [op('read', 'ok', 10, 11), op('write', 'info', 20, 1020), op('cas', 'fail', 30, 35)];
    const svg = renderLatencyPlot(ops, [{ kind: 'partition', description: 'majority', startMs: 5, endMs: 500 }], { title: 't', durationMs: 2000 });
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
    expect(svg.match(/<circle cx=/g)?.length).toBeGreaterThanOrEqual(1);
    expect(svg).toContain('partition: majority');
    expect(svg).toContain('3 ops');
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });

  it('thins very long runs but keeps failures', () => {
    const ops = [...Array.from({ length: 10_000 }, (_, i) => op('read', 'ok', i, i + 1)), op('write', 'info', 5, 1005)];
    const { kept, thinned } = thinOps(ops, 1000);
    expect(thinned).toBe(true);
    expect(kept.length).toBeLessThanOrEqual(1001);
    expect(kept.some((o) => o.type === 'info')).toBe(true);
  });
});

/** A run's facts with every part valid unless a test overrides it. */
function facts(overrides: Partial<Omit<RunFacts, 'options'>> & { readonly options?: Partial<TestOptions> } = {}): RunFacts {
  const made = makeTestOptions({ bin: 'node.mjs', nodeCount: 1, concurrency: '2n', seed: 1, outDir: '/runs/out', ...overrides.options });
  if (!made.ok) throw new Error(made.error);
  const { options: _options, ...rest } = overrides;
  return {
    options: made.value,
    command: [],
    outDir: '/runs/out',
    dataDir: '/runs/out/data',
    startedAt: '2025-01-01T00:00:00.000Z',
    opPhaseMs: 1000,
    ops: [op('read', 'ok'), op('write', 'ok'), op('cas', 'ok')],
    net: {
      all: { sendCount: 6, recvCount: 6 },
      clients: { sendCount: 6, recvCount: 6 },
      servers: { sendCount: 0, recvCount: 0 },
      serverDelayMs: null,
      droppedByPartition: 0,
      droppedNodeDown: 0,
      duplicated: 0,
      delayedBySpike: 0,
    },
    faults: [],
    faultCounts: {},
    output: {
      badLines: [],
      malformedResponses: 0,
      sessionRetries: 0,
      malformedExamples: [],
      answersToAnother: 0,
      answersToAnotherExamples: [],
      spoofedSrc: 0,
      nodeProblems: [],
    },
    crashes: [],
    harnessErrors: [],
    nodeSeeds: { n0: [7] },
    workload: workload({}),
    keysUsed: 1,
    restarts: 0,
    ...rest,
  };
}

function workload(overrides: Partial<LinKvVerdict>): LinKvVerdict {
  return {
    kind: 'lin-kv',
    valid: true,
    keyCount: 1,
    failures: [],
    undecided: [],
    results: {},
    explanations: [],
    fullExplanations: [],
    timelineSvg: null,
    elapsedMs: 1,
    ...overrides,
  };
}

function summaryOf(f: RunFacts): { summary: string; results: ResultsDocument; why: Reason[] } {
  const results = buildResults(f);
  return { summary: formatSummary(f, results), results, why: results['why'] as Reason[] };
}

describe('the verdict in words', () => {
  it('says which operation type never succeeded, and that Jepsen requires one ok of each', () => {
    const ops = [op('read', 'ok'), op('write', 'ok'), op('cas', 'fail'), op('cas', 'info'), op('cas', 'fail')];
    const { summary, results, why } = summaryOf(facts({ ops }));
    expect(results.valid).toBe(false);
    expect(why).toEqual([
      {
        check: 'stats',
        valid: false,
        reason:
          "no cas succeeded (3 attempted: 2 failed, 1 indeterminate): every operation type needs at least one ok (Jepsen's stats rule); run longer or raise --rate",
      },
    ]);
    expect(summary).toContain('INVALID (stats): no cas succeeded');
    expect(summary.split('\n').at(-1)).toBe('VERDICT: INVALID (why: above)');
  });

  it('calls a run without any client operation unknown, never valid, and says why', () => {
    const { summary, results, why } = summaryOf(
      facts({ ops: [], options: { rate: 0 }, workload: workload({ valid: 'unknown', keyCount: 0, error: NO_CLIENT_OPERATION }) }),
    );
    expect(results.valid).toBe('unknown');
    expect((results['stats'] as { valid: unknown }).valid).toBe('unknown');
    expect(why).toEqual([{ check: 'stats', valid: 'unknown', reason: 'no client operation was performed (--rate is 0): nothing was checked' }]);
    expect(summary).toContain('UNKNOWN (stats): no client operation was performed (--rate is 0)');
    expect(exitCodeFor(results.valid)).toBe(2);
  });

  it('calls a run in which no operation succeeded invalid, in words', () => {
    const { results, why } = summaryOf(facts({ ops: [op('read', 'fail'), op('write', 'info'), op('cas', 'fail')] }));
    expect(results.valid).toBe(false);
    expect(why.map((reason) => reason.reason)).toEqual([
      expect.stringMatching(/^no operation succeeded \(3 attempted: 2 failed, 1 indeterminate\): every operation type needs at least one ok/) as string,
    ]);
  });

  it('explains availability, output, crashes, undecided keys and harness errors', () => {
    const ops = [op('read', 'ok'), op('write', 'ok'), op('cas', 'ok'), op('cas', 'fail')];
    const { why, results } = summaryOf(
      facts({
        ops,
        options: { availability: 0.9 },
        output: {
          badLines: [{ node: 'n0', reason: 'not valid JSON', line: 'hello', atMs: 5 }],
          malformedResponses: 3,
          sessionRetries: 0,
          malformedExamples: ['n1: disallowed key', 'n2: expected cas_ok or error in reply to cas, got type "write_ok"', 'n2: same'],
          answersToAnother: 2,
          answersToAnotherExamples: ['n2: expected cas_ok or error in reply to cas, got type "write_ok"', 'n2: same'],
          spoofedSrc: 0,
          nodeProblems: [],
        },
        crashes: [{ node: 'n0', code: 3, signal: null, atMs: 1500, logTail: 'bye' }],
        harnessErrors: ['node n1 failed to start: boom', 'interrupted: the run was stopped before its end'],
        workload: workload({ valid: 'unknown', undecided: [4] }),
      }),
    );
    expect(results.valid).toBe(false);
    expect(why.map((reason) => `${reason.check} ${String(reason.valid)}: ${reason.reason}`)).toEqual([
      'errors unknown: node n1 failed to start: boom (and 1 more error above)',
      'workload unknown: the linearizability check could not decide key 4 within its budget: see the explanation above',
      'availability false: 75.0% of operations succeeded, but --availability 0.9 asks for 90.0%',
      'output false: 1 bad stdout line from n0: a node must print only Maelstrom messages on stdout (shown above)',
      'output false: 2 replies answered another request (n2: expected cas_ok or error in reply to cas, got type "write_ok"): a node must answer the request it was sent',
      'crashes false: node n0 exited on its own at 1.5 s (code 3): a node under test must keep running',
    ]);
  });

  it('gives a reason exactly when the verdict is not valid (seeded cases)', () => {
    const seed = 20_251;
    const rng = new Rng(seed);
    const outcomes: OpRecord['type'][] = ['ok', 'fail', 'info'];
    for (let round = 0; round < 300; round++) {
      const ops = Array.from({ length: rng.int(0, 4) }, () => op(rng.pick(['read', 'write', 'cas'] as const), rng.pick(outcomes)));
      const workloadValid = rng.pick([true, false, 'unknown'] as const);
      const f = facts({
        ops,
        options: { rate: rng.pick([0, 5]), ...(rng.chance(0.3) ? { availability: 0.5 } : {}) },
        crashes: rng.chance(0.2) ? [{ node: 'n0', code: 1, signal: null, atMs: 1, logTail: '' }] : [],
        harnessErrors: rng.chance(0.2) ? ['setup failed'] : [],
        workload:
          ops.length === 0
            ? workload({ valid: 'unknown', keyCount: 0, error: NO_CLIENT_OPERATION })
            : workloadValid === 'unknown'
              ? workload({ valid: 'unknown', undecided: [0] })
              : workload({ valid: workloadValid, failures: workloadValid ? [] : [0] }),
      });
      const results = buildResults(f);
      const why = results['why'] as Reason[];
      expect(why.length > 0, `seed ${seed}, round ${round}: ${JSON.stringify(results.valid)} ${JSON.stringify(why)}`).toBe(results.valid !== true);
      if (results.valid !== true)
        expect(
          why.some((reason) => reason.valid === results.valid),
          `seed ${seed}, round ${round}`,
        ).toBe(true);
    }
  });
});

describe('the summary says where it cuts', () => {
  const long = (key: number, lines: number): string =>
    [`key ${key}: NOT linearizable`, ...Array.from({ length: lines - 1 }, (_, i) => `  line ${i + 2} of key ${key}`)].join('\n');

  it('names the cut and the file with every explanation in full', () => {
    const explanations = [long(0, 20), long(1, 3), long(2, 14), long(3, 5), long(4, 5)];
    const f = facts({ workload: workload({ valid: false, keyCount: 5, failures: [0, 1, 2, 3, 4], explanations, fullExplanations: explanations }) });
    const { summary } = summaryOf(f);
    const path = join('/runs/out', EXPLANATIONS_FILE);
    expect(summary).toContain('  line 14 of key 0');
    expect(summary).not.toContain('line 15 of key 0');
    expect(summary).toContain(`  (cut after 14 of 20 lines; full text in ${path})`);
    // Explanations that fit are shown whole, with no cut notice.
    expect(summary).toContain('  line 14 of key 2');
    expect(summary.match(/\(cut after/g)).toHaveLength(1);
    expect(summary).toContain(`  ... 2 more keys explained in ${path}`);
    expect(summary).toContain(
      `(history.jsonl, results.json, history.edn, results.edn, summary.txt, latency.svg, rate.svg, latency-quantiles.svg, messages.svg, timeline.html, ${EXPLANATIONS_FILE}, node-logs/)`,
    );
    expect(explanationsText(f.workload)).toBe(`${explanations.join('\n\n')}\n`);
  });

  it('says how many bad lines, malformed responses and node problems it leaves out, and where they are', () => {
    const badLines = Array.from({ length: 7 }, (_, i) => ({ node: 'n0', reason: 'not valid JSON', line: `line ${i}`, atMs: i }));
    const output = {
      badLines,
      malformedResponses: 25,
      sessionRetries: 0,
      malformedExamples: Array.from({ length: 10 }, (_, i) => `n0: example ${i}`),
      answersToAnother: 0,
      answersToAnotherExamples: [],
      spoofedSrc: 0,
      nodeProblems: Array.from({ length: 6 }, (_, i) => `problem ${i}`),
    };
    const { summary } = summaryOf(
      facts({ output, crashes: [{ node: 'n0', code: 3, signal: null, atMs: 1000, logTail: Array.from({ length: 30 }, (_, i) => `log ${i}`).join('\n') }] }),
    );
    expect(summary).toContain('  ... 2 more bad lines in results.json (output, bad-lines)');
    expect(summary).toContain(
      '  ... 22 more malformed responses (the first 10 in results.json, output, malformed-response-examples; every one is an info op in history.jsonl)',
    );
    expect(summary).toContain('  ... 1 more node problems in results.json (output, node-problems)');
    expect(summary).toContain(`the last 8 lines of ${join('/runs/out', 'node-logs', 'n0.log')}:`);
    expect(summary).toContain('    log 29');
    expect(summary).not.toContain('    log 21');
  });

  it('says so when a nemesis was asked for and never acted', () => {
    const { summary, results } = summaryOf(facts({ options: { nemesis: ['partition'], nemesisIntervalS: 100 } }));
    expect(results.valid).toBe(true);
    expect(summary).toContain('faults: none injected: the first step was not due within the run (raise --time-limit or lower --nemesis-interval)');
  });

  it('says what a valid verdict rests on', () => {
    const { summary } = summaryOf(facts());
    expect(summary.split('\n').at(-1)).toBe('VERDICT: valid (no anomaly found in 3 operations on 1 key)');
    expect(summary).not.toContain('why:');
  });
});

describe('results of the txn workloads', () => {
  function txnOp(type: OpRecord['type'], invokeMs = 0, completeMs = 1, extra: Partial<OpRecord> = {}): OpRecord {
    return { process: 0, f: 'txn', type, invokeMs, completeMs, error: undefined, ...extra };
  }

  function txnWorkload(overrides: Partial<TxnVerdict> = {}): TxnVerdict {
    return {
      kind: 'txn',
      valid: true,
      models: [{ model: 'strict-serializable', valid: true, violatedBy: [] }],
      anomalyNames: [],
      results: { 'valid?': true },
      summaryLines: ['txns: 3 (ok 3, fail 0, info 0)'],
      explanations: [],
      fullExplanations: [],
      pictures: [],
      notes: [],
      elapsedMs: 1,
      ...overrides,
    };
  }

  const txnFacts = (overrides: Parameters<typeof facts>[0] = {}): RunFacts =>
    facts({
      ops: [txnOp('ok'), txnOp('ok'), txnOp('fail')],
      workload: txnWorkload(),
      keysUsed: 4,
      ...overrides,
      options: { workload: 'txn-list-append', concurrency: 2, ...overrides.options },
    });

  it('counts txns under f "txn", with error codes, the abort rate of the op phase, and throughput and latency without the final reads', () => {
    const conflict = { code: 30, text: 'conflict' };
    const ops = [
      txnOp('ok', 0, 10),
      txnOp('fail', 0, 2, { error: conflict }),
      txnOp('fail', 0, 2, { error: conflict }),
      txnOp('info', 0, 5000, { error: { code: 0, text: 'net-timeout' } }),
      txnOp('ok', 1100, 1101, { final: true }),
    ];
    const finalReads = { keys: 2, batches: 1, attempts: 1, keysRead: 2, keysUnread: [] };
    const f = txnFacts({ ops, finalReads });
    const { results, summary } = summaryOf(f);
    expect(computeStats(ops, 'txn-list-append')).toMatchObject({ valid: true, count: 5, okCount: 2, byF: { txn: { count: 5 } } });
    const stats = results['stats'] as { 'by-f': Record<string, unknown>; 'error-codes': Record<string, number> };
    expect(Object.keys(stats['by-f'])).toEqual(['txn']);
    expect(stats['error-codes']).toEqual({ '30': 2, timeout: 1 });
    const perf = results['perf'] as {
      'ok-ops-per-s': number;
      'ops-per-s': number;
      'abort-rate': number;
      'latency-ms': Record<string, { count: number; max: number }>;
    };
    expect(perf['ok-ops-per-s']).toBe(1);
    expect(perf['ops-per-s']).toBe(4);
    expect(perf['abort-rate']).toBe(0.5);
    expect(Object.keys(perf['latency-ms'])).toEqual(['ok', 'txn']);
    expect(perf['latency-ms']['txn']).toMatchObject({ count: 1, max: 10 });
    expect((results['workload'] as { 'final-reads': unknown })['final-reads']).toEqual({
      keys: 2,
      txns: 1,
      'keys-read': 2,
      'keys-unread': [],
      'keys-unread-count': 0,
    });
    expect((results['test'] as Record<string, unknown>)['consistency-models']).toEqual(['strict-serializable']);
    expect(summary).toContain('ops: 5 (ok 2, fail 2, info 1); txn 5 (ok 2, fail 2, info 1); final reads: 2 of 2 keys read in 1 txn');
    expect(summary).toContain('throughput: 1 committed txns/s; abort rate (30 txn-conflict) 50.0%; latency of committed txns: p50 10 ms');
    expect(summary).toContain('  txns: 3 (ok 3, fail 0, info 0)');
    expect(summary.split('\n').at(-1)).toBe('VERDICT: valid (no anomaly found in 5 txns over 4 keys; strict-serializable)');
  });

  it('calls a txn run in which nothing committed unknown, naming the errors, never invalid', () => {
    const refused = { code: 10, text: 'not supported' };
    const ops = [txnOp('fail', 0, 1, { error: refused }), txnOp('fail', 0, 1, { error: refused }), txnOp('info', 0, 1, { error: { code: 13, text: 'x' } })];
    const { results, why, summary } = summaryOf(txnFacts({ ops, workload: txnWorkload({ valid: true }) }));
    expect(results.valid).toBe('unknown');
    expect(why).toEqual([
      {
        check: 'stats',
        valid: 'unknown',
        reason:
          "nothing committed: none of the 3 txns succeeded (2 failed, 1 indeterminate; error 10 (not-supported) ×2, error 13 (crash) ×1), so there is nothing to check; the errors are in history.jsonl, the nodes' stderr in node-logs/",
      },
    ]);
    expect(summary).toContain('UNKNOWN (stats): nothing committed');
    // lin-kv keeps Jepsen's rule: no ok at all is invalid.
    expect(computeStats([op('read', 'fail')]).valid).toBe(false);
  });

  it('names every model broken, with the anomalies and the pictures, and every model undecided', () => {
    const workload = txnWorkload({
      valid: false,
      models: [
        { model: 'strict-serializable', valid: false, violatedBy: ['G2-item', 'G-single-realtime'] },
        { model: 'serializable', valid: false, violatedBy: ['G2-item'] },
        { model: 'snapshot-isolation', valid: 'unknown', violatedBy: [] },
      ],
      anomalyNames: ['G2-item', 'G-single-realtime'],
      pictures: [
        { file: 'anomaly-G2-item.svg', svg: '<svg/>' },
        { file: 'anomaly-G-single-realtime.svg', svg: '<svg/>' },
      ],
      notes: ['the cycle search ran out of steps'],
      explanations: ['G2-item #1 of 1\n  T1 ...'],
      fullExplanations: ['G2-item #1 of 1\n  T1 ...'],
    });
    const { results, why, summary } = summaryOf(
      txnFacts({ workload, options: { consistencyModels: ['strict-serializable', 'serializable', 'snapshot-isolation'] } }),
    );
    expect(results.valid).toBe(false);
    expect(why.map((reason) => `${reason.check} ${String(reason.valid)}: ${reason.reason}`)).toEqual([
      'workload false: not strict-serializable: G2-item, G-single-realtime (explained above, drawn in anomaly-G2-item.svg, anomaly-G-single-realtime.svg)',
      'workload false: not serializable: G2-item (explained above, drawn in anomaly-G2-item.svg, anomaly-G-single-realtime.svg)',
      'workload unknown: the transactional check could not decide snapshot-isolation: the cycle search ran out of steps',
    ]);
    expect(summary).toContain(
      '(history.jsonl, results.json, history.edn, results.edn, summary.txt, latency.svg, rate.svg, latency-quantiles.svg, messages.svg, timeline.html, ' +
        'anomaly-G2-item.svg, anomaly-G-single-realtime.svg, explanations.txt, node-logs/)',
    );
    expect(summary).toContain('  G2-item #1 of 1');
    expect((results['workload'] as { pictures: string[] }).pictures).toEqual(['anomaly-G2-item.svg', 'anomaly-G-single-realtime.svg']);
  });

  it('says when the transactional check gave no verdict', () => {
    const { why } = summaryOf(txnFacts({ workload: txnWorkload({ valid: 'unknown', models: [], error: 'the checker failed: Error: boom\n at x' }) }));
    expect(why).toEqual([{ check: 'workload', valid: 'unknown', reason: 'the transactional check gave no verdict: the checker failed: Error: boom' }]);
  });

  it('draws txns as diamonds with txn in the legend', () => {
    const svg = renderLatencyPlot([txnOp('ok', 10, 11), txnOp('info', 20, 30)], [], { title: 't', durationMs: 100, functions: ['txn'] });
    expect(svg).toContain('>txn</text>');
    expect(svg).not.toContain('>cas</text>');
    expect(svg.match(/<path d="M[\d.]+ [\d.]+L[\d.]+ [\d.]+L[\d.]+ [\d.]+L[\d.]+ [\d.]+Z"/g)?.length).toBe(3);
  });
});

describe('the recovery verdict', () => {
  const recovery = (failures: RecoverySummary['failures'], interrupted = false): RecoverySummary => ({
    timeoutMs: 10_000,
    healedAtMs: 30_000,
    served: { n0: { read: 12, write: failures.length > 0 ? null : 15, cas: 20 } },
    failures,
    skipped: [],
    attempts: 3,
    interrupted,
  });
  const noWrite = [{ node: 'n0', f: 'write', attempts: 40, lastAnswer: 'timeout' }];

  it('ranks broken safety over non-recovery, and non-recovery over unknown, each with its exit status', () => {
    expect(verdictOf(true, true)).toBe('valid');
    expect(verdictOf(false, false)).toBe('invalid');
    expect(verdictOf(true, false)).toBe('not-recovered');
    expect(verdictOf('unknown', false)).toBe('not-recovered');
    expect(verdictOf('unknown', true)).toBe('unknown');
    expect(verdictOf(true, 'unknown')).toBe('unknown');
    expect((['valid', 'invalid', 'unknown', 'not-recovered'] as const).map(exitCodeForVerdict)).toEqual([0, 1, 2, 3]);
  });

  it('calls a safe run whose node served no write after healing "valid but did not recover", never valid', () => {
    const { summary, results, why } = summaryOf(facts({ recovery: recovery(noWrite) }));
    expect(results.verdict).toBe('not-recovered');
    expect(results.valid).toBe(false);
    expect(why).toEqual([
      {
        check: 'recovery',
        valid: false,
        reason: 'node n0 served no write within 10 s after healing (last: write timeout after 40 attempts)',
      },
    ]);
    expect(summary).toContain('recovery: NOT RECOVERED: node n0 served no write within 10 s after healing');
    expect(summary.split('\n').at(-1)).toBe('VERDICT: valid but did not recover (why: above)');
    expect(results['recovery']).toMatchObject({ valid: false, checked: true, 'timeout-s': 10, 'served-after-s': { n0: { read: 0.012, write: null } } });
  });

  it('keeps invalid for a run that broke safety too, and unknown for an interrupted recovery check', () => {
    const ops = [op('read', 'ok'), op('write', 'ok'), op('cas', 'fail')];
    expect(summaryOf(facts({ ops, recovery: recovery(noWrite) })).results.verdict).toBe('invalid');
    const interrupted = summaryOf(facts({ recovery: recovery([], true) }));
    expect(interrupted.results.verdict).toBe('unknown');
    expect(interrupted.why).toEqual([{ check: 'recovery', valid: 'unknown', reason: 'the recovery check was interrupted' }]);
  });

  it('says how fast the nodes served again when they did, and that nothing was checked when it did not run', () => {
    const { summary, results } = summaryOf(facts({ recovery: recovery([]) }));
    expect(results.verdict).toBe('valid');
    expect(summary).toContain('recovery: every node served read, write, cas within 20 ms of healing (slowest: n0 cas; bound 10 s)');
    expect(summaryOf(facts({})).results['recovery']).toEqual({ valid: true, checked: false, 'timeout-s': 10 });
  });
});
