// Op bursts (--bursts, not Maelstrom's): a stale read around a change of leader lives for a few
// milliseconds (a deposed leader answering until it notices, a new one answering before it knows
// how far its predecessor committed), and Maelstrom's clients rarely land in it: each reads a key
// every few dozen milliseconds, and right after a fault most of them wait out a timeout on a
// request the fault swallowed. So whenever the traffic shows a node other than the last one
// sending to every peer (FanOutWatch: an election, a new leader, or a deposed leader still
// sending), fresh clients at every node read and write the keys in use, back to back, for a
// while: writes that the new leader commits, and reads that show whether any node still answers
// from before them. Their ops are in the history, checked with everything else, and left out of
// the statistics. Invariants: one op in flight per burst thread, each started at most once per
// tick; none outside a burst, after the operation phase or after an abort; a burst lasts at most
// MAX_BURST_MS however often it is renewed.

import type { Rng } from '../base/rng.js';
import type { ClientDriver } from './client_driver.js';
import type { ClientOp, CompletedOp } from './client_model.js';
import type { RunContext } from './run_context.js';
import { FanOutWatch } from './traffic.js';
import { readTxn } from './txn.js';

/** A node that sent to every peer within this span fanned out (heartbeat periods are shorter). */
const FAN_OUT_SPAN_MS = 100;
/** A burst lasts this long after the fan-out that started or last renewed it... */
const BURST_MS = 500;
/** ...but no longer than this from its start (a partitioned leader may fan out for a while). */
const MAX_BURST_MS = 3000;
/** An idle burst thread starts its next op at the next tick: at most one op per thread per tick. */
const BURST_TICK_MS = 5;
/** Burst processes are numbered from here: above every worker's, below the recovery probes'. */
const BURST_PROCESS_BASE = 500_000;

type BurstRole = 'read' | 'write';

interface BurstThread {
  readonly thread: number;
  /** Which of the workload's keys in use (lin-kv: its key group's) the thread works on. */
  readonly slot: number;
  readonly role: BurstRole;
  process: number;
}

export interface BurstSummary {
  readonly bursts: number;
  readonly ops: number;
}

export class OpBursts {
  private readonly watch: FanOutWatch;
  private readonly threads: BurstThread[] = [];
  private readonly threadOf = new Map<number, BurstThread>();
  private nextProcess = BURST_PROCESS_BASE;
  private burstStartMs = -Infinity;
  private burstEndMs = -Infinity;
  private ticker: NodeJS.Timeout | null = null;
  private running = false;
  private bursts = 0;
  private ops = 0;

  constructor(
    private readonly ctx: RunContext,
    nodeIds: readonly string[],
    private readonly clients: ClientDriver,
    private readonly rng: Rng,
    newClientId: () => string,
  ) {
    this.watch = new FanOutWatch(nodeIds, FAN_OUT_SPAN_MS);
    // lin-kv: a reader and a writer per node and key group; a txn workload: per node, one
    // reading the hottest keys in one txn and one appending to the hottest.
    const slots = clients.linKvWorkload?.groupCount ?? 1;
    for (const node of nodeIds) {
      for (let slot = 0; slot < slots; slot++) {
        for (const role of ['read', 'write'] as const) {
          // A free thread waits for the next tick: that is what paces it.
          const thread = clients.addThread(newClientId(), node, { completed: (op) => this.completed(op), free: () => {} });
          const burst: BurstThread = { thread, slot, role, process: this.nextProcess++ };
          this.threads.push(burst);
          this.threadOf.set(thread, burst);
        }
      }
    }
  }

  /** Bursts may start from now on. */
  start(): void {
    this.running = true;
  }

  /** No op starts after this (those in flight go on). */
  stop(): void {
    this.running = false;
    this.endBurst();
  }

  get summary(): BurstSummary {
    return { bursts: this.bursts, ops: this.ops };
  }

  /** A node sent to another node: a new node fanning out starts or renews a burst. */
  nodeTraffic(src: string, dest: string): void {
    const now = this.ctx.nowMs();
    if (!this.watch.sent(src, dest, now) || !this.running || this.ctx.aborted) return;
    if (this.ticker === null) {
      this.burstStartMs = now;
      this.bursts++;
      this.ticker = setInterval(() => this.tick(), BURST_TICK_MS);
    }
    this.burstEndMs = Math.min(this.burstStartMs + MAX_BURST_MS, now + BURST_MS);
    this.tick();
  }

  private tick(): void {
    const now = this.ctx.nowMs();
    if (!this.running || this.ctx.aborted || now >= this.burstEndMs) {
      this.endBurst();
      return;
    }
    for (const burst of this.threads) {
      if (this.clients.clients.isBusy(burst.thread)) continue;
      this.clients.clients.startOp(burst.thread, now, { op: this.opFor(burst), process: burst.process });
    }
  }

  private endBurst(): void {
    if (this.ticker !== null) clearInterval(this.ticker);
    this.ticker = null;
  }

  private completed(op: CompletedOp): void {
    const burst = this.threadOf.get(op.thread);
    if (burst === undefined) return;
    this.ops++;
    // An op whose outcome is unknown leaves its process hanging, as a crashed Jepsen worker does.
    if (op.type === 'info') burst.process = this.nextProcess++;
  }

  private opFor(burst: BurstThread): ClientOp {
    const linKv = this.clients.linKvWorkload;
    if (linKv !== null) {
      const key = linKv.currentKey(burst.slot);
      return burst.role === 'read' ? { f: 'read', key, value: null } : { f: 'write', key, value: this.rng.int(0, 4) };
    }
    const txn = this.clients.txnWorkload;
    if (txn === null) throw new Error('a run has a lin-kv or a txn workload');
    return burst.role === 'read' ? readTxn(txn.generator.hotKeys(this.ctx.options.maxTxnLength)) : txn.generator.probeTxn();
  }
}
