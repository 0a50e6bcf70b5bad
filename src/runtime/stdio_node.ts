// The stdio runtime: the only place where a node touches stdin, stdout, stderr, timers and
// signals. It feeds input lines and ticks to the pure NodeShell and writes what the shell
// emits, one stdout write per event-loop turn. Stdin is read asynchronously and paused while
// stdout is backed up, so a slow reader bounds our memory instead of growing it.

import { AssertionFailure } from '../base/assert.js';
import { NodeShell, type AppFactory, type LogLevel } from '../server/node_shell.js';
import { BatchedWriter } from './batched_writer.js';
import { LineSplitter } from './line_reader.js';
import { StderrLogger } from './logger.js';

export interface StdioNodeOptions {
  readonly tickMs: number;
  readonly maxLineBytes: number;
  readonly logLevel: LogLevel;
  /** Runs before exit on stdin end or SIGTERM, after stdout is flushed (closing files). */
  readonly onShutdown?: () => Promise<void>;
}

const SHUTDOWN_FLUSH_TIMEOUT_MS = 2_000;
const MAX_CATCH_UP_TICKS = 1_000;

export function runStdioNode(createApp: AppFactory, options: StdioNodeOptions): void {
  const logger = new StderrLogger(options.logLevel);
  const stdin = process.stdin;
  const writer = new BatchedWriter(process.stdout, (full) => (full ? stdin.pause() : stdin.resume()));
  const shell = new NodeShell(
    { write: (line) => writer.write(line), log: (level, text) => logger.log(level, text) },
    (context) => {
      logger.setName(context.nodeId);
      return createApp(context);
    },
  );
  const splitter = new LineSplitter(options.maxLineBytes, {
    line: (text) => shell.receiveLine(text),
    oversized: (byteCount) => logger.log('warn', `refused an input line of ${byteCount} bytes (limit ${options.maxLineBytes})`),
  });

  let shuttingDown = false;
  const shutdown = async (reason: string, exitCode: number): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    clearInterval(ticker);
    logger.log('info', `shutting down: ${reason}`);
    await writer.close(SHUTDOWN_FLUSH_TIMEOUT_MS);
    await options.onShutdown?.();
    process.exit(exitCode);
  };

  // Everything that arrives in one event-loop turn is handled first, then flushed together.
  let turnEndScheduled = false;
  const endTurn = (): void => {
    turnEndScheduled = false;
    shell.flush();
    writer.flush();
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
