// The contention study's pure part: the invocations it plans (modes interleaved within each rep,
// the switched occ variants on the hot cells only, each mode checked against the model it
// promises), the node's `txn stats` log line, the medians, and the document: refused modes marked
// not measured (never a figure), the hand-written analysis kept across reruns, plots per distribution.
import { describe, expect, it } from 'vitest';
import {
  aggregate,
  contentionCharts,
  contentionMarkdown,
  findings,
  keptAnalysis,
  parseTxnStats,
  planInvocations,
  retriesPerTxn,
  sumTxnStats,
  type ContentionConfig,
  type ContentionReport,
  type ContentionRun,
  type ContentionVariant,
} from '../../src/bench/contention.js';
import { formatTxnStats } from '../../src/server/optimistic_txns.js';
import { metrics } from './fixtures.js';

const batch: ContentionVariant = { name: 'batch', mode: 'batch', env: {}, keyCounts: null };
const occ: ContentionVariant = { name: 'occ', mode: 'occ', env: {}, keyCounts: null };
const si: ContentionVariant = { name: 'si', mode: 'si', env: {}, keyCounts: null };
const occNoBackoff: ContentionVariant = { name: 'occ, no backoff', mode: 'occ', env: { RAFTKV_TXN_BACKOFF: '0' }, keyCounts: [3] };

function config(variants: readonly ContentionVariant[], overrides: Partial<ContentionConfig> = {}): ContentionConfig {
  return {
    variants,
    keyCounts: [3, 100],
    keyDists: ['exponential', 'uniform'],
    clients: ['2n', '10n'],
    nodes: 3,
    latencyMs: 0,
    reps: 2,
    timeLimitS: 5,
    seed: 40,
    nodeArgs: ['--tick-ms', '5'],
    ...overrides,
  };
}

describe('the plan', () => {
  it('runs every rep of every cell, rep-major with the modes interleaved, the switched variant on hot exponential cells only', () => {
    const plan = planInvocations(config([batch, occ, si, occNoBackoff]));
    // 2 reps × (2 dists × 2 key counts × 3 modes + 1 switched cell).
    expect(plan).toHaveLength(2 * (2 * 2 * 3 + 1));
    expect(plan.slice(0, 4).map((i) => [i.rep, i.keyDist, i.keyCount, i.variant.name])).toEqual([
      [0, 'exponential', 3, 'batch'],
      [0, 'exponential', 3, 'occ'],
      [0, 'exponential', 3, 'si'],
      [0, 'exponential', 3, 'occ, no backoff'],
    ]);
    expect(plan.filter((i) => i.variant === occNoBackoff).map((i) => [i.rep, i.keyCount, i.keyDist])).toEqual([
      [0, 3, 'exponential'],
      [1, 3, 'exponential'],
    ]);
    expect(new Set(plan.map((i) => i.dir)).size).toBe(plan.length);
    expect(plan.filter((i) => i.rep === 1).every((i) => i.seed === 41)).toBe(true);
  });

  it('checks each mode against the model it promises and passes the mode and node arguments after --', () => {
    const [first, second] = planInvocations(config([occ, si], { reps: 1, keyCounts: [10], keyDists: ['uniform'] }));
    const args = first?.args ?? [];
    expect(args.slice(0, 3)).toEqual(['bench', '-w', 'txn-list-append']);
    expect(args[args.indexOf('--consistency-models') + 1]).toBe('strict-serializable');
    expect(args[args.indexOf('--key-count') + 1]).toBe('10');
    expect(args[args.indexOf('--key-dist') + 1]).toBe('uniform');
    expect(args[args.indexOf('--clients') + 1]).toBe('2n,10n');
    expect(args).toContain('--keep-runs');
    expect(args.slice(args.indexOf('--'))).toEqual(['--', '--txn-mode', 'occ', '--tick-ms', '5']);
    const siArgs = second?.args ?? [];
    expect(siArgs[siArgs.indexOf('--consistency-models') + 1]).toBe('snapshot-isolation');
  });
});

describe("the node's txn counters", () => {
  it('reads the last counters line, falls back past a torn one, and keeps numbers only', () => {
    const log = [
      '2026-12-06T20:00:00.000Z - INFO txn stats {"committed":10,"aborted":0,"retries":1}',
      '2026-12-06T20:00:01.000Z - INFO became leader of term 2',
      '2026-12-06T20:00:02.000Z - INFO txn stats {"committed":30,"aborted":10,"retries":12,"mode":"occ"}',
      '2026-12-06T20:00:03.000Z - INFO txn stats {"committed":5',
    ].join('\n');
    expect(parseTxnStats(log)).toEqual({ committed: 30, aborted: 10, retries: 12 });
    expect(retriesPerTxn(parseTxnStats(log))).toBe(0.3);
    expect(parseTxnStats('2026 - INFO shutting down\n')).toBeNull();
  });

  it("reads the line the node writes (src/server's formatTxnStats), words and all, as its counters", () => {
    const counters = { committed: 90, aborted: 10, retries: 25, earlyAborts: 7, earlyAbortsCoordinating: 2, earlyAbortsAsLeader: 5 };
    for (const mode of ['occ', 'si'] as const) {
      const log = [
        `2026-12-06T20:00:05.000Z - INFO ${formatTxnStats(mode, { ...counters, committed: 1 })}`,
        `2026-12-06T20:00:06.000Z - INFO ${formatTxnStats(mode, counters)}`,
        '2026-12-06T20:00:07.000Z - INFO became leader of term 3',
      ].join('\n');
      expect(parseTxnStats(log), mode).toEqual(counters);
      expect(retriesPerTxn(parseTxnStats(log)), mode).toBe(0.25);
    }
  });

  it('sums over nodes and gives retries per txn only when the retries and the txns are both counted', () => {
    const sum = sumTxnStats([{ committed: 30, aborted: 10, retries: 12 }, null, { committed: 60, aborted: 0, retries: 8 }]);
    expect(sum).toEqual({ committed: 90, aborted: 10, retries: 20 });
    expect(retriesPerTxn(sum)).toBe(0.2);
    expect(sumTxnStats([null, null])).toBeNull();
    expect(retriesPerTxn({ committed: 30, retries: 8 })).toBeNull();
    expect(retriesPerTxn(null)).toBeNull();
    expect(retriesPerTxn({ committed: 10, aborted: 0 })).toBeNull();
    expect(retriesPerTxn({ committed: 0, aborted: 0, retries: 0 })).toBeNull();
  });
});

function run(
  variant: string,
  keyCount: number,
  keyDist: string,
  clients: string,
  committed: number,
  abortRate: number,
  rep = 0,
  extra: Partial<ContentionRun> = {},
): ContentionRun {
  return {
    variant,
    keyCount,
    keyDist,
    clients,
    threads: clients === '2n' ? 6 : 30,
    rep,
    seed: 40 + rep,
    metrics: metrics(committed, { okOpsPerS: committed, abortRate, txnP50Ms: 4, txnP99Ms: 20, serverMsgsPerOp: 3 }),
    nodeStats: null,
    keptDir: null,
    ...extra,
  };
}

function report(variants: readonly ContentionVariant[], runs: readonly ContentionRun[], extra: Partial<ContentionReport> = {}): ContentionReport {
  return {
    config: config(variants, { reps: 3 }),
    rows: aggregate(runs),
    unavailable: [],
    command: ['node', 'scripts/bench_contention.mjs', '--quick'],
    startedAt: '2026-12-06T21:00:00.000Z',
    finishedAt: '2026-12-06T21:20:00.000Z',
    cores: 2,
    load: { median: 1.5, min: 1, max: 2 },
    wallS: 1200,
    analysis: null,
    build: 'commit abc1234, node bundle built 2026-12-06 20:00 UTC',
    ...extra,
  };
}

describe('the figures', () => {
  it('takes medians over reps per cell, with retries per txn from the node counters', () => {
    const rows = aggregate([
      run('occ', 3, 'exponential', '2n', 100, 0.3, 0, { nodeStats: { committed: 7, aborted: 3, retries: 5 } }),
      run('occ', 3, 'exponential', '2n', 300, 0.1, 1, { nodeStats: { committed: 9, aborted: 1, retries: 1 } }),
      run('occ', 3, 'exponential', '2n', 200, 0.2, 2, { nodeStats: null }),
      run('occ', 3, 'exponential', '10n', 50, 0.5),
    ]);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      variant: 'occ',
      clients: '2n',
      committedPerS: { median: 200, min: 100, max: 300 },
      abortRate: { median: 0.2 },
      retriesPerTxn: { median: 0.3, min: 0.1, max: 0.5 },
      runs: 3,
      valid: 3,
    });
    expect(rows[1]?.retriesPerTxn.median).toBeNull();
  });
});

describe('the document', () => {
  const batchRuns = [3, 100].flatMap((keys) => ['exponential', 'uniform'].flatMap((dist) => ['2n', '10n'].map((c) => run('batch', keys, dist, c, 1000, 0))));

  it('marks refused modes as not measured, with the reason, and shows no figure for them', () => {
    const unavailable = [{ name: 'occ', reason: '`--txn-mode occ`: the node refused it (exit 2): not available yet' }];
    const text = contentionMarkdown(report([batch], batchRuns, { unavailable }), []);
    // A mode the plan held but no run of which finished is not measured either.
    expect(findings(report([batch, occ], batchRuns))).toContain('**occ**: not measured: no run of it finished.');
    expect(contentionMarkdown(report([batch, occ], batchRuns), [])).not.toContain('each mode against batch');
    expect(text).toContain('- **occ**: `--txn-mode occ`: the node refused it (exit 2): not available yet');
    expect(text).toContain('**occ**: not measured: `--txn-mode occ`');
    expect(text).toContain('the highest abort rate of any batch run is 0.0%');
    expect(text).not.toMatch(/\| occ \|/);
    expect(text).not.toContain('each mode against batch');
    expect(text).toContain('Retries per txn: not reported by the node');
    expect(text).toContain('(not written yet)');
  });

  it('compares each mode with batch cell by cell and names where occ aborts most', () => {
    const runs = [...batchRuns, run('occ', 3, 'exponential', '10n', 250, 0.4), run('occ', 100, 'uniform', '2n', 900, 0.005)];
    const r = report([batch, occ], runs);
    const text = contentionMarkdown(r, []);
    expect(text).toContain('## Hot keys at a glance: each mode against batch');
    expect(text).toContain('| 3 exponential | 10n (30) | 1,000 | 25% | 40.0% |');
    expect(text).toContain('| 100 uniform | 2n (6) | 1,000 | 90% | 0.5% |');
    expect(findings(r).find((line) => line.startsWith('**occ**'))).toBe(
      '**occ**: abort rate highest at 3 keys exponential, 10n (30 threads): 40.0%; lowest at 100 keys uniform, 2n (6 threads): 0.5%; ' +
        "committed txns/s from 25% of batch's (3 keys exponential, 10n (30 threads)) to 90% (100 keys uniform, 2n (6 threads)).",
    );
    const calm = report([batch, occ], [...batchRuns, run('occ', 3, 'exponential', '2n', 500, 0, 0, { nodeStats: { committed: 90, aborted: 0, retries: 45 } })]);
    expect(findings(calm).find((line) => line.startsWith('**occ**'))).toBe(
      "**occ**: no txn of any run ended in error 30 (1 cell); committed txns/s from 50% of batch's (3 keys exponential, 2n (6 threads)) to 50% (3 keys exponential, 2n (6 threads)); " +
        'most node retries at 3 keys exponential, 2n (6 threads): 0.50 per txn.',
    );
  });

  it('sets each switched variant next to its mode on the hot cells it ran', () => {
    const runs = [
      ...batchRuns,
      run('occ', 3, 'exponential', '2n', 500, 0.1),
      run('occ', 100, 'uniform', '2n', 900, 0),
      run('occ, no backoff', 3, 'exponential', '2n', 300, 0.3),
    ];
    const text = contentionMarkdown(report([batch, occ, occNoBackoff], runs), []);
    const section = text.slice(text.indexOf('## What early abort, backoff and retries buy'), text.indexOf('## Findings'));
    expect(section).toContain('| 3 | 2n (6) | occ | 500 | 10.0% |');
    expect(section).toContain('| 3 | 2n (6) | occ, no backoff | 300 | 30.0% |');
    expect(section).not.toContain('| batch |');
    expect(section).not.toContain('| 100 |');
    expect(contentionMarkdown(report([batch, occ], runs.slice(0, -1)), [])).not.toContain('## What early abort');
  });

  it('calls out invalid runs with where their files are', () => {
    const bad = run('occ', 3, 'exponential', '2n', 10, 0.9, 0, { keptDir: 'store/x/run1' });
    const text = contentionMarkdown(
      report([batch, occ], [...batchRuns, { ...bad, metrics: { ...(bad.metrics as NonNullable<ContentionRun['metrics']>), valid: false } }]),
      [],
    );
    expect(text).toContain('**1 INVALID**');
    expect(text).toContain('occ 3 keys exponential 2n (kept: store/x/run1)');
  });

  it('keeps the hand-written analysis across a rewrite', () => {
    const first = contentionMarkdown(report([batch], batchRuns), []);
    expect(keptAnalysis(first)).toBeNull();
    const edited = first.replace('(not written yet)', 'OCC collapses at 3 hot keys.');
    const analysis = keptAnalysis(edited);
    expect(analysis).toBe('OCC collapses at 3 hot keys.');
    expect(contentionMarkdown(report([batch], batchRuns, { analysis }), [])).toContain('OCC collapses at 3 hot keys.');
    expect(keptAnalysis(null)).toBeNull();
  });

  it('draws txns/s and abort rate per distribution, a bar per measured cell and mode', () => {
    const runs = [...batchRuns, run('occ', 3, 'exponential', '10n', 250, 0.4)];
    const charts = contentionCharts(report([batch, occ], runs), 'contention');
    expect(charts.map((chart) => chart.file)).toEqual([
      'contention-exponential-txns.svg',
      'contention-exponential-aborts.svg',
      'contention-uniform-txns.svg',
      'contention-uniform-aborts.svg',
    ]);
    const bars = (svg: string): number => svg.split('class="bar"').length - 1;
    expect(bars(charts[0]?.svg ?? '')).toBe(4 + 1);
    expect(bars(charts[2]?.svg ?? '')).toBe(4);
    expect(charts[1]?.svg).toContain('3 keys, 10n (30), occ: 40.0%');
    const text = contentionMarkdown(report([batch, occ], runs), charts);
    expect(text).toContain('![committed txns/s, exponential keys](contention-exponential-txns.svg)');
    const retried = [...runs, run('occ', 3, 'exponential', '2n', 200, 0, 0, { nodeStats: { committed: 10, aborted: 0, retries: 12 } })];
    const withRetries = contentionCharts(report([batch, occ], retried), 'contention');
    expect(withRetries.map((chart) => chart.file)).toContain('contention-exponential-retries.svg');
    expect(withRetries.map((chart) => chart.file)).not.toContain('contention-uniform-retries.svg');
    expect(withRetries.find((chart) => chart.file.endsWith('exponential-retries.svg'))?.svg).toContain('3 keys, 2n (6), occ: 1.20 retries/txn');
  });
});
