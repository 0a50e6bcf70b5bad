// Options of `raftkv-test test`, named and defaulted as Maelstrom's (`maelstrom test`), parsed
// and validated once. Pure: argv in, a typed TestOptions or a clear message out. Arguments that
// are not options (and everything after `--`) are passed to the node binary, as Maelstrom does.

import { err, ok, type Result } from '../base/result.js';
import { scanFlags } from '../base/flags.js';
import { CONSISTENCY_MODELS, type ConsistencyModel } from '../check/txn/types.js';
import { checkLinKvConcurrency } from './lin_kv.js';
import { NEMESIS_GROUPS, NEMESIS_KINDS, type NemesisKind } from './nemesis_actions.js';
import { DEFAULT_RECOVERY_TIMEOUT_S } from './recovery.js';
import { LATENCY_DISTS, type LatencyDist } from './network.js';
import { KEY_DISTS, TXN_DEFAULTS, type KeyDist } from './txn.js';

const SUPPORTED_WORKLOADS = ['lin-kv', 'txn-list-append', 'txn-rw-register'] as const;
export type Workload = (typeof SUPPORTED_WORKLOADS)[number];
const MAELSTROM_WORKLOADS = ['broadcast', 'echo', 'g-counter', 'g-set', 'kafka', 'lin-kv', 'pn-counter', 'txn-list-append', 'txn-rw-register', 'unique-ids'];

export interface TestOptions {
  readonly workload: Workload;
  /** The node binary as given; relative paths are resolved against the harness's cwd. */
  readonly bin: string;
  readonly binArgs: readonly string[];
  readonly nodeCount: number;
  readonly timeLimitS: number;
  /** Total client operations per second across all threads; 0: no client operations. */
  readonly rate: number;
  /** Worker threads (already multiplied out when given as `Nn`). */
  readonly concurrency: number;
  readonly latencyMs: number;
  readonly latencyDist: LatencyDist;
  readonly nemesis: readonly NemesisKind[];
  readonly nemesisIntervalS: number;
  /** Fraction of ok operations required, `total` (1), or undefined: availability always valid. */
  readonly availability: number | 'total' | undefined;
  readonly seed: number;
  /** Where results go; undefined: `<storeRoot>/lin-kv/<timestamp>` with a `latest` symlink. */
  readonly outDir: string | undefined;
  readonly storeRoot: string;
  /** Parent of the run's node data directory; undefined: `<outDir>/data`. */
  readonly dataDirRoot: string | undefined;
  readonly logStderr: boolean;
  /**
   * raftkv's extension: each client opens a session on its node and retries indeterminate
   * writes and cas with the same session and sequence number; the node runs each once.
   */
  readonly clientSessions: boolean;
  /** Wall-clock budget of the linearizability check; undefined: none. */
  readonly checkTimeLimitS: number | undefined;
  /** Runs of the test (each with the next seed); the command stops at the first one not valid. */
  readonly testCount: number;
  /** Seconds between progress lines on stderr; 0: none. */
  readonly progressIntervalS: number;
  /** raftkv's extension: probability that an op is a read; undefined: Maelstrom's fixed roles. */
  readonly readFraction: number | undefined;
  // The txn workloads' (Maelstrom's and Elle's names and defaults); lin-kv takes none of them.
  /** Active key slots. */
  readonly keyCount: number;
  readonly maxTxnLength: number;
  readonly maxWritesPerKey: number;
  /** How a micro-op picks its key slot (raftkv's extension: Maelstrom always uses exponential). */
  readonly keyDist: KeyDist;
  /** The models the history is checked against, each with its own verdict; empty for lin-kv. */
  readonly consistencyModels: readonly ConsistencyModel[];
  /** After healing, read every key ever written (txn workloads; default on). */
  readonly finalReads: boolean;
  /** After healing, every node must serve each operation type within this many seconds; 0: not checked. */
  readonly recoveryTimeoutS: number;
  /** Swarm runs: what each run draws from its seed; null: every run as given. */
  readonly swarm: SwarmSettings | null;
  /** Fresh clients read and write at every node for a while whenever the traffic shows a new node leading or campaigning (op_bursts.ts). */
  readonly bursts: boolean;
}

/** What a swarm run draws from its seed: the nemesis mix from the pool, and each of the others unless given. */
export interface SwarmSettings {
  readonly nemesisPool: readonly NemesisKind[];
  readonly drawRate: boolean;
  readonly drawLatency: boolean;
  readonly drawInterval: boolean;
}

/** Whether the workload is one of the transactional ones. */
export function isTxnWorkload(workload: Workload): workload is 'txn-list-append' | 'txn-rw-register' {
  return workload !== 'lin-kv';
}

const DEFAULT_TEST_OPTIONS: Omit<TestOptions, 'bin' | 'seed' | 'concurrency' | 'consistencyModels' | 'finalReads' | 'swarm' | 'bursts'> & {
  readonly concurrency: string;
} = {
  workload: 'lin-kv',
  binArgs: [],
  nodeCount: 5,
  timeLimitS: 60,
  rate: 5,
  concurrency: '1n',
  latencyMs: 0,
  latencyDist: 'constant',
  nemesis: [],
  nemesisIntervalS: 10,
  availability: undefined,
  outDir: undefined,
  storeRoot: 'store',
  dataDirRoot: undefined,
  logStderr: false,
  clientSessions: false,
  checkTimeLimitS: undefined,
  testCount: 1,
  progressIntervalS: 5,
  readFraction: undefined,
  recoveryTimeoutS: DEFAULT_RECOVERY_TIMEOUT_S,
  ...TXN_DEFAULTS,
};

export type ParsedTestArgs = { readonly kind: 'help' } | { readonly kind: 'run'; readonly options: TestOptions };

/** `--concurrency`: a positive integer, or `Nn` meaning N × node-count. */
export function parseConcurrency(text: string, nodeCount: number): Result<number, string> {
  const match = /^(\d+)(n?)$/.exec(text.trim());
  if (match === null) return err(`--concurrency must be a number or Nn (N × node-count), e.g. 2n; got ${JSON.stringify(text)}`);
  const count = Number(match[1]) * (match[2] === 'n' ? nodeCount : 1);
  if (!Number.isSafeInteger(count) || count < 1 || count > 10_000)
    return err(`--concurrency must be from 1 to 10000 threads; got ${JSON.stringify(text)} = ${count}`);
  return ok(count);
}

/** A random seed when none is given (the only randomness that does not come from a seed). */
export function randomSeed(): number {
  return Math.floor(Math.random() * 0x1_0000_0000) >>> 0;
}

interface Raw {
  [flag: string]: string | undefined;
}

const VALUE_FLAGS: { readonly [flag: string]: string } = {
  '-w': '--workload',
  '--workload': '--workload',
  '--bin': '--bin',
  '--node-count': '--node-count',
  '--time-limit': '--time-limit',
  '--rate': '--rate',
  '--concurrency': '--concurrency',
  '--latency': '--latency',
  '--latency-dist': '--latency-dist',
  '--nemesis': '--nemesis',
  '--nemesis-interval': '--nemesis-interval',
  '--availability': '--availability',
  '--seed': '--seed',
  '--out': '--out',
  '--store': '--store',
  '--data-dir-root': '--data-dir-root',
  '--check-time-limit': '--check-time-limit',
  '--test-count': '--test-count',
  '--progress-interval': '--progress-interval',
  '--read-fraction': '--read-fraction',
  '--key-count': '--key-count',
  '--max-txn-length': '--max-txn-length',
  '--max-writes-per-key': '--max-writes-per-key',
  '--key-dist': '--key-dist',
  '--consistency-models': '--consistency-models',
  '--recovery-timeout': '--recovery-timeout',
};
const BOOLEAN_FLAGS: ReadonlySet<string> = new Set(['--log-stderr', '--client-sessions', '--final-reads', '--no-final-reads', '--swarm', '--bursts']);
/** Flags that only the txn workloads take. */
const TXN_FLAGS = ['--key-count', '--max-txn-length', '--max-writes-per-key', '--key-dist'];

/** `argv` is what follows the word `test`. `seed` supplies the seed when --seed is absent. */
export function parseTestArgs(argv: readonly string[], seed: () => number = randomSeed): Result<ParsedTestArgs, string> {
  const scanned = scanFlags(argv, { values: VALUE_FLAGS, booleans: BOOLEAN_FLAGS, positional: 'pass-through' });
  if (!scanned.ok) return scanned;
  if (scanned.value.kind === 'help') return ok({ kind: 'help' });
  const { values, booleans, rest } = scanned.value;
  const built = buildOptions(Object.fromEntries(values), booleans, rest, seed);
  if (!built.ok) return built;
  return ok({ kind: 'run', options: built.value });
}

function buildOptions(raw: Raw, booleans: ReadonlySet<string>, binArgs: readonly string[], seed: () => number): Result<TestOptions, string> {
  const d = DEFAULT_TEST_OPTIONS;
  const workloadName = raw['--workload'] ?? d.workload;
  if (!(SUPPORTED_WORKLOADS as readonly string[]).includes(workloadName)) {
    const workload = workloadName;
    return err(
      MAELSTROM_WORKLOADS.includes(workload)
        ? `workload ${JSON.stringify(workload)} is a Maelstrom workload this harness does not run yet; supported: ${SUPPORTED_WORKLOADS.join(', ')}`
        : `unknown workload ${JSON.stringify(workload)}; supported: ${SUPPORTED_WORKLOADS.join(', ')}`,
    );
  }
  const bin = raw['--bin'];
  if (bin === undefined || bin === '') return err('--bin FILE is required: the node binary to test');

  const nodeCount = integer(raw, '--node-count', d.nodeCount, 1, 100);
  if (!nodeCount.ok) return nodeCount;
  const timeLimitS = number(raw, '--time-limit', d.timeLimitS, (v) => v > 0 && v <= 7 * 24 * 3600, 'a positive number of seconds');
  if (!timeLimitS.ok) return timeLimitS;
  const rate = number(raw, '--rate', d.rate, (v) => v >= 0, 'a number of operations per second, 0 or more');
  if (!rate.ok) return rate;
  const concurrency = parseConcurrency(raw['--concurrency'] ?? d.concurrency, nodeCount.value);
  if (!concurrency.ok) return concurrency;
  const workload = workloadName as Workload;
  const txn = isTxnWorkload(workload);
  const concurrencyProblem = txn ? undefined : checkLinKvConcurrency(nodeCount.value, concurrency.value);
  if (concurrencyProblem !== undefined) return err(concurrencyProblem);
  const latencyMs = integer(raw, '--latency', d.latencyMs, 0, 600_000);
  if (!latencyMs.ok) return latencyMs;
  const latencyDist = raw['--latency-dist'] ?? d.latencyDist;
  if (!(LATENCY_DISTS as readonly string[]).includes(latencyDist)) {
    return err(`--latency-dist must be one of ${LATENCY_DISTS.join(', ')}; got ${JSON.stringify(latencyDist)}`);
  }
  if (latencyDist === 'exponential' && latencyMs.value === 0) {
    return err('--latency-dist exponential needs a mean latency above 0: give --latency MS (Maelstrom divides by zero here)');
  }
  const nemesis = parseNemesis(raw['--nemesis']);
  if (!nemesis.ok) return nemesis;
  const nemesisIntervalS = number(raw, '--nemesis-interval', d.nemesisIntervalS, (v) => v > 0, 'a positive number of seconds');
  if (!nemesisIntervalS.ok) return nemesisIntervalS;
  let availability: number | 'total' | undefined;
  const availabilityText = raw['--availability'];
  if (availabilityText !== undefined) {
    if (availabilityText === 'total') availability = 'total';
    else {
      const value = Number(availabilityText);
      if (availabilityText.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
        return err(`--availability must be total or a fraction from 0 to 1; got ${JSON.stringify(availabilityText)}`);
      }
      availability = value;
    }
  }
  const seedValue = raw['--seed'] === undefined ? ok(seed()) : integer(raw, '--seed', 0, 0, 0xffff_ffff);
  if (!seedValue.ok) return seedValue;
  const checkTimeLimitText = raw['--check-time-limit'];
  let checkTimeLimitS: number | undefined;
  if (checkTimeLimitText !== undefined) {
    const value = number(raw, '--check-time-limit', 0, (v) => v > 0, 'a positive number of seconds');
    if (!value.ok) return value;
    checkTimeLimitS = value.value;
  }
  const testCount = integer(raw, '--test-count', d.testCount, 1, 100_000);
  if (!testCount.ok) return testCount;
  const progressIntervalS = number(raw, '--progress-interval', d.progressIntervalS, (v) => v >= 0, 'a number of seconds, 0 or more');
  if (!progressIntervalS.ok) return progressIntervalS;
  let readFraction: number | undefined;
  if (raw['--read-fraction'] !== undefined) {
    const value = number(raw, '--read-fraction', 0, (v) => v >= 0 && v <= 1, 'a fraction from 0 to 1');
    if (!value.ok) return value;
    readFraction = value.value;
  }
  for (const flag of ['--out', '--store', '--data-dir-root']) {
    if (raw[flag] === '') return err(`${flag} needs a directory`);
  }
  const txnSettings = parseTxnSettings(workload, raw, booleans, { readFraction, clientSessions: booleans.has('--client-sessions') });
  if (!txnSettings.ok) return txnSettings;
  const recoveryTimeoutS = number(raw, '--recovery-timeout', d.recoveryTimeoutS, (v) => v >= 0 && v <= 3600, 'a number of seconds from 0 (no check) to 3600');
  if (!recoveryTimeoutS.ok) return recoveryTimeoutS;
  const swarm: SwarmSettings | null = booleans.has('--swarm')
    ? {
        nemesisPool: nemesis.value.length > 0 ? nemesis.value : NEMESIS_KINDS,
        drawRate: raw['--rate'] === undefined,
        drawLatency: raw['--latency'] === undefined && raw['--latency-dist'] === undefined,
        drawInterval: raw['--nemesis-interval'] === undefined,
      }
    : null;

  return ok({
    workload,
    bin,
    binArgs,
    nodeCount: nodeCount.value,
    timeLimitS: timeLimitS.value,
    rate: rate.value,
    concurrency: concurrency.value,
    latencyMs: latencyMs.value,
    latencyDist: latencyDist as LatencyDist,
    nemesis: nemesis.value,
    nemesisIntervalS: nemesisIntervalS.value,
    availability,
    seed: seedValue.value,
    outDir: raw['--out'],
    storeRoot: raw['--store'] ?? d.storeRoot,
    dataDirRoot: raw['--data-dir-root'],
    logStderr: booleans.has('--log-stderr'),
    clientSessions: booleans.has('--client-sessions'),
    checkTimeLimitS,
    testCount: testCount.value,
    progressIntervalS: progressIntervalS.value,
    readFraction,
    ...txnSettings.value,
    recoveryTimeoutS: recoveryTimeoutS.value,
    swarm,
    bursts: booleans.has('--bursts'),
  });
}

type TxnSettings = Pick<TestOptions, 'keyCount' | 'maxTxnLength' | 'maxWritesPerKey' | 'keyDist' | 'consistencyModels' | 'finalReads'>;

/**
 * The txn workloads' settings, and what does not fit the workload: lin-kv takes no txn flag and
 * only "linearizable" as its model; a txn workload takes neither --read-fraction (Elle's
 * generator reads and writes with equal odds) nor --client-sessions (below).
 */
function parseTxnSettings(
  workload: Workload,
  raw: Raw,
  booleans: ReadonlySet<string>,
  given: { readonly readFraction: number | undefined; readonly clientSessions: boolean },
): Result<TxnSettings, string> {
  const d = DEFAULT_TEST_OPTIONS;
  if (booleans.has('--final-reads') && booleans.has('--no-final-reads')) return err('--final-reads and --no-final-reads contradict each other: give one');
  if (!isTxnWorkload(workload)) {
    const txnFlag = TXN_FLAGS.find((flag) => raw[flag] !== undefined) ?? ['--final-reads', '--no-final-reads'].find((flag) => booleans.has(flag));
    if (txnFlag !== undefined) return err(`${txnFlag} applies to the txn workloads (txn-list-append, txn-rw-register) only, not to ${workload}`);
    const models = raw['--consistency-models'];
    if (models !== undefined && splitModels(models).some((name) => name !== 'linearizable')) {
      return err(
        `${workload} is checked for linearizability only: --consistency-models takes only "linearizable" there; got ${JSON.stringify(models)} ` +
          `(${CONSISTENCY_MODELS.join(', ')} are for txn-list-append and txn-rw-register)`,
      );
    }
    return ok({
      keyCount: d.keyCount,
      maxTxnLength: d.maxTxnLength,
      maxWritesPerKey: d.maxWritesPerKey,
      keyDist: d.keyDist,
      consistencyModels: [],
      finalReads: false,
    });
  }
  if (given.readFraction !== undefined) {
    return err(`--read-fraction applies to lin-kv only: ${workload}'s micro-ops read or write with equal odds, as Elle's generator's`);
  }
  if (given.clientSessions) {
    // Sessions would need the node to run a txn at most once per (session, seq), which raftkv's
    // sessions do not cover yet; opening sessions that nothing uses would only cost round trips.
    return err(
      `--client-sessions is for lin-kv only: raftkv's sessions do not cover txns yet, and a txn is never sent twice (no txn is idempotent to Maelstrom's client); run ${workload} without it`,
    );
  }
  const shape = parseTxnShape((flag) => raw[flag]);
  if (!shape.ok) return shape;
  return ok({ ...shape.value, finalReads: !booleans.has('--no-final-reads') });
}

/** What a txn workload's generator and checker are given: the harness's and the bench's flags alike. */
export type TxnShape = Pick<TestOptions, 'keyCount' | 'maxTxnLength' | 'maxWritesPerKey' | 'keyDist' | 'consistencyModels'>;

/** The txn shape flags, read through `flag` (each command line keeps its raw flags its own way). */
export function parseTxnShape(flag: (name: string) => string | undefined): Result<TxnShape, string> {
  const integer = (name: string, fallback: number, max: number): Result<number, string> => {
    const text = flag(name);
    if (text === undefined) return ok(fallback);
    const value = Number(text);
    if (text.trim() === '' || !Number.isSafeInteger(value) || value < 1 || value > max) {
      return err(`${name} must be an integer from 1 to ${max}; got ${JSON.stringify(text)}`);
    }
    return ok(value);
  };
  const keyCount = integer('--key-count', TXN_DEFAULTS.keyCount, 10_000);
  if (!keyCount.ok) return keyCount;
  const maxTxnLength = integer('--max-txn-length', TXN_DEFAULTS.maxTxnLength, 10_000);
  if (!maxTxnLength.ok) return maxTxnLength;
  const maxWritesPerKey = integer('--max-writes-per-key', TXN_DEFAULTS.maxWritesPerKey, 1_000_000);
  if (!maxWritesPerKey.ok) return maxWritesPerKey;
  const keyDist = flag('--key-dist') ?? TXN_DEFAULTS.keyDist;
  if (!(KEY_DISTS as readonly string[]).includes(keyDist)) return err(`--key-dist must be one of ${KEY_DISTS.join(', ')}; got ${JSON.stringify(keyDist)}`);
  const models = parseConsistencyModels(flag('--consistency-models'));
  if (!models.ok) return models;
  return ok({
    keyCount: keyCount.value,
    maxTxnLength: maxTxnLength.value,
    maxWritesPerKey: maxWritesPerKey.value,
    keyDist: keyDist as KeyDist,
    consistencyModels: models.value,
  });
}

/** Model names split on commas and whitespace (Maelstrom's own split needs spaces around the comma). */
function splitModels(text: string): string[] {
  return text.split(/[\s,]+/).filter((name) => name !== '');
}

/** `--consistency-models`: Maelstrom's names, several allowed; default strict-serializable. */
function parseConsistencyModels(text: string | undefined): Result<ConsistencyModel[], string> {
  if (text === undefined) return ok(['strict-serializable']);
  const names = splitModels(text);
  if (names.length === 0) return err(`--consistency-models needs at least one of ${CONSISTENCY_MODELS.join(', ')}`);
  const models: ConsistencyModel[] = [];
  for (const name of names) {
    if (!(CONSISTENCY_MODELS as readonly string[]).includes(name)) {
      return err(
        `--consistency-models: unknown model ${JSON.stringify(name)}; the models are ${CONSISTENCY_MODELS.join(', ')} (comma-separated, several allowed)`,
      );
    }
    if (!models.includes(name as ConsistencyModel)) models.push(name as ConsistencyModel);
  }
  return ok(models);
}

/** `--nemesis`: kinds and groups of kinds (targeted, all), comma-separated; none or empty for none. */
function parseNemesis(text: string | undefined): Result<NemesisKind[], string> {
  if (text === undefined || text.trim() === '' || text.trim() === 'none') return ok([]);
  const kinds: NemesisKind[] = [];
  for (const part of text.split(',')) {
    const name = part.trim();
    const group = Object.hasOwn(NEMESIS_GROUPS, name) ? NEMESIS_GROUPS[name] : undefined;
    if (group === undefined && !(NEMESIS_KINDS as readonly string[]).includes(name)) {
      return err(
        `--nemesis takes a comma-separated list of ${NEMESIS_KINDS.join(', ')}, or ${Object.keys(NEMESIS_GROUPS).join(', ')} (or none); got ${JSON.stringify(name)}`,
      );
    }
    for (const kind of group ?? [name as NemesisKind]) if (!kinds.includes(kind)) kinds.push(kind);
  }
  return ok(kinds);
}

/**
 * Options for programmatic use: defaults filled in, then validated exactly like the CLI's.
 * `concurrency` may be a number or an `Nn` string.
 */
export function makeTestOptions(
  given: Partial<Omit<TestOptions, 'concurrency'>> & { readonly bin: string; readonly concurrency?: number | string },
): Result<TestOptions, string> {
  const merged = { ...DEFAULT_TEST_OPTIONS, seed: randomSeed(), ...given };
  const txn = isTxnWorkload(merged.workload);
  const raw: Raw = {
    '--workload': merged.workload,
    '--bin': merged.bin,
    '--node-count': String(merged.nodeCount),
    '--time-limit': String(merged.timeLimitS),
    '--rate': String(merged.rate),
    '--concurrency': String(merged.concurrency),
    '--latency': String(merged.latencyMs),
    '--latency-dist': merged.latencyDist,
    '--nemesis': merged.nemesis.join(','),
    '--nemesis-interval': String(merged.nemesisIntervalS),
    '--availability': merged.availability === undefined ? undefined : String(merged.availability),
    '--seed': String(merged.seed),
    '--out': merged.outDir,
    '--store': merged.storeRoot,
    '--data-dir-root': merged.dataDirRoot,
    '--check-time-limit': merged.checkTimeLimitS === undefined ? undefined : String(merged.checkTimeLimitS),
    '--test-count': String(merged.testCount),
    '--progress-interval': String(merged.progressIntervalS),
    '--read-fraction': merged.readFraction === undefined ? undefined : String(merged.readFraction),
    // The txn flags only where they apply (lin-kv refuses them), or when given explicitly.
    '--key-count': txn || given.keyCount !== undefined ? String(merged.keyCount) : undefined,
    '--max-txn-length': txn || given.maxTxnLength !== undefined ? String(merged.maxTxnLength) : undefined,
    '--max-writes-per-key': txn || given.maxWritesPerKey !== undefined ? String(merged.maxWritesPerKey) : undefined,
    '--key-dist': txn || given.keyDist !== undefined ? merged.keyDist : undefined,
    '--consistency-models': given.consistencyModels === undefined ? undefined : given.consistencyModels.join(','),
    '--recovery-timeout': String(merged.recoveryTimeoutS),
  };
  const flags = [
    ...(merged.logStderr ? ['--log-stderr'] : []),
    ...(merged.clientSessions ? ['--client-sessions'] : []),
    ...(given.finalReads === undefined ? [] : [given.finalReads ? '--final-reads' : '--no-final-reads']),
    ...(given.bursts === true ? ['--bursts'] : []),
  ];
  const built = buildOptions(raw, new Set(flags), merged.binArgs, () => merged.seed);
  if (!built.ok) return built;
  return ok({ ...built.value, swarm: given.swarm ?? null });
}

function integer(raw: Raw, flag: string, fallback: number, min: number, max: number): Result<number, string> {
  const text = raw[flag];
  if (text === undefined) return ok(fallback);
  const value = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(value) || value < min || value > max) {
    return err(`${flag} must be an integer from ${min} to ${max}; got ${JSON.stringify(text)}`);
  }
  return ok(value);
}

function number(raw: Raw, flag: string, fallback: number, valid: (value: number) => boolean, what: string): Result<number, string> {
  const text = raw[flag];
  if (text === undefined) return ok(fallback);
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || !valid(value)) return err(`${flag} must be ${what}; got ${JSON.stringify(text)}`);
  return ok(value);
}

/** One line describing a test's parameters, for the summary and the console. */
export function describeOptions(options: TestOptions): string {
  const nemesis = options.nemesis.length === 0 ? 'no nemesis' : `nemesis ${options.nemesis.join(',')} every ~${options.nemesisIntervalS} s`;
  const txn = isTxnWorkload(options.workload)
    ? `, ${options.consistencyModels.join(',')}, ${options.keyCount} keys ${options.keyDist}, txns of 1-${options.maxTxnLength}, ` +
      `${options.maxWritesPerKey} writes per key${options.finalReads ? ', final reads' : ''}`
    : '';
  return (
    `${options.workload}: ${options.nodeCount} node${options.nodeCount === 1 ? '' : 's'}, ${options.timeLimitS} s, rate ${options.rate}/s, ` +
    `concurrency ${options.concurrency}, latency ${options.latencyMs} ms ${options.latencyDist}, ${nemesis}${txn}, seed ${options.seed}`
  );
}
