// What every part of one test run shares: its options and hooks, the run's clock (test time 0 is
// the start of the operation phase), the harness errors found so far, and the abort: once aborted,
// every wait made through untilAborted ends at once. Owns no process, file or socket.
// Invariants: the clock only moves forward; abort runs its listeners once, and a listener added
// after the abort is never called (callers check `aborted` first).

import { performance } from 'node:perf_hooks';
import type { TestOptions } from './options.js';

export interface RunHooks {
  /** Aborting stops the run at once: nodes are killed, results written, verdict unknown. */
  readonly signal?: AbortSignal;
  /** Loud, rare messages (bad output, crashes, phases). Default: stderr. */
  readonly log?: (line: string) => void;
  /** Progress lines every options.progressIntervalS. Default: stderr. */
  readonly progress?: (line: string) => void;
  /** The command line that started the run, recorded in results.json. */
  readonly command?: readonly string[];
  /** How long a node may take to answer init (Maelstrom: 10 s); tests shorten it. */
  readonly initTimeoutMs?: number;
  /**
   * Also point `<store>/latest` at an explicit --out directory inside the store (the command
   * line does; benchmarks, whose run directories come and go, do not).
   */
  readonly linkLatestForOut?: boolean;
}

export class RunContext {
  readonly log: (line: string) => void;
  readonly progress: (line: string) => void;
  /** Problems of the harness itself: they make the run unknown. */
  readonly harnessErrors: string[] = [];
  private t0 = performance.now();
  private isAborted = false;
  private readonly abortListeners = new Set<() => void>();

  constructor(
    readonly options: TestOptions,
    readonly hooks: RunHooks,
  ) {
    this.log = hooks.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.progress = hooks.progress ?? ((line) => process.stderr.write(`${line}\n`));
  }

  get aborted(): boolean {
    return this.isAborted;
  }

  /** Milliseconds of test time: since the start of the operation phase (negative during setup). */
  nowMs(): number {
    return performance.now() - this.t0;
  }

  /** The operation phase begins: test time 0 is now. */
  startClock(): void {
    this.t0 = performance.now();
  }

  /** Called once when the run is aborted (unless it already was). */
  onAbort(listener: () => void): void {
    this.abortListeners.add(listener);
  }

  abort(): void {
    if (this.isAborted) return;
    this.isAborted = true;
    this.harnessErrors.push('interrupted: the run was stopped before its end');
    this.log('raftkv-test: interrupted; stopping every node');
    for (const listener of [...this.abortListeners]) listener();
  }

  /** Resolves after `ms`, or at once when the run is aborted. */
  async sleepUnlessAborted(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await this.untilAborted(new Promise<void>((resolveSleep) => (timer = setTimeout(resolveSleep, ms))));
    clearTimeout(timer);
  }

  /** Resolves with the promise, or with undefined as soon as the run is aborted. */
  untilAborted<T>(promise: Promise<T>): Promise<T | undefined> {
    if (this.isAborted) return Promise.resolve(undefined);
    return new Promise((resolveRace) => {
      const listener = (): void => resolveRace(undefined);
      this.abortListeners.add(listener);
      void promise.then((value) => {
        this.abortListeners.delete(listener);
        resolveRace(value);
      });
    });
  }
}
