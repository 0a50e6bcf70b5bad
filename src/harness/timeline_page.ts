// timeline.html: every client op of a run as a box from its invocation to its completion, one
// column per client process (processes that never overlap share a column, so a thread's successive
// processes stay in one), coloured ok / info / fail with the op on hover, the fault intervals
// shaded across. Time flows down in history order: each invocation or completion is one row, as in
// Jepsen's timeline. Pure: history in, one self-contained HTML page out (inline CSS, no script).
// Bounded: at most maxOps ops (a contiguous stretch, around the focus when given), and the page
// says how many were left out.

import type { JsonValue } from '../base/json.js';
import { escapeXml } from '../base/xml.js';
import { isClientEvent, type HistoryEvent } from '../check/history.js';
import { describeFault, FAULT_COLORS, OUTCOME_COLORS } from './plot_axes.js';
import type { FaultInterval, OutcomeType } from './results.js';
import type { AnomalyFocus } from './verdict.js';

export interface TimelineOptions {
  readonly title: string;
  /** Ops drawn at most (default DEFAULT_MAX_OPS). */
  readonly maxOps?: number;
  /** What to show when not every op fits, and to mark: the first anomaly, in test milliseconds. */
  readonly focus?: AnomalyFocus;
}

export const DEFAULT_MAX_OPS = 8_000;

/** One op: its invocation and its completion (null: never completed). */
export interface TimelineOp {
  readonly process: number;
  readonly invoke: HistoryEvent;
  readonly completion: HistoryEvent | null;
}

const ROW_PX = 14;
const COLUMN_PX = 118;
const GUTTER_PX = 76;
const HEADER_PX = 22;
const BOX_TEXT_CHARS = 40;
const HOVER_VALUE_CHARS = 240;
const NANOS_PER_MS = 1e6;

/** Pairs each client invocation with its process's next completion, in invocation order. */
export function pairOps(events: readonly HistoryEvent[]): TimelineOp[] {
  const ops: TimelineOp[] = [];
  const open = new Map<number, number>();
  for (const event of events) {
    if (!isClientEvent(event)) continue;
    if (event.type === 'invoke') {
      open.set(event.process, ops.length);
      ops.push({ process: event.process, invoke: event, completion: null });
      continue;
    }
    const at = open.get(event.process);
    if (at === undefined) continue;
    open.delete(event.process);
    ops[at] = { ...(ops[at] as TimelineOp), completion: event };
  }
  return ops;
}

/** The contiguous stretch of at most maxOps ops shown: from the start, or with a quarter of it before the focus. */
function opsShown(ops: readonly TimelineOp[], maxOps: number, focusMs?: number): { readonly from: number; readonly to: number } {
  if (ops.length <= maxOps) return { from: 0, to: ops.length };
  let from = 0;
  if (focusMs !== undefined) {
    const atFocus = ops.findIndex((op) => op.invoke.time / NANOS_PER_MS >= focusMs);
    from = Math.max(0, Math.min(ops.length - maxOps, (atFocus === -1 ? ops.length : atFocus) - Math.floor(maxOps / 4)));
  }
  return { from, to: from + maxOps };
}

/**
 * Columns for processes: each process takes a column free since before its first event (the one
 * freed last, which is usually its own thread's), or a new one.
 */
function assignColumns(
  ops: readonly TimelineOp[],
  rowOf: (event: HistoryEvent | null) => number,
): { readonly columnOf: Map<number, number>; readonly members: number[][] } {
  const lifetimes = new Map<number, { first: number; last: number }>();
  for (const op of ops) {
    const first = rowOf(op.invoke);
    const last = rowOf(op.completion);
    const life = lifetimes.get(op.process);
    if (life === undefined) lifetimes.set(op.process, { first, last });
    else life.last = Math.max(life.last, last);
  }
  const freeAfter: number[] = [];
  const members: number[][] = [];
  const columnOf = new Map<number, number>();
  for (const [process, life] of [...lifetimes].sort((a, b) => a[1].first - b[1].first)) {
    let chosen = -1;
    for (let column = 0; column < freeAfter.length; column++) {
      const free = freeAfter[column] as number;
      if (free < life.first && (chosen === -1 || free > (freeAfter[chosen] as number))) chosen = column;
    }
    if (chosen === -1) {
      chosen = freeAfter.length;
      members.push([]);
    }
    freeAfter[chosen] = life.last;
    (members[chosen] as number[]).push(process);
    columnOf.set(process, chosen);
  }
  return { columnOf, members };
}

export function renderTimelinePage(events: readonly HistoryEvent[], faults: readonly FaultInterval[], options: TimelineOptions): string {
  const all = pairOps(events);
  const maxOps = options.maxOps ?? DEFAULT_MAX_OPS;
  const { from, to } = opsShown(all, maxOps, options.focus?.startMs);
  const ops = all.slice(from, to);
  // Rows: the events of the ops shown, in history order.
  const rowEvents = ops.flatMap((op) => (op.completion === null ? [op.invoke] : [op.invoke, op.completion])).sort((a, b) => a.index - b.index);
  const rowByIndex = new Map(rowEvents.map((event, row) => [event.index, row]));
  const rowCount = rowEvents.length;
  const rowOf = (event: HistoryEvent | null): number => (event === null ? rowCount : (rowByIndex.get(event.index) as number));
  const { columnOf, members } = assignColumns(ops, rowOf);
  const times = rowEvents.map((event) => event.time / NANOS_PER_MS);
  /** The row at which a test time falls: the first event at or after it. */
  const rowAt = (ms: number): number => {
    let low = 0;
    let high = rowCount;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((times[mid] as number) < ms) low = mid + 1;
      else high = mid;
    }
    return low;
  };
  const top = (row: number): number => HEADER_PX + row * ROW_PX;
  const nemesisLeft = GUTTER_PX;
  const columnLeft = (column: number): number => GUTTER_PX + COLUMN_PX * (column + 1);
  const width = columnLeft(members.length) + 8;
  const height = top(rowCount + 1) + 8;

  const body: string[] = [];
  const firstMs = times[0] ?? 0;
  const lastMs = times[rowCount - 1] ?? 0;
  for (const fault of faults) {
    const endMs = fault.endMs ?? Infinity;
    if (rowCount === 0 || endMs < firstMs || fault.startMs > lastMs) continue;
    const y0 = top(rowAt(fault.startMs));
    const y1 = top(fault.endMs === null ? rowCount + 1 : rowAt(endMs));
    const hover = escapeXml(describeFault(fault));
    body.push(`<div class="band" style="top:${y0}px;height:${Math.max(y1 - y0, 2)}px;background:${FAULT_COLORS[fault.kind]}" title="${hover}"></div>`);
    body.push(
      `<div class="o nem" style="left:${nemesisLeft}px;top:${y0}px;height:${Math.max(y1 - y0 - 2, ROW_PX - 2)}px;background:${FAULT_COLORS[fault.kind]}" title="${hover}">${escapeXml(`${fault.kind} ${fault.description}`)}</div>`,
    );
  }
  const focus = options.focus;
  if (focus !== undefined && rowCount > 0 && focus.endMs >= firstMs && focus.startMs <= lastMs) {
    const y0 = top(rowAt(focus.startMs));
    const y1 = top(Math.min(rowCount, rowAt(focus.endMs) + 1));
    body.push(`<div class="anomaly" style="top:${y0}px;height:${Math.max(y1 - y0, ROW_PX)}px" title="${escapeXml(`first anomaly: ${focus.what}`)}"></div>`);
  }
  let lastLabelRow = -Infinity;
  for (let row = 0; row < rowCount; row++) {
    if (row - lastLabelRow < 5) continue;
    lastLabelRow = row;
    body.push(`<div class="t" style="top:${top(row)}px">${((times[row] as number) / 1000).toFixed(3)} s</div>`);
  }
  for (const op of ops) {
    const y0 = top(rowOf(op.invoke));
    const y1 = top(rowOf(op.completion) + 1);
    const type: OutcomeType = op.completion === null || op.completion.type === 'invoke' ? 'info' : op.completion.type;
    const column = columnOf.get(op.process) as number;
    body.push(
      `<div class="o ${type} c${column}" style="top:${y0}px;height:${y1 - y0 - 2}px" title="${escapeXml(hoverText(op, type)).replace(/\n/g, '&#10;')}">` +
        `${escapeXml(cut(boxText(op), BOX_TEXT_CHARS))}</div>`,
    );
  }
  const headers = [`<div class="h" style="left:${nemesisLeft}px">nemesis</div>`];
  members.forEach((processes, column) => {
    const names = processes.length <= 3 ? processes.join(', ') : `${processes.slice(0, 2).join(', ')}, … (${processes.length})`;
    headers.push(`<div class="h" style="left:${columnLeft(column)}px" title="${escapeXml(`processes ${processes.join(', ')}`)}">p ${escapeXml(names)}</div>`);
  });
  const columnStyles = members.map((_, column) => `.c${column}{left:${columnLeft(column)}px}`).join('');
  const shown = all.length === ops.length ? `all ${count(all.length)} ops` : `${count(ops.length)} of ${count(all.length)} ops`;
  const notes = [
    `${shown}, one column per client process (processes that never overlap share a column); each invocation or completion is one row, so time flows down but not evenly: the gutter gives test time.`,
  ];
  if (all.length > ops.length) {
    const before = from;
    const after = all.length - to;
    const span = `${((ops[0]?.invoke.time ?? 0) / NANOS_PER_MS / 1000).toFixed(3)}–${((ops[ops.length - 1]?.invoke.time ?? 0) / NANOS_PER_MS / 1000).toFixed(3)} s`;
    notes.push(
      `Bounded at ${count(maxOps)} ops: showing those invoked ${span}${focus === undefined ? '' : ', around the first anomaly'}; ${count(before)} earlier and ${count(after)} later ops left out (every op is in history.jsonl).`,
    );
  }
  if (focus !== undefined)
    notes.push(`First anomaly (outlined in red): ${focus.what}, ${(focus.startMs / 1000).toFixed(3)}–${(focus.endMs / 1000).toFixed(3)} s.`);
  const legend = [
    ...(['ok', 'info', 'fail'] as const).map((type) => `<span class="key ${type}">${type}</span>`),
    ...[...new Set(faults.map((fault) => fault.kind))].map((kind) => `<span class="key" style="background:${FAULT_COLORS[kind]}">${kind}</span>`),
  ];
  return (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/>' +
    `<title>${escapeXml(options.title)}</title>\n<style>\n${STYLE}${columnStyles}\n</style></head>\n<body>\n` +
    `<h1>${escapeXml(options.title)}</h1>\n${notes.map((note) => `<p class="note">${escapeXml(note)}</p>`).join('\n')}\n` +
    `<p class="legend">${legend.join(' ')}</p>\n` +
    `<div class="hd" style="width:${width}px">${headers.join('')}</div>\n` +
    `<div class="tl" style="width:${width}px;height:${height}px">\n${body.join('\n')}\n</div>\n</body></html>\n`
  );
}

const STYLE =
  'body{font-family:sans-serif;font-size:13px;margin:12px}h1{font-size:17px;margin:0 0 6px}.note{margin:2px 0;color:#333;max-width:70em}' +
  '.legend{margin:6px 0}.key{display:inline-block;padding:1px 8px;border-radius:2px;margin-right:4px}' +
  '.hd{position:sticky;top:0;height:20px;background:#fff;z-index:3;border-bottom:1px solid #999}' +
  `.h{position:absolute;top:3px;width:${COLUMN_PX - 6}px;overflow:hidden;white-space:nowrap;font-weight:bold;font-size:12px}` +
  '.tl{position:relative}.band{position:absolute;left:0;right:0;opacity:.45}' +
  '.anomaly{position:absolute;left:0;right:0;border:2px dashed #c0392b;z-index:2;pointer-events:none}' +
  '.t{position:absolute;left:2px;font-size:10px;color:#555}' +
  `.o{position:absolute;width:${COLUMN_PX - 8}px;box-sizing:border-box;padding:0 3px;border-radius:2px;overflow:hidden;white-space:nowrap;font-size:11px;line-height:${ROW_PX - 2}px;box-shadow:0 1px 2px rgba(0,0,0,.3)}` +
  '.o:hover{outline:2px solid #000;z-index:4}' +
  `.ok{background:${lighten(OUTCOME_COLORS.ok)}}.info{background:${lighten(OUTCOME_COLORS.info)}}.fail{background:${lighten(OUTCOME_COLORS.fail)}}`;

/** A paler shade of a #rrggbb colour, so the text on a box stays readable. */
function lighten(hex: string): string {
  const channel = (at: number): string =>
    Math.round(255 - (255 - Number.parseInt(hex.slice(at, at + 2), 16)) * 0.55)
      .toString(16)
      .padStart(2, '0');
  return `#${channel(1)}${channel(3)}${channel(5)}`;
}

function valueText(value: JsonValue | undefined): string {
  return value === undefined ? '' : (JSON.stringify(value) ?? 'null');
}

function isTxnValue(value: JsonValue): value is JsonValue[][] {
  return Array.isArray(value) && value.length > 0 && value.every((op) => Array.isArray(op) && op.length === 3);
}

/** A value as the box shows it: a txn's micro-ops as `f k v`, anything else as JSON. */
function shortValue(value: JsonValue): string {
  if (!isTxnValue(value)) return valueText(value);
  return value.map(([f, k, v]) => `${String(f)} ${valueText(k)}${v === null ? '' : ` ${valueText(v)}`}`).join(', ');
}

/** `process f key value`, and `→ result` when an ok completion says more than the invocation. */
function boxText(op: TimelineOp): string {
  const head = `${op.process} ${op.invoke.f}${op.invoke.key === undefined ? '' : ` ${valueText(op.invoke.key)}`}`;
  const completion = op.completion;
  const answered = completion !== null && completion.type === 'ok' && valueText(completion.value) !== valueText(op.invoke.value);
  // A txn's result is its invocation with the reads filled in: the result alone says it all.
  if (answered && isTxnValue(op.invoke.value)) return `${head} ${shortValue(completion.value)}`;
  const invoked = op.invoke.value === null ? '' : ` ${shortValue(op.invoke.value)}`;
  return `${head}${invoked}${answered ? ` → ${shortValue(completion.value)}` : ''}`;
}

function hoverText(op: TimelineOp, type: OutcomeType): string {
  const key = op.invoke.key === undefined ? '' : ` key ${valueText(op.invoke.key)}`;
  const invokedMs = op.invoke.time / NANOS_PER_MS;
  const lines = [`process ${op.process}, ${op.invoke.f}${key}: ${type}${op.completion === null ? ' (never completed)' : ''}`];
  if (op.completion === null) lines.push(`invoked ${(invokedMs / 1000).toFixed(6)} s`);
  else {
    const completedMs = op.completion.time / NANOS_PER_MS;
    lines.push(`invoked ${(invokedMs / 1000).toFixed(6)} s, completed ${(completedMs / 1000).toFixed(6)} s (${(completedMs - invokedMs).toFixed(2)} ms)`);
  }
  lines.push(`value: ${cut(valueText(op.invoke.value), HOVER_VALUE_CHARS)}`);
  if (op.completion !== null && JSON.stringify(op.completion.value) !== JSON.stringify(op.invoke.value)) {
    lines.push(`result: ${cut(valueText(op.completion.value), HOVER_VALUE_CHARS)}`);
  }
  const error = op.completion?.error;
  if (error !== undefined) lines.push(`error: ${error.code} ${cut(error.text, HOVER_VALUE_CHARS)}`);
  return lines.join('\n');
}

function cut(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}
