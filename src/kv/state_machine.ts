// One Raft group's replicated state machine: the key-value store and the session table, the
// index of the last entry applied, and the image a snapshot carries. Entries are decoded by the
// command codec as they are applied, so a malformed entry changes nothing on any replica and
// gets the same error everywhere. Reads outside the log see the newest state, or exactly the
// state after an index still within the store's retention window (snapshot reads). Pure; knows
// nothing of Raft beyond "entry I carries data D".

import { assert } from '../base/assert.js';
import { previewJson, type JsonValue } from '../base/json.js';
import { decodeCommand, type CommandOutcome, type KvCommand } from './command_codec.js';
import { applyCommand, restoreState, snapshotState } from './commands.js';
import { KvStore, type KvStoreOptions } from './kv_store.js';
import { KvErrorCode, type KvOutcome } from './operations.js';
import { SessionTable } from './sessions.js';
import { executeTxn, isReadOnlyTxn, txnCheckConflict } from './txn.js';

export class KvStateMachine {
  readonly store: KvStore;
  readonly sessions = new SessionTable();
  private applied = 0;

  constructor(storeOptions: Partial<KvStoreOptions> = {}) {
    this.store = new KvStore(storeOptions);
  }

  /** The index of the last entry applied (or of the snapshot restored). */
  get appliedIndex(): number {
    return this.applied;
  }

  /**
   * Applies the entry at appliedIndex + 1: `data` is its command, or undefined for an entry that
   * carries none (a new leader's no-op). Returns the outcome for whoever proposed it.
   */
  apply(index: number, data: JsonValue | undefined): CommandOutcome | undefined {
    assert(index === this.applied + 1, () => `apply out of order: ${index} after ${this.applied}`);
    this.applied = index;
    this.store.beginEntry(index);
    if (data === undefined) return undefined;
    const command = decodeCommand(data);
    if (!command.ok)
      return { type: 'error', code: KvErrorCode.malformedRequest, text: `entry ${index} is not a command (${command.error}); it changed nothing` };
    return applyCommand(command.value, index, this.store, this.sessions);
  }

  /** A read served outside the log, against the state as applied so far. */
  read(key: JsonValue): KvOutcome {
    return this.store.read(key);
  }

  /**
   * A read-only command (a read, or a txn of reads only) served outside the log, against the
   * state as applied so far: every key as of one applied index. Never changes anything.
   */
  query(command: KvCommand): KvOutcome {
    if (command.kind === 'op' && command.op.f === 'read') return this.store.read(command.op.key);
    assert(command.kind === 'txn' && isReadOnlyTxn(command.ops), () => `a ${command.kind} command that may write was served outside the log`);
    return this.checkConflict(command) ?? executeTxn(command.ops, this.store);
  }

  /**
   * The error 30 a txn's check gets against the state as applied so far (its read_index, or an
   * occ or si txn's read point), or undefined when it holds or there is none. A conflict seen
   * here is final: versions only grow, so the txn would fail the same check at apply.
   */
  checkConflict(command: KvCommand): KvOutcome | undefined {
    if (command.kind !== 'txn' || command.check === undefined) return undefined;
    return txnCheckConflict(command.check, (key) => this.store.versionOf(key));
  }

  /**
   * A read-only command served outside the log against exactly the state after entry `index`
   * (at most appliedIndex); undefined when the store no longer keeps the versions of that index
   * (it is below store.oldestReadableIndex). Never changes anything.
   */
  queryAt(command: KvCommand, index: number): KvOutcome | undefined {
    assert(index <= this.applied, () => `a read at ${index}, beyond the applied index ${this.applied}`);
    const state = this.store.at(index);
    if (state === undefined) return undefined;
    if (command.kind === 'op' && command.op.f === 'read') {
      const value = state.get(command.op.key);
      return value === undefined
        ? { type: 'error', code: KvErrorCode.keyDoesNotExist, text: `key ${previewJson(command.op.key)} did not exist at index ${index}` }
        : { type: 'read_ok', value };
    }
    assert(command.kind === 'txn' && isReadOnlyTxn(command.ops), () => `a ${command.kind} command that may write was served at an index`);
    return executeTxn(command.ops, state);
  }

  /** The deterministic image of the state at appliedIndex. */
  snapshot(): string {
    return snapshotState(this.store, this.sessions);
  }

  /** Jumps to a snapshot's image (on start, or installed from the leader). */
  restore(index: number, data: string): void {
    assert(index >= this.applied, () => `snapshot at ${index} is behind the applied index ${this.applied}`);
    restoreState(data, this.store, this.sessions, index);
    this.applied = index;
  }
}
