// The benchmark as Markdown: the cell table, the ceiling table, the notes that say how the
// figures were measured, and the command that reproduces them. Pure.

import type { Workload } from '../harness/options.js';
import { formatClients } from './options.js';
import type { BenchReport, CeilingReport, CellReport } from './summary.js';
import { ceilingTableRows, cellTableRows, type TableRows } from './table_rows.js';

/** A command line a POSIX shell reads back as the same argv. */
export function shellQuote(argv: readonly string[]): string {
  return argv.map((arg) => (/^[A-Za-z0-9_\-.,/=:@%+]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}

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
  const txn = options.txn !== null;
  const parts = [
    `Each cell: median of ${options.reps} run${options.reps === 1 ? '' : 's'} of ${options.timeLimitS} s (${seeds})` +
      (options.reps > 1 ? `, ${txn ? 'committed txns/s' : 'answered ops/s'} with min–max in parentheses` : '') +
      '.',
    txn
      ? `${options.workload}: committed = txns answered txn_ok per second of the op phase; abort rate = the share of txns refused with 30 txn-conflict; ` +
        'latency of committed txns; server msgs/txn = server-to-server messages per txn. No final reads.'
      : 'Answered = ok + definite failures per second of the op phase.',
    'Closed loop: rate unbounded, each client thread issues its next op when the last is answered; `Nn` = N threads per node.',
  ];
  if (options.rates.length > 0) parts.push(`Fixed-rate cells offer the given ops/s with ${formatClients(options.rateClients)} threads.`);
  parts.push(
    report.ceiling.length > 0
      ? '× ceiling: answered ops/s over that of the same harness driving the trivial single-node map `dist/local-kv.mjs` (1 node, latency 0) with the same read share and the same number of client threads (closed loop only).'
      : txn
        ? 'No ceiling: `dist/local-kv.mjs` serves lin-kv only.'
        : 'No ceiling was measured (--no-ceiling).',
  );
  if (report.interrupted) parts.push('**Interrupted**: cells without runs are missing figures.');
  return parts.join(' ');
}

/** bench.md and --docs: the tables, how they were measured, and the command that reproduces them. */
export function markdownDocument(report: BenchReport, plotFile?: string): string {
  const sections = [`# ${report.title}`, cellTable(report.cells, report.options.workload), methodNote(report)];
  if (report.ceiling.length > 0) sections.push(`Ceiling (\`dist/local-kv.mjs\`, 1 node, closed loop):\n\n${ceilingTable(report.ceiling)}`);
  sections.push(`Reproduce (after \`npm run build\`): \`${shellQuote(report.command)}\` (${report.startedAt}).`);
  if (plotFile !== undefined) sections.push(`![answered ops/s per cell](${plotFile})`);
  return `${sections.join('\n\n')}\n`;
}
