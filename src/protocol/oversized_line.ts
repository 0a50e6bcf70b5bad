// What can be learned from an input line too long to keep: a streaming scan of its bytes, in
// bounded memory, that follows the JSON structure (strings, escapes, nesting) and records the
// envelope's top-level "src" and "dest" and the body's top-level "msg_id", "type" and whether
// it has "in_reply_to", so the request can be answered with an error instead of silence. It
// checks the structure (brackets, keys, colons, commas), not the spelling of numbers and
// literals or control characters inside strings: the line is refused whatever it holds, and
// the structure alone tells which fields are the envelope's and the body's.

export interface OversizedLineFacts {
  /** The bytes form one JSON object, with nothing but whitespace after it (structurally). */
  readonly complete: boolean;
  readonly src: string | undefined;
  readonly dest: string | undefined;
  /** The body's msg_id, when it is a number. */
  readonly msgId: number | undefined;
  readonly type: string | undefined;
  /** The body has an "in_reply_to" field (of any value): the message is a reply. */
  readonly hasInReplyTo: boolean;
}

/** Deeper nesting is given up on (the facts are then incomplete): a request has no need of it. */
export const MAX_SCAN_DEPTH = 1_024;
/** Longest raw key kept for comparison: "in_reply_to", every character escaped, fits. */
const MAX_KEY_BYTES = 128;
/** Longest raw string kept for src, dest or type (node names are at most 256 characters). */
const MAX_STRING_BYTES = 2_048;
/** Longest raw number kept for msg_id. */
const MAX_NUMBER_BYTES = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

enum Mode {
  /** A value is expected (the top level, after a colon, after a comma in an array). */
  Value,
  /** Just after '[': a value or ']'. */
  ArrayFirst,
  /** Just after '{': a key or '}'. */
  ObjectFirst,
  /** After a comma in an object: a key. */
  Key,
  /** After a key: ':'. */
  Colon,
  /** After a value: ',' or the closing bracket (at the top level, only whitespace). */
  After,
  String,
  /** A number or a literal (true, false, null). */
  Scalar,
  Done,
  Bad,
}

enum Container {
  Object,
  Array,
}

/** The fields whose values are recorded, by where they are. */
enum Slot {
  None,
  Src,
  Dest,
  Body,
  MsgId,
  Type,
  InReplyTo,
}

export class OversizedLineScanner {
  private mode = Mode.Value;
  private readonly containers = new Uint8Array(MAX_SCAN_DEPTH);
  private depth = 0;
  private topLevelIsObject = false;
  /** In a string: 0 outside escapes, 1 just after a backslash, 2 to 5 while 1 to 4 hex digits of a \uXXXX escape remain. */
  private escape = 0;
  private stringIsKey = false;
  /** The slot the current key names, once the key is read; the slot the current value fills. */
  private keySlot = Slot.None;
  private valueSlot = Slot.None;
  /** The object at depth 2 is the envelope's body. */
  private inBody = false;
  /** Raw bytes of the key or value being kept, and the most to keep; undefined when not keeping (or too long). */
  private kept: number[] | undefined;
  private keepLimit = 0;
  /** Positions of the next quote and backslash in the current chunk (fast skipping of long strings). */
  private nextQuote = -1;
  private nextBackslash = -1;

  private src: string | undefined;
  private dest: string | undefined;
  private msgId: number | undefined;
  private type: string | undefined;
  private hasInReplyTo = false;

  push(chunk: Uint8Array): void {
    this.nextQuote = -1;
    this.nextBackslash = -1;
    let i = 0;
    const length = chunk.length;
    while (i < length && this.mode !== Mode.Bad) {
      if (this.mode === Mode.String) {
        i = this.scanString(chunk, i);
        continue;
      }
      const byte = chunk[i] as number;
      if (this.mode === Mode.Scalar) {
        if (isScalarByte(byte)) {
          this.keep(byte);
          i++;
          continue;
        }
        this.endScalar();
        continue; // the delimiter is handled in After mode
      }
      this.structural(byte);
      i++;
    }
  }

  finish(): OversizedLineFacts {
    if (this.mode === Mode.Scalar) this.endScalar();
    const complete = this.topLevelIsObject && (this.mode === Mode.Done || (this.mode === Mode.After && this.depth === 0));
    return { complete, src: this.src, dest: this.dest, msgId: this.msgId, type: this.type, hasInReplyTo: this.hasInReplyTo };
  }

  private structural(byte: number): void {
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) return;
    switch (this.mode) {
      case Mode.Value:
      case Mode.ArrayFirst:
        if (this.mode === Mode.ArrayFirst && byte === 0x5d) {
          this.close(Container.Array);
          return;
        }
        this.startValue(byte);
        return;
      case Mode.ObjectFirst:
      case Mode.Key:
        if (this.mode === Mode.ObjectFirst && byte === 0x7d) {
          this.close(Container.Object);
          return;
        }
        if (byte !== QUOTE) return this.fail();
        // Only the envelope's and the body's own keys matter; deeper ones are skipped unread.
        this.startString(true, this.depth === 1 || (this.depth === 2 && this.inBody) ? MAX_KEY_BYTES : 0);
        return;
      case Mode.Colon:
        if (byte !== 0x3a) return this.fail();
        this.mode = Mode.Value;
        return;
      case Mode.After:
        if (this.depth === 0) return this.fail();
        if (byte === 0x2c) {
          this.mode = this.containers[this.depth - 1] === Container.Object ? Mode.Key : Mode.Value;
          return;
        }
        if (byte === 0x7d) return this.close(Container.Object);
        if (byte === 0x5d) return this.close(Container.Array);
        return this.fail();
      case Mode.Done:
        return this.fail();
      default:
        return;
    }
  }

  private startValue(byte: number): void {
    this.valueSlot = this.keySlot;
    this.keySlot = Slot.None;
    if (this.valueSlot === Slot.InReplyTo) this.hasInReplyTo = true;
    if (byte === 0x7b || byte === 0x5b) {
      const container = byte === 0x7b ? Container.Object : Container.Array;
      if (this.depth === 0) this.topLevelIsObject = container === Container.Object;
      if (this.valueSlot === Slot.Body && container === Container.Object) this.inBody = true;
      this.clearSlot(this.valueSlot);
      if (this.depth === MAX_SCAN_DEPTH) return this.fail();
      this.containers[this.depth++] = container;
      this.mode = container === Container.Object ? Mode.ObjectFirst : Mode.ArrayFirst;
      return;
    }
    if (byte === QUOTE) {
      this.startString(false, this.valueSlot === Slot.Src || this.valueSlot === Slot.Dest || this.valueSlot === Slot.Type ? MAX_STRING_BYTES : 0);
      if (this.depth === 0) this.topLevelIsObject = false;
      return;
    }
    if (!isScalarByte(byte)) return this.fail();
    if (this.depth === 0) this.topLevelIsObject = false;
    this.mode = Mode.Scalar;
    this.startKeeping(this.valueSlot === Slot.MsgId ? MAX_NUMBER_BYTES : 0);
    this.keep(byte);
  }

  private close(container: Container): void {
    if (this.depth === 0 || this.containers[this.depth - 1] !== container) return this.fail();
    this.depth--;
    if (this.depth === 1 && this.inBody) this.inBody = false;
    this.endValue();
  }

  private endValue(): void {
    this.valueSlot = Slot.None;
    this.mode = this.depth === 0 ? Mode.Done : Mode.After;
  }

  private startString(isKey: boolean, keepLimit: number): void {
    this.mode = Mode.String;
    this.stringIsKey = isKey;
    this.escape = 0;
    this.startKeeping(keepLimit);
    this.keep(QUOTE);
  }

  /** Scans string bytes from `i`; returns where to continue. */
  private scanString(chunk: Uint8Array, start: number): number {
    let i = start;
    while (i < chunk.length) {
      if (this.escape === 1) {
        const byte = chunk[i] as number;
        this.keep(byte);
        i++;
        if (byte === 0x75)
          this.escape = 5; // \u: four hex digits follow
        else if (byte === QUOTE || byte === BACKSLASH || byte === 0x2f || byte === 0x62 || byte === 0x66 || byte === 0x6e || byte === 0x72 || byte === 0x74)
          this.escape = 0;
        else {
          this.fail();
          return chunk.length;
        }
        continue;
      }
      if (this.escape > 1) {
        const byte = chunk[i] as number;
        if (!isHexDigit(byte)) {
          this.fail();
          return chunk.length;
        }
        this.keep(byte);
        i++;
        this.escape = this.escape === 2 ? 0 : this.escape - 1;
        continue;
      }
      // Jump to the next quote or backslash: a long string costs two searches per escape, not a step per byte.
      if (this.nextQuote < i && this.nextQuote !== -2) this.nextQuote = indexOrMissing(chunk, QUOTE, i);
      if (this.nextBackslash < i && this.nextBackslash !== -2) this.nextBackslash = indexOrMissing(chunk, BACKSLASH, i);
      const stop = Math.min(this.nextQuote === -2 ? chunk.length : this.nextQuote, this.nextBackslash === -2 ? chunk.length : this.nextBackslash);
      if (this.kept !== undefined) for (let k = i; k < stop; k++) this.keep(chunk[k] as number);
      i = stop;
      if (i === chunk.length) return i;
      const byte = chunk[i] as number;
      this.keep(byte);
      i++;
      if (byte === BACKSLASH) {
        this.escape = 1;
        continue;
      }
      this.endString();
      return i;
    }
    return i;
  }

  private endString(): void {
    const text = this.keptText();
    if (this.stringIsKey) {
      this.keySlot = this.slotOfKey(text);
      this.mode = Mode.Colon;
      return;
    }
    this.fillSlot(this.valueSlot, text, 'string');
    this.endValue();
  }

  private endScalar(): void {
    this.fillSlot(this.valueSlot, this.keptText(), 'scalar');
    this.endValue();
  }

  private slotOfKey(rawKey: string | undefined): Slot {
    if (rawKey === undefined) return Slot.None;
    let key: unknown;
    try {
      key = JSON.parse(rawKey);
    } catch {
      return Slot.None;
    }
    if (this.depth === 1) {
      if (key === 'src') return Slot.Src;
      if (key === 'dest') return Slot.Dest;
      if (key === 'body') return Slot.Body;
    } else if (this.depth === 2 && this.inBody) {
      if (key === 'msg_id') return Slot.MsgId;
      if (key === 'type') return Slot.Type;
      if (key === 'in_reply_to') return Slot.InReplyTo;
    }
    return Slot.None;
  }

  /** A field given again replaces the earlier value (as JSON.parse keeps the last). */
  private clearSlot(slot: Slot): void {
    switch (slot) {
      case Slot.Src:
        this.src = undefined;
        return;
      case Slot.Dest:
        this.dest = undefined;
        return;
      case Slot.Body:
        this.msgId = undefined;
        this.type = undefined;
        this.hasInReplyTo = false;
        return;
      case Slot.MsgId:
        this.msgId = undefined;
        return;
      case Slot.Type:
        this.type = undefined;
        return;
      default:
        return;
    }
  }

  private fillSlot(slot: Slot, raw: string | undefined, kind: 'string' | 'scalar'): void {
    this.clearSlot(slot);
    if (slot === Slot.Body) this.inBody = false; // a body that is not an object
    if (raw === undefined) return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      return;
    }
    if (kind === 'string' && typeof value === 'string') {
      if (slot === Slot.Src) this.src = value;
      else if (slot === Slot.Dest) this.dest = value;
      else if (slot === Slot.Type) this.type = value;
    } else if (kind === 'scalar' && typeof value === 'number' && slot === Slot.MsgId) {
      this.msgId = value;
    }
  }

  private startKeeping(limit: number): void {
    this.kept = limit > 0 ? [] : undefined;
    this.keepLimit = limit;
  }

  private keep(byte: number): void {
    if (this.kept === undefined) return;
    if (this.kept.length >= this.keepLimit) {
      this.kept = undefined; // too long to be a field we look for
      return;
    }
    this.kept.push(byte);
  }

  private keptText(): string | undefined {
    if (this.kept === undefined) return undefined;
    const text = Buffer.from(this.kept).toString('utf8');
    this.kept = undefined;
    return text;
  }

  private fail(): void {
    this.mode = Mode.Bad;
  }
}

function isScalarByte(byte: number): boolean {
  // Digits, letters (true, false, null, exponents), '-', '+', '.'.
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x41 && byte <= 0x5a) || byte === 0x2d || byte === 0x2b || byte === 0x2e;
}

function isHexDigit(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66) || (byte >= 0x41 && byte <= 0x46);
}

/** The index of `byte` in `chunk` from `from`, or -2 when there is none. */
function indexOrMissing(chunk: Uint8Array, byte: number, from: number): number {
  const index = chunk.indexOf(byte, from);
  return index === -1 ? -2 : index;
}
