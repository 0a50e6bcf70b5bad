// Several workloads in one bench run (`-w lin-kv,txn-list-append`): the list and the flags meant
// for one kind of workload, the cells and their rep-major order with compared cells side by
// side, the ceiling for lin-kv cells only, the comparison of committed txns/s with lin-kv's ops/s
// (medians and paired per-rep ratios) and the reports: one table per workload, then the comparison.
import { describe, expect, it } from 'vitest';
import { compareWorkloads } from '../../src/bench/comparison.js';
import { markdownDocument } from '../../src/bench/markdown.js';
import { expandCeiling, expandCells, planRuns } from '../../src/bench/matrix.js';
import { countRuns } from '../../src/bench/options.js';
import { renderReportHtml, throughputBars } from '../../src/bench/report_html.js';
import type { BenchReport } from '../../src/bench/summary.js';
import { comparisonTableRows } from '../../src/bench/table_rows.js';
import { benchOptions as parse, benchRefusal as refusal, metrics, record, reportWithRuns } from './fixtures.js';

/** The comparison, small: 3 nodes, latency 0, 2n and 10n, half reads. */
const MIXED = ['-w', 'lin-kv,txn-list-append', '--nodes', '3', '--latency', '0', '--clients', '2n,10n', '--reads', '0.5'];
const PATHS = { bin: '/repo/bin/raftkv', ceilingBin: '/repo/dist/local-kv.mjs', runsDir: '/out/runs' };

describe('bench options with several workloads', () => {
  it('takes a comma-separated list in the order given, without repeats, under -w and --workload', () => {
    expect(parse(MIXED).workloads).toEqual(['lin-kv', 'txn-list-append']);
    expect(parse(['--workload=txn-rw-register, lin-kv,txn-rw-register']).workloads).toEqual(['txn-rw-register', 'lin-kv']);
    expect(parse(['-w', 'txn-list-append']).workloads).toEqual(['txn-list-append']);
  });

  it('accepts a flag for one kind of workload when one in the list takes it, and keeps both kinds of settings', () => {
    const options = parse([...MIXED, '--key-count', '5', '--consistency-models', 'serializable']);
    expect(options).toMatchObject({
      readFractions: [0.5],
      txn: { keyCount: 5, consistencyModels: ['serializable'] },
      // The ceiling is lin-kv's, and lin-kv is in the list.
      ceiling: true,
    });
    expect(parse([...MIXED, '--no-ceiling']).ceiling).toBe(false);
    // Without --reads, lin-kv's default read shares.
    expect(parse(['-w', 'txn-list-append,lin-kv']).readFractions).toEqual([0.5, 0.9]);
  });

  it('refuses with a message that names the flag, the workloads or the item', () => {
    expect(refusal(['-w', 'txn-list-append,txn-rw-register', '--reads', '0.5'])).toBe(
      "--reads is for lin-kv only: txn-list-append and txn-rw-register's micro-ops read or write with equal odds, as Elle's generator's",
    );
    expect(refusal(['-w', 'lin-kv', '--max-txn-length', '2'])).toBe(
      '--max-txn-length applies to the txn workloads (txn-list-append, txn-rw-register) only, not to lin-kv',
    );
    expect(refusal(['-w', 'lin-kv,kafka'])).toBe('--workload: expected lin-kv, txn-list-append or txn-rw-register; got "kafka"');
    expect(refusal(['-w', 'lin-kv,,txn-list-append'])).toBe('--workload has an empty item in "lin-kv,,txn-list-append"');
    expect(refusal(['-w', ''])).toBe('--workload needs at least one value');
    expect(refusal([...MIXED, '--key-dist', 'zipf'])).toMatch(/--key-dist must be one of exponential, uniform/);
    // Every workload runs every load, so lin-kv's groups of 2 × node-count bind the txn cells too...
    expect(refusal(['-w', 'lin-kv,txn-list-append', '--clients', '1n'])).toContain('Nn needs an even N');
    // ...but not when lin-kv is not in the list.
    expect(parse(['-w', 'txn-list-append,txn-rw-register', '--clients', '1n']).clients).toEqual([{ kind: 'per-node', multiplier: 1 }]);
  });

  it('counts the cells of every workload and the ceiling points of the lin-kv cells', () => {
    // (2 lin-kv cells + 2 txn cells + 2 ceiling points (6 and 30 threads)) × 5 reps.
    expect(countRuns(parse([...MIXED, '--reps', '5']))).toBe((2 + 2 + 2) * 5);
    // Two read shares double lin-kv's cells and ceiling points, not the txn cells.
    expect(countRuns(parse(['-w', 'lin-kv,txn-rw-register', '--nodes', '3', '--latency', '0', '--clients', '2n', '--reads', '0.5,0.9', '--reps', '1']))).toBe(
      2 + 1 + 2,
    );
  });
});

describe('the matrix with several workloads', () => {
  it('gives each cell its workload and an id that starts with it; one workload keeps its ids', () => {
    const cells = expandCells(parse(MIXED));
    expect(cells.map((cell) => [cell.id, cell.workload, cell.readFraction])).toEqual([
      ['lin-kv-n3-l0-r0.5-default-c2n', 'lin-kv', 0.5],
      ['lin-kv-n3-l0-r0.5-default-c10n', 'lin-kv', 0.5],
      ['txn-list-append-n3-l0-default-c2n', 'txn-list-append', null],
      ['txn-list-append-n3-l0-default-c10n', 'txn-list-append', null],
    ]);
    expect(expandCells(parse(['-w', 'lin-kv', '--nodes', '3', '--latency', '0', '--clients', '2n', '--reads', '0.5'])).map((cell) => cell.id)).toEqual([
      'n3-l0-r0.5-default-c2n',
    ]);
    expect(expandCells(parse(['-w', 'txn-list-append', '--nodes', '3', '--latency', '0', '--clients', '2n'])).map((cell) => cell.id)).toEqual([
      'n3-l0-default-c2n',
    ]);
    expect(expandCeiling(parse(MIXED)).map((point) => point.id)).toEqual(['ceiling-r0.5-t6', 'ceiling-r0.5-t30']);
  });

  it('runs rep-major, every cell of every workload once per rep, the cells compared one right after the other (in turn first), seed S+rep', () => {
    const planned = planRuns(parse([...MIXED, '--reps', '2', '--seed', '40', '--no-ceiling']), PATHS);
    if (!planned.ok) throw new Error(planned.error);
    expect(planned.value.map((run) => [run.id, run.rep, run.seed])).toEqual([
      ['lin-kv-n3-l0-r0.5-default-c2n', 0, 40],
      ['txn-list-append-n3-l0-default-c2n', 0, 40],
      ['lin-kv-n3-l0-r0.5-default-c10n', 0, 40],
      ['txn-list-append-n3-l0-default-c10n', 0, 40],
      ['txn-list-append-n3-l0-default-c2n', 1, 41],
      ['lin-kv-n3-l0-r0.5-default-c2n', 1, 41],
      ['txn-list-append-n3-l0-default-c10n', 1, 41],
      ['lin-kv-n3-l0-r0.5-default-c10n', 1, 41],
    ]);
  });

  it('keeps the expanded order within a rep for one workload, whatever its read shares', () => {
    const planned = planRuns(parse(['--nodes', '3', '--latency', '0', '--clients', '2n,10n', '--reads', '0.5,0.9', '--reps', '1', '--no-ceiling']), PATHS);
    if (!planned.ok) throw new Error(planned.error);
    expect(planned.value.map((run) => run.id)).toEqual([
      'n3-l0-r0.5-default-c2n',
      'n3-l0-r0.5-default-c10n',
      'n3-l0-r0.9-default-c2n',
      'n3-l0-r0.9-default-c10n',
    ]);
  });

  it('passes lin-kv cells their read share and txn cells the txn settings, and measures the ceiling first', () => {
    const planned = planRuns(parse([...MIXED, '--reps', '1', '--key-count', '5', '--', '--storage', 'memory']), PATHS);
    if (!planned.ok) throw new Error(planned.error);
    const byId = new Map(planned.value.map((run) => [run.id, run.options]));
    expect(planned.value.slice(0, 2).map((run) => run.target.kind)).toEqual(['ceiling', 'ceiling']);
    expect(byId.get('lin-kv-n3-l0-r0.5-default-c2n')).toMatchObject({
      workload: 'lin-kv',
      readFraction: 0.5,
      consistencyModels: [],
      binArgs: ['--storage', 'memory'],
      outDir: '/out/runs/lin-kv-n3-l0-r0.5-default-c2n-rep1',
    });
    expect(byId.get('lin-kv-n3-l0-r0.5-default-c2n')?.keyCount).not.toBe(5);
    expect(byId.get('txn-list-append-n3-l0-default-c10n')).toMatchObject({
      workload: 'txn-list-append',
      readFraction: undefined,
      keyCount: 5,
      finalReads: false,
      consistencyModels: ['strict-serializable'],
      concurrency: 30,
      binArgs: ['--storage', 'memory'],
    });
  });
});

/** A mixed report whose runs answer `perRep(id)[rep]` ops/s; a txn run commits that many txns/s. */
function mixedReport(argv: string[], perRep: (id: string) => readonly (number | undefined)[]): BenchReport {
  return reportWithRuns(argv, (id) =>
    perRep(id).map((value, rep) =>
      record(rep, value === undefined ? undefined : metrics(value, id.startsWith('txn') ? { okOpsPerS: value, abortRate: 0, txnP50Ms: 4, txnP99Ms: 12 } : {})),
    ),
  );
}

// lin-kv's 2n cell answers 1000, 2000, 1500 ops/s in reps 1-3; the txn cell commits 800, 1000,
// 1200 txns/s: medians 1500 and 1000 (0.67), per-rep ratios 0.8, 0.5, 0.8 (median 0.8).
const FIGURES: { [id: string]: readonly (number | undefined)[] } = {
  'ceiling-r0.5-t6': [4000, 4000, 4000],
  'ceiling-r0.5-t30': [5000, 5000, 5000],
  'lin-kv-n3-l0-r0.5-default-c2n': [1000, 2000, 1500],
  'txn-list-append-n3-l0-default-c2n': [800, 1000, 1200],
  'lin-kv-n3-l0-r0.5-default-c10n': [3000, 3000, 3000],
  // Rep 2 of the txn cell failed: only reps 1 and 3 pair up.
  'txn-list-append-n3-l0-default-c10n': [2400, undefined, 2700],
};
const figuresOf = (id: string): readonly (number | undefined)[] => FIGURES[id] ?? [];

describe('txns against lin-kv', () => {
  it('pairs each txn cell with the lin-kv cell of its cluster, read mode and load: ratio of medians and per-rep ratios', () => {
    const report = mixedReport([...MIXED, '--reps', '3'], figuresOf);
    const rows = compareWorkloads(report.cells);
    expect(rows.map((row) => [row.linKvCell.id, row.txnCell.id, row.txnWorkload])).toEqual([
      ['lin-kv-n3-l0-r0.5-default-c2n', 'txn-list-append-n3-l0-default-c2n', 'txn-list-append'],
      ['lin-kv-n3-l0-r0.5-default-c10n', 'txn-list-append-n3-l0-default-c10n', 'txn-list-append'],
    ]);
    const [small, large] = rows;
    expect(small?.linKvOpsPerS).toEqual({ median: 1500, min: 1000, max: 2000 });
    expect(small?.committedTxnsPerS).toEqual({ median: 1000, min: 800, max: 1200 });
    expect(small?.ratioOfMedians).toBeCloseTo(1000 / 1500, 10);
    expect(small?.pairedRatio).toEqual({ median: 0.8, min: 0.5, max: 0.8 });
    expect(small?.pairs).toBe(3);
    expect(large?.pairs).toBe(2);
    expect(large?.pairedRatio.median).toBeCloseTo(0.85, 10);
    expect([large?.pairedRatio.min, large?.pairedRatio.max]).toEqual([0.8, 0.9]);
  });

  it('compares nothing unless both kinds ran; a lin-kv cell per read share and a row per txn workload', () => {
    expect(
      compareWorkloads(mixedReport(['-w', 'lin-kv', '--nodes', '3', '--latency', '0', '--clients', '2n', '--reads', '0.5', '--reps', '1'], () => [100]).cells),
    ).toEqual([]);
    expect(
      compareWorkloads(
        mixedReport(['-w', 'txn-list-append,txn-rw-register', '--nodes', '3', '--latency', '0', '--clients', '2n', '--reps', '1'], () => [100]).cells,
      ),
    ).toEqual([]);
    const rows = compareWorkloads(
      mixedReport(
        ['-w', 'lin-kv,txn-list-append,txn-rw-register', '--nodes', '3', '--latency', '0', '--clients', '2n', '--reads', '0.5,0.9', '--reps', '1'],
        (id) => (id.startsWith('lin-kv') ? [1000] : [500]),
      ).cells,
    );
    expect(rows.map((row) => [row.txnWorkload, row.linKvCell.readFraction, row.ratioOfMedians])).toEqual([
      ['txn-list-append', 0.5, 0.5],
      ['txn-list-append', 0.9, 0.5],
      ['txn-rw-register', 0.5, 0.5],
      ['txn-rw-register', 0.9, 0.5],
    ]);
  });

  it('lays out the comparison table: where, both medians with their spread, the ratio of medians, the per-rep ratios', () => {
    const table = comparisonTableRows(compareWorkloads(mixedReport([...MIXED, '--reps', '3'], figuresOf).cells));
    expect(table.columns.map((column) => column.header)).toEqual([
      'nodes',
      'latency ms',
      'read mode',
      'load',
      'clients',
      'lin-kv reads',
      'lin-kv answered ops/s',
      'txn workload',
      'committed txns/s',
      'txns/s ÷ ops/s',
      'per rep: median (min–max)',
      'reps paired',
    ]);
    expect(table.rows).toEqual([
      ['3', '0', 'node default', 'closed 2n', '6', '50%', '1500 (1000–2000)', 'txn-list-append', '1000 (800–1200)', '0.67', '0.80 (0.50–0.80)', '3'],
      ['3', '0', 'node default', 'closed 10n', '30', '50%', '3000', 'txn-list-append', '2550 (2400–2700)', '0.85', '0.85 (0.80–0.90)', '2'],
    ]);
  });
});

describe('the report of several workloads', () => {
  const report = mixedReport([...MIXED, '--reps', '3'], figuresOf);

  it('gives each workload its own table and columns, then the comparison; only lin-kv cells have a ceiling ratio', () => {
    const text = markdownDocument(report, 'plot.svg');
    const at = (needle: string): number => {
      const index = text.indexOf(needle);
      expect(index, needle).toBeGreaterThan(-1);
      return index;
    };
    const order = [
      at('## lin-kv\n\n| nodes | latency ms | reads | read mode | load | clients | answered ops/s | ok ops/s | × ceiling |'),
      at('## txn-list-append\n\n| nodes | latency ms | read mode | load | clients | committed txns/s | abort rate |'),
      at('## Txns against lin-kv'),
      at('| 3 | 0 | node default | closed 2n | 6 | 50% | 1500 (1000–2000) | txn-list-append | 1000 (800–1200) | 0.67 | 0.80 (0.50–0.80) | 3 |'),
      at('Each cell: median of 3 runs'),
      at('Ceiling (`dist/local-kv.mjs`, 1 node, closed loop)'),
      at('Reproduce (after `npm run build`): `bin/raftkv-test bench -w lin-kv,txn-list-append'),
      at('![throughput per cell](plot.svg)'),
    ];
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // 1500 over the 6-thread ceiling's 4000; the txn cells have no ceiling column at all.
    expect(report.cells.map((r) => r.ratioToCeiling)).toEqual([0.375, 0.6, null, null]);
    expect(text).toContain('| 3 | 0 | 50% | node default | closed 2n | 6 | 1500 (1000–2000) | 1125 | 0.38 |');
    expect(text).toContain('The txn cells have none');
  });

  it('keeps a one-workload document without workload headings or comparison', () => {
    const text = markdownDocument(
      mixedReport(['-w', 'lin-kv', '--nodes', '3', '--latency', '0', '--clients', '2n', '--reads', '0.5', '--reps', '1'], () => [100]),
    );
    expect(text).not.toContain('## ');
    expect(text).not.toContain('Txns against lin-kv');
  });

  it('draws the workloads side by side in one throughput plot, and each workload its own panels and tables in report.html', () => {
    const bars = throughputBars(report);
    expect(bars).toContain('T: throughput per cell (median)');
    expect(bars).toContain('3 nodes, 0 ms, closed 2n, lin-kv, 50% reads: 1500/s');
    expect(bars).toContain('3 nodes, 0 ms, closed 2n, txn-list-append: 1000/s');
    const html = renderReportHtml(report);
    for (const needle of [
      '<h2>Cells: lin-kv</h2>',
      '<h2>Cells: txn-list-append</h2>',
      '<h2>Txns against lin-kv</h2>',
      'lin-kv: 3 nodes, latency 0 ms: closed loop',
      'txn-list-append: 3 nodes, latency 0 ms: closed loop',
      'T, lin-kv: latency of ok reads and writes',
      'T, txn-list-append: latency of committed txns',
      'T, txn-list-append: server-to-server messages per txn',
    ]) {
      expect(html).toContain(needle);
    }
    expect(html).not.toContain('<h2>Cells</h2>');
  });
});
