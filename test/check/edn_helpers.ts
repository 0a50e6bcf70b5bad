// For the EDN tests: random EDN values, drawn from a seeded Rng so a seed replays a case, and
// edn-data's shapes (the parser we compare with) to ours and back. The 'full' profile covers
// everything the writer can write; 'portable' leaves out what edn-data cannot hold or writes in a
// way EDN does not allow (##Inf and ##NaN, -0, M decimals, whole floats beyond 2^53, characters
// it writes as bare whitespace).

import type { EDNVal } from 'edn-data';
import { parseEDNString } from 'edn-data';
import type { Rng } from '../../src/base/rng.js';
import type { EdnValue } from '../../src/check/edn.js';
import { decimal, ednChar, ednEqual, ednList, ednMap, ednSet, keyword, symbol, tagged } from '../../src/check/edn.js';

export type Profile = 'full' | 'portable';

/** Seeds to run, or the one in EDN_SEED (EDN_SEED=17 npx vitest run test/check/edn_random.test.ts). */
export function seeds(count: number, base: number): number[] {
  const only = process.env['EDN_SEED'];
  if (only !== undefined) return [Number(only)];
  return Array.from({ length: count }, (_, i) => base + i);
}

export function replay(seed: number, file: string): string {
  return `seed ${seed} (replay: EDN_SEED=${seed} npx vitest run ${file})`;
}

const NAME_FIRST = 'abcxyzABZ*!_?$%&=<>.';
const NAME_REST = `${NAME_FIRST}0123456789-+:`;

function namePart(rng: Rng): string {
  for (;;) {
    let name = rng.pick([...NAME_FIRST, '-', '+']);
    const length = rng.int(0, 6);
    for (let i = 0; i < length; i++) name += rng.pick([...NAME_REST]);
    // The spec's rule: after a leading -, + or ., no digit.
    if (/^[-+.][0-9]/.test(name) || name === 'nil' || name === 'true' || name === 'false') continue;
    return name;
  }
}

function name(rng: Rng): string {
  return rng.chance(0.3) ? `${namePart(rng)}/${namePart(rng)}` : namePart(rng);
}

/** A code unit: mostly printable ASCII, some control characters, Latin, CJK, surrogate halves. */
function codeUnit(rng: Rng, profile: Profile): string {
  const kind = rng.int(0, 9);
  if (kind <= 4) return String.fromCharCode(rng.int(0x20, 0x7e));
  if (kind === 5) return String.fromCharCode(rng.int(0, 0x1f));
  if (kind === 6) return String.fromCharCode(rng.int(0x80, 0x2fff));
  if (kind === 7) return String.fromCharCode(rng.int(0x4e00, 0x9fff));
  if (kind === 8 && profile === 'full') return String.fromCharCode(rng.int(0xd800, 0xdfff));
  return rng.pick(['"', '\\', '\n', '\t', '\r', ';', '#', '{', ']', ',']);
}

function string(rng: Rng, profile: Profile): string {
  const length = rng.int(0, 12);
  let out = '';
  for (let i = 0; i < length; i++) out += rng.chance(0.05) ? '😀' : codeUnit(rng, profile);
  return out;
}

function character(rng: Rng, profile: Profile): string {
  for (;;) {
    const char = codeUnit(rng, profile);
    // edn-data writes a char bare after the backslash: whitespace and commas there are not EDN.
    if (profile === 'portable' && (char.charCodeAt(0) <= 0x20 || char === ',' || char.charCodeAt(0) === 0x7f)) continue;
    return char;
  }
}

function number(rng: Rng, profile: Profile): EdnValue {
  for (;;) {
    const value = anyNumber(rng, profile);
    // edn-data writes a JS number as it prints: a whole float beyond 2^53 comes out an integer.
    if (profile === 'portable' && typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) continue;
    return value;
  }
}

function anyNumber(rng: Rng, profile: Profile): EdnValue {
  switch (rng.int(0, profile === 'full' ? 7 : 5)) {
    case 0:
      return rng.int(-10, 10);
    case 1:
      return rng.int(-(2 ** 31), 2 ** 31) * rng.int(1, 2 ** 21);
    case 2:
      // Whole floats beyond 2^53 print without a point or an exponent.
      return rng.chance(0.5) ? rng.pick([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 0]) : rng.int(-999, 999) * 2 ** rng.int(53, 62);
    case 3:
      return (rng.float() - 0.5) * 10 ** rng.int(-300, 300);
    case 4: {
      const magnitude = BigInt(Number.MAX_SAFE_INTEGER) + BigInt(rng.nextUint32()) * BigInt(rng.int(1, 2 ** 30)) ** BigInt(rng.int(1, 3));
      return rng.chance(0.5) ? -magnitude : magnitude;
    }
    case 5:
      return BigInt(rng.int(-5, 5));
    case 6:
      return rng.pick([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0]);
    default:
      return decimal(`${rng.chance(0.5) ? '-' : ''}${rng.int(0, 999)}${rng.chance(0.5) ? `.${rng.int(0, 99)}` : ''}`);
  }
}

function distinct(rng: Rng, count: number, make: () => EdnValue): EdnValue[] {
  const items: EdnValue[] = [];
  for (let tries = 0; items.length < count && tries < count * 4; tries++) {
    const item = make();
    if (!items.some((other) => ednEqual(other, item))) items.push(item);
  }
  return rng.shuffle(items);
}

/** A random value; `depth` bounds the nesting. */
export function randomEdnValue(rng: Rng, profile: Profile, depth = 4): EdnValue {
  const scalar = depth <= 0 || rng.chance(0.45);
  if (scalar) {
    switch (rng.int(0, 8)) {
      case 0:
        return null;
      case 1:
        return rng.chance(0.5);
      case 2:
      case 3:
        return number(rng, profile);
      case 4:
        return string(rng, profile);
      case 5:
        return keyword(name(rng));
      case 6:
        return symbol(name(rng));
      case 7:
        return ednChar(character(rng, profile));
      default:
        return rng.pick([tagged('inst', '1985-04-12T23:20:50.52Z'), tagged('uuid', 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6')]);
    }
  }
  const size = rng.int(0, 5);
  const child = (): EdnValue => randomEdnValue(rng, profile, depth - 1);
  switch (rng.int(0, 4)) {
    case 0:
      return Array.from({ length: size }, child);
    case 1:
      return ednList(Array.from({ length: size }, child));
    case 2:
      return ednSet(distinct(rng, size, child));
    case 3: {
      const keys = distinct(rng, size, child);
      return ednMap(keys.map((key) => [key, child()]));
    }
    default:
      return tagged(`${namePart(rng).replace(/^[^a-zA-Z]*/, 'x')}.${namePart(rng)}`, child());
  }
}

/** edn-data's shapes to ours. #inst stays a tagged string, as ours keeps it. */
function fromEdnData(value: unknown): EdnValue {
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(fromEdnData);
  const object = value as { [key: string]: unknown };
  if ('key' in object) return keyword(object['key'] as string);
  if ('sym' in object) return symbol(object['sym'] as string);
  if ('char' in object) return ednChar(object['char'] as string);
  if ('list' in object) return ednList((object['list'] as unknown[]).map(fromEdnData));
  if ('set' in object) return ednSet((object['set'] as unknown[]).map(fromEdnData));
  if ('map' in object) return ednMap((object['map'] as [unknown, unknown][]).map(([key, entry]) => [fromEdnData(key), fromEdnData(entry)]));
  if ('tag' in object) return tagged(object['tag'] as string, fromEdnData(object['val']));
  throw new Error(`edn-data returned a shape this test does not know: ${String(value)}`);
}

/** Ours to edn-data's shapes (the portable profile only: no decimals, no symbolic numbers). */
export function toEdnData(value: EdnValue): EDNVal {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return (value as readonly EdnValue[]).map(toEdnData);
  const object = value as Exclude<EdnValue, null | boolean | number | bigint | string | readonly EdnValue[]>;
  switch (object.kind) {
    case 'keyword':
      return { key: object.name };
    case 'symbol':
      return { sym: object.name };
    case 'char':
      return { char: object.char };
    case 'list':
      return { list: object.items.map(toEdnData) };
    case 'set':
      return { set: object.items.map(toEdnData) };
    case 'map':
      return { map: object.entries.map(([key, entry]) => [toEdnData(key), toEdnData(entry)]) };
    case 'tagged':
      return { tag: object.tag, val: toEdnData(object.value) };
    case 'decimal':
      throw new Error('edn-data has no exact decimals: the portable profile makes none');
  }
}

const KEEP_TAGS = { tagHandlers: { inst: (val: unknown) => ({ tag: 'inst', val }) } };

export function theirRead(text: string): EdnValue {
  return fromEdnData(parseEDNString(text, KEEP_TAGS));
}
