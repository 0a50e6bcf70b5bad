// Draws one anomaly as a self-contained SVG: its txns as boxes on a real-time axis (one lane per
// txn, in cycle order T1..Tn, each labelled with its process, outcome and micro-ops) and the
// cycle's edges as labelled arrows, each kind in its own colour and dash, with a legend and the
// reason for every edge. Pure: result in, string out. Bounded: at most MAX_TXNS_DRAWN lanes,
// labels cut to a fixed length, so a huge anomaly still gives a picture of a fixed size.

import { escapeXml } from '../../base/xml.js';
import { formatOps } from './explain.js';
import type { AnomalyReport, EdgeKind, ExplainedEdge, MicroOp, Txn } from './types.js';

export const MAX_TXNS_DRAWN = 16;
const MAX_LABEL_CHARS = 110;
const MAX_TEXT_CHARS = 150;
const MAX_TOOLTIP_CHARS = 500;
const MAX_EXPLANATION_LINES = 6;
const WIDTH_PX = 1000;
const LEFT_PX = 150;
const RIGHT_PX = 90;
const LANE_PX = 72;
const BAR_PX = 18;
const LINE_PX = 16;
const OPEN_TAIL_PX = 40;
/** Height of the micro-ops' label line above each box. */
const LABEL_ABOVE_PX = 17;

/** Each edge kind's look: colour, dash pattern (empty: solid) and what it means. */
export const EDGE_STYLES: Readonly<Record<EdgeKind, { readonly color: string; readonly dash: string; readonly meaning: string }>> = {
  ww: { color: '#1f5fa8', dash: '', meaning: 'ww: wrote the next version' },
  wr: { color: '#23883a', dash: '', meaning: 'wr: read what the other wrote' },
  rw: { color: '#c62828', dash: '7 4', meaning: 'rw: overwrote what the other read' },
  realtime: { color: '#666666', dash: '2 4', meaning: 'realtime: completed before the other began' },
  process: { color: '#7b3fa0', dash: '9 3 2 3', meaning: 'process: same client, earlier' },
};
const EDGE_KINDS: readonly EdgeKind[] = ['ww', 'wr', 'rw', 'realtime', 'process'];
const OUTCOME_FILLS = { ok: '#b9e4c1', fail: '#f4b6b6', info: '#ffe0a0' } as const;
/** A list read longer than this is drawn as its head and tail: the tail shows what the read missed. */
const LIST_ENDS_SHOWN = 3;

/** Micro-ops as the explanations write them, long list reads shortened to their ends. */
export function compactOps(ops: readonly MicroOp[]): string {
  return ops
    .map((op) => {
      if (op.f !== 'r' || !Array.isArray(op.value) || op.value.length <= 2 * LIST_ENDS_SHOWN + 1) return formatOps([op]);
      const list = op.value;
      const head = list.slice(0, LIST_ENDS_SHOWN).join(' ');
      const tail = list.slice(-LIST_ENDS_SHOWN).join(' ');
      return `r ${op.key} [${head} … ${tail}] (${list.length})`;
    })
    .join(', ');
}

/** Cuts a text to `limit` characters, marking the cut. */
function cut(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/** Splits a line at spaces into lines of at most `width` characters (a longer word is cut). */
function wrap(line: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of line.split(' ')) {
    if (current !== '' && current.length + 1 + word.length > width) {
      lines.push(current);
      current = '';
    }
    current = current === '' ? cut(word, width) : `${current} ${word}`;
  }
  if (current !== '') lines.push(current);
  return lines;
}

function fixed(value: number): string {
  return value.toFixed(1);
}

interface Lane {
  readonly txn: Txn;
  readonly name: string;
  readonly y: number;
  readonly x0: number;
  readonly x1: number;
  /** Never completed, or info: it may take effect any time after its invocation. */
  readonly open: boolean;
}

/** The anomaly's picture; `txns` are the history's txns (the result's), looked up by id. */
export function renderAnomalySvg(anomaly: AnomalyReport, txns: readonly Txn[]): string {
  const byId = new Map(txns.map((txn) => [txn.id, txn]));
  // One lane per place in the report, named by that place as the explanation names it. The
  // checker lists each txn once; a report that listed one twice would get a lane per place, its
  // edges drawn from the first.
  const involved = anomaly.txns.flatMap((id, position) => {
    const txn = byId.get(id);
    return txn === undefined ? [] : [{ txn, name: `T${position + 1}` }];
  });
  const drawn = involved.slice(0, MAX_TXNS_DRAWN);

  // The lanes show the txns and the list under the legend each edge's reason: the header keeps
  // the rest of the explanation (what the anomaly is, and its conclusion).
  const drawnLine = /^T\d+ (=|-\w+->) /;
  const explanationLines = anomaly.explanation
    .split('\n')
    .filter((line) => line.trim() !== '' && !(anomaly.edges.length > 0 && drawnLine.test(line)))
    .flatMap((line) => wrap(line, MAX_TEXT_CHARS));
  const shownExplanation = explanationLines.slice(0, MAX_EXPLANATION_LINES);
  const headerPx = 30 + shownExplanation.length * LINE_PX + (explanationLines.length > shownExplanation.length ? LINE_PX : 0) + 28;
  const axisY = headerPx - 12;

  // x: real time from the earliest invocation to the latest completion of the txns drawn.
  const plotRight = WIDTH_PX - RIGHT_PX - OPEN_TAIL_PX;
  const start = Math.min(...drawn.map(({ txn }) => txn.invokeTime));
  const end = Math.max(...drawn.map(({ txn }) => txn.completeTime ?? txn.invokeTime));
  const span = end > start ? end - start : 1;
  const xOf = (time: number): number => LEFT_PX + ((time - start) / span) * (plotRight - LEFT_PX);

  const lanes: Lane[] = drawn.map(({ txn, name }, position) => {
    const open = txn.completeTime === undefined || txn.outcome === 'info';
    const x0 = xOf(txn.invokeTime);
    const x1 = txn.completeTime === undefined ? WIDTH_PX - RIGHT_PX : Math.max(x0 + 8, xOf(txn.completeTime));
    return { txn, name, y: headerPx + position * LANE_PX + 22, x0, x1, open };
  });
  const laneById = new Map<number, Lane>();
  for (const lane of lanes) if (!laneById.has(lane.txn.id)) laneById.set(lane.txn.id, lane);
  const edges = anomaly.edges.filter((edge) => laneById.has(edge.from) && laneById.has(edge.to));
  const lanesBottom = headerPx + lanes.length * LANE_PX;
  const kindsUsed = EDGE_KINDS.filter((kind) => edges.some((edge) => edge.kind === kind));
  const legendY = lanesBottom + 22;
  const reasonsY = legendY + 26;
  const height = reasonsY + edges.length * LINE_PX + (involved.length > drawn.length ? LINE_PX : 0) + 14;

  let body = `<text x="10" y="22" font-size="15" font-weight="bold">${escapeXml(cut(`${anomaly.name}: ${involved.length} txn${involved.length === 1 ? '' : 's'}`, MAX_TEXT_CHARS))}</text>\n`;
  shownExplanation.forEach((line, i) => {
    body += `<text x="10" y="${42 + i * LINE_PX}" font-size="12">${escapeXml(cut(line, MAX_TEXT_CHARS))}</text>\n`;
  });
  if (explanationLines.length > shownExplanation.length) {
    body += `<text x="10" y="${42 + shownExplanation.length * LINE_PX}" font-size="12" fill="#666">… ${explanationLines.length - shownExplanation.length} more lines in the text report</text>\n`;
  }
  body += timeAxis(axisY, xOf, start, end, plotRight);

  for (const [position, lane] of lanes.entries()) body += drawLane(lane, position);
  for (const [position, edge] of edges.entries()) body += drawEdge(edge, laneById, (position + 1) / (edges.length + 1));

  let legendX = 10;
  for (const kind of kindsUsed) {
    const style = EDGE_STYLES[kind];
    body +=
      `<line x1="${legendX}" y1="${legendY - 4}" x2="${legendX + 28}" y2="${legendY - 4}" stroke="${style.color}" stroke-width="2"` +
      `${style.dash === '' ? '' : ` stroke-dasharray="${style.dash}"`} marker-end="url(#arrow-${kind})"/>` +
      `<text x="${legendX + 34}" y="${legendY}" font-size="11">${escapeXml(style.meaning)}</text>\n`;
    legendX += 44 + style.meaning.length * 6;
  }
  for (const [outcome, fill] of Object.entries(OUTCOME_FILLS)) {
    body += `<rect x="${legendX}" y="${legendY - 11}" width="14" height="12" fill="${fill}" stroke="#444"/><text x="${legendX + 18}" y="${legendY}" font-size="11">${outcome}</text>\n`;
    legendX += 50;
  }
  edges.forEach((edge, i) => {
    const from = laneById.get(edge.from) as Lane;
    const to = laneById.get(edge.to) as Lane;
    const key = edge.key === undefined ? '' : ` on key ${edge.key}`;
    const text = `${from.name} → ${to.name} ${edge.kind}${key}: ${edge.reason}`;
    body += `<text x="10" y="${reasonsY + i * LINE_PX}" font-size="11" fill="${EDGE_STYLES[edge.kind].color}">${escapeXml(cut(text, MAX_TEXT_CHARS))}</text>\n`;
  });
  if (involved.length > drawn.length) {
    body += `<text x="10" y="${reasonsY + edges.length * LINE_PX}" font-size="11" fill="#666">${involved.length - drawn.length} more txns of this anomaly not drawn (the text report lists them)</text>\n`;
  }

  const markers = EDGE_KINDS.map(
    (kind) =>
      `<marker id="arrow-${kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">` +
      `<path d="M 0 0 L 10 5 L 0 10 z" fill="${EDGE_STYLES[kind].color}"/></marker>`,
  ).join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH_PX}" height="${height}" viewBox="0 0 ${WIDTH_PX} ${height}" ` +
    `font-family="Helvetica, Arial, sans-serif">\n<defs>${markers}</defs>\n<rect width="100%" height="100%" fill="white"/>\n${body}</svg>\n`
  );
}

function timeAxis(y: number, xOf: (time: number) => number, start: number, end: number, plotRight: number): string {
  let out = `<line x1="${LEFT_PX}" y1="${y}" x2="${plotRight}" y2="${y}" stroke="#999"/>\n`;
  const tickCount = end > start ? 4 : 0;
  for (let i = 0; i <= tickCount; i++) {
    const time = start + ((end - start) * i) / Math.max(tickCount, 1);
    const x = xOf(time);
    out += `<line x1="${fixed(x)}" y1="${y - 3}" x2="${fixed(x)}" y2="${y + 3}" stroke="#999"/>`;
    out += `<text x="${fixed(x)}" y="${y - 6}" font-size="10" fill="#666" text-anchor="middle">${escapeXml(`+${formatMs(time - start, end - start)}`)}</text>\n`;
  }
  out += `<text x="10" y="${y + 4}" font-size="10" fill="#666">${escapeXml(`time from ${formatMs(start, end - start)}`)}</text>\n`;
  return out;
}

/** Nanoseconds as milliseconds, with as many decimals as the span drawn needs. */
function formatMs(nanoseconds: number, spanNanoseconds: number): string {
  const spanMs = spanNanoseconds / 1e6;
  const decimals = spanMs >= 100 ? 0 : spanMs >= 10 ? 1 : spanMs >= 0.1 ? 2 : 4;
  return `${nanoseconds === 0 ? '0' : (nanoseconds / 1e6).toFixed(decimals)} ms`;
}

function drawLane(lane: Lane, position: number): string {
  const { txn } = lane;
  const laneTop = lane.y - 22;
  const stripe = position % 2 === 0 ? `<rect x="0" y="${laneTop}" width="${WIDTH_PX}" height="${LANE_PX}" fill="#f5f7f9"/>` : '';
  const label = cut(compactOps(txn.ops), MAX_LABEL_CHARS);
  const completed = txn.completeTime === undefined ? 'never completed' : `completed ${txn.completeTime} ns`;
  const tooltip = `${lane.name} = txn ${txn.id}, process ${txn.process}, ${txn.outcome}; invoked ${txn.invokeTime} ns, ${completed}; ${formatOps(txn.ops)}`;
  const dash = lane.open ? ' stroke-dasharray="4 2"' : '';
  // An info txn may take effect after its completion: a dashed tail runs to the right edge.
  const tail =
    lane.open && txn.completeTime !== undefined
      ? `<line x1="${fixed(lane.x1)}" y1="${lane.y + BAR_PX / 2}" x2="${WIDTH_PX - RIGHT_PX}" y2="${lane.y + BAR_PX / 2}" stroke="#b58900" stroke-width="1.5" stroke-dasharray="3 3"/>`
      : '';
  return (
    `${stripe}<g><title>${escapeXml(cut(tooltip, MAX_TOOLTIP_CHARS))}</title>` +
    `<text x="10" y="${lane.y + 13}" font-size="13" font-weight="bold">${escapeXml(lane.name)}</text>` +
    `<text x="42" y="${lane.y + 13}" font-size="11" fill="#444">${escapeXml(`p${txn.process} ${txn.outcome}`)}</text>` +
    tail +
    `<rect x="${fixed(lane.x0)}" y="${lane.y}" width="${fixed(lane.x1 - lane.x0)}" height="${BAR_PX}" rx="3" fill="${OUTCOME_FILLS[txn.outcome]}" stroke="#444"${dash}/>` +
    `<text x="${fixed(Math.max(10, Math.min(lane.x0, WIDTH_PX - 10 - 6.7 * label.length)))}" y="${lane.y - 5}" font-size="11" font-family="Menlo, Consolas, monospace">${escapeXml(label)}</text>` +
    `</g>\n`
  );
}

/**
 * An arrow from one txn's box to another's. Each edge leaves and enters its boxes at its own
 * fraction of their width (`column`), so the edges of one cycle stay apart even when the boxes
 * overlap in time; a slight bend keeps the two edges between the same pair of boxes apart too.
 */
function drawEdge(edge: ExplainedEdge, laneById: ReadonlyMap<number, Lane>, column: number): string {
  const from = laneById.get(edge.from) as Lane;
  const to = laneById.get(edge.to) as Lane;
  const style = EDGE_STYLES[edge.kind];
  const down = to.y >= from.y;
  const anchorX = (lane: Lane): number => lane.x0 + column * (Math.min(lane.x1, WIDTH_PX - RIGHT_PX) - lane.x0);
  const sx = anchorX(from);
  // The top of a txn is above its label line, so arrows never cross the micro-ops' text.
  const sy = down ? from.y + BAR_PX : from.y - LABEL_ABOVE_PX;
  const tx = anchorX(to);
  const ty = down ? to.y - LABEL_ABOVE_PX : to.y + BAR_PX;
  const bend = down ? -14 : 14;
  const cx = (sx + tx) / 2 + bend;
  const cy = (sy + ty) / 2;
  const mx = 0.25 * sx + 0.5 * cx + 0.25 * tx;
  const my = 0.25 * sy + 0.5 * cy + 0.25 * ty;
  const label = edge.key === undefined ? edge.kind : `${edge.kind} k${edge.key}`;
  const labelWidth = label.length * 6.5 + 6;
  return (
    `<g><title>${escapeXml(cut(`${from.name} → ${to.name}: ${edge.reason}`, MAX_TOOLTIP_CHARS))}</title>` +
    `<path d="M ${fixed(sx)} ${fixed(sy)} Q ${fixed(cx)} ${fixed(cy)} ${fixed(tx)} ${fixed(ty)}" fill="none" stroke="${style.color}" stroke-width="2"` +
    `${style.dash === '' ? '' : ` stroke-dasharray="${style.dash}"`} marker-end="url(#arrow-${edge.kind})"/>` +
    `<rect x="${fixed(mx - labelWidth / 2)}" y="${fixed(my - 8)}" width="${fixed(labelWidth)}" height="14" rx="3" fill="white" fill-opacity="0.85"/>` +
    `<text x="${fixed(mx)}" y="${fixed(my + 3)}" font-size="11" text-anchor="middle" fill="${style.color}">${escapeXml(label)}</text></g>\n`
  );
}
