// Self-contained SVG charts for the benchmark report: grouped bars, line panels and p50–p99
// ranges. Pure: data in, an <svg> element out; every text goes through escapeXml. Invariants:
// every text lies inside the picture and apart from the others (room sized by generous text
// widths), and every bar above 0 is tall enough to see (a log axis when values span too much).

import { escapeXml } from '../base/xml.js';

const PALETTE = ['#3b7dd8', '#2a9d5c', '#d8873b', '#8c8c8c', '#c0392b', '#8e44ad', '#16a085', '#d4ac0d', '#5d6d7e', '#e84393'];
const FONT_SIZE = 12;
const FONT = `font-family="sans-serif" font-size="${FONT_SIZE}"`;

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

/**
 * The width a text takes, in px, at least: glyph widths in em close to DejaVu Sans, the widest
 * sans-serif a browser falls back to, so the room a chart keeps for a label is never too small
 * (Arial and Liberation Sans are narrower). Bold text is about a tenth wider.
 */
export function textWidth(text: string, fontSize: number, bold = false): number {
  let em = 0;
  for (const c of text) {
    if (" ,.:;|!'ijl".includes(c)) em += 0.34;
    else if ('ftr()[]/-'.includes(c)) em += 0.45;
    else if ('mwMW%@'.includes(c)) em += 1.0;
    else if (c >= 'A' && c <= 'Z') em += 0.78;
    else if (c.charCodeAt(0) < 128) em += 0.66;
    else em += 1.0;
  }
  return em * fontSize * (bold ? 1.12 : 1);
}

/** Group names under bar and range charts are slanted this much, so long names fit under narrow slots. */
export const SLANT_DEGREES = 45;
export const GROUP_LABEL_SIZE = 11;
const SLANT = (SLANT_DEGREES * Math.PI) / 180;
/** The gap between the plot's bottom and where a slanted name starts. */
const GROUP_LABEL_GAP = 10;
/** Slots narrower than this would let neighbouring slanted names touch: their baselines lie slot × sin(slant) apart. */
const MIN_SLOT = Math.ceil((GROUP_LABEL_SIZE * 1.3 + 3) / Math.sin(SLANT));
const LEGEND_ROW = 18;
const TITLE_Y = 22;
const NOTE_Y = 40;
/** A bar shorter than this on a linear axis is hard to see: the axis goes logarithmic instead. */
export const MIN_BAR_PX = 4;

function legend(names: readonly string[], x: number, y: number, colorOf: (i: number) => string, dashed: (i: number) => boolean = () => false): string[] {
  return names.map((name, i) => {
    const top = y + i * LEGEND_ROW;
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

/** What every chart has around its plot: a title (and maybe a note under it), a y label, a legend. */
interface Heading {
  readonly title: string;
  readonly titleSize: number;
  /** A line under the title, such as what every group has in common. */
  readonly note?: string | undefined;
  readonly yLabel: string;
  readonly legend: readonly string[];
}

const LEFT = 70;

function plotTop(heading: Heading): number {
  return heading.note === undefined ? 40 : 56;
}

/** The right edge of the title, the note and the legend (drawn right of the plot), and the legend's bottom. */
function headingExtent(heading: Heading, legendX: number, top: number): { right: number; bottom: number } {
  const legendWidth = Math.max(0, ...heading.legend.map((name) => 18 + textWidth(name, FONT_SIZE)));
  return {
    right: Math.max(
      LEFT + textWidth(heading.title, heading.titleSize, true),
      heading.note === undefined ? 0 : LEFT + textWidth(heading.note, FONT_SIZE),
      legendX + legendWidth,
    ),
    bottom: top + heading.legend.length * LEGEND_ROW,
  };
}

/** Bar and range charts: a slot per group, the group names slanted under the plot, everything inside the picture. */
function groupedFrame(heading: Heading, labels: readonly string[], minSlot: number): { frame: Frame; slot: number } {
  const plotWidth = Math.max(420, labels.length * Math.max(minSlot, MIN_SLOT));
  const slot = plotWidth / Math.max(1, labels.length);
  const plotHeight = BAR_PLOT_HEIGHT;
  const top = plotTop(heading);
  const longest = Math.max(0, ...labels.map((label) => textWidth(label, GROUP_LABEL_SIZE)));
  // A slanted name runs down and to the right from under its slot's middle; its glyphs rise a font size across the run.
  const below = GROUP_LABEL_GAP + longest * Math.sin(SLANT) + GROUP_LABEL_SIZE * Math.cos(SLANT) + 8;
  const labelsRight = LEFT + (labels.length - 0.5) * slot + longest * Math.cos(SLANT) + GROUP_LABEL_SIZE * Math.sin(SLANT);
  const extent = headingExtent(heading, LEFT + plotWidth + 20, top);
  return {
    slot,
    frame: {
      left: LEFT,
      top,
      plotWidth,
      plotHeight,
      width: Math.ceil(Math.max(labelsRight, extent.right, LEFT + plotWidth + 20) + 12),
      height: Math.ceil(Math.max(top + plotHeight + below, extent.bottom) + 10),
    },
  };
}

/** The <svg> opening with its accessible title, the white ground, the title (and note) and the rotated y-axis label. */
function chartOpening(frame: Frame, heading: Heading): string[] {
  const { width, height, left, top, plotHeight } = frame;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>`,
    `<title>${escapeXml(heading.title)}</title>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="${TITLE_Y}" font-size="${heading.titleSize}" font-weight="bold">${escapeXml(heading.title)}</text>`,
    ...(heading.note === undefined ? [] : [`<text class="note" x="${left}" y="${NOTE_Y}" fill="#555">${escapeXml(heading.note)}</text>`]),
    `<text transform="translate(16,${top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escapeXml(heading.yLabel)}</text>`,
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

/** A group's name, slanted, starting under the middle of its slot. */
function groupName(frame: Frame, index: number, slot: number, label: string): string {
  const x = frame.left + index * slot + slot / 2 - 3;
  const y = frame.top + frame.plotHeight + GROUP_LABEL_GAP;
  return `<text class="group" transform="translate(${fixed(x)},${y}) rotate(${SLANT_DEGREES})" font-size="${GROUP_LABEL_SIZE}">${escapeXml(label)}</text>`;
}

/** The legend to the right of the plot, then the closing tag. */
function chartClosing(frame: Frame, names: readonly string[], dashed?: (i: number) => boolean): string[] {
  return [...legend(names, frame.left + frame.plotWidth + 20, frame.top, seriesColor, dashed), '</svg>'];
}

export interface BarGroup {
  readonly label: string;
  /** The group's whole name for the hover text, when `label` leaves out what a note says once. */
  readonly fullName?: string;
  /** One value per series (null: no bar), in the chart's series order. */
  readonly values: readonly (number | null)[];
}

export interface BarChartSpec {
  readonly title: string;
  /** A line under the title: what every group has in common, say. */
  readonly note?: string;
  readonly yLabel: string;
  readonly series: readonly string[];
  readonly groups: readonly BarGroup[];
  readonly format: (value: number) => string;
}

/** A value axis: how far up the plot a value sits (0 bottom, 1 top), its gridlines, and whether it is logarithmic. */
interface ValueAxis {
  readonly fraction: (value: number) => number;
  readonly ticks: readonly number[];
  readonly log: boolean;
}

/**
 * Linear from 0, unless the smallest value above 0 would be a bar shorter than MIN_BAR_PX of
 * `plotHeight`: then logarithmic, from a power of ten at least half a decade under the smallest
 * value, so every bar above 0 shows.
 */
export function barAxis(values: readonly number[], plotHeight: number): ValueAxis {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  const ticks = niceTicks(Math.max(0, ...positive));
  const yMax = ticks[ticks.length - 1] as number;
  const smallest = Math.min(...positive);
  if (positive.length === 0 || (smallest / yMax) * plotHeight >= MIN_BAR_PX) {
    return { fraction: (value) => Math.max(0, value) / yMax, ticks, log: false };
  }
  let lowExp = Math.floor(Math.log10(smallest));
  if (smallest / 10 ** lowExp < 3) lowExp -= 1;
  const highExp = Math.max(lowExp + 1, Math.ceil(Math.log10(Math.max(...positive))));
  const decades: number[] = [];
  // Finite values span at most about 630 decades; a chart's own values far fewer.
  for (let exp = lowExp; exp <= highExp; exp++) decades.push(Number((10 ** exp).toPrecision(12)));
  return { fraction: (value) => (value <= 0 ? 0 : (Math.log10(value) - lowExp) / (highExp - lowExp)), ticks: decades, log: true };
}

const BAR_PLOT_HEIGHT = 260;

export function barChart(spec: BarChartSpec): string {
  const barWidth = spec.series.length > 6 ? 10 : 16;
  const axis = barAxis(
    spec.groups.flatMap((group) => group.values.filter((v): v is number => v !== null)),
    BAR_PLOT_HEIGHT,
  );
  const heading: Heading = {
    title: spec.title,
    titleSize: 15,
    note: spec.note,
    yLabel: axis.log ? `${spec.yLabel} (log scale)` : spec.yLabel,
    legend: spec.series,
  };
  const { frame, slot } = groupedFrame(
    heading,
    spec.groups.map((group) => group.label),
    Math.max(28, spec.series.length * barWidth + 12),
  );
  const { top, left, plotHeight } = frame;
  const bottom = top + plotHeight;
  const y = (value: number): number => bottom - axis.fraction(value) * plotHeight;
  const parts = chartOpening(frame, heading);
  for (const tick of axis.ticks) parts.push(gridLine(frame, y(tick), tick));
  parts.push(baseline(frame));
  spec.groups.forEach((group, g) => {
    const x0 = left + g * slot + (slot - spec.series.length * barWidth) / 2;
    group.values.forEach((value, s) => {
      if (value === null) return;
      const name = spec.series[s] ?? '';
      const tip = `<title>${escapeXml(`${group.fullName ?? group.label}${name === '' ? '' : `, ${name}`}: ${spec.format(value)}`)}</title>`;
      const x = x0 + s * barWidth;
      if (value <= 0) {
        // A zero has no bar; a 0 on the baseline tells it apart from a missing value.
        parts.push(`<text class="zero" x="${fixed(x + (barWidth - 2) / 2)}" y="${bottom - 3}" font-size="9" text-anchor="middle">0${tip}</text>`);
        return;
      }
      parts.push(
        `<rect class="bar" x="${fixed(x)}" y="${fixed(y(value))}" width="${barWidth - 2}" height="${fixed(bottom - y(value))}" fill="${seriesColor(s)}">${tip}</rect>`,
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
  const heading: Heading = { title: spec.title, titleSize: 14, yLabel: spec.yLabel, legend: spec.series.map((s) => s.name) };
  const top = plotTop(heading);
  const extent = headingExtent(heading, LEFT + plotWidth + 20, top);
  const frame: Frame = {
    left: LEFT,
    top,
    plotWidth,
    plotHeight,
    width: Math.ceil(Math.max(extent.right, LEFT + plotWidth + 20, LEFT + plotWidth / 2 + textWidth(spec.xLabel, FONT_SIZE) / 2) + 12),
    height: Math.ceil(Math.max(top + plotHeight + 50, extent.bottom + 10)),
  };
  const { left } = frame;
  const xs = [...new Set(spec.series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
  const xMin = Math.min(0, ...xs);
  const xMax = Math.max(1, ...xs);
  const yTicks = niceTicks(Math.max(0, ...spec.series.flatMap((s) => s.points.map((p) => p.y))));
  const yMax = yTicks[yTicks.length - 1] as number;
  const x = (value: number): number => left + ((value - xMin) / (xMax - xMin)) * plotWidth;
  const y = (value: number): number => top + plotHeight - (plotHeight * value) / yMax;
  const parts = chartOpening(frame, heading);
  parts.push(`<text x="${left + plotWidth / 2}" y="${top + plotHeight + 38}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`);
  for (const tick of yTicks) parts.push(gridLine(frame, y(tick), tick));
  // Every x gets a tick mark; a tick's number is left out where it would touch the one before.
  let labelledUpTo = Number.NEGATIVE_INFINITY;
  for (const tick of xs) {
    const label = tickLabel(tick);
    const half = textWidth(label, FONT_SIZE) / 2;
    const mark = `<line x1="${fixed(x(tick))}" y1="${top + plotHeight}" x2="${fixed(x(tick))}" y2="${top + plotHeight + 4}" stroke="#333"/>`;
    if (x(tick) - half < labelledUpTo + 4) {
      parts.push(mark);
      continue;
    }
    labelledUpTo = x(tick) + half;
    parts.push(`${mark}<text x="${fixed(x(tick))}" y="${top + plotHeight + 18}" text-anchor="middle">${label}</text>`);
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
  /** The group's whole name for the hover text, when `label` leaves out what a note says once. */
  readonly fullName?: string;
  /** Per series: [p50, p99] in ms, or null. */
  readonly ranges: readonly ({ readonly low: number; readonly high: number } | null)[];
}

export interface RangeChartSpec {
  readonly title: string;
  /** A line under the title: what every group has in common, say. */
  readonly note?: string;
  readonly series: readonly string[];
  readonly groups: readonly RangeGroup[];
}

/** Latency quantiles on a log scale: a dot at p50, a bar up to p99, per series and group. */
export function rangeChart(spec: RangeChartSpec): string {
  const heading: Heading = {
    title: spec.title,
    titleSize: 15,
    note: spec.note,
    yLabel: 'ms (log scale)',
    legend: spec.series.map((name) => `${name} (dot p50, bar to p99)`),
  };
  const { frame, slot } = groupedFrame(
    heading,
    spec.groups.map((group) => group.label),
    Math.max(28, spec.series.length * 12 + 12),
  );
  const { top, left, plotHeight } = frame;
  const values = spec.groups.flatMap((g) => g.ranges.flatMap((r) => (r === null ? [] : [r.low, r.high]))).filter((v) => v > 0);
  const lowExp = Math.floor(Math.log10(Math.min(1, ...values)));
  const highExp = Math.max(lowExp + 1, Math.ceil(Math.log10(Math.max(10, ...values))));
  const y = (ms: number): number => {
    const clamped = Math.min(Math.max(ms, 10 ** lowExp), 10 ** highExp);
    return top + plotHeight - ((Math.log10(clamped) - lowExp) / (highExp - lowExp)) * plotHeight;
  };
  const parts = chartOpening(frame, heading);
  // highExp - lowExp is at most a few decades: the ms values are bounded by the run's length.
  for (let exp = lowExp; exp <= highExp; exp++) parts.push(gridLine(frame, y(10 ** exp), 10 ** exp));
  spec.groups.forEach((group, g) => {
    const x0 = left + g * slot + (slot - spec.series.length * 12) / 2;
    group.ranges.forEach((range, s) => {
      if (range === null) return;
      const cx = x0 + s * 12 + 5;
      const name = spec.series[s] ?? '';
      parts.push(
        `<g class="range"><title>${escapeXml(`${group.fullName ?? group.label}, ${name}: p50 ${range.low.toFixed(2)} ms, p99 ${range.high.toFixed(2)} ms`)}</title>` +
          `<line x1="${fixed(cx)}" y1="${fixed(y(range.low))}" x2="${fixed(cx)}" y2="${fixed(y(range.high))}" stroke="${seriesColor(s)}" stroke-width="4"/>` +
          `<circle cx="${fixed(cx)}" cy="${fixed(y(range.low))}" r="4" fill="white" stroke="${seriesColor(s)}" stroke-width="2"/></g>`,
      );
    });
    parts.push(groupName(frame, g, slot, group.label));
  });
  parts.push(baseline(frame));
  parts.push(...chartClosing(frame, heading.legend));
  return parts.join('\n');
}
