// Options of bin/raftkv, from flags and environment variables (so a Maelstrom --bin wrapper can
// set them), validated once at start-up. A bad option stops the node with a clear message.

import { err, ok, type Result } from '../base/result.js';
import type { LogLevel } from '../server/node_app.js';
import {
  DEFAULT_KV_SERVER_OPTIONS,
  DEFAULT_TXN_BACKOFF_TICKS,
  DEFAULT_TXN_RETRIES,
  READ_MODES,
  TXN_MODES,
  type ReadMode,
  type TxnMode,
} from '../server/options.js';

interface NodeOptions {
  readonly tickMs: number;
  readonly logLevel: LogLevel;
  readonly maxLineBytes: number;
  readonly readMode: ReadMode;
  readonly txnMode: TxnMode;
  /** Seeds the node's randomness (election timeouts); random when not given. */
  readonly seed: number | undefined;
  /** Where the node keeps its WAL and snapshot (under <dir>/<node id>/); memory only when not given. */
  readonly dataDir: string | undefined;
  /** Entries applied between snapshots (each snapshot compacts the log). */
  readonly snapshotEveryEntries: number;
  /** Raft groups the node hosts, keys split between them by a hash (the same on every node). */
  readonly groupCount: number;
  /** auto: on disk when dataDir is given; memory: never on disk (measurements); disk: dataDir required. */
  readonly storage: StorageMode;
  /** Log entries behind the newest whose state snapshot reads (at_index) may still ask for. */
  readonly mvccRetentionEntries: number;
  /** Whether a txn whose check the applied state already fails is refused before it is proposed. */
  readonly txnEarlyAbort: boolean;
  /** occ and si: the longest jittered backoff before a retry, in ticks (0: none). */
  readonly txnBackoffTicks: number;
  /** occ and si: retries of a txn after its first attempt at most. */
  readonly txnRetries: number;
}

const STORAGE_MODES = ['auto', 'memory', 'disk', 'lazy'] as const;
type StorageMode = (typeof STORAGE_MODES)[number];

/** Retries stop at 2 s anyway; more than this many is a mistake. */
const MAX_TXN_RETRIES = 1_000;
/** A longer backoff than 10 s at the default tick would outlast every client's patience. */
const MAX_TXN_BACKOFF_TICKS = 1_000;

export const NODE_USAGE = `usage: raftkv [options]

A Raft-replicated, linearizable key-value node speaking Maelstrom's protocol on stdin/stdout.

options (each also read from the environment variable shown):
  --tick-ms N          timer tick in milliseconds (RAFTKV_TICK_MS, default 10)
  --log-level LEVEL    debug | info | warn | error (RAFTKV_LOG_LEVEL, default info)
  --max-line-bytes N   longest accepted input line, and so the longest line written to a
                       peer: the same on every node of a cluster (RAFTKV_MAX_LINE_BYTES,
                       default 1048576)
  --read-mode MODE     how reads stay linearizable (RAFTKV_READ_MODE, default read-index):
                         log         every read goes through the Raft log
                         read-index  the leader confirms leadership with a heartbeat round
                         lease       the leader serves locally while its lease holds
                         follower    followers serve reads at a read index from the leader
                         bounded-staleness  NOT linearizable: any node serves reads from its
                                     local copy while it hears from a leader (for teaching)
  --txn-mode MODE      how txns run (RAFTKV_TXN_MODE, default batch):
                         batch       each txn is one log entry, run at apply in log order:
                                     all or nothing, strict-serializable, never aborts
                         occ         optimistic: reads at a linearizable read point, writes
                                     committed only if no key read changed since (else error
                                     30, retried by the node): strict-serializable
                         si          snapshot isolation: reads at a snapshot, first committer
                                     wins on keys written only: NOT serializable (write skew)
                       in every mode a txn of reads only takes the read mode and never enters
                       the log
  --txn-early-abort on|off
                       refuse (error 30) a txn whose check this node's applied state already
                       fails, before it is proposed: by an occ or si node running it, and by
                       the leader in every mode (RAFTKV_TXN_EARLY_ABORT, 1 or 0 too, default
                       on); off: it is proposed and fails at apply, with the same outcome
  --txn-backoff on|off|N
                       occ and si: a retry waits a jittered backoff of up to N ticks (on: ${DEFAULT_TXN_BACKOFF_TICKS});
                       off or 0: it starts at once, at the end of the turn that saw the
                       conflict (RAFTKV_TXN_BACKOFF, default on)
  --txn-retries N      occ and si: retries of a txn after its first attempt, none started
                       later than 2 s after it arrived; 0: a conflict is answered with error
                       30 at once (RAFTKV_TXN_RETRIES, default ${DEFAULT_TXN_RETRIES}, at most ${MAX_TXN_RETRIES})
  --seed N             seed of the node's random choices (RAFTKV_SEED, default random)
  --data-dir DIR       keep the WAL and snapshots under DIR/<node id>/, fsynced before any
                       acknowledgement (RAFTKV_DATA_DIR; default: state in memory only)
  --snapshot-every N   entries applied between snapshots and log compactions
                       (RAFTKV_SNAPSHOT_EVERY, default 10000)
  --groups N           Raft groups per node, keys split between them by a hash of the key;
                       the same on every node; client sessions need 1 (RAFTKV_GROUPS, default 1)
  --storage MODE       auto (on disk when a data directory is given), memory (ignore it: for
                       measuring what durability costs), disk (a data directory is required),
                       lazy (on disk, but written bytes stay in the process until synced, like
                       Jepsen's lazyfs: a SIGKILL then loses them as a power loss would; for
                       fault tests) (RAFTKV_STORAGE, default auto)
  --mvcc-retention N   log entries behind the newest for which superseded versions are kept,
                       so a txn with "at_index" in that window is served; older ones are
                       collected (RAFTKV_MVCC_RETENTION, default 10000)
  -h, --help           print this help
`;

/** Superseded versions take memory for this many entries' writes: a window beyond it is a mistake. */
const MAX_MVCC_RETENTION_ENTRIES = 100_000_000;

/** Each group elects, ticks and replicates on its own: a few dozen per node is plenty for now. */
const MAX_GROUPS = 64;

interface OptionSpec {
  readonly flag: string;
  readonly env: string;
}

const SPECS = {
  tickMs: { flag: '--tick-ms', env: 'RAFTKV_TICK_MS' },
  logLevel: { flag: '--log-level', env: 'RAFTKV_LOG_LEVEL' },
  maxLineBytes: { flag: '--max-line-bytes', env: 'RAFTKV_MAX_LINE_BYTES' },
  readMode: { flag: '--read-mode', env: 'RAFTKV_READ_MODE' },
  txnMode: { flag: '--txn-mode', env: 'RAFTKV_TXN_MODE' },
  seed: { flag: '--seed', env: 'RAFTKV_SEED' },
  dataDir: { flag: '--data-dir', env: 'RAFTKV_DATA_DIR' },
  snapshotEveryEntries: { flag: '--snapshot-every', env: 'RAFTKV_SNAPSHOT_EVERY' },
  groupCount: { flag: '--groups', env: 'RAFTKV_GROUPS' },
  storage: { flag: '--storage', env: 'RAFTKV_STORAGE' },
  mvccRetentionEntries: { flag: '--mvcc-retention', env: 'RAFTKV_MVCC_RETENTION' },
  txnEarlyAbort: { flag: '--txn-early-abort', env: 'RAFTKV_TXN_EARLY_ABORT' },
  txnBackoffTicks: { flag: '--txn-backoff', env: 'RAFTKV_TXN_BACKOFF' },
  txnRetries: { flag: '--txn-retries', env: 'RAFTKV_TXN_RETRIES' },
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
  // Each value with where it came from, so a message about it names what the user wrote.
  const raw = (spec: OptionSpec): Given | undefined => {
    const flagValue = given.get(spec.flag);
    if (flagValue !== undefined) return { text: flagValue, source: spec.flag };
    const envValue = env[spec.env];
    return envValue === undefined ? undefined : { text: envValue, source: spec.env };
  };

  const tickMs = integerOption(raw(SPECS.tickMs), 10, 1, 1_000);
  if (!tickMs.ok) return tickMs;
  const maxLineBytes = integerOption(raw(SPECS.maxLineBytes), 1 << 20, 1_024, 1 << 28);
  if (!maxLineBytes.ok) return maxLineBytes;
  const logLevel = choiceOption(raw(SPECS.logLevel), 'info', ['debug', 'info', 'warn', 'error'] as const);
  if (!logLevel.ok) return logLevel;
  const readMode = choiceOption(raw(SPECS.readMode), 'read-index', READ_MODES);
  if (!readMode.ok) return readMode;
  const txnMode = choiceOption(raw(SPECS.txnMode), 'batch', TXN_MODES);
  if (!txnMode.ok) return txnMode;
  const seedGiven = raw(SPECS.seed);
  const seed = seedGiven === undefined ? ok(undefined) : integerOption(seedGiven, 0, 0, 0xffff_ffff);
  if (!seed.ok) return seed;
  const dataDirGiven = raw(SPECS.dataDir);
  if (dataDirGiven?.text === '') return err(`${dataDirGiven.source} must not be empty`);
  const dataDirText = dataDirGiven?.text;
  const snapshotEveryEntries = integerOption(raw(SPECS.snapshotEveryEntries), 10_000, 1, 100_000_000);
  if (!snapshotEveryEntries.ok) return snapshotEveryEntries;
  const groupCount = integerOption(raw(SPECS.groupCount), 1, 1, MAX_GROUPS);
  if (!groupCount.ok) return groupCount;
  const storageGiven = raw(SPECS.storage);
  const storage = choiceOption(storageGiven, 'auto', STORAGE_MODES);
  if (!storage.ok) return storage;
  if ((storage.value === 'disk' || storage.value === 'lazy') && dataDirGiven === undefined) {
    return err(`${(storageGiven as Given).source} ${storage.value} needs a data directory (${SPECS.dataDir.flag} or ${SPECS.dataDir.env})`);
  }
  const mvccRetentionEntries = integerOption(raw(SPECS.mvccRetentionEntries), DEFAULT_KV_SERVER_OPTIONS.mvccRetentionEntries, 0, MAX_MVCC_RETENTION_ENTRIES);
  if (!mvccRetentionEntries.ok) return mvccRetentionEntries;
  const txnEarlyAbort = switchOption(raw(SPECS.txnEarlyAbort), DEFAULT_KV_SERVER_OPTIONS.txnEarlyAbort);
  if (!txnEarlyAbort.ok) return txnEarlyAbort;
  const txnBackoffTicks = backoffOption(raw(SPECS.txnBackoffTicks));
  if (!txnBackoffTicks.ok) return txnBackoffTicks;
  const txnRetries = integerOption(raw(SPECS.txnRetries), DEFAULT_TXN_RETRIES, 0, MAX_TXN_RETRIES);
  if (!txnRetries.ok) return txnRetries;

  return ok({
    kind: 'run',
    options: {
      tickMs: tickMs.value,
      logLevel: logLevel.value,
      maxLineBytes: maxLineBytes.value,
      readMode: readMode.value,
      txnMode: txnMode.value,
      seed: seed.value,
      dataDir: storage.value === 'memory' ? undefined : dataDirText,
      snapshotEveryEntries: snapshotEveryEntries.value,
      groupCount: groupCount.value,
      storage: storage.value,
      mvccRetentionEntries: mvccRetentionEntries.value,
      txnEarlyAbort: txnEarlyAbort.value,
      txnBackoffTicks: txnBackoffTicks.value,
      txnRetries: txnRetries.value,
    },
  });
}

/** An option's text and the flag or environment variable it came from. */
interface Given {
  readonly text: string;
  readonly source: string;
}

function integerOption(given: Given | undefined, fallback: number, min: number, max: number): Result<number, string> {
  if (given === undefined) return ok(fallback);
  // Decimal digits only: Number() would read "" and " " as 0 and "0x10" as 16.
  const value = /^[0-9]+$/.test(given.text) ? Number(given.text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    return err(`${given.source} must be an integer from ${min} to ${max}; got ${JSON.stringify(given.text)}`);
  }
  return ok(value);
}

function choiceOption<T extends string>(given: Given | undefined, fallback: T, choices: readonly T[]): Result<T, string> {
  if (given === undefined) return ok(fallback);
  if (!(choices as readonly string[]).includes(given.text))
    return err(`${given.source} must be one of ${choices.join(', ')}; got ${JSON.stringify(given.text)}`);
  return ok(given.text as T);
}

/** on (the default), off, or the longest backoff in ticks (0 is off). */
function backoffOption(given: Given | undefined): Result<number, string> {
  if (given?.text === 'on') return ok(DEFAULT_TXN_BACKOFF_TICKS);
  if (given?.text === 'off') return ok(0);
  const ticks = integerOption(given, DEFAULT_TXN_BACKOFF_TICKS, 0, MAX_TXN_BACKOFF_TICKS);
  return ticks.ok
    ? ticks
    : err(`${(given as Given).source} must be on, off or a number of ticks from 0 to ${MAX_TXN_BACKOFF_TICKS}; got ${JSON.stringify((given as Given).text)}`);
}

/** on or off, or 1 or 0 (what an environment variable usually says). */
function switchOption(given: Given | undefined, fallback: boolean): Result<boolean, string> {
  if (given === undefined) return ok(fallback);
  if (given.text === 'on' || given.text === '1') return ok(true);
  if (given.text === 'off' || given.text === '0') return ok(false);
  return err(`${given.source} must be on, off, 1 or 0; got ${JSON.stringify(given.text)}`);
}
