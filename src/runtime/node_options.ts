// Options of bin/raftkv, from flags and environment variables (so a Maelstrom --bin wrapper can
// set them), validated once at start-up. A bad option stops the node with a clear message.

import { err, ok, type Result } from '../base/result.js';
import { READ_MODES, type ReadMode } from '../server/kv_server.js';
import type { LogLevel } from '../server/node_shell.js';
import { isLogLevel } from './logger.js';

export interface NodeOptions {
  readonly tickMs: number;
  readonly logLevel: LogLevel;
  readonly maxLineBytes: number;
  readonly readMode: ReadMode;
  /** Seeds the node's randomness (election timeouts); random when not given. */
  readonly seed: number | undefined;
}

export const NODE_USAGE = `usage: raftkv [options]

A Raft-replicated, linearizable key-value node speaking Maelstrom's protocol on stdin/stdout.

options (each also read from the environment variable shown):
  --tick-ms N          timer tick in milliseconds (RAFTKV_TICK_MS, default 10)
  --log-level LEVEL    debug | info | warn | error (RAFTKV_LOG_LEVEL, default info)
  --max-line-bytes N   longest accepted input line (RAFTKV_MAX_LINE_BYTES, default 1048576)
  --read-mode MODE     how reads stay linearizable (RAFTKV_READ_MODE, default read-index):
                         log         every read goes through the Raft log
                         read-index  the leader confirms leadership with a heartbeat round
                         lease       the leader serves locally while its lease holds
                         follower    followers serve reads at a read index from the leader
                         bounded-staleness  NOT linearizable: any node serves reads from its
                                     local copy while it hears from a leader (for teaching)
  --seed N             seed of the node's random choices (RAFTKV_SEED, default random)
  -h, --help           print this help
`;

interface OptionSpec {
  readonly flag: string;
  readonly env: string;
}

const SPECS = {
  tickMs: { flag: '--tick-ms', env: 'RAFTKV_TICK_MS' },
  logLevel: { flag: '--log-level', env: 'RAFTKV_LOG_LEVEL' },
  maxLineBytes: { flag: '--max-line-bytes', env: 'RAFTKV_MAX_LINE_BYTES' },
  readMode: { flag: '--read-mode', env: 'RAFTKV_READ_MODE' },
  seed: { flag: '--seed', env: 'RAFTKV_SEED' },
} as const satisfies Record<keyof NodeOptions, OptionSpec>;

export type ParsedArgs = { readonly kind: 'help' } | { readonly kind: 'run'; readonly options: NodeOptions };

export function parseNodeOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Result<ParsedArgs, string> {
  const given = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '-h' || arg === '--help') return ok({ kind: 'help' });
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (!Object.values(SPECS).some((spec) => spec.flag === flag)) return err(`unknown option ${JSON.stringify(arg)}`);
    const value = inline ?? argv[++i];
    if (value === undefined) return err(`option ${flag} needs a value`);
    given.set(flag, value);
  }
  const raw = (spec: OptionSpec): string | undefined => given.get(spec.flag) ?? env[spec.env];

  const tickMs = integerOption(SPECS.tickMs, raw(SPECS.tickMs), 10, 1, 1_000);
  if (!tickMs.ok) return tickMs;
  const maxLineBytes = integerOption(SPECS.maxLineBytes, raw(SPECS.maxLineBytes), 1 << 20, 1_024, 1 << 28);
  if (!maxLineBytes.ok) return maxLineBytes;
  const logLevel = raw(SPECS.logLevel) ?? 'info';
  if (!isLogLevel(logLevel)) return err(`${SPECS.logLevel.flag} must be one of debug, info, warn, error; got ${JSON.stringify(logLevel)}`);

  const readMode = raw(SPECS.readMode) ?? 'read-index';
  if (!isReadMode(readMode)) return err(`${SPECS.readMode.flag} must be one of ${READ_MODES.join(', ')}; got ${JSON.stringify(readMode)}`);
  const seedText = raw(SPECS.seed);
  const seed = seedText === undefined ? ok(undefined) : integerOption(SPECS.seed, seedText, 0, 0, 0xffff_ffff);
  if (!seed.ok) return seed;

  return ok({ kind: 'run', options: { tickMs: tickMs.value, logLevel, maxLineBytes: maxLineBytes.value, readMode, seed: seed.value } });
}

function integerOption(spec: OptionSpec, text: string | undefined, fallback: number, min: number, max: number): Result<number, string> {
  if (text === undefined) return ok(fallback);
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    return err(`${spec.flag} (${spec.env}) must be an integer from ${min} to ${max}; got ${JSON.stringify(text)}`);
  }
  return ok(value);
}

function isReadMode(value: string): value is ReadMode {
  return (READ_MODES as readonly string[]).includes(value);
}
