// rate.svg and latency-quantiles.svg: throughput (ok, info and fail completions per second) and
// the p50/p95/p99/max latency of ok ops, per time bucket over the operation phase, with the fault
// intervals shaded as in latency.svg. Pure: records in, SVG documents out. Final reads and
// recovery probes are no part of either (as in the summary's throughput and latency); a bucket
// without an ok op leaves a gap in the quantile lines, never a made-up point.

import { escapeXml } from '../base/xml.js';
import {
  axes,
  FRAME_AREA,
  FRAME_HEIGHT,
  FRAME_WIDTH,
  faultBands,
  faultLegend,
  legendHeading,
  linearScale,
  logScale,
  niceStep,
  OUTCOME_COLORS,
  svgDocument,
  timeScale,
  type TimeScale,
  type ValueScale,
} from './plot_axes.js';
import { quantiles, type FaultInterval, type OpRecord, type OutcomeType } from './results.js';

export interface SeriesPlotOptions {
  readonly title: string;
  /** Length of the operation phase, ms. */
  readonly durationMs: number;
  /** About how many buckets the time axis is cut into (default 40). */
  readonly buckets?: number;
}

/** One line of a chart: its name, colour, dash, and a value per bucket (null: a gap). */
interface Series {
  readonly name: string;
  readonly color: string;
  readonly dash: string;
  readonly values: readonly (number | null)[];
}

const OUTCOMES: readonly OutcomeType[] = ['ok', 'info', 'fail'];
const QUANTILE_STYLES = [
  { name: 'p50', key: 'p50', color: '#2f7ed8', dash: '' },
  { name: 'p95', key: 'p95', color: '#7b4fb8', dash: '6 3' },
  { name: 'p99', key: 'p99', color: '#e08a0b', dash: '2 2' },
  { name: 'max', key: 'max', color: '#c0392b', dash: '' },
] as const;

interface Buckets {
  readonly widthMs: number;
  readonly count: number;
  readonly maxMs: number;
  /** The bucket of a time (the last one takes the end). */
  of(ms: number): number;
  /** The bucket's own length (the last may be short). */
  spanMs(bucket: number): number;
  middleMs(bucket: number): number;
}

function bucketsFor(ops: readonly OpRecord[], options: SeriesPlotOptions): Buckets {
  let maxMs = Math.max(options.durationMs, 1);
  for (const op of ops) if (op.completeMs > maxMs) maxMs = op.completeMs;
  const widthMs = niceStep(maxMs / (options.buckets ?? 40));
  const count = Math.max(1, Math.ceil(maxMs / widthMs));
  return {
    widthMs,
    count,
    maxMs,
    of: (ms) => Math.min(count - 1, Math.max(0, Math.floor(ms / widthMs))),
    spanMs: (bucket) => Math.max(Math.min(widthMs, maxMs - bucket * widthMs), 1e-3),
    middleMs: (bucket) => bucket * widthMs + Math.min(widthMs, maxMs - bucket * widthMs) / 2,
  };
}

const counted = (ops: readonly OpRecord[]): OpRecord[] => ops.filter((op) => op.final !== true && op.probe !== true);

/** Completions per second of each outcome, per bucket of completion time. */
export function rateSeries(
  ops: readonly OpRecord[],
  options: SeriesPlotOptions,
): { readonly buckets: Buckets; readonly rates: { readonly [t in OutcomeType]: number[] } } {
  const mine = counted(ops);
  const buckets = bucketsFor(mine, options);
  const counts = {
    ok: new Array<number>(buckets.count).fill(0),
    info: new Array<number>(buckets.count).fill(0),
    fail: new Array<number>(buckets.count).fill(0),
  };
  for (const op of mine) (counts[op.type][buckets.of(op.completeMs)] as number)++;
  const perSecond = (list: number[]): number[] => list.map((count, bucket) => count / (buckets.spanMs(bucket) / 1000));
  return { buckets, rates: { ok: perSecond(counts.ok), info: perSecond(counts.info), fail: perSecond(counts.fail) } };
}

/** Quantiles of the latency of ok ops, per bucket of invocation time (null where no ok op was invoked). */
export function latencyQuantileSeries(ops: readonly OpRecord[], options: SeriesPlotOptions): { readonly buckets: Buckets; readonly series: Series[] } {
  const mine = counted(ops);
  const buckets = bucketsFor(mine, options);
  const latencies: number[][] = Array.from({ length: buckets.count }, () => []);
  for (const op of mine) if (op.type === 'ok') (latencies[buckets.of(op.invokeMs)] as number[]).push(Math.max(op.completeMs - op.invokeMs, 0.01));
  const perBucket = latencies.map((list) => quantiles(list));
  const series = QUANTILE_STYLES.map((style) => ({ name: style.name, color: style.color, dash: style.dash, values: perBucket.map((q) => q[style.key]) }));
  return { buckets, series };
}

export function renderRatePlot(ops: readonly OpRecord[], faults: readonly FaultInterval[], options: SeriesPlotOptions): string {
  const { buckets, rates } = rateSeries(ops, options);
  const series: Series[] = OUTCOMES.map((type) => ({ name: type, color: OUTCOME_COLORS[type], dash: '', values: rates[type] }));
  const highest = Math.max(1, ...series.flatMap((line) => line.values.map((value) => value ?? 0)));
  const time = timeScale(FRAME_AREA, buckets.maxMs);
  const notes = [
    `${counted(ops).length} ops, counted`,
    'when completed,',
    `in buckets of ${formatMs(buckets.widthMs)}`,
    ...(ops.some((op) => op.final === true) ? ['(final reads left out)'] : []),
  ];
  return chart(options.title, faults, time, linearScale(FRAME_AREA, highest), 'completions per second', series, buckets, 'outcome', notes);
}

export function renderLatencyQuantilesPlot(ops: readonly OpRecord[], faults: readonly FaultInterval[], options: SeriesPlotOptions): string {
  const { buckets, series } = latencyQuantileSeries(ops, options);
  const values = series.flatMap((line) => line.values.filter((value): value is number => value !== null));
  const time = timeScale(FRAME_AREA, buckets.maxMs);
  const okCount = counted(ops).filter((op) => op.type === 'ok').length;
  const notes = [`${okCount} ok ops, counted`, 'when invoked,', `in buckets of ${formatMs(buckets.widthMs)};`, 'a gap: no ok op then'];
  return chart(options.title, faults, time, logScale(FRAME_AREA, values), 'latency of ok ops (ms, log scale)', series, buckets, 'quantile', notes);
}

function chart(
  title: string,
  faults: readonly FaultInterval[],
  time: TimeScale,
  value: ValueScale,
  valueTitle: string,
  series: readonly Series[],
  buckets: Buckets,
  legendTitle: string,
  notes: readonly string[],
): string {
  const parts: string[] = [`<rect x="0" y="0" width="${FRAME_WIDTH}" height="${FRAME_HEIGHT}" fill="#ffffff"/>`];
  parts.push(`<text x="${FRAME_AREA.left}" y="24" font-size="15" font-weight="bold">${escapeXml(title)}</text>`);
  parts.push(...faultBands(faults, FRAME_AREA, time));
  parts.push(...axes(FRAME_AREA, time, value, valueTitle, FRAME_HEIGHT));
  // The last series first, so the first (the rate of ok ops, the median) is drawn on top.
  for (const line of [...series].reverse()) parts.push(...drawSeries(line, time, value, buckets));
  const lx = FRAME_AREA.left + FRAME_AREA.width + 16;
  let ly = FRAME_AREA.top + 8;
  parts.push(legendHeading(lx, ly, legendTitle));
  for (const line of series) {
    ly += 17;
    parts.push(
      `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 18}" y2="${ly - 4}" stroke="${line.color}" stroke-width="2"${line.dash === '' ? '' : ` stroke-dasharray="${line.dash}"`}/>` +
        `<text x="${lx + 24}" y="${ly}" font-size="12">${line.name}</text>`,
    );
  }
  const faultKeys = faultLegend(faults, lx, ly + 26);
  parts.push(...faultKeys.parts);
  ly = faults.length > 0 ? faultKeys.y : ly;
  ly += 10;
  for (const note of notes) {
    ly += 15;
    parts.push(`<text x="${lx}" y="${ly}" font-size="11">${escapeXml(note)}</text>`);
  }
  return svgDocument(FRAME_WIDTH, FRAME_HEIGHT, parts);
}

/** A polyline per run of buckets with a value, and a dot on each point (a lone point shows too). */
function drawSeries(line: Series, time: TimeScale, value: ValueScale, buckets: Buckets): string[] {
  const runs: string[][] = [];
  let current: string[] | null = null;
  const dots: string[] = [];
  line.values.forEach((v, bucket) => {
    if (v === null) {
      current = null;
      return;
    }
    const point = `${time.x(buckets.middleMs(bucket)).toFixed(1)},${value.y(v).toFixed(1)}`;
    if (current === null) runs.push((current = []));
    current.push(point);
    const [cx, cy] = point.split(',');
    const label = `${line.name} ${formatMs(bucket * buckets.widthMs)}–${formatMs(Math.min((bucket + 1) * buckets.widthMs, buckets.maxMs))}: ${Number(v.toPrecision(4))}`;
    dots.push(`<circle cx="${cx}" cy="${cy}" r="1.8"><title>${escapeXml(label)}</title></circle>`);
  });
  const dash = line.dash === '' ? '' : ` stroke-dasharray="${line.dash}"`;
  return [
    `<g fill="none" stroke="${line.color}" stroke-width="1.8"${dash}>${runs.map((points) => `<polyline points="${points.join(' ')}"><title>${line.name}</title></polyline>`).join('')}</g>`,
    `<g fill="${line.color}">${dots.join('')}</g>`,
  ];
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toPrecision(6))} s` : `${Number(ms.toPrecision(6))} ms`;
}
