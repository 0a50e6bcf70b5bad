// The group's state machine applies entries in order, decodes each with the command codec, and
// answers a malformed entry alike on every replica without changing anything.
import { describe, expect, it } from 'vitest';
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

  it("decides with Maelstrom's error numbers", () => {
    expect(KvErrorCode).toEqual({
      malformedRequest: ErrorCode.malformedRequest,
      outcomeUnknown: ErrorCode.crash,
      keyDoesNotExist: ErrorCode.keyDoesNotExist,
      preconditionFailed: ErrorCode.preconditionFailed,
    });
  });
});
