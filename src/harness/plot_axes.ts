// The frame the run's time-series pictures share (latency.svg, rate.svg, latency-quantiles.svg):
// a plot area, the time axis in seconds, a log or linear value axis with its grid, the fault
// intervals shaded with their legend, and the SVG document around the parts. Pure: numbers in,
// SVG fragments out; it draws no data, so each picture stays the same kind of chart as the others.

import { escapeXml } from '../base/xml.js';
import type { NemesisKind } from './nemesis_actions.js';
import type { FaultInterval, OutcomeType } from './results.js';

export const OUTCOME_COLORS: { readonly [t in OutcomeType]: string } = { ok: '#2f7ed8', fail: '#e0457b', info: '#f0a30a' };

export const FAULT_COLORS: { readonly [k in NemesisKind]: string } = {
  partition: '#E9DCA0',
  kill: '#F3B3A6',
  pause: '#C9D6F0',
  'partition-leader': '#E3C77A',
  'partition-new-leader': '#D9B25C',
  'partition-election': '#EBD9B0',
  'kill-leader': '#E8907E',
  'pause-leader': '#A9BFE8',
  'delay-spike': '#CDE3C1',
  duplicate: '#DCC9E8',
};

/** The rectangle the data is drawn in, in SVG pixels. */
export interface PlotArea {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** The size every time-series picture of a run has, and its plot area (the legend goes to the right of it). */
export const FRAME_WIDTH = 960;
export const FRAME_HEIGHT = 480;
export const FRAME_AREA: PlotArea = { left: 70, top: 40, width: FRAME_WIDTH - 70 - 170, height: FRAME_HEIGHT - 40 - 50 };

export interface TimeScale {
  readonly maxMs: number;
  x(ms: number): number;
}

/** A value axis: where a value goes, and the grid lines with their labels. */
export interface ValueScale {
  y(value: number): number;
  readonly ticks: readonly { readonly value: number; readonly label: string }[];
}

export function timeScale(area: PlotArea, maxMs: number): TimeScale {
  const span = Math.max(maxMs, 1);
  return { maxMs: span, x: (ms) => area.left + (ms / span) * area.width };
}

/** Decades from the smallest value (at most 1, at least 10^minExp) to the largest (at least 10). */
export function logScale(area: PlotArea, values: Iterable<number>, minExp = -2): ValueScale {
  let low = 1;
  let high = 10;
  for (const value of values) {
    if (value < low) low = value;
    if (value > high) high = value;
  }
  let lowExp = Math.floor(Math.log10(Math.max(low, Number.MIN_VALUE)));
  let highExp = Math.ceil(Math.log10(high));
  if (highExp <= lowExp) highExp = lowExp + 1;
  lowExp = Math.max(lowExp, minExp);
  const bottom = area.top + area.height;
  const ticks = [];
  for (let e = lowExp; e <= highExp; e++) ticks.push({ value: 10 ** e, label: e >= 0 ? String(10 ** e) : (10 ** e).toFixed(-e) });
  return {
    y: (value) => {
      const clamped = Math.min(Math.max(value, 10 ** lowExp), 10 ** highExp);
      return bottom - ((Math.log10(clamped) - lowExp) / (highExp - lowExp)) * area.height;
    },
    ticks,
  };
}

/** From 0 to a round number at or above the largest value, about five grid lines. */
export function linearScale(area: PlotArea, maxValue: number): ValueScale {
  const step = niceStep(Math.max(maxValue, 1) / 5);
  const top = Math.max(step, Math.ceil(Math.max(maxValue, 1) / step) * step);
  const bottom = area.top + area.height;
  const ticks = [];
  for (let value = 0; value <= top + step / 2; value += step) ticks.push({ value, label: formatNumber(value) });
  return { y: (value) => bottom - (Math.min(Math.max(value, 0), top) / top) * area.height, ticks };
}

/** Each fault as a shaded band over the plot's height, its kind and times on hover. */
export function faultBands(faults: readonly FaultInterval[], area: PlotArea, time: TimeScale): string[] {
  return faults.map((fault) => {
    const start = time.x(fault.startMs);
    const end = time.x(fault.endMs ?? time.maxMs);
    return (
      `<rect x="${start.toFixed(1)}" y="${area.top}" width="${Math.max(end - start, 1).toFixed(1)}" height="${area.height}" fill="${FAULT_COLORS[fault.kind]}" opacity="0.6">` +
      `<title>${escapeXml(describeFault(fault))}</title></rect>`
    );
  });
}

export function describeFault(fault: FaultInterval): string {
  return `${fault.kind}: ${fault.description} (${(fault.startMs / 1000).toFixed(2)} s – ${fault.endMs === null ? 'end' : `${(fault.endMs / 1000).toFixed(2)} s`})`;
}

/** The frame, the value grid with its labels and title, and the time ticks with theirs. */
export function axes(area: PlotArea, time: TimeScale, value: ValueScale, valueTitle: string, svgHeight: number): string[] {
  const parts = [`<rect x="${area.left}" y="${area.top}" width="${area.width}" height="${area.height}" fill="none" stroke="#444"/>`];
  const right = area.left + area.width;
  const bottom = area.top + area.height;
  for (const tick of value.ticks) {
    const gy = value.y(tick.value).toFixed(1);
    parts.push(`<line x1="${area.left}" y1="${gy}" x2="${right}" y2="${gy}" stroke="#ddd"/>`);
    parts.push(`<text x="${area.left - 6}" y="${(Number(gy) + 4).toFixed(1)}" font-size="11" text-anchor="end">${tick.label}</text>`);
  }
  const tickSeconds = niceStep(time.maxMs / 1000 / 10);
  for (let s = 0; s * 1000 <= time.maxMs + 1e-6; s += tickSeconds) {
    const gx = time.x(s * 1000).toFixed(1);
    parts.push(`<line x1="${gx}" y1="${bottom}" x2="${gx}" y2="${bottom + 4}" stroke="#444"/>`);
    parts.push(`<text x="${gx}" y="${bottom + 17}" font-size="11" text-anchor="middle">${formatNumber(s)}</text>`);
  }
  parts.push(`<text x="${area.left + area.width / 2}" y="${svgHeight - 12}" font-size="12" text-anchor="middle">time (s)</text>`);
  const mid = area.top + area.height / 2;
  parts.push(`<text x="18" y="${mid}" font-size="12" text-anchor="middle" transform="rotate(-90 18 ${mid})">${escapeXml(valueTitle)}</text>`);
  return parts;
}

/** A legend's heading at (x, y). */
export function legendHeading(x: number, y: number, text: string): string {
  return `<text x="${x}" y="${y}" font-size="12" font-weight="bold">${escapeXml(text)}</text>`;
}

/** One legend line per fault kind present, under a heading; returns the parts and the next free y. */
export function faultLegend(faults: readonly FaultInterval[], x: number, y: number): { readonly parts: string[]; readonly y: number } {
  const kinds = [...new Set(faults.map((fault) => fault.kind))];
  if (kinds.length === 0) return { parts: [], y };
  let ly = y;
  const parts = [legendHeading(x, ly, 'fault')];
  for (const kind of kinds) {
    ly += 17;
    parts.push(
      `<rect x="${x}" y="${ly - 10}" width="11" height="11" fill="${FAULT_COLORS[kind]}"/><text x="${x + 15}" y="${ly}" font-size="12">${kind}</text>`,
    );
  }
  return { parts, y: ly };
}

export function svgDocument(width: number, height: number, parts: readonly string[]): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">\n` +
    `${parts.join('\n')}\n</svg>\n`
  );
}

/** 1, 2 or 5 times a power of ten, at or above `raw`. */
export function niceStep(raw: number): number {
  if (raw <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const factor of [1, 2, 5, 10]) if (raw <= factor * magnitude) return factor * magnitude;
  return 10 * magnitude;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
}
