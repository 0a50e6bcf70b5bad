// `raftkv-test bench -w txn-...`: options (no read share, no ceiling, the txn settings passed to
// every run without final reads), cells, the figures read from a txn run's results.json
// (committed txns/s, abort rate, txn latency, server messages per txn) and the txn table.
import { describe, expect, it } from 'vitest';
import { markdownDocument } from '../../src/bench/markdown.js';
import { expandCeiling, expandCells, planRuns } from '../../src/bench/matrix.js';
import { countRuns } from '../../src/bench/options.js';
import { renderReportHtml } from '../../src/bench/report_html.js';
import { buildReports, extractRunMetrics, summarize, type BenchReport } from '../../src/bench/summary.js';
import { cellTableRows } from '../../src/bench/table_rows.js';
import type { ResultsDocument } from '../../src/harness/results.js';
import { benchOptions as parse, benchRefusal as refusal, metrics, record } from './fixtures.js';

const TXN_ARGS = ['-w', 'txn-list-append', '--nodes', '3', '--latency', '0', '--clients', '1n,3', '--reps', '2'];

describe('bench options for the txn workloads', () => {
  it('takes the workload and its settings, has no read share and no ceiling, and any client count', () => {
    const options = parse([...TXN_ARGS, '--key-count', '5', '--max-txn-length', '2', '--consistency-models', 'serializable']);
    expect(options).toMatchObject({
      workloads: ['txn-list-append'],
      txn: { keyCount: 5, maxTxnLength: 2, maxWritesPerKey: 16, keyDist: 'exponential', consistencyModels: ['serializable'] },
      readFractions: [],
      ceiling: false,
      clients: [
        { kind: 'per-node', multiplier: 1 },
        { kind: 'absolute', count: 3 },
      ],
    });
    expect(countRuns(options)).toBe(2 * 2);
    expect(parse([]).workloads).toEqual(['lin-kv']);
    expect(parse([]).txn).toBeNull();
  });

  it('refuses what does not fit the workload', () => {
    expect(refusal([...TXN_ARGS, '--reads', '0.9'])).toMatch(/--reads is for lin-kv only/);
    expect(refusal(['--key-count', '3'])).toMatch(/--key-count applies to the txn workloads .* only, not to lin-kv/);
    expect(refusal(['-w', 'kafka'])).toMatch(/--workload: expected lin-kv, txn-list-append or txn-rw-register/);
    expect(refusal([...TXN_ARGS, '--consistency-models', 'linearizable'])).toMatch(/unknown model "linearizable"/);
    expect(refusal([...TXN_ARGS, '--key-dist', 'zipf'])).toMatch(/--key-dist must be one of exponential, uniform/);
  });
});

describe('the txn matrix', () => {
  it('has cells without a read share or ceiling, and runs the txn workload without final reads', () => {
    const options = parse([...TXN_ARGS, '--key-count', '5']);
    const cells = expandCells(options);
    expect(cells.map((cell) => [cell.id, cell.readFraction, cell.concurrency])).toEqual([
      ['n3-l0-default-c1n', null, 3],
      ['n3-l0-default-c3', null, 3],
    ]);
    expect(expandCeiling(options)).toEqual([]);
    const runs = planRuns(options, { bin: '/b', ceilingBin: '/c', runsDir: '/out' });
    if (!runs.ok) throw new Error(runs.error);
    expect(runs.value).toHaveLength(4);
    expect(runs.value[0]?.options).toMatchObject({
      workload: 'txn-list-append',
      keyCount: 5,
      finalReads: false,
      readFraction: undefined,
      consistencyModels: ['strict-serializable'],
      concurrency: 3,
    });
  });
});

describe('txn figures', () => {
  const results: ResultsDocument = {
    valid: true,
    test: { workload: 'txn-list-append' },
    stats: { valid: true, count: 100, 'ok-count': 80, 'fail-count': 15, 'info-count': 5 },
    perf: {
      valid: true,
      'op-phase-s': 2,
      'abort-rate': 0.12,
      'latency-ms': { ok: { p50: 3, p99: 9 }, txn: { p50: 3, p99: 9 } },
    },
    net: { servers: { 'msgs-per-op': 4.5 } },
  };

  it('reads committed txns/s, the abort rate and the latency of committed txns from a txn run', () => {
    expect(extractRunMetrics(results)).toMatchObject({ okOpsPerS: 40, answeredOpsPerS: 47.5, abortRate: 0.12, txnP50Ms: 3, txnP99Ms: 9, serverMsgsPerOp: 4.5 });
    // A lin-kv run carries none of them.
    expect(extractRunMetrics({ valid: true, perf: { 'latency-ms': { read: { p50: 1 } } } })).not.toHaveProperty('abortRate');
    expect(summarize([record(0, metrics(10))])).not.toHaveProperty('txn');
  });

  it('lays out a txn table: committed txns/s, abort rate, txn p50 and p99, server msgs/txn; the report says how', () => {
    const options = parse(TXN_ARGS);
    const cells = expandCells(options);
    const runMetrics = extractRunMetrics(results);
    const grouped = buildReports(cells, [], () => [record(0, runMetrics), record(1, { ...runMetrics, okOpsPerS: 60, abortRate: 0.1 })]);
    const table = cellTableRows(grouped.cells, 'txn-list-append');
    expect(table.columns.map((column) => column.header)).toEqual([
      'nodes',
      'latency ms',
      'read mode',
      'load',
      'clients',
      'committed txns/s',
      'abort rate',
      'txn p50 ms',
      'txn p99 ms',
      'server msgs/txn',
      'verdict',
    ]);
    expect(table.rows[0]).toEqual(['3', '0', 'node default', 'closed 1n', '3', '50 (40–60)', '11%', '3.00', '9.00', '4.500', 'valid']);
    const report: BenchReport = {
      title: 'T',
      command: ['bin/raftkv-test', 'bench', ...TXN_ARGS],
      startedAt: '2025-01-01T00:00:00.000Z',
      finishedAt: '2025-01-01T00:01:00.000Z',
      options,
      cells: grouped.cells,
      ceiling: [],
      interrupted: false,
      exitCode: 0,
    };
    const markdown = markdownDocument(report);
    expect(markdown).toContain('| nodes | latency ms | read mode | load | clients | committed txns/s | abort rate |');
    expect(markdown).toContain('abort rate = the share of txns refused with 30 txn-conflict');
    expect(markdown).toContain('No ceiling: `dist/local-kv.mjs` serves lin-kv only.');
    const html = renderReportHtml(report);
    expect(html).toContain('committed txns/s per cell (median)');
    expect(html).toContain('latency of committed txns');
    expect(html).toContain('server-to-server messages per txn');
    expect(html).not.toContain('answered ops/s');
  });
});
