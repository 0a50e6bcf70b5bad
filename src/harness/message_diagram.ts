// messages.svg: a Lamport (space-time) diagram of the messages the harness routed over one window
// of the run: nodes, services and clients as vertical lanes, time flowing down, each message an
// arrow from its send on the sender's lane to its delivery on the receiver's, coloured by body
// type, the message on hover; a message cut by a partition or lost to a down node ends in a cross.
// Pure: the journal's log in, one SVG document out. Bounded: at most maxArrows messages, and the
// picture says what it left out and what the journal itself could not keep.
// A `batch` (everything one node had for a peer in one turn) is one arrow, labelled with its
// count: it is one message on the wire, with one delay and one fate, and drawing its parts would
// show deliveries that never happened apart. It takes the colour of its parts when they share a type.

import { escapeXml } from '../base/xml.js';
import type { JournalEvent, MessageLog } from './message_journal.js';
import { describeFault, FAULT_COLORS } from './plot_axes.js';
import type { FaultInterval } from './results.js';
import type { AnomalyFocus } from './verdict.js';

export interface MessageDiagramOptions {
  readonly title: string;
  /** The cluster's node ids (every other endpoint is a client or a service). */
  readonly nodes: readonly string[];
  readonly faults: readonly FaultInterval[];
  /** An invalid run is drawn around its first anomaly, or else its first fault. */
  readonly invalid?: boolean;
  /** The first anomaly of an invalid run: the picture centres on it when the journal kept it. */
  readonly anomaly?: AnomalyFocus;
  readonly maxArrows?: number;
  /** Length of the default window (the start of the operation phase), ms. */
  readonly windowMs?: number;
}

/** The stretch drawn, and why this one. */
export interface MessageWindow {
  readonly fromMs: number;
  readonly toMs: number;
  /** Where the picture starts when the window holds more than it may draw (a quarter of it before). */
  readonly anchorMs: number;
  readonly reason: string;
  /** Why a better window was not taken (the anomaly fell where the journal kept nothing). */
  readonly passedOver: readonly string[];
}

const DEFAULT_MAX_ARROWS = 2_000;
const DEFAULT_WINDOW_MS = 2_000;
const LEAD_MS = 250;
const MAX_CLIENT_LANES = 8;
const HOVER_CHARS = 500;
const LABEL_CHARS = 24;
const GUTTER_PX = 96;
const RIGHT_PX = 30;
const ROW_PX = 7;
const PX_PER_MS = 3;
const MAX_STRETCH_PX = 40;
const LANE_LABEL_EVERY_PX = 1200;
const LINE_PX = 16;
/** About how wide a character of 12 px sans-serif is, for wrapping lines to the picture's width. */
const CHAR_PX = 6.8;
/** About how wide a character is for each font size used, for keeping labels apart (bold names a little wider). */
const CHAR_WIDTH_PER_PX = 0.6;
const TEXT_ROW_PX = 16;
const ERROR_COLOR = '#d62728';
const OTHER_COLOR = '#999999';
const PALETTE = [
  '#1f77b4',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#bcbd22',
  '#393b79',
  '#637939',
  '#8c6d31',
  '#7b4173',
  '#3182bd',
  '#843c39',
];

/** Chooses the window: around the first anomaly, else around the first fault, else the start of the operation phase. */
export function chooseWindow(
  log: MessageLog,
  options: { readonly invalid?: boolean; readonly anomaly?: AnomalyFocus; readonly faults: readonly FaultInterval[]; readonly windowMs?: number },
): MessageWindow {
  const windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
  const passedOver: string[] = [];
  const spanAt = (ms: number): MessageLog['spans'][number] | undefined => log.spans.find((span) => span.fromMs <= ms && ms <= span.toMs);
  const around = (anchorMs: number, toMs: number, reason: string, what: string): MessageWindow | null => {
    const span = spanAt(anchorMs);
    if (span === undefined) {
      passedOver.push(`${what} at ${seconds(anchorMs)}: the journal kept nothing around it`);
      return null;
    }
    return { fromMs: Math.max(span.fromMs, anchorMs - LEAD_MS), toMs: Math.min(span.toMs, toMs), anchorMs, reason, passedOver };
  };
  const anomaly = options.anomaly;
  if (anomaly !== undefined) {
    const found = around(
      anomaly.startMs,
      Math.max(anomaly.endMs, anomaly.startMs + windowMs / 4) + LEAD_MS,
      `around the first anomaly: ${anomaly.what}`,
      'the first anomaly',
    );
    if (found !== null) return found;
  }
  const fault = options.faults[0];
  if ((options.invalid === true || anomaly !== undefined) && fault !== undefined) {
    const found = around(fault.startMs, fault.startMs + windowMs, `around the first fault: ${describeFault(fault)}`, 'the first fault');
    if (found !== null) return found;
  }
  const span = spanAt(0) ?? log.spans.find((candidate) => candidate.fromMs >= 0) ?? log.spans[0];
  if (span === undefined) return { fromMs: 0, toMs: 0, anchorMs: 0, reason: 'no message was recorded', passedOver };
  // Before the operation phase began there is only the start of the run to show (a failed set-up).
  const neverBegan = span.toMs <= 0;
  const reason = neverBegan
    ? 'the start of the run (the operation phase never began)'
    : span.fromMs <= 0
      ? 'the start of the operation phase'
      : 'the first stretch of the operation phase the journal kept';
  const fromMs = neverBegan ? span.fromMs : Math.max(span.fromMs, 0);
  return { fromMs, toMs: Math.min(span.toMs, fromMs + windowMs), anchorMs: fromMs, reason, passedOver };
}

type Fate =
  | 'delivered'
  | 'cut by a partition'
  | 'lost: the receiver was down'
  | 'never delivered (lost to a crash or restart, or in flight at the end)'
  | 'delivery not kept by the journal';

interface Arrow {
  readonly send: JournalEvent;
  /** The delivery or drop; null when there was none (see fate). */
  readonly arrival: JournalEvent | null;
  readonly fate: Fate;
  readonly colorKey: string;
  readonly label: string;
  readonly hover: string;
}

/** The arrows of the sends in the window: at most maxArrows sends, a quarter of them before the anchor. */
export function selectArrows(
  log: MessageLog,
  window: MessageWindow,
  maxArrows: number,
): { readonly arrows: Arrow[]; readonly sendsInWindow: number; readonly leftOutBefore: number; readonly leftOutAfter: number } {
  const sends = log.events.filter((event) => event.kind === 'send' && event.atMs >= window.fromMs && event.atMs <= window.toMs);
  let first = 0;
  if (sends.length > maxArrows) {
    const atAnchor = sends.findIndex((event) => event.atMs >= window.anchorMs);
    first = Math.max(0, Math.min(sends.length - maxArrows, (atAnchor === -1 ? sends.length : atAnchor) - Math.floor(maxArrows / 4)));
  }
  const chosen = sends.slice(first, first + maxArrows);
  const wanted = new Set(chosen.map((send) => send.id));
  const arrivals = new Map<number, JournalEvent[]>();
  for (const event of log.events) {
    if (event.kind === 'send' || !wanted.has(event.id)) continue;
    const list = arrivals.get(event.id);
    if (list === undefined) arrivals.set(event.id, [event]);
    else list.push(event);
  }
  const arrows: Arrow[] = [];
  for (const send of chosen) {
    const described = describeMessage(send);
    const found = arrivals.get(send.id);
    if (found === undefined) {
      const span = log.spans.find((candidate) => candidate.fromMs <= send.atMs && send.atMs <= candidate.toMs);
      const fate: Fate =
        span?.reachesEnd === true ? 'never delivered (lost to a crash or restart, or in flight at the end)' : 'delivery not kept by the journal';
      arrows.push({ send, arrival: null, fate, ...described, hover: hoverText(send, null, fate, described.body) });
      continue;
    }
    for (const arrival of found) {
      const fate: Fate = arrival.kind === 'deliver' ? 'delivered' : arrival.kind === 'drop-partition' ? 'cut by a partition' : 'lost: the receiver was down';
      arrows.push({ send, arrival, fate, ...described, hover: hoverText(send, arrival, fate, described.body) });
    }
  }
  return { arrows, sendsInWindow: sends.length, leftOutBefore: first, leftOutAfter: sends.length - first - chosen.length };
}

/** The colour key, the label and the text shown on hover of one message. */
function describeMessage(send: JournalEvent): { readonly colorKey: string; readonly label: string; readonly body: string } {
  const text = send.text ?? '';
  let type = send.type;
  let parts: string[] | null = null;
  if (type === undefined || type === 'batch') {
    try {
      const body = (JSON.parse(text) as { body?: { type?: unknown; msgs?: unknown } }).body;
      if (typeof body?.type === 'string') type = body.type;
      if (type === 'batch' && Array.isArray(body?.msgs)) parts = body.msgs.map((msg: unknown) => String((msg as { type?: unknown } | null)?.type ?? '?'));
    } catch {
      // A line the harness could not read back (it was validated when sent): shown as it is.
    }
  }
  const body = text.length > HOVER_CHARS ? `${text.slice(0, HOVER_CHARS - 1)}… (${text.length} chars)` : text;
  if (type === undefined) return { colorKey: '?', label: '?', body };
  if (parts === null) return { colorKey: type, label: type, body };
  const kinds = new Set(parts);
  const only = kinds.size === 1 ? (parts[0] as string) : null;
  const label = only === null ? `batch ×${parts.length}` : `${only} ×${parts.length}`;
  return { colorKey: only ?? 'batch (mixed)', label, body: `batch of ${parts.length}: ${summarizeTypes(parts)}\n${body}` };
}

function summarizeTypes(types: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const type of types) counts.set(type, (counts.get(type) ?? 0) + 1);
  return [...counts].map(([type, n]) => (n === 1 ? type : `${type} ×${n}`)).join(', ');
}

function hoverText(send: JournalEvent, arrival: JournalEvent | null, fate: Fate, body: string): string {
  const timing =
    arrival === null
      ? `sent ${seconds(send.atMs, 6)}`
      : `sent ${seconds(send.atMs, 6)}, ${arrival.kind === 'deliver' ? 'delivered' : 'dropped'} ${seconds(arrival.atMs, 6)} (${(arrival.atMs - send.atMs).toFixed(3)} ms)`;
  return `${send.src} → ${send.dest} (message ${send.id}): ${fate}\n${timing}\n${body}`;
}

interface Lane {
  readonly name: string;
  readonly label: string;
  readonly hover: string;
}

function naturalOrder(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** Nodes, then services, then clients (one lane each up to MAX_CLIENT_LANES, else one for all). */
function lanesFor(arrows: readonly Arrow[], nodes: readonly string[]): { readonly lanes: Lane[]; readonly laneOf: (endpoint: string) => number } {
  const nodeSet = new Set(nodes);
  const seen = new Set<string>();
  for (const arrow of arrows) {
    seen.add(arrow.send.src);
    seen.add(arrow.send.dest);
  }
  const isClient = (name: string): boolean => /^c\d+$/.test(name) && !nodeSet.has(name);
  const nodeNames = [...new Set([...nodes, ...[...seen].filter((name) => nodeSet.has(name))])].sort(naturalOrder);
  const services = [...seen].filter((name) => !nodeSet.has(name) && !isClient(name)).sort(naturalOrder);
  const clients = [...seen].filter(isClient).sort(naturalOrder);
  const lanes: Lane[] = [...nodeNames, ...services].map((name) => ({ name, label: name, hover: name }));
  const index = new Map(lanes.map((lane, i) => [lane.name, i]));
  if (clients.length <= MAX_CLIENT_LANES) {
    for (const client of clients) {
      index.set(client, lanes.length);
      lanes.push({ name: client, label: client, hover: client });
    }
  } else {
    const shared = lanes.length;
    for (const client of clients) index.set(client, shared);
    lanes.push({ name: 'clients', label: `${clients.length} clients`, hover: `clients ${clients.join(', ')}` });
  }
  return { lanes, laneOf: (endpoint) => index.get(endpoint) ?? 0 };
}

/** Colours by key, most frequent first; the tail beyond the palette shares one grey. */
function colorsFor(arrows: readonly Arrow[]): { readonly colorOf: Map<string, string>; readonly legend: { key: string; color: string; count: number }[] } {
  const counts = new Map<string, number>();
  for (const arrow of arrows) counts.set(arrow.colorKey, (counts.get(arrow.colorKey) ?? 0) + 1);
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || naturalOrder(a[0], b[0]));
  const colorOf = new Map<string, string>();
  const legend: { key: string; color: string; count: number }[] = [];
  let next = 0;
  let otherCount = 0;
  for (const [key, count] of ranked) {
    const color = key === 'error' ? ERROR_COLOR : next < PALETTE.length ? (PALETTE[next++] as string) : OTHER_COLOR;
    colorOf.set(key, color);
    if (color === OTHER_COLOR) otherCount += count;
    else legend.push({ key, color, count });
  }
  if (otherCount > 0) legend.push({ key: 'other types', color: OTHER_COLOR, count: otherCount });
  return { colorOf, legend };
}

/**
 * Vertical positions: each distinct event time takes a row, pushed further down by the time since
 * the one before (PX_PER_MS), up to MAX_STRETCH_PX; longer pauses are cut short and reported.
 */
function verticalScale(
  times: readonly number[],
  topPx: number,
): { readonly yAt: (ms: number) => number; readonly bottom: number; readonly cuts: { ms: number; y: number; gapMs: number }[] } {
  const sorted = [...new Set(times)].sort((a, b) => a - b);
  const ys: number[] = [];
  const cuts: { ms: number; y: number; gapMs: number }[] = [];
  let y = topPx;
  sorted.forEach((ms, i) => {
    if (i > 0) {
      const gapMs = ms - (sorted[i - 1] as number);
      const stretch = gapMs * PX_PER_MS;
      y += ROW_PX + Math.min(stretch, MAX_STRETCH_PX);
      if (stretch > MAX_STRETCH_PX) cuts.push({ ms, y: y - (ROW_PX + MAX_STRETCH_PX) / 2, gapMs });
    }
    ys.push(y);
  });
  const yAt = (ms: number): number => {
    if (sorted.length === 0) return topPx;
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((sorted[mid] as number) < ms) low = mid + 1;
      else high = mid;
    }
    if (low < sorted.length && sorted[low] === ms) return ys[low] as number;
    if (low === 0) return topPx - ROW_PX;
    if (low === sorted.length) return (ys[low - 1] as number) + ROW_PX;
    const t0 = sorted[low - 1] as number;
    const t1 = sorted[low] as number;
    const y0 = ys[low - 1] as number;
    const y1 = ys[low] as number;
    return y0 + ((ms - t0) / (t1 - t0)) * (y1 - y0);
  };
  return { yAt, bottom: y, cuts };
}

export function renderMessageDiagram(log: MessageLog, options: MessageDiagramOptions): string {
  const maxArrows = options.maxArrows ?? DEFAULT_MAX_ARROWS;
  const window = chooseWindow(log, options);
  const { arrows, sendsInWindow, leftOutBefore, leftOutAfter } = selectArrows(log, window, maxArrows);
  const { lanes, laneOf } = lanesFor(arrows, options.nodes);
  const { colorOf, legend } = colorsFor(arrows);
  const lanePx = Math.max(90, Math.min(160, Math.floor(960 / Math.max(lanes.length, 1))));
  const width = GUTTER_PX + lanes.length * lanePx + RIGHT_PX;
  const xOf = (lane: number): number => GUTTER_PX + lanePx * (lane + 0.5);

  const header: string[] = [];
  let y = 24;
  header.push(`<text x="12" y="${y}" font-size="15" font-weight="bold">${escapeXml(options.title)}</text>`);
  const sendsDrawn = arrows.length === 0 ? 0 : new Set(arrows.map((arrow) => arrow.send.seq)).size;
  const lines = [
    `Window ${seconds(window.fromMs)} – ${seconds(window.toMs)} of test time: ${window.reason}.`,
    ...window.passedOver.map((why) => `Not centred on ${why}.`),
    leftOutBefore + leftOutAfter === 0
      ? `${count(sendsDrawn)} messages drawn, every one sent in the window (bound: ${count(maxArrows)}).`
      : `${count(sendsDrawn)} of the ${count(sendsInWindow)} messages sent in the window drawn (bound: ${count(maxArrows)}); left out: ${count(leftOutBefore)} earlier, ${count(leftOutAfter)} later.`,
    `The journal kept ${count(log.events.length)} of the ${count(log.recordedEvents)} sends, deliveries and drops recorded: ${log.bound}.`,
    `Time flows down: each event takes a row, pushed down ${PX_PER_MS} px per ms since the one before, at most ${MAX_STRETCH_PX} px (longer pauses cut short at a dashed line). Hover over an arrow for the message (its first ${HOVER_CHARS} characters).`,
  ];
  const totalWidth = Math.max(width, 700);
  for (const line of lines) {
    for (const piece of wrapText(line, Math.floor((totalWidth - 24) / CHAR_PX))) {
      y += LINE_PX;
      header.push(`<text x="12" y="${y}" font-size="12">${escapeXml(piece)}</text>`);
    }
  }
  // Legend: one swatch per colour, then the fates.
  y += LINE_PX + 6;
  let x = 12;
  const legendItems = [
    ...legend.map((item) => ({ swatch: `<rect x="0" y="-9" width="18" height="10" fill="${item.color}"/>`, text: `${item.key} (${count(item.count)})` })),
    { swatch: `${cross(9, -4, ERROR_COLOR)}`, text: 'cut by a partition' },
    { swatch: `${cross(9, -4, '#555555')}`, text: 'lost (receiver down, crash, or in flight at the end)' },
  ];
  for (const item of legendItems) {
    const itemWidth = 26 + item.text.length * 6.6 + 14;
    if (x + itemWidth > totalWidth - 12 && x > 12) {
      x = 12;
      y += LINE_PX;
    }
    header.push(`<g transform="translate(${x.toFixed(1)} ${y})">${item.swatch}<text x="24" y="0" font-size="11">${escapeXml(item.text)}</text></g>`);
    x += itemWidth;
  }
  const laneLabelY = y + 26;
  const bodyTop = laneLabelY + 16;

  const times: number[] = [];
  for (const arrow of arrows) {
    times.push(arrow.send.atMs);
    if (arrow.arrival !== null) times.push(arrow.arrival.atMs);
  }
  const scale = verticalScale(times, bodyTop);
  const bottom = scale.bottom + 3 * ROW_PX;
  const body: string[] = [];
  const space = new TextSpace();
  // Faults and the anomaly first, under the arrows.
  const firstMs = times.length === 0 ? 0 : Math.min(...times);
  const lastMs = times.length === 0 ? 0 : Math.max(...times);
  for (const fault of options.faults) {
    const endMs = fault.endMs ?? Infinity;
    if (times.length === 0 || endMs < firstMs || fault.startMs > lastMs) continue;
    const y0 = Math.max(bodyTop - ROW_PX, scale.yAt(fault.startMs));
    const y1 = Math.min(bottom, fault.endMs === null ? bottom : scale.yAt(endMs));
    body.push(
      `<rect x="${GUTTER_PX}" y="${y0.toFixed(1)}" width="${width - GUTTER_PX - RIGHT_PX / 2}" height="${Math.max(y1 - y0, 1).toFixed(1)}" fill="${FAULT_COLORS[fault.kind]}" opacity="0.45"><title>${escapeXml(describeFault(fault))}</title></rect>`,
    );
    const name = `${fault.kind} ${fault.description}`;
    const right = width - RIGHT_PX / 2 - 4;
    if (space.take(right - textWidth(name, 10), y0 + 1, right, y0 + 13)) {
      body.push(`<text x="${right}" y="${(y0 + 11).toFixed(1)}" font-size="10" text-anchor="end" fill="#665">${escapeXml(name)}</text>`);
    }
  }
  const anomaly = options.anomaly;
  if (anomaly !== undefined && times.length > 0 && anomaly.endMs >= firstMs && anomaly.startMs <= lastMs) {
    const y0 = Math.max(bodyTop - ROW_PX, scale.yAt(anomaly.startMs));
    const y1 = Math.min(bottom, scale.yAt(anomaly.endMs));
    body.push(
      `<g><title>${escapeXml(`first anomaly: ${anomaly.what}`)}</title><rect x="${GUTTER_PX - 10}" y="${y0.toFixed(1)}" width="5" height="${Math.max(y1 - y0, 3).toFixed(1)}" fill="${ERROR_COLOR}"/>` +
        `<text x="${GUTTER_PX - 12}" y="${(y0 + 10).toFixed(1)}" font-size="10" text-anchor="end" fill="${ERROR_COLOR}">anomaly</text></g>`,
    );
  }
  // Lanes, labelled at the top and again every LANE_LABEL_EVERY_PX.
  lanes.forEach((lane, i) => {
    const lx = xOf(i).toFixed(1);
    body.push(`<line x1="${lx}" y1="${bodyTop - ROW_PX}" x2="${lx}" y2="${bottom}" stroke="#bbb"/>`);
    for (let ly = laneLabelY; ly < bottom; ly += LANE_LABEL_EVERY_PX) {
      const half = textWidth(lane.label, 12) / 2 + 2;
      space.take(Number(lx) - half, ly - 12, Number(lx) + half, ly + 3);
      body.push(
        `<text x="${lx}" y="${ly}" font-size="12" font-weight="bold" text-anchor="middle" class="lane"><title>${escapeXml(lane.hover)}</title>${escapeXml(lane.label)}</text>`,
      );
    }
  });
  // Time labels in the gutter, and the cut pauses.
  let lastTimeY = -Infinity;
  for (const ms of [...new Set(times)].sort((a, b) => a - b)) {
    const ty = scale.yAt(ms);
    if (ty - lastTimeY < 48) continue;
    lastTimeY = ty;
    body.push(`<text x="${GUTTER_PX - 14}" y="${(ty + 3).toFixed(1)}" font-size="10" text-anchor="end" fill="#555">${seconds(ms, 4)}</text>`);
  }
  for (const cut of scale.cuts) {
    body.push(`<line x1="${GUTTER_PX}" y1="${cut.y.toFixed(1)}" x2="${width - RIGHT_PX / 2}" y2="${cut.y.toFixed(1)}" stroke="#999" stroke-dasharray="3 4"/>`);
    const gap = `+${cut.gapMs.toFixed(1)} ms`;
    if (space.take(GUTTER_PX + 4, cut.y - 10, GUTTER_PX + 4 + textWidth(gap, 9), cut.y)) {
      body.push(`<text x="${GUTTER_PX + 4}" y="${(cut.y - 2).toFixed(1)}" font-size="9" fill="#777">${gap}</text>`);
    }
  }
  // Arrows, then their labels on top where there is room.
  const labels: string[] = [];
  for (const arrow of arrows) {
    const color = colorOf.get(arrow.colorKey) ?? OTHER_COLOR;
    const x0 = xOf(laneOf(arrow.send.src));
    const x1 = xOf(laneOf(arrow.send.dest));
    const y0 = scale.yAt(arrow.send.atMs);
    const hover = `<title>${escapeXml(arrow.hover)}</title>`;
    let labelX: number;
    let labelY: number;
    if (arrow.fate === 'delivered' && arrow.arrival !== null) {
      const y1 = scale.yAt(arrow.arrival.atMs);
      body.push(`<g stroke="${color}" fill="${color}">${hover}${arrowPath(x0, y0, x1, y1)}</g>`);
      labelX = (x0 + x1) / 2;
      labelY = (y0 + y1) / 2;
    } else {
      // Dropped or lost: the arrow stops partway across, in a cross.
      const y1 = arrow.arrival === null ? y0 + ROW_PX : scale.yAt(arrow.arrival.atMs);
      const endX = x0 === x1 ? x0 + lanePx * 0.3 : x0 + (x1 - x0) * 0.6;
      const crossColor = arrow.fate === 'cut by a partition' ? ERROR_COLOR : '#555555';
      const dash = arrow.fate === 'delivery not kept by the journal' ? '1 3' : '4 3';
      body.push(
        `<g>${hover}<line x1="${x0.toFixed(1)}" y1="${y0.toFixed(1)}" x2="${endX.toFixed(1)}" y2="${y1.toFixed(1)}" stroke="${color}" stroke-width="1.4" stroke-dasharray="${dash}"/>${cross(endX, y1, crossColor)}</g>`,
      );
      labelX = (x0 + endX) / 2;
      labelY = (y0 + y1) / 2;
    }
    const label = arrow.label.length > LABEL_CHARS ? `${arrow.label.slice(0, LABEL_CHARS - 1)}…` : arrow.label;
    const half = textWidth(label, 9) / 2 + 2;
    if (!space.take(labelX - half, labelY - 11, labelX + half, labelY)) continue;
    labels.push(`<text x="${labelX.toFixed(1)}" y="${(labelY - 2).toFixed(1)}" class="lb">${escapeXml(label)}</text>`);
  }
  if (arrows.length === 0) body.push(`<text x="${GUTTER_PX}" y="${bodyTop + 20}" font-size="13">No message was sent in this window.</text>`);
  if (leftOutAfter > 0) {
    body.push(
      `<text x="12" y="${bottom + 18}" font-size="12" fill="#a33">… ${count(leftOutAfter)} later messages of the window left out (bound: ${count(maxArrows)} messages).</text>`,
    );
  }
  const height = Math.ceil(bottom + 30);
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${totalWidth}" height="${height}" viewBox="0 0 ${totalWidth} ${height}" font-family="sans-serif">\n` +
    `<style>.lb{font-size:9px;text-anchor:middle;paint-order:stroke;stroke:#fff;stroke-width:3px;fill:#222}.lane{paint-order:stroke;stroke:#fff;stroke-width:4px}</style>\n` +
    `<rect x="0" y="0" width="${totalWidth}" height="${height}" fill="#ffffff"/>\n` +
    `${header.join('\n')}\n${body.join('\n')}\n${labels.join('\n')}\n</svg>\n`
  );
}

/** Where text already stands, so that a label is drawn only where it keeps apart from every other. */
class TextSpace {
  /** Boxes [left, top, right, bottom] by the rows of TEXT_ROW_PX they touch. */
  private readonly rows = new Map<number, [number, number, number, number][]>();

  /** Takes the box if it overlaps none taken before; false, taking nothing, if it does. */
  take(left: number, top: number, right: number, bottom: number): boolean {
    const first = Math.floor(top / TEXT_ROW_PX);
    const last = Math.floor(bottom / TEXT_ROW_PX);
    for (let row = first; row <= last; row++) {
      for (const [l, t, r, b] of this.rows.get(row) ?? []) if (left < r && l < right && top < b && t < bottom) return false;
    }
    for (let row = first; row <= last; row++) {
      const boxes = this.rows.get(row);
      if (boxes === undefined) this.rows.set(row, [[left, top, right, bottom]]);
      else boxes.push([left, top, right, bottom]);
    }
    return true;
  }
}

function textWidth(text: string, fontPx: number): number {
  return text.length * fontPx * CHAR_WIDTH_PER_PX;
}

/** A line from the send to the delivery with a head at the delivery (a loop for a message to itself). */
function arrowPath(x0: number, y0: number, x1: number, y1: number): string {
  if (x0 === x1) {
    const bend = 26;
    const mid = (y0 + y1) / 2;
    const head = headAt(x1, y1, x1 + bend, Math.max(mid, y1 - 6));
    return `<path d="M${x0.toFixed(1)} ${y0.toFixed(1)}C${(x0 + bend).toFixed(1)} ${y0.toFixed(1)} ${(x1 + bend).toFixed(1)} ${y1.toFixed(1)} ${x1.toFixed(1)} ${y1.toFixed(1)}" fill="none" stroke-width="1.4"/>${head}`;
  }
  return `<line x1="${x0.toFixed(1)}" y1="${y0.toFixed(1)}" x2="${x1.toFixed(1)}" y2="${y1.toFixed(1)}" stroke-width="1.4"/>${headAt(x1, y1, x0, y0)}`;
}

/** A filled arrowhead at (x, y) pointing away from (fromX, fromY). */
function headAt(x: number, y: number, fromX: number, fromY: number): string {
  const angle = Math.atan2(y - fromY, x - fromX);
  const size = 7;
  const spread = 0.42;
  const ax = x - size * Math.cos(angle - spread);
  const ay = y - size * Math.sin(angle - spread);
  const bx = x - size * Math.cos(angle + spread);
  const by = y - size * Math.sin(angle + spread);
  return `<path d="M${x.toFixed(1)} ${y.toFixed(1)}L${ax.toFixed(1)} ${ay.toFixed(1)}L${bx.toFixed(1)} ${by.toFixed(1)}Z" stroke="none"/>`;
}

function cross(x: number, y: number, color: string): string {
  const r = 4;
  return `<path d="M${(x - r).toFixed(1)} ${(y - r).toFixed(1)}L${(x + r).toFixed(1)} ${(y + r).toFixed(1)}M${(x - r).toFixed(1)} ${(y + r).toFixed(1)}L${(x + r).toFixed(1)} ${(y - r).toFixed(1)}" stroke="${color}" stroke-width="2.2" fill="none"/>`;
}

/** Splits at spaces into lines of at most `width` characters (a longer word stays whole). */
function wrapText(text: string, width: number): string[] {
  return (text.match(new RegExp(`\\S.{0,${Math.max(width - 1, 1)}}(?=\\s|$)|\\S+`, 'g')) ?? []).map((line) => line.trim());
}

function seconds(ms: number, digits = 3): string {
  return `${(ms / 1000).toFixed(digits)} s`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}
