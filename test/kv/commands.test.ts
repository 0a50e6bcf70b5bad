import { describe, expect, it } from 'vitest';
import { decodeCommand, encodeCommand, type KvCommand } from '../../src/kv/command_codec.js';
import { applyCommand, isReadOnlyCommand, mayWriteAnyKey, mayWriteKey, readKeysOf, restoreState, snapshotState } from '../../src/kv/commands.js';
import { KvStore } from '../../src/kv/kv_store.js';
import type { MicroOp } from '../../src/kv/operations.js';
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

  it('runs a txn retried in one session exactly once, answering the retry with the first outcome', () => {
    const store = new KvStore();
    const sessions = new SessionTable();
    let index = 0;
    const apply = (command: KvCommand) => applyCommand(command, ++index, store, sessions);
    expect(apply({ kind: 'open_session' })).toEqual({ type: 'open_session_ok', session: 1 });
    const appendOnce: KvCommand = {
      kind: 'txn',
      ops: [
        ['append', 'k', 1],
        ['r', 'k', null],
      ],
      tag: { session: 1, seq: 1 },
    };
    const first = apply(appendOnce);
    expect(first).toEqual({
      type: 'txn_ok',
      txn: [
        ['append', 'k', 1],
        ['r', 'k', [1]],
      ],
    });
    expect(apply(appendOnce)).toEqual(first);
    expect(store.read('k')).toEqual({ type: 'read_ok', value: [1] });
    // A failed txn is remembered as failed: its retry neither runs nor succeeds.
    store.apply({ f: 'write', key: 's', value: 0 });
    const failing: KvCommand = { kind: 'txn', ops: [['append', 's', 1]], tag: { session: 1, seq: 2 } };
    expect(apply(failing)).toMatchObject({ type: 'error', code: 12 });
    store.apply({ f: 'write', key: 's', value: [] });
    expect(apply(failing)).toMatchObject({ type: 'error', code: 12 });
    expect(store.read('s')).toEqual({ type: 'read_ok', value: [] });
  });

  it('keeps list values in the state snapshot', () => {
    const store = new KvStore();
    const sessions = new SessionTable();
    applyCommand(
      {
        kind: 'txn',
        ops: [
          ['append', 1, 'a'],
          ['append', 1, 'b'],
          ['w', 2, [3]],
        ],
      },
      1,
      store,
      sessions,
    );
    const image = snapshotState(store, sessions);
    const restoredStore = new KvStore();
    restoreState(image, restoredStore, new SessionTable(), 1);
    expect(restoredStore.get(1)).toEqual(['a', 'b']);
    applyCommand({ kind: 'txn', ops: [['append', 2, 4]] }, 2, restoredStore, sessions);
    expect(restoredStore.get(2)).toEqual([3, 4]);
  });
});

describe('what a command reads and writes (lease reads on followers look for unapplied writes)', () => {
  const txn = (...ops: MicroOp[]): KvCommand => ({ kind: 'txn', ops });
  const read = (key: number | string): KvCommand => ({ kind: 'op', op: { f: 'read', key } });

  it('tells read-only commands (a read, a txn of reads) from the rest', () => {
    expect(isReadOnlyCommand(read(1))).toBe(true);
    expect(isReadOnlyCommand(txn(['r', 1, null], ['r', 2, null]))).toBe(true);
    expect(isReadOnlyCommand(txn(['r', 1, null], ['w', 2, 1]))).toBe(false);
    expect(isReadOnlyCommand({ kind: 'op', op: { f: 'write', key: 1, value: 1 } })).toBe(false);
    expect(isReadOnlyCommand({ kind: 'open_session' })).toBe(false);
  });

  it('finds a txn entry that writes a key read by a lin-kv read or by a read-only txn, and only then', () => {
    const entry = txn(['r', 1, null], ['append', 2, 5], ['w', 'k', 1]);
    expect(mayWriteKey(entry, 2)).toBe(true);
    expect(mayWriteKey(entry, 'k')).toBe(true);
    expect(mayWriteKey(entry, 1)).toBe(false); // only read
    expect(mayWriteKey(entry, '2')).toBe(false);
    expect(mayWriteAnyKey(entry, readKeysOf(read(2)))).toBe(true);
    expect(mayWriteAnyKey(entry, readKeysOf(read(1)))).toBe(false);
    expect(mayWriteAnyKey(entry, readKeysOf(txn(['r', 0, null], ['r', 'k', null])))).toBe(true);
    expect(mayWriteAnyKey(entry, readKeysOf(txn(['r', 1, null], ['r', 3, null])))).toBe(false);
    expect(
      mayWriteAnyKey({ kind: 'op', op: { f: 'cas', key: 3, from: 1, to: 2, createIfMissing: false } }, readKeysOf(txn(['r', 1, null], ['r', 3, null]))),
    ).toBe(true);
    expect(mayWriteAnyKey({ kind: 'op', op: { f: 'read', key: 3 } }, readKeysOf(txn(['r', 3, null])))).toBe(false);
    expect(mayWriteAnyKey({ kind: 'open_session' }, readKeysOf(txn(['r', 3, null])))).toBe(false);
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

  it('carries a txn as its micro-ops, with or without a session tag, and refuses a malformed one from the log', () => {
    for (const command of [
      {
        kind: 'txn',
        ops: [
          ['r', 1, null],
          ['append', 1, 2],
          ['w', 'k', { v: [1] }],
        ],
      },
      { kind: 'txn', ops: [['r', 1, null]], tag: { session: 3, seq: 9 } },
    ] as KvCommand[]) {
      expect(decodeCommand(JSON.parse(JSON.stringify(encodeCommand(command))))).toEqual({ ok: true, value: command });
    }
    expect(decodeCommand({ kind: 'txn' })).toEqual({ ok: false, error: 'a txn must be a list of micro-ops' });
    expect(decodeCommand({ kind: 'txn', ops: [] })).toEqual({ ok: false, error: 'a txn must hold at least one micro-op' });
    expect(
      decodeCommand({
        kind: 'txn',
        ops: [
          ['r', 1, null],
          ['r', 1],
        ],
      }),
    ).toEqual({
      ok: false,
      error: 'micro-op 1 ["r",1] is not a list of three elements [f, key, value]',
    });
    expect(decodeCommand({ kind: 'txn', ops: [['w', { k: 1 }, 1]] })).toMatchObject({
      ok: false,
      error: expect.stringContaining('has a key that is neither') as string,
    });
    expect(decodeCommand({ kind: 'txn', ops: [['r', 1, null]], tag: { session: 1 } })).toEqual({
      ok: false,
      error: '"tag" must be {session, seq} of positive integers',
    });
  });
});
