// Runs one Maelstrom-style test, the harness's impure composition root: wires the parts (cluster,
// routing, client_driver, nemesis_executor, recovery_probes, run_results) and runs the phases:
// start and init, operations under faults, heal, recovery check, final reads, teardown, check.
// Invariants: every process started is killed before runTest returns or throws; every invoke gets
// exactly one completion unless the run is interrupted (the checker then treats it as indeterminate).

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../base/rng.js';
import { formatHistoryLine } from '../check/history.js';
import { ClientDriver } from './client_driver.js';
import { HistoryRecorder } from './client_model.js';
import { Cluster, type InitProblem } from './cluster.js';
import { opensFault } from './message_journal.js';
import { NemesisPlanner } from './nemesis.js';
import { NemesisExecutor } from './nemesis_executor.js';
import type { TestOptions } from './options.js';
import { HistoryFile, prepareDataDir, prepareOutDir, resolveBin, type ResolvedCommand } from './out_dir.js';
import { MessageRouter, SERVICES } from './routing.js';
import type { RecoverySummary } from './recovery.js';
import { OpBursts } from './op_bursts.js';
import { RecoveryProbes } from './recovery_probes.js';
import { RunContext, type RunHooks } from './run_context.js';
import { finishRun, type RunParts, type TestResult } from './run_results.js';

export type { RunHooks } from './run_context.js';
export type { TestResult } from './run_results.js';
export { timestampName } from './out_dir.js';

export async function runTest(options: TestOptions, hooks: RunHooks = {}): Promise<TestResult> {
  const resolved = resolveBin(options.bin, options.binArgs);
  if (typeof resolved === 'string') throw new Error(resolved);
  const startedAt = new Date();
  const outDir = prepareOutDir(options, startedAt, hooks.linkLatestForOut === true);
  const dataDir = prepareDataDir(options, outDir);
  const logsDir = join(outDir, 'node-logs');
  mkdirSync(logsDir, { recursive: true });
  const run = new TestRun(options, hooks, { command: resolved, startedAt, outDir, dataDir, logsDir });
  return run.execute();
}

interface RunFiles {
  readonly command: ResolvedCommand;
  readonly startedAt: Date;
  readonly outDir: string;
  readonly dataDir: string;
  readonly logsDir: string;
}

class TestRun {
  private readonly ctx: RunContext;
  private readonly nodeIds: string[];
  private readonly history: HistoryRecorder;
  private readonly historyFile: HistoryFile;
  private readonly router: MessageRouter;
  private readonly cluster: Cluster;
  private readonly clients: ClientDriver;
  private readonly nemesis: NemesisExecutor;
  private readonly failedStarts: RunParts['failedStarts'][number][] = [];
  private opPhaseEndMs: number | null = null;
  private opPhaseStartedAt: Date | null = null;
  private readonly probes: RecoveryProbes;
  private readonly bursts: OpBursts | null;
  private recovery: RecoverySummary | null = null;
  private progressTimer: NodeJS.Timeout | null = null;
  private lastProgressOk = 0;

  constructor(
    private readonly options: TestOptions,
    hooks: RunHooks,
    private readonly files: RunFiles,
  ) {
    const ctx = new RunContext(options, hooks);
    this.ctx = ctx;
    this.nodeIds = Array.from({ length: options.nodeCount }, (_, i) => `n${i}`);
    const master = new Rng(options.seed);
    const clientRng = master.fork();
    const nemesisRng = master.fork();
    const networkRng = master.fork();
    // Choices that follow the traffic (the targeted nemeses') have their own stream.
    const targetRng = master.fork();
    const probeRng = master.fork();
    const planner = new NemesisPlanner(options.nemesis, this.nodeIds, options.nemesisIntervalS * 1000, nemesisRng, { targetRng });
    this.historyFile = new HistoryFile(join(files.outDir, 'history.jsonl'), (message) => ctx.harnessErrors.push(message));
    this.router = new MessageRouter(
      { latencyMs: options.latencyMs, latencyDist: options.latencyDist, rng: networkRng },
      {
        toNode: (node, line) => this.cluster.write(node, line),
        toClient: (clientId, body) => {
          if (!this.clients.onReply(clientId, body)) this.cluster.onInitReply(clientId, body);
        },
        nodeTraffic: (src, dest) => {
          if (planner.watchesTraffic) this.nemesis.nodeTraffic(src, dest);
          this.bursts?.nodeTraffic(src, dest);
        },
        flush: () => {
          this.cluster.flush();
          this.historyFile.flush();
        },
      },
      planner.watchesTraffic || options.bursts,
    );
    this.history = new HistoryRecorder(1e6, (event) => {
      this.historyFile.push(`${formatHistoryLine(event)}\n`);
      this.router.scheduleFlush();
      if (opensFault(event)) this.router.journal.markFault();
    });
    this.cluster = new Cluster(ctx, this.nodeIds, this.router, files);
    for (const service of SERVICES) this.router.network.register(service, 'service');
    this.clients = new ClientDriver(
      ctx,
      this.nodeIds,
      clientRng,
      this.history,
      (clientId, nodeId, body) => this.router.send(clientId, nodeId, { text: `{"src":"${clientId}","dest":"${nodeId}","body":${body}}`, body: null }),
      (clientId) => this.router.network.register(clientId, 'client'),
    );
    this.nemesis = new NemesisExecutor(ctx, planner, this.cluster, this.router.network, this.history);
    this.probes = new RecoveryProbes(ctx, this.cluster, this.clients, probeRng);
    const burstRng = master.fork();
    this.bursts = options.bursts ? new OpBursts(ctx, this.nodeIds, this.clients, burstRng, () => this.cluster.newClientId()) : null;
    ctx.onAbort(() => {
      this.clients.stopGenerating();
      this.bursts?.stop();
    });
  }

  async execute(): Promise<TestResult> {
    const onAbort = (): void => this.ctx.abort();
    const signal = this.ctx.hooks.signal;
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted === true) this.ctx.abort();
    this.ctx.log(`raftkv-test: seed ${this.options.seed}; results in ${this.files.outDir}`);
    try {
      await this.runPhases();
    } catch (error) {
      this.ctx.harnessErrors.push(`harness error: ${(error as Error).stack ?? String(error)}`);
      this.ctx.log(`raftkv-test: harness error: ${(error as Error).message}`);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.stopTimers();
      await this.cluster.teardown();
      await this.historyFile.close();
    }
    return finishRun({
      ctx: this.ctx,
      files: this.files,
      cluster: this.cluster,
      clients: this.clients,
      nemesis: this.nemesis,
      net: this.router.network.stats(),
      journal: this.router.journal,
      history: this.history.events,
      failedStarts: this.failedStarts,
      opPhaseEndMs: this.opPhaseEndMs,
      opPhaseStartedAt: this.opPhaseStartedAt,
      recovery: this.recovery,
      bursts: this.bursts?.summary ?? null,
    });
  }

  private async runPhases(): Promise<void> {
    if (!(await this.setUp()) || this.ctx.aborted) return;
    this.ctx.startClock();
    this.router.journal.markOpPhase();
    this.opPhaseStartedAt = new Date();
    if (this.options.progressIntervalS > 0) {
      this.progressTimer = setInterval(() => this.reportProgress(), this.options.progressIntervalS * 1000);
    }
    const opPhase = this.ctx.sleepUnlessAborted(this.options.timeLimitS * 1000);
    this.clients.startGenerating();
    this.bursts?.start();
    const nemesisLoop = this.nemesis.loop();
    await opPhase;
    this.clients.stopGenerating();
    this.bursts?.stop();
    this.opPhaseEndMs = this.ctx.nowMs();
    this.nemesis.stopLoop();
    await nemesisLoop;
    if (!this.ctx.aborted) {
      await this.nemesis.healAll();
      // Every fault is healed: from now on each node must serve each operation type within the bound.
      const recovery = this.checksRecovery() ? this.probes.run(this.ctx.nowMs()) : Promise.resolve(null);
      await this.clients.waitForInflight();
      this.recovery = await recovery;
    }
    const txnWorkload = this.clients.txnWorkload;
    if (!this.ctx.aborted && txnWorkload !== null && this.options.finalReads) await this.clients.runFinalReads(txnWorkload);
  }

  /** The recovery check runs unless turned off (--recovery-timeout 0) or the run sends no operation at all. */
  private checksRecovery(): boolean {
    return this.options.recoveryTimeoutS > 0 && this.options.rate > 0;
  }

  /** Starts every node and waits for each init_ok; false when some node did not answer. */
  private async setUp(): Promise<boolean> {
    for (const id of this.nodeIds) this.cluster.spawn(this.cluster.slot(id));
    // Setup's init clients are c1..cN (registered with the workers, before any init is sent).
    const problems = await Promise.all(this.nodeIds.map((id, i) => this.cluster.initNode(id, `c${i + 1}`)));
    const initProblems = problems.filter((problem): problem is InitProblem => problem !== null);
    if (initProblems.length === 0) return true;
    for (const problem of initProblems) {
      const slot = this.cluster.slot(problem.node);
      if (problem.exit !== undefined) this.failedStarts.push({ node: slot.id, exit: problem.exit, logOffset: slot.logOffset });
      else this.ctx.harnessErrors.push(problem.message);
    }
    this.ctx.log(`raftkv-test: setup failed: ${initProblems.map((problem) => problem.message).join('; ')}`);
    return false;
  }

  private stopTimers(): void {
    if (this.progressTimer !== null) clearInterval(this.progressTimer);
    this.progressTimer = null;
    this.clients.stop();
    this.bursts?.stop();
    this.probes.stop();
    this.nemesis.stopLoop();
    this.router.stop();
  }

  private reportProgress(): void {
    const okCount = this.clients.okCount;
    const okRate = (okCount - this.lastProgressOk) / this.options.progressIntervalS;
    this.lastProgressOk = okCount;
    const open = [...this.nemesis.openFaults.values()].map((fault) => `${fault.kind} ${fault.description}`);
    const elapsed = Math.min(this.ctx.nowMs() / 1000, this.options.timeLimitS);
    const cluster = this.cluster;
    this.ctx.progress(
      `raftkv-test: ${elapsed.toFixed(1)}/${this.options.timeLimitS} s: ${this.clients.ops.length} ops done (${okCount} ok, ${okRate.toFixed(0)} ok/s lately), ` +
        `${this.clients.clients.inflight} in flight${open.length > 0 ? `; faults: ${open.join('; ')}` : ''}` +
        (cluster.badLines.length + cluster.crashes.length > 0 ? `; ${cluster.badLines.length} bad lines, ${cluster.crashes.length} crashes` : ''),
    );
  }
}
