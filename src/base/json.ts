// JSON values as the protocol carries them, and JSON equality (cas compares values this way,
// as Maelstrom does: numbers by value, objects by key set regardless of key order).

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      if (!jsonEqual(a[i] as JsonValue, b[i] as JsonValue)) return false;
    }
    return true;
  }
  if (Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  if (aKeys.length !== Object.keys(b).length) return false;
  for (const key of aKeys) {
    if (!Object.hasOwn(b, key)) return false;
    if (!jsonEqual(a[key] as JsonValue, b[key] as JsonValue)) return false;
  }
  return true;
}

/**
 * A canonical string for a JSON value (object keys sorted), so values that are jsonEqual map to
 * the same string. Used to key maps by arbitrary JSON keys.
 */
export function canonicalJson(value: JsonValue): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] as JsonValue)}`).join(',')}}`;
}

/** Bytes of `text` in UTF-8, as it travels on a line. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Bytes of a JSON value's encoding in UTF-8. */
export function jsonBytes(value: JsonValue): number {
  return utf8Bytes(JSON.stringify(value));
}

/**
 * A JSON value for a message meant for people: its encoding cut to about `maxChars` characters,
 * so an error text about a huge value stays small.
 */
export function previewJson(value: JsonValue, maxChars = 80): string {
  const text = JSON.stringify(value);
  return text.length <= maxChars ? text : `${text.slice(0, maxChars)}... (${text.length} characters)`;
}

/**
 * An upper bound of jsonBytes(value), found without encoding the value: a character of a string
 * or key takes at most six bytes (\uXXXX), a number at most 24 (-1.2345678901234567e-308). For
 * the small values of most requests it is cheaper than encoding them, and good enough for limits
 * far above their size; near a limit, measure exactly.
 */
export function jsonBytesAtMost(value: JsonValue): number {
  if (typeof value === 'string') return 2 + 6 * value.length;
  if (typeof value === 'number') return 24;
  if (typeof value === 'boolean') return 5;
  if (value === null) return 4;
  let bytes = 2;
  if (Array.isArray(value)) {
    for (const item of value) bytes += jsonBytesAtMost(item) + 1;
    return bytes;
  }
  for (const key in value) bytes += 4 + 6 * key.length + jsonBytesAtMost(value[key] as JsonValue);
  return bytes;
}

/**
 * About the bytes a JSON value takes (strings by their length, each number as 8), without
 * encoding it: cheap enough to count every applied command, for bounds that need no precision.
 */
export function approximateJsonBytes(value: JsonValue): number {
  if (typeof value === 'string') return value.length + 2;
  if (typeof value !== 'object' || value === null) return 8;
  let bytes = 2;
  if (Array.isArray(value)) {
    for (const item of value) bytes += approximateJsonBytes(item) + 1;
    return bytes;
  }
  for (const key in value) bytes += key.length + 4 + approximateJsonBytes(value[key] as JsonValue);
  return bytes;
}
