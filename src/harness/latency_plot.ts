// latency.svg: every operation's latency against the time it was invoked, on a log scale,
// colored by outcome (ok / fail / info) and shaped by function (read / write / cas, or txn),
// with the periods of each fault shaded: the picture Maelstrom draws as latency-raw.png. Pure: records
// in, a self-contained SVG document out. Very long runs are thinned (deterministically) to at
// most maxPoints points, keeping every failed and indeterminate op before ok ones.

import { escapeXml } from '../base/xml.js';
import type { NemesisKind } from './nemesis_actions.js';
import type { FaultInterval, OpRecord, OutcomeType } from './results.js';

export interface PlotOptions {
  readonly title: string;
  readonly durationMs: number;
  readonly maxPoints?: number;
  /** The functions in the legend (default lin-kv's read, write, cas). */
  readonly functions?: readonly string[];
}

const WIDTH = 960;
const HEIGHT = 480;
const LEFT = 70;
const RIGHT = 170;
const TOP = 40;
const BOTTOM = 50;

const OUTCOME_COLORS: { readonly [t in OutcomeType]: string } = { ok: '#2f7ed8', fail: '#e0457b', info: '#f0a30a' };
const FAULT_COLORS: { readonly [k in NemesisKind]: string } = {
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
const LIN_KV_FUNCTIONS: readonly string[] = ['read', 'write', 'cas'];

function marker(f: string, x: number, y: number, color: string): string {
  const cx = x.toFixed(1);
  const cy = y.toFixed(1);
  switch (f) {
    case 'read':
      return `<circle cx="${cx}" cy="${cy}" r="2.2" fill="${color}"/>`;
    case 'write':
      return `<rect x="${(x - 2).toFixed(1)}" y="${(y - 2).toFixed(1)}" width="4" height="4" fill="${color}"/>`;
    case 'cas':
      return `<path d="M${cx} ${(y - 2.6).toFixed(1)}L${(x + 2.5).toFixed(1)} ${(y + 2).toFixed(1)}L${(x - 2.5).toFixed(1)} ${(y + 2).toFixed(1)}Z" fill="${color}"/>`;
    default:
      // txn, and anything else: a diamond.
      return `<path d="M${cx} ${(y - 2.8).toFixed(1)}L${(x + 2.8).toFixed(1)} ${cy}L${cx} ${(y + 2.8).toFixed(1)}L${(x - 2.8).toFixed(1)} ${cy}Z" fill="${color}"/>`;
  }
}

/** Keeps every non-ok op (up to the budget), then every k-th ok op. */
export function thinOps(ops: readonly OpRecord[], maxPoints: number): { kept: OpRecord[]; thinned: boolean } {
  if (ops.length <= maxPoints) return { kept: [...ops], thinned: false };
  const notOk = ops.filter((op) => op.type !== 'ok');
  const ok = ops.filter((op) => op.type === 'ok');
  const notOkKept = notOk.length > maxPoints / 2 ? notOk.filter((_, i) => i % Math.ceil(notOk.length / (maxPoints / 2)) === 0) : notOk;
  const okBudget = Math.max(1, maxPoints - notOkKept.length);
  const step = Math.ceil(ok.length / okBudget);
  const okKept = ok.filter((_, i) => i % step === 0);
  return { kept: [...okKept, ...notOkKept], thinned: true };
}

export function renderLatencyPlot(ops: readonly OpRecord[], faults: readonly FaultInterval[], options: PlotOptions): string {
  const { kept, thinned } = thinOps(ops, options.maxPoints ?? 30_000);
  const plotWidth = WIDTH - LEFT - RIGHT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const maxMs = Math.max(options.durationMs, ...kept.map((op) => op.completeMs), 1);
  const latencies = kept.map((op) => Math.max(op.completeMs - op.invokeMs, 0.01));
  let lowExp = Math.floor(Math.log10(Math.min(1, ...latencies)));
  let highExp = Math.ceil(Math.log10(Math.max(10, ...latencies)));
  if (highExp <= lowExp) highExp = lowExp + 1;
  lowExp = Math.max(lowExp, -2);
  const x = (ms: number): number => LEFT + (ms / maxMs) * plotWidth;
  const y = (latencyMs: number): number => {
    const clamped = Math.min(Math.max(latencyMs, 10 ** lowExp), 10 ** highExp);
    return TOP + plotHeight - ((Math.log10(clamped) - lowExp) / (highExp - lowExp)) * plotHeight;
  };

  const parts: string[] = [];
  parts.push(`<rect x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`);
  parts.push(`<text x="${LEFT}" y="24" font-size="15" font-weight="bold">${escapeXml(options.title)}</text>`);
  // Fault shading first, under the points.
  for (const fault of faults) {
    const start = x(fault.startMs);
    const end = x(fault.endMs ?? maxMs);
    parts.push(
      `<rect x="${start.toFixed(1)}" y="${TOP}" width="${Math.max(end - start, 1).toFixed(1)}" height="${plotHeight}" fill="${FAULT_COLORS[fault.kind]}" opacity="0.6">` +
        `<title>${escapeXml(`${fault.kind}: ${fault.description} (${(fault.startMs / 1000).toFixed(2)} s – ${fault.endMs === null ? 'end' : `${(fault.endMs / 1000).toFixed(2)} s`})`)}</title></rect>`,
    );
  }
  // Axes and grid.
  parts.push(`<rect x="${LEFT}" y="${TOP}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#444"/>`);
  for (let e = lowExp; e <= highExp; e++) {
    const gy = y(10 ** e);
    parts.push(`<line x1="${LEFT}" y1="${gy.toFixed(1)}" x2="${LEFT + plotWidth}" y2="${gy.toFixed(1)}" stroke="#ddd"/>`);
    const label = e >= 0 ? String(10 ** e) : (10 ** e).toFixed(-e);
    parts.push(`<text x="${LEFT - 6}" y="${(gy + 4).toFixed(1)}" font-size="11" text-anchor="end">${label}</text>`);
  }
  const tickSeconds = niceStep(maxMs / 1000 / 10);
  for (let s = 0; s * 1000 <= maxMs + 1e-6; s += tickSeconds) {
    const gx = x(s * 1000);
    parts.push(`<line x1="${gx.toFixed(1)}" y1="${TOP + plotHeight}" x2="${gx.toFixed(1)}" y2="${TOP + plotHeight + 4}" stroke="#444"/>`);
    parts.push(`<text x="${gx.toFixed(1)}" y="${TOP + plotHeight + 17}" font-size="11" text-anchor="middle">${formatSeconds(s)}</text>`);
  }
  parts.push(`<text x="${LEFT + plotWidth / 2}" y="${HEIGHT - 12}" font-size="12" text-anchor="middle">time (s)</text>`);
  parts.push(
    `<text x="18" y="${TOP + plotHeight / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 18 ${TOP + plotHeight / 2})">latency (ms, log scale)</text>`,
  );
  // Points: ok first so failures and indeterminate ops are drawn on top.
  const order: OutcomeType[] = ['ok', 'fail', 'info'];
  for (const type of order) {
    const points: string[] = [];
    for (let i = 0; i < kept.length; i++) {
      const op = kept[i] as OpRecord;
      if (op.type !== type) continue;
      points.push(marker(op.f, x(op.invokeMs), y(latencies[i] as number), OUTCOME_COLORS[type]));
    }
    parts.push(`<g opacity="0.75">${points.join('')}</g>`);
  }
  // Legend.
  const lx = LEFT + plotWidth + 16;
  let ly = TOP + 8;
  parts.push(`<text x="${lx}" y="${ly}" font-size="12" font-weight="bold">outcome</text>`);
  for (const type of order) {
    ly += 17;
    parts.push(`<circle cx="${lx + 5}" cy="${ly - 4}" r="4" fill="${OUTCOME_COLORS[type]}"/><text x="${lx + 15}" y="${ly}" font-size="12">${type}</text>`);
  }
  ly += 26;
  parts.push(`<text x="${lx}" y="${ly}" font-size="12" font-weight="bold">function</text>`);
  for (const f of options.functions ?? LIN_KV_FUNCTIONS) {
    ly += 17;
    parts.push(`${marker(f, lx + 5, ly - 4, '#555')}<text x="${lx + 15}" y="${ly}" font-size="12">${f}</text>`);
  }
  const faultKinds = [...new Set(faults.map((fault) => fault.kind))];
  if (faultKinds.length > 0) {
    ly += 26;
    parts.push(`<text x="${lx}" y="${ly}" font-size="12" font-weight="bold">fault</text>`);
    for (const kind of faultKinds) {
      ly += 17;
      parts.push(
        `<rect x="${lx}" y="${ly - 10}" width="11" height="11" fill="${FAULT_COLORS[kind]}"/><text x="${lx + 15}" y="${ly}" font-size="12">${kind}</text>`,
      );
    }
  }
  ly += 26;
  parts.push(`<text x="${lx}" y="${ly}" font-size="11">${ops.length} ops${thinned ? `, ${kept.length} drawn` : ''}</text>`);

  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif">\n` +
    `${parts.join('\n')}\n</svg>\n`
  );
}

function niceStep(raw: number): number {
  if (raw <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const factor of [1, 2, 5, 10]) if (raw <= factor * magnitude) return factor * magnitude;
  return 10 * magnitude;
}

function formatSeconds(s: number): string {
  return Number.isInteger(s) ? String(s) : s.toFixed(1);
}
