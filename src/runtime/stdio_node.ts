// The stdio runtime: the only place where a node touches stdin, stdout, stderr, timers and
// signals. It feeds input lines and ticks to the pure NodeShell and writes what the shell
// emits, one stdout write per event-loop turn. Stdin is read asynchronously and paused while
// stdout is backed up, so a slow reader bounds our memory instead of growing it.

import { AssertionFailure } from '../base/assert.js';
import { NodeShell, type AppFactory, type Delivery, type LogLevel } from '../server/node_shell.js';
import { BatchedWriter } from './batched_writer.js';
import { LineSplitter } from './line_reader.js';
import type { SyncGate } from './durable_storage.js';
import { StderrLogger } from './logger.js';

export interface StdioNodeOptions {
  readonly tickMs: number;
  readonly maxLineBytes: number;
  readonly logLevel: LogLevel;
  /** Runs before exit on stdin end or SIGTERM, after stdout is flushed (closing files). */
  readonly onShutdown?: () => Promise<void>;
  /**
   * Durable storage syncing in the background (known once the node is initialized). Then a
   * turn's `after-sync` output is held until an fdatasync covers the writes the turn made: group
   * commit without blocking the event loop, so the next turn's work overlaps the disk's. Output
   * marked `now` leaves at the end of its turn, and every completed sync starts a turn, so the
   * node learns at once what became durable (a leader counts its own entries only then).
   */
  readonly syncGate?: () => SyncGate | undefined;
}

const SHUTDOWN_FLUSH_TIMEOUT_MS = 2_000;
const MAX_CATCH_UP_TICKS = 1_000;

export function runStdioNode(createApp: AppFactory, options: StdioNodeOptions): void {
  const logger = new StderrLogger(options.logLevel);
  const stdin = process.stdin;
  const writer = new BatchedWriter(process.stdout, (full) => (full ? stdin.pause() : stdin.resume()));
  // Output of the current turn (what may leave now, what waits for the disk), and earlier
  // turns' output waiting for their writes to be durable.
  let turnLines: string[] = [];
  let turnHeldLines: string[] = [];
  const held: Array<{ readonly generation: number; readonly lines: readonly string[] }> = [];
  let waitingForDisk = false;
  const awaitDisk = (gate: SyncGate): void => {
    if (waitingForDisk) return;
    waitingForDisk = true;
    gate.startSync(() => {
      waitingForDisk = false;
      release();
      scheduleTurnEnd();
    });
  };
  const release = (): void => {
    const gate = options.syncGate?.();
    while (held.length > 0 && (gate === undefined || (held[0] as { generation: number }).generation <= gate.durableGeneration)) {
      for (const line of (held.shift() as { lines: readonly string[] }).lines) writer.write(line);
    }
    writer.flush();
    if (held.length > 0 && gate !== undefined) awaitDisk(gate);
  };
  const emitTurn = (): void => {
    const lines = turnLines;
    const heldLines = turnHeldLines;
    turnLines = [];
    turnHeldLines = [];
    for (const line of lines) writer.write(line);
    const gate = options.syncGate?.();
    if (gate !== undefined && (held.length > 0 || gate.requiredGeneration > gate.durableGeneration)) {
      // In order: no held output overtakes earlier held output.
      if (heldLines.length > 0) held.push({ generation: gate.requiredGeneration, lines: heldLines });
      if (gate.requiredGeneration > gate.durableGeneration) awaitDisk(gate);
      else release();
      writer.flush();
      return;
    }
    for (const line of heldLines) writer.write(line);
    writer.flush();
  };
  const shell = new NodeShell(
    { write: (line: string, delivery: Delivery) => (delivery === 'now' ? turnLines : turnHeldLines).push(line), log: (level, text) => logger.log(level, text) },
    (context) => {
      logger.setName(context.nodeId);
      return createApp(context);
    },
    { maxLineBytes: options.maxLineBytes },
  );
  const splitter = new LineSplitter(options.maxLineBytes, {
    line: (text) => shell.receiveLine(text),
    oversized: (byteCount, facts) => shell.receiveOversizedLine(byteCount, facts),
  });

  let shuttingDown = false;
  const shutdown = async (reason: string, exitCode: number): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    clearInterval(ticker);
    logger.log('info', `shutting down: ${reason}`);
    await options.onShutdown?.(); // closing storage makes everything written durable
    for (const { lines } of held.splice(0)) for (const line of lines) writer.write(line);
    for (const line of turnLines.splice(0)) writer.write(line);
    for (const line of turnHeldLines.splice(0)) writer.write(line);
    await writer.close(SHUTDOWN_FLUSH_TIMEOUT_MS);
    process.exit(exitCode);
  };

  // Everything that arrives in one event-loop turn is handled first, then flushed together.
  let turnEndScheduled = false;
  const endTurn = (): void => {
    turnEndScheduled = false;
    shell.flush();
    emitTurn();
  };
  const scheduleTurnEnd = (): void => {
    if (turnEndScheduled) return;
    turnEndScheduled = true;
    setImmediate(endTurn);
  };
  // Ticks follow the monotonic clock, not the number of timer callbacks: after a stall (GC, a
  // busy machine, SIGSTOP) the missed ticks are delivered before any input is handled, so no
  // timeout and no lease (thesis §6.4.1) outlives the real time that passed.
  let ticksDelivered = 0;
  const startedMs = performance.now();
  const catchUpTicks = (): void => {
    const due = Math.floor((performance.now() - startedMs) / options.tickMs);
    // More than an election timeout's worth at once changes nothing further: every timer and
    // lease has expired by then, so the catch-up is bounded.
    const missed = Math.min(due - ticksDelivered, MAX_CATCH_UP_TICKS);
    for (let i = 0; i < missed; i++) shell.tick();
    ticksDelivered = due;
    if (missed > 0) scheduleTurnEnd();
  };
  const ticker = setInterval(catchUpTicks, options.tickMs);
  stdin.on('data', (chunk: Buffer) => {
    catchUpTicks();
    splitter.push(chunk);
    scheduleTurnEnd();
  });
  stdin.on('end', () => {
    splitter.finish();
    shell.flush();
    void shutdown('end of input', 0);
  });
  stdin.on('error', (error) => void shutdown(`stdin error: ${error.message}`, 0));
  process.stdout.on('error', (error) => void shutdown(`stdout error: ${error.message}`, 0));
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('uncaughtException', (error) => {
    // A broken invariant or a bug: state can no longer be trusted, so stop loudly.
    const kind = error instanceof AssertionFailure ? 'invariant violated' : 'internal error';
    process.stderr.write(`FATAL ${kind}: ${error.stack ?? String(error)}\n`);
    process.exit(70);
  });
}
