// The bench's tables (one row per cell of a workload, one per ceiling point, one per txn cell
// compared with a lin-kv cell) as plain strings: the column headers, each column's alignment and
// every row's values. markdown.ts and report_html.ts lay them out (Markdown pipes, HTML cells)
// and escape them their own way. Pure.

import { isTxnWorkload, type Workload } from '../harness/options.js';
import type { WorkloadComparison } from './comparison.js';
import { loadLabel, type Cell } from './matrix.js';
import { validityLabel, type CeilingReport, type CellReport, type FigureSummary, type Spread } from './summary.js';

function formatRate(value: number | null): string {
  return value === null ? '-' : String(Math.round(value));
}

function formatMs(value: number | null): string {
  return value === null ? '-' : value.toFixed(2);
}

function formatPerOp(value: number | null): string {
  return value === null ? '-' : value.toFixed(3);
}

export function formatRatio(value: number | null): string {
  if (value === null) return '-';
  return value < 0.1 ? value.toFixed(3) : value.toFixed(2);
}

/** A read share as a percentage; '-' for the txn workloads, which have none. */
export function formatReads(fraction: number | null): string {
  return fraction === null ? '-' : `${Number((fraction * 100).toFixed(1))}%`;
}

function formatShare(value: number | null): string {
  return value === null ? '-' : `${Number((value * 100).toFixed(2))}%`;
}

/** The median, with min–max in parentheses when the reps disagree (as shown). */
export function withSpread(value: Spread, format: (value: number | null) => string): string {
  const median = format(value.median);
  if (value.min === null || value.max === null || format(value.min) === format(value.max)) return median;
  return `${median} (${format(value.min)}–${format(value.max)})`;
}

function rateWithSpread(value: Spread): string {
  return withSpread(value, formatRate);
}

/** A cell's read mode, or what it ran with when none was given. */
export function readModeLabel(cell: Cell): string {
  return cell.readMode ?? 'node default';
}

interface TableColumn {
  readonly header: string;
  /** Figures are right-aligned, words left-aligned (where the layout can say so). */
  readonly align: 'left' | 'right';
}

export interface TableRows {
  readonly columns: readonly TableColumn[];
  /** One value per column, unescaped. */
  readonly rows: readonly (readonly string[])[];
}

interface ColumnOf<T> extends TableColumn {
  readonly value: (item: T) => string;
}

function right<T>(header: string, value: (item: T) => string): ColumnOf<T> {
  return { header, align: 'right', value };
}

function left<T>(header: string, value: (item: T) => string): ColumnOf<T> {
  return { header, align: 'left', value };
}

/** Either table's row: the columns both tables show read only its summary. */
interface Summarized {
  readonly summary: FigureSummary;
}

const ANSWERED = right<Summarized>('answered ops/s', (r) => rateWithSpread(r.summary.answeredOpsPerS));
const OK = right<Summarized>('ok ops/s', (r) => formatRate(r.summary.okOpsPerS.median));
const LATENCIES = [
  right<Summarized>('read p50 ms', (r) => formatMs(r.summary.readP50Ms.median)),
  right<Summarized>('read p99 ms', (r) => formatMs(r.summary.readP99Ms.median)),
  right<Summarized>('write p50 ms', (r) => formatMs(r.summary.writeP50Ms.median)),
  right<Summarized>('write p99 ms', (r) => formatMs(r.summary.writeP99Ms.median)),
];
const VERDICT = left<Summarized>('verdict', (r) => validityLabel(r.summary.tally));

const CELL_COLUMNS: readonly ColumnOf<CellReport>[] = [
  right('nodes', (r) => String(r.cell.nodeCount)),
  right('latency ms', (r) => String(r.cell.latencyMs)),
  right('reads', (r) => formatReads(r.cell.readFraction)),
  left('read mode', (r) => readModeLabel(r.cell)),
  left('load', (r) => loadLabel(r.cell.load)),
  right('clients', (r) => String(r.cell.concurrency)),
  ANSWERED,
  OK,
  right('× ceiling', (r) => formatRatio(r.ratioToCeiling)),
  ...LATENCIES,
  right('server msgs/op', (r) => formatPerOp(r.summary.serverMsgsPerOp.median)),
  VERDICT,
];

/** Where a cell without a read share ran: its cluster, read mode and load. */
function placeColumns<T>(cellOf: (item: T) => Cell): ColumnOf<T>[] {
  return [
    right('nodes', (r) => String(cellOf(r).nodeCount)),
    right('latency ms', (r) => String(cellOf(r).latencyMs)),
    left('read mode', (r) => readModeLabel(cellOf(r))),
    left('load', (r) => loadLabel(cellOf(r).load)),
    right('clients', (r) => String(cellOf(r).concurrency)),
  ];
}

/** A txn cell: committed txns/s first (ok replies), then the abort rate and the latency of committed txns. */
const TXN_CELL_COLUMNS: readonly ColumnOf<CellReport>[] = [
  ...placeColumns<CellReport>((r) => r.cell),
  right('committed txns/s', (r) => rateWithSpread(r.summary.okOpsPerS)),
  right('abort rate', (r) => formatShare(r.summary.txn?.abortRate.median ?? null)),
  right('txn p50 ms', (r) => formatMs(r.summary.txn?.txnP50Ms.median ?? null)),
  right('txn p99 ms', (r) => formatMs(r.summary.txn?.txnP99Ms.median ?? null)),
  right('server msgs/txn', (r) => formatPerOp(r.summary.serverMsgsPerOp.median)),
  VERDICT,
];

const CEILING_COLUMNS: readonly ColumnOf<CeilingReport>[] = [
  right('reads', (r) => formatReads(r.point.readFraction)),
  right('client threads', (r) => String(r.point.concurrency)),
  ANSWERED,
  OK,
  ...LATENCIES,
  VERDICT,
];

function tableOf<T>(columns: readonly ColumnOf<T>[], items: readonly T[]): TableRows {
  return {
    columns: columns.map(({ header, align }) => ({ header, align })),
    rows: items.map((item) => columns.map((column) => column.value(item))),
  };
}

/** One row per cell: where it ran, its load, and its median figures (the txn workloads' own). */
export function cellTableRows(cells: readonly CellReport[], workload: Workload = 'lin-kv'): TableRows {
  return tableOf(isTxnWorkload(workload) ? TXN_CELL_COLUMNS : CELL_COLUMNS, cells);
}

const COMPARISON_COLUMNS: readonly ColumnOf<WorkloadComparison>[] = [
  ...placeColumns<WorkloadComparison>((r) => r.txnCell),
  right('lin-kv reads', (r) => formatReads(r.linKvCell.readFraction)),
  right('lin-kv answered ops/s', (r) => rateWithSpread(r.linKvOpsPerS)),
  left('txn workload', (r) => r.txnWorkload),
  right('committed txns/s', (r) => rateWithSpread(r.committedTxnsPerS)),
  right('txns/s ÷ ops/s', (r) => formatRatio(r.ratioOfMedians)),
  right('per rep: median (min–max)', (r) => withSpread(r.pairedRatio, formatRatio)),
  right('reps paired', (r) => String(r.pairs)),
];

/** One row per txn cell and lin-kv cell compared: both medians, their ratio, and the spread of the per-rep ratios. */
export function comparisonTableRows(rows: readonly WorkloadComparison[]): TableRows {
  return tableOf(COMPARISON_COLUMNS, rows);
}

/** One row per ceiling point (read share and client threads on the trivial single node). */
export function ceilingTableRows(ceiling: readonly CeilingReport[]): TableRows {
  return tableOf(CEILING_COLUMNS, ceiling);
}
