import { describe, expect, it } from 'vitest';
import { decodeCommand, encodeCommand, type KvCommand } from '../../src/kv/command_codec.js';
import { applyCommand, restoreState, snapshotState } from '../../src/kv/commands.js';
import { KvStore } from '../../src/kv/kv_store.js';
import { SessionTable } from '../../src/kv/sessions.js';

describe('applyCommand', () => {
  it('runs a cas retried many times (each retry a new log entry, as after leader changes) exactly once', () => {
    const store = new KvStore();
    const sessions = new SessionTable();
    let index = 0;
    const apply = (command: KvCommand) => applyCommand(command, ++index, store, sessions);
    apply({ kind: 'op', op: { f: 'write', key: 1, value: 0 } });
    const opened = apply({ kind: 'open_session' });
    expect(opened).toEqual({ type: 'open_session_ok', session: 2 });
    const casOnce: KvCommand = { kind: 'op', op: { f: 'cas', key: 1, from: 0, to: 1, createIfMissing: false }, tag: { session: 2, seq: 1 } };
    const outcomes = [];
    for (let retry = 0; retry < 10; retry++) {
      outcomes.push(apply(casOnce));
      // Another client moves the value back between retries: a second run would succeed again.
      apply({ kind: 'op', op: { f: 'write', key: 1, value: 0 } });
    }
    expect(outcomes.every((outcome) => outcome.type === 'cas_ok')).toBe(true);
    // A run would leave 1 after the last retry; the last write left 0 and nothing ran since.
    expect(store.read(1)).toEqual({ type: 'read_ok', value: 0 });
    const fresh = apply({ kind: 'op', op: { f: 'cas', key: 1, from: 0, to: 7, createIfMissing: false }, tag: { session: 2, seq: 2 } });
    expect(fresh).toEqual({ type: 'cas_ok' });
    expect(store.read(1)).toEqual({ type: 'read_ok', value: 7 });
  });

  it('answers a request of a session not opened yet (its index not reached) indefinitely, without running it', () => {
    const store = new KvStore();
    const sessions = new SessionTable();
    const outcome = applyCommand({ kind: 'op', op: { f: 'write', key: 1, value: 5 }, tag: { session: 42, seq: 1 } }, 1, store, sessions);
    expect(outcome).toMatchObject({ type: 'error', code: 13, text: expect.stringContaining('session 42 is not open') as string });
    expect(store.read(1)).toMatchObject({ type: 'error', code: 20 });
  });

  it('answers a request of a session never opened, whose index the log passed, with a definite error', () => {
    const store = new KvStore();
    const sessions = new SessionTable();
    let index = 0;
    const apply = (command: KvCommand) => applyCommand(command, ++index, store, sessions);
    apply({ kind: 'op', op: { f: 'write', key: 1, value: 0 } });
    expect(apply({ kind: 'open_session' })).toEqual({ type: 'open_session_ok', session: 2 });
    // Index 1 holds a write, and index 3 is this request: neither is or will be a session.
    for (const session of [1, 3]) {
      expect(apply({ kind: 'op', op: { f: 'write', key: 1, value: 5 }, tag: { session, seq: 1 } })).toEqual({
        type: 'error',
        code: 12,
        text: `session ${session} was never opened: open one with open_session`,
      });
    }
    expect(store.read(1)).toEqual({ type: 'read_ok', value: 0 });
  });

  it('answers a request of an expired session indefinitely, though its id is below the applied index', () => {
    const store = new KvStore();
    const sessions = new SessionTable({ maxSessions: 1 });
    let index = 0;
    const apply = (command: KvCommand) => applyCommand(command, ++index, store, sessions);
    apply({ kind: 'open_session' }); // session 1
    apply({ kind: 'op', op: { f: 'write', key: 1, value: 1 }, tag: { session: 1, seq: 1 } });
    apply({ kind: 'open_session' }); // session 3; session 1 is evicted
    expect(apply({ kind: 'op', op: { f: 'write', key: 1, value: 1 }, tag: { session: 1, seq: 1 } })).toMatchObject({
      type: 'error',
      code: 13,
      text: 'session 1 expired; the outcome of seq 1 is unknown',
    });
  });

  it('keeps sessions in the state snapshot, so deduplication survives compaction', () => {
    const store = new KvStore();
    const sessions = new SessionTable();
    applyCommand({ kind: 'open_session' }, 1, store, sessions);
    applyCommand({ kind: 'op', op: { f: 'write', key: 'k', value: 1 }, tag: { session: 1, seq: 1 } }, 2, store, sessions);
    const image = snapshotState(store, sessions);
    const restoredStore = new KvStore();
    const restoredSessions = new SessionTable();
    restoreState(image, restoredStore, restoredSessions, 2);
    expect(snapshotState(restoredStore, restoredSessions)).toBe(image);
    applyCommand({ kind: 'op', op: { f: 'write', key: 'k', value: 2 } }, 3, restoredStore, restoredSessions);
    expect(applyCommand({ kind: 'op', op: { f: 'write', key: 'k', value: 1 }, tag: { session: 1, seq: 1 } }, 4, restoredStore, restoredSessions)).toEqual({
      type: 'write_ok',
    });
    expect(restoredStore.read('k')).toEqual({ type: 'read_ok', value: 2 });
  });
});

describe('the command codec', () => {
  it('reads back what travels in a log entry or a forward, and refuses anything else, saying why', () => {
    const cas: KvCommand = { kind: 'op', op: { f: 'cas', key: 1, from: 0, to: 2, createIfMissing: true }, tag: { session: 3, seq: 4 } };
    expect(decodeCommand(JSON.parse(JSON.stringify(encodeCommand(cas))))).toEqual({ ok: true, value: cas });
    expect(decodeCommand({ kind: 'open_session' })).toEqual({ ok: true, value: { kind: 'open_session' } });
    expect(decodeCommand({ kind: 'op', op: { f: 'write', key: 1 } })).toEqual({ ok: false, error: 'write needs a value' });
    expect(decodeCommand({ kind: 'op', op: { f: 'delete', key: 1 } })).toEqual({ ok: false, error: 'unknown operation "delete"' });
    expect(decodeCommand({ kind: 'op', op: { f: 'read' } })).toEqual({ ok: false, error: 'read needs a key' });
    expect(decodeCommand({ kind: 'op', op: { f: 'cas', key: 1, from: 0, to: 1 } })).toEqual({ ok: false, error: 'cas needs a boolean createIfMissing' });
    expect(decodeCommand({ kind: 'op', op: { f: 'read', key: 1 }, tag: { session: 0, seq: 1 } })).toMatchObject({ ok: false });
    expect(decodeCommand([1])).toEqual({ ok: false, error: 'a command must be an object' });
    expect(decodeCommand({ kind: 'drop_table' })).toEqual({ ok: false, error: 'unknown command kind "drop_table"' });
  });
});
