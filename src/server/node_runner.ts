// The turn driver shared by the stdio runtime and the simulator: it feeds input and ticks to a
// NodeShell and, at the end of each event-loop turn, flushes the shell, ends the store's turn
// (one WAL write for every group), writes 'now' lines, holds 'after-sync' lines until a sync
// covers the generation the turn required, and starts that sync. A completed sync releases
// what it covers and asks the host for a turn, so a leader learns at once what became durable.
// Pure: the host does the I/O and the scheduling; no clock, no timer.

import { assert } from '../base/assert.js';
import type { OversizedLineFacts } from '../protocol/oversized_line.js';
import { HeldOutput } from '../storage/held_output.js';
import type { NodeStore } from '../storage/types.js';
import type { Delivery, LogLevel, NodeApp, NodeContext } from './node_app.js';
import { NodeShell, type ShellLimits } from './node_shell.js';

export interface RunnerHost {
  /** Lines that leave now, in order, each with its newline. */
  write(lines: readonly string[]): void;
  /** Asks for endTurn() to run soon, after whatever input is already queued. */
  requestTurnEnd(): void;
  log(level: LogLevel, text: string): void;
  /**
   * true: output waiting for the disk passed its bound, stop feeding input; false: go on. Input
   * is bounded anyway when a host cannot pause (the simulator's disk always completes).
   */
  holdInput?(held: boolean): void;
}

export interface NodeRunnerOptions {
  /** The node's storage, opened at init (when the node's id is known). */
  readonly openStore: (context: NodeContext) => NodeStore;
  readonly createApp: (context: NodeContext, store: NodeStore) => NodeApp;
  readonly shellLimits?: Partial<ShellLimits>;
}

/** Output held for the disk beyond which input stops: about a turn's worth of peer traffic times many. */
export const MAX_HELD_LINES = 100_000;
const MAX_HELD_CHARS = 64 << 20;

export class NodeRunner {
  readonly shell: NodeShell;
  private store: NodeStore | undefined;
  private turnNow: string[] = [];
  private turnAfterSync: string[] = [];
  private readonly held = new HeldOutput();
  private turnEndRequested = false;
  private syncing = false;
  private inputHeld = false;
  private closed = false;

  constructor(
    private readonly host: RunnerHost,
    options: NodeRunnerOptions,
  ) {
    const output = {
      write: (line: string, delivery: Delivery): void => {
        (delivery === 'now' ? this.turnNow : this.turnAfterSync).push(line);
      },
      log: (level: LogLevel, text: string): void => host.log(level, text),
    };
    const createApp = (context: NodeContext): NodeApp => {
      const store = options.openStore(context);
      this.store = store;
      return options.createApp(context, store);
    };
    this.shell = new NodeShell(output, createApp, options.shellLimits);
  }

  receiveLine(line: string): void {
    if (this.closed) return;
    this.shell.receiveLine(line);
    this.requestTurnEnd();
  }

  receiveOversizedLine(byteCount: number, facts: OversizedLineFacts): void {
    if (this.closed) return;
    this.shell.receiveOversizedLine(byteCount, facts);
    this.requestTurnEnd();
  }

  tick(): void {
    if (this.closed) return;
    this.shell.tick();
    this.requestTurnEnd();
  }

  /** The end of a turn (the host runs it after requestTurnEnd): flush, write, hold, sync. */
  endTurn(): void {
    this.turnEndRequested = false;
    if (this.closed) return;
    this.shell.flush();
    const store = this.store;
    store?.endTurn();
    const now = this.turnNow;
    const afterSync = this.turnAfterSync;
    this.turnNow = [];
    this.turnAfterSync = [];
    // The sync starts before the turn's output is written: the disk works while stdout does.
    this.maybeStartSync();
    const out = this.held.endTurn(now, afterSync, store?.requiredGeneration ?? 0, store?.durableGeneration ?? 0);
    if (out.length > 0) this.host.write(out);
    this.updateInputHold();
  }

  /**
   * Ends the node: the last turn's writes, then the store made durable and closed, then every
   * line still held or pending (all durable by then); `done` runs after they are written.
   */
  close(done: () => void): void {
    if (this.closed) {
      done();
      return;
    }
    this.shell.flush();
    this.closed = true;
    const finish = (): void => {
      const out = this.held.releaseAll();
      for (const line of this.turnNow.splice(0)) out.push(line);
      for (const line of this.turnAfterSync.splice(0)) out.push(line);
      if (out.length > 0) this.host.write(out);
      done();
    };
    if (this.store === undefined) finish();
    else this.store.close(finish);
  }

  /** Lines waiting for the disk (for tests and logs). */
  get heldLines(): number {
    return this.held.heldLines;
  }

  private requestTurnEnd(): void {
    if (this.turnEndRequested) return;
    this.turnEndRequested = true;
    this.host.requestTurnEnd();
  }

  private maybeStartSync(): void {
    const store = this.store;
    if (store === undefined || this.syncing || store.requiredGeneration <= store.durableGeneration) return;
    this.syncing = true;
    store.startSync(() => this.synced(store));
  }

  private synced(store: NodeStore): void {
    assert(this.syncing, 'runner: a sync completed that was not started');
    this.syncing = false;
    if (this.closed) return; // close() releases everything once the store is closed
    const out = this.held.release(store.durableGeneration);
    if (out.length > 0) this.host.write(out);
    // Turns that ended while this sync ran wait for the next one: it starts now, not at the end
    // of the next turn, which would add a turn's time to every held acknowledgement (5 nodes at
    // 10n: write p50 up from 4.0 to 5.5 ms when it waited).
    this.maybeStartSync();
    this.updateInputHold();
    // The node learns in a turn of its own what became durable (a leader may commit on it).
    this.requestTurnEnd();
  }

  private updateInputHold(): void {
    const over = this.held.heldLines > MAX_HELD_LINES || this.held.heldChars > MAX_HELD_CHARS;
    const under = this.held.heldLines <= MAX_HELD_LINES / 2 && this.held.heldChars <= MAX_HELD_CHARS / 2;
    if (!this.inputHeld && over) {
      this.inputHeld = true;
      this.host.holdInput?.(true);
    } else if (this.inputHeld && under) {
      this.inputHeld = false;
      this.host.holdInput?.(false);
    }
  }
}
