// The client threads on the wall clock: the pure client model fed real time, Jepsen's stagger for
// when the next op is due, a sweep for timeouts, the txn workloads' final reads, and extra threads
// for whoever asks (the recovery probes). Every completion becomes an OpRecord. Owns no process.
// Invariants: a worker is in freeThreads exactly when it waits for nothing; no worker op starts
// before its due time or after the operation phase; final reads start when nothing is in flight.

import type { JsonObject } from '../base/json.js';
import type { Rng } from '../base/rng.js';
import { ClientModel, type ClientOp, type ClientWorkload, type CompletedOp, type HistoryRecorder } from './client_model.js';
import { abbreviate } from './envelope.js';
import { FINAL_READS_TIME_LIMIT_MS, FinalReads, type FinalReadBatch, type FinalReadSummary } from './final_reads.js';
import { LinKvWorkload, threadRngs } from './lin_kv.js';
import { isTxnWorkload } from './options.js';
import type { OpRecord } from './results.js';
import type { RunContext } from './run_context.js';
import { readTxn, TxnClientWorkload } from './txn.js';
import { WakeTimer } from './wake_timer.js';

/** Maelstrom's client timeout for the txn workloads (its default RPC timeout). */
const TXN_CLIENT_TIMEOUT_MS = 5000;
const TIMEOUT_SWEEP_MS = 10;

/** The owner of an extra thread. */
export interface ExtraThread {
  completed(op: CompletedOp): void;
  /** Called after each completion, and when a session opening ended without an op (the op is still to start). */
  free(thread: number, now: number): void;
}

export class ClientDriver {
  /** The client threads: ops, sessions, timeouts and the history (the pure model, fed the clock here). */
  readonly clients: ClientModel<ClientOp>;
  /** The txn workload's clients (for the keys written), or null under lin-kv. */
  readonly txnWorkload: TxnClientWorkload | null;
  /** The lin-kv workload's clients (for the keys worked on), or null under a txn workload. */
  readonly linKvWorkload: LinKvWorkload | null;
  readonly ops: OpRecord[] = [];
  /** Ok completions of the operation phase (final reads not counted). */
  okCount = 0;
  finalReadSummary: FinalReadSummary | null = null;
  private readonly freeThreads: number[] = [];
  /** When each thread last became free (test ms): an op cannot be scheduled before that. */
  private readonly freeSinceMs: number[] = [];
  private generating = false;
  private nextOpAtMs = 0;
  private dispatchTimer: NodeJS.Timeout | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private drainWaiter: (() => void) | null = null;
  /** The final reads while they run (txn workloads), and which thread runs which batch. */
  private finalReads: FinalReads | null = null;
  private readonly finalBatchOf = new Map<number, FinalReadBatch>();
  /** Wakes the final reads' dispatch when the earliest retry is due. */
  private readonly finalTimer: WakeTimer;
  private finalWaiter: (() => void) | null = null;
  /** Extra threads (the recovery probes): told of their completions, never given worker ops. */
  private readonly extraThreads = new Map<number, ExtraThread>();

  constructor(
    private readonly ctx: RunContext,
    private readonly nodeIds: readonly string[],
    private readonly clientRng: Rng,
    history: HistoryRecorder,
    send: (clientId: string, nodeId: string, body: string) => void,
    register: (clientId: string) => void,
  ) {
    const options = ctx.options;
    this.finalTimer = new WakeTimer(
      () => ctx.nowMs(),
      () => this.dispatchFinalReads(),
    );
    // One stream per client thread: a thread's ops do not depend on when the others run.
    const generatorRng = threadRngs(clientRng.fork(), options.concurrency);
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
      this.linKvWorkload = null;
      workload = this.txnWorkload;
    } else {
      this.txnWorkload = null;
      this.linKvWorkload = new LinKvWorkload(
        { nodeCount: options.nodeCount, concurrency: options.concurrency, readFraction: options.readFraction },
        generatorRng,
      );
      workload = this.linKvWorkload;
    }
    this.clients = new ClientModel(
      workload,
      {
        nodeIds,
        // Maelstrom's client timeouts: lin-kv max(10 × mean latency, 1 s); txn its default 5 s.
        timeout: this.txnWorkload === null ? Math.max(10 * options.latencyMs, 1000) : TXN_CLIENT_TIMEOUT_MS,
        sessions: options.clientSessions,
        // Setup's init clients are c1..cN; the workers come next.
        firstClientNumber: options.nodeCount + 1,
        history,
      },
      {
        send,
        completed: (op) => this.completed(op),
        threadFree: (thread, now) => this.threadFree(thread, now),
        malformed: (nodeId, reason, count) => {
          if (count === 1) ctx.log(`raftkv-test: MALFORMED RESPONSE from ${nodeId}: ${abbreviate(reason)}`);
        },
      },
    );
    for (let thread = 0; thread < options.concurrency; thread++) {
      register(this.clients.clientIdOf(thread));
      this.freeThreads.push(thread);
      this.freeSinceMs.push(0);
    }
  }

  /** A reply to one of the client threads; false when `clientId` is none of them. */
  onReply(clientId: string, body: JsonObject): boolean {
    return this.clients.onReply(clientId, body, this.ctx.nowMs());
  }

  /** An extra thread bound to `nodeId`, whose ops its owner starts; it hears of each completion and of each time the thread is free. */
  addThread(clientId: string, nodeId: string, owner: ExtraThread): number {
    const thread = this.clients.addThread(clientId, nodeId);
    this.extraThreads.set(thread, owner);
    return thread;
  }

  /** The operation phase: ops are handed out from now on, and timeouts swept. */
  startGenerating(): void {
    this.sweepTimer = setInterval(() => this.clients.expireDue(this.ctx.nowMs()), TIMEOUT_SWEEP_MS);
    if (this.ctx.options.rate <= 0) return;
    this.generating = true;
    this.nextOpAtMs = this.staggerMs();
    this.dispatch();
  }

  /** No op is handed out after this (those in flight go on). */
  stopGenerating(): void {
    this.generating = false;
    if (this.dispatchTimer !== null) clearTimeout(this.dispatchTimer);
    this.dispatchTimer = null;
  }

  stop(): void {
    this.stopGenerating();
    this.finalTimer.clear();
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
  }

  /** Waits until every operation in flight has completed or timed out. */
  async waitForInflight(): Promise<void> {
    if (this.clients.inflight === 0) return;
    await this.ctx.untilAborted(new Promise<void>((resolveDrain) => (this.drainWaiter = resolveDrain)));
    this.drainWaiter = null;
  }

  private staggerMs(): number {
    return (this.clientRng.float() * 2000) / this.ctx.options.rate;
  }

  /** Hands operations to free threads as the stagger schedule allows. */
  private dispatch(): void {
    if (!this.generating) return;
    let now = this.ctx.nowMs();
    while (this.freeThreads.length > 0) {
      if (this.nextOpAtMs > now) {
        now = this.ctx.nowMs();
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
    const extra = this.extraThreads.get(op.thread);
    this.ops.push({
      process: op.process,
      f: op.op.f,
      ...(op.op.key === undefined ? {} : { key: op.op.key }),
      type: op.type,
      invokeMs: op.invokedAt,
      completeMs: op.completedAt,
      error: op.error,
      ...(batch === undefined ? {} : { final: true }),
      ...(extra === undefined ? {} : { probe: true }),
    });
    if (extra !== undefined) {
      extra.completed(op);
      return;
    }
    if (batch !== undefined) {
      this.finalBatchOf.delete(op.thread);
      this.finalReads?.completed(batch, op.type, op.completedAt);
      return;
    }
    if (op.type === 'ok') this.okCount++;
  }

  /** The thread is free (its op completed, or its session opening ended): it may be handed the next op. */
  private threadFree(thread: number, now: number): void {
    if (this.clients.inflight === 0 && this.drainWaiter !== null) this.drainWaiter();
    const extra = this.extraThreads.get(thread);
    if (extra !== undefined) {
      extra.free(thread, now);
      return;
    }
    this.freeThreads.push(thread);
    this.freeSinceMs[thread] = now;
    if (this.finalReads !== null) {
      this.dispatchFinalReads();
      this.checkFinalReadsDone();
      return;
    }
    this.dispatch();
  }

  /**
   * Reads every key ever written, after healing and once nothing is in flight; skipped when no
   * txn committed (nothing it read could be checked against). Bounded: attempts per batch, and
   * FINAL_READS_TIME_LIMIT_MS for starting them (those in flight then finish or time out).
   */
  async runFinalReads(workload: TxnClientWorkload): Promise<void> {
    const keys = workload.generator.keysWritten();
    if (keys.length === 0 || this.okCount === 0) {
      this.ctx.log(`raftkv-test: final reads skipped: ${keys.length === 0 ? 'no key was written' : 'no txn committed'}`);
      return;
    }
    const plan = new FinalReads(keys, this.ctx.options.maxTxnLength);
    this.finalReads = plan;
    this.ctx.log(`raftkv-test: final reads of ${keys.length} key${keys.length === 1 ? '' : 's'}`);
    const done = new Promise<void>((resolveDone) => (this.finalWaiter = resolveDone));
    const budget = setTimeout(() => {
      plan.stop();
      this.checkFinalReadsDone();
    }, FINAL_READS_TIME_LIMIT_MS);
    this.dispatchFinalReads();
    this.checkFinalReadsDone();
    await this.ctx.untilAborted(done);
    clearTimeout(budget);
    this.finalTimer.clear();
    this.finalWaiter = null;
    this.finalReadSummary = plan.summary();
    this.finalReads = null;
    const summary = this.finalReadSummary;
    this.ctx.log(
      `raftkv-test: final reads: ${summary.keysRead} of ${summary.keys} keys read in ${summary.attempts} txn${summary.attempts === 1 ? '' : 's'}` +
        (summary.keysUnread.length > 0 ? `; ${summary.keysUnread.length} not read` : ''),
    );
  }

  /** Hands due final-read batches to free threads, preferring another node for each retry. */
  private dispatchFinalReads(): void {
    const plan = this.finalReads;
    if (plan === null || this.ctx.aborted) return;
    const now = this.ctx.nowMs();
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
    if (readyAt !== undefined && this.freeThreads.length > 0) this.finalTimer.arm(readyAt);
  }

  private checkFinalReadsDone(): void {
    if (this.finalReads?.finished === true && this.clients.inflight === 0) this.finalWaiter?.();
  }
}
