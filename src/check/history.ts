// Histories of register operations and transactions in memory, and their two text formats: our
// JSON lines (register or "txn" client events) and Jepsen's log lines (as the 2014 etcd register
// tests printed them; registers only). Pure: text in, values out.
// Invariants: events keep their file order (that order is the real-time order the checker
// trusts); client processes are integers, anything else (":nemesis") is a non-client process.
// Parsing never throws: malformed input comes back as an error value naming the line.

import type { JsonValue } from '../base/json.js';
import { isJsonObject } from '../base/json.js';
import type { Result } from '../base/result.js';
import { err, ok } from '../base/result.js';

export type EventType = 'invoke' | 'ok' | 'fail' | 'info';
export type RegisterFunction = 'read' | 'write' | 'cas';
export type HistoryFormat = 'jsonl' | 'jepsen';

export interface HistoryError {
  readonly code: number;
  readonly text: string;
}

/**
 * One line of a history. `f` is a register function or `txn` (value: a list of [f, k, v]
 * micro-ops) for client events; nemesis events carry their own (`start`, `stop`, ...). `key`
 * is absent in single-register (Jepsen) histories and in txns. `time` is nanoseconds since the
 * start of the test (Jepsen logs have no clock: there it is the event's ordinal, which keeps the
 * order and gives timelines something to draw).
 */
export interface HistoryEvent {
  readonly index: number;
  readonly process: number | string;
  readonly type: EventType;
  readonly f: string;
  readonly key?: JsonValue;
  readonly value: JsonValue;
  readonly time: number;
  readonly error?: HistoryError;
}

export interface HistoryParseError {
  /** 1-based line number in the text, 0 when the problem is not tied to a line. */
  readonly line: number;
  readonly message: string;
}

const EVENT_TYPES: ReadonlySet<string> = new Set<EventType>(['invoke', 'ok', 'fail', 'info']);
const REGISTER_FUNCTIONS: ReadonlySet<string> = new Set<RegisterFunction>(['read', 'write', 'cas']);

export function isEventType(value: string): value is EventType {
  return EVENT_TYPES.has(value);
}

export function isRegisterFunction(value: string): value is RegisterFunction {
  return REGISTER_FUNCTIONS.has(value);
}

/** Client events are the ones from integer processes; the checker ignores every other one. */
export function isClientEvent(event: HistoryEvent): event is HistoryEvent & { readonly process: number } {
  return typeof event.process === 'number';
}

const JEPSEN_LINE = /^INFO\s+jepsen\.util\s+-\s+(\S+)\t(\S+)\t(\S+)\t(.*)$/;
const JEPSEN_MARKER = /^INFO\s+jepsen\.util\s+-\s/m;

/**
 * Tells the formats apart by content: our format's first non-blank line is a JSON object; a
 * Jepsen log has `INFO jepsen.util - ` lines somewhere among its other log lines.
 */
export function detectFormat(text: string): HistoryFormat | undefined {
  const firstLine = firstNonBlankLine(text);
  if (firstLine?.startsWith('{')) {
    try {
      if (isJsonObject(JSON.parse(firstLine))) return 'jsonl';
    } catch {
      // Not JSON after all: maybe a log that happens to start with a brace.
    }
  }
  if (JEPSEN_MARKER.test(text)) return 'jepsen';
  return undefined;
}

/**
 * Parses either format; `format` skips detection. An empty text is an empty history (which the
 * checker then refuses to judge); a non-empty text that yields no event is an error.
 */
export function parseHistory(text: string, format?: HistoryFormat): Result<HistoryEvent[], HistoryParseError> {
  const chosen = format ?? detectFormat(text);
  if (chosen === undefined) {
    if (firstNonBlankLine(text) === undefined) return ok([]);
    return err({ line: 0, message: 'cannot tell the format: neither JSON lines nor a Jepsen log' });
  }
  return chosen === 'jsonl' ? parseJsonLines(text) : parseJepsenLog(text);
}

/** Our format: one JSON object per line; blank lines are allowed, anything else is an error. */
export function parseJsonLines(text: string): Result<HistoryEvent[], HistoryParseError> {
  const lines = text.split('\n');
  const events: HistoryEvent[] = [];
  for (let lineIndex = 0; lineIndex < lines.length; lineIndex++) {
    const line = (lines[lineIndex] as string).trim();
    if (line === '') continue;
    const lineNumber = lineIndex + 1;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      return err({ line: lineNumber, message: `not JSON: ${(error as Error).message}` });
    }
    const event = eventFromJson(parsed, events.length);
    if (!event.ok) return err({ line: lineNumber, message: event.error });
    events.push(event.value);
  }
  return ok(events);
}

function eventFromJson(parsed: unknown, ordinal: number): Result<HistoryEvent, string> {
  if (!isJsonObject(parsed)) return err('an event must be a JSON object');
  const { index, process, type, f, key, value, time, error } = parsed;
  if (index !== undefined && !Number.isSafeInteger(index)) return err('"index" must be an integer');
  if (!(Number.isSafeInteger(process) || typeof process === 'string')) {
    return err('"process" must be an integer (client) or a string (nemesis)');
  }
  if (typeof type !== 'string' || !isEventType(type)) return err('"type" must be invoke, ok, fail or info');
  if (typeof f !== 'string') return err('"f" must be a string');
  if (typeof process === 'number' && !isRegisterFunction(f)) {
    if (f !== 'txn') return err(`unsupported client function "${f}"`);
    if (!(Array.isArray(value) || (value === null && type !== 'invoke' && type !== 'ok'))) {
      return err('a "txn" event\'s "value" must be a list of [f, k, v] micro-ops (or null for a fail or info completion)');
    }
  }
  if (time !== undefined && !(typeof time === 'number' && Number.isFinite(time))) return err('"time" must be a number');
  let parsedError: HistoryError | undefined;
  if (error !== undefined && error !== null) {
    if (!isJsonObject(error) || !Number.isSafeInteger(error['code'])) return err('"error" must be {"code": integer, "text": string}');
    const errorText = error['text'];
    parsedError = { code: error['code'] as number, text: typeof errorText === 'string' ? errorText : '' };
  }
  const event: HistoryEvent = {
    index: (index as number | undefined) ?? ordinal,
    process: process as number | string,
    type,
    f,
    ...(key === undefined ? {} : { key }),
    value: value ?? null,
    time: (time as number | undefined) ?? ordinal,
    ...(parsedError === undefined ? {} : { error: parsedError }),
  };
  return ok(event);
}

/** One event as a line of our format, without the newline; fields in a fixed order. */
export function formatHistoryLine(event: HistoryEvent): string {
  const fields: { [name: string]: JsonValue } = {
    index: event.index,
    process: event.process,
    type: event.type,
    f: event.f,
  };
  if (event.key !== undefined) fields['key'] = event.key;
  fields['value'] = event.value;
  fields['time'] = event.time;
  if (event.error !== undefined) fields['error'] = { code: event.error.code, text: event.error.text };
  return JSON.stringify(fields);
}

/** A whole history in our format, one line per event, newline-terminated. */
export function formatHistory(events: readonly HistoryEvent[]): string {
  let out = '';
  for (const event of events) out += `${formatHistoryLine(event)}\n`;
  return out;
}

/**
 * Jepsen's log: only `INFO jepsen.util - PROCESS<TAB>:TYPE<TAB>:F<TAB>VALUE` lines are events;
 * every other line (setup, Knossos progress, the failure report that reprints ops without the
 * prefix) is skipped. Values are a little EDN: nil, integers, [a b], :keywords, "strings".
 */
export function parseJepsenLog(text: string): Result<HistoryEvent[], HistoryParseError> {
  const lines = text.split('\n');
  const events: HistoryEvent[] = [];
  for (let lineIndex = 0; lineIndex < lines.length; lineIndex++) {
    const match = JEPSEN_LINE.exec((lines[lineIndex] as string).replace(/\r$/, ''));
    if (match === null) continue;
    const [, processText, typeText, fText, valueText] = match as unknown as [string, string, string, string, string];
    const lineNumber = lineIndex + 1;
    const process = parseJepsenProcess(processText);
    if (process === undefined) return err({ line: lineNumber, message: `bad process "${processText}"` });
    const type = typeText.startsWith(':') ? typeText.slice(1) : typeText;
    if (!isEventType(type)) return err({ line: lineNumber, message: `bad event type "${typeText}"` });
    const f = fText.startsWith(':') ? fText.slice(1) : fText;
    if (typeof process === 'number' && !isRegisterFunction(f)) {
      return err({ line: lineNumber, message: `unsupported client function "${fText}"` });
    }
    const value = parseEdnValue(valueText.trim());
    if (value === undefined) return err({ line: lineNumber, message: `cannot read value "${valueText}"` });
    events.push({ index: events.length, process, type, f, value, time: events.length });
  }
  // Every other line is skipped, so a text with none of these lines would read as an empty
  // history: say so instead (a README or a JSON lines history given as --format jepsen).
  if (events.length === 0 && firstNonBlankLine(text) !== undefined) {
    return err({ line: 0, message: 'no Jepsen history line in it (INFO jepsen.util - PROCESS<TAB>:TYPE<TAB>:F<TAB>VALUE)' });
  }
  return ok(events);
}

function parseJepsenProcess(text: string): number | string | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  if (/^:[\w-]+$/.test(text)) return text.slice(1);
  return undefined;
}

/** The few EDN shapes Jepsen register logs print; undefined for anything else. */
export function parseEdnValue(text: string): JsonValue | undefined {
  if (text === 'nil') return null;
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (/^-?\d+$/.test(text)) return Number(text);
  if (/^:[^\s]+$/.test(text)) return text;
  if (text.startsWith('"') && text.endsWith('"') && text.length >= 2) {
    return text.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  if (text.startsWith('[') && text.endsWith(']')) {
    const inner = text.slice(1, -1).trim();
    if (inner === '') return [];
    const items: JsonValue[] = [];
    for (const part of inner.split(/[\s,]+/)) {
      const item = parseEdnValue(part);
      if (item === undefined || Array.isArray(item)) return undefined;
      items.push(item);
    }
    return items;
  }
  return undefined;
}

function firstNonBlankLine(text: string): string | undefined {
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end).trim();
    if (line !== '') return line;
    start = end + 1;
  }
  return undefined;
}
