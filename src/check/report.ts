// Human-facing reports of a check: a text summary, an explanation of each invalid or unknown key
// (the op that cannot be linearized, the longest linearizable prefix, the concurrent ops), and a
// self-contained SVG timeline of the offending ops. Pure: results in, strings out. The timeline's
// x axis is event order (what the checker reasons about), with real times in tooltips.

import { escapeXml } from '../base/xml.js';
import type { CheckResult, KeyResult, LinearizabilityFailure } from './linearizability.js';
import { interpretOperation } from './linearizability.js';
import type { Operation } from './operations.js';
import { describeOperation, operationLabel, showValue } from './operations.js';

export interface ExplainOptions {
  /** Prefix ops printed before the failure point; earlier ones are summarized. */
  readonly prefixLines?: number;
  /** Concurrent ops printed at most. */
  readonly concurrentLines?: number;
}

const DEFAULT_PREFIX_LINES = 12;
const DEFAULT_CONCURRENT_LINES = 20;

/** The CLI's summary: counts, the verdict, and an explanation per key that is not valid. */
export function formatSummary(result: CheckResult, options: ExplainOptions = {}): string {
  const counts = result.outcomeCounts;
  const invalid = result.keys.filter((key) => key.verdict === 'invalid');
  const unknown = result.keys.filter((key) => key.verdict === 'unknown');
  const lines = [
    `operations: ${result.operationCount} (ok ${counts.ok}, fail ${counts.fail}, info ${counts.info}) ` +
      `from ${result.eventCount} events; ${result.checkedOperationCount} constrain the register`,
    `keys: ${result.keyCount}; search steps: ${result.steps}`,
    `verdict: ${result.verdict}` +
      (invalid.length > 0 ? `; ${invalid.length} key${plural(invalid.length)} not linearizable` : '') +
      (unknown.length > 0 ? `; ${unknown.length} key${plural(unknown.length)} undecided` : ''),
  ];
  for (const key of [...invalid, ...unknown]) lines.push('', explainKey(key, options));
  return lines.join('\n');
}

/** A few lines on one key; for an invalid key, the failure point in detail. */
export function explainKey(key: KeyResult, options: ExplainOptions = {}): string {
  const header = `key ${key.keyText}: ${key.operationCount} ops, ${key.checkedOperationCount} checked, ${key.steps} steps`;
  if (key.verdict === 'valid') return `${header}: linearizable`;
  if (key.verdict === 'unknown') {
    return (
      `${header}: UNKNOWN, the search ran out of ${key.unknownReason ?? 'budget'} ` +
      `(deepest point: ${key.deepest} ops linearized); raise the budget to decide`
    );
  }
  const failure = key.failure;
  if (failure === null) return `${header}: NOT linearizable`;
  return [`${header}: NOT linearizable`, ...explainFailure(failure, options)].join('\n');
}

function explainFailure(failure: LinearizabilityFailure, options: ExplainOptions): string[] {
  const prefixLines = options.prefixLines ?? DEFAULT_PREFIX_LINES;
  const concurrentLines = options.concurrentLines ?? DEFAULT_CONCURRENT_LINES;
  const op = failure.operation;
  const lines = [
    `  cannot linearize: ${describeOperation(op)} ${eventSpan(op)}`,
    `    ${requirement(op)}; the longest linearizable prefix leaves ${showValue(failure.state)} in the register, ` +
      `and nothing that could come next (this op, or one of the ${failure.concurrent.length} concurrent with it) ` +
      `leads to a linearization`,
    `  longest linearizable prefix: ${failure.prefix.length} op${plural(failure.prefix.length)}` +
      (failure.prefix.length > prefixLines ? ` (last ${prefixLines} shown)` : ''),
  ];
  const first = Math.max(0, failure.prefix.length - prefixLines);
  if (first > 0) lines.push(`    ... ${first} earlier op${plural(first)}`);
  for (let i = first; i < failure.prefix.length; i++) {
    const step = failure.prefix[i];
    if (step === undefined) continue;
    lines.push(`    ${String(i + 1).padStart(4)}. ${describeOperation(step.operation)} ${eventSpan(step.operation)} -> ${showValue(step.stateAfter)}`);
  }
  lines.push(`  concurrent at that point: ${failure.concurrent.length === 0 ? 'none' : ''}`.trimEnd());
  for (const other of failure.concurrent.slice(0, concurrentLines)) {
    lines.push(`    ${describeOperation(other)} ${eventSpan(other)}`);
  }
  if (failure.concurrent.length > concurrentLines) lines.push(`    ... ${failure.concurrent.length - concurrentLines} more`);
  return lines;
}

/** What the op needed from the register, in words. */
function requirement(op: Operation): string {
  const interpreted = interpretOperation(op);
  if (!interpreted.ok || interpreted.value === null) return 'it constrains nothing';
  const model = interpreted.value;
  switch (model.kind) {
    case 'read':
      return model.a === null ? 'it saw the key missing' : `it read ${showValue(model.a)}`;
    case 'write':
      return `it wrote ${showValue(model.a)} and had to take effect before completing`;
    case 'cas':
      return `it needed ${showValue(model.a)} to set ${showValue(model.b)}`;
    case 'cas-mismatch-present':
      return `it was refused, so it saw a value other than ${showValue(model.a)} (and not a missing key)`;
    case 'cas-mismatch':
      return `it was refused, so it saw something other than ${showValue(model.a)}`;
  }
}

/** Event positions; an indeterminate op is open-ended, whenever its info event came. */
function eventSpan(op: Operation): string {
  return op.completeIndex === null || op.outcome === 'info' ? `[#${op.invokeIndex}..∞]` : `[#${op.invokeIndex}..#${op.completeIndex}]`;
}

function plural(count: number): string {
  return count === 1 ? '' : 's';
}

// ---------------------------------------------------------------------------------------------
// SVG timeline

const MAX_TIMELINE_OPS = 80;
const MIN_PREFIX_SHOWN = 10;
const COLUMN_PX = 30;
const LANE_PX = 30;
const BAR_PX = 18;
const LEFT_PX = 70;
const TOP_PX = 48;
const RIGHT_PX = 60;
const LEGEND_PX = 44;
const MIN_WIDTH_PX = 560;
const COLORS = { ok: '#9ad7a5', fail: '#f2a3a3', info: '#ffd98a' } as const;

interface RenderedSvg {
  readonly body: string;
  readonly width: number;
  readonly height: number;
}

/** A standalone SVG document showing the failure of one invalid key. */
export function renderTimelineSvg(key: KeyResult): string {
  return renderTimelinesSvg([key]);
}

/** Timelines of every invalid key given, stacked in one SVG document. */
export function renderTimelinesSvg(keys: readonly KeyResult[]): string {
  const parts = keys.filter((key) => key.failure !== null).map(renderKey);
  const width = parts.reduce((widest, part) => Math.max(widest, part.width), MIN_WIDTH_PX);
  let y = 0;
  let body = '';
  for (const part of parts) {
    body += `<svg x="0" y="${y}" width="${part.width}" height="${part.height}">${part.body}</svg>\n`;
    y += part.height;
  }
  if (parts.length === 0) {
    body = '<text x="10" y="24" font-size="13">no invalid key: nothing to show</text>';
    y = 40;
  }
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" ` +
    `font-family="Helvetica, Arial, sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${body}</svg>\n`
  );
}

/**
 * Which ops to draw: the blocking op, its concurrent ops, and the prefix ops that overlap them
 * in time (at least the last few of the prefix), most recent first when there are too many.
 */
function timelineOps(failure: LinearizabilityFailure): { ops: Operation[]; order: Map<number, number> } {
  const order = new Map<number, number>();
  for (const [index, step] of failure.prefix.entries()) order.set(step.operation.id, index + 1);
  const focus = [failure.operation, ...failure.concurrent];
  const windowStart = focus.reduce((earliest, op) => Math.min(earliest, op.invokeIndex), Infinity);
  const chosen = new Map<number, Operation>();
  for (const op of focus) if (chosen.size < MAX_TIMELINE_OPS) chosen.set(op.id, op);
  for (let i = failure.prefix.length - 1; i >= 0 && chosen.size < MAX_TIMELINE_OPS; i--) {
    const op = (failure.prefix[i] as { operation: Operation }).operation;
    const overlaps = op.completeIndex === null || op.completeIndex >= windowStart;
    if (overlaps || failure.prefix.length - i <= MIN_PREFIX_SHOWN) chosen.set(op.id, op);
  }
  return { ops: [...chosen.values()], order };
}

function renderKey(key: KeyResult): RenderedSvg {
  const failure = key.failure as LinearizabilityFailure;
  const { ops, order } = timelineOps(failure);
  const processes = [...new Set(ops.map((op) => op.process))].sort((x, y) => x - y);
  const lane = new Map(processes.map((process, index) => [process, index]));
  const ticks = [...new Set(ops.flatMap((op) => (op.completeIndex === null ? [op.invokeIndex] : [op.invokeIndex, op.completeIndex])))].sort((x, y) => x - y);
  const column = new Map(ticks.map((tick, index) => [tick, index]));
  const plotWidth = Math.max(ticks.length, 2) * COLUMN_PX;
  const width = Math.max(MIN_WIDTH_PX, LEFT_PX + plotWidth + RIGHT_PX);
  const height = TOP_PX + processes.length * LANE_PX + LEGEND_PX;
  const xOf = (eventIndex: number): number => LEFT_PX + ((column.get(eventIndex) ?? 0) + 0.5) * COLUMN_PX;

  let body =
    `<text x="10" y="20" font-size="14" font-weight="bold">key ${escapeXml(key.keyText)}: not linearizable</text>\n` +
    `<text x="10" y="38" font-size="12">${escapeXml(describeOperation(failure.operation))} cannot be linearized ` +
    `(prefix of ${failure.prefix.length} ops leaves ${escapeXml(showValue(failure.state))})</text>\n`;
  processes.forEach((process, index) => {
    const y = TOP_PX + index * LANE_PX;
    if (index % 2 === 0) body += `<rect x="0" y="${y}" width="${width}" height="${LANE_PX}" fill="#f4f6f8"/>\n`;
    body += `<text x="10" y="${y + LANE_PX / 2 + 4}" font-size="12">p${process}</text>\n`;
  });
  for (const op of ops) {
    const y = TOP_PX + (lane.get(op.process) ?? 0) * LANE_PX + (LANE_PX - BAR_PX) / 2;
    const x0 = xOf(op.invokeIndex) - COLUMN_PX / 3;
    const open = op.completeIndex === null || op.outcome === 'info';
    const x1 = op.completeIndex === null ? LEFT_PX + plotWidth + RIGHT_PX / 2 : xOf(op.completeIndex) + COLUMN_PX / 3;
    const isBlocking = op.id === failure.operation.id;
    const stroke = isBlocking ? ' stroke="#d00000" stroke-width="3"' : ' stroke="#555" stroke-width="1"';
    const dash = open ? ' stroke-dasharray="4 2"' : '';
    const rank = order.get(op.id);
    const tooltip =
      `${describeOperation(op)}; events #${op.invokeIndex}..${op.completeIndex === null ? '' : `#${op.completeIndex}`}; ` +
      `time ${op.invokeTime}..${op.completeTime ?? ''} ns` +
      (rank === undefined ? '; not linearized' : `; linearized ${rank} of ${failure.prefix.length}`);
    // An indeterminate op may take effect at any later time: a dashed tail runs to the edge.
    const tail =
      open && op.completeIndex !== null
        ? `<line x1="${x1.toFixed(1)}" y1="${y + BAR_PX / 2}" x2="${(LEFT_PX + plotWidth + RIGHT_PX / 2).toFixed(1)}" ` +
          `y2="${y + BAR_PX / 2}" stroke="#b58900" stroke-width="1.5" stroke-dasharray="3 3"/>`
        : '';
    body +=
      `<g><title>${escapeXml(tooltip)}</title>${tail}` +
      `<rect x="${x0.toFixed(1)}" y="${y}" width="${Math.max(6, x1 - x0).toFixed(1)}" height="${BAR_PX}" rx="3" ` +
      `fill="${COLORS[op.outcome]}"${stroke}${dash}/>` +
      `<text x="${(x0 + 4).toFixed(1)}" y="${y + BAR_PX - 5}" font-size="11">${escapeXml(operationLabel(op))}</text>` +
      (rank === undefined ? '' : `<text x="${(x0 + 1).toFixed(1)}" y="${y - 1}" font-size="8" fill="#666">${rank}</text>`) +
      `</g>\n`;
  }
  const legendY = TOP_PX + processes.length * LANE_PX + 18;
  let legendX = 10;
  for (const [label, color] of [
    ['ok', COLORS.ok],
    ['fail', COLORS.fail],
    ['info (open-ended)', COLORS.info],
  ] as const) {
    body += `<rect x="${legendX}" y="${legendY - 10}" width="14" height="12" fill="${color}" stroke="#555"/>`;
    body += `<text x="${legendX + 18}" y="${legendY}" font-size="11">${label}</text>\n`;
    legendX += 30 + label.length * 6;
  }
  body += `<rect x="${legendX}" y="${legendY - 10}" width="14" height="12" fill="white" stroke="#d00000" stroke-width="3"/>`;
  body += `<text x="${legendX + 18}" y="${legendY}" font-size="11">cannot be linearized</text>\n`;
  body += `<text x="10" y="${legendY + 18}" font-size="10" fill="#666">x axis: event order; small numbers: position in the longest linearizable prefix</text>\n`;
  return { body, width, height };
}
