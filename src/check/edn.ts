// EDN values, and their reader and writer: the whole EDN spec plus the Clojure forms Jepsen's files
// can hold (##Inf, ##NaN, #:ns{...} maps, octal escapes). Pure: text in, values out, and back.
// Must not interpret tags (#inst, #jepsen.history.Op): they stay tagged values for the caller.
// Invariants: reading never throws (a fault comes back with its line and column); integers stay
// exact (bigint beyond 2^53); what writeEdn or writeEdnPretty writes reads back equal.

import type { Result } from '../base/result.js';
import { err, ok } from '../base/result.js';

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

export interface EdnParseError {
  /** 1-based; the column counts UTF-16 units. */
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** A top-level form and where it began. */
export interface EdnForm {
  readonly value: EdnValue;
  readonly line: number;
  readonly column: number;
}

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

function isEdnObject(value: EdnValue): value is EdnObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isKeyword(value: EdnValue | undefined, name?: string): value is EdnKeyword {
  return value !== undefined && isEdnObject(value) && value.kind === 'keyword' && (name === undefined || value.name === name);
}

export function isEdnMap(value: EdnValue): value is EdnMap {
  return isEdnObject(value) && value.kind === 'map';
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
function isDelimiter(code: number): boolean {
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

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function isAsciiLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

/** One part of a symbol (prefix or name): the spec's first-character rules, no delimiter inside. */
function isSymbolPart(part: string): boolean {
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
function isTagName(name: string): boolean {
  return isAsciiLetter(name.charCodeAt(0)) && isSymbolName(name);
}

// ---------------------------------------------------------------------------------------------
// Reading

/** Deeper nesting than any Jepsen file has; it keeps a hostile file from exhausting the stack. */
const MAX_DEPTH = 1000;

const INTEGER = /^([+-]?)(0|[1-9][0-9]*)(N?)$/;
const SMALL_INTEGER = /^[+-]?(0|[1-9][0-9]*)$/;
const FLOAT = /^[+-]?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?(M?)$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const RFC3339 = /^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([zZ]|[+-]\d{2}:\d{2})?)?)?)?$/;
const HEX = /^[0-9a-fA-F]$/;

const NAMED_CHARS: ReadonlyMap<string, string> = new Map([
  ['newline', '\n'],
  ['return', '\r'],
  ['space', ' '],
  ['tab', '\t'],
  ['backspace', '\b'],
  ['formfeed', '\f'],
]);

const STRING_ESCAPES: ReadonlyMap<number, string> = new Map([
  [0x74, '\t'], // t
  [0x72, '\r'], // r
  [0x6e, '\n'], // n
  [0x62, '\b'], // b
  [0x66, '\f'], // f
  [0x5c, '\\'],
  [0x22, '"'],
]);

class EdnSyntaxError {
  constructor(
    readonly line: number,
    readonly column: number,
    readonly message: string,
  ) {}
}

class Reader {
  private pos = 0;
  private line = 1;
  private lineStart = 0;
  private depth = 0;
  /** Values are immutable, so one object per keyword serves every occurrence (and spares the GC). */
  private readonly keywords = new Map<string, EdnKeyword>();

  constructor(private readonly text: string) {
    if (text.charCodeAt(0) === 0xfeff) this.pos = this.lineStart = 1;
  }

  /** The next top-level form, or undefined at the end of the text. */
  next(): EdnForm | undefined {
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.text.length) return undefined;
      if (this.startsDiscard()) {
        this.readDiscard();
        continue;
      }
      const line = this.line;
      const column = this.column();
      const code = this.text.charCodeAt(this.pos);
      if (code === 0x29 || code === 0x5d || code === 0x7d) this.fail(`unexpected '${this.text[this.pos]}': nothing is open here`);
      return { value: this.readElement('a form'), line, column };
    }
  }

  private column(at = this.pos): number {
    return at - this.lineStart + 1;
  }

  private fail(message: string, line = this.line, column = this.column()): never {
    throw new EdnSyntaxError(line, column, message);
  }

  private skipSpace(): void {
    const text = this.text;
    while (this.pos < text.length) {
      const code = text.charCodeAt(this.pos);
      if (code === 0x0a) {
        this.pos++;
        this.line++;
        this.lineStart = this.pos;
      } else if (code === 0x20 || code === 0x2c || code === 0x09 || code === 0x0d || code === 0x0c || code === 0x0b) {
        this.pos++;
      } else if (code === 0x3b) {
        const end = text.indexOf('\n', this.pos);
        this.pos = end === -1 ? text.length : end;
      } else {
        return;
      }
    }
  }

  private startsDiscard(): boolean {
    return this.text.charCodeAt(this.pos) === 0x23 && this.text.charCodeAt(this.pos + 1) === 0x5f;
  }

  /** `#_` and the element it discards (which must still be readable, and must exist). */
  private readDiscard(): void {
    this.pos += 2;
    this.readElement('an element to discard after #_');
  }

  /** An element, after any discarded ones; `what` names it in the error when there is none. */
  private readElement(what: string): EdnValue {
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.text.length) this.fail(`the text ends where ${what} should be`);
      if (!this.startsDiscard()) break;
      this.readDiscard();
    }
    const code = this.text.charCodeAt(this.pos);
    if (code === 0x29 || code === 0x5d || code === 0x7d) this.fail(`'${this.text[this.pos]}' where ${what} should be`);
    if (++this.depth > MAX_DEPTH) this.fail(`nested more than ${MAX_DEPTH} deep`);
    try {
      return this.readDispatch(code);
    } finally {
      this.depth--;
    }
  }

  private readDispatch(code: number): EdnValue {
    switch (code) {
      case 0x22: // "
        return this.readString();
      case 0x28: // (
        return ednList(this.readItems(0x29, 'list'));
      case 0x5b: // [
        return this.readItems(0x5d, 'vector');
      case 0x7b: // {
        return this.readMap(undefined);
      case 0x5c: // backslash
        return this.readChar();
      case 0x23: // #
        return this.readHash();
      case 0x3a: // :
        return this.readKeyword();
      case 0x27: // '
      case 0x40: // @
      case 0x5e: // ^
      case 0x60: // `
      case 0x7e: // ~
        return this.fail(`'${this.text[this.pos]}' is a Clojure reader macro, not EDN`);
      default:
        return this.readAtom();
    }
  }

  /** From pos (a character already judged to start a token) to the next delimiter. */
  private readToken(): string {
    const start = this.pos;
    this.pos++;
    while (this.pos < this.text.length && !isDelimiter(this.text.charCodeAt(this.pos))) this.pos++;
    return this.text.slice(start, this.pos);
  }

  /**
   * Items up to `close`; the opening delimiter is at pos. `positions`, when given, gets each
   * item's line and column (two numbers per item: maps and sets need them only for errors, and
   * a history has hundreds of thousands of maps).
   */
  private readItems(close: number, what: string, positions?: number[]): EdnValue[] {
    const openLine = this.line;
    const openColumn = this.column();
    this.pos += what === 'set' ? 2 : 1;
    const items: EdnValue[] = [];
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.text.length) {
        this.fail(`the ${what} opened at line ${openLine}, column ${openColumn} is never closed (expected '${String.fromCharCode(close)}')`);
      }
      const code = this.text.charCodeAt(this.pos);
      if (code === close) {
        this.pos++;
        return items;
      }
      if (code === 0x29 || code === 0x5d || code === 0x7d) {
        this.fail(`'${this.text[this.pos]}' closes the ${what} opened at line ${openLine}, column ${openColumn} (expected '${String.fromCharCode(close)}')`);
      }
      if (this.startsDiscard()) {
        this.readDiscard();
        continue;
      }
      positions?.push(this.line, this.column());
      items.push(this.readElement(`an element of the ${what}`));
    }
  }

  /** A map at pos; `namespace` given for `#:ns{...}`, which puts its keys without a prefix in ns. */
  private readMap(namespace: string | undefined): EdnMap {
    const openLine = this.line;
    const openColumn = this.column();
    const positions: number[] = [];
    const items = this.readItems(0x7d, 'map', positions);
    if (items.length % 2 !== 0) {
      const at = positions.length - 2;
      this.fail(
        `the map opened at line ${openLine}, column ${openColumn} has a key without a value (the key at line ${positions[at]}, column ${positions[at + 1]})`,
        openLine,
        openColumn,
      );
    }
    const entries: [EdnValue, EdnValue][] = [];
    const keyPositions: number[] = [];
    for (let i = 0; i < items.length; i += 2) {
      const key = items[i] as EdnValue;
      entries.push([namespace === undefined ? key : namespaced(key, namespace), items[i + 1] as EdnValue]);
      keyPositions.push(positions[2 * i] as number, positions[2 * i + 1] as number);
    }
    this.refuseDuplicates(
      entries.map(([key]) => key),
      keyPositions,
      'map key',
    );
    return ednMap(entries);
  }

  /** `positions` holds each value's line and column, two numbers per value. */
  private refuseDuplicates(values: readonly EdnValue[], positions: readonly number[], what: string): void {
    if (values.length < 2) return;
    const duplicate = (i: number): never =>
      this.fail(`duplicate ${what} ${preview(values[i] as EdnValue)}`, positions[2 * i] as number, positions[2 * i + 1] as number);
    if (values.every((value) => isKeyword(value))) {
      // The usual map (every op of a history): keyword keys, compared by name.
      const names = new Set<string>();
      for (let i = 0; i < values.length; i++) {
        const name = (values[i] as EdnKeyword).name;
        if (names.has(name)) duplicate(i);
        names.add(name);
      }
      return;
    }
    // Small collections are compared pairwise, large ones by a canonical text.
    if (values.length <= 16) {
      for (let i = 1; i < values.length; i++) {
        for (let j = 0; j < i; j++) if (ednEqual(values[i] as EdnValue, values[j] as EdnValue)) duplicate(i);
      }
      return;
    }
    const seen = new Set<string>();
    for (let i = 0; i < values.length; i++) {
      const text = canonicalText(values[i] as EdnValue);
      if (seen.has(text)) duplicate(i);
      seen.add(text);
    }
  }

  private readString(): string {
    const text = this.text;
    const openLine = this.line;
    const openColumn = this.column();
    this.pos++;
    let out = '';
    let chunkStart = this.pos;
    for (;;) {
      if (this.pos >= text.length) this.fail(`the string opened at line ${openLine}, column ${openColumn} is never closed`);
      const code = text.charCodeAt(this.pos);
      if (code === 0x22) {
        out += text.slice(chunkStart, this.pos);
        this.pos++;
        return out;
      }
      if (code === 0x0a) {
        this.pos++;
        this.line++;
        this.lineStart = this.pos;
        continue;
      }
      if (code !== 0x5c) {
        this.pos++;
        continue;
      }
      out += text.slice(chunkStart, this.pos);
      out += this.readStringEscape();
      chunkStart = this.pos;
    }
  }

  /** At a backslash inside a string: the character it stands for. */
  private readStringEscape(): string {
    const text = this.text;
    const escapeColumn = this.column();
    const code = text.charCodeAt(this.pos + 1);
    const simple = STRING_ESCAPES.get(code);
    if (simple !== undefined) {
      this.pos += 2;
      return simple;
    }
    if (code === 0x75 /* u */) {
      const hex = text.slice(this.pos + 2, this.pos + 6);
      if (hex.length !== 4 || ![...hex].every((c) => HEX.test(c))) this.fail(`\\u must be followed by 4 hex digits in a string (got "\\u${hex}")`);
      this.pos += 6;
      return String.fromCharCode(Number.parseInt(hex, 16));
    }
    if (code >= 0x30 && code <= 0x37) {
      // Clojure's octal escape: up to three octal digits, at most \377.
      let end = this.pos + 1;
      while (end < this.pos + 4 && text.charCodeAt(end) >= 0x30 && text.charCodeAt(end) <= 0x37) end++;
      const value = Number.parseInt(text.slice(this.pos + 1, end), 8);
      if (value > 0o377) this.fail(`octal escape \\${text.slice(this.pos + 1, end)} is above \\377`, this.line, escapeColumn);
      this.pos = end;
      return String.fromCharCode(value);
    }
    if (Number.isNaN(code)) return this.fail('the text ends inside a string escape');
    return this.fail(`unknown escape \\${text[this.pos + 1]} in a string (EDN has \\t \\r \\n \\\\ \\" and \\uXXXX)`);
  }

  private readChar(): EdnChar {
    const startColumn = this.column();
    const text = this.text;
    const next = text.charCodeAt(this.pos + 1);
    if (Number.isNaN(next)) this.fail('the text ends after a backslash (a character literal needs its character)');
    if (next === 0x20 || next === 0x09 || next === 0x0a || next === 0x0d || next === 0x2c || next === 0x0c) {
      this.fail('a backslash cannot be followed by whitespace (write \\space, \\tab, \\newline or \\return)');
    }
    // The first character after the backslash is taken whatever it is (\( is a paren).
    this.pos++;
    const token = this.readToken();
    const named = NAMED_CHARS.get(token);
    if (named !== undefined) return ednChar(named);
    if (token.length === 1) return ednChar(token);
    if (/^u[0-9a-fA-F]{4}$/.test(token)) return ednChar(String.fromCharCode(Number.parseInt(token.slice(1), 16)));
    if (/^o[0-7]{1,3}$/.test(token) && Number.parseInt(token.slice(1), 8) <= 0o377) return ednChar(String.fromCharCode(Number.parseInt(token.slice(1), 8)));
    return this.fail(`unknown character literal \\${token}`, this.line, startColumn);
  }

  private readKeyword(): EdnKeyword {
    const column = this.column();
    const token = this.readToken();
    const name = token.slice(1);
    if (name.startsWith(':')) this.fail(`${token}: auto-resolved keywords (::) are Clojure, not EDN`, this.line, column);
    let interned = this.keywords.get(name);
    if (interned === undefined) {
      if (!isKeywordName(name)) this.fail(`${token} is not a legal keyword`, this.line, column);
      interned = keyword(name);
      this.keywords.set(name, interned);
    }
    return interned;
  }

  /** Numbers, nil, true, false and symbols. */
  private readAtom(): EdnValue {
    const column = this.column();
    const token = this.readToken();
    const first = token.charCodeAt(0);
    const numeric = isDigit(first) || ((first === 0x2b || first === 0x2d) && isDigit(token.charCodeAt(1)));
    if (numeric) return this.parseNumber(token, column);
    if (token === 'nil') return null;
    if (token === 'true') return true;
    if (token === 'false') return false;
    if (!isSymbolName(token)) this.fail(`${token} is not a legal symbol`, this.line, column);
    return symbol(token);
  }

  private parseNumber(token: string, column: number): EdnValue {
    // Most tokens are small integers (indexes, times, values): read them without a BigInt.
    if (token.length <= 15 && SMALL_INTEGER.test(token)) return Number(token) + 0;
    const integer = INTEGER.exec(token);
    if (integer !== null) {
      const [, sign, digits, bigSuffix] = integer as unknown as [string, string, string, string];
      const value = BigInt(`${sign === '-' ? '-' : ''}${digits}`);
      if (bigSuffix === 'N') return value;
      // Number(-0n) is 0: -0 is "not distinct from 0".
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
    }
    const float = FLOAT.exec(token);
    if (float !== null && (float[2] !== undefined || float[3] !== undefined || float[4] === 'M')) {
      if (float[4] === 'M') return decimal(token.slice(token.startsWith('+') ? 1 : 0, -1));
      return Number(token);
    }
    let why = '';
    if (/^[+-]?0[0-9]/.test(token)) why = ': only 0 itself may begin with 0';
    else if (/^[+-]?\d+\/\d+$/.test(token)) why = ': ratios are Clojure, not EDN';
    else if (/^[+-]?0[xX]/.test(token) || /^[+-]?\d+r/.test(token)) why = ': hex and radix integers are Clojure, not EDN';
    else if (/^[+-]?\d+\.($|[eEM])/.test(token)) why = ': a float needs digits after its point';
    return this.fail(`${token} is not a legal number${why}`, this.line, column);
  }

  /** `#{` set, `##Inf`/`##-Inf`/`##NaN`, `#:ns{` map, `#tag element` (`#_` is handled by callers). */
  private readHash(): EdnValue {
    const text = this.text;
    const line = this.line;
    const column = this.column();
    const next = text.charCodeAt(this.pos + 1);
    if (next === 0x7b /* { */) {
      const positions: number[] = [];
      const values = this.readItems(0x7d, 'set', positions);
      this.refuseDuplicates(values, positions, 'set element');
      return ednSet(values);
    }
    if (next === 0x23 /* # */) {
      this.pos++;
      const token = this.readToken();
      if (token === '#Inf') return Number.POSITIVE_INFINITY;
      if (token === '#-Inf') return Number.NEGATIVE_INFINITY;
      if (token === '#NaN') return Number.NaN;
      return this.fail(`#${token} is not a symbolic value (##Inf, ##-Inf or ##NaN)`, line, column);
    }
    if (next === 0x3a /* : */) {
      this.pos++;
      const namespace = this.readToken().slice(1);
      if (!isSymbolPart(namespace)) this.fail(`#:${namespace} does not name a namespace`, line, column);
      this.skipSpace();
      if (text.charCodeAt(this.pos) !== 0x7b) this.fail(`#:${namespace} must be followed by a map`, line, column);
      return this.readMap(namespace);
    }
    if (!isAsciiLetter(next)) {
      const shown = Number.isNaN(next) ? 'the end of the text' : `'${text[this.pos + 1]}'`;
      return this.fail(`# followed by ${shown}: EDN has #{ for sets, #_ to discard, and # followed by a letter for a tag`);
    }
    this.pos++;
    const tag = this.readToken();
    if (!isTagName(tag)) this.fail(`#${tag} is not a legal tag`, line, column);
    const value = this.readElement(`the element tagged #${tag}`);
    if (tag === 'inst' && !(typeof value === 'string' && RFC3339.test(value)))
      this.fail(`#inst needs an RFC 3339 timestamp string, not ${preview(value)}`, line, column);
    if (tag === 'uuid' && !(typeof value === 'string' && UUID.test(value)))
      this.fail(`#uuid needs a canonical UUID string, not ${preview(value)}`, line, column);
    return tagged(tag, value);
  }
}

function namespaced(key: EdnValue, namespace: string): EdnValue {
  if (!isEdnObject(key) || (key.kind !== 'keyword' && key.kind !== 'symbol')) return key;
  if (key.name.startsWith('_/')) return { kind: key.kind, name: key.name.slice(2) };
  if (key.name.includes('/') || key.name === '/') return key;
  return { kind: key.kind, name: `${namespace}/${key.name}` };
}

function preview(value: EdnValue): string {
  const text = writeEdn(value);
  return text.length <= 60 ? text : `${text.slice(0, 60)}...`;
}

/** Reads the top-level forms of a text one at a time, so that a caller can let each go. */
export class EdnFormReader {
  private readonly reader: Reader;
  private failed: EdnParseError | undefined;

  constructor(text: string) {
    this.reader = new Reader(text);
  }

  /** The next form; undefined at the end; the same error again once one was found. */
  next(): Result<EdnForm | undefined, EdnParseError> {
    if (this.failed !== undefined) return err(this.failed);
    try {
      return ok(this.reader.next());
    } catch (error) {
      if (error instanceof EdnSyntaxError) this.failed = { line: error.line, column: error.column, message: error.message };
      // A stack smaller than MAX_DEPTH needs (a worker thread's) still gets an answer, not a crash.
      else if (error instanceof RangeError && /call stack/i.test(error.message)) this.failed = { line: 0, column: 0, message: 'nested too deeply to read' };
      else throw error;
      return err(this.failed);
    }
  }
}

/** Every top-level form of `text`, in order. */
export function readEdnForms(text: string): Result<EdnForm[], EdnParseError> {
  const reader = new EdnFormReader(text);
  const forms: EdnForm[] = [];
  for (;;) {
    const form = reader.next();
    if (!form.ok) return form;
    if (form.value === undefined) return ok(forms);
    forms.push(form.value);
  }
}

/** Exactly one form (comments, whitespace and discarded forms around it allowed). */
export function readEdn(text: string): Result<EdnValue, EdnParseError> {
  const forms = readEdnForms(text);
  if (!forms.ok) return forms;
  if (forms.value.length === 0) return err({ line: 1, column: 1, message: 'no EDN element in the text' });
  const second = forms.value[1];
  if (second !== undefined) return err({ line: second.line, column: second.column, message: 'more than one EDN element where one was expected' });
  return ok((forms.value[0] as EdnForm).value);
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
      if (!isTagName(object.tag) || object.tag === '_') unwritable(`#${object.tag} is not a legal tag`);
      return `#${object.tag} ${writeEdn(object.value)}`;
    case 'decimal':
      if (!/^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/.test(object.text)) unwritable(`${object.text} is not a decimal number`);
      return `${object.text}M`;
  }
}

/** A canonical text for equality by text: maps and sets in a fixed order, integers one way. */
function canonicalText(value: EdnValue): string {
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
