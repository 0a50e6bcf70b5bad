// The simulator's clients, as Maelstrom's lin-kv runs them, on virtual time: each thread is
// bound to one node and has one operation in flight; ops come from the harness's
// LinKvGenerator, replies are classified by the harness's classifyReply/classifyTimeout, and
// everything lands in one history in the checker's format. Liveness probes (one per node:
// write, then read, retried until both succeed) share the history. Pure: virtual time and
// randomness come from the simulator; replies arrive as encoded lines through the real codec.

import { assert } from '../base/assert.js';
import type { JsonObject, JsonValue } from '../base/json.js';
import type { Rng } from '../base/rng.js';
import type { HistoryError, HistoryEvent } from '../check/history.js';
import { classifyReply, classifyTimeout, encodeRequestBody, LinKvGenerator, type Completion, type KvOp } from '../harness/lin_kv.js';
import { decodeMessage } from '../protocol/message.js';

export interface ClientIo {
  /** Sends one encoded line from a client to a node (reliable, delayed by the simulator). */
  send(clientId: string, nodeId: string, line: string): void;
  /** Calls back onTimer(token) at virtual time atUs. */
  schedule(atUs: number, token: ClientTimer): void;
}

export type ClientTimer =
  | { readonly kind: 'start'; readonly thread: number }
  | { readonly kind: 'timeout'; readonly thread: number; readonly msgId: number };

export interface ClientConfig {
  readonly timeoutUs: number;
  /** Pause between a thread's ops, uniform in [0, thinkUs]. */
  readonly thinkUs: number;
  /** Keys rotate after this many distinct processes touched one (keeps per-key histories small). */
  readonly processLimit: number;
}

interface Inflight {
  readonly op: KvOp;
  readonly msgId: number;
  readonly process: number;
}

interface Thread {
  readonly index: number;
  readonly clientId: string;
  readonly nodeId: string;
  msgId: number;
  process: number;
  inflight: Inflight | undefined;
  /** Probes only: the steps still to do, in order. */
  probeSteps: KvOp[];
}

/** Key of the liveness probes: beyond any key the generator hands out in a bounded run. */
export const PROBE_KEY = 1_000_000;
const PROBE_PROCESS_BASE = 1_000_000;
const PROBE_RETRY_US = 20_000;

export class SimClients {
  readonly history: HistoryEvent[] = [];
  private readonly generator: LinKvGenerator;
  private readonly threads: Thread[] = [];
  private readonly byClientId = new Map<string, Thread>();
  private readonly probeCount: number;
  private issuing = true;
  private inflightCount = 0;
  okCount = 0;
  failCount = 0;
  infoCount = 0;

  constructor(
    nodeIds: readonly string[],
    private readonly rng: Rng,
    private readonly config: ClientConfig,
    private readonly io: ClientIo,
    private readonly now: () => number,
  ) {
    const concurrency = 2 * nodeIds.length;
    this.generator = new LinKvGenerator({ nodeCount: nodeIds.length, concurrency, processLimit: config.processLimit }, rng);
    for (let index = 0; index < concurrency; index++) this.addThread(`c${index + 1}`, nodeIds[this.generator.nodeIndexOf(index)] as string, index);
    this.probeCount = nodeIds.length;
    for (let node = 0; node < nodeIds.length; node++) this.addThread(`c${1001 + node}`, nodeIds[node] as string, PROBE_PROCESS_BASE + node);
  }

  private addThread(clientId: string, nodeId: string, process: number): void {
    const thread: Thread = { index: this.threads.length, clientId, nodeId, msgId: 0, process, inflight: undefined, probeSteps: [] };
    this.threads.push(thread);
    this.byClientId.set(clientId, thread);
  }

  get workerCount(): number {
    return this.threads.length - this.probeCount;
  }

  get inflight(): number {
    return this.inflightCount;
  }

  /** Schedules every worker's first op. */
  start(): void {
    for (let thread = 0; thread < this.workerCount; thread++) this.io.schedule(this.now() + this.rng.int(0, this.config.thinkUs), { kind: 'start', thread });
  }

  /** The safety phase is over: workers finish what is in flight and start nothing new. */
  stopIssuing(): void {
    this.issuing = false;
  }

  /** Starts the liveness probes: every node must serve a write and then a read. */
  startProbes(): void {
    for (let node = 0; node < this.probeCount; node++) {
      const thread = this.threads[this.workerCount + node] as Thread;
      thread.probeSteps = [
        { f: 'write', key: PROBE_KEY, value: node },
        { f: 'read', key: PROBE_KEY, value: null },
      ];
      this.io.schedule(this.now(), { kind: 'start', thread: thread.index });
    }
  }

  /** Probes that have not finished yet. */
  get probesPending(): number {
    let pending = 0;
    for (let node = 0; node < this.probeCount; node++) if ((this.threads[this.workerCount + node] as Thread).probeSteps.length > 0) pending++;
    return pending;
  }

  probeStatus(): string {
    const parts: string[] = [];
    for (let node = 0; node < this.probeCount; node++) {
      const thread = this.threads[this.workerCount + node] as Thread;
      parts.push(`${thread.nodeId}:${thread.probeSteps.length === 0 ? 'done' : `waiting for ${(thread.probeSteps[0] as KvOp).f}`}`);
    }
    return parts.join(' ');
  }

  onTimer(timer: ClientTimer): void {
    const thread = this.threads[timer.thread] as Thread;
    if (timer.kind === 'start') {
      this.startOp(thread);
      return;
    }
    if (thread.inflight === undefined || thread.inflight.msgId !== timer.msgId) return;
    this.complete(thread, classifyTimeout(thread.inflight.op));
  }

  /** A line a node wrote to a client. */
  onLine(line: string): void {
    const decoded = decodeMessage(line);
    assert(decoded.kind === 'message', () => `a node wrote an undecodable line to a client: ${line}`);
    const thread = this.byClientId.get(decoded.message.dest);
    if (thread === undefined) return; // the init handshake's client
    const body = decoded.message.body;
    const inflight = thread.inflight;
    if (inflight === undefined || body.in_reply_to !== inflight.msgId) return; // late: it timed out
    this.complete(thread, classifyReply(inflight.op, body as JsonObject));
  }

  private isProbe(thread: Thread): boolean {
    return thread.index >= this.workerCount;
  }

  private startOp(thread: Thread): void {
    assert(thread.inflight === undefined, () => `${thread.clientId} already has an op in flight`);
    let op: KvOp;
    if (this.isProbe(thread)) {
      const next = thread.probeSteps[0];
      if (next === undefined) return;
      op = next;
    } else {
      if (!this.issuing) return;
      op = this.generator.nextOp(thread.index);
      thread.process = this.generator.processOf(thread.index);
    }
    const msgId = ++thread.msgId;
    thread.inflight = { op, msgId, process: thread.process };
    this.inflightCount++;
    this.record(thread.process, 'invoke', op, op.value, undefined);
    this.io.send(thread.clientId, thread.nodeId, `{"src":"${thread.clientId}","dest":"${thread.nodeId}","body":${encodeRequestBody(op, msgId)}}\n`);
    this.io.schedule(this.now() + this.config.timeoutUs, { kind: 'timeout', thread: thread.index, msgId });
  }

  private complete(thread: Thread, completion: Completion): void {
    const inflight = thread.inflight;
    assert(inflight !== undefined, 'completion without an op in flight');
    thread.inflight = undefined;
    this.inflightCount--;
    const value = completion.type === 'ok' ? completion.value : inflight.op.value;
    this.record(inflight.process, completion.type, inflight.op, value, completion.type === 'ok' ? undefined : completion.error);
    if (completion.type === 'ok') this.okCount++;
    else if (completion.type === 'fail') this.failCount++;
    else this.infoCount++;
    if (this.isProbe(thread)) {
      if (completion.type === 'ok') thread.probeSteps.shift();
      // A crashed process never comes back: continue as a fresh one (Jepsen's worker rule).
      if (completion.type === 'info') thread.process += this.probeCount;
      if (thread.probeSteps.length > 0) this.io.schedule(this.now() + (completion.type === 'ok' ? 0 : PROBE_RETRY_US), { kind: 'start', thread: thread.index });
      return;
    }
    if (completion.type === 'info') this.generator.crashed(thread.index);
    if (this.issuing) this.io.schedule(this.now() + this.rng.int(0, this.config.thinkUs), { kind: 'start', thread: thread.index });
  }

  private record(process: number, type: HistoryEvent['type'], op: KvOp, value: JsonValue, error: HistoryError | undefined): void {
    this.history.push({
      index: this.history.length,
      process,
      type,
      f: op.f,
      key: op.key,
      value,
      time: this.now() * 1000,
      ...(error === undefined ? {} : { error }),
    });
  }
}
