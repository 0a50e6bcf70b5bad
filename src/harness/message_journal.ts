// The record of the messages the harness routed (sends, deliveries, drops), for messages.svg.
// Owns what is kept: the start of the run, the start of the operation phase, the lead-up to and
// the aftermath of each of the first few faults, and the latest events; the rest is only counted.
// Must not parse, copy or stringify a message, nor read a clock: it sits on the routing hot path,
// where recording an event writes a few numbers and references into slots allocated up front.
// Invariant: every part is bounded by a count of events and by characters (each event's message
// text plus a fixed charge), so the journal never holds more than JOURNAL_BOUNDS allows.

import type { JsonObject } from '../base/json.js';
import type { HistoryEvent } from '../check/history.js';
import type { NemesisAction } from './nemesis_actions.js';

export type JournalEventKind = 'send' | 'deliver' | 'drop-partition' | 'drop-down';

export interface JournalEvent {
  /** Recording order: consecutive numbers mean nothing happened in between. */
  readonly seq: number;
  readonly kind: JournalEventKind;
  /** The network's message id (Maelstrom's envelope id); a duplicated message is delivered twice under one id. */
  readonly id: number;
  readonly atMs: number;
  readonly src: string;
  readonly dest: string;
  /** The message as a JSON line (sends only). */
  readonly text: string | null;
  /** The body's type when the router had the parsed body at hand (the picture parses the rest). */
  readonly type: string | undefined;
}

/** A stretch of the run the journal kept whole: no event between its first and last is missing. */
interface JournalSpan {
  readonly fromMs: number;
  readonly toMs: number;
  /** True for the span that runs to the last event recorded: a send in it that was never delivered was lost. */
  readonly reachesEnd: boolean;
}

/** What the journal kept, with times in test milliseconds: the input of messages.svg. */
export interface MessageLog {
  /** In recording order. */
  readonly events: readonly JournalEvent[];
  readonly spans: readonly JournalSpan[];
  /** Every event recorded, kept or not. */
  readonly recordedEvents: number;
  /** The journal's bound in words, for the picture. */
  readonly bound: string;
}

/** Each part's bound: a count of events and a budget in which an event costs its text's characters and EVENT_OVERHEAD_BYTES. */
export interface JournalBounds {
  readonly startEvents: number;
  readonly startBytes: number;
  readonly opPhaseEvents: number;
  readonly opPhaseBytes: number;
  readonly faultWindows: number;
  /** Events before a fault kept with it (taken from the latest ones when the fault begins). */
  readonly faultLeadEvents: number;
  readonly faultEvents: number;
  readonly faultBytes: number;
  readonly latestEvents: number;
  readonly latestBytes: number;
}

const MIB = 1024 * 1024;

export const JOURNAL_BOUNDS: JournalBounds = {
  startEvents: 4_000,
  startBytes: 2 * MIB,
  opPhaseEvents: 20_000,
  opPhaseBytes: 8 * MIB,
  faultWindows: 4,
  faultLeadEvents: 4_000,
  faultEvents: 16_000,
  faultBytes: 4 * MIB,
  // Small on purpose: a message kept longer outlives the garbage collector's young generation and
  // gets copied and promoted; keeping the last 20,000 tripled the journal's cost per message.
  latestEvents: 4_000,
  latestBytes: 2 * MIB,
};

/** What an event costs besides its text: its slots in the columns. */
const EVENT_OVERHEAD_BYTES = 120;

/** The nemesis steps that begin a fault (a moved partition continues one). */
const FAULT_STARTS: ReadonlySet<string> = new Set<NemesisAction['f']>(['start-partition', 'kill', 'pause', 'start-delay-spike', 'start-duplicate']);

/** True for the history event with which the nemesis begins a fault. */
export function opensFault(event: HistoryEvent): boolean {
  return event.process === 'nemesis' && event.type === 'invoke' && FAULT_STARTS.has(event.f);
}

const KINDS: readonly JournalEventKind[] = ['send', 'deliver', 'drop-partition', 'drop-down'];
const SEND = 0;

const sizeOf = (text: string | null): number => EVENT_OVERHEAD_BYTES + (text === null ? 0 : text.length);

/**
 * Events stored as columns in slots allocated up front, so that recording one allocates nothing: a
 * few numbers and references written into place (an object per event would make the garbage
 * collector copy and promote every one the journal keeps a while).
 */
class Columns {
  readonly seq: Float64Array;
  readonly kind: Uint8Array;
  readonly id: Float64Array;
  readonly atMs: Float64Array;
  readonly src: string[];
  readonly dest: string[];
  readonly text: (string | null)[];
  readonly type: (string | undefined)[];

  constructor(capacity: number) {
    this.seq = new Float64Array(capacity);
    this.kind = new Uint8Array(capacity);
    this.id = new Float64Array(capacity);
    this.atMs = new Float64Array(capacity);
    this.src = new Array<string>(capacity).fill('');
    this.dest = new Array<string>(capacity).fill('');
    this.text = new Array<string | null>(capacity).fill(null);
    this.type = new Array<string | undefined>(capacity).fill(undefined);
  }

  write(slot: number, seq: number, kind: number, id: number, atMs: number, src: string, dest: string, text: string | null, type: string | undefined): void {
    this.seq[slot] = seq;
    this.kind[slot] = kind;
    this.id[slot] = id;
    this.atMs[slot] = atMs;
    this.src[slot] = src;
    this.dest[slot] = dest;
    this.text[slot] = text;
    this.type[slot] = type;
  }

  /** Copies the event in `from`'s slot `at` into this one's slot `to`. */
  copy(from: Columns, at: number, to: number): void {
    this.seq[to] = from.seq[at] as number;
    this.kind[to] = from.kind[at] as number;
    this.id[to] = from.id[at] as number;
    this.atMs[to] = from.atMs[at] as number;
    this.src[to] = from.src[at] as string;
    this.dest[to] = from.dest[at] as string;
    this.text[to] = from.text[at] as string | null;
    this.type[to] = from.type[at];
  }

  event(slot: number, zeroMs: number): JournalEvent {
    return {
      seq: this.seq[slot] as number,
      kind: KINDS[this.kind[slot] as number] as JournalEventKind,
      id: this.id[slot] as number,
      atMs: (this.atMs[slot] as number) - zeroMs,
      src: this.src[slot] as string,
      dest: this.dest[slot] as string,
      text: this.text[slot] as string | null,
      type: this.type[slot],
    };
  }
}

/** Appends until its count or its bytes would be exceeded, then closes for good. */
class Segment {
  readonly columns: Columns;
  length = 0;
  private bytes = 0;
  open = true;

  constructor(
    private readonly maxEvents: number,
    private readonly maxBytes: number,
  ) {
    this.columns = new Columns(maxEvents);
  }

  push(seq: number, kind: number, id: number, atMs: number, src: string, dest: string, text: string | null, type: string | undefined): void {
    if (this.takes(sizeOf(text))) this.columns.write(this.length++, seq, kind, id, atMs, src, dest, text, type);
  }

  pushCopy(from: Columns, at: number): void {
    if (this.takes(sizeOf(from.text[at] as string | null))) this.columns.copy(from, at, this.length++);
  }

  /** Whether one more event of `size` fits (counted in if so); once one does not, none will. */
  private takes(size: number): boolean {
    if (this.length >= this.maxEvents || this.bytes + size > this.maxBytes) this.open = false;
    if (!this.open) return false;
    this.bytes += size;
    return true;
  }
}

/** The latest events: a circular buffer that forgets the oldest to stay within its count and bytes. */
class Ring {
  readonly columns: Columns;
  private first = 0;
  size = 0;
  private bytes = 0;

  constructor(
    private readonly maxEvents: number,
    private readonly maxBytes: number,
  ) {
    this.columns = new Columns(maxEvents);
  }

  push(seq: number, kind: number, id: number, atMs: number, src: string, dest: string, text: string | null, type: string | undefined): void {
    const size = sizeOf(text);
    while (this.size > 0 && (this.size >= this.maxEvents || this.bytes + size > this.maxBytes)) this.dropOldest();
    if (size > this.maxBytes || this.maxEvents === 0) return;
    this.columns.write((this.first + this.size) % this.maxEvents, seq, kind, id, atMs, src, dest, text, type);
    this.size++;
    this.bytes += size;
  }

  /** The slot of the i-th oldest event kept. */
  slot(i: number): number {
    return (this.first + i) % this.maxEvents;
  }

  private dropOldest(): void {
    const columns = this.columns;
    this.bytes -= sizeOf(columns.text[this.first] as string | null);
    columns.text[this.first] = null;
    columns.type[this.first] = undefined;
    this.first = (this.first + 1) % this.maxEvents;
    this.size--;
  }
}

export class MessageJournal {
  private seq = 0;
  private readonly start: Segment;
  private opPhase: Segment | null = null;
  private readonly faultWindows: Segment[] = [];
  private readonly latest: Ring;
  /** The segments still taking events (the hot path walks only these). */
  private open: Segment[];

  constructor(private readonly bounds: JournalBounds = JOURNAL_BOUNDS) {
    this.start = new Segment(bounds.startEvents, bounds.startBytes);
    this.latest = new Ring(bounds.latestEvents, bounds.latestBytes);
    this.open = [this.start];
  }

  recordSend(id: number, src: string, dest: string, text: string, body: JsonObject | null, atMs: number): void {
    const type = body === null ? undefined : body['type'];
    this.record(SEND, id, atMs, src, dest, text, typeof type === 'string' ? type : undefined);
  }

  recordArrival(kind: Exclude<JournalEventKind, 'send'>, id: number, src: string, dest: string, atMs: number): void {
    this.record(KINDS.indexOf(kind), id, atMs, src, dest, null, undefined);
  }

  /** The operation phase begins: keep its first events. */
  markOpPhase(): void {
    if (this.opPhase !== null) return;
    this.opPhase = new Segment(this.bounds.opPhaseEvents, this.bounds.opPhaseBytes);
    this.open.push(this.opPhase);
  }

  /** A fault begins: keep the events just before it and the ones after (for the first few faults). */
  markFault(): void {
    if (this.faultWindows.length >= this.bounds.faultWindows) return;
    const window = new Segment(this.bounds.faultLeadEvents + this.bounds.faultEvents, this.bounds.faultBytes);
    const ring = this.latest;
    for (let i = Math.max(0, ring.size - this.bounds.faultLeadEvents); i < ring.size; i++) window.pushCopy(ring.columns, ring.slot(i));
    this.faultWindows.push(window);
    this.open.push(window);
  }

  /** Everything kept, merged in order, times shifted so that `zeroMs` (the clock at test time 0) is 0. */
  snapshot(zeroMs: number): MessageLog {
    const kept: JournalEvent[] = [];
    for (const segment of [this.start, ...(this.opPhase === null ? [] : [this.opPhase]), ...this.faultWindows]) {
      for (let slot = 0; slot < segment.length; slot++) kept.push(segment.columns.event(slot, zeroMs));
    }
    for (let i = 0; i < this.latest.size; i++) kept.push(this.latest.columns.event(this.latest.slot(i), zeroMs));
    kept.sort((a, b) => a.seq - b.seq);
    const events: JournalEvent[] = [];
    const spans: JournalSpan[] = [];
    let spanFrom: JournalEvent | null = null;
    let previous: JournalEvent | null = null;
    for (const event of kept) {
      if (previous !== null && event.seq === previous.seq) continue;
      if (previous === null || event.seq !== previous.seq + 1) {
        if (spanFrom !== null && previous !== null) spans.push({ fromMs: spanFrom.atMs, toMs: previous.atMs, reachesEnd: false });
        spanFrom = event;
      }
      events.push(event);
      previous = event;
    }
    if (spanFrom !== null && previous !== null) spans.push({ fromMs: spanFrom.atMs, toMs: previous.atMs, reachesEnd: previous.seq === this.seq - 1 });
    return { events, spans, recordedEvents: this.seq, bound: describeBounds(this.bounds) };
  }

  private record(kind: number, id: number, atMs: number, src: string, dest: string, text: string | null, type: string | undefined): void {
    const seq = this.seq++;
    const open = this.open;
    for (let i = 0; i < open.length; i++) {
      const segment = open[i] as Segment;
      segment.push(seq, kind, id, atMs, src, dest, text, type);
      if (!segment.open) this.open = open.filter((candidate) => candidate.open);
    }
    this.latest.push(seq, kind, id, atMs, src, dest, text, type);
  }
}

const mib = (bytes: number): string => String(Math.round((bytes / MIB) * 10) / 10);

function describeBounds(bounds: JournalBounds): string {
  const count = (n: number): string => n.toLocaleString('en-US');
  return (
    `the journal keeps the first ${count(bounds.startEvents)} events of the run, the first ${count(bounds.opPhaseEvents)} of the operation phase, ` +
    `${count(bounds.faultLeadEvents)} before and ${count(bounds.faultEvents)} after the start of each of the first ${bounds.faultWindows} faults, ` +
    `and the last ${count(bounds.latestEvents)}, each part within its byte budget (${[bounds.startBytes, bounds.opPhaseBytes, bounds.faultBytes, bounds.latestBytes].map(mib).join(', ')} MiB)`
  );
}
