// Our histories and results as Jepsen's files (history.edn: one op map per line as Jepsen 0.3
// prints Maelstrom's ops; results.edn: Maelstrom's result map, ours beyond it under :raftkv), and
// history.edn back to our events. Pure: values in, text out, and back; judges nothing.
// Invariants: client events read back exactly as written; nemesis ops are :info both ways, as
// Jepsen's, and read back paired as Jepsen pairs them (invocation, then completion).

import type { JsonObject, JsonValue } from '../base/json.js';
import { isJsonObject } from '../base/json.js';
import type { Result } from '../base/result.js';
import { err, ok } from '../base/result.js';
import { ERROR_TABLE, errorName } from '../protocol/errors.js';
import type { EdnMap, EdnValue } from './edn.js';
import {
  ednList,
  ednMap,
  ednSet,
  isEdnMap,
  isKeyword,
  isKeywordName,
  isTagged,
  keyword,
  mapGetKeyword,
  previewEdn,
  sequentialItems,
  writeEdn,
  writeEdnPretty,
} from './edn.js';
import { EdnFormReader } from './edn_reader.js';
import type { EventType, HistoryError, HistoryEvent } from './history.js';
import { isEventType, isRegisterFunction } from './history.js';

/** Maelstrom's :error for a client timeout; any other error is [:name "text"]. */
const NET_TIMEOUT = 'net-timeout';

const KEY = {
  index: keyword('index'),
  time: keyword('time'),
  type: keyword('type'),
  process: keyword('process'),
  f: keyword('f'),
  value: keyword('value'),
  error: keyword('error'),
  valid: keyword('valid?'),
} as const;

const UNKNOWN = keyword('unknown');

// ---------------------------------------------------------------------------------------------
// JSON values and EDN

/** null is nil, arrays are vectors, objects are maps with string keys (in their order). */
function jsonToEdn(value: JsonValue): EdnValue {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(jsonToEdn);
  return ednMap(Object.entries(value).map(([key, entry]) => [key, jsonToEdn(entry)]));
}

/**
 * The JSON value closest to an EDN value: keywords become ":name" strings, symbols and chars
 * strings, lists and sets arrays, tags are dropped for their element, map keys that are not
 * strings become their EDN text. An error for what JSON cannot hold exactly: integers beyond
 * 2^53, ##Inf and ##NaN, M decimals.
 */
function ednToJson(value: EdnValue): Result<JsonValue, string> {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return ok(value);
  if (typeof value === 'number') return Number.isFinite(value) ? ok(value) : err(`${writeEdn(value)} has no JSON number`);
  if (typeof value === 'bigint') {
    return Number.isSafeInteger(Number(value)) ? ok(Number(value)) : err(`integer ${value} is beyond 2^53, where a JavaScript number is no longer exact`);
  }
  const items = sequentialItems(value);
  if (items !== undefined) return jsonArray(items);
  const object = value as Exclude<EdnValue, null | boolean | number | bigint | string | readonly EdnValue[]>;
  switch (object.kind) {
    case 'keyword':
      return ok(`:${object.name}`);
    case 'symbol':
      return ok(object.name);
    case 'char':
      return ok(object.char);
    case 'decimal':
      return err(`decimal ${object.text}M has no exact JSON number`);
    case 'tagged':
      return ednToJson(object.value);
    case 'set':
      return jsonArray(object.items);
    case 'map': {
      const out: JsonObject = {};
      for (const [key, entry] of object.entries) {
        const converted = ednToJson(entry);
        if (!converted.ok) return converted;
        out[typeof key === 'string' ? key : writeEdn(key)] = converted.value;
      }
      return ok(out);
    }
    case 'list':
      return jsonArray(object.items);
  }
}

function jsonArray(items: readonly EdnValue[]): Result<JsonValue, string> {
  const out: JsonValue[] = [];
  for (const item of items) {
    const converted = ednToJson(item);
    if (!converted.ok) return converted;
    out.push(converted.value);
  }
  return ok(out);
}

/** A keyword where the text is a legal one (f names, processes), else the string itself. */
function nameToEdn(name: string): EdnValue {
  return isKeywordName(name) ? keyword(name) : name;
}

// ---------------------------------------------------------------------------------------------
// history.edn

function errorToEdn(error: HistoryError): EdnValue {
  if (error.code === 0 && error.text === NET_TIMEOUT) return keyword(NET_TIMEOUT);
  const name = errorName(error.code);
  // Maelstrom writes :unknown for a code outside its table, which would lose the code.
  return [name === 'unknown' ? error.code : keyword(name), error.text];
}

function microOpToEdn(op: JsonValue): EdnValue {
  if (Array.isArray(op) && op.length === 3 && typeof op[0] === 'string')
    return [nameToEdn(op[0]), jsonToEdn(op[1] as JsonValue), jsonToEdn(op[2] as JsonValue)];
  return jsonToEdn(op);
}

function opValue(event: HistoryEvent): EdnValue {
  if (typeof event.process === 'number') {
    if (event.f === 'txn' && Array.isArray(event.value)) return event.value.map(microOpToEdn);
    // Maelstrom's lin-kv runs one register per key with jepsen.independent: values are [key value].
    if (event.key !== undefined && isRegisterFunction(event.f)) return [jsonToEdn(event.key), jsonToEdn(event.value)];
  }
  return jsonToEdn(event.value);
}

/**
 * One event as its history.edn line (no newline), keys in the order Jepsen 0.3 prints an op:
 * `{:index 0, :time 10661251, :type :invoke, :process 2, :f :read, :value [0 nil]}`.
 */
export function jepsenOpLine(event: HistoryEvent): string {
  // Jepsen's nemesis ops are :info when they begin as well as when they end.
  const type = typeof event.process === 'number' || event.type !== 'invoke' ? event.type : 'info';
  const entries: [EdnValue, EdnValue][] = [
    [KEY.index, event.index],
    [KEY.time, event.time],
    [KEY.type, keyword(type)],
    [KEY.process, typeof event.process === 'number' ? event.process : nameToEdn(event.process)],
    [KEY.f, nameToEdn(event.f)],
    [KEY.value, opValue(event)],
  ];
  if (event.error !== undefined) entries.push([KEY.error, errorToEdn(event.error)]);
  return writeEdn(ednMap(entries));
}

/** history.edn for a history: one line per event, newline-terminated. */
export function formatJepsenHistory(events: readonly HistoryEvent[]): string {
  let out = '';
  for (const event of events) out += `${jepsenOpLine(event)}\n`;
  return out;
}

export interface JepsenHistoryError {
  /** Where the op (or the fault inside it) is; 0 when the problem is not tied to a place. */
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** An op as read, before the whole history shows whether register values are [key value] tuples. */
interface RawOp {
  readonly where: { readonly line: number; readonly column: number; readonly label: string };
  readonly type: EventType;
  readonly process: number | string;
  readonly f: string;
  readonly index: number | undefined;
  readonly time: number | undefined;
  readonly value: JsonValue;
  /** A register op whose value is [key value]. */
  readonly tuple: boolean;
  /** A tuple that cannot be a single register's value: a read's or write's, or a cas's [key [from to]]. */
  readonly keyed: boolean;
  readonly error: HistoryError | undefined;
}

/**
 * Text that is EDN rather than JSON lines or a Jepsen log: its first line that is not blank or a
 * comment opens a map, a vector, a list or a tagged element (`#jepsen.history.Op{...}`).
 */
export function looksLikeEdnHistory(text: string): boolean {
  for (const raw of text.split('\n', 50)) {
    const line = raw.trim();
    if (line === '' || line.startsWith(';')) continue;
    // A first line that starts like JSON is JSON lines gone wrong, not EDN.
    return /^[{[(#]/.test(line) && !/^\{\s*"/.test(line);
  }
  return false;
}

/**
 * Reads a history.edn: one op map per form (a Jepsen record such as #jepsen.history.Op{...}
 * too), or a single vector or list of op maps. Client ops need :type, :process (an integer),
 * :f and :value; :index and :time default to the op's position. lin-kv's [key value] tuples
 * become keyed events when every read, write and cas holds one; errors as Maelstrom writes
 * them get their codes back. Every fault is reported with the line and column of its op.
 */
export function parseJepsenHistory(text: string): Result<HistoryEvent[], JepsenHistoryError> {
  const raws: RawOp[] = [];
  // Forms are converted as they are read, so only the small RawOps stay in memory.
  const reader = new EdnFormReader(text);
  const first = reader.next();
  if (!first.ok) return first;
  const second = first.value === undefined ? ok(undefined) : reader.next();
  if (!second.ok) return second;
  const only = first.value !== undefined && second.value === undefined ? first.value : undefined;
  const onlyItems = only === undefined ? undefined : sequentialItems(only.value);
  if (only !== undefined && onlyItems !== undefined) {
    for (let i = 0; i < onlyItems.length; i++) {
      const raw = rawOp(onlyItems[i] as EdnValue, { line: only.line, column: only.column, label: `op ${i} of the sequence at line ${only.line}` });
      if (!raw.ok) return raw;
      raws.push(raw.value);
    }
  } else {
    // The two forms already read, then the rest (the reader answers undefined again at the end).
    const readAhead = [first, second];
    for (;;) {
      const form = readAhead.shift() ?? reader.next();
      if (!form.ok) return form;
      if (form.value === undefined) break;
      const { value, line, column } = form.value;
      const raw = rawOp(value, { line, column, label: `the op at line ${line}` });
      if (!raw.ok) return raw;
      raws.push(raw.value);
    }
  }
  const independent = hasIndependentKeys(raws);
  const events: HistoryEvent[] = [];
  const runningNonClient = new Set<string>();
  for (let ordinal = 0; ordinal < raws.length; ordinal++) events.push(eventOf(raws[ordinal] as RawOp, ordinal, independent, runningNonClient));
  return ok(events);
}

function rawOp(form: EdnValue, where: RawOp['where']): Result<RawOp, JepsenHistoryError> {
  const fault = (message: string): Result<RawOp, JepsenHistoryError> => err({ line: where.line, column: where.column, message: `${where.label}: ${message}` });
  let map: EdnValue = form;
  // A Clojure record literal of an op (#jepsen.history.Op{...}) holds the op's map.
  if (isTagged(form)) {
    if (!form.tag.includes('.') || !isEdnMap(form.value)) return fault(`#${form.tag} is not an op record (expected a map such as #jepsen.history.Op{...})`);
    map = form.value;
  }
  if (!isEdnMap(map)) return fault(`an op must be a map like {:type :invoke, :f :read, :value nil, :process 0}, not ${previewEdn(form, 80)}`);
  const type = mapGetKeyword(map, 'type');
  if (!(isKeyword(type) && isEventType(type.name))) return fault(`:type must be :invoke, :ok, :fail or :info, not ${show(type)}`);
  const processField = mapGetKeyword(map, 'process');
  let processValue: number | string;
  if (typeof processField === 'number' && Number.isSafeInteger(processField)) processValue = processField;
  else if (isKeyword(processField)) processValue = processField.name;
  else if (typeof processField === 'string') processValue = processField;
  else return fault(`:process must be an integer (a client) or a keyword such as :nemesis, not ${show(processField)}`);
  const f = mapGetKeyword(map, 'f');
  const fName = isKeyword(f) ? f.name : typeof f === 'string' ? f : undefined;
  if (fName === undefined) return fault(`:f must be a keyword, not ${show(f)}`);
  const client = typeof processValue === 'number';
  if (client && !isRegisterFunction(fName) && fName !== 'txn') {
    return fault(`client function :${fName} is not one raftkv checks (:read, :write and :cas of lin-kv, :txn of the txn workloads)`);
  }
  const index = mapGetKeyword(map, 'index');
  if (index !== undefined && !(typeof index === 'number' && Number.isSafeInteger(index))) return fault(`:index must be an integer, not ${show(index)}`);
  const time = mapGetKeyword(map, 'time');
  if (time !== undefined && !(typeof time === 'number' && Number.isFinite(time))) return fault(`:time must be a number of nanoseconds, not ${show(time)}`);

  const rawValue = mapGetKeyword(map, 'value') ?? null;
  let value = client && fName === 'txn' ? microOpsToJson(rawValue) : ednToJson(rawValue);
  // A nemesis value JSON cannot hold is kept as its EDN text: no checker reads it.
  if (!value.ok && !client) value = ok(writeEdn(rawValue));
  if (!value.ok) return fault(`its :value ${previewEdn(rawValue, 80)}: ${value.error}`);
  let tuple = false;
  let keyed = false;
  if (client && isRegisterFunction(fName)) {
    const items = sequentialItems(rawValue);
    tuple = items !== undefined && items.length === 2;
    keyed = tuple && (fName !== 'cas' || sequentialItems(items?.[1] as EdnValue)?.length === 2);
  }
  return ok({
    where,
    type: type.name,
    process: processValue,
    f: fName,
    index: index as number | undefined,
    time: time as number | undefined,
    value: value.value,
    tuple,
    keyed,
    error: errorFromEdn(mapGetKeyword(map, 'error')),
  });
}

/**
 * Maelstrom's lin-kv: every read, write and cas holds a [key value] tuple. A single register's
 * cas [from to] is a pair too, so at least one op must show a key (a read or write, or a cas
 * holding [key [from to]]); a malformed cas among keyed ops stays keyed, for the checker to refuse.
 */
function hasIndependentKeys(raws: readonly RawOp[]): boolean {
  let keyed = false;
  for (const raw of raws) {
    if (typeof raw.process !== 'number' || !isRegisterFunction(raw.f)) continue;
    if (!raw.tuple) return false;
    keyed ||= raw.keyed;
  }
  return keyed;
}

function eventOf(raw: RawOp, ordinal: number, independent: boolean, runningNonClient: Set<string>): HistoryEvent {
  const client = typeof raw.process === 'number';
  let type = raw.type;
  if (!client) {
    // Jepsen pairs a non-client process's ops in order: the first begins, the next completes.
    const process = String(raw.process);
    if (!runningNonClient.delete(process)) {
      runningNonClient.add(process);
      if (type === 'info') type = 'invoke';
    }
  }
  const keyed = client && independent && isRegisterFunction(raw.f);
  const [key, value] = keyed ? (raw.value as [JsonValue, JsonValue]) : [undefined, raw.value];
  return {
    index: raw.index ?? ordinal,
    process: raw.process,
    type,
    f: raw.f,
    ...(key === undefined ? {} : { key }),
    value,
    time: raw.time ?? ordinal,
    ...(raw.error === undefined ? {} : { error: raw.error }),
  };
}

function microOpsToJson(value: EdnValue): Result<JsonValue, string> {
  const ops = sequentialItems(value);
  if (ops === undefined) return ednToJson(value);
  const out: JsonValue[] = [];
  for (const op of ops) {
    const parts = sequentialItems(op);
    const f = parts?.[0];
    if (parts !== undefined && parts.length === 3 && (isKeyword(f) || typeof f === 'string')) {
      const k = ednToJson(parts[1] as EdnValue);
      if (!k.ok) return k;
      const v = ednToJson(parts[2] as EdnValue);
      if (!v.ok) return v;
      out.push([typeof f === 'string' ? f : f.name, k.value, v.value]);
    } else {
      const converted = ednToJson(op);
      if (!converted.ok) return converted;
      out.push(converted.value);
    }
  }
  return ok(out);
}

const CODE_BY_NAME: ReadonlyMap<string, number> = new Map(ERROR_TABLE.map((info) => [info.name, info.code]));

/**
 * Maelstrom's errors back to codes: :net-timeout, [:name "text"], and [code "text"] as we write
 * codes outside its table. Any other :error is left out: a :fail then means what Jepsen says it
 * means (the op did not happen), and :info that it may have.
 */
function errorFromEdn(value: EdnValue | undefined): HistoryError | undefined {
  if (value === undefined || value === null) return undefined;
  if (isKeyword(value)) {
    if (value.name === NET_TIMEOUT) return { code: 0, text: NET_TIMEOUT };
    const code = CODE_BY_NAME.get(value.name);
    return code === undefined ? undefined : { code, text: value.name };
  }
  const parts = sequentialItems(value);
  if (parts !== undefined && parts.length === 2) {
    const [name, text] = parts as [EdnValue, EdnValue];
    const code = isKeyword(name) ? CODE_BY_NAME.get(name.name) : typeof name === 'number' && Number.isSafeInteger(name) ? name : undefined;
    if (code === undefined) return undefined;
    return { code, text: typeof text === 'string' ? text : writeEdn(text) };
  }
  return undefined;
}

function show(value: EdnValue | undefined): string {
  return value === undefined ? 'missing' : previewEdn(value, 80);
}

// ---------------------------------------------------------------------------------------------
// results.edn

/** Which parts of a results.json section Maelstrom's results.edn has a place for (true: all of it; "*": every key). */
interface Shape {
  readonly [key: string]: Shape | true;
}

const COUNTS: Shape = { valid: true, count: true, 'ok-count': true, 'fail-count': true, 'info-count': true };
const JEPSEN_SECTIONS: Shape = {
  valid: true,
  stats: { ...COUNTS, 'by-f': { '*': COUNTS } },
  availability: { valid: true, 'ok-fraction': true },
  net: {
    valid: true,
    all: { 'send-count': true, 'recv-count': true, 'msg-count': true, 'msgs-per-op': true },
    clients: { 'send-count': true, 'recv-count': true, 'msg-count': true },
    servers: { 'send-count': true, 'recv-count': true, 'msg-count': true, 'msgs-per-op': true },
  },
  perf: { valid: true },
};
const LIN_KV_WORKLOAD: Shape = { valid: true, failures: true, results: { '*': { valid: true, linearizable: { valid: true } } } };
const TXN_WORKLOAD: Shape = { valid: true, 'valid?': true, 'anomaly-types': true, anomalies: true, not: true, 'also-not': true };

/** Splits `value` into what `shape` takes and what is left (undefined: nothing). */
function split(value: JsonValue, shape: Shape | true): { taken: JsonValue | undefined; left: JsonValue | undefined } {
  if (shape === true || !isJsonObject(value)) return { taken: value, left: undefined };
  const taken: JsonObject = {};
  const left: JsonObject = {};
  for (const [key, entry] of Object.entries(value)) {
    const sub = shape[key] ?? shape['*'];
    if (sub === undefined) {
      left[key] = entry;
      continue;
    }
    const parts = split(entry, sub);
    if (parts.taken !== undefined) taken[key] = parts.taken;
    if (parts.left !== undefined) left[key] = parts.left;
  }
  return { taken, left: Object.keys(left).length === 0 ? undefined : left };
}

function validity(value: JsonValue | undefined): EdnValue {
  return value === true || value === false ? value : UNKNOWN;
}

/** Our results.json keys as Jepsen's: keywords where legal, `valid` as :valid?, "unknown" validity as :unknown. */
function genericToEdn(value: JsonValue, mapKey: (key: string) => EdnValue = resultKey): EdnValue {
  if (Array.isArray(value)) return value.map((item) => genericToEdn(item));
  if (!isJsonObject(value)) return value;
  return ednMap(
    Object.entries(value).map(([key, entry]) => {
      const isValidity = key === 'valid' || key === 'valid?';
      return [isValidity ? KEY.valid : mapKey(key), isValidity ? validity(entry) : genericToEdn(entry)];
    }),
  );
}

function resultKey(key: string): EdnValue {
  return isKeywordName(key) ? keyword(key) : key;
}

/** lin-kv's results are keyed by each key's JSON text; Jepsen keys them by the key itself. */
function registerKey(keyText: string): EdnValue {
  try {
    return jsonToEdn(JSON.parse(keyText) as JsonValue);
  } catch {
    return keyText;
  }
}

function keywords(names: JsonValue | undefined): EdnValue[] {
  return (Array.isArray(names) ? names : []).map((name) => (typeof name === 'string' ? nameToEdn(name) : genericToEdn(name)));
}

/** A txn as an op in an anomaly report: Jepsen's op keys first, in its order, then ours. */
function reportOpToEdn(op: JsonValue): EdnValue {
  if (!isJsonObject(op)) return genericToEdn(op);
  const first = ['index', 'time', 'type', 'process', 'f', 'value'];
  const entries: [EdnValue, EdnValue][] = [];
  for (const name of [...first, ...Object.keys(op).filter((key) => !first.includes(key))]) {
    const entry = op[name];
    if (entry === undefined) continue;
    let converted: EdnValue;
    if ((name === 'type' || name === 'f') && typeof entry === 'string') converted = nameToEdn(entry);
    else if (name === 'value' && Array.isArray(entry)) converted = entry.map(microOpToEdn);
    else if (name === 'error' && isJsonObject(entry) && typeof entry['code'] === 'number') {
      converted = errorToEdn({ code: entry['code'], text: typeof entry['text'] === 'string' ? entry['text'] : '' });
    } else converted = genericToEdn(entry);
    entries.push([resultKey(name), converted]);
  }
  return ednMap(entries);
}

/** One anomaly report in Elle's shape: :type a keyword, :cycle and :txns ops, :steps typed edges. */
function reportToEdn(report: JsonValue): EdnValue {
  if (!isJsonObject(report)) return genericToEdn(report);
  return ednMap(
    Object.entries(report).map(([name, entry]): [EdnValue, EdnValue] => {
      if (name === 'type' && typeof entry === 'string') return [resultKey(name), nameToEdn(entry)];
      if ((name === 'cycle' || name === 'txns') && Array.isArray(entry)) return [resultKey(name), entry.map(reportOpToEdn)];
      if (name === 'steps' && Array.isArray(entry)) {
        const steps = entry.map((step) =>
          isJsonObject(step) && typeof step['type'] === 'string'
            ? ednMap([[KEY.type, nameToEdn(step['type'])], ...entriesOf(step, ['type'])])
            : genericToEdn(step),
        );
        return [resultKey(name), steps];
      }
      return [resultKey(name), genericToEdn(entry)];
    }),
  );
}

function entriesOf(object: JsonObject, skip: readonly string[]): [EdnValue, EdnValue][] {
  return Object.entries(object)
    .filter(([key]) => !skip.includes(key))
    .map(([key, entry]) => [resultKey(key), genericToEdn(entry)]);
}

function anomaliesToEdn(anomalies: JsonValue | undefined): EdnValue {
  if (!isJsonObject(anomalies)) return ednMap([]);
  return ednMap(Object.entries(anomalies).map(([name, reports]) => [nameToEdn(name), ednList(Array.isArray(reports) ? reports.map(reportToEdn) : [])]));
}

/** Elle's result: {:valid? true} when nothing was found, else the anomalies and the models they rule out. */
function txnWorkloadToEdn(taken: JsonObject): EdnValue {
  const entries: [EdnValue, EdnValue][] = [[KEY.valid, validity(taken['valid'] ?? taken['valid?'])]];
  const types = keywords(taken['anomaly-types']);
  if (types.length > 0) {
    entries.push([keyword('anomaly-types'), ednList(types)]);
    entries.push([keyword('anomalies'), anomaliesToEdn(taken['anomalies'])]);
  }
  for (const name of ['not', 'also-not']) {
    const models = keywords(taken[name]).sort((a, b) => writeEdn(a).localeCompare(writeEdn(b)));
    if (models.length > 0) entries.push([keyword(name), ednSet(models)]);
  }
  return ednMap(entries);
}

/** What ours adds to Elle's result, with the names of models and anomalies as keywords. */
function txnExtrasToEdn(left: JsonObject): EdnValue {
  return ednMap(
    Object.entries(left).map(([name, entry]): [EdnValue, EdnValue] => {
      if (name === 'allowed-anomaly-types') return [resultKey(name), keywords(entry)];
      if (name === 'allowed-anomalies') return [resultKey(name), anomaliesToEdn(entry)];
      if (name === 'consistency-models' && isJsonObject(entry)) {
        const models = Object.entries(entry).map(([model, verdict]): [EdnValue, EdnValue] => [
          nameToEdn(model),
          isJsonObject(verdict)
            ? ednMap([
                [KEY.valid, validity(verdict['valid?'] ?? verdict['valid'])],
                [keyword('violated-by'), keywords(verdict['violated-by'])],
              ])
            : genericToEdn(verdict),
        ]);
        return [resultKey(name), ednMap(models)];
      }
      return [resultKey(name), name === 'valid' || name === 'valid?' || name === 'checker-valid?' ? validity(entry) : genericToEdn(entry)];
    }),
  );
}

function isTxnWorkloadSection(workload: JsonObject): boolean {
  return 'anomaly-types' in workload || 'consistency-models' in workload || 'txn-count' in workload;
}

/** The workload section, Jepsen-shaped, and what is left of it for :raftkv. */
function workloadToEdn(workload: JsonValue): { jepsen: EdnValue; extras: EdnValue | undefined } {
  if (!isJsonObject(workload)) return { jepsen: genericToEdn(workload), extras: undefined };
  if (isTxnWorkloadSection(workload)) {
    const { taken, left } = split(workload, TXN_WORKLOAD);
    const takenObject = taken as JsonObject;
    const extras: JsonObject = { ...(left as JsonObject | undefined) };
    // The harness's verdict (`valid`) rules; the checker's own, when it differs, is kept beside it.
    if ('valid' in takenObject && 'valid?' in takenObject && takenObject['valid'] !== takenObject['valid?'])
      extras['checker-valid?'] = takenObject['valid?'] as JsonValue;
    return { jepsen: txnWorkloadToEdn(takenObject), extras: Object.keys(extras).length === 0 ? undefined : txnExtrasToEdn(extras) };
  }
  const { taken, left } = split(workload, LIN_KV_WORKLOAD);
  return { jepsen: linKvToEdn(taken as JsonObject), extras: left === undefined ? undefined : linKvToEdn(left as JsonObject) };
}

/** jepsen.independent's result: {:valid? v, :results {key {:valid? v, :linearizable {...}}}, :failures [key ...]}. */
function linKvToEdn(section: JsonObject): EdnValue {
  return ednMap(
    Object.entries(section).map(([name, entry]): [EdnValue, EdnValue] => {
      if (name === 'valid') return [KEY.valid, validity(entry)];
      if (name === 'results' && isJsonObject(entry)) {
        return [resultKey(name), ednMap(Object.entries(entry).map(([keyText, result]) => [registerKey(keyText), genericToEdn(result)]))];
      }
      return [resultKey(name), genericToEdn(entry)];
    }),
  );
}

/**
 * results.edn for a results.json document (the object the harness writes as results.json):
 * `:valid?` and the sections Maelstrom's results.edn has (:workload as jepsen.independent's
 * result for lin-kv and as Elle's for txns, :stats, :availability, :net, :perf) in its shape;
 * every other value, and any value those sections have no place for, under `:raftkv` at the
 * same path. Each value appears once. Pretty-printed, newline-terminated.
 */
export function formatJepsenResults(results: unknown): string {
  let document: JsonValue;
  try {
    // Exactly what results.json holds: undefined fields dropped, non-finite numbers null.
    document = JSON.parse(JSON.stringify(results) ?? 'null') as JsonValue;
  } catch (error) {
    document = { error: `results could not be written as JSON: ${(error as Error).message}` };
  }
  return `${writeEdnPretty(resultsToEdn(document))}\n`;
}

function resultsToEdn(document: JsonValue): EdnValue {
  if (!isJsonObject(document))
    return ednMap([
      [KEY.valid, UNKNOWN],
      [keyword('raftkv'), genericToEdn(document)],
    ]);
  const { workload, ...rest } = document;
  const { taken, left } = split(rest, JEPSEN_SECTIONS);
  const jepsen = taken as JsonObject;
  const extras: [EdnValue, EdnValue][] = left === undefined ? [] : (genericToEdn(left) as EdnMap).entries.map(([key, value]) => [key, value]);
  const entries: [EdnValue, EdnValue][] = [[KEY.valid, validity(jepsen['valid'])]];
  if (workload !== undefined) {
    const converted = workloadToEdn(workload);
    entries.push([keyword('workload'), converted.jepsen]);
    if (converted.extras !== undefined) extras.unshift([keyword('workload'), converted.extras]);
  }
  for (const name of ['stats', 'availability', 'net', 'perf']) {
    const section = jepsen[name];
    if (section !== undefined) entries.push([keyword(name), genericToEdn(section)]);
  }
  if (extras.length > 0) entries.push([keyword('raftkv'), ednMap(extras)]);
  return ednMap(entries);
}
