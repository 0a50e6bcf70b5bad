// latency.svg: every operation's latency against the time it was invoked, on a log scale,
// colored by outcome (ok / fail / info) and shaped by function (read / write / cas, or txn),
// with the periods of each fault shaded: the picture Maelstrom draws as latency-raw.png. Pure: records
// in, a self-contained SVG document out. Very long runs are thinned (deterministically) to at
// most maxPoints points, keeping every failed and indeterminate op before ok ones.

import { escapeXml } from '../base/xml.js';
import {
  axes,
  FRAME_AREA,
  FRAME_HEIGHT,
  FRAME_WIDTH,
  faultBands,
  faultLegend,
  legendHeading,
  logScale,
  OUTCOME_COLORS,
  svgDocument,
  timeScale,
} from './plot_axes.js';
import type { FaultInterval, OpRecord, OutcomeType } from './results.js';

export interface PlotOptions {
  readonly title: string;
  readonly durationMs: number;
  readonly maxPoints?: number;
  /** The functions in the legend (default lin-kv's read, write, cas). */
  readonly functions?: readonly string[];
}

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
  let maxMs = Math.max(options.durationMs, 1);
  for (const op of kept) if (op.completeMs > maxMs) maxMs = op.completeMs;
  const latencies = kept.map((op) => Math.max(op.completeMs - op.invokeMs, 0.01));
  const time = timeScale(FRAME_AREA, maxMs);
  const value = logScale(FRAME_AREA, latencies);

  const parts: string[] = [];
  parts.push(`<rect x="0" y="0" width="${FRAME_WIDTH}" height="${FRAME_HEIGHT}" fill="#ffffff"/>`);
  parts.push(`<text x="${FRAME_AREA.left}" y="24" font-size="15" font-weight="bold">${escapeXml(options.title)}</text>`);
  // Fault shading first, under the points.
  parts.push(...faultBands(faults, FRAME_AREA, time));
  parts.push(...axes(FRAME_AREA, time, value, 'latency (ms, log scale)', FRAME_HEIGHT));
  // Points: ok first so failures and indeterminate ops are drawn on top.
  const order: OutcomeType[] = ['ok', 'fail', 'info'];
  for (const type of order) {
    const points: string[] = [];
    for (let i = 0; i < kept.length; i++) {
      const op = kept[i] as OpRecord;
      if (op.type !== type) continue;
      points.push(marker(op.f, time.x(op.invokeMs), value.y(latencies[i] as number), OUTCOME_COLORS[type]));
    }
    parts.push(`<g opacity="0.75">${points.join('')}</g>`);
  }
  // Legend.
  const lx = FRAME_AREA.left + FRAME_AREA.width + 16;
  let ly = FRAME_AREA.top + 8;
  parts.push(legendHeading(lx, ly, 'outcome'));
  for (const type of order) {
    ly += 17;
    parts.push(`<circle cx="${lx + 5}" cy="${ly - 4}" r="4" fill="${OUTCOME_COLORS[type]}"/><text x="${lx + 15}" y="${ly}" font-size="12">${type}</text>`);
  }
  ly += 26;
  parts.push(legendHeading(lx, ly, 'function'));
  for (const f of options.functions ?? LIN_KV_FUNCTIONS) {
    ly += 17;
    parts.push(`${marker(f, lx + 5, ly - 4, '#555')}<text x="${lx + 15}" y="${ly}" font-size="12">${f}</text>`);
  }
  const faultKeys = faultLegend(faults, lx, ly + 26);
  parts.push(...faultKeys.parts);
  ly = faults.length > 0 ? faultKeys.y : ly;
  ly += 26;
  parts.push(`<text x="${lx}" y="${ly}" font-size="11">${ops.length} ops${thinned ? `, ${kept.length} drawn` : ''}</text>`);
  return svgDocument(FRAME_WIDTH, FRAME_HEIGHT, parts);
}
