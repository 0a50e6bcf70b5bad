// The commands the replicated log carries and how the state machine applies them: key-value
// operations, optionally tagged with a client session and sequence number (run at most once),
// and session openings (named by their own log index). Pure and deterministic.

import { isJsonObject, type JsonObject, type JsonValue } from '../base/json.js';
import { isKvRequestType, parseKvOperation, type KvOperation } from '../protocol/lin_kv.js';
import { ErrorCode } from '../protocol/errors.js';
import { sameKey, type KvOutcome, type KvStore } from './kv_store.js';
import type { SessionSnapshot, SessionTable } from './sessions.js';

export interface SessionTag {
  readonly session: number;
  readonly seq: number;
}

export type KvCommand =
  | { readonly kind: 'op'; readonly op: KvOperation; readonly tag?: SessionTag | undefined }
  | { readonly kind: 'open_session' };

export type CommandOutcome = KvOutcome | { readonly type: 'open_session_ok'; readonly session: number };

/** How often (in log entries) idle sessions are looked for. */
const SESSION_SWEEP_INTERVAL = 1_024;

export function applyCommand(command: KvCommand, index: number, store: KvStore, sessions: SessionTable): CommandOutcome {
  if (index % SESSION_SWEEP_INTERVAL === 0) sessions.expireIdle(index);
  if (command.kind === 'open_session') return { type: 'open_session_ok', session: sessions.open(index) };
  const { op, tag } = command;
  if (tag === undefined) return store.apply(op);
  const seen = sessions.check(tag.session, tag.seq, index);
  switch (seen.kind) {
    case 'duplicate':
      return seen.outcome;
    // It may have run before: the outcome is unknown, and it is never run again.
    case 'expired':
      return { type: 'error', code: ErrorCode.crash, text: `session ${tag.session} expired; the outcome of seq ${tag.seq} is unknown` };
    case 'forgotten':
      return {
        type: 'error',
        code: ErrorCode.crash,
        text: `session ${tag.session} is older than the expired sessions this node remembers (it expired, or was never opened); the outcome of seq ${tag.seq} is unknown`,
      };
    case 'seq-too-old':
      return { type: 'error', code: ErrorCode.crash, text: `seq ${tag.seq} of session ${tag.session} is too old to be remembered; its outcome is unknown` };
    case 'not-yet-opened':
      // Refused now, but a session with this id may still open, and a retry would then run.
      return {
        type: 'error',
        code: ErrorCode.crash,
        text: `session ${tag.session} is not open: the log has not reached index ${tag.session}, so a session may still open with that id; open one with open_session`,
      };
    case 'never-opened':
      return { type: 'error', code: ErrorCode.malformedRequest, text: `session ${tag.session} was never opened: open one with open_session` };
    case 'run': {
      const outcome = store.apply(op);
      sessions.record(tag.session, tag.seq, outcome, index);
      return outcome;
    }
  }
}

/** Whether applying `command` may change `key` (reads and session openings change nothing). */
export function mayWriteKey(command: KvCommand, key: JsonValue): boolean {
  return command.kind === 'op' && command.op.f !== 'read' && sameKey(command.op.key, key);
}

/** Validates a command that arrived from a peer (a forward) or from storage. */
export function parseCommand(value: unknown): KvCommand | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  if (record['kind'] === 'open_session') return { kind: 'open_session' };
  if (record['kind'] !== 'op') return undefined;
  const op = parseOperation(record['op']);
  if (op === undefined) return undefined;
  const tag = record['tag'];
  if (tag === undefined || tag === null) return { kind: 'op', op };
  if (typeof tag !== 'object' || Array.isArray(tag)) return undefined;
  const { session, seq } = tag as Record<string, unknown>;
  if (!isPositiveInteger(session) || !isPositiveInteger(seq)) return undefined;
  return { kind: 'op', op, tag: { session, seq } };
}

/** An operation as a command carries it: the KvOperation object itself. */
function parseOperation(value: unknown): KvOperation | undefined {
  if (!isJsonObject(value as JsonValue)) return undefined;
  const op = value as JsonObject;
  const f = op['f'];
  if (typeof f !== 'string' || !isKvRequestType(f)) return undefined;
  const parsed = parseKvOperation(f, { ...op, type: f, create_if_not_exists: op['createIfMissing'] ?? null });
  return parsed.ok ? parsed.value : undefined;
}

export function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/**
 * The whole state machine's snapshot: the store and the session table, so exactly-once
 * survives compaction and restarts. Deterministic: the same state gives the same text.
 */
export function snapshotState(store: KvStore, sessions: SessionTable): string {
  return `{"store":${JSON.stringify(store.snapshot())},"sessions":${JSON.stringify(sessions.snapshot())}}`;
}

/** Replaces the state with a snapshotState() image taken at log index `snapshotIndex`; throws on text that is not one. */
export function restoreState(text: string, store: KvStore, sessions: SessionTable, snapshotIndex: number): void {
  const parsed = JSON.parse(text) as { store?: unknown; sessions?: unknown };
  if (typeof parsed.store !== 'string' || typeof parsed.sessions !== 'object' || parsed.sessions === null) {
    throw new Error('not a raftkv state snapshot');
  }
  store.restore(parsed.store);
  sessions.restore(parsed.sessions as SessionSnapshot, snapshotIndex);
}
