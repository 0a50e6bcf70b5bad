// The Markdown the bench prints and writes: one row per cell with the figures in their columns,
// the ceiling table, the method note and a command that a shell reads back as the same argv.
import { describe, expect, it } from 'vitest';
import { shellQuote } from '../../src/base/shell.js';
import { ceilingTable, cellTable, markdownDocument } from '../../src/bench/markdown.js';
import { formatRatio, formatReads } from '../../src/bench/table_rows.js';
import { reportFor } from './fixtures.js';

function columns(line: string): string[] {
  return line.split(' | ').map((part) => part.replace(/^\| ?| ?\|$/g, ''));
}

describe('cellTable', () => {
  it('has a header, an alignment row and one row per cell with its figures', () => {
    const report = reportFor(
      ['--nodes', '3', '--latency', '10', '--reads', '0.9', '--read-modes', 'lease', '--clients', '2n', '--rates', '100', '--reps', '1'],
      (id) => (id.startsWith('ceiling') ? 10_000 : id.includes('r100') ? 99.6 : 2500),
    );
    const lines = cellTable(report.cells).split('\n');
    expect(lines).toHaveLength(4);
    expect(columns(lines[0] ?? '')).toEqual([
      'nodes',
      'latency ms',
      'reads',
      'read mode',
      'load',
      'clients',
      'answered ops/s',
      'ok ops/s',
      '× ceiling',
      'read p50 ms',
      'read p99 ms',
      'write p50 ms',
      'write p99 ms',
      'server msgs/op',
      'verdict',
    ]);
    expect(columns(lines[2] ?? '')).toEqual([
      '3',
      '10',
      '90%',
      'lease',
      'closed 2n',
      '6',
      '2500',
      '1875',
      '0.25',
      '1.00',
      '5.00',
      '2.00',
      '9.00',
      '0.500',
      'valid',
    ]);
    expect(columns(lines[3] ?? '')).toEqual([
      '3',
      '10',
      '90%',
      'lease',
      'rate 100/s, 10n',
      '30',
      '100',
      '75',
      '-',
      '1.00',
      '5.00',
      '2.00',
      '9.00',
      '0.500',
      'valid',
    ]);
  });

  it('shows min–max when the reps disagree', () => {
    let call = 0;
    const report = reportFor(
      ['--nodes', '3', '--latency', '0', '--reads', '0.5', '--clients', '2n', '--reps', '3', '--no-ceiling'],
      () => [900, 1000, 1300][call++ % 3] ?? 0,
    );
    expect(cellTable(report.cells)).toContain('| 1000 (900–1300) |');
  });
});

describe('ceilingTable', () => {
  it('has one row per read share and client thread count, with as many threads as the cells', () => {
    const report = reportFor(['--nodes', '3', '--latency', '0', '--reads', '0.5,0.99', '--clients', '2n', '--reps', '1'], () => 20_000);
    const lines = ceilingTable(report.ceiling).split('\n');
    expect(lines).toHaveLength(4);
    expect(columns(lines[0] ?? '')).toEqual([
      'reads',
      'client threads',
      'answered ops/s',
      'ok ops/s',
      'read p50 ms',
      'read p99 ms',
      'write p50 ms',
      'write p99 ms',
      'verdict',
    ]);
    expect(lines[2]).toMatch(/^\| 50% \| 6 \| 20000 \| 15000 \|/);
    expect(lines[3]).toMatch(/^\| 99% \| 6 \|/);
  });
});

describe('markdownDocument', () => {
  it('has the title, both tables, the method and the reproducing command, and the plot when asked', () => {
    const argv = ['--nodes', '3', '--latency', '0', '--reads', '0.5', '--clients', '2n', '--reps', '1', '--title', 'Read modes: benchmark'];
    const report = reportFor(argv, () => 1000, 'Read modes: benchmark');
    const text = markdownDocument(report, 'bench-read-modes.svg');
    expect(text.startsWith('# Read modes: benchmark\n')).toBe(true);
    expect(text).toContain('| nodes | latency ms |');
    expect(text).toContain('Ceiling (`dist/local-kv.mjs`, 1 node, closed loop)');
    expect(text).toContain(
      "Reproduce (after `npm run build`): `bin/raftkv-test bench --nodes 3 --latency 0 --reads 0.5 --clients 2n --reps 1 --title 'Read modes: benchmark'`",
    );
    expect(text).toContain('median of 1 run of 5 s (seed 11)');
    expect(text).toContain('with the same read share and the same number of client threads (closed loop only)');
    expect(text).toContain('![answered ops/s per cell](bench-read-modes.svg)');
    expect(markdownDocument(report)).not.toContain('![');
  });
});

describe('formatting', () => {
  it('quotes for the shell only what needs it', () => {
    expect(shellQuote(['bench', '--nodes', '3,5', '--title', "it's"])).toBe(`bench --nodes 3,5 --title 'it'\\''s'`);
  });

  it('formats read shares and ratios', () => {
    expect(formatReads(0.5)).toBe('50%');
    expect(formatReads(0.995)).toBe('99.5%');
    expect(formatRatio(0.4567)).toBe('0.46');
    expect(formatRatio(0.0456)).toBe('0.046');
    expect(formatRatio(null)).toBe('-');
  });
});
