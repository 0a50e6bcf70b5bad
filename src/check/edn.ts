// EDN values (the whole EDN spec, and ##Inf, ##NaN and M decimals as Clojure has them), their
// names, equality, and the writer: one line as prn prints, or laid out as pprint does. The reader
// is edn_reader.ts. Pure: values in, text out; tags (#inst, #jepsen.history.Op) stay tagged values.
// Invariants: what writeEdn or writeEdnPretty writes reads back equal; the writer refuses (with a
// RangeError) a value no reader could read back.

/** `name` is everything after the colon, prefix included: `:my/fred` has name `my/fred`. */
export interface EdnKeyword {
  readonly kind: 'keyword';
  readonly name: string;
}
export interface EdnSymbol {
  readonly kind: 'symbol';
  readonly name: string;
}
/** One UTF-16 unit, as a Clojure char. */
export interface EdnChar {
  readonly kind: 'char';
  readonly char: string;
}
export interface EdnList {
  readonly kind: 'list';
  readonly items: readonly EdnValue[];
}
export interface EdnSet {
  readonly kind: 'set';
  readonly items: readonly EdnValue[];
}
/** Entries in the order written; keys are unique (the reader refuses duplicates). */
export interface EdnMap {
  readonly kind: 'map';
  readonly entries: readonly (readonly [EdnValue, EdnValue])[];
}
export interface EdnTagged {
  readonly kind: 'tagged';
  readonly tag: string;
  readonly value: EdnValue;
}
/** An exact decimal (`1.50M`): its digits as written, without the M and any leading +. */
export interface EdnDecimal {
  readonly kind: 'decimal';
  readonly text: string;
}

/**
 * nil is null, a vector a JS array; a number is a float or an integer within ±(2^53 - 1), a
 * bigint an integer written with N or too big for a number. A float with a whole value reads
 * as that number, so `1.0` and `1` are the same value here (and 1.0 is written back as `1`).
 */
export type EdnValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | readonly EdnValue[]
  | EdnKeyword
  | EdnSymbol
  | EdnChar
  | EdnList
  | EdnSet
  | EdnMap
  | EdnTagged
  | EdnDecimal;

export function keyword(name: string): EdnKeyword {
  return { kind: 'keyword', name };
}

export function symbol(name: string): EdnSymbol {
  return { kind: 'symbol', name };
}

export function ednChar(char: string): EdnChar {
  return { kind: 'char', char };
}

export function ednList(items: readonly EdnValue[]): EdnList {
  return { kind: 'list', items };
}

export function ednSet(items: readonly EdnValue[]): EdnSet {
  return { kind: 'set', items };
}

export function ednMap(entries: readonly (readonly [EdnValue, EdnValue])[]): EdnMap {
  return { kind: 'map', entries };
}

export function tagged(tag: string, value: EdnValue): EdnTagged {
  return { kind: 'tagged', tag, value };
}

export function decimal(text: string): EdnDecimal {
  return { kind: 'decimal', text };
}

type EdnObject = EdnKeyword | EdnSymbol | EdnChar | EdnList | EdnSet | EdnMap | EdnTagged | EdnDecimal;

export function isEdnObject(value: EdnValue): value is EdnObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isKeyword(value: EdnValue | undefined, name?: string): value is EdnKeyword {
  return value !== undefined && isEdnObject(value) && value.kind === 'keyword' && (name === undefined || value.name === name);
}

export function isEdnMap(value: EdnValue): value is EdnMap {
  return isEdnObject(value) && value.kind === 'map';
}

export function isTagged(value: EdnValue): value is EdnTagged {
  return isEdnObject(value) && value.kind === 'tagged';
}

/** Vectors and lists, whose items are in order. */
export function sequentialItems(value: EdnValue): readonly EdnValue[] | undefined {
  if (Array.isArray(value)) return value as readonly EdnValue[];
  if (isEdnObject(value) && value.kind === 'list') return value.items;
  return undefined;
}

/** The value of a keyword key in a map (undefined: absent). */
export function mapGetKeyword(map: EdnMap, name: string): EdnValue | undefined {
  for (const [key, value] of map.entries) if (isKeyword(key, name)) return value;
  return undefined;
}

/**
 * Equality as the spec defines it: lists equal vectors with equal items, maps and sets ignore
 * order. Beyond the spec: an integer equals the same integer however it is held (1 and 1N), and
 * NaN equals NaN, so that a value always equals itself read back.
 */
export function ednEqual(a: EdnValue, b: EdnValue): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    const x = integerAsBigint(a);
    const y = integerAsBigint(b);
    return x !== undefined && x === y;
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const aItems = sequentialItems(a);
  const bItems = sequentialItems(b);
  if (aItems !== undefined || bItems !== undefined) {
    if (aItems === undefined || bItems === undefined || aItems.length !== bItems.length) return false;
    return aItems.every((item, i) => ednEqual(item, bItems[i] as EdnValue));
  }
  const x = a as EdnObject;
  const y = b as EdnObject;
  switch (x.kind) {
    case 'keyword':
    case 'symbol':
      return y.kind === x.kind && y.name === x.name;
    case 'char':
      return y.kind === 'char' && y.char === x.char;
    case 'decimal':
      return y.kind === 'decimal' && y.text === x.text;
    case 'tagged':
      return y.kind === 'tagged' && y.tag === x.tag && ednEqual(x.value, y.value);
    case 'set':
      return y.kind === 'set' && y.items.length === x.items.length && x.items.every((item) => y.items.some((other) => ednEqual(item, other)));
    case 'map':
      return (
        y.kind === 'map' &&
        y.entries.length === x.entries.length &&
        x.entries.every(([key, value]) => y.entries.some(([otherKey, otherValue]) => ednEqual(key, otherKey) && ednEqual(value, otherValue)))
      );
    case 'list':
      return false; // handled above with the vectors
  }
}

function integerAsBigint(value: EdnValue): bigint | undefined {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Names

/** Characters that end a token (Clojure's terminating macro characters and whitespace). */
export function isDelimiter(code: number): boolean {
  switch (code) {
    case 0x20: // space
    case 0x09: // tab
    case 0x0a: // newline
    case 0x0d: // return
    case 0x0c: // form feed
    case 0x0b: // vertical tab
    case 0x2c: // ,
    case 0x22: // "
    case 0x3b: // ;
    case 0x28: // (
    case 0x29: // )
    case 0x5b: // [
    case 0x5d: // ]
    case 0x7b: // {
    case 0x7d: // }
    case 0x5c: // backslash
    case 0x40: // @
    case 0x5e: // ^
    case 0x60: // `
    case 0x7e: // ~
      return true;
    default:
      return code < 0x20 || code === 0x7f;
  }
}

export function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

export function isAsciiLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

/** One part of a symbol (prefix or name): the spec's first-character rules, no delimiter inside. */
export function isSymbolPart(part: string): boolean {
  if (part === '') return false;
  const first = part.charCodeAt(0);
  if (isDigit(first) || first === 0x3a /* : */ || first === 0x23 /* # */ || first === 0x27 /* ' */) return false;
  if ((first === 0x2b || first === 0x2d || first === 0x2e) /* + - . */ && part.length > 1 && isDigit(part.charCodeAt(1))) return false;
  for (let i = 0; i < part.length; i++) if (isDelimiter(part.charCodeAt(i))) return false;
  return true;
}

/**
 * A legal symbol: `/` alone, or a name, or prefix/name with one slash; neither part empty, each
 * following the spec's first-character rules. Beyond the spec's list of constituent characters,
 * any character that does not end a token is accepted, as Clojure does.
 */
export function isSymbolName(name: string): boolean {
  if (name === '/') return true;
  const slash = name.indexOf('/');
  if (slash === -1) return isSymbolPart(name);
  if (name.indexOf('/', slash + 1) !== -1) return false;
  return isSymbolPart(name.slice(0, slash)) && isSymbolPart(name.slice(slash + 1));
}

/** A legal keyword's name (the text after the colon): a symbol other than `/`. */
export function isKeywordName(name: string): boolean {
  return name !== '/' && isSymbolName(name);
}

/** A legal tag: a symbol that starts with a letter. */
export function isTagName(name: string): boolean {
  return isAsciiLetter(name.charCodeAt(0)) && isSymbolName(name);
}

// ---------------------------------------------------------------------------------------------
// Writing

/** Names the value no reader could read back; the writer's callers build values, so this is a bug. */
function unwritable(what: string): never {
  throw new RangeError(`cannot write EDN: ${what}`);
}

const CHAR_NAMES: ReadonlyMap<string, string> = new Map([
  ['\n', 'newline'],
  ['\r', 'return'],
  [' ', 'space'],
  ['\t', 'tab'],
]);

function hex4(code: number): string {
  return code.toString(16).padStart(4, '0');
}

/** Control characters, DEL and lone surrogates are written as \uXXXX; everything else as is. */
function writeString(value: string): string {
  let out = '"';
  let chunkStart = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    let escaped: string | undefined;
    if (code === 0x22) escaped = '\\"';
    else if (code === 0x5c) escaped = '\\\\';
    else if (code === 0x0a) escaped = '\\n';
    else if (code === 0x09) escaped = '\\t';
    else if (code === 0x0d) escaped = '\\r';
    else if (code < 0x20 || code === 0x7f) escaped = `\\u${hex4(code)}`;
    else if (code >= 0xd800 && code <= 0xdfff) {
      const pairs = code <= 0xdbff && i + 1 < value.length && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
      if (pairs) {
        i++;
        continue;
      }
      escaped = `\\u${hex4(code)}`;
    }
    if (escaped === undefined) continue;
    out += value.slice(chunkStart, i) + escaped;
    chunkStart = i + 1;
  }
  return `${out}${value.slice(chunkStart)}"`;
}

/** Letters, digits and punctuation that cannot be mistaken for syntax stay as they are. */
function writeCharacter(char: string): string {
  if (char.length !== 1) unwritable(`a character must be one UTF-16 unit, not ${JSON.stringify(char)}`);
  const name = CHAR_NAMES.get(char);
  if (name !== undefined) return `\\${name}`;
  const code = char.charCodeAt(0);
  const plain = code > 0x20 && code < 0x7f ? !isDelimiter(code) && char !== '#' && char !== "'" : code > 0x9f && (code < 0xd800 || code > 0xdfff);
  return plain ? `\\${char}` : `\\u${hex4(code)}`;
}

function writeNumber(value: number): string {
  if (Number.isNaN(value)) return '##NaN';
  if (value === Number.POSITIVE_INFINITY) return '##Inf';
  if (value === Number.NEGATIVE_INFINITY) return '##-Inf';
  if (Object.is(value, -0)) return '-0.0';
  const text = String(value);
  if (Number.isSafeInteger(value)) return text;
  // A float must not read back as an integer: 2^60 prints without a point.
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

function writeName(kind: 'keyword' | 'symbol', name: string): string {
  if (kind === 'keyword') {
    if (!isKeywordName(name)) unwritable(`:${name} is not a legal keyword`);
    return `:${name}`;
  }
  if (!isSymbolName(name) || name === 'nil' || name === 'true' || name === 'false') unwritable(`${name} is not a legal symbol`);
  return name;
}

/**
 * One value on one line, laid out as Clojure's prn: `{:a 1, :b [2 3]}`, `#{1 2}`, `(a b)`.
 * Throws a RangeError only for a value no reader could read back (an illegal keyword, symbol or
 * tag name, a char that is not one UTF-16 unit, a decimal that is not a number), which only a
 * program can build: the reader never returns one.
 */
export function writeEdn(value: EdnValue): string {
  if (value === null) return 'nil';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return writeNumber(value);
    case 'bigint':
      return `${value}N`;
    case 'string':
      return writeString(value);
  }
  if (Array.isArray(value)) return `[${(value as readonly EdnValue[]).map(writeEdn).join(' ')}]`;
  const object = value as EdnObject;
  switch (object.kind) {
    case 'keyword':
    case 'symbol':
      return writeName(object.kind, object.name);
    case 'char':
      return writeCharacter(object.char);
    case 'list':
      return `(${object.items.map(writeEdn).join(' ')})`;
    case 'set':
      return `#{${object.items.map(writeEdn).join(' ')}}`;
    case 'map':
      return `{${object.entries.map(([key, entry]) => `${writeEdn(key)} ${writeEdn(entry)}`).join(', ')}}`;
    case 'tagged':
      if (!isTagName(object.tag)) unwritable(`#${object.tag} is not a legal tag`);
      return `#${object.tag} ${writeEdn(object.value)}`;
    case 'decimal':
      if (!/^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/.test(object.text)) unwritable(`${object.text} is not a decimal number`);
      return `${object.text}M`;
  }
}

/** A value's one-line text for a message, cut after `limit` characters. */
export function previewEdn(value: EdnValue, limit = 60): string {
  const text = writeEdn(value);
  return text.length <= limit ? text : `${text.slice(0, limit)}...`;
}

/** A canonical text for equality by text: maps and sets in a fixed order, integers one way. */
export function canonicalText(value: EdnValue): string {
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isSafeInteger(value))) return `${value}N`;
  const items = sequentialItems(value);
  if (items !== undefined) return `[${items.map(canonicalText).join(' ')}]`;
  if (!isEdnObject(value)) return writeEdn(value);
  switch (value.kind) {
    case 'set':
      return `#{${value.items.map(canonicalText).sort().join(' ')}}`;
    case 'map':
      return `{${value.entries
        .map(([key, entry]) => `${canonicalText(key)} ${canonicalText(entry)}`)
        .sort()
        .join(', ')}}`;
    case 'tagged':
      return `#${value.tag} ${canonicalText(value.value)}`;
    default:
      return writeEdn(value);
  }
}

/**
 * One value laid out for people, as Clojure's pprint does: whatever fits in `width` columns
 * stays on one line; a longer map puts one entry per line, a longer sequence one item per line.
 */
export function writeEdnPretty(value: EdnValue, width = 100): string {
  return layout(value, 0, width);
}

function isCollection(value: EdnValue): boolean {
  return Array.isArray(value) || (isEdnObject(value) && (value.kind === 'list' || value.kind === 'set' || value.kind === 'map' || value.kind === 'tagged'));
}

function layout(value: EdnValue, indent: number, width: number): string {
  const flat = writeEdn(value);
  if (indent + flat.length <= width || !isCollection(value)) return flat;
  if (Array.isArray(value)) return `[${layoutItems(value as readonly EdnValue[], indent + 1, width)}]`;
  const object = value as EdnObject;
  switch (object.kind) {
    case 'list':
      return `(${layoutItems(object.items, indent + 1, width)})`;
    case 'set':
      return `#{${layoutItems(object.items, indent + 2, width)}}`;
    case 'map': {
      const entries = object.entries.map(([key, entry]) => {
        const keyText = writeEdn(key);
        // A long key would push its value far right: the value then starts on its own line.
        if (keyText.length > 30) return `${keyText}\n${' '.repeat(indent + 2)}${layout(entry, indent + 2, width)}`;
        return `${keyText} ${layout(entry, indent + 1 + keyText.length + 1, width)}`;
      });
      return `{${entries.join(`,\n${' '.repeat(indent + 1)}`)}}`;
    }
    case 'tagged': {
      const prefix = `#${object.tag} `;
      return `${prefix}${layout(object.value, indent + prefix.length, width)}`;
    }
    default:
      return flat;
  }
}

/** Items that fit share a line (as pprint fills a vector of numbers); one laid over lines stands alone. */
function layoutItems(items: readonly EdnValue[], indent: number, width: number): string {
  const lines: string[] = [];
  let current = '';
  for (const item of items) {
    const text = layout(item, indent, width);
    const multiline = text.includes('\n');
    if (current !== '' && (multiline || indent + current.length + 1 + text.length > width)) {
      lines.push(current);
      current = '';
    }
    if (multiline) lines.push(text);
    else current = current === '' ? text : `${current} ${text}`;
  }
  if (current !== '') lines.push(current);
  return lines.join(`\n${' '.repeat(indent)}`);
}
