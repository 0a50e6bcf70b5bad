// The client threads of every workload as one pure model, driven by the harness (wall clock, real
// node processes) and by the simulator (virtual time): one request per thread outstanding, the
// history, timeouts as completions, malformed replies counted, crashed processes renumbered, and
// raftkv's client sessions (open one per thread, tag every op with (session, seq), send an
// indeterminate op again with the same seq while its workload allows). A workload plugs in what
// differs: its generator, request encoding, reply and timeout classification, session resends.
// No clock, no timers, no I/O: every entry point takes `now`, requests leave through
// ClientDriver.send, timeouts come in through expire (exact timers) or expireDue (a sweep).
// Invariants: a thread has at most one request outstanding (an op or a session opening); every
// invoke is completed exactly once; only the reply to the attempt awaited counts; worker thread t
// starts as process t and becomes process p + workerCount after each info outcome.

import { assert } from '../base/assert.js';
import type { JsonObject, JsonValue } from '../base/json.js';
import type { HistoryError, HistoryEvent } from '../check/history.js';
import { ErrorCode } from '../protocol/errors.js';
import { abbreviate } from './envelope.js';

/** With client sessions: attempts at one op before it is recorded as indeterminate. */
export const MAX_SESSION_ATTEMPTS = 4;
/** Malformed replies kept as examples for the report. */
const MALFORMED_EXAMPLES = 10;

/** One client operation as the history records it: `f`, an optional key, and the invocation's value. */
export interface ClientOp {
  readonly f: string;
  readonly key?: number;
  readonly value: JsonValue;
}

export type Completion =
  | { readonly type: 'ok'; readonly value: JsonValue }
  | { readonly type: 'fail'; readonly error: HistoryError }
  | { readonly type: 'info'; readonly error: HistoryError; readonly malformed?: string; readonly answersAnother?: true };

/** The error recorded for a client timeout, as Maelstrom's :net-timeout. */
export const NET_TIMEOUT: HistoryError = { code: ErrorCode.timeout, text: 'net-timeout' };

/** Malformed replies are indeterminate (Maelstrom records the op as crashed: info). */
export function malformedReply(reason: string): Completion {
  return { type: 'info', error: malformedError(reason), malformed: reason };
}

function malformedError(reason: string): HistoryError {
  return { code: ErrorCode.crash, text: `malformed-response: ${reason}` };
}

/** The success reply types of every workload: one of them in reply to another operation answers another request. */
const SUCCESS_REPLY_TYPES: ReadonlySet<string> = new Set(['read_ok', 'write_ok', 'cas_ok', 'txn_ok']);

/**
 * A reply that answers another request: another operation's success type, or a txn_ok whose
 * micro-ops are not the ones sent. Info in the history, as Maelstrom records any malformed reply,
 * but no correct node sends one (it is what a node does that answers a request by the outcome of
 * whatever command took its place in the log), so unlike other malformed replies it fails the run.
 */
export function answersAnotherReply(reason: string): Completion {
  return { type: 'info', error: malformedError(reason), malformed: reason, answersAnother: true };
}

/** A reply of a type other than `expected` (nor error) to an op `f`: another operation's success type answers another request. */
export function unexpectedReplyType(expected: string, f: string, type: unknown): Completion {
  const reason = `expected ${expected} or error in reply to ${f}, got type ${JSON.stringify(type)}`;
  return typeof type === 'string' && SUCCESS_REPLY_TYPES.has(type) ? answersAnotherReply(reason) : malformedReply(reason);
}

/** A client session of raftkv's (not Maelstrom's): the node runs each (session, seq) once. */
export interface SessionTag {
  readonly session: number;
  readonly seq: number;
}

/** What a workload plugs into the client model. */
export interface ClientWorkload<O extends ClientOp> {
  /** Worker threads: thread t is bound to node nodeIndexOf(t) for the whole run. */
  readonly workerCount: number;
  nodeIndexOf(thread: number): number;
  /** The worker's next op; `process` is the thread's current process number. */
  nextOp(thread: number, process: number): O;
  /** Keys handed out so far. */
  readonly keysUsed: number;
  /** The request body as JSON text. */
  encodeRequest(op: O, msgId: number, tag: SessionTag | undefined): string;
  /** A reply matched to the op's request: ok (with the value to record), fail, info, or malformed info. */
  classifyReply(op: O, body: JsonObject, withSession: boolean): Completion;
  classifyTimeout(op: O): Completion;
  /** In a session: may an indeterminate op be sent again with the same seq (the node runs it once)? */
  mayResendInSession(op: O): boolean;
  /**
   * Error codes that are the state machine's answer to a (session, seq) itself, remembered and
   * repeated to every attempt; any other definite error speaks only for the attempt it answers.
   */
  isRememberedOutcome(code: number): boolean;
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

export interface ClientModelOptions {
  readonly nodeIds: readonly string[];
  /** How long a request waits for its reply, in the driver's unit of time. */
  readonly timeout: number;
  readonly sessions: boolean;
  /** Worker thread t is client `c<firstClientNumber + t>`. */
  readonly firstClientNumber: number;
  readonly history: HistoryRecorder;
}

export interface CompletedOp<O extends ClientOp = ClientOp> {
  readonly thread: number;
  readonly process: number;
  readonly op: O;
  readonly type: 'ok' | 'fail' | 'info';
  readonly error: HistoryError | undefined;
  /** The recorded value: the reply's for ok, the invocation's otherwise. */
  readonly value: JsonValue;
  readonly invokedAt: number;
  readonly completedAt: number;
}

export interface ClientDriver<O extends ClientOp = ClientOp> {
  /** Sends a request body (JSON text) from a client to its node. */
  send(clientId: string, nodeId: string, body: string): void;
  /** For drivers with exact timers: call expire(thread, msgId, now) at `at` (sweeping drivers ignore it). */
  deadline?(thread: number, msgId: number, at: number): void;
  /** Every completion, after it is in the history. */
  completed?(op: CompletedOp<O>): void;
  /** The thread has nothing outstanding any more (an op completed, a session opening ended). */
  threadFree(thread: number, now: number): void;
  /** A reply that broke its schema (the op is recorded info); `count` of them so far. */
  malformed?(nodeId: string, reason: string, count: number): void;
}

interface InFlight<O> {
  readonly op: O;
  readonly process: number;
  readonly invokedAt: number;
  /** In a session: the op's sequence number, the same on every attempt. */
  readonly seq: number;
  msgId: number;
  deadline: number;
  attempts: number;
}

interface ClientThread<O> {
  readonly index: number;
  readonly clientId: string;
  readonly nodeId: string;
  /** Worker threads get their ops from the generator (or are given them); extra threads are always given theirs. */
  readonly worker: boolean;
  /** A worker's current process number (extra threads are given one with each op). */
  process: number;
  msgId: number;
  /** The node's session id once opened, and the last seq used in it. */
  session: number | null;
  seq: number;
  opening: { readonly msgId: number; readonly deadline: number } | null;
  inflight: InFlight<O> | null;
}

export class ClientModel<O extends ClientOp> {
  private readonly threads: ClientThread<O>[] = [];
  private readonly byClient = new Map<string, ClientThread<O>>();
  private inflightCount = 0;
  sessionRetries = 0;
  malformedResponses = 0;
  readonly malformedExamples: string[] = [];
  /** Those of the malformed replies that answer another request (see answersAnotherReply). */
  answersToAnother = 0;
  readonly answersToAnotherExamples: string[] = [];

  constructor(
    private readonly workload: ClientWorkload<O>,
    private readonly options: ClientModelOptions,
    private readonly driver: ClientDriver<O>,
  ) {
    for (let thread = 0; thread < workload.workerCount; thread++) {
      this.addThreadRecord(`c${options.firstClientNumber + thread}`, options.nodeIds[workload.nodeIndexOf(thread)] as string, true);
    }
  }

  /** A thread whose ops the driver chooses (the simulator's liveness probes); returns its index. */
  addThread(clientId: string, nodeId: string): number {
    return this.addThreadRecord(clientId, nodeId, false).index;
  }

  private addThreadRecord(clientId: string, nodeId: string, worker: boolean): ClientThread<O> {
    assert(!this.byClient.has(clientId), () => `client ${clientId} twice`);
    const index = this.threads.length;
    const thread: ClientThread<O> = { index, clientId, nodeId, worker, process: index, msgId: 0, session: null, seq: 0, opening: null, inflight: null };
    this.threads.push(thread);
    this.byClient.set(clientId, thread);
    return thread;
  }

  /** Ops invoked and not yet completed (session openings are not ops). */
  get inflight(): number {
    return this.inflightCount;
  }

  get keysUsed(): number {
    return this.workload.keysUsed;
  }

  get workerCount(): number {
    return this.workload.workerCount;
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
   * Starts the thread's next op: the generator's for a worker, or `given` (a worker runs it as
   * its current process unless one is given; an extra thread must be given one). With sessions,
   * a thread without one opens it first instead (and is free again once that ends).
   */
  startOp(thread: number, now: number, given?: { readonly op: O; readonly process?: number }): void {
    const record = this.thread(thread);
    assert(record.inflight === null && record.opening === null, () => `${record.clientId} already waits for an answer`);
    if (this.options.sessions && record.session === null) {
      this.openSession(record, now);
      return;
    }
    let op: O;
    let process: number;
    if (given === undefined) {
      assert(record.worker, () => `${record.clientId} is given its ops`);
      op = this.workload.nextOp(thread, record.process);
      process = record.process;
    } else {
      assert(record.worker || given.process !== undefined, () => `${record.clientId} is given its process with each op`);
      op = given.op;
      process = given.process ?? record.process;
    }
    const seq = record.session === null ? 0 : ++record.seq;
    const inflight: InFlight<O> = { op, process, invokedAt: now, seq, msgId: 0, deadline: 0, attempts: 0 };
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
    let completion = this.workload.classifyReply(inflight.op, body, record.session !== null);
    if (completion.type === 'fail' && inflight.attempts > 1 && !this.workload.isRememberedOutcome(completion.error.code)) {
      // A definite error speaks for this attempt only: an earlier, indeterminate attempt of the
      // same (session, seq) may still have taken effect, so the op as a whole is indeterminate.
      completion = { type: 'info', error: completion.error };
    }
    if (completion.type === 'info' && completion.malformed === undefined && this.retryInSession(record, inflight, now)) return true;
    if (completion.type === 'info' && completion.malformed !== undefined) {
      this.malformedResponses++;
      if (this.malformedExamples.length < MALFORMED_EXAMPLES) this.malformedExamples.push(`${record.nodeId}: ${abbreviate(completion.malformed)}`);
      this.driver.malformed?.(record.nodeId, completion.malformed, this.malformedResponses);
      if (completion.answersAnother === true) {
        this.answersToAnother++;
        if (this.answersToAnotherExamples.length < MALFORMED_EXAMPLES)
          this.answersToAnotherExamples.push(`${record.nodeId}: ${abbreviate(completion.malformed)}`);
      }
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

  private thread(thread: number): ClientThread<O> {
    const record = this.threads[thread];
    assert(record !== undefined, () => `no client thread ${thread}`);
    return record;
  }

  private timedOut(record: ClientThread<O>, inflight: InFlight<O>, now: number): void {
    if (!this.retryInSession(record, inflight, now)) this.complete(record, this.workload.classifyTimeout(inflight.op), now);
  }

  private sendAttempt(record: ClientThread<O>, inflight: InFlight<O>, now: number): void {
    inflight.msgId = ++record.msgId;
    inflight.deadline = now + this.options.timeout;
    inflight.attempts++;
    const tag = record.session === null ? undefined : { session: record.session, seq: inflight.seq };
    this.driver.send(record.clientId, record.nodeId, this.workload.encodeRequest(inflight.op, inflight.msgId, tag));
    this.driver.deadline?.(record.index, inflight.msgId, inflight.deadline);
  }

  /**
   * In a session, an indeterminate op the workload allows is sent again with the same seq: the
   * node runs a (session, seq) at most once and answers every attempt with the first outcome.
   * False when the op must be recorded as indeterminate after all.
   */
  private retryInSession(record: ClientThread<O>, inflight: InFlight<O>, now: number): boolean {
    if (record.session === null || !this.workload.mayResendInSession(inflight.op) || inflight.attempts >= MAX_SESSION_ATTEMPTS) return false;
    this.sessionRetries++;
    this.sendAttempt(record, inflight, now);
    return true;
  }

  /** The thread stays busy until its node has opened a session for it (tried again until then). */
  private openSession(record: ClientThread<O>, now: number): void {
    const msgId = ++record.msgId;
    const deadline = now + this.options.timeout;
    record.opening = { msgId, deadline };
    this.driver.send(record.clientId, record.nodeId, `{"type":"open_session","msg_id":${msgId}}`);
    this.driver.deadline?.(record.index, msgId, deadline);
  }

  private sessionOpened(record: ClientThread<O>, body: JsonObject | null, now: number): void {
    record.opening = null;
    const session = body?.['session'];
    if (body?.['type'] === 'open_session_ok' && typeof session === 'number' && Number.isSafeInteger(session)) {
      record.session = session;
      record.seq = 0;
    }
    // Opened: the thread's first op may start. Refused or timed out: the thread may try again.
    this.driver.threadFree(record.index, now);
  }

  private complete(record: ClientThread<O>, completion: Completion, now: number): void {
    const inflight = record.inflight;
    assert(inflight !== null, 'a completion without an op in flight');
    record.inflight = null;
    this.inflightCount--;
    const value = completion.type === 'ok' ? completion.value : inflight.op.value;
    const error = completion.type === 'ok' ? undefined : completion.error;
    this.options.history.record(inflight.process, completion.type, inflight.op.f, inflight.op.key, value, now, error);
    // A crashed Jepsen worker never comes back: the thread continues as a fresh process.
    if (completion.type === 'info' && record.worker) record.process += this.workload.workerCount;
    this.driver.completed?.({
      thread: record.index,
      process: inflight.process,
      op: inflight.op,
      type: completion.type,
      error,
      value,
      invokedAt: inflight.invokedAt,
      completedAt: now,
    });
    this.driver.threadFree(record.index, now);
  }
}
