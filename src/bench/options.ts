// Options of `raftkv-test bench`, parsed and validated once. Pure: argv in, typed BenchOptions or
// a clear message out. Every axis is a comma-separated list, the workloads too; the matrix is
// their product. The txn workloads take no read share (Elle's generator reads and writes with
// equal odds) and no ceiling (dist/local-kv.mjs serves lin-kv only); lin-kv takes no txn settings.

import { err, ok, type Result } from '../base/result.js';
import { scanFlags } from '../base/flags.js';
import { isTxnWorkload, parseTxnShape, type TxnShape, type Workload } from '../harness/options.js';

/** Client threads as `Nn` (N per node, so it scales with the cluster) or an absolute count. */
export type ClientsSpec = { readonly kind: 'per-node'; readonly multiplier: number } | { readonly kind: 'absolute'; readonly count: number };

/** What every run of a txn bench passes to the harness. */
type TxnBenchSettings = TxnShape;

export interface BenchOptions {
  /** In the order given, without repeats; each is one more axis value of the matrix. */
  readonly workloads: readonly Workload[];
  /** The settings of the txn cells; null when no txn workload is in the list. */
  readonly txn: TxnBenchSettings | null;
  readonly bin: string;
  readonly binArgs: readonly string[];
  readonly nodeCounts: readonly number[];
  readonly latenciesMs: readonly number[];
  /** The read shares of the lin-kv cells; empty when lin-kv is not in the list. */
  readonly readFractions: readonly number[];
  /** Passed to the node as `--read-mode M`; empty: no flag, the node's own default. */
  readonly readModes: readonly string[];
  /** Closed-loop client counts. */
  readonly clients: readonly ClientsSpec[];
  /** Fixed offered rates (ops/s), each driven by `rateClients` threads. */
  readonly rates: readonly number[];
  readonly rateClients: ClientsSpec;
  readonly reps: number;
  readonly timeLimitS: number;
  readonly seed: number;
  readonly ceiling: boolean;
  /** undefined: `store/bench/<timestamp>`. */
  readonly outDir: string | undefined;
  readonly docsPath: string | undefined;
  readonly title: string;
  readonly keepRuns: boolean;
  readonly dryRun: boolean;
}

const DEFAULT_BIN = 'bin/raftkv';

export const BENCH_USAGE = `usage: raftkv-test bench [-w WORKLOAD[,WORKLOAD...]] [options] [-- node arguments]

Benchmarks a node binary: runs the harness over a matrix of workloads (lin-kv by default),
cluster sizes, latencies, read shares, read modes and loads, each cell --reps times, and
reports medians (with min and max) as Markdown tables on stdout and, in --out, report.html
(plots), bench.json (every run) and bench.md. The ceiling, the same harness driving the
trivial single-node map dist/local-kv.mjs (1 node, latency 0), is measured in the same
invocation for each read share and each distinct number of closed-loop client threads among
the lin-kv cells (Nn on k nodes is N × k threads), and every closed-loop lin-kv cell is stated
as a ratio to the ceiling point with its read share and its number of client threads.
Figures are measurements on this machine, never assertions.

Workloads:
  -w, --workload LIST    lin-kv (default), txn-list-append, txn-rw-register, or several,
                         comma-separated: each is one more axis of the matrix, and the runs
                         stay rep-major, so the workloads are compared under the same drift
                         of the machine's load. A txn cell reports committed txns/s, the
                         abort rate (the share of txns refused with 30 txn-conflict), p50 and
                         p99 latency of committed txns and server messages per txn; it has
                         no read share and no ceiling, and runs without final reads. The txn
                         cells take --key-count, --max-txn-length, --max-writes-per-key,
                         --key-dist and --consistency-models as raftkv-test test does; a flag
                         for one kind of workload is accepted when the list holds one that
                         takes it, and applied to those cells only. With lin-kv and a txn
                         workload the report adds a comparison: per cluster, read mode and
                         load, the txn workload's median committed txns/s over lin-kv's
                         median answered ops/s, and the same ratio per rep (rep k of both
                         runs seed S+k, one right after the other): median, min and max;
                         e.g. -w lin-kv,txn-list-append --reads 0.5 --clients 2n,10n

Axes (comma-separated lists):
  --nodes LIST           cluster sizes (default 3,5)
  --latency LIST         mean node-to-node latency, ms (default 0,10)
  --reads LIST           probability that an op is a read (the harness's --read-fraction;
                         default 0.5,0.9; lin-kv cells only)
  --read-modes LIST      passed to the node as --read-mode M, e.g. log,read-index,lease,follower
                         (default: no flag, the node's own default)
  --clients LIST         closed-loop client threads (rate unbounded): Nn = N per node, or a
                         number; lin-kv needs multiples of 2 × node-count, so N is even
                         (default 2n,4n,10n; none: no closed-loop cells)
  --rates LIST           fixed offered rates in ops/s, each with --rate-clients threads
                         (default none)
  --rate-clients C       client threads of the fixed-rate cells (default 10n)
Presets (what npm run bench, bench:matrix and bench:saturation run):
  --preset NAME          read-modes, matrix or saturation: that preset's arguments; any
                         other argument overrides them. Results go to --out only, unless
                         --docs is given bare: then the preset's file under docs/ is rewritten
Runs:
  --bin FILE             the node binary (default bin/raftkv of this checkout); arguments
                         after -- are passed to it
  --reps N               runs per cell, reported as the median (default 3); rep k of every
                         cell uses seed S+k, so cells are compared on the same random choices
  --time-limit S         seconds of client operations per run (default 5)
  --seed S               first seed (default random; always printed)
  --no-ceiling           skip the ceiling runs (no ratios; lin-kv cells only have one)
Output:
  --out DIR              report directory (default store/bench/<time>)
  --docs FILE.md         also write the table and the reproducing command to FILE.md, and
                         the throughput plot to FILE.svg next to it (bare --docs with a
                         --preset: that preset's docs file)
  --title TEXT           heading of the report and of --docs (default "raftkv benchmark")
  --keep-runs            keep every run's harness directory under DIR/runs/ (by default
                         only invalid or unknown runs are kept)
  --dry-run              print the matrix and the estimated time, run nothing
  -h, --help             print this help
Exit status: 0 every run valid, 1 a run invalid, 2 unknown or harness error, 254 bad arguments.
`;

export type ParsedBenchArgs = { readonly kind: 'help' } | { readonly kind: 'run'; readonly options: BenchOptions };

const VALUE_FLAGS: { [flag: string]: string } = Object.fromEntries(
  [
    '--workload',
    '--key-count',
    '--max-txn-length',
    '--max-writes-per-key',
    '--key-dist',
    '--consistency-models',
    '--bin',
    '--nodes',
    '--latency',
    '--reads',
    '--read-modes',
    '--clients',
    '--rates',
    '--rate-clients',
    '--reps',
    '--time-limit',
    '--seed',
    '--out',
    '--docs',
    '--title',
  ].map((flag) => [flag, flag]),
);
VALUE_FLAGS['-w'] = '--workload';
const TXN_FLAGS = ['--key-count', '--max-txn-length', '--max-writes-per-key', '--key-dist', '--consistency-models'];
const BOOLEAN_FLAGS: ReadonlySet<string> = new Set(['--no-ceiling', '--keep-runs', '--dry-run']);

/** Bounds that keep a mistyped matrix from running for days. */
const MAX_LIST_LENGTH = 32;
const MAX_RUNS = 5_000;

/**
 * `argv` is what follows the word `bench`. `seed` supplies the seed when --seed is absent;
 * `defaultBin` the node binary when --bin is absent.
 */
export function parseBenchArgs(argv: readonly string[], seed: () => number, defaultBin: string = DEFAULT_BIN): Result<ParsedBenchArgs, string> {
  const scanned = scanFlags(argv, { values: VALUE_FLAGS, booleans: BOOLEAN_FLAGS, positional: 'refuse' });
  if (!scanned.ok) return scanned;
  if (scanned.value.kind === 'help') return ok({ kind: 'help' });
  const { values: raw, booleans, rest: binArgs } = scanned.value;
  const built = buildOptions(raw, booleans, binArgs, seed, defaultBin);
  return built.ok ? ok({ kind: 'run', options: built.value }) : built;
}

function buildOptions(
  raw: ReadonlyMap<string, string>,
  booleans: ReadonlySet<string>,
  binArgs: readonly string[],
  seed: () => number,
  defaultBin: string,
): Result<BenchOptions, string> {
  // In the order given; a repeat is dropped.
  const workloads = parseList(raw, '--workload', 'lin-kv', workloadName);
  if (!workloads.ok) return workloads;
  const hasLinKv = workloads.value.includes('lin-kv');
  const txn = parseTxnSettings(workloads.value, raw);
  if (!txn.ok) return txn;
  const bin = raw.get('--bin') ?? defaultBin;
  if (bin === '') return err('--bin needs a file');
  const nodeCounts = parseList(raw, '--nodes', '3,5', integerIn(1, 100, 'a node count from 1 to 100'));
  if (!nodeCounts.ok) return nodeCounts;
  const latenciesMs = parseList(raw, '--latency', '0,10', integerIn(0, 60_000, 'a latency in ms from 0 to 60000'));
  if (!latenciesMs.ok) return latenciesMs;
  if (!hasLinKv && raw.has('--reads')) {
    return err(`--reads is for lin-kv only: ${workloads.value.join(' and ')}'s micro-ops read or write with equal odds, as Elle's generator's`);
  }
  const readFractions = hasLinKv ? parseList(raw, '--reads', '0.5,0.9', fraction) : ok([]);
  if (!readFractions.ok) return readFractions;
  const readModes = parseList(raw, '--read-modes', '', readMode, { emptyAllowed: true });
  if (!readModes.ok) return readModes;
  const clients = parseList(raw, '--clients', '2n,4n,10n', clientsSpec, { emptyAllowed: true });
  if (!clients.ok) return clients;
  const rates = parseList(raw, '--rates', '', positiveRate, { emptyAllowed: true });
  if (!rates.ok) return rates;
  const rateClients = clientsSpec(raw.get('--rate-clients') ?? '10n');
  if (!rateClients.ok) return err(`--rate-clients: ${rateClients.error}`);
  if (clients.value.length === 0 && rates.value.length === 0) return err('nothing to run: give --clients or --rates (or both)');
  // Every workload runs every load, so lin-kv's grouping rule binds them all when it is in the list.
  for (const spec of hasLinKv ? [...clients.value, ...(rates.value.length > 0 ? [rateClients.value] : [])] : []) {
    const problem = clientsProblem(spec, nodeCounts.value);
    if (problem !== undefined) return err(problem);
  }
  const reps = integerFlag(raw, '--reps', 3, 1, 1000);
  if (!reps.ok) return reps;
  const timeLimitText = raw.get('--time-limit') ?? '5';
  const timeLimitS = Number(timeLimitText);
  if (timeLimitText.trim() === '' || !Number.isFinite(timeLimitS) || timeLimitS <= 0 || timeLimitS > 3600) {
    return err(`--time-limit must be a positive number of seconds up to 3600; got ${JSON.stringify(timeLimitText)}`);
  }
  const seedValue = raw.has('--seed') ? integerFlag(raw, '--seed', 0, 0, 0xffff_ffff) : ok(seed() >>> 0);
  if (!seedValue.ok) return seedValue;
  for (const flag of ['--out', '--docs']) if (raw.get(flag) === '') return err(`${flag} needs a path`);
  const docsPath = raw.get('--docs');
  if (docsPath !== undefined && !docsPath.endsWith('.md')) return err(`--docs must name a .md file; got ${JSON.stringify(docsPath)}`);

  const options: BenchOptions = {
    workloads: workloads.value,
    txn: txn.value,
    bin,
    binArgs,
    nodeCounts: nodeCounts.value,
    latenciesMs: latenciesMs.value,
    readFractions: readFractions.value,
    readModes: readModes.value,
    clients: clients.value,
    rates: rates.value,
    rateClients: rateClients.value,
    reps: reps.value,
    timeLimitS,
    seed: seedValue.value,
    // The ceiling node serves lin-kv only: it is measured for the lin-kv cells, if any.
    ceiling: hasLinKv && !booleans.has('--no-ceiling'),
    outDir: raw.get('--out'),
    docsPath,
    title: raw.get('--title') ?? 'raftkv benchmark',
    keepRuns: booleans.has('--keep-runs'),
    dryRun: booleans.has('--dry-run'),
  };
  const runs = countRuns(options);
  if (runs > MAX_RUNS) return err(`the matrix has ${runs} runs; at most ${MAX_RUNS} are allowed: shorten a list or lower --reps`);
  return ok(options);
}

const WORKLOAD_NAMES: readonly Workload[] = ['lin-kv', 'txn-list-append', 'txn-rw-register'];

function workloadName(text: string): Result<Workload, string> {
  const workload = WORKLOAD_NAMES.find((name) => name === text);
  return workload === undefined ? err(`expected lin-kv, txn-list-append or txn-rw-register; got ${JSON.stringify(text)}`) : ok(workload);
}

/** The txn cells' settings: defaults filled in, or null when only lin-kv runs (which takes none of the flags). */
function parseTxnSettings(workloads: readonly Workload[], raw: ReadonlyMap<string, string>): Result<TxnBenchSettings | null, string> {
  if (!workloads.some(isTxnWorkload)) {
    const given = TXN_FLAGS.find((flag) => raw.has(flag));
    return given === undefined ? ok(null) : err(`${given} applies to the txn workloads (txn-list-append, txn-rw-register) only, not to lin-kv`);
  }
  return parseTxnShape((flag) => raw.get(flag));
}

/** The read shares of one workload's cells: lin-kv's, or a single cell without any for a txn workload. */
export function readSharesOf(options: Pick<BenchOptions, 'readFractions'>, workload: Workload): readonly (number | null)[] {
  return isTxnWorkload(workload) ? [null] : options.readFractions;
}

/** Runs of a whole invocation: every cell and every ceiling point, --reps times each. */
export function countRuns(options: BenchOptions): number {
  const readSharesOfAll = options.workloads.reduce((sum, workload) => sum + readSharesOf(options, workload).length, 0);
  const cells =
    options.nodeCounts.length *
    options.latenciesMs.length *
    readSharesOfAll *
    Math.max(1, options.readModes.length) *
    (options.clients.length + options.rates.length);
  const ceiling = options.ceiling ? options.readFractions.length * closedLoopThreadCounts(options).length : 0;
  return (cells + ceiling) * options.reps;
}

/**
 * The distinct client thread counts of the closed-loop cells (every node count × every --clients
 * spec), ascending: the ceiling is measured once per read share at each of them.
 */
export function closedLoopThreadCounts(options: Pick<BenchOptions, 'nodeCounts' | 'clients'>): number[] {
  const counts = new Set<number>();
  for (const nodeCount of options.nodeCounts) for (const clients of options.clients) counts.add(clientThreads(clients, nodeCount));
  return [...counts].sort((a, b) => a - b);
}

export function formatClients(spec: ClientsSpec): string {
  return spec.kind === 'per-node' ? `${spec.multiplier}n` : String(spec.count);
}

export function clientThreads(spec: ClientsSpec, nodeCount: number): number {
  return spec.kind === 'per-node' ? spec.multiplier * nodeCount : spec.count;
}

/** lin-kv runs one key per group of 2 × node-count threads, so counts must split into groups. */
function clientsProblem(spec: ClientsSpec, nodeCounts: readonly number[]): string | undefined {
  if (spec.kind === 'per-node') {
    if (spec.multiplier % 2 !== 0) {
      return `--clients ${formatClients(spec)}: lin-kv runs client threads in groups of 2 × node-count, so Nn needs an even N (2n, 4n, 10n, ...)`;
    }
    return undefined;
  }
  for (const nodes of nodeCounts) {
    if (spec.count % (2 * nodes) !== 0) {
      return `--clients ${spec.count}: lin-kv runs client threads in groups of 2 × node-count; ${spec.count} is not a multiple of ${2 * nodes} (${nodes} nodes). Use Nn with an even N`;
    }
  }
  return undefined;
}

type ItemParser<T> = (text: string) => Result<T, string>;

function parseList<T>(
  raw: ReadonlyMap<string, string>,
  flag: string,
  fallback: string,
  item: ItemParser<T>,
  how: { readonly emptyAllowed?: boolean } = {},
): Result<T[], string> {
  const text = (raw.get(flag) ?? fallback).trim();
  if (text === '' || text === 'none') {
    if (how.emptyAllowed === true) return ok([]);
    return err(`${flag} needs at least one value`);
  }
  const parts = text.split(',').map((part) => part.trim());
  if (parts.length > MAX_LIST_LENGTH) return err(`${flag} takes at most ${MAX_LIST_LENGTH} values; got ${parts.length}`);
  const values: T[] = [];
  const seen = new Set<string>();
  for (const part of parts) {
    if (part === '') return err(`${flag} has an empty item in ${JSON.stringify(text)}`);
    const parsed = item(part);
    if (!parsed.ok) return err(`${flag}: ${parsed.error}`);
    // Duplicates would only repeat cells under the same name.
    const key = JSON.stringify(parsed.value);
    if (!seen.has(key)) values.push(parsed.value);
    seen.add(key);
  }
  return ok(values);
}

function integerIn(min: number, max: number, what: string): ItemParser<number> {
  return (text) => {
    const value = Number(text);
    return Number.isSafeInteger(value) && value >= min && value <= max ? ok(value) : err(`expected ${what}; got ${JSON.stringify(text)}`);
  };
}

function fraction(text: string): Result<number, string> {
  const value = Number(text);
  return Number.isFinite(value) && value >= 0 && value <= 1 ? ok(value) : err(`expected a fraction from 0 to 1; got ${JSON.stringify(text)}`);
}

function positiveRate(text: string): Result<number, string> {
  const value = Number(text);
  return Number.isFinite(value) && value > 0 && value <= 10_000_000 ? ok(value) : err(`expected a rate in ops/s above 0; got ${JSON.stringify(text)}`);
}

function readMode(text: string): Result<string, string> {
  // The mode becomes a node argument: keep it a plain word so it cannot smuggle in other flags.
  return /^[a-z][a-z0-9-]*$/.test(text) ? ok(text) : err(`expected a read mode name such as read-index; got ${JSON.stringify(text)}`);
}

function clientsSpec(text: string): Result<ClientsSpec, string> {
  const match = /^(\d+)(n?)$/.exec(text.trim());
  if (match === null) return err(`expected a client count, a number or Nn (N per node); got ${JSON.stringify(text)}`);
  const value = Number(match[1]);
  if (!Number.isSafeInteger(value) || value < 1 || value > 10_000) return err(`expected from 1 to 10000 client threads; got ${JSON.stringify(text)}`);
  return ok(match[2] === 'n' ? { kind: 'per-node', multiplier: value } : { kind: 'absolute', count: value });
}

function integerFlag(raw: ReadonlyMap<string, string>, flag: string, fallback: number, min: number, max: number): Result<number, string> {
  const text = raw.get(flag);
  if (text === undefined) return ok(fallback);
  const value = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(value) || value < min || value > max) {
    return err(`${flag} must be an integer from ${min} to ${max}; got ${JSON.stringify(text)}`);
  }
  return ok(value);
}
