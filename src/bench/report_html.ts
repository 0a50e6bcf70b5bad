// report.html: one self-contained page (inline SVG and CSS, no scripts, nothing fetched) with
// the exact command line, the plots (throughput against clients and against offered rate per
// node count and latency, answered ops/s, latency quantiles and server messages per op per
// cell) and the tables. Pure: a BenchReport in, HTML text out.

import { escapeXml } from '../base/xml.js';
import { barChart, lineChart, rangeChart, type BarGroup, type LineSeries } from './charts.js';
import { methodNote, shellQuote } from './markdown.js';
import { loadLabel, type Cell } from './matrix.js';
import type { BenchReport, CellReport, FigureSummary, Spread } from './summary.js';
import { ceilingTableRows, cellTableRows, formatReads, readModeLabel, type TableRows } from './table_rows.js';

/** A cell's name without its read mode: read modes are the series inside one group. */
function groupLabel(cell: Cell): string {
  const reads = cell.readFraction === null ? '' : `${formatReads(cell.readFraction)} rd, `;
  return `${cell.nodeCount} nodes, ${cell.latencyMs} ms, ${reads}${loadLabel(cell.load)}`;
}

/** The throughput a report is about: answered ops/s (lin-kv), or committed txns/s (the txn workloads). */
interface Throughput {
  readonly label: string;
  readonly unit: string;
  readonly of: (summary: FigureSummary) => Spread;
}

function throughputOf(report: BenchReport): Throughput {
  return report.options.txn === null
    ? { label: 'answered ops/s', unit: 'ops/s', of: (summary) => summary.answeredOpsPerS }
    : { label: 'committed txns/s', unit: 'txns/s', of: (summary) => summary.okOpsPerS };
}

function uniqueInOrder<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** Bars per cell group, one series per read mode. */
function perCellBars(cells: readonly CellReport[], pick: (report: CellReport) => number | null): { series: string[]; groups: BarGroup[] } {
  const series = uniqueInOrder(cells.map((report) => readModeLabel(report.cell)));
  const labels = uniqueInOrder(cells.map((report) => groupLabel(report.cell)));
  const groups = labels.map(
    (label): BarGroup => ({
      label,
      values: series.map((mode) => {
        const found = cells.find((report) => groupLabel(report.cell) === label && readModeLabel(report.cell) === mode);
        return found === undefined ? null : pick(found);
      }),
    }),
  );
  return { series, groups };
}

/** The throughput plot that also goes next to the --docs file. */
export function throughputBars(report: BenchReport): string {
  const throughput = throughputOf(report);
  const { series, groups } = perCellBars(report.cells, (r) => throughput.of(r.summary).median);
  return barChart({
    title: `${report.title}: ${throughput.label} per cell (median)`,
    yLabel: throughput.label,
    series,
    groups,
    format: (v) => `${Math.round(v)} ${throughput.unit}`,
  });
}

function panelsOf(report: BenchReport): { nodeCount: number; latencyMs: number; cells: CellReport[] }[] {
  const keys = uniqueInOrder(report.cells.map((r) => `${r.cell.nodeCount}|${r.cell.latencyMs}`));
  return keys.map((key) => {
    const cells = report.cells.filter((r) => `${r.cell.nodeCount}|${r.cell.latencyMs}` === key);
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
function clientPanels(report: BenchReport): string[] {
  return panelsOf(report).flatMap((panel) => {
    const closed = panel.cells.filter((r) => r.cell.load.kind === 'closed');
    if (closed.length === 0) return [];
    const throughput = throughputOf(report);
    const series = answeredSeries(closed, (cell) => cell.concurrency, throughput);
    const readShares = uniqueInOrder(closed.map((r) => r.cell.readFraction));
    for (const readFraction of readShares) {
      const threads = new Set(closed.filter((r) => r.cell.readFraction === readFraction).map((r) => r.cell.concurrency));
      const points = report.ceiling
        .filter((c) => c.point.readFraction === readFraction && threads.has(c.point.concurrency) && c.summary.answeredOpsPerS.median !== null)
        .map((c) => ({ x: c.point.concurrency, y: c.summary.answeredOpsPerS.median as number }));
      if (points.length > 0) series.push({ name: `ceiling, ${formatReads(readFraction)} reads`, points, dashed: true });
    }
    return [
      lineChart({
        title: `${panel.nodeCount} nodes, latency ${panel.latencyMs} ms: closed loop`,
        xLabel: report.ceiling.length > 0 ? 'client threads (ceiling: as many threads on 1 node)' : 'client threads',
        yLabel: throughput.label,
        series,
      }),
    ];
  });
}

/** Answered against offered ops/s for the fixed-rate cells. */
function ratePanels(report: BenchReport): string[] {
  return panelsOf(report).flatMap((panel) => {
    const fixedRate = panel.cells.filter((r) => r.cell.load.kind === 'rate');
    if (fixedRate.length === 0) return [];
    const throughput = throughputOf(report);
    const series = answeredSeries(fixedRate, (cell) => (cell.load.kind === 'rate' ? cell.load.rate : 0), throughput);
    return [
      lineChart({
        title: `${panel.nodeCount} nodes, latency ${panel.latencyMs} ms: fixed rate`,
        xLabel: `offered ${throughput.unit === 'ops/s' ? 'ops/s' : 'txns/s'}`,
        yLabel: throughput.label,
        series,
      }),
    ];
  });
}

function latencyRanges(report: BenchReport): string {
  const labels = uniqueInOrder(report.cells.map((r) => `${groupLabel(r.cell)}, ${readModeLabel(r.cell)}`));
  const groups = labels.map((label) => {
    const found = report.cells.find((r) => `${groupLabel(r.cell)}, ${readModeLabel(r.cell)}` === label) as CellReport;
    const range = (low: number | null, high: number | null): { low: number; high: number } | null => (low === null || high === null ? null : { low, high });
    const s = found.summary;
    if (report.options.txn !== null) return { label, ranges: [range(s.txn?.txnP50Ms.median ?? null, s.txn?.txnP99Ms.median ?? null)] };
    return { label, ranges: [range(s.readP50Ms.median, s.readP99Ms.median), range(s.writeP50Ms.median, s.writeP99Ms.median)] };
  });
  if (report.options.txn !== null) return rangeChart({ title: `${report.title}: latency of committed txns (median p50 and p99)`, series: ['txn'], groups });
  return rangeChart({ title: `${report.title}: latency of ok reads and writes (median p50 and p99)`, series: ['read', 'write'], groups });
}

function messageBars(report: BenchReport): string {
  const { series, groups } = perCellBars(report.cells, (r) => r.summary.serverMsgsPerOp.median);
  const per = report.options.txn === null ? 'op' : 'txn';
  return barChart({
    title: `${report.title}: server-to-server messages per ${per} (median)`,
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

export function renderReportHtml(report: BenchReport): string {
  const figures = [throughputBars(report), ...clientPanels(report), ...ratePanels(report), latencyRanges(report), messageBars(report)];
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
<h2>Cells</h2>
${htmlTable(cellTableRows(report.cells, report.options.workload))}
${report.ceiling.length === 0 ? '' : `<h2>Ceiling (dist/local-kv.mjs, 1 node, closed loop)</h2>\n${htmlTable(ceilingTableRows(report.ceiling))}`}
${problemList(report)}
<h2>Plots</h2>
${figures.map((svg) => `<figure>\n${svg}\n</figure>`).join('\n')}
</body>
</html>
`;
}
