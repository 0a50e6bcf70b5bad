// Runs one Maelstrom-style test: spawns the nodes, sends init, drives the workload's clients
// through the simulated network while the nemesis injects faults, then heals, waits for the
// operations in flight (and, in the txn workloads, reads every key written: the final reads),
// stops every process (SIGKILL, as Maelstrom), checks the history and writes the results. The impure composition root of the harness: the decisions (the client model, network
// queues, partitions, nemesis steps) live in pure modules and are fed the clock from here.
// A node that exits before its first init_ok failed to start: a harness error (the run is
// unknown), reported with the node's own error line, never a crash of the system under test.
// Every incarnation of every node gets its own seed, derived from --seed, in RAFTKV_SEED.
// Invariants: every process started is killed before runTest returns or throws; at most one
// operation per client thread is in flight; every invoke gets exactly one completion, except
// when the run is interrupted (then the checker treats the open ones as indeterminate).

import {
  accessSync,
  closeSync,
  constants,
  createWriteStream,
  existsSync,
  fstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
  type WriteStream,
} from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { JsonObject, JsonValue } from '../base/json.js';
import { Rng } from '../base/rng.js';
import { formatHistoryLine } from '../check/history.js';
import { ClientModel, HistoryRecorder, type ClientOp, type ClientWorkload, type CompletedOp } from './client_model.js';
import { abbreviate, validateNodeLine } from './envelope.js';
import { FINAL_READS_TIME_LIMIT_MS, FinalReads, type FinalReadBatch, type FinalReadSummary } from './final_reads.js';
import { renderLatencyPlot } from './latency_plot.js';
import { LinKvWorkload, threadRngs } from './lin_kv.js';
import { actionOutcomeValue, actionValue, NemesisPlanner, type NemesisAction, type NemesisKind } from './nemesis.js';
import { SimNetwork, type Delivery } from './network.js';
import { isTxnWorkload, type TestOptions } from './options.js';
import { NodeProcess, type ExitInfo, type ProcessRecord } from './processes.js';
import {
  buildResults,
  computeStats,
  exitCodeFor,
  EXPLANATIONS_FILE,
  explanationsText,
  formatSummary,
  functionsOf,
  type BadLine,
  type Crash,
  type FaultInterval,
  type OpRecord,
  type ResultsDocument,
  type RunFacts,
  type Stats,
  type Validity,
} from './results.js';
import { deriveNodeSeed, NODE_SEED_ENV } from './seeds.js';
import { describeStartupFailures, type StartupFailure } from './startup.js';
import { readTxn, TxnClientWorkload } from './txn.js';
import { checkWorkload, type WorkloadVerdict } from './verdict.js';

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

export interface TestResult {
  readonly valid: Validity;
  /** 0 valid, 1 invalid, 2 unknown or harness error. */
  readonly exitCode: 0 | 1 | 2;
  readonly seed: number;
  readonly outDir: string;
  readonly dataDir: string;
  readonly results: ResultsDocument;
  readonly summary: string;
  readonly stats: Stats;
  readonly okOpsPerSecond: number;
  readonly workload: WorkloadVerdict;
  /** Every node process started, with its pid and how it ended. */
  readonly processes: readonly ProcessRecord[];
  readonly historyPath: string;
  readonly resultsPath: string;
}

/** Maelstrom's message when init goes unanswered. */
export function initTimeoutMessage(node: string): string {
  return `Expected node ${node} to respond to an init message, but node did not respond.`;
}

const INIT_TIMEOUT_MS = 10_000;
/** Maelstrom's client timeout for the txn workloads (its default RPC timeout). */
const TXN_CLIENT_TIMEOUT_MS = 5000;
const TIMEOUT_SWEEP_MS = 10;
const MAX_LINE_CHARS = 16 * 1024 * 1024;
/** Bytes of a node's stderr read to explain a failed start or a crash. */
const LOG_EXCERPT_BYTES = 64 * 1024;
const SERVICES = ['lin-kv', 'seq-kv', 'lww-kv', 'lin-tso'];

interface Payload {
  /** The message as a JSON line without `id` and without the newline. */
  readonly text: string;
  /** The parsed body when we have it (saves a parse for client and service deliveries). */
  readonly body: JsonObject | null;
}

interface NodeSlot {
  readonly id: string;
  readonly index: number;
  proc: NodeProcess | null;
  /** Starts so far: the next start is incarnation `starts`. */
  starts: number;
  /** True from the first start until init_ok: an exit then is a failed start, not a crash. */
  startingUp: boolean;
  /** Size of the node's log file when its current incarnation started. */
  logOffset: number;
  /** Why the current incarnation could not be started at all, if so. */
  spawnError: string | null;
  /** True from a nemesis kill (or teardown) until the process is restarted. */
  expectingExit: boolean;
  down: boolean;
  paused: boolean;
  crashed: boolean;
  muted: boolean;
}

type InitWaiter = (body: JsonObject) => void;

/** Why a node did not answer init with init_ok; `exit` when its process ended first. */
interface InitProblem {
  readonly node: string;
  readonly message: string;
  readonly exit?: StartupFailure['exit'];
}

export interface ResolvedCommand {
  readonly command: string;
  readonly args: readonly string[];
}

/**
 * `--bin` as Maelstrom takes it: a file, resolved to its canonical path. A .js/.mjs/.cjs file
 * that is not executable is run with this Node.js, for convenience.
 */
export function resolveBin(bin: string, binArgs: readonly string[], cwd = process.cwd()): ResolvedCommand | string {
  const path = resolve(cwd, bin);
  if (!existsSync(path)) return `--bin ${bin}: no such file (${path})`;
  let canonical: string;
  try {
    canonical = realpathSync(path);
    if (!statSync(canonical).isFile()) return `--bin ${bin}: not a file`;
  } catch (error) {
    return `--bin ${bin}: ${(error as Error).message}`;
  }
  try {
    accessSync(canonical, constants.X_OK);
    return { command: canonical, args: binArgs };
  } catch {
    if (/\.(mjs|cjs|js)$/.test(canonical)) return { command: process.execPath, args: [canonical, ...binArgs] };
    return `--bin ${bin} is not executable: make it executable (chmod +x) with a shebang line, as Maelstrom runs it directly`;
  }
}

/** Maelstrom-style directory name: 20250102T030405.678+0100 (local time). */
export function timestampName(date: Date): string {
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  return (
    `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}T${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}` +
    `.${pad(date.getMilliseconds(), 3)}${sign}${pad(Math.floor(Math.abs(offset) / 60))}${pad(Math.abs(offset) % 60)}`
  );
}

function replaceSymlink(target: string, linkPath: string): void {
  try {
    unlinkSync(linkPath);
  } catch {
    // No previous link.
  }
  try {
    symlinkSync(target, linkPath);
  } catch {
    // Symlinks are a convenience; a file system without them loses only that.
  }
}

/**
 * Creates the output directory, and the store's `latest` links when it is the default one.
 * With `linkLatestForOut`, an explicit directory inside the store root also becomes
 * `<store>/latest` (so `check store/latest/history.jsonl` follows `--out store/demo`).
 */
export function prepareOutDir(options: TestOptions, now: Date, linkLatestForOut = false): string {
  if (options.outDir !== undefined) {
    const outDir = resolve(options.outDir);
    mkdirSync(outDir, { recursive: true });
    if (linkLatestForOut) linkStoreLatest(resolve(options.storeRoot), outDir);
    return outDir;
  }
  const store = resolve(options.storeRoot);
  const workloadDir = join(store, options.workload);
  mkdirSync(workloadDir, { recursive: true });
  let name = timestampName(now);
  for (let attempt = 1; existsSync(join(workloadDir, name)); attempt++) name = `${timestampName(now)}-${attempt}`;
  const outDir = join(workloadDir, name);
  mkdirSync(outDir);
  replaceSymlink(name, join(workloadDir, 'latest'));
  replaceSymlink(relative(store, outDir), join(store, 'latest'));
  return outDir;
}

/** Points `<store>/latest` at `outDir` when `outDir` lies strictly inside the store root. */
function linkStoreLatest(store: string, outDir: string): void {
  let inside: string;
  try {
    // Real paths: `--out store/latest` (the link itself) must not become a link to itself.
    inside = relative(realpathSync(store), realpathSync(outDir));
  } catch {
    return;
  }
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) return;
  replaceSymlink(inside, join(store, 'latest'));
}

/** The run's data directory: fresh, so a new run never finds an old run's files. */
function prepareDataDir(options: TestOptions, outDir: string): string {
  if (options.dataDirRoot !== undefined) {
    const root = resolve(options.dataDirRoot);
    mkdirSync(root, { recursive: true });
    return mkdtempSync(join(root, `raftkv-data-${basename(outDir)}-`));
  }
  const dataDir = join(outDir, 'data');
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir);
  return dataDir;
}

/** At most `maxBytes` of a file from `offset`, or from its end when `fromEnd`; '' if unreadable. */
function readLogExcerpt(path: string, offset: number, maxBytes: number, fromEnd: boolean): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    const start = fromEnd ? Math.max(offset, size - maxBytes) : offset;
    const length = Math.max(0, Math.min(maxBytes, size - start));
    const buffer = Buffer.alloc(length);
    const read = readSync(fd, buffer, 0, length, start);
    return buffer.subarray(0, read).toString('utf8');
  } catch {
    return '';
  } finally {
    closeSync(fd);
  }
}

function logTail(path: string, lines: number): string {
  const text = readLogExcerpt(path, 0, LOG_EXCERPT_BYTES, true);
  if (text === '' && !existsSync(path)) return '(no log)';
  return text
    .split('\n')
    .slice(-lines - 1)
    .join('\n')
    .trimEnd();
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export async function runTest(options: TestOptions, hooks: RunHooks = {}): Promise<TestResult> {
  const run = new TestRun(options, hooks);
  return run.execute();
}

class TestRun {
  private readonly log: (line: string) => void;
  private readonly progress: (line: string) => void;
  private readonly nodeIds: string[];
  private readonly slots = new Map<string, NodeSlot>();
  private readonly initWaiters = new Map<string, InitWaiter>();
  private readonly freeThreads: number[] = [];
  /** When each thread last became free (test ms): an op cannot be scheduled before that. */
  private readonly freeSinceMs: number[] = [];
  private readonly network: SimNetwork<Payload>;
  /** The client threads: ops, sessions, timeouts and the history (the pure model, fed the clock here). */
  private readonly clients: ClientModel<ClientOp>;
  /** The txn workload's clients (for the keys written), or null under lin-kv. */
  private readonly txnWorkload: TxnClientWorkload | null;
  /** The final reads while they run (txn workloads), and which thread runs which batch. */
  private finalReads: FinalReads | null = null;
  private finalReadSummary: FinalReadSummary | null = null;
  private readonly finalBatchOf = new Map<number, FinalReadBatch>();
  private finalTimer: NodeJS.Timeout | null = null;
  private finalTimerAt = Infinity;
  private finalWaiter: (() => void) | null = null;
  private readonly planner: NemesisPlanner;
  private readonly clientRng: Rng;
  private command: ResolvedCommand = { command: '', args: [] };
  private outDir = '';
  private dataDir = '';
  private logsDir = '';
  private startedAt = new Date();

  // Clock: performance.now() milliseconds; test time 0 is the start of the operation phase.
  private t0 = performance.now();
  private opPhaseEndMs: number | null = null;

  private clientCounter = 0;
  private generating = false;
  private nextOpAtMs = 0;
  private dispatchTimer: NodeJS.Timeout | null = null;
  private netTimer: NodeJS.Timeout | null = null;
  private netTimerAt = Infinity;
  private flushScheduled = false;
  private sweepTimer: NodeJS.Timeout | null = null;
  private progressTimer: NodeJS.Timeout | null = null;
  private drainWaiter: (() => void) | null = null;

  private readonly history: HistoryRecorder;
  private historyStream: WriteStream | null = null;
  private historyBuffer: string[] = [];
  private readonly ops: OpRecord[] = [];
  private readonly faults: FaultInterval[] = [];
  private readonly openFaults = new Map<NemesisKind, FaultInterval>();
  private readonly faultCounts: { [f: string]: number } = {};
  private restarts = 0;
  private readonly badLines: BadLine[] = [];
  private spoofedSrc = 0;
  private readonly nodeProblems: string[] = [];
  private readonly crashes: Crash[] = [];
  /** Nodes whose first start ended before init_ok: each with its log offset, read at the end. */
  private readonly failedStarts: { readonly slot: NodeSlot; readonly exit: StartupFailure['exit']; readonly logOffset: number }[] = [];
  private readonly harnessErrors: string[] = [];
  private readonly processes: ProcessRecord[] = [];
  private aborted = false;
  private nemesisSleep: { timer: NodeJS.Timeout; wake: () => void } | null = null;
  private lastProgressOk = 0;
  private okCount = 0;
  private readonly abortListeners = new Set<() => void>();

  constructor(
    private readonly options: TestOptions,
    private readonly hooks: RunHooks,
  ) {
    this.log = hooks.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.progress = hooks.progress ?? ((line) => process.stderr.write(`${line}\n`));
    this.nodeIds = Array.from({ length: options.nodeCount }, (_, i) => `n${i}`);
    const master = new Rng(options.seed);
    this.clientRng = master.fork();
    const nemesisRng = master.fork();
    const networkRng = master.fork();
    this.network = new SimNetwork<Payload>({ latencyMs: options.latencyMs, latencyDist: options.latencyDist, rng: networkRng }, (delivery) =>
      this.onDelivery(delivery),
    );
    this.history = new HistoryRecorder(1e6, (event) => {
      this.historyBuffer.push(`${formatHistoryLine(event)}\n`);
      this.scheduleFlush();
    });
    // One stream per client thread: a thread's ops do not depend on when the others run.
    const generatorRng = threadRngs(this.clientRng.fork(), options.concurrency);
    let workload: ClientWorkload<ClientOp>;
    if (isTxnWorkload(options.workload)) {
      this.txnWorkload = new TxnClientWorkload(
        {
          workload: options.workload,
          nodeCount: options.nodeCount,
          concurrency: options.concurrency,
          keyCount: options.keyCount,
          maxTxnLength: options.maxTxnLength,
          maxWritesPerKey: options.maxWritesPerKey,
          keyDist: options.keyDist,
        },
        generatorRng,
      );
      workload = this.txnWorkload;
    } else {
      this.txnWorkload = null;
      workload = new LinKvWorkload({ nodeCount: options.nodeCount, concurrency: options.concurrency, readFraction: options.readFraction }, generatorRng);
    }
    this.clients = new ClientModel(
      workload,
      {
        nodeIds: this.nodeIds,
        // Maelstrom's client timeouts: lin-kv max(10 × mean latency, 1 s); txn its default 5 s.
        timeout: this.txnWorkload === null ? Math.max(10 * options.latencyMs, 1000) : TXN_CLIENT_TIMEOUT_MS,
        sessions: options.clientSessions,
        // Setup's init clients are c1..cN; the workers come next.
        firstClientNumber: options.nodeCount + 1,
        history: this.history,
      },
      {
        send: (clientId, nodeId, body) => this.send(clientId, nodeId, { text: `{"src":"${clientId}","dest":"${nodeId}","body":${body}}`, body: null }),
        completed: (op) => this.completed(op),
        threadFree: (thread, now) => this.threadFree(thread, now),
        malformed: (nodeId, reason, count) => {
          if (count === 1) this.log(`raftkv-test: MALFORMED RESPONSE from ${nodeId}: ${abbreviate(reason)}`);
        },
      },
    );
    this.planner = new NemesisPlanner(options.nemesis, this.nodeIds, options.nemesisIntervalS * 1000, nemesisRng);
  }

  private nowMs(): number {
    return performance.now() - this.t0;
  }

  async execute(): Promise<TestResult> {
    const resolved = resolveBin(this.options.bin, this.options.binArgs);
    if (typeof resolved === 'string') throw new Error(resolved);
    this.command = resolved;
    this.startedAt = new Date();
    this.outDir = prepareOutDir(this.options, this.startedAt, this.hooks.linkLatestForOut === true);
    this.dataDir = prepareDataDir(this.options, this.outDir);
    this.logsDir = join(this.outDir, 'node-logs');
    mkdirSync(this.logsDir, { recursive: true });
    this.historyStream = createWriteStream(join(this.outDir, 'history.jsonl'));
    this.historyStream.on('error', (error) => this.harnessErrors.push(`cannot write history.jsonl: ${error.message}`));
    const onAbort = (): void => this.abort();
    this.hooks.signal?.addEventListener('abort', onAbort, { once: true });
    if (this.hooks.signal?.aborted === true) this.abort();
    this.log(`raftkv-test: seed ${this.options.seed}; results in ${this.outDir}`);
    try {
      await this.runPhases();
    } catch (error) {
      this.harnessErrors.push(`harness error: ${(error as Error).stack ?? String(error)}`);
      this.log(`raftkv-test: harness error: ${(error as Error).message}`);
    } finally {
      this.hooks.signal?.removeEventListener('abort', onAbort);
      this.stopTimers();
      await this.teardown();
    }
    return this.finish();
  }

  private async runPhases(): Promise<void> {
    this.setUpEndpoints();
    for (const id of this.nodeIds) this.spawn(this.slots.get(id) as NodeSlot);
    // Setup's init clients are c1..cN (registered with the workers, before any init is sent).
    const initProblems = (await Promise.all(this.nodeIds.map((id, i) => this.initNode(id, `c${i + 1}`)))).filter((p): p is InitProblem => p !== null);
    if (initProblems.length > 0) {
      for (const problem of initProblems) {
        const slot = this.slots.get(problem.node) as NodeSlot;
        if (problem.exit !== undefined) this.failedStarts.push({ slot, exit: problem.exit, logOffset: slot.logOffset });
        else this.harnessErrors.push(problem.message);
      }
      this.log(`raftkv-test: setup failed: ${initProblems.map((problem) => problem.message).join('; ')}`);
      return;
    }
    if (this.aborted) return;

    this.t0 = performance.now();
    this.generating = true;
    this.startTimers();
    const opPhase = this.sleepUnlessAborted(this.options.timeLimitS * 1000);
    this.abortListeners.add(() => this.nemesisSleep?.wake());
    if (this.options.rate > 0) {
      this.nextOpAtMs = this.staggerMs();
      this.dispatch();
    }
    const nemesisLoop = this.planner.enabled ? this.nemesisLoop() : Promise.resolve();
    await opPhase;
    this.generating = false;
    this.opPhaseEndMs = this.nowMs();
    if (this.dispatchTimer !== null) clearTimeout(this.dispatchTimer);
    this.dispatchTimer = null;
    this.nemesisSleep?.wake();
    await nemesisLoop;
    if (!this.aborted) {
      for (const action of this.planner.healAll()) await this.perform(action);
      await this.waitForInflight();
    }
    if (!this.aborted && this.txnWorkload !== null && this.options.finalReads) await this.runFinalReads(this.txnWorkload);
  }

  // ---------------------------------------------------------------- final reads

  /**
   * Reads every key ever written, after healing and once nothing is in flight; skipped when no
   * txn committed (nothing it read could be checked against). Bounded: attempts per batch, and
   * FINAL_READS_TIME_LIMIT_MS for starting them (those in flight then finish or time out).
   */
  private async runFinalReads(workload: TxnClientWorkload): Promise<void> {
    const keys = workload.generator.keysWritten();
    if (keys.length === 0 || this.okCount === 0) {
      this.log(`raftkv-test: final reads skipped: ${keys.length === 0 ? 'no key was written' : 'no txn committed'}`);
      return;
    }
    const plan = new FinalReads(keys, this.options.maxTxnLength);
    this.finalReads = plan;
    this.log(`raftkv-test: final reads of ${keys.length} key${keys.length === 1 ? '' : 's'}`);
    const done = new Promise<void>((resolveDone) => (this.finalWaiter = resolveDone));
    const budget = setTimeout(() => {
      plan.stop();
      this.checkFinalReadsDone();
    }, FINAL_READS_TIME_LIMIT_MS);
    this.dispatchFinalReads();
    this.checkFinalReadsDone();
    await this.untilAborted(done);
    clearTimeout(budget);
    if (this.finalTimer !== null) clearTimeout(this.finalTimer);
    this.finalTimer = null;
    this.finalTimerAt = Infinity;
    this.finalWaiter = null;
    this.finalReadSummary = plan.summary();
    this.finalReads = null;
    const summary = this.finalReadSummary;
    this.log(
      `raftkv-test: final reads: ${summary.keysRead} of ${summary.keys} keys read in ${summary.attempts} txn${summary.attempts === 1 ? '' : 's'}` +
        (summary.keysUnread.length > 0 ? `; ${summary.keysUnread.length} not read` : ''),
    );
  }

  /** Hands due final-read batches to free threads, preferring another node for each retry. */
  private dispatchFinalReads(): void {
    const plan = this.finalReads;
    if (plan === null || this.aborted) return;
    const now = this.nowMs();
    while (this.freeThreads.length > 0) {
      const batch = plan.take(now);
      if (batch === undefined) break;
      const preferred = this.nodeIds[(batch.id + batch.attempts - 1) % this.nodeIds.length];
      const found = this.freeThreads.findIndex((thread) => this.clients.nodeOf(thread) === preferred);
      const index = found === -1 ? 0 : found;
      const thread = this.freeThreads[index] as number;
      this.freeThreads.splice(index, 1);
      this.finalBatchOf.set(thread, batch);
      this.clients.startOp(thread, now, { op: readTxn(batch.keys) });
    }
    // A retry waits out its pause; a timer wakes the dispatch when the earliest one is due.
    const readyAt = plan.nextReadyAt();
    if (readyAt === undefined || this.freeThreads.length === 0 || readyAt >= this.finalTimerAt) return;
    if (this.finalTimer !== null) clearTimeout(this.finalTimer);
    this.finalTimerAt = readyAt;
    this.finalTimer = setTimeout(
      () => {
        this.finalTimer = null;
        this.finalTimerAt = Infinity;
        this.dispatchFinalReads();
      },
      Math.max(0, readyAt - now),
    );
  }

  private checkFinalReadsDone(): void {
    if (this.finalReads?.finished === true && this.clients.inflight === 0) this.finalWaiter?.();
  }

  private setUpEndpoints(): void {
    for (const id of this.nodeIds) {
      this.network.register(id, 'node');
      this.slots.set(id, {
        id,
        index: this.slots.size,
        proc: null,
        starts: 0,
        startingUp: true,
        logOffset: 0,
        spawnError: null,
        expectingExit: false,
        down: false,
        paused: false,
        crashed: false,
        muted: false,
      });
    }
    for (const service of SERVICES) this.network.register(service, 'service');
    // One counter names every client: the init clients first, then the workers (c<N+1>...),
    // then the init clients of restarts.
    this.clientCounter = this.nodeIds.length + this.options.concurrency;
    for (let thread = 0; thread < this.options.concurrency; thread++) {
      this.network.register(this.clients.clientIdOf(thread), 'client');
      this.freeThreads.push(thread);
      this.freeSinceMs.push(0);
    }
    for (let i = 1; i <= this.nodeIds.length; i++) this.network.register(`c${i}`, 'client');
  }

  // ---------------------------------------------------------------- processes

  private spawn(slot: NodeSlot): void {
    const options = this.options;
    const startedAtMs = this.nowMs();
    const incarnation = slot.starts++;
    const seed = deriveNodeSeed(options.seed, slot.index, incarnation);
    const logPath = join(this.logsDir, `${slot.id}.log`);
    slot.logOffset = fileSize(logPath);
    let record: ProcessRecord | null = null;
    const proc: NodeProcess = new NodeProcess({
      id: slot.id,
      command: this.command.command,
      args: this.command.args,
      env: { ...process.env, RAFTKV_DATA_DIR: this.dataDir, [NODE_SEED_ENV]: String(seed) },
      logPath,
      ...(options.logStderr ? { echoStderr: (text: string) => this.echoStderr(slot.id, text) } : {}),
      maxLineChars: MAX_LINE_CHARS,
      onLine: (line) => this.onNodeLine(slot, proc, line),
      onOversizedLine: (chars) => this.badLine(slot, `a stdout line of ${chars} characters (limit ${MAX_LINE_CHARS})`, '(not kept)'),
      onExit: (info) => {
        if (record !== null) {
          record.exitedAtMs = this.nowMs();
          record.exit = info;
        }
        this.onNodeExit(slot, proc, info);
      },
      onSpawnError: (error) => {
        // Nothing of the node ran: the harness could not do what the test asked (initNode,
        // waiting for init_ok, reports it).
        slot.spawnError = `${this.command.command}: ${error.message}`;
        this.log(`raftkv-test: ${slot.id}: cannot start ${slot.spawnError}`);
      },
    });
    record = { node: slot.id, incarnation, seed, pid: proc.pid, startedAtMs, exitedAtMs: null, exit: null };
    this.processes.push(record);
    slot.proc = proc;
    slot.spawnError = null;
    slot.expectingExit = false;
    slot.down = false;
    slot.paused = false;
    slot.muted = false;
    this.network.setDown(slot.id, false);
  }

  private echoStderr(node: string, text: string): void {
    for (const line of text.split('\n')) if (line.length > 0) process.stderr.write(`${node}: ${line}\n`);
  }

  private onNodeExit(slot: NodeSlot, proc: NodeProcess, info: ExitInfo): void {
    if (slot.proc !== proc) return;
    this.network.setDown(slot.id, true);
    slot.down = true;
    // Before its first init_ok the node is not yet under test: initNode reports a failed start.
    if (slot.expectingExit || slot.startingUp) return;
    slot.crashed = true;
    const atMs = this.nowMs();
    this.crashes.push({ node: slot.id, code: info.code, signal: info.signal, atMs, logTail: '' });
    this.log(
      `raftkv-test: NODE CRASHED: ${slot.id} exited on its own (code ${info.code ?? '-'}, signal ${info.signal ?? '-'}) ` +
        `at ${(atMs / 1000).toFixed(2)} s; see ${join(this.logsDir, `${slot.id}.log`)}`,
    );
  }

  private async killNode(slot: NodeSlot): Promise<void> {
    const proc = slot.proc;
    slot.expectingExit = true;
    slot.paused = false;
    slot.down = true;
    this.network.setDown(slot.id, true);
    if (proc === null || !proc.alive) return;
    await proc.kill();
  }

  private async teardown(): Promise<void> {
    const waits: Promise<unknown>[] = [];
    for (const slot of this.slots.values()) {
      slot.expectingExit = true;
      const proc = slot.proc;
      if (proc?.alive) waits.push(proc.kill());
    }
    // Then every process's stderr pipe is drained too, so the logs read afterwards are whole.
    const closed = (async (): Promise<void> => {
      await Promise.all(waits);
      await Promise.all([...this.slots.values()].map((slot) => slot.proc?.closed));
    })();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise<void>((resolveWait) => (timer = setTimeout(resolveWait, 10_000)))]);
    clearTimeout(timer);
    this.flushHistory();
    const stream = this.historyStream;
    if (stream !== null) await new Promise<void>((resolveEnd) => stream.end(() => resolveEnd()));
  }

  // ---------------------------------------------------------------- init

  /** Sends init from a fresh client and waits for init_ok; returns what went wrong, or null. */
  private async initNode(id: string, clientId = `c${++this.clientCounter}`): Promise<InitProblem | null> {
    const slot = this.slots.get(id) as NodeSlot;
    const proc = slot.proc;
    if (proc === null) return { node: id, message: `${id} was not started` };
    this.network.register(clientId, 'client');
    let timer: NodeJS.Timeout | undefined;
    const reply = new Promise<JsonObject | 'timeout' | 'exited'>((resolveReply) => {
      this.initWaiters.set(clientId, (body) => {
        // At once, not when this function resumes: an exit right after init_ok is a crash.
        if (body['type'] === 'init_ok') slot.startingUp = false;
        resolveReply(body);
      });
      timer = setTimeout(() => resolveReply('timeout'), this.hooks.initTimeoutMs ?? INIT_TIMEOUT_MS);
      void proc.exited.then(() => resolveReply('exited'));
    });
    const body = { type: 'init', msg_id: 1, node_id: id, node_ids: this.nodeIds };
    this.send(clientId, id, { text: JSON.stringify({ src: clientId, dest: id, body }), body: null });
    const outcome = (await this.untilAborted(reply)) ?? 'aborted';
    clearTimeout(timer);
    this.initWaiters.delete(clientId);
    if (outcome === 'aborted') return { node: id, message: `${id}: init interrupted` };
    if (outcome === 'timeout') return { node: id, message: initTimeoutMessage(id) };
    if (outcome === 'exited') {
      if (slot.spawnError !== null) return { node: id, message: `${id} could not be started: ${slot.spawnError}`, exit: { spawnError: slot.spawnError } };
      const exit = { code: proc.exit?.code ?? null, signal: proc.exit?.signal ?? null };
      return { node: id, message: `${id} exited before answering init (code ${exit.code ?? '-'}, signal ${exit.signal ?? '-'})`, exit };
    }
    if (outcome['type'] !== 'init_ok') return { node: id, message: `${id} answered init with ${abbreviate(JSON.stringify(outcome))} instead of init_ok` };
    return null;
  }

  // ---------------------------------------------------------------- network plumbing

  private send(src: string, dest: string, payload: Payload): void {
    this.network.send(src, dest, payload, performance.now());
    this.armNetTimer();
    this.scheduleFlush();
  }

  private onDelivery(delivery: Delivery<Payload>): void {
    const kind = this.network.kindOf(delivery.dest);
    if (kind === 'node') {
      const proc = this.slots.get(delivery.dest)?.proc;
      if (proc?.alive) {
        proc.write(`{"id":${delivery.id},${delivery.payload.text.slice(1)}\n`);
        this.scheduleFlush();
      }
      return;
    }
    const body = delivery.payload.body ?? (JSON.parse(delivery.payload.text) as { body: JsonObject }).body;
    if (kind === 'client') this.onClientMessage(delivery.dest, body);
    else this.onServiceMessage(delivery.dest, delivery.src, body);
  }

  private armNetTimer(): void {
    const deadline = this.network.nextDeadline();
    if (deadline === undefined || deadline >= this.netTimerAt) return;
    if (this.netTimer !== null) clearTimeout(this.netTimer);
    this.netTimerAt = deadline;
    this.netTimer = setTimeout(
      () => {
        this.netTimer = null;
        this.netTimerAt = Infinity;
        this.network.deliverDue(performance.now());
        this.armNetTimer();
        this.scheduleFlush();
      },
      Math.max(0, deadline - performance.now()),
    );
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flushAll());
  }

  private flushAll(): void {
    this.flushScheduled = false;
    for (const slot of this.slots.values()) slot.proc?.flush();
    this.flushHistory();
  }

  private flushHistory(): void {
    if (this.historyBuffer.length === 0 || this.historyStream === null) return;
    this.historyStream.write(this.historyBuffer.join(''));
    this.historyBuffer = [];
  }

  private onNodeLine(slot: NodeSlot, proc: NodeProcess, line: string): void {
    if (slot.proc !== proc || slot.muted) return;
    const checked = validateNodeLine(line, (id) => this.network.isKnown(id));
    if (!checked.ok) {
      this.badLine(slot, checked.reason, line);
      return;
    }
    if (checked.src !== slot.id) this.spoofedSrc++;
    const text = checked.hasId ? JSON.stringify({ src: checked.src, dest: checked.dest, body: checked.body }) : line.trim();
    this.send(checked.src, checked.dest, { text, body: checked.body });
  }

  /** Maelstrom stops reading a node's stdout after a bad line; so do we, loudly. */
  private badLine(slot: NodeSlot, reason: string, line: string): void {
    if (slot.muted) return;
    slot.muted = true;
    slot.proc?.muteStdout();
    const bad: BadLine = { node: slot.id, reason, line: abbreviate(line), atMs: this.nowMs() };
    this.badLines.push(bad);
    this.log(`raftkv-test: BAD OUTPUT from ${slot.id} (${reason}): ${bad.line}\nraftkv-test: no longer reading ${slot.id}'s stdout, as Maelstrom would`);
  }

  private onServiceMessage(service: string, src: string, body: JsonObject): void {
    const msgId = body['msg_id'];
    if (typeof msgId !== 'number') return;
    const reply = { type: 'error', in_reply_to: msgId, code: 10, text: `the ${service} service is not provided by raftkv-test` };
    this.send(service, src, { text: JSON.stringify({ src: service, dest: src, body: reply }), body: reply });
  }

  // ---------------------------------------------------------------- clients

  private onClientMessage(clientId: string, body: JsonObject): void {
    if (this.clients.onReply(clientId, body, this.nowMs())) return;
    const waiter = this.initWaiters.get(clientId);
    if (waiter !== undefined && body['in_reply_to'] === 1) waiter(body);
  }

  private staggerMs(): number {
    return (this.clientRng.float() * 2000) / this.options.rate;
  }

  /** Hands operations to free threads as the stagger schedule allows. */
  private dispatch(): void {
    if (!this.generating) return;
    let now = this.nowMs();
    while (this.freeThreads.length > 0) {
      if (this.nextOpAtMs > now) {
        now = this.nowMs();
        if (this.nextOpAtMs > now) {
          this.armDispatch(this.nextOpAtMs - now);
          return;
        }
      }
      const index = this.clientRng.int(0, this.freeThreads.length - 1);
      const thread = this.freeThreads[index] as number;
      this.freeThreads[index] = this.freeThreads[this.freeThreads.length - 1] as number;
      this.freeThreads.pop();
      this.clients.startOp(thread, now);
      // Jepsen's stagger: the op was due at nextOpAtMs, or when its thread became free if that
      // was later; the next one is due a uniform [0, 2/rate) after that.
      this.nextOpAtMs = Math.max(this.nextOpAtMs, this.freeSinceMs[thread] as number) + this.staggerMs();
    }
  }

  private armDispatch(delayMs: number): void {
    if (this.dispatchTimer !== null) return;
    this.dispatchTimer = setTimeout(() => {
      this.dispatchTimer = null;
      this.dispatch();
    }, delayMs);
  }

  private completed(op: CompletedOp): void {
    const batch = this.finalBatchOf.get(op.thread);
    this.ops.push({
      process: op.process,
      f: op.op.f,
      ...(op.op.key === undefined ? {} : { key: op.op.key }),
      type: op.type,
      invokeMs: op.invokedAt,
      completeMs: op.completedAt,
      error: op.error,
      ...(batch === undefined ? {} : { final: true }),
    });
    if (batch !== undefined) {
      this.finalBatchOf.delete(op.thread);
      this.finalReads?.completed(batch, op.type, op.completedAt);
      return;
    }
    if (op.type === 'ok') this.okCount++;
  }

  /** The thread is free (its op completed, or its session opening ended): it may be handed the next op. */
  private threadFree(thread: number, now: number): void {
    this.freeThreads.push(thread);
    this.freeSinceMs[thread] = now;
    if (this.clients.inflight === 0 && this.drainWaiter !== null) this.drainWaiter();
    if (this.finalReads !== null) {
      this.dispatchFinalReads();
      this.checkFinalReadsDone();
      return;
    }
    this.dispatch();
  }

  private sweepTimeouts(): void {
    this.clients.expireDue(this.nowMs());
  }

  /** Waits until every operation in flight has completed or timed out. */
  private async waitForInflight(): Promise<void> {
    if (this.clients.inflight === 0) return;
    await this.untilAborted(new Promise<void>((resolveDrain) => (this.drainWaiter = resolveDrain)));
    this.drainWaiter = null;
  }

  // ---------------------------------------------------------------- nemesis

  private async nemesisLoop(): Promise<void> {
    while (this.generating && !this.aborted) {
      // The planner's due times follow from the seed; a step is late only when the one before
      // it (a restart waiting for init_ok) ran past its time.
      const dueMs = this.planner.nextDueMs();
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, Math.max(0, dueMs - this.nowMs()));
        this.nemesisSleep = { timer, wake };
      });
      if (this.nemesisSleep !== null) clearTimeout(this.nemesisSleep.timer);
      this.nemesisSleep = null;
      if (!this.generating || this.aborted) break;
      await this.perform(this.planner.next());
    }
  }

  private async perform(action: NemesisAction): Promise<void> {
    const invokeValue = actionValue(action);
    this.history.record('nemesis', 'invoke', action.f, undefined, invokeValue, this.nowMs());
    this.faultCounts[action.f] = (this.faultCounts[action.f] ?? 0) + 1;
    switch (action.f) {
      case 'start-partition':
        this.network.setGrudge(action.grudge);
        this.openFault(action.kind, action.spec);
        break;
      case 'stop-partition':
        this.network.heal();
        this.closeFault(action.kind);
        break;
      case 'kill':
        this.openFault(action.kind, action.nodes.join(','));
        await Promise.all(action.nodes.map((id) => this.killNode(this.slots.get(id) as NodeSlot)));
        break;
      case 'start': {
        const restarted: string[] = [];
        for (const id of action.nodes) {
          const slot = this.slots.get(id) as NodeSlot;
          if (!slot.down || slot.crashed || this.aborted) continue;
          this.spawn(slot);
          restarted.push(id);
          this.restarts++;
        }
        const problems = await Promise.all(restarted.map((id) => this.initNode(id)));
        for (const problem of problems) {
          if (problem === null) continue;
          if (problem.exit !== undefined && 'spawnError' in problem.exit) {
            // The harness could not run the binary again: nothing the node did.
            this.harnessErrors.push(`after a restart: ${problem.message}`);
            this.log(`raftkv-test: harness error after a restart: ${problem.message}`);
            continue;
          }
          this.nodeProblems.push(`after a restart: ${problem.message}`);
          this.log(`raftkv-test: NODE PROBLEM after a restart: ${problem.message}`);
        }
        this.closeFault(action.kind);
        break;
      }
      case 'pause':
        this.openFault(action.kind, action.nodes.join(','));
        for (const id of action.nodes) {
          const slot = this.slots.get(id) as NodeSlot;
          if (slot.proc?.signal('SIGSTOP') === true) slot.paused = true;
        }
        break;
      case 'resume':
        for (const id of action.nodes) {
          const slot = this.slots.get(id) as NodeSlot;
          if (slot.paused) slot.proc?.signal('SIGCONT');
          slot.paused = false;
        }
        this.closeFault(action.kind);
        break;
    }
    this.history.record('nemesis', 'info', action.f, undefined, actionOutcomeValue(action) as JsonValue, this.nowMs());
  }

  private openFault(kind: NemesisKind, description: string): void {
    const fault: FaultInterval = { kind, description, startMs: this.nowMs(), endMs: null };
    this.faults.push(fault);
    this.openFaults.set(kind, fault);
  }

  private closeFault(kind: NemesisKind): void {
    const fault = this.openFaults.get(kind);
    if (fault !== undefined) fault.endMs = this.nowMs();
    this.openFaults.delete(kind);
  }

  // ---------------------------------------------------------------- timers, abort

  private startTimers(): void {
    this.sweepTimer = setInterval(() => this.sweepTimeouts(), TIMEOUT_SWEEP_MS);
    if (this.options.progressIntervalS > 0) {
      this.progressTimer = setInterval(() => this.reportProgress(), this.options.progressIntervalS * 1000);
    }
  }

  private stopTimers(): void {
    for (const timer of [this.sweepTimer, this.progressTimer]) if (timer !== null) clearInterval(timer);
    for (const timer of [this.dispatchTimer, this.netTimer, this.finalTimer]) if (timer !== null) clearTimeout(timer);
    if (this.nemesisSleep !== null) clearTimeout(this.nemesisSleep.timer);
    this.sweepTimer = this.progressTimer = this.dispatchTimer = this.netTimer = this.finalTimer = null;
    this.netTimerAt = Infinity;
  }

  private reportProgress(): void {
    const okCount = this.okCount;
    const okRate = (okCount - this.lastProgressOk) / this.options.progressIntervalS;
    this.lastProgressOk = okCount;
    const open = [...this.openFaults.values()].map((fault) => `${fault.kind} ${fault.description}`);
    const elapsed = Math.min(this.nowMs() / 1000, this.options.timeLimitS);
    this.progress(
      `raftkv-test: ${elapsed.toFixed(1)}/${this.options.timeLimitS} s: ${this.ops.length} ops done (${okCount} ok, ${okRate.toFixed(0)} ok/s lately), ` +
        `${this.clients.inflight} in flight${open.length > 0 ? `; faults: ${open.join('; ')}` : ''}` +
        (this.badLines.length + this.crashes.length > 0 ? `; ${this.badLines.length} bad lines, ${this.crashes.length} crashes` : ''),
    );
  }

  private abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.harnessErrors.push('interrupted: the run was stopped before its end');
    this.generating = false;
    this.log('raftkv-test: interrupted; stopping every node');
    for (const listener of [...this.abortListeners]) listener();
  }

  /** Resolves after `ms`, or at once when the run is aborted. */
  private async sleepUnlessAborted(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await this.untilAborted(new Promise<void>((resolveSleep) => (timer = setTimeout(resolveSleep, ms))));
    clearTimeout(timer);
  }

  /** Resolves with the promise, or with undefined as soon as the run is aborted. */
  private untilAborted<T>(promise: Promise<T>): Promise<T | undefined> {
    if (this.aborted) return Promise.resolve(undefined);
    return new Promise((resolveRace) => {
      const listener = (): void => resolveRace(undefined);
      this.abortListeners.add(listener);
      void promise.then((value) => {
        this.abortListeners.delete(listener);
        resolveRace(value);
      });
    });
  }

  // ---------------------------------------------------------------- results

  private finish(): TestResult {
    const endMs = this.opPhaseEndMs ?? Math.max(0, this.nowMs());
    for (const fault of this.openFaults.values()) fault.endMs = endMs;
    for (let i = 0; i < this.crashes.length; i++) {
      const crash = this.crashes[i] as Crash;
      this.crashes[i] = { ...crash, logTail: logTail(join(this.logsDir, `${crash.node}.log`), 32) };
    }
    const startupFailures = describeStartupFailures(
      this.failedStarts.map(({ slot, exit, logOffset }) => {
        const logPath = join(this.logsDir, `${slot.id}.log`);
        return { node: slot.id, exit, stderr: readLogExcerpt(logPath, logOffset, LOG_EXCERPT_BYTES, false), logPath };
      }),
    );
    const nodeSeeds: { [node: string]: number[] } = {};
    for (const record of this.processes) (nodeSeeds[record.node] ??= []).push(record.seed);
    const options = this.options;
    const workload = checkWorkload(this.history.events, {
      timeLimitS: options.checkTimeLimitS,
      ...(isTxnWorkload(options.workload) ? { txn: { workload: options.workload, models: options.consistencyModels } } : {}),
    });
    const facts: RunFacts = {
      options: this.options,
      command: this.hooks.command ?? [],
      outDir: this.outDir,
      dataDir: this.dataDir,
      startedAt: this.startedAt.toISOString(),
      opPhaseMs: endMs,
      ops: this.ops,
      net: this.network.stats(),
      faults: this.faults,
      faultCounts: this.faultCounts,
      output: {
        badLines: this.badLines,
        malformedResponses: this.clients.malformedResponses,
        sessionRetries: this.clients.sessionRetries,
        malformedExamples: this.clients.malformedExamples,
        spoofedSrc: this.spoofedSrc,
        nodeProblems: this.nodeProblems,
      },
      crashes: this.crashes,
      harnessErrors: [...startupFailures, ...this.harnessErrors],
      nodeSeeds,
      workload,
      keysUsed: this.clients.keysUsed,
      restarts: this.restarts,
      finalReads: this.finalReadSummary,
    };
    const results = buildResults(facts);
    const resultsPath = join(this.outDir, 'results.json');
    writeFileSync(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(
      join(this.outDir, 'latency.svg'),
      renderLatencyPlot(this.ops, this.faults, {
        title: `raftkv-test ${options.workload}: latency (seed ${options.seed})`,
        durationMs: endMs,
        functions: functionsOf(options.workload),
      }),
    );
    if (workload.kind === 'lin-kv' && workload.timelineSvg !== null) writeFileSync(join(this.outDir, 'timeline.svg'), workload.timelineSvg);
    if (workload.kind === 'txn') for (const picture of workload.pictures) writeFileSync(join(this.outDir, picture.file), picture.svg);
    if (workload.fullExplanations.length > 0) writeFileSync(join(this.outDir, EXPLANATIONS_FILE), explanationsText(workload));
    const summary = formatSummary(facts, results);
    writeFileSync(join(this.outDir, 'summary.txt'), `${summary}\n`);
    const stats = computeStats(this.ops, options.workload);
    return {
      valid: results.valid,
      exitCode: exitCodeFor(results.valid),
      seed: options.seed,
      outDir: this.outDir,
      dataDir: this.dataDir,
      results,
      summary,
      stats,
      okOpsPerSecond: endMs > 0 ? stats.okCount / (endMs / 1000) : 0,
      workload,
      processes: this.processes,
      historyPath: join(this.outDir, 'history.jsonl'),
      resultsPath,
    };
  }
}
