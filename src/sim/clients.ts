// The simulator's side of the clients: drives the shared client model (src/harness/client_model.ts
// with the lin-kv or a txn workload, as the harness does) on virtual time. Workers think a random
// while between ops; timeouts are exact timers; replies arrive as encoded lines through the real
// codec. Liveness probes (one per node: a write, then a read, of a key of each Raft group, each
// step tried again until it succeeds; in a txn workload each step is a one-micro-op txn) are extra
// threads of the same model and share its history. A txn workload ends with final reads, as the
// harness's: once the workers are idle after healing, every key written is read (final_reads.ts's
// plan) on the worker threads. Pure: virtual time and randomness come from the simulator.
// Invariants: a txn probe never writes a value twice (each attempt takes a fresh one), so values
// stay unique per key; the final reads start at most once, after the last worker op has ended.

import { assert } from '../base/assert.js';
import type { JsonObject } from '../base/json.js';
import type { Rng } from '../base/rng.js';
import type { HistoryEvent } from '../check/history.js';
import type { TxnWorkload } from '../check/txn/types.js';
import { ClientModel, HistoryRecorder, type ClientOp, type ClientWorkload, type CompletedOp } from '../harness/client_model.js';
import { FinalReads, type FinalReadBatch, type FinalReadLimits, type FinalReadSummary } from '../harness/final_reads.js';
import { LinKvWorkload, threadRngs, type KvOp } from '../harness/lin_kv.js';
import { readTxn, TXN_DEFAULTS, TxnClientWorkload, type TxnOp } from '../harness/txn.js';
import { decodeMessage } from '../protocol/message.js';
import { groupOfKey } from '../server/key_split.js';

export interface ClientIo {
  /** Sends one encoded line from a client to a node (reliable, delayed by the simulator). */
  send(clientId: string, nodeId: string, line: string): void;
  /** Calls back onTimer(token) at virtual time atUs. */
  schedule(atUs: number, token: ClientTimer): void;
}

export type ClientTimer =
  | { readonly kind: 'start'; readonly thread: number }
  | { readonly kind: 'timeout'; readonly thread: number; readonly msgId: number }
  /** A final read waiting out its retry pause is due. */
  | { readonly kind: 'final-reads'; readonly thread: -1 };

/** What the clients run: Maelstrom's lin-kv, or one of its txn workloads. */
export type SimWorkload = 'lin-kv' | TxnWorkload;

export interface ClientConfig {
  readonly workload: SimWorkload;
  readonly timeoutUs: number;
  /** Pause between a thread's ops, uniform in [0, thinkUs]. */
  readonly thinkUs: number;
  /** lin-kv: keys rotate after this many distinct processes touched one (keeps per-key histories small). */
  readonly processLimit: number;
  /** raftkv client sessions: writes and cas retried with the same (session, seq). lin-kv only. */
  readonly sessions: boolean;
  /**
   * Raft groups of each node: lin-kv runs as many key groups of 2 × node-count threads side by side
   * (one alone keeps every thread on one key at a time, so on one group), and the probes touch
   * a key of each group.
   */
  readonly groupCount: number;
}

/** What differs between the workloads, for the simulator's own threads. */
interface WorkloadPlug<O extends ClientOp> {
  readonly workload: ClientWorkload<O>;
  /** A probe's step as an op; called for every attempt. */
  probeOp(step: ProbeStep, node: number): O;
  /** Keys the final reads read: none for lin-kv. */
  finalReadKeys(): readonly number[];
  readonly finalReadBatch: number;
}

interface ProbeStep {
  readonly f: 'write' | 'read';
  readonly key: number;
}

interface Probe {
  readonly thread: number;
  readonly nodeId: string;
  process: number;
  /** The steps still to do, in order. */
  steps: ProbeStep[];
  lastOk: boolean;
}

/** Keys of the liveness probes start here: beyond any key the generators hand out in a bounded run. */
const PROBE_KEY = 1_000_000;
const PROBE_PROCESS_BASE = 1_000_000;
const PROBE_RETRY_US = 20_000;
/**
 * Final reads after healing: a cluster that serves the probes serves these, so a batch is tried
 * until it commits, with short pauses; the simulator's liveness bound ends a run that never does.
 */
const FINAL_READ_LIMITS: FinalReadLimits = { maxAttempts: 100, retryDelayMs: 20_000, maxRetryDelayMs: 200_000 };

export class SimClients<O extends ClientOp = ClientOp> {
  private readonly recorder = new HistoryRecorder(1000);
  private readonly plug: WorkloadPlug<O>;
  private readonly model: ClientModel<O>;
  private readonly probes: Probe[] = [];
  private readonly probeByThread = new Map<number, Probe>();
  /** One key of each Raft group, for the probes. */
  private readonly probeKeys: readonly number[];
  private issuing = true;
  private finalReads: FinalReads | undefined;
  private readonly finalBatchOf = new Map<number, FinalReadBatch>();
  /** When the pending final-reads timer fires; Infinity when none is pending. */
  private finalTimerAt = Number.POSITIVE_INFINITY;
  okCount = 0;
  failCount = 0;
  infoCount = 0;

  constructor(
    private readonly nodeIds: readonly string[],
    private readonly rng: Rng,
    private readonly config: ClientConfig,
    private readonly io: ClientIo,
    private readonly now: () => number,
  ) {
    this.probeKeys = probeKeys(config.groupCount);
    // The first draw of the clients' stream, as before txn workloads existed: lin-kv runs keep their seeds' behaviour.
    this.plug = makePlug(config, nodeIds.length, rng.fork()) as WorkloadPlug<ClientOp> as WorkloadPlug<O>;
    this.model = new ClientModel(
      this.plug.workload,
      {
        nodeIds,
        timeout: config.timeoutUs,
        sessions: config.sessions,
        firstClientNumber: 1,
        history: this.recorder,
      },
      {
        send: (clientId, nodeId, body) => io.send(clientId, nodeId, `{"src":"${clientId}","dest":"${nodeId}","body":${body}}\n`),
        deadline: (thread, msgId, atUs) => io.schedule(atUs, { kind: 'timeout', thread, msgId }),
        completed: (op) => this.completed(op),
        threadFree: (thread, nowUs) => this.threadFree(thread, nowUs),
      },
    );
    nodeIds.forEach((nodeId, node) => {
      const thread = this.model.addThread(`c${1001 + node}`, nodeId);
      const probe: Probe = { thread, nodeId, process: PROBE_PROCESS_BASE + node, steps: [], lastOk: false };
      this.probes.push(probe);
      this.probeByThread.set(thread, probe);
    });
  }

  get history(): readonly HistoryEvent[] {
    return this.recorder.events;
  }

  /** Ops in flight (workers and probes). */
  get inflight(): number {
    return this.model.inflight;
  }

  get sessionRetries(): number {
    return this.model.sessionRetries;
  }

  /** Schedules every worker's first op. */
  start(): void {
    for (let thread = 0; thread < this.model.workerCount; thread++)
      this.io.schedule(this.now() + this.rng.int(0, this.config.thinkUs), { kind: 'start', thread });
  }

  /** The safety phase is over: workers finish what is in flight and start nothing new; then the final reads, if any. */
  stopIssuing(): void {
    this.issuing = false;
    this.maybeBeginFinalReads();
  }

  /** Starts the liveness probes: every node must serve a write and then a read. */
  startProbes(): void {
    for (const probe of this.probes) {
      probe.steps = this.probeKeys.flatMap((key): ProbeStep[] => [
        { f: 'write', key },
        { f: 'read', key },
      ]);
      this.io.schedule(this.now(), { kind: 'start', thread: probe.thread });
    }
  }

  /** Probes that have not finished yet. */
  get probesPending(): number {
    return this.probes.filter((probe) => probe.steps.length > 0).length;
  }

  /** Every final read is done (read or given up), or there are none: true for lin-kv. */
  get finalReadsDone(): boolean {
    if (this.plug.finalReadBatch === 0) return true;
    return this.finalReads?.finished === true;
  }

  /** The final reads' outcome; undefined before they began, or for lin-kv. */
  get finalReadSummary(): FinalReadSummary | undefined {
    return this.finalReads?.summary();
  }

  probeStatus(): string {
    const probes = this.probes
      .map((probe) => `${probe.nodeId}:${probe.steps.length === 0 ? 'done' : `waiting for ${(probe.steps[0] as ProbeStep).f}`}`)
      .join(' ');
    if (this.plug.finalReadBatch === 0) return probes;
    const summary = this.finalReads?.summary();
    const finals =
      summary === undefined ? 'not begun (a worker op still in flight)' : `${summary.keysRead} of ${summary.keys} keys read in ${summary.attempts} txns`;
    return `${probes}; final reads: ${finals}`;
  }

  onTimer(timer: ClientTimer): void {
    if (timer.kind === 'final-reads') {
      if (this.now() >= this.finalTimerAt) this.finalTimerAt = Number.POSITIVE_INFINITY;
      this.dispatchFinalReads();
      return;
    }
    if (timer.kind === 'timeout') {
      this.model.expire(timer.thread, timer.msgId, this.now());
      return;
    }
    const probe = this.probeByThread.get(timer.thread);
    if (probe === undefined) {
      if (this.issuing) this.model.startOp(timer.thread, this.now());
      return;
    }
    const next = probe.steps[0];
    if (next !== undefined) this.model.startOp(timer.thread, this.now(), { op: this.plug.probeOp(next, this.probes.indexOf(probe)), process: probe.process });
  }

  /** A line a node wrote to a client. */
  onLine(line: string): void {
    const decoded = decodeMessage(line);
    assert(decoded.kind === 'message', () => `a node wrote an undecodable line to a client: ${line}`);
    // A decoded body holds no undefined values: it is a JsonObject. The init handshake's client
    // is none of the model's (onReply is false): nothing to do.
    this.model.onReply(decoded.message.dest, decoded.message.body as JsonObject, this.now());
  }

  private completed(op: CompletedOp<O>): void {
    if (op.type === 'ok') this.okCount++;
    else if (op.type === 'fail') this.failCount++;
    else this.infoCount++;
    const batch = this.finalBatchOf.get(op.thread);
    if (batch !== undefined) {
      this.finalBatchOf.delete(op.thread);
      this.finalReads?.completed(batch, op.type, op.completedAt);
      return;
    }
    const probe = this.probeByThread.get(op.thread);
    if (probe === undefined) return;
    probe.lastOk = op.type === 'ok';
    if (op.type === 'ok') probe.steps.shift();
    // A crashed process never comes back: continue as a fresh one (Jepsen's worker rule).
    if (op.type === 'info') probe.process += this.probes.length;
  }

  private threadFree(thread: number, nowUs: number): void {
    const probe = this.probeByThread.get(thread);
    if (probe === undefined) {
      if (this.issuing) this.io.schedule(nowUs + this.rng.int(0, this.config.thinkUs), { kind: 'start', thread });
      else if (this.finalReads === undefined) this.maybeBeginFinalReads();
      else this.dispatchFinalReads();
      return;
    }
    const delayUs = probe.lastOk ? 0 : PROBE_RETRY_US;
    probe.lastOk = false;
    if (probe.steps.length > 0) this.io.schedule(nowUs + delayUs, { kind: 'start', thread });
  }

  // ------------------------------------------------------------------ final reads (txn workloads)

  /** Once no worker op is in flight after the safety phase, the final reads begin (once). */
  private maybeBeginFinalReads(): void {
    if (this.plug.finalReadBatch === 0 || this.issuing || this.finalReads !== undefined) return;
    for (let thread = 0; thread < this.model.workerCount; thread++) if (this.model.isBusy(thread)) return;
    this.finalReads = new FinalReads(this.plug.finalReadKeys(), this.plug.finalReadBatch, FINAL_READ_LIMITS);
    this.dispatchFinalReads();
  }

  /** Hands due batches to idle worker threads, each retry to the next node round; wakes itself for the next retry due. */
  private dispatchFinalReads(): void {
    const plan = this.finalReads;
    if (plan === undefined) return;
    const now = this.now();
    const idle: number[] = [];
    for (let thread = 0; thread < this.model.workerCount; thread++) if (!this.model.isBusy(thread)) idle.push(thread);
    while (idle.length > 0) {
      const batch = plan.take(now);
      if (batch === undefined) break;
      const preferred = this.nodeIds[(batch.id + batch.attempts - 1) % this.nodeIds.length];
      const found = idle.findIndex((thread) => this.model.nodeOf(thread) === preferred);
      const thread = idle.splice(found === -1 ? 0 : found, 1)[0] as number;
      this.finalBatchOf.set(thread, batch);
      this.model.startOp(thread, now, { op: readTxn(batch.keys) as ClientOp as O });
    }
    const readyAt = plan.nextReadyAt();
    if (readyAt === undefined || idle.length === 0 || readyAt >= this.finalTimerAt) return;
    this.finalTimerAt = Math.max(readyAt, now);
    this.io.schedule(this.finalTimerAt, { kind: 'final-reads', thread: -1 });
  }
}

function makePlug(config: ClientConfig, nodeCount: number, generatorRng: Rng): WorkloadPlug<KvOp> | WorkloadPlug<TxnOp> {
  if (config.workload === 'lin-kv') {
    const concurrency = 2 * nodeCount * config.groupCount;
    return {
      workload: new LinKvWorkload({ nodeCount, concurrency, processLimit: config.processLimit }, threadRngs(generatorRng, concurrency)),
      probeOp: (step, node) => (step.f === 'write' ? { f: 'write', key: step.key, value: node } : { f: 'read', key: step.key, value: null }),
      finalReadKeys: () => [],
      finalReadBatch: 0,
    };
  }
  assert(config.groupCount === 1, 'txn workloads run on one Raft group per node (a txn across groups is refused)');
  assert(!config.sessions, 'txn workloads run without client sessions (a txn is never resent)');
  // Maelstrom's defaults: 2n threads, Elle's generator with its key count, txn length and writes per key.
  const concurrency = 2 * nodeCount;
  const workload = new TxnClientWorkload({ workload: config.workload, nodeCount, concurrency, ...TXN_DEFAULTS }, threadRngs(generatorRng, concurrency));
  const writeF = config.workload === 'txn-list-append' ? 'append' : 'w';
  // A probe's write is tried until it commits, and an attempt that timed out may have committed:
  // each attempt writes a value never written before, so values stay unique per key.
  let probeValue = 0;
  return {
    workload,
    probeOp: (step) => (step.f === 'write' ? { f: 'txn', value: [[writeF, step.key, ++probeValue]] } : readTxn([step.key])),
    finalReadKeys: () => workload.generator.keysWritten(),
    finalReadBatch: TXN_DEFAULTS.maxTxnLength,
  };
}

/** The first key from PROBE_KEY on that falls in each group, in group order. */
function probeKeys(groupCount: number): number[] {
  const keys: Array<number | undefined> = Array.from({ length: groupCount }, () => undefined);
  for (let key = PROBE_KEY, found = 0; found < groupCount; key++) {
    assert(key < PROBE_KEY + 1000 * groupCount, 'no probe key found for some group');
    const group = groupOfKey(key, groupCount);
    if (keys[group] !== undefined) continue;
    keys[group] = key;
    found++;
  }
  return keys as number[];
}
