// The Maelstrom envelope and its codec. Input is decoded in stages so that every line that can
// be answered is answered: garbage is only logged, but a request whose envelope is sound and
// carries a msg_id gets a malformed-request error naming the bad field. Output is strict: only
// src, dest and body at the top level, one JSON object per line.

import { isJsonObject, type JsonObject, type JsonValue } from '../base/json.js';

export interface Body {
  readonly type: string;
  readonly msg_id?: number;
  readonly in_reply_to?: number;
  readonly [field: string]: JsonValue | undefined;
}

export interface Message<B extends Body = Body> {
  readonly src: string;
  readonly dest: string;
  readonly body: B;
}

export type Decoded =
  /** Not JSON, or not an envelope we could answer: log and skip. */
  | { readonly kind: 'garbage'; readonly reason: string }
  /** A sound envelope whose body is unusable, from a sender we can answer. */
  | { readonly kind: 'malformed'; readonly src: string; readonly dest: string; readonly msgId: number; readonly reason: string }
  | { readonly kind: 'message'; readonly message: Message };

export function isMessageId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export function isNodeName(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 256;
}

export function decodeMessage(line: string): Decoded {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { kind: 'garbage', reason: 'not valid JSON' };
  }
  return decodeEnvelope(parsed);
}

/** The checks of decodeMessage on an already parsed value (each message of a batch gets them too). */
export function decodeEnvelope(parsed: unknown): Decoded {
  if (!isJsonObject(parsed)) return { kind: 'garbage', reason: 'not a JSON object' };
  const { src, dest, body } = parsed;
  if (!isNodeName(src)) return { kind: 'garbage', reason: 'envelope field "src" must be a non-empty string' };
  if (!isNodeName(dest)) return { kind: 'garbage', reason: 'envelope field "dest" must be a non-empty string' };
  if (!isJsonObject(body)) return { kind: 'garbage', reason: 'envelope field "body" must be an object' };
  const msgId = body['msg_id'];
  const answerable = isMessageId(msgId);
  const malformed = (reason: string): Decoded => (answerable ? { kind: 'malformed', src, dest, msgId, reason } : { kind: 'garbage', reason });
  if (msgId !== undefined && !answerable) return { kind: 'garbage', reason: 'body field "msg_id" must be a non-negative integer' };
  if (typeof body['type'] !== 'string' || body['type'].length === 0) {
    return malformed('body field "type" must be a non-empty string');
  }
  const inReplyTo = body['in_reply_to'];
  if (inReplyTo !== undefined && !isMessageId(inReplyTo)) {
    return malformed('body field "in_reply_to" must be a non-negative integer');
  }
  return { kind: 'message', message: { src, dest, body: body as Body } };
}

/** One line of output, newline included. Only src, dest and body: Maelstrom's schema is closed. */
export function encodeMessage(src: string, dest: string, body: Body | JsonObject): string {
  return encodeLine(src, dest, JSON.stringify(body));
}

/** One line of output around a body already encoded as JSON. */
export function encodeLine(src: string, dest: string, encodedBody: string): string {
  return `{"src":${JSON.stringify(src)},"dest":${JSON.stringify(dest)},"body":${encodedBody}}\n`;
}

/**
 * The body type of a batch: every node-to-node body one node has for another at the end of an
 * event-loop turn, sent as one message (`msgs`, in order) instead of one message each. Only
 * nodes send batches, only to nodes; a batch never holds a batch.
 */
export const BATCH_TYPE = 'batch';

/** A batch line from bodies already encoded as JSON (each encoded once, never re-serialized). */
export function encodeBatch(src: string, dest: string, encodedBodies: readonly string[]): string {
  return encodeLine(src, dest, `{"type":"${BATCH_TYPE}","msgs":[${encodedBodies.join(',')}]}`);
}
