// Options of `raftkv-test test`, named and defaulted as Maelstrom's (`maelstrom test`), parsed
// and validated once. Pure: argv in, a typed TestOptions or a clear message out. Arguments that
// are not options (and everything after `--`) are passed to the node binary, as Maelstrom does.

import { err, ok, type Result } from '../base/result.js';
import { scanFlags } from '../base/flags.js';
import { checkLinKvConcurrency } from './lin_kv.js';
import { NEMESIS_KINDS, type NemesisKind } from './nemesis.js';
import { LATENCY_DISTS, type LatencyDist } from './network.js';

const SUPPORTED_WORKLOADS = ['lin-kv'] as const;
type Workload = (typeof SUPPORTED_WORKLOADS)[number];
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
}

const DEFAULT_TEST_OPTIONS: Omit<TestOptions, 'bin' | 'seed' | 'concurrency'> & { readonly concurrency: string } = {
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
};

export const TEST_USAGE = `usage: raftkv-test test -w lin-kv --bin FILE [options] [-- node arguments]

Runs a Maelstrom node binary as a cluster under a simulated network, drives it with Maelstrom's
lin-kv clients, injects faults, records the history and checks it for linearizability.
Options (names and defaults as Maelstrom's):
  -w, --workload NAME        lin-kv (the only workload supported so far)
  --bin FILE                 the node binary (required); a .js/.mjs file that is not executable
                             is run with this Node.js. Extra arguments are passed to it.
  --node-count N             nodes n0 .. n(N-1) (default 5)
  --time-limit S             seconds of client operations (default 60)
  --rate R                   total operations per second across clients (default 5; 0: none)
  --concurrency C            client threads, a number or Nn = N × node-count (default 1n;
                             lin-kv needs a multiple of 2n)
  --latency MS               mean node-to-node latency in ms (default 0)
  --latency-dist D           constant | uniform | exponential (default constant)
  --nemesis LIST             comma-separated faults: partition, kill, pause (default none)
  --nemesis-interval S       mean seconds between nemesis steps (default 10)
  --availability X           total, or the fraction of ops that must succeed (default: not checked)
  --seed N                   seed of every random choice (default random; always printed).
                             The same seed repeats: each client thread's operations and
                             values, in order; the nemesis schedule (when each step is due,
                             kinds, target nodes, partition shapes); each node's RAFTKV_SEED
                             (one per node and restart). It cannot repeat what timing decides:
                             process scheduling, message delivery order (so which message
                             gets which latency draw), which thread runs next and when, which
                             operations time out, and so the process numbers and at which
                             operation a group moves to its next key
  --out DIR                  results directory (default store/lin-kv/<time>); store/latest links
                             to it by default and when DIR lies inside the store
  --data-dir-root DIR        parent of the run's node data directory (default <out>/data);
                             nodes get it as RAFTKV_DATA_DIR, so a restarted node finds its files
  --log-stderr               copy node stderr to this console (always in <out>/node-logs/)
  --check-time-limit S       wall-clock budget of the linearizability check (default none)
  --test-count N             run the test N times (seeds seed, seed+1, ...), stop at the first run
                             that is not valid; a last line tallies the verdicts
  --progress-interval S      seconds between progress lines on stderr (default 5; 0: none)
  --client-sessions          (not Maelstrom's) clients open a raftkv session and retry
                             indeterminate writes and cas with the same sequence number
  --read-fraction F          (not Maelstrom's) every client reads with probability F, else
                             writes or cas-es 1:2; default: Maelstrom's fixed half readers
  -h, --help                 print this help
Exit status: 0 valid, 1 invalid, 2 unknown or harness error, 254 bad arguments.
`;

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
};
const BOOLEAN_FLAGS: ReadonlySet<string> = new Set(['--log-stderr', '--client-sessions']);

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
  const workload = raw['--workload'] ?? d.workload;
  if (workload !== 'lin-kv') {
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
  const concurrencyProblem = checkLinKvConcurrency(nodeCount.value, concurrency.value);
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

  return ok({
    workload: 'lin-kv',
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
  });
}

function parseNemesis(text: string | undefined): Result<NemesisKind[], string> {
  if (text === undefined || text.trim() === '' || text.trim() === 'none') return ok([]);
  const kinds: NemesisKind[] = [];
  for (const part of text.split(',')) {
    const name = part.trim();
    if (!(NEMESIS_KINDS as readonly string[]).includes(name)) {
      return err(`--nemesis takes a comma-separated list of ${NEMESIS_KINDS.join(', ')} (or none); got ${JSON.stringify(name)}`);
    }
    if (!kinds.includes(name as NemesisKind)) kinds.push(name as NemesisKind);
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
  };
  const flags = [...(merged.logStderr ? ['--log-stderr'] : []), ...(merged.clientSessions ? ['--client-sessions'] : [])];
  return buildOptions(raw, new Set(flags), merged.binArgs, () => merged.seed);
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
  return (
    `${options.workload}: ${options.nodeCount} node${options.nodeCount === 1 ? '' : 's'}, ${options.timeLimitS} s, rate ${options.rate}/s, ` +
    `concurrency ${options.concurrency}, latency ${options.latencyMs} ms ${options.latencyDist}, ${nemesis}, seed ${options.seed}`
  );
}
