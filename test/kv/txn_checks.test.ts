// A txn's check (read_index, and the occ and si modes): the txn commits only if none of the
// check's keys has a version newer than its read point, decided at apply from the store's
// version indexes: a failed check is error 30 and changes nothing, alike on every replica, also
// on one restored from a snapshot.
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/base/json.js';
import { decodeCommand, type KvCommand } from '../../src/kv/command_codec.js';
import type { MicroOp } from '../../src/kv/operations.js';
import { KvStateMachine } from '../../src/kv/state_machine.js';
import { preparedCommand } from '../../src/server/optimistic_txns.js';

const txn = (ops: MicroOp[], check?: { after: number; keys: Array<number | string> }): KvCommand =>
  check === undefined ? { kind: 'txn', ops } : { kind: 'txn', ops, check };

/** A machine with key 1 = [1] written at 1, key 2 = [2] at 2, key 3 = [3] at 3 (entries 1..3). */
function machineAt3(): KvStateMachine {
  const machine = new KvStateMachine();
  for (const key of [1, 2, 3]) machine.apply(key, txn([['append', key, key]]) as unknown as JsonValue);
  return machine;
}

const read = (machine: KvStateMachine, ...keys: number[]) => machine.query(txn(keys.map((key): MicroOp => ['r', key, null])));

describe('txn checks at apply', () => {
  it('occ: a key read written after the read point fails the check: error 30, nothing changed, the entry a no-op', () => {
    const machine = machineAt3();
    const before = read(machine, 1, 2, 3);
    // Read keys 1 and 2 at index 1, then append to 3: key 2 was written at 2, after the read point.
    const occ = preparedCommand(
      'occ',
      txn([
        ['r', 1, null],
        ['r', 2, null],
        ['append', 3, 9],
      ]) as KvCommand & { kind: 'txn' },
      1,
    );
    expect(occ).toEqual({ kind: 'txn', ops: [['append', 3, 9]], check: { after: 1, keys: [1, 2] } });
    const outcome = machine.apply(4, occ as unknown as JsonValue);
    expect(outcome).toMatchObject({ type: 'error', code: 30 });
    expect((outcome as { text: string }).text).toBe("txn conflict: key 2 was written at index 2, after the txn's read point 1; the txn changed nothing");
    expect(read(machine, 1, 2, 3)).toEqual(before);
    expect([1, 2, 3].map((key) => machine.store.versionOf(key))).toEqual([1, 2, 3]);
    // At the read point 2 nothing it read changed since: it commits, its writes at its own index.
    expect(
      machine.apply(
        5,
        preparedCommand(
          'occ',
          txn([
            ['r', 1, null],
            ['r', 2, null],
            ['append', 3, 9],
          ]) as KvCommand & { kind: 'txn' },
          2,
        ) as unknown as JsonValue,
      ),
    ).toEqual({
      type: 'txn_ok',
      txn: [['append', 3, 9]],
    });
    expect(machine.store.versionOf(3)).toBe(5);
    expect(read(machine, 3)).toEqual({ type: 'txn_ok', txn: [['r', 3, [3, 9]]] });
  });

  it('occ: a blind write to a key changed after the read point does not fail the check (only keys read are checked)', () => {
    const machine = machineAt3();
    const occ = preparedCommand(
      'occ',
      txn([
        ['r', 1, null],
        ['append', 3, 9],
      ]) as KvCommand & { kind: 'txn' },
      1,
    );
    expect(machine.apply(4, occ as unknown as JsonValue)).toEqual({ type: 'txn_ok', txn: [['append', 3, 9]] });
  });

  it('si: ignores a conflict on a key only read, and fails first-committer-wins on a key written after the snapshot', () => {
    const machine = machineAt3();
    // Reads 2 (written at 2, after the snapshot 1) and writes 1 (written at 1): commits under si.
    const readOnlyConflict = txn([
      ['r', 2, null],
      ['append', 1, 7],
    ]) as KvCommand & { kind: 'txn' };
    expect(preparedCommand('si', readOnlyConflict, 1)).toEqual({ kind: 'txn', ops: [['append', 1, 7]], check: { after: 1, keys: [1] } });
    expect(machine.apply(4, preparedCommand('si', readOnlyConflict, 1) as unknown as JsonValue)).toEqual({ type: 'txn_ok', txn: [['append', 1, 7]] });
    // The same txn under occ fails: it read key 2.
    expect(machineAt3().apply(4, preparedCommand('occ', readOnlyConflict, 1) as unknown as JsonValue)).toMatchObject({ type: 'error', code: 30 });
    // Writes key 3 (written at 3, after the snapshot 2): the first committer won.
    const before = read(machine, 1, 2, 3);
    const writeWrite = preparedCommand(
      'si',
      txn([
        ['r', 1, null],
        ['w', 3, 5],
      ]) as KvCommand & { kind: 'txn' },
      2,
    );
    expect(machine.apply(5, writeWrite as unknown as JsonValue)).toMatchObject({ type: 'error', code: 30 });
    expect(read(machine, 1, 2, 3)).toEqual(before);
  });

  it('read_index: commits only if no key the txn reads or writes changed after the index, at apply and on a read', () => {
    const checked = (after: number, ops: MicroOp[]) => txn(ops, { after, keys: [...new Set(ops.map((op) => op[1]))] });
    const machine = machineAt3();
    // Key 3 was written at 3: a txn that only writes 3 fails with read_index 2, commits with read_index 3.
    expect(machine.apply(4, checked(2, [['append', 3, 4]]) as unknown as JsonValue)).toMatchObject({ type: 'error', code: 30 });
    expect(
      machine.apply(
        5,
        checked(3, [
          ['r', 1, null],
          ['append', 3, 5],
        ]) as unknown as JsonValue,
      ),
    ).toEqual({
      type: 'txn_ok',
      txn: [
        ['r', 1, [1]],
        ['append', 3, 5],
      ],
    });
    // A read-only txn served outside the log is checked against the applied state.
    expect(machine.query(checked(4, [['r', 3, null]]))).toMatchObject({ type: 'error', code: 30 });
    expect(machine.query(checked(5, [['r', 3, null]]))).toEqual({ type: 'txn_ok', txn: [['r', 3, [3, 5]]] });
    // A key never written has version 0: any read_index holds for it.
    expect(machine.query(checked(0, [['r', 99, null]]))).toEqual({ type: 'txn_ok', txn: [['r', 99, null]] });
  });

  it('decides alike on a replica restored from a snapshot (the version indexes survive the image exactly)', () => {
    const original = new KvStateMachine({ retentionEntries: 0 });
    const commands: KvCommand[] = [txn([['w', 1, 1]]), txn([['w', 2, 2]]), txn([['w', 3, 3]]), txn([['w', 3, 4]])];
    for (const [i, command] of commands.entries()) original.apply(i + 1, command as unknown as JsonValue);
    const restored = new KvStateMachine({ retentionEntries: 0 });
    restored.restore(4, original.snapshot());
    for (let after = 0; after <= 4; after++) {
      for (const key of [1, 2, 3]) {
        const command = txn([['w', 9, after]], { after, keys: [key] });
        expect(restored.checkConflict(command), `key ${key} after ${after}`).toEqual(original.checkConflict(command));
        expect(original.checkConflict(command) === undefined).toBe(after >= (key === 3 ? 4 : key));
      }
    }
  });

  it('codec: carries a check and refuses a malformed one', () => {
    const good = { kind: 'txn', ops: [['w', 1, 2]], check: { after: 3, keys: [1, 'k'] } };
    expect(decodeCommand(good)).toEqual({ ok: true, value: good });
    for (const [check, problem] of [
      [5, '"check" must be an object {after, keys}'],
      [{ after: -1, keys: [] }, '"check.after" must be a non-negative integer'],
      [{ after: 1.5, keys: [] }, '"check.after" must be a non-negative integer'],
      [{ after: 1, keys: 'k' }, '"check.keys" must be a list of at most 1024 keys'],
      [{ after: 1, keys: [[1]] }, '"check.keys" holds [1], which is not a txn key'],
    ] as Array<[JsonValue, string]>) {
      expect(decodeCommand({ kind: 'txn', ops: [['w', 1, 2]], check })).toEqual({ ok: false, error: problem });
    }
  });
});
