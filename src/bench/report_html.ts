// report.html: one self-contained page (inline SVG and CSS, no scripts, nothing fetched) with
// the exact command line, the plots (throughput per cell, then per workload: throughput against
// clients and against offered rate per node count and latency, latency quantiles and server
// messages per op per cell) and the tables (one per workload, and txns against lin-kv when both
// ran). Pure: a BenchReport in, HTML text out.

import { escapeXml } from '../base/xml.js';
import { isTxnWorkload, type Workload } from '../harness/options.js';
import { barChart, lineChart, rangeChart, type BarGroup, type LineSeries } from './charts.js';
import { compareWorkloads } from './comparison.js';
import { shellQuote } from '../base/shell.js';
import { cellsByWorkload, COMPARISON_NOTE, methodNote } from './markdown.js';
import { loadLabel, type Cell } from './matrix.js';
import type { BenchReport, CeilingReport, CellReport, FigureSummary, Spread } from './summary.js';
import { ceilingTableRows, cellTableRows, comparisonTableRows, formatReads, readModeLabel, type TableRows } from './table_rows.js';

/** A cell's name without its read mode (read modes are the series inside one group), in parts. */
function groupParts(cell: Cell): string[] {
  return [`${cell.nodeCount} nodes`, `${cell.latencyMs} ms`, cell.readFraction === null ? '' : `${formatReads(cell.readFraction)} rd`, loadLabel(cell.load)];
}

function joinParts(parts: readonly string[]): string {
  return parts.filter((part) => part !== '').join(', ');
}

/** Group names named in parts, each in the same order. */
interface GroupNames {
  /** What each group's name keeps: the parts that tell groups apart. */
  readonly labels: readonly string[];
  /** Each group's whole name, for hover texts. */
  readonly fullNames: readonly string[];
  /** The parts every group shares, said once under the chart's title; undefined when none. */
  readonly note: string | undefined;
}

/**
 * Names that say only what tells the groups apart: a part every group shares (say "50% rd" in a
 * matrix of one read share) moves to a note under the title, so the slanted names stay short.
 */
export function groupNames(partsOfGroups: readonly (readonly string[])[]): GroupNames {
  const fullNames = partsOfGroups.map(joinParts);
  const first = partsOfGroups[0];
  if (partsOfGroups.length < 2 || first === undefined) return { labels: fullNames, fullNames, note: undefined };
  const shared = first.map((part, i) => part !== '' && partsOfGroups.every((parts) => parts[i] === part));
  if (!shared.includes(true)) return { labels: fullNames, fullNames, note: undefined };
  return {
    labels: partsOfGroups.map((parts) => joinParts(parts.filter((_, i) => shared[i] !== true))),
    fullNames,
    note: `every group: ${joinParts(first.filter((_, i) => shared[i] === true))}`,
  };
}

/** The throughput a workload is about: answered ops/s (lin-kv), or committed txns/s (the txn workloads). */
interface Throughput {
  readonly label: string;
  readonly unit: string;
  readonly of: (summary: FigureSummary) => Spread;
}

function throughputOf(workload: Workload): Throughput {
  return isTxnWorkload(workload)
    ? { label: 'committed txns/s', unit: 'txns/s', of: (summary) => summary.okOpsPerS }
    : { label: 'answered ops/s', unit: 'ops/s', of: (summary) => summary.answeredOpsPerS };
}

/** One workload's cells and what its plots say: the plots of different workloads have different figures. */
interface WorkloadView {
  readonly workload: Workload;
  /** Heads the view's plots: the report's title, with the workload when there are several. */
  readonly title: string;
  /** Opens the title of each panel: empty, or the workload when there are several. */
  readonly panelPrefix: string;
  readonly cells: readonly CellReport[];
  /** The ceiling points (lin-kv only). */
  readonly ceiling: readonly CeilingReport[];
  readonly throughput: Throughput;
}

function workloadViews(report: BenchReport): WorkloadView[] {
  const groups = cellsByWorkload(report);
  const several = groups.length > 1;
  return groups.map(({ workload, cells }) => ({
    workload,
    title: several ? `${report.title}, ${workload}` : report.title,
    panelPrefix: several ? `${workload}: ` : '',
    cells,
    ceiling: isTxnWorkload(workload) ? [] : report.ceiling,
    throughput: throughputOf(workload),
  }));
}

function uniqueInOrder<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

interface NamedGroup {
  readonly label: string;
  readonly fullName: string;
  readonly cells: readonly CellReport[];
}

/** The cells grouped by the parts of their names, in the order first seen, named by groupNames. */
function namedGroups(cells: readonly CellReport[], partsOf: (cell: Cell) => string[]): { groups: NamedGroup[]; note: string | undefined } {
  const byKey = new Map<string, { parts: string[]; cells: CellReport[] }>();
  for (const report of cells) {
    const parts = partsOf(report.cell);
    const key = JSON.stringify(parts);
    const group = byKey.get(key);
    if (group === undefined) byKey.set(key, { parts, cells: [report] });
    else group.cells.push(report);
  }
  const found = [...byKey.values()];
  const names = groupNames(found.map((group) => group.parts));
  return {
    groups: found.map((group, g) => ({ label: names.labels[g] ?? '', fullName: names.fullNames[g] ?? '', cells: group.cells })),
    note: names.note,
  };
}

/** Bars per group of cells, one series per `seriesOf`; a group without a cell of some series has no bar there. */
function bars(
  cells: readonly CellReport[],
  partsOf: (cell: Cell) => string[],
  seriesOf: (cell: Cell) => string,
  pick: (report: CellReport) => number | null,
): { series: string[]; groups: BarGroup[]; note: string | undefined } {
  const series = uniqueInOrder(cells.map((report) => seriesOf(report.cell)));
  const { groups, note } = namedGroups(cells, partsOf);
  return {
    series,
    groups: groups.map(
      ({ label, fullName, cells: inGroup }): BarGroup => ({
        label,
        fullName,
        values: series.map((name) => {
          const found = inGroup.find((report) => seriesOf(report.cell) === name);
          return found === undefined ? null : pick(found);
        }),
      }),
    ),
    note,
  };
}

/** Bars per cell group, one series per read mode. */
function perCellBars(
  cells: readonly CellReport[],
  pick: (report: CellReport) => number | null,
): { series: string[]; groups: BarGroup[]; note: string | undefined } {
  return bars(cells, groupParts, readModeLabel, pick);
}

function viewThroughputBars(view: WorkloadView): string {
  const { throughput } = view;
  const { series, groups, note } = perCellBars(view.cells, (r) => throughput.of(r.summary).median);
  return barChart({
    title: `${view.title}: ${throughput.label} per cell (median)`,
    ...(note === undefined ? {} : { note }),
    yLabel: throughput.label,
    series,
    groups,
    format: (v) => `${Math.round(v)} ${throughput.unit}`,
  });
}

/** Where the cells compared across workloads ran: cluster, load, and the read mode when any was asked for. */
function comparisonGroupParts(cell: Cell): string[] {
  return [`${cell.nodeCount} nodes`, `${cell.latencyMs} ms`, loadLabel(cell.load), cell.readMode ?? ''];
}

/** A series of the workloads' plot: the workload, with lin-kv's read share. */
function workloadSeriesName(cell: Cell): string {
  return cell.readFraction === null ? cell.workload : `${cell.workload}, ${formatReads(cell.readFraction)} reads`;
}

/**
 * The throughput plot that also goes next to the --docs file. Several workloads share one plot:
 * the cells compared stand side by side (lin-kv's answered ops/s, the txn workloads' committed txns/s).
 */
export function throughputBars(report: BenchReport): string {
  const views = workloadViews(report);
  if (views.length === 1) return viewThroughputBars(views[0] as WorkloadView);
  const { series, groups, note } = bars(report.cells, comparisonGroupParts, workloadSeriesName, (r) => throughputOf(r.cell.workload).of(r.summary).median);
  return barChart({
    title: `${report.title}: throughput per cell (median)`,
    ...(note === undefined ? {} : { note }),
    yLabel: 'answered ops/s or committed txns/s',
    series,
    groups,
    format: (v) => `${Math.round(v)}/s`,
  });
}

function panelsOf(view: WorkloadView): { nodeCount: number; latencyMs: number; cells: CellReport[] }[] {
  const keys = uniqueInOrder(view.cells.map((r) => `${r.cell.nodeCount}|${r.cell.latencyMs}`));
  return keys.map((key) => {
    const cells = view.cells.filter((r) => `${r.cell.nodeCount}|${r.cell.latencyMs}` === key);
    const first = (cells[0] as CellReport).cell;
    return { nodeCount: first.nodeCount, latencyMs: first.latencyMs, cells };
  });
}

function seriesName(cell: Cell): string {
  return cell.readFraction === null ? readModeLabel(cell) : `${formatReads(cell.readFraction)} reads, ${readModeLabel(cell)}`;
}

/** Throughput against `x` of each cell, one series per read share and read mode. */
function answeredSeries(cells: readonly CellReport[], x: (cell: Cell) => number, throughput: Throughput): LineSeries[] {
  return uniqueInOrder(cells.map((r) => seriesName(r.cell))).map((name) => ({
    name,
    points: cells
      .filter((r) => seriesName(r.cell) === name && throughput.of(r.summary).median !== null)
      .map((r) => ({ x: x(r.cell), y: throughput.of(r.summary).median as number })),
  }));
}

/**
 * Answered ops/s against client threads (the absolute count), one panel per node count and
 * latency; the ceiling is its own dashed series per read share, at the panel's thread counts.
 */
function clientPanels(view: WorkloadView): string[] {
  return panelsOf(view).flatMap((panel) => {
    const closed = panel.cells.filter((r) => r.cell.load.kind === 'closed');
    if (closed.length === 0) return [];
    const { throughput } = view;
    const series = answeredSeries(closed, (cell) => cell.concurrency, throughput);
    const readShares = uniqueInOrder(closed.map((r) => r.cell.readFraction));
    for (const readFraction of readShares) {
      const threads = new Set(closed.filter((r) => r.cell.readFraction === readFraction).map((r) => r.cell.concurrency));
      const points = view.ceiling
        .filter((c) => c.point.readFraction === readFraction && threads.has(c.point.concurrency) && c.summary.answeredOpsPerS.median !== null)
        .map((c) => ({ x: c.point.concurrency, y: c.summary.answeredOpsPerS.median as number }));
      if (points.length > 0) series.push({ name: `ceiling, ${formatReads(readFraction)} reads`, points, dashed: true });
    }
    return [
      lineChart({
        title: `${view.panelPrefix}${panel.nodeCount} nodes, latency ${panel.latencyMs} ms: closed loop`,
        xLabel: view.ceiling.length > 0 ? 'client threads (ceiling: as many threads on 1 node)' : 'client threads',
        yLabel: throughput.label,
        series,
      }),
    ];
  });
}

/** Answered against offered ops/s for the fixed-rate cells. */
function ratePanels(view: WorkloadView): string[] {
  return panelsOf(view).flatMap((panel) => {
    const fixedRate = panel.cells.filter((r) => r.cell.load.kind === 'rate');
    if (fixedRate.length === 0) return [];
    const { throughput } = view;
    const series = answeredSeries(fixedRate, (cell) => (cell.load.kind === 'rate' ? cell.load.rate : 0), throughput);
    return [
      lineChart({
        title: `${view.panelPrefix}${panel.nodeCount} nodes, latency ${panel.latencyMs} ms: fixed rate`,
        xLabel: `offered ${throughput.unit}`,
        yLabel: throughput.label,
        series,
      }),
    ];
  });
}

function latencyRanges(view: WorkloadView): string {
  const txn = isTxnWorkload(view.workload);
  const named = namedGroups(view.cells, (cell) => [...groupParts(cell), readModeLabel(cell)]);
  const range = (low: number | null, high: number | null): { low: number; high: number } | null => (low === null || high === null ? null : { low, high });
  // Every cell of a workload has its own name, so each group holds one cell.
  const groups = named.groups.map(({ label, fullName, cells }) => {
    const s = (cells[0] as CellReport).summary;
    if (txn) return { label, fullName, ranges: [range(s.txn?.txnP50Ms.median ?? null, s.txn?.txnP99Ms.median ?? null)] };
    return { label, fullName, ranges: [range(s.readP50Ms.median, s.readP99Ms.median), range(s.writeP50Ms.median, s.writeP99Ms.median)] };
  });
  const note = named.note === undefined ? {} : { note: named.note };
  if (txn) return rangeChart({ title: `${view.title}: latency of committed txns (median p50 and p99)`, ...note, series: ['txn'], groups });
  return rangeChart({ title: `${view.title}: latency of ok reads and writes (median p50 and p99)`, ...note, series: ['read', 'write'], groups });
}

function messageBars(view: WorkloadView): string {
  const { series, groups, note } = perCellBars(view.cells, (r) => r.summary.serverMsgsPerOp.median);
  const per = isTxnWorkload(view.workload) ? 'txn' : 'op';
  return barChart({
    title: `${view.title}: server-to-server messages per ${per} (median)`,
    ...(note === undefined ? {} : { note }),
    yLabel: `server msgs/${per}`,
    series,
    groups,
    format: (v) => `${v.toFixed(3)} msgs/${per}`,
  });
}

function htmlTable({ columns, rows }: TableRows): string {
  const head = `<tr>${columns.map((column) => `<th>${escapeXml(column.header)}</th>`).join('')}</tr>`;
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeXml(cell)}</td>`).join('')}</tr>`).join('\n');
  return `<table>\n${head}\n${body}\n</table>`;
}

/** The problems of every run that was not valid, so the page says where to look. */
function problemList(report: BenchReport): string {
  const items: string[] = [];
  const all = [...report.cells.map((r) => ({ id: r.cell.id, runs: r.runs })), ...report.ceiling.map((r) => ({ id: r.point.id, runs: r.runs }))];
  for (const { id, runs } of all) {
    for (const run of runs) {
      if (run.metrics?.valid === true) continue;
      const verdict = run.metrics === undefined ? 'no result' : run.metrics.valid === false ? 'INVALID' : 'unknown';
      const where = run.keptDir === undefined ? '' : ` (kept in ${run.keptDir})`;
      const errors = run.errors.length === 0 ? '' : `: ${run.errors.slice(0, 3).join('; ')}`;
      items.push(`<li>${escapeXml(`${id} rep ${run.rep + 1}, seed ${run.seed}: ${verdict}${errors}${where}`)}</li>`);
    }
  }
  return items.length === 0 ? '' : `<h2>Runs that were not valid</h2>\n<ul>\n${items.join('\n')}\n</ul>`;
}

/** The cell tables (one per workload), and the comparison of txns against lin-kv when both ran. */
function cellSections(report: BenchReport, views: readonly WorkloadView[]): string {
  const sections = views.map(
    (view) => `<h2>${views.length === 1 ? 'Cells' : `Cells: ${escapeXml(view.workload)}`}</h2>\n${htmlTable(cellTableRows(view.cells, view.workload))}`,
  );
  const comparison = compareWorkloads(report.cells);
  if (comparison.length > 0) {
    sections.push(`<h2>Txns against lin-kv</h2>\n<p>${escapeXml(COMPARISON_NOTE)}</p>\n${htmlTable(comparisonTableRows(comparison))}`);
  }
  return sections.join('\n');
}

export function renderReportHtml(report: BenchReport): string {
  const views = workloadViews(report);
  const figures = [throughputBars(report), ...views.flatMap((view) => [...clientPanels(view), ...ratePanels(view), latencyRanges(view), messageBars(view)])];
  const status = report.exitCode === 0 ? 'every run valid' : report.exitCode === 1 ? 'a run was INVALID' : 'a run was unknown or failed';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeXml(report.title)}</title>
<style>
body { font-family: sans-serif; margin: 24px; color: #222; }
table { border-collapse: collapse; margin: 12px 0; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: right; }
th { background: #f2f2f2; }
code, pre { background: #f6f6f6; padding: 2px 4px; }
pre { padding: 8px; white-space: pre-wrap; word-break: break-all; }
figure { margin: 16px 0; overflow-x: auto; }
</style>
</head>
<body>
<h1>${escapeXml(report.title)}</h1>
<p>Started ${escapeXml(report.startedAt)}, finished ${escapeXml(report.finishedAt)}: ${escapeXml(status)}${report.interrupted ? ' (interrupted)' : ''}.</p>
<h2>Command</h2>
<pre>${escapeXml(shellQuote(report.command))}</pre>
<p>${escapeXml(methodNote(report))}</p>
${cellSections(report, views)}
${report.ceiling.length === 0 ? '' : `<h2>Ceiling (dist/local-kv.mjs, 1 node, closed loop)</h2>\n${htmlTable(ceilingTableRows(report.ceiling))}`}
${problemList(report)}
<h2>Plots</h2>
${figures.map((svg) => `<figure>\n${svg}\n</figure>`).join('\n')}
</body>
</html>
`;
}
