// How the state machine applies the commands of the log: key-value operations, optionally tagged
// with a client session and sequence number (run at most once), and session openings (named by
// their own log index); and the state machine's snapshot image. Pure and deterministic.

import type { JsonValue } from '../base/json.js';
import type { CommandOutcome, KvCommand } from './command_codec.js';
import { sameKey, type KvStore } from './kv_store.js';
import { KvErrorCode } from './operations.js';
import type { SessionSnapshot, SessionTable } from './sessions.js';

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
      return { type: 'error', code: KvErrorCode.outcomeUnknown, text: `session ${tag.session} expired; the outcome of seq ${tag.seq} is unknown` };
    case 'forgotten':
      return {
        type: 'error',
        code: KvErrorCode.outcomeUnknown,
        text: `session ${tag.session} is older than the expired sessions this node remembers (it expired, or was never opened); the outcome of seq ${tag.seq} is unknown`,
      };
    case 'seq-too-old':
      return {
        type: 'error',
        code: KvErrorCode.outcomeUnknown,
        text: `seq ${tag.seq} of session ${tag.session} is too old to be remembered; its outcome is unknown`,
      };
    case 'not-yet-opened':
      // Refused now, but a session with this id may still open, and a retry would then run.
      return {
        type: 'error',
        code: KvErrorCode.outcomeUnknown,
        text: `session ${tag.session} is not open: the log has not reached index ${tag.session}, so a session may still open with that id; open one with open_session`,
      };
    case 'never-opened':
      return { type: 'error', code: KvErrorCode.malformedRequest, text: `session ${tag.session} was never opened: open one with open_session` };
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
