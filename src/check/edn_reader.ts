// The EDN reader: text in, EDN values (edn.ts) out, one top-level form at a time or all of them;
// the whole EDN spec plus the Clojure forms Jepsen's files can hold (##Inf, ##NaN, #:ns{...} maps,
// octal escapes). Pure. Must not interpret tags (#inst, #jepsen.history.Op): they stay tagged
// values for the caller. Invariants: reading never throws (a fault comes back with its line and
// column); integers stay exact (bigint beyond 2^53); map keys and set elements are unique.

import type { Result } from '../base/result.js';
import { err, ok } from '../base/result.js';
import type { EdnChar, EdnKeyword, EdnMap, EdnValue } from './edn.js';
import {
  canonicalText,
  decimal,
  ednChar,
  ednEqual,
  ednList,
  ednMap,
  ednSet,
  isAsciiLetter,
  isDelimiter,
  isDigit,
  isEdnObject,
  isKeyword,
  isKeywordName,
  isSymbolName,
  isSymbolPart,
  isTagName,
  keyword,
  previewEdn,
  symbol,
  tagged,
} from './edn.js';

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
      this.fail(`duplicate ${what} ${previewEdn(values[i] as EdnValue)}`, positions[2 * i] as number, positions[2 * i + 1] as number);
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
      this.fail(`#inst needs an RFC 3339 timestamp string, not ${previewEdn(value)}`, line, column);
    if (tag === 'uuid' && !(typeof value === 'string' && UUID.test(value)))
      this.fail(`#uuid needs a canonical UUID string, not ${previewEdn(value)}`, line, column);
    return tagged(tag, value);
  }
}

function namespaced(key: EdnValue, namespace: string): EdnValue {
  if (!isEdnObject(key) || (key.kind !== 'keyword' && key.kind !== 'symbol')) return key;
  if (key.name.startsWith('_/')) return { kind: key.kind, name: key.name.slice(2) };
  if (key.name.includes('/') || key.name === '/') return key;
  return { kind: key.kind, name: `${namespace}/${key.name}` };
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
