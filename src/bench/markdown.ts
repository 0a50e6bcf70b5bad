// The benchmark as Markdown: a cell table per workload, the comparison of txns against lin-kv
// when both ran, the ceiling table, the notes that say how the figures were measured, and the
// command that reproduces them. Pure.

import { shellQuote } from '../base/shell.js';
import { isTxnWorkload, type Workload } from '../harness/options.js';
import { compareWorkloads } from './comparison.js';
import { formatClients } from './options.js';
import type { BenchReport, CeilingReport, CellReport } from './summary.js';
import { ceilingTableRows, cellTableRows, comparisonTableRows, type TableRows } from './table_rows.js';

/** Markdown would read a `|` inside a cell as a column break. */
function cellText(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** Header, alignment row and one row per item; a `|` inside a value is escaped. */
function markdownTable({ columns, rows }: TableRows): string {
  return [
    `| ${columns.map((column) => column.header).join(' | ')} |`,
    `|${columns.map((column) => (column.align === 'right' ? '---:' : '---')).join('|')}|`,
    ...rows.map((row) => `| ${row.map(cellText).join(' | ')} |`),
  ].join('\n');
}

export function cellTable(cells: readonly CellReport[], workload: Workload = 'lin-kv'): string {
  return markdownTable(cellTableRows(cells, workload));
}

export function ceilingTable(ceiling: readonly CeilingReport[]): string {
  return markdownTable(ceilingTableRows(ceiling));
}

/** How the figures were measured, in one paragraph. */
export function methodNote(report: BenchReport): string {
  const { options } = report;
  const seeds = options.reps === 1 ? `seed ${options.seed}` : `seeds ${options.seed}..${options.seed + options.reps - 1}`;
  const txnWorkloads = options.workloads.filter(isTxnWorkload);
  const linKv = options.workloads.includes('lin-kv');
  const mixed = linKv && txnWorkloads.length > 0;
  const headline = mixed ? 'answered ops/s (lin-kv) and committed txns/s' : linKv ? 'answered ops/s' : 'committed txns/s';
  const parts = [
    `Each cell: median of ${options.reps} run${options.reps === 1 ? '' : 's'} of ${options.timeLimitS} s (${seeds})` +
      (options.reps > 1 ? `, ${headline} with min–max in parentheses` : '') +
      '.',
  ];
  if (txnWorkloads.length > 0) {
    parts.push(
      `${txnWorkloads.join(' and ')}: committed = txns answered txn_ok per second of the op phase; abort rate = the share of txns refused with 30 txn-conflict; ` +
        'latency of committed txns; server msgs/txn = server-to-server messages per txn. No final reads.',
    );
  }
  if (linKv) parts.push(`${mixed ? 'lin-kv: answered' : 'Answered'} = ok + definite failures per second of the op phase.`);
  parts.push('Closed loop: rate unbounded, each client thread issues its next op when the last is answered; `Nn` = N threads per node.');
  if (options.rates.length > 0) parts.push(`Fixed-rate cells offer the given ops/s with ${formatClients(options.rateClients)} threads.`);
  parts.push(
    report.ceiling.length > 0
      ? '× ceiling: answered ops/s over that of the same harness driving the trivial single-node map `dist/local-kv.mjs` (1 node, latency 0) with the same read share and the same number of client threads (closed loop only).' +
          (mixed ? ' The txn cells have none: `dist/local-kv.mjs` serves lin-kv only.' : '')
      : linKv
        ? 'No ceiling was measured (--no-ceiling).'
        : 'No ceiling: `dist/local-kv.mjs` serves lin-kv only.',
  );
  if (report.interrupted) parts.push('**Interrupted**: cells without runs are missing figures.');
  return parts.join(' ');
}

/** What the comparison table shows and why its per-rep ratios mean something. */
export const COMPARISON_NOTE =
  'Each txn cell against the lin-kv cell with the same nodes, latency, read mode and load: median committed txns/s over median answered ops/s, ' +
  "and the ratio of each rep's pair (the k-th runs of both used the same seed and ran one right after the other, so both saw nearly the same load of the machine): " +
  'their median, with min–max in parentheses when the reps disagree.';

/** The cell reports of each workload, in the order given: each workload has its own columns. */
export function cellsByWorkload(report: BenchReport): { workload: Workload; cells: CellReport[] }[] {
  return report.options.workloads.map((workload) => ({ workload, cells: report.cells.filter((r) => r.cell.workload === workload) }));
}

/** bench.md and --docs: the tables, how they were measured, and the command that reproduces them. */
export function markdownDocument(report: BenchReport, plotFile?: string): string {
  const sections = [`# ${report.title}`];
  const groups = cellsByWorkload(report);
  for (const { workload, cells } of groups) {
    // One workload's document keeps its one table without a heading.
    if (groups.length > 1) sections.push(`## ${workload}`);
    sections.push(cellTable(cells, workload));
  }
  const comparison = compareWorkloads(report.cells);
  if (comparison.length > 0) sections.push('## Txns against lin-kv', COMPARISON_NOTE, markdownTable(comparisonTableRows(comparison)));
  sections.push(methodNote(report));
  if (report.ceiling.length > 0) sections.push(`Ceiling (\`dist/local-kv.mjs\`, 1 node, closed loop):\n\n${ceilingTable(report.ceiling)}`);
  sections.push(`Reproduce (after \`npm run build\`): \`${shellQuote(report.command)}\` (${report.startedAt}).`);
  if (plotFile !== undefined) sections.push(`![${groups.length === 1 ? 'answered ops/s' : 'throughput'} per cell](${plotFile})`);
  return `${sections.join('\n\n')}\n`;
}
