// Runs the recovery check (recovery.ts) on the wall clock: one extra client thread per probe, each
// attempt a fresh process in the history, so probes are checked with everything else but left out
// of the statistics. lin-kv probes use the keys worked on last; a txn probe reads the hottest key
// and appends a value never written to it. Invariants: done by the deadline plus one client
// timeout; nothing is sent after an abort; every attempt is completed exactly once.

import type { Rng } from '../base/rng.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ClientDriver } from './client_driver.js';
import type { ClientOp, CompletedOp } from './client_model.js';
import type { Cluster } from './cluster.js';
import { functionsOf } from './results.js';
import { RecoveryPlan, type Probe, type ProbeOutcome, type RecoverySummary } from './recovery.js';
import type { RunContext } from './run_context.js';
import { WakeTimer } from './wake_timer.js';

/** Probe processes are numbered from here: far above any worker's. */
const PROBE_PROCESS_BASE = 1_000_000;

export class RecoveryProbes {
  private plan: RecoveryPlan | null = null;
  private readonly threadOf = new Map<number, number>();
  private readonly probeOf = new Map<number, Probe>();
  private nextProcess = PROBE_PROCESS_BASE;
  private readonly timer: WakeTimer;
  private waiter: (() => void) | null = null;

  constructor(
    private readonly ctx: RunContext,
    private readonly cluster: Cluster,
    private readonly clients: ClientDriver,
    private readonly rng: Rng,
  ) {
    this.timer = new WakeTimer(
      () => ctx.nowMs(),
      () => this.dispatch(),
    );
  }

  /** Probes every node that did not crash until each type is served or the bound has passed. */
  async run(healedAtMs: number): Promise<RecoverySummary> {
    const nodes = this.cluster.nodeIds;
    // A node that crashed, or whose stdout is no longer read, cannot answer: each is a finding already.
    const skipped = nodes.filter((node) => this.cluster.slot(node).crashed || this.cluster.slot(node).muted);
    // Only the types that succeeded during the run: one that never did fails the stats check already.
    const succeeded = new Set(this.clients.ops.filter((op) => op.type === 'ok' && op.final !== true).map((op) => op.f));
    const functions = functionsOf(this.ctx.options.workload).filter((f) => succeeded.has(f));
    const plan = new RecoveryPlan(nodes, functions, healedAtMs, this.ctx.options.recoveryTimeoutS * 1000, skipped);
    this.plan = plan;
    for (const probe of plan.probes) {
      const thread = this.clients.addThread(this.cluster.newClientId(), probe.node, {
        completed: (op) => this.completed(op),
        free: (freeThread, now) => this.free(freeThread, now),
      });
      this.threadOf.set(probe.id, thread);
      this.probeOf.set(thread, probe);
    }
    const done = new Promise<void>((resolveDone) => (this.waiter = resolveDone));
    this.dispatch();
    await this.ctx.untilAborted(done);
    this.stop();
    return plan.summary(this.ctx.aborted);
  }

  stop(): void {
    this.timer.clear();
  }

  private dispatch(): void {
    const plan = this.plan;
    if (plan === null || this.ctx.aborted) return;
    const now = this.ctx.nowMs();
    for (const probe of plan.take(now)) this.start(probe, now);
    if (plan.finished) {
      this.waiter?.();
      return;
    }
    const wakeAt = plan.nextWakeAt();
    if (wakeAt !== undefined) this.timer.arm(wakeAt);
  }

  private start(probe: Probe, now: number): void {
    const thread = this.threadOf.get(probe.id) as number;
    this.clients.clients.startOp(thread, now, { op: this.probeOp(probe), process: this.nextProcess++ });
  }

  /**
   * With client sessions a thread opens its session before its first op: once that ends, the
   * probe's op starts (or, past the deadline, the probe ends unserved).
   */
  private free(thread: number, now: number): void {
    const probe = this.probeOf.get(thread);
    const plan = this.plan;
    if (probe === undefined || plan === null || probe.state !== 'running' || this.clients.clients.isBusy(thread) || this.ctx.aborted) return;
    if (now >= plan.deadline) {
      plan.completed(probe, { served: false, answer: 'no session opened' }, now);
      this.dispatch();
      return;
    }
    this.start(probe, now);
  }

  private completed(op: CompletedOp): void {
    const probe = this.probeOf.get(op.thread);
    if (probe === undefined || this.plan === null) return;
    this.plan.completed(probe, served(op), op.completedAt);
    this.dispatch();
  }

  private probeOp(probe: Probe): ClientOp {
    const txn = this.clients.txnWorkload;
    if (txn !== null) return txn.generator.probeTxn();
    const linKv = this.clients.linKvWorkload;
    if (linKv === null) throw new Error('a run has a lin-kv or a txn workload');
    // One key per node where the groups allow.
    const key = linKv.currentKey(this.cluster.slot(probe.node).index);
    switch (probe.f) {
      case 'read':
        return { f: 'read', key, value: null };
      case 'write':
        return { f: 'write', key, value: this.rng.int(0, 4) };
      default:
        return { f: 'cas', key, value: [this.rng.int(0, 4), this.rng.int(0, 4)] };
    }
  }
}

/**
 * Served: the node answered for the data. A read of a missing key (20) and a cas whose value did
 * not match (20, 22) are answers about the data, so they count; any other error or a timeout does not.
 */
function served(op: CompletedOp): ProbeOutcome {
  if (op.type === 'ok') return { served: true };
  const code = op.error?.code;
  if (op.op.f === 'read' && code === ErrorCode.keyDoesNotExist) return { served: true };
  if (op.op.f === 'cas' && (code === ErrorCode.keyDoesNotExist || code === ErrorCode.preconditionFailed)) return { served: true };
  if (op.error === undefined) return { served: false, answer: op.type };
  if (op.error.text === 'net-timeout') return { served: false, answer: 'timeout' };
  if (op.error.text.startsWith('malformed-response')) return { served: false, answer: 'a malformed response' };
  return { served: false, answer: `error ${op.error.code}` };
}
