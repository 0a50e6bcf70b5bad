// Self-contained SVG charts for the benchmark report: grouped bars, line panels and p50–p99
// ranges. Pure: data in, an <svg> element out; every text goes through escapeXml.

import { escapeXml } from '../base/xml.js';

const PALETTE = ['#3b7dd8', '#2a9d5c', '#d8873b', '#8c8c8c', '#c0392b', '#8e44ad', '#16a085', '#d4ac0d', '#5d6d7e', '#e84393'];
const FONT = 'font-family="sans-serif" font-size="12"';

function seriesColor(index: number): string {
  return PALETTE[index % PALETTE.length] as string;
}

function fixed(value: number): string {
  return value.toFixed(1);
}

/** About `count` round tick values (1, 2 or 5 × 10^k apart) from 0 to at least max. */
export function niceTicks(max: number, count = 4): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const rough = max / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 5, 10].find((m) => m * power >= rough) ?? 10) * power;
  const ticks: number[] = [];
  // count + 2 bounds the loop whatever rounding does to the step.
  for (let i = 0; i <= count + 2 && (ticks.length === 0 || (ticks[ticks.length - 1] as number) < max); i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

function tickLabel(value: number): string {
  if (value >= 10_000) return `${Number((value / 1000).toPrecision(4))}k`;
  return String(Number(value.toPrecision(6)));
}

function legend(names: readonly string[], x: number, y: number, colorOf: (i: number) => string, dashed: (i: number) => boolean = () => false): string[] {
  return names.map((name, i) => {
    const top = y + i * 18;
    const swatch = dashed(i)
      ? `<line x1="${x}" y1="${top + 6}" x2="${x + 14}" y2="${top + 6}" stroke="${colorOf(i)}" stroke-width="2" stroke-dasharray="4 3"/>`
      : `<rect x="${x}" y="${top}" width="12" height="12" fill="${colorOf(i)}"/>`;
    return `${swatch}<text x="${x + 18}" y="${top + 10}">${escapeXml(name)}</text>`;
  });
}

/** Where a chart draws: the plot area and the whole picture, in px. */
interface Frame {
  readonly left: number;
  readonly top: number;
  readonly plotWidth: number;
  readonly plotHeight: number;
  readonly width: number;
  readonly height: number;
}

const LEFT = 70;
const TOP = 40;

/** Bar and range charts: a slot per group, the group names slanted under the plot. */
function groupedFrame(groupCount: number, slot: number): Frame {
  const plotWidth = Math.max(420, groupCount * slot);
  const plotHeight = 260;
  return { left: LEFT, top: TOP, plotWidth, plotHeight, width: LEFT + plotWidth + 240, height: TOP + plotHeight + 165 };
}

/** The <svg> opening, the white ground, the title and the rotated y-axis label. */
function chartOpening(frame: Frame, title: string, titleSize: number, yLabel: string): string[] {
  const { width, height, left, top, plotHeight } = frame;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="22" font-size="${titleSize}" font-weight="bold">${escapeXml(title)}</text>`,
    `<text transform="translate(16,${top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
  ];
}

/** A horizontal gridline across the plot at height `at`, labelled `value` on the left. */
function gridLine(frame: Frame, at: number, value: number): string {
  const { left, plotWidth } = frame;
  return `<line x1="${left}" y1="${fixed(at)}" x2="${left + plotWidth}" y2="${fixed(at)}" stroke="#ddd"/><text x="${left - 6}" y="${fixed(at + 4)}" text-anchor="end">${tickLabel(value)}</text>`;
}

/** The x axis: a line along the bottom of the plot. */
function baseline(frame: Frame): string {
  const { left, top, plotWidth, plotHeight } = frame;
  return `<line x1="${left}" y1="${top + plotHeight}" x2="${left + plotWidth}" y2="${top + plotHeight}" stroke="#333"/>`;
}

/** A group's name, slanted, under the middle of its slot. */
function groupName(frame: Frame, index: number, slot: number, label: string): string {
  return `<text transform="translate(${fixed(frame.left + index * slot + slot / 2 - 4)},${frame.top + frame.plotHeight + 12}) rotate(40)" font-size="10">${escapeXml(label)}</text>`;
}

/** The legend to the right of the plot, then the closing tag. */
function chartClosing(frame: Frame, names: readonly string[], dashed?: (i: number) => boolean): string[] {
  return [...legend(names, frame.left + frame.plotWidth + 20, frame.top, seriesColor, dashed), '</svg>'];
}

export interface BarGroup {
  readonly label: string;
  /** One value per series (null: no bar), in the chart's series order. */
  readonly values: readonly (number | null)[];
}

export interface BarChartSpec {
  readonly title: string;
  readonly yLabel: string;
  readonly series: readonly string[];
  readonly groups: readonly BarGroup[];
  readonly format: (value: number) => string;
}

export function barChart(spec: BarChartSpec): string {
  const barWidth = spec.series.length > 6 ? 10 : 16;
  const frame = groupedFrame(spec.groups.length, Math.max(28, spec.series.length * barWidth + 12));
  const { top, left, plotWidth, plotHeight } = frame;
  const max = Math.max(0, ...spec.groups.flatMap((group) => group.values.filter((v): v is number => v !== null)));
  const ticks = niceTicks(max);
  const yMax = ticks[ticks.length - 1] as number;
  const y = (value: number): number => top + plotHeight - (plotHeight * value) / yMax;
  const parts = chartOpening(frame, spec.title, 15, spec.yLabel);
  for (const tick of ticks) parts.push(gridLine(frame, y(tick), tick));
  parts.push(baseline(frame));
  const slot = plotWidth / Math.max(1, spec.groups.length);
  spec.groups.forEach((group, g) => {
    const x0 = left + g * slot + (slot - spec.series.length * barWidth) / 2;
    group.values.forEach((value, s) => {
      if (value === null) return;
      const h = y(0) - y(value);
      const name = spec.series[s] ?? '';
      parts.push(
        `<rect class="bar" x="${fixed(x0 + s * barWidth)}" y="${fixed(y(value))}" width="${barWidth - 2}" height="${fixed(h)}" fill="${seriesColor(s)}">` +
          `<title>${escapeXml(`${group.label}${name === '' ? '' : `, ${name}`}: ${spec.format(value)}`)}</title></rect>`,
      );
    });
    parts.push(groupName(frame, g, slot, group.label));
  });
  parts.push(...chartClosing(frame, spec.series));
  return parts.join('\n');
}

export interface LineSeries {
  readonly name: string;
  readonly points: readonly { readonly x: number; readonly y: number }[];
  readonly dashed?: boolean;
}

export interface LineChartSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly LineSeries[];
}

export function lineChart(spec: LineChartSpec): string {
  const plotWidth = 420;
  const plotHeight = 240;
  const frame: Frame = {
    left: LEFT,
    top: TOP,
    plotWidth,
    plotHeight,
    width: LEFT + plotWidth + 230,
    height: Math.max(TOP + plotHeight + 50, TOP + spec.series.length * 18 + 10),
  };
  const { left, top } = frame;
  const xs = [...new Set(spec.series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
  const xMin = Math.min(0, ...xs);
  const xMax = Math.max(1, ...xs);
  const yTicks = niceTicks(Math.max(0, ...spec.series.flatMap((s) => s.points.map((p) => p.y))));
  const yMax = yTicks[yTicks.length - 1] as number;
  const x = (value: number): number => left + ((value - xMin) / (xMax - xMin)) * plotWidth;
  const y = (value: number): number => top + plotHeight - (plotHeight * value) / yMax;
  const parts = chartOpening(frame, spec.title, 14, spec.yLabel);
  parts.push(`<text x="${left + plotWidth / 2}" y="${top + plotHeight + 38}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`);
  for (const tick of yTicks) parts.push(gridLine(frame, y(tick), tick));
  for (const tick of xs) {
    parts.push(
      `<line x1="${fixed(x(tick))}" y1="${top + plotHeight}" x2="${fixed(x(tick))}" y2="${top + plotHeight + 4}" stroke="#333"/><text x="${fixed(x(tick))}" y="${top + plotHeight + 18}" text-anchor="middle">${tickLabel(tick)}</text>`,
    );
  }
  parts.push(baseline(frame));
  spec.series.forEach((series, i) => {
    const color = seriesColor(i);
    const points = [...series.points].sort((a, b) => a.x - b.x);
    if (points.length > 1) {
      const path = points.map((p, k) => `${k === 0 ? 'M' : 'L'}${fixed(x(p.x))} ${fixed(y(p.y))}`).join('');
      parts.push(`<path class="line" d="${path}" fill="none" stroke="${color}" stroke-width="2"${series.dashed === true ? ' stroke-dasharray="5 4"' : ''}/>`);
    }
    for (const p of points) {
      parts.push(
        `<circle cx="${fixed(x(p.x))}" cy="${fixed(y(p.y))}" r="3.5" fill="${color}"><title>${escapeXml(`${series.name}: ${tickLabel(p.x)} → ${Math.round(p.y)}`)}</title></circle>`,
      );
    }
  });
  parts.push(
    ...chartClosing(
      frame,
      spec.series.map((s) => s.name),
      (i) => spec.series[i]?.dashed === true,
    ),
  );
  return parts.join('\n');
}

interface RangeGroup {
  readonly label: string;
  /** Per series: [p50, p99] in ms, or null. */
  readonly ranges: readonly ({ readonly low: number; readonly high: number } | null)[];
}

export interface RangeChartSpec {
  readonly title: string;
  readonly series: readonly string[];
  readonly groups: readonly RangeGroup[];
}

/** Latency quantiles on a log scale: a dot at p50, a bar up to p99, per series and group. */
export function rangeChart(spec: RangeChartSpec): string {
  const frame = groupedFrame(spec.groups.length, Math.max(28, spec.series.length * 12 + 12));
  const { top, left, plotWidth, plotHeight } = frame;
  const values = spec.groups.flatMap((g) => g.ranges.flatMap((r) => (r === null ? [] : [r.low, r.high]))).filter((v) => v > 0);
  const lowExp = Math.floor(Math.log10(Math.min(1, ...values)));
  const highExp = Math.max(lowExp + 1, Math.ceil(Math.log10(Math.max(10, ...values))));
  const y = (ms: number): number => {
    const clamped = Math.min(Math.max(ms, 10 ** lowExp), 10 ** highExp);
    return top + plotHeight - ((Math.log10(clamped) - lowExp) / (highExp - lowExp)) * plotHeight;
  };
  const parts = chartOpening(frame, spec.title, 15, 'ms (log scale)');
  // highExp - lowExp is at most a few decades: the ms values are bounded by the run's length.
  for (let exp = lowExp; exp <= highExp; exp++) parts.push(gridLine(frame, y(10 ** exp), 10 ** exp));
  const groupSlot = plotWidth / Math.max(1, spec.groups.length);
  spec.groups.forEach((group, g) => {
    const x0 = left + g * groupSlot + (groupSlot - spec.series.length * 12) / 2;
    group.ranges.forEach((range, s) => {
      if (range === null) return;
      const cx = x0 + s * 12 + 5;
      const name = spec.series[s] ?? '';
      parts.push(
        `<g class="range"><title>${escapeXml(`${group.label}, ${name}: p50 ${range.low.toFixed(2)} ms, p99 ${range.high.toFixed(2)} ms`)}</title>` +
          `<line x1="${fixed(cx)}" y1="${fixed(y(range.low))}" x2="${fixed(cx)}" y2="${fixed(y(range.high))}" stroke="${seriesColor(s)}" stroke-width="4"/>` +
          `<circle cx="${fixed(cx)}" cy="${fixed(y(range.low))}" r="4" fill="white" stroke="${seriesColor(s)}" stroke-width="2"/></g>`,
      );
    });
    parts.push(groupName(frame, g, groupSlot, group.label));
  });
  parts.push(baseline(frame));
  parts.push(
    ...chartClosing(
      frame,
      spec.series.map((name) => `${name} (dot p50, bar to p99)`),
    ),
  );
  return parts.join('\n');
}
