// The lin-kv client threads as one pure model, driven by the harness (wall clock, real node
// processes) and by the simulator (virtual time): which op each thread runs next, one request
// per thread outstanding, the history, timeouts as completions, and raftkv's client sessions
// (open one per thread, tag every op with (session, seq), send an indeterminate write or cas
// again with the same seq up to MAX_SESSION_ATTEMPTS times). Time and transport are injected:
// every entry point takes `now`, requests leave through ClientDriver.send, and timeouts come in
// through expire (exact timers) or expireDue (a sweep). No clock, no timers, no I/O.
// Invariants: a thread has at most one request outstanding (an op or a session opening); every
// invoke is completed exactly once; only the reply to the attempt awaited counts.

import { assert } from '../base/assert.js';
import type { JsonObject, JsonValue } from '../base/json.js';
import type { Rng } from '../base/rng.js';
import type { HistoryError, HistoryEvent } from '../check/history.js';
import { ErrorCode } from '../protocol/errors.js';
import { abbreviate } from './envelope.js';
import { classifyReply, classifyTimeout, encodeRequestBody, LinKvGenerator, type Completion, type KvOp } from './lin_kv.js';

/** With client sessions: attempts at one write or cas before it is recorded as indeterminate. */
export const MAX_SESSION_ATTEMPTS = 4;
/** Malformed replies kept as examples for the report. */
const MALFORMED_EXAMPLES = 10;

/**
 * Errors that are the state machine's answer to the (session, seq) itself, which it remembers
 * and repeats to every attempt; any other definite error only says this attempt did not run.
 */
function isStateMachineOutcome(code: number): boolean {
  return code === ErrorCode.keyDoesNotExist || code === ErrorCode.preconditionFailed;
}

/** One history shared by the clients and whoever else records into it (the harness's nemesis). */
export class HistoryRecorder {
  readonly events: HistoryEvent[] = [];

  /** `nanosPerUnit`: history times are nanoseconds, the driver's time is in its own unit. */
  constructor(
    private readonly nanosPerUnit: number,
    private readonly onEvent?: (event: HistoryEvent) => void,
  ) {}

  record(process: number | string, type: HistoryEvent['type'], f: string, key: number | undefined, value: JsonValue, now: number, error?: HistoryError): void {
    const event: HistoryEvent = {
      index: this.events.length,
      process,
      type,
      f,
      ...(key === undefined ? {} : { key }),
      value,
      time: Math.max(0, Math.round(now * this.nanosPerUnit)),
      ...(error === undefined ? {} : { error }),
    };
    this.events.push(event);
    this.onEvent?.(event);
  }
}

export interface LinKvClientOptions {
  readonly nodeIds: readonly string[];
  /** Worker threads: whole groups of 2 × node-count (see LinKvGenerator). */
  readonly concurrency: number;
  /** The generator's randomness: one Rng per thread (repeatable whatever the timing) or one shared. */
  readonly generatorRng: Rng | readonly Rng[];
  readonly readFraction?: number | undefined;
  readonly processLimit?: number;
  /** How long a request waits for its reply, in the driver's unit of time. */
  readonly timeout: number;
  readonly sessions: boolean;
  /** Worker thread t is client `c<firstClientNumber + t>`. */
  readonly firstClientNumber: number;
  readonly history: HistoryRecorder;
}

export interface CompletedOp {
  readonly thread: number;
  readonly process: number;
  readonly op: KvOp;
  readonly type: 'ok' | 'fail' | 'info';
  readonly error: HistoryError | undefined;
  readonly invokedAt: number;
  readonly completedAt: number;
}

export interface ClientDriver {
  /** Sends a request body (JSON text) from a client to its node. */
  send(clientId: string, nodeId: string, body: string): void;
  /** For drivers with exact timers: call expire(thread, msgId, now) at `at` (sweeping drivers ignore it). */
  deadline?(thread: number, msgId: number, at: number): void;
  /** Every completion, after it is in the history. */
  completed?(op: CompletedOp): void;
  /** The thread has nothing outstanding any more (an op completed, a session opening ended). */
  threadFree(thread: number, now: number): void;
  /** A reply that broke its schema (the op is recorded info); `count` of them so far. */
  malformed?(nodeId: string, reason: string, count: number): void;
}

interface InFlight {
  readonly op: KvOp;
  readonly process: number;
  readonly invokedAt: number;
  /** In a session: the op's sequence number, the same on every attempt. */
  readonly seq: number;
  msgId: number;
  deadline: number;
  attempts: number;
}

interface ClientThread {
  readonly index: number;
  readonly clientId: string;
  readonly nodeId: string;
  /** Worker threads get their ops from the generator; extra threads are given theirs. */
  readonly worker: boolean;
  msgId: number;
  /** The node's session id once opened, and the last seq used in it. */
  session: number | null;
  seq: number;
  opening: { readonly msgId: number; readonly deadline: number } | null;
  inflight: InFlight | null;
}

export class LinKvClients {
  private readonly generator: LinKvGenerator;
  private readonly threads: ClientThread[] = [];
  private readonly byClient = new Map<string, ClientThread>();
  private inflightCount = 0;
  sessionRetries = 0;
  malformedResponses = 0;
  readonly malformedExamples: string[] = [];

  constructor(
    private readonly options: LinKvClientOptions,
    private readonly driver: ClientDriver,
  ) {
    this.generator = new LinKvGenerator(
      {
        nodeCount: options.nodeIds.length,
        concurrency: options.concurrency,
        readFraction: options.readFraction,
        ...(options.processLimit === undefined ? {} : { processLimit: options.processLimit }),
      },
      options.generatorRng,
    );
    for (let thread = 0; thread < options.concurrency; thread++) {
      this.addThreadRecord(`c${options.firstClientNumber + thread}`, options.nodeIds[this.generator.nodeIndexOf(thread)] as string, true);
    }
  }

  /** A thread whose ops the driver chooses (the simulator's liveness probes); returns its index. */
  addThread(clientId: string, nodeId: string): number {
    return this.addThreadRecord(clientId, nodeId, false).index;
  }

  private addThreadRecord(clientId: string, nodeId: string, worker: boolean): ClientThread {
    assert(!this.byClient.has(clientId), () => `client ${clientId} twice`);
    const thread: ClientThread = { index: this.threads.length, clientId, nodeId, worker, msgId: 0, session: null, seq: 0, opening: null, inflight: null };
    this.threads.push(thread);
    this.byClient.set(clientId, thread);
    return thread;
  }

  /** Ops invoked and not yet completed (session openings are not ops). */
  get inflight(): number {
    return this.inflightCount;
  }

  get keysUsed(): number {
    return this.generator.keysUsed;
  }

  get workerCount(): number {
    return this.options.concurrency;
  }

  clientIdOf(thread: number): string {
    return this.thread(thread).clientId;
  }

  nodeOf(thread: number): string {
    return this.thread(thread).nodeId;
  }

  isClient(clientId: string): boolean {
    return this.byClient.has(clientId);
  }

  /** Whether the thread waits for an answer (to an op or to a session opening). */
  isBusy(thread: number): boolean {
    const record = this.thread(thread);
    return record.inflight !== null || record.opening !== null;
  }

  /**
   * Starts the thread's next op: the generator's for a worker, `given` for an extra thread. With
   * sessions, a thread without one opens it first instead (and is free again once that ends).
   */
  startOp(thread: number, now: number, given?: { readonly op: KvOp; readonly process: number }): void {
    const record = this.thread(thread);
    assert(record.inflight === null && record.opening === null, () => `${record.clientId} already waits for an answer`);
    if (this.options.sessions && record.session === null) {
      this.openSession(record, now);
      return;
    }
    let op: KvOp;
    let process: number;
    if (given === undefined) {
      assert(record.worker, () => `${record.clientId} is given its ops`);
      op = this.generator.nextOp(thread);
      process = this.generator.processOf(thread);
    } else {
      op = given.op;
      process = given.process;
    }
    const seq = record.session === null ? 0 : ++record.seq;
    const inflight: InFlight = { op, process, invokedAt: now, seq, msgId: 0, deadline: 0, attempts: 0 };
    record.inflight = inflight;
    this.inflightCount++;
    this.options.history.record(process, 'invoke', op.f, op.key, op.value, now);
    this.sendAttempt(record, inflight, now);
  }

  /** A reply addressed to `clientId`; false when that is none of these clients. */
  onReply(clientId: string, body: JsonObject, now: number): boolean {
    const record = this.byClient.get(clientId);
    if (record === undefined) return false;
    const inReplyTo = body['in_reply_to'];
    if (record.opening !== null) {
      if (inReplyTo === record.opening.msgId) this.sessionOpened(record, body, now);
      return true;
    }
    const inflight = record.inflight;
    // Only the reply to the attempt awaited counts; late or stray replies are dropped.
    if (inflight === null || inReplyTo !== inflight.msgId) return true;
    let completion = classifyReply(inflight.op, body, record.session !== null);
    if (completion.type === 'fail' && inflight.attempts > 1 && !isStateMachineOutcome(completion.error.code)) {
      // A definite error speaks for this attempt only: an earlier, indeterminate attempt of the
      // same (session, seq) may still have taken effect, so the op as a whole is indeterminate.
      completion = { type: 'info', error: completion.error };
    }
    if (completion.type === 'info' && completion.malformed === undefined && this.retryInSession(record, inflight, now)) return true;
    if (completion.type === 'info' && completion.malformed !== undefined) {
      this.malformedResponses++;
      if (this.malformedExamples.length < MALFORMED_EXAMPLES) this.malformedExamples.push(`${record.nodeId}: ${abbreviate(completion.malformed)}`);
      this.driver.malformed?.(record.nodeId, completion.malformed, this.malformedResponses);
    }
    this.complete(record, completion, now);
    return true;
  }

  /** The timer for attempt `msgId` of `thread` fired: unless answered since, it timed out. */
  expire(thread: number, msgId: number, now: number): void {
    const record = this.thread(thread);
    if (record.opening !== null && record.opening.msgId === msgId && now >= record.opening.deadline) {
      this.sessionOpened(record, null, now);
      return;
    }
    const inflight = record.inflight;
    if (inflight !== null && inflight.msgId === msgId && now >= inflight.deadline) this.timedOut(record, inflight, now);
  }

  /** A sweep: times out every request whose deadline has passed. */
  expireDue(now: number): void {
    for (const record of this.threads) {
      if (record.opening !== null && now >= record.opening.deadline) this.sessionOpened(record, null, now);
      const inflight = record.inflight;
      if (inflight !== null && now >= inflight.deadline) this.timedOut(record, inflight, now);
    }
  }

  private thread(thread: number): ClientThread {
    const record = this.threads[thread];
    assert(record !== undefined, () => `no client thread ${thread}`);
    return record;
  }

  private timedOut(record: ClientThread, inflight: InFlight, now: number): void {
    if (!this.retryInSession(record, inflight, now)) this.complete(record, classifyTimeout(inflight.op), now);
  }

  private sendAttempt(record: ClientThread, inflight: InFlight, now: number): void {
    inflight.msgId = ++record.msgId;
    inflight.deadline = now + this.options.timeout;
    inflight.attempts++;
    const tag = record.session === null ? undefined : { session: record.session, seq: inflight.seq };
    this.driver.send(record.clientId, record.nodeId, encodeRequestBody(inflight.op, inflight.msgId, tag));
    this.driver.deadline?.(record.index, inflight.msgId, inflight.deadline);
  }

  /**
   * In a session, an indeterminate write or cas is sent again with the same seq: the node runs a
   * (session, seq) at most once and answers every attempt with the first outcome. False when the
   * op must be recorded as indeterminate after all.
   */
  private retryInSession(record: ClientThread, inflight: InFlight, now: number): boolean {
    if (record.session === null || inflight.op.f === 'read' || inflight.attempts >= MAX_SESSION_ATTEMPTS) return false;
    this.sessionRetries++;
    this.sendAttempt(record, inflight, now);
    return true;
  }

  /** The thread stays busy until its node has opened a session for it (tried again until then). */
  private openSession(record: ClientThread, now: number): void {
    const msgId = ++record.msgId;
    const deadline = now + this.options.timeout;
    record.opening = { msgId, deadline };
    this.driver.send(record.clientId, record.nodeId, `{"type":"open_session","msg_id":${msgId}}`);
    this.driver.deadline?.(record.index, msgId, deadline);
  }

  private sessionOpened(record: ClientThread, body: JsonObject | null, now: number): void {
    record.opening = null;
    const session = body?.['session'];
    if (body?.['type'] === 'open_session_ok' && typeof session === 'number' && Number.isSafeInteger(session)) {
      record.session = session;
      record.seq = 0;
    }
    // Opened: the thread's first op may start. Refused or timed out: the thread may try again.
    this.driver.threadFree(record.index, now);
  }

  private complete(record: ClientThread, completion: Completion, now: number): void {
    const inflight = record.inflight;
    assert(inflight !== null, 'a completion without an op in flight');
    record.inflight = null;
    this.inflightCount--;
    const value = completion.type === 'ok' ? completion.value : inflight.op.value;
    const error = completion.type === 'ok' ? undefined : completion.error;
    this.options.history.record(inflight.process, completion.type, inflight.op.f, inflight.op.key, value, now, error);
    // A crashed Jepsen worker never comes back: the thread continues as a fresh process.
    if (completion.type === 'info' && record.worker) this.generator.crashed(record.index);
    this.driver.completed?.({
      thread: record.index,
      process: inflight.process,
      op: inflight.op,
      type: completion.type,
      error,
      invokedAt: inflight.invokedAt,
      completedAt: now,
    });
    this.driver.threadFree(record.index, now);
  }
}
