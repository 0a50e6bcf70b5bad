// Snapshot reads ("at_index": I on a read-only txn): served by any node that has applied I, from
// the state machine's versions at exactly I, whatever the read mode, with no message to anyone.
// Serializable, not strict: I may lie in the past. A read whose index is not applied yet waits,
// bounded, with I pinned so its versions stay; then it gets a definite 11. One whose versions
// were collected gets a definite 14. Never waits beyond I; never holds up apply.

import type { KvCommand } from '../kv/command_codec.js';
import type { KvStateMachine } from '../kv/state_machine.js';
import { ErrorCode } from '../protocol/errors.js';
import { notProposed, type Respond } from './requests.js';

export interface SnapshotReadHost {
  readonly machine: KvStateMachine;
  now(): number;
  /** How long a read may wait for the node to apply its index. */
  readonly waitTicks: number;
  /** The store's retention window, named in refusals. */
  readonly retentionEntries: number;
}

interface WaitingRead {
  readonly command: KvCommand;
  readonly index: number;
  readonly respond: Respond;
  readonly deadlineTick: number;
}

/** Snapshot reads of one group; how many wait is bounded by the node's admission (pendingCount). */
export class SnapshotReads {
  private waiting: WaitingRead[] = [];

  constructor(private readonly host: SnapshotReadHost) {}

  get count(): number {
    return this.waiting.length;
  }

  /** Serves the read-only `command` at exactly `index`, now or once applied (bounded). */
  submit(command: KvCommand, index: number, respond: Respond): void {
    const { machine } = this.host;
    if (index <= machine.appliedIndex) {
      this.serve(command, index, respond);
      return;
    }
    machine.store.pin(index);
    this.waiting.push({ command, index, respond, deadlineTick: this.host.now() + this.host.waitTicks });
  }

  onApplied(): void {
    if (this.waiting.length === 0) return;
    const { machine } = this.host;
    const waiting = this.waiting;
    this.waiting = [];
    for (const read of waiting) {
      if (read.index > machine.appliedIndex) {
        this.waiting.push(read);
        continue;
      }
      this.serve(read.command, read.index, read.respond);
      machine.store.unpin(read.index);
    }
  }

  /** Refuses the reads whose node did not apply their index in time (definite: a read changes nothing). */
  tick(now: number): void {
    if (this.waiting.length === 0) return;
    const { machine } = this.host;
    const kept: WaitingRead[] = [];
    for (const read of this.waiting) {
      if (read.deadlineTick > now) {
        kept.push(read);
        continue;
      }
      machine.store.unpin(read.index);
      read.respond(
        notProposed(`this node has applied index ${machine.appliedIndex}, and did not reach at_index ${read.index} in time; try again, or another node`),
        machine.appliedIndex,
      );
    }
    this.waiting = kept;
  }

  private serve(command: KvCommand, index: number, respond: Respond): void {
    const { machine } = this.host;
    const outcome = machine.queryAt(command, index);
    if (outcome !== undefined) {
      respond(outcome, index);
      return;
    }
    // Definite, and not 11: the horizon only moves forward, so asking this node again never helps.
    respond(
      {
        type: 'error',
        code: ErrorCode.abort,
        text:
          `at_index ${index} is below ${machine.store.oldestReadableIndex}, the oldest index whose versions this node keeps ` +
          `(--mvcc-retention keeps ${this.host.retentionEntries} entries); read at a later index`,
      },
      index,
    );
  }
}
