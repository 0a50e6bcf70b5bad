// The group's state machine applies entries in order, decodes each with the command codec, and
// answers a malformed entry alike on every replica without changing anything.
import { describe, expect, it } from 'vitest';
import type { KvCommand } from '../../src/kv/command_codec.js';
import { KvStateMachine } from '../../src/kv/state_machine.js';
import { KvErrorCode } from '../../src/kv/operations.js';
import { ErrorCode } from '../../src/protocol/errors.js';

describe('KvStateMachine', () => {
  it('applies commands and no-ops in order, and refuses to apply out of order', () => {
    const machine = new KvStateMachine();
    expect(machine.apply(1, undefined)).toBeUndefined();
    expect(machine.apply(2, { kind: 'op', op: { f: 'write', key: 'k', value: 1 } })).toEqual({ type: 'write_ok' });
    expect(machine.appliedIndex).toBe(2);
    expect(() => machine.apply(4, { kind: 'op', op: { f: 'write', key: 'k', value: 2 } })).toThrow(/apply out of order: 4 after 2/);
    expect(machine.read('k')).toEqual({ type: 'read_ok', value: 1 });
  });

  it('answers an entry that is not a command with a definite error and changes nothing', () => {
    const machine = new KvStateMachine();
    machine.apply(1, { kind: 'op', op: { f: 'write', key: 'k', value: 1 } });
    const before = machine.snapshot();
    expect(machine.apply(2, { kind: 'op', op: { f: 'write', key: 'k' } })).toEqual({
      type: 'error',
      code: 12,
      text: 'entry 2 is not a command (write needs a value); it changed nothing',
    });
    expect(machine.snapshot()).toBe(before);
    expect(machine.appliedIndex).toBe(2);
  });

  it('restores a snapshot of another replica to the same state', () => {
    const machine = new KvStateMachine();
    machine.apply(1, { kind: 'open_session' });
    machine.apply(2, { kind: 'op', op: { f: 'cas', key: 1, from: null, to: 5, createIfMissing: true }, tag: { session: 1, seq: 1 } });
    const copy = new KvStateMachine();
    copy.restore(2, machine.snapshot());
    expect(copy.snapshot()).toBe(machine.snapshot());
    expect(copy.appliedIndex).toBe(2);
    // The session table came along: the retry is answered from it, not run again.
    expect(copy.apply(3, { kind: 'op', op: { f: 'cas', key: 1, from: null, to: 5, createIfMissing: true }, tag: { session: 1, seq: 1 } })).toEqual({
      type: 'cas_ok',
    });
  });

  it('applies txn entries in log order, and answers a txn entry a peer garbled with 12 on every replica, changing nothing', () => {
    const machine = new KvStateMachine();
    expect(
      machine.apply(1, {
        kind: 'txn',
        ops: [
          ['append', 1, 'a'],
          ['r', 1, null],
        ],
      }),
    ).toEqual({
      type: 'txn_ok',
      txn: [
        ['append', 1, 'a'],
        ['r', 1, ['a']],
      ],
    });
    const before = machine.snapshot();
    expect(
      machine.apply(2, {
        kind: 'txn',
        ops: [
          ['append', 1, 'b'],
          ['delete', 1, null],
        ],
      }),
    ).toEqual({
      type: 'error',
      code: 12,
      text: 'entry 2 is not a command (micro-op 1 ["delete",1,null] has the unknown function "delete"; the functions are "r", "w" and "append"); it changed nothing',
    });
    expect(machine.snapshot()).toBe(before);
    expect(machine.read(1)).toEqual({ type: 'read_ok', value: ['a'] });
  });

  it('serves a read-only txn outside the log without changing anything, and refuses to serve one that writes', () => {
    const machine = new KvStateMachine();
    machine.apply(1, {
      kind: 'txn',
      ops: [
        ['append', 'l', 1],
        ['w', 'r', 7],
      ],
    });
    const before = machine.snapshot();
    expect(
      machine.query({
        kind: 'txn',
        ops: [
          ['r', 'l', null],
          ['r', 'r', null],
          ['r', 'missing', null],
        ],
      }),
    ).toEqual({
      type: 'txn_ok',
      txn: [
        ['r', 'l', [1]],
        ['r', 'r', 7],
        ['r', 'missing', null],
      ],
    });
    expect(machine.query({ kind: 'op', op: { f: 'read', key: 'l' } })).toEqual({ type: 'read_ok', value: [1] });
    expect(machine.snapshot()).toBe(before);
    expect(machine.appliedIndex).toBe(1);
    expect(() =>
      machine.query({
        kind: 'txn',
        ops: [
          ['r', 'l', null],
          ['append', 'l', 2],
        ],
      }),
    ).toThrow(/served outside the log/);
    expect(() => machine.query({ kind: 'op', op: { f: 'write', key: 'l', value: 2 } })).toThrow(/served outside the log/);
    expect(machine.snapshot()).toBe(before);
  });

  it('restores list values from a snapshot, and appends go on from them', () => {
    const machine = new KvStateMachine();
    machine.apply(1, {
      kind: 'txn',
      ops: [
        ['append', 'l', 1],
        ['append', 'l', 2],
      ],
    });
    const copy = new KvStateMachine();
    copy.restore(1, machine.snapshot());
    expect(
      copy.apply(2, {
        kind: 'txn',
        ops: [
          ['append', 'l', 3],
          ['r', 'l', null],
        ],
      }),
    ).toEqual({
      type: 'txn_ok',
      txn: [
        ['append', 'l', 3],
        ['r', 'l', [1, 2, 3]],
      ],
    });
  });

  it("decides with Maelstrom's error numbers", () => {
    expect(KvErrorCode).toEqual({
      malformedRequest: ErrorCode.malformedRequest,
      outcomeUnknown: ErrorCode.crash,
      keyDoesNotExist: ErrorCode.keyDoesNotExist,
      preconditionFailed: ErrorCode.preconditionFailed,
      txnConflict: ErrorCode.txnConflict,
    });
  });

  it('serves read-only commands at exactly an applied index, and refuses one whose versions were collected', () => {
    const machine = new KvStateMachine({ retentionEntries: 3 });
    machine.apply(1, {
      kind: 'txn',
      ops: [
        ['append', 'l', 1],
        ['w', 'r', 1],
      ],
    });
    machine.apply(2, undefined);
    machine.apply(3, { kind: 'txn', ops: [['append', 'l', 2]] });
    machine.apply(4, { kind: 'op', op: { f: 'write', key: 'r', value: 4 } });
    const reads: KvCommand = {
      kind: 'txn',
      ops: [
        ['r', 'l', null],
        ['r', 'r', null],
        ['r', 'x', null],
      ],
    };
    expect(machine.queryAt(reads, 1)).toEqual({
      type: 'txn_ok',
      txn: [
        ['r', 'l', [1]],
        ['r', 'r', 1],
        ['r', 'x', null],
      ],
    });
    expect(machine.queryAt(reads, 3)).toEqual({
      type: 'txn_ok',
      txn: [
        ['r', 'l', [1, 2]],
        ['r', 'r', 1],
        ['r', 'x', null],
      ],
    });
    expect(machine.queryAt({ kind: 'op', op: { f: 'read', key: 'r' } }, 4)).toEqual({ type: 'read_ok', value: 4 });
    expect(machine.queryAt({ kind: 'op', op: { f: 'read', key: 'x' } }, 4)).toMatchObject({ type: 'error', code: KvErrorCode.keyDoesNotExist });
    expect(machine.query(reads)).toEqual(machine.queryAt(reads, 4));
    machine.apply(5, undefined);
    // The window is 3 entries: index 2 and later are kept, 1 is gone.
    expect(machine.queryAt(reads, 2)).toEqual({
      type: 'txn_ok',
      txn: [
        ['r', 'l', [1]],
        ['r', 'r', 1],
        ['r', 'x', null],
      ],
    });
    expect(machine.queryAt(reads, 1)).toBeUndefined();
    expect(() => machine.queryAt(reads, 6)).toThrow(/beyond the applied index 5/);
    expect(() => machine.queryAt({ kind: 'txn', ops: [['w', 'x', 1]] }, 5)).toThrow(/may write/);
  });

  it('restores the state image an earlier build wrote, and goes on from there', () => {
    // group-0.snapshot's data as the previous build wrote it (store image version 1).
    const earlier = String.raw`{"store":"{\"version\":1,\"entries\":[[\"sk\",6],[\"sl\",[1,2,3,4,5,6]],[\"sr\",6]]}","sessions":{"sessions":[],"expired":[],"expiredThrough":0}}`;
    const machine = new KvStateMachine();
    machine.restore(13, earlier);
    machine.apply(14, { kind: 'txn', ops: [['append', 'l', 7]] });
    const read: KvCommand = { kind: 'txn', ops: [['r', 'l', null]] };
    expect(machine.queryAt(read, 13)).toEqual({ type: 'txn_ok', txn: [['r', 'l', [1, 2, 3, 4, 5, 6]]] });
    expect(machine.queryAt(read, 14)).toEqual({ type: 'txn_ok', txn: [['r', 'l', [1, 2, 3, 4, 5, 6, 7]]] });
    expect(machine.queryAt(read, 12)).toBeUndefined();
    const again = new KvStateMachine();
    again.restore(14, machine.snapshot());
    expect(again.snapshot()).toBe(machine.snapshot());
    expect(again.queryAt(read, 13)).toEqual(machine.queryAt(read, 13));
  });
});
