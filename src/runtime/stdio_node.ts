// The stdio runtime: the only place where a node touches stdin, stdout, stderr, timers and
// signals. It is the real I/O around the pure turn driver (server/node_runner.ts): input lines
// and ticks go in, a turn ends on setImmediate once the input at hand is handled, and what the
// driver releases is written with one stdout write per turn. Stdin is paused while stdout is
// backed up or too much output waits for the disk, so a slow reader or disk bounds our memory.

import { AssertionFailure } from '../base/assert.js';
import { NodeRunner } from '../server/node_runner.js';
import type { LogLevel, NodeApp, NodeContext } from '../server/node_app.js';
import { MemoryNodeStore } from '../storage/memory_store.js';
import type { NodeStore } from '../storage/types.js';
import { BatchedWriter } from './batched_writer.js';
import { LineSplitter } from './line_reader.js';
import { StderrLogger } from './logger.js';

export interface StdioNodeOptions {
  readonly tickMs: number;
  readonly maxLineBytes: number;
  readonly logLevel: LogLevel;
  /** Opens the node's storage at init, when its id is known; state in memory without it. */
  readonly openStore?: (context: NodeContext) => NodeStore;
}

const SHUTDOWN_FLUSH_TIMEOUT_MS = 2_000;
/** A disk that has not made the last writes durable by then is not waited for any longer. */
const SHUTDOWN_STORAGE_TIMEOUT_MS = 10_000;
const MAX_CATCH_UP_TICKS = 1_000;
/** How often the node logs where its memory is (scripts/memory_soak.mjs reads these lines). */
const MEMORY_LOG_EVERY_MS = 60_000;

/** One line on where the process's memory is: the V8 heap, and outside it (Buffers, the allocator). */
export function memoryLine(usage: NodeJS.MemoryUsage): string {
  const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
  return `memory: rss ${mb(usage.rss)} MB, heap used ${mb(usage.heapUsed)} of ${mb(usage.heapTotal)} MB, external ${mb(usage.external)} MB (array buffers ${mb(usage.arrayBuffers)} MB)`;
}

export function runStdioNode(createApp: (context: NodeContext, store: NodeStore) => NodeApp, options: StdioNodeOptions): void {
  const logger = new StderrLogger(options.logLevel);
  const stdin = process.stdin;
  // Input stops for either reason and goes on once neither holds.
  let stdoutFull = false;
  let outputHeld = false;
  const updateInput = (): void => {
    if (stdoutFull || outputHeld) stdin.pause();
    else stdin.resume();
  };
  const writer = new BatchedWriter(process.stdout, (full) => {
    stdoutFull = full;
    updateInput();
  });
  const runner = new NodeRunner(
    {
      write: (lines) => {
        for (const line of lines) writer.write(line);
        writer.flush();
      },
      requestTurnEnd: () => setImmediate(() => runner.endTurn()),
      log: (level, text) => logger.log(level, text),
      holdInput: (held) => {
        outputHeld = held;
        updateInput();
      },
    },
    {
      openStore: (context) => {
        logger.setName(context.nodeId);
        return options.openStore?.(context) ?? new MemoryNodeStore();
      },
      createApp,
      shellLimits: { maxLineBytes: options.maxLineBytes },
    },
  );
  const splitter = new LineSplitter(options.maxLineBytes, {
    line: (text) => runner.receiveLine(text),
    oversized: (byteCount, facts) => runner.receiveOversizedLine(byteCount, facts),
  });

  let shuttingDown = false;
  const shutdown = (reason: string, exitCode: number): void => {
    if (shuttingDown) return;
    shuttingDown = true;
    clearInterval(ticker);
    clearInterval(memoryLogger);
    logger.log('info', `shutting down: ${reason}`);
    // Closing the store makes everything written durable; then every held line may leave. Held
    // lines never leave without it: past the timeout, the node exits without them.
    const stuck = setTimeout(() => {
      logger.log('error', `storage did not close within ${SHUTDOWN_STORAGE_TIMEOUT_MS} ms; exiting without the output waiting for it`);
      process.exit(exitCode);
    }, SHUTDOWN_STORAGE_TIMEOUT_MS);
    runner.close(() => {
      clearTimeout(stuck);
      void writer.close(SHUTDOWN_FLUSH_TIMEOUT_MS).then(() => process.exit(exitCode));
    });
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
    for (let i = 0; i < missed; i++) runner.tick();
    ticksDelivered = due;
  };
  const ticker = setInterval(catchUpTicks, options.tickMs);
  const memoryLogger = setInterval(() => logger.log('info', memoryLine(process.memoryUsage())), MEMORY_LOG_EVERY_MS);
  memoryLogger.unref();
  stdin.on('data', (chunk: Buffer) => {
    catchUpTicks();
    splitter.push(chunk);
  });
  stdin.on('end', () => {
    splitter.finish();
    shutdown('end of input', 0);
  });
  stdin.on('error', (error) => shutdown(`stdin error: ${error.message}`, 0));
  process.stdout.on('error', (error) => shutdown(`stdout error: ${error.message}`, 0));
  process.on('SIGTERM', () => shutdown('SIGTERM', 0));
  process.on('SIGINT', () => shutdown('SIGINT', 0));
  process.on('uncaughtException', (error) => {
    // A broken invariant, a failed disk or a bug: state can no longer be trusted, so stop loudly.
    const kind = error instanceof AssertionFailure ? 'invariant violated' : 'internal error';
    process.stderr.write(`FATAL ${kind}: ${error.stack ?? String(error)}\n`);
    process.exit(70);
  });
}
