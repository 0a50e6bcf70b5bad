// Validation of what a node prints on stdout, with Maelstrom's closed envelope schema: a JSON
// object with src, dest (known ids, strings), body (an object) and optionally an integer id,
// nothing else. Pure. A line that fails is fatal for that node's stdout, as in Maelstrom.

import { isJsonObject, type JsonObject } from '../base/json.js';

export type NodeLine =
  | { readonly ok: true; readonly src: string; readonly dest: string; readonly body: JsonObject; readonly hasId: boolean }
  | { readonly ok: false; readonly reason: string };

const ENVELOPE_KEYS: ReadonlySet<string> = new Set(['src', 'dest', 'body', 'id']);

export function validateNodeLine(line: string, isKnown: (id: string) => boolean): NodeLine {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
  if (!isJsonObject(parsed)) return { ok: false, reason: 'not a JSON object' };
  let hasId = false;
  for (const key in parsed) {
    if (!ENVELOPE_KEYS.has(key)) return { ok: false, reason: `disallowed top-level key ${JSON.stringify(key)} (only src, dest, body, id)` };
    if (key === 'id') hasId = true;
  }
  const { src, dest, body, id } = parsed;
  if (hasId && !(typeof id === 'number' && Number.isSafeInteger(id))) return { ok: false, reason: '"id" must be an integer' };
  if (typeof src !== 'string') return { ok: false, reason: '"src" must be a string' };
  if (typeof dest !== 'string') return { ok: false, reason: '"dest" must be a string' };
  if (!isJsonObject(body)) return { ok: false, reason: '"body" must be a JSON object' };
  if (!isKnown(src)) return { ok: false, reason: `invalid src ${JSON.stringify(src)}: no such node, client or service` };
  if (!isKnown(dest)) return { ok: false, reason: `invalid dest ${JSON.stringify(dest)}: no such node, client or service` };
  return { ok: true, src, dest, body, hasId };
}

/** Cuts long text for messages and reports. */
export function abbreviate(text: string, maxChars = 300): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars)}… (${text.length} chars)`;
}
