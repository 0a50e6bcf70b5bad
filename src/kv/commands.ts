// How the state machine applies the commands of the log: key-value operations and transactions,
// optionally tagged with a client session and sequence number (run at most once), and session
// openings (named by their own log index); and the state machine's snapshot image. Pure and
// deterministic.

import type { JsonValue } from '../base/json.js';
import type { CommandOutcome, KvCommand } from './command_codec.js';
import { keySlot, sameKey, type KvStore } from './kv_store.js';
import { KvErrorCode, type KvOutcome } from './operations.js';
import type { SessionSnapshot, SessionTable } from './sessions.js';
import { executeTxn, isReadOnlyTxn, txnCheckConflict } from './txn.js';

/** How often (in log entries) idle sessions are looked for. */
const SESSION_SWEEP_INTERVAL = 1_024;

export function applyCommand(command: KvCommand, index: number, store: KvStore, sessions: SessionTable): CommandOutcome {
  store.beginEntry(index);
  if (index % SESSION_SWEEP_INTERVAL === 0) sessions.expireIdle(index);
  if (command.kind === 'open_session') return { type: 'open_session_ok', session: sessions.open(index) };
  const { tag } = command;
  if (tag === undefined) return runCommand(command, store);
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
      const outcome = runCommand(command, store);
      sessions.record(tag.session, tag.seq, outcome, index);
      return outcome;
    }
  }
}

function runCommand(command: KvCommand & { readonly kind: 'op' | 'txn' }, store: KvStore): KvOutcome {
  if (command.kind === 'op') return store.apply(command.op);
  // The newest versions at apply, the same on every replica: a failed check is a no-op everywhere.
  const conflict = command.check === undefined ? undefined : txnCheckConflict(command.check, (key) => store.versionOf(key));
  return conflict ?? executeTxn(command.ops, store);
}

/** Whether `command` only reads: it changes nothing, so a read path may serve it outside the log. */
export function isReadOnlyCommand(command: KvCommand): boolean {
  if (command.kind === 'op') return command.op.f === 'read';
  return command.kind === 'txn' && isReadOnlyTxn(command.ops);
}

/** Whether applying `command` may change `key` (reads and session openings change nothing). */
export function mayWriteKey(command: KvCommand, key: JsonValue): boolean {
  if (command.kind === 'op') return command.op.f !== 'read' && sameKey(command.op.key, key);
  if (command.kind === 'txn') {
    for (const op of command.ops) if (op[0] !== 'r' && sameKey(op[1], key)) return true;
  }
  return false;
}

/**
 * The keys a read-only command reads, for mayWriteAnyKey: a read of one key is the key itself
 * (no allocation); a txn's keys become a set, so checking an entry costs its own micro-ops only.
 */
export type ReadKeys = { readonly key: JsonValue } | { readonly slots: ReadonlySet<string> };

export function readKeysOf(command: KvCommand): ReadKeys {
  if (command.kind === 'op') return command.op; // the op has the key: nothing to allocate
  if (command.kind === 'txn') return { slots: new Set(command.ops.map((op) => keySlot(op[1]))) };
  return { slots: new Set() };
}

/** Whether applying `command` may change any of `keys`. */
export function mayWriteAnyKey(command: KvCommand, keys: ReadKeys): boolean {
  if (!('slots' in keys)) return mayWriteKey(command, keys.key);
  if (command.kind === 'op') return command.op.f !== 'read' && keys.slots.has(keySlot(command.op.key));
  if (command.kind === 'txn') {
    for (const op of command.ops) if (op[0] !== 'r' && keys.slots.has(keySlot(op[1]))) return true;
  }
  return false;
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
  store.restore(parsed.store, snapshotIndex);
  sessions.restore(parsed.sessions as SessionSnapshot, snapshotIndex);
}
