// The lin-kv workload's clients, as Maelstrom runs Jepsen's linearizable-register test: what
// each worker thread does next, and how a reply (or a timeout) becomes a history outcome.
// Pure: randomness from the injected Rng, no clock. Invariants: thread t always talks to node
// t mod N; a group of 2N threads shares one key at a time, its first N threads read and the
// rest write or cas (1:2); a group moves to a fresh key once processLimit distinct processes
// have touched its key (the client model numbers the processes: see client_model.ts).
// Repeatability: with one Rng per thread, a thread's k-th op has the same f and value whatever
// the timing; group g's keys are g, g + G, g + 2G, ... (G groups), so one group's progress
// never shifts another's keys. At which op a group moves on still depends on timing: on which
// ops end info (each makes a new process) and on the order its threads' ops come in.

import type { JsonObject, JsonValue } from '../base/json.js';
import type { Rng } from '../base/rng.js';
import type { HistoryError } from '../check/history.js';
import { ErrorCode, isDefiniteError } from '../protocol/errors.js';
import { malformedReply as malformed, NET_TIMEOUT, unexpectedReplyType, type ClientWorkload, type Completion, type SessionTag } from './client_model.js';

type KvFunction = 'read' | 'write' | 'cas';

export interface KvOp {
  readonly f: KvFunction;
  readonly key: number;
  /** null for a read, the value for a write, [from, to] for a cas. */
  readonly value: JsonValue;
}

export interface LinKvConfig {
  readonly nodeCount: number;
  readonly concurrency: number;
  /** Values are drawn from 0 .. valueCount-1 (Maelstrom: rand-int 5). */
  readonly valueCount?: number;
  /** Distinct processes per key before its group moves on (Jepsen: 20). */
  readonly processLimit?: number;
  /**
   * Not Maelstrom's: when set, every thread reads with this probability and otherwise writes or
   * cas-es (1:2), so benchmarks can vary the read share. Unset: Maelstrom's fixed roles.
   */
  readonly readFraction?: number | undefined;
}

/** lin-kv needs whole groups of 2 × node-count threads; the message says what to use instead. */
export function checkLinKvConcurrency(nodeCount: number, concurrency: number): string | undefined {
  const group = 2 * nodeCount;
  if (concurrency < group) {
    return (
      `--concurrency ${concurrency} is too low for lin-kv with ${nodeCount} node${nodeCount === 1 ? '' : 's'}: each key is worked on by ` +
      `a group of 2 × node-count = ${group} client threads. Consider raising your test's :concurrency to at least ${group} (--concurrency 2n).`
    );
  }
  if (concurrency % group !== 0) {
    return (
      `--concurrency ${concurrency} cannot be split into groups of 2 × node-count = ${group} client threads (lin-kv runs one key per group). ` +
      `Consider raising or lowering your test's :concurrency to a multiple of ${group} (--concurrency 2n, 4n, ...).`
    );
  }
  return undefined;
}

/** One Rng per client thread, forked in thread order from `rng`: the same seed, the same streams. */
export function threadRngs(rng: Rng, concurrency: number): Rng[] {
  return Array.from({ length: concurrency }, () => rng.fork());
}

export class LinKvGenerator {
  /** How many times each group has moved to a fresh key. */
  private readonly groupMoves: number[];
  private readonly groupTouched: Set<number>[];
  private readonly groups: number;
  private readonly groupSize: number;
  private readonly valueCount: number;
  private readonly processLimit: number;

  /**
   * `rng`: one Rng per thread (see threadRngs), so each thread's ops are repeatable whatever
   * the order of calls; or one Rng shared by every thread, for callers (the simulator) whose
   * order of calls is itself repeatable.
   */
  constructor(
    private readonly config: LinKvConfig,
    private readonly rng: Rng | readonly Rng[],
  ) {
    const problem = checkLinKvConcurrency(config.nodeCount, config.concurrency);
    if (problem !== undefined) throw new RangeError(problem);
    if (Array.isArray(rng) && rng.length !== config.concurrency) {
      throw new RangeError(`LinKvGenerator: ${rng.length} thread Rngs for ${config.concurrency} threads`);
    }
    this.groupSize = 2 * config.nodeCount;
    this.groups = config.concurrency / this.groupSize;
    this.groupMoves = Array.from({ length: this.groups }, () => 0);
    this.groupTouched = Array.from({ length: this.groups }, () => new Set<number>());
    this.valueCount = config.valueCount ?? 5;
    this.processLimit = config.processLimit ?? 20;
  }

  get groupCount(): number {
    return this.groups;
  }

  /** Keys handed out so far: each group's first key and every fresh one since. */
  get keysUsed(): number {
    return this.groupMoves.reduce((sum, moves) => sum + moves + 1, 0);
  }

  /** The key group `group` works on after `moves` moves: groups never share a key. */
  keyOf(group: number, moves: number): number {
    return group + moves * this.groups;
  }

  nodeIndexOf(thread: number): number {
    return thread % this.config.nodeCount;
  }

  /** The key a group of threads works on now (what a recovery probe reads and writes after healing). */
  currentKey(group: number): number {
    const index = group % this.groups;
    return this.keyOf(index, this.groupMoves[index] as number);
  }

  isReader(thread: number): boolean {
    return thread % this.groupSize < this.config.nodeCount;
  }

  /** The thread's next operation, run as `process`; may move its group to a fresh key. */
  nextOp(thread: number, process: number): KvOp {
    const group = Math.floor(thread / this.groupSize);
    let touched = this.groupTouched[group] as Set<number>;
    if (!touched.has(process) && touched.size >= this.processLimit) {
      this.groupMoves[group] = (this.groupMoves[group] as number) + 1;
      touched = new Set<number>();
      this.groupTouched[group] = touched;
    }
    touched.add(process);
    const key = this.keyOf(group, this.groupMoves[group] as number);
    const rng = Array.isArray(this.rng) ? (this.rng[thread] as Rng) : (this.rng as Rng);
    const reads = this.config.readFraction === undefined ? this.isReader(thread) : rng.chance(this.config.readFraction);
    if (reads) return { f: 'read', key, value: null };
    if (rng.int(0, 2) === 0) return { f: 'write', key, value: rng.int(0, this.valueCount - 1) };
    return { f: 'cas', key, value: [rng.int(0, this.valueCount - 1), rng.int(0, this.valueCount - 1)] };
  }
}

/** The request body as JSON text (one stringify of the value, the rest is fixed). */
export function encodeRequestBody(op: KvOp, msgId: number, tag?: SessionTag): string {
  const session = tag === undefined ? '' : `,"session":${tag.session},"seq":${tag.seq}`;
  switch (op.f) {
    case 'read':
      return `{"type":"read","key":${op.key},"msg_id":${msgId}${session}}`;
    case 'write':
      return `{"type":"write","key":${op.key},"value":${JSON.stringify(op.value)},"msg_id":${msgId}${session}}`;
    case 'cas': {
      const [from, to] = op.value as [JsonValue, JsonValue];
      return `{"type":"cas","key":${op.key},"from":${JSON.stringify(from)},"to":${JSON.stringify(to)},"msg_id":${msgId}${session}}`;
    }
  }
}

/** Reads are idempotent: a failed or timed-out read took no effect that matters. */
export function classifyTimeout(op: KvOp): Completion {
  return op.f === 'read' ? { type: 'fail', error: NET_TIMEOUT } : { type: 'info', error: NET_TIMEOUT };
}

const SUCCESS: { readonly [f in KvFunction]: { readonly type: string; readonly allowed: ReadonlySet<string>; readonly required: readonly string[] } } = {
  read: { type: 'read_ok', allowed: new Set(['type', 'in_reply_to', 'msg_id', 'value']), required: ['value'] },
  write: { type: 'write_ok', allowed: new Set(['type', 'in_reply_to', 'msg_id']), required: [] },
  cas: { type: 'cas_ok', allowed: new Set(['type', 'in_reply_to', 'msg_id']), required: [] },
};

/**
 * A reply (already matched to the request by in_reply_to) as a history outcome. Errors: fail
 * when the code is definite or the op is a read, else info; error bodies may carry extra keys.
 * Success bodies are closed schemas: anything unexpected makes the op info, marked malformed.
 */
export function classifyReply(op: KvOp, body: JsonObject, withSession = false): Completion {
  const type = body['type'];
  if (type === 'error') {
    const code = body['code'];
    if (typeof code !== 'number' || !Number.isSafeInteger(code)) {
      return malformed(`error reply without an integer "code": ${JSON.stringify(body)}`);
    }
    const text = body['text'];
    const error: HistoryError = { code, text: typeof text === 'string' ? text : '' };
    return isDefiniteError(code) || op.f === 'read' ? { type: 'fail', error } : { type: 'info', error };
  }
  const schema = SUCCESS[op.f];
  if (type !== schema.type) return unexpectedReplyType(schema.type, op.f, type);
  for (const key of Object.keys(body)) {
    // Replies to session requests also carry the applied index (for read-your-writes).
    if (withSession && key === 'index') continue;
    if (!schema.allowed.has(key)) return malformed(`${schema.type} has the disallowed key ${JSON.stringify(key)}: ${JSON.stringify(body)}`);
  }
  for (const key of schema.required) {
    if (!(key in body)) return malformed(`${schema.type} lacks the required key ${JSON.stringify(key)}`);
  }
  const msgId = body['msg_id'];
  if (msgId !== undefined && !(typeof msgId === 'number' && Number.isSafeInteger(msgId))) {
    return malformed(`${schema.type} has a non-integer "msg_id": ${JSON.stringify(body)}`);
  }
  return { type: 'ok', value: op.f === 'read' ? (body['value'] as JsonValue) : op.value };
}

/**
 * lin-kv as the client model's workload. Sessions: an indeterminate write or cas is sent again
 * with the same seq (a read never is: a failed read took no effect); the node remembers its
 * answers 20 and 22 to a (session, seq) and repeats them to every attempt.
 */
export class LinKvWorkload implements ClientWorkload<KvOp> {
  private readonly generator: LinKvGenerator;
  readonly workerCount: number;

  constructor(config: LinKvConfig, rng: Rng | readonly Rng[]) {
    this.generator = new LinKvGenerator(config, rng);
    this.workerCount = config.concurrency;
  }

  get keysUsed(): number {
    return this.generator.keysUsed;
  }

  nodeIndexOf(thread: number): number {
    return this.generator.nodeIndexOf(thread);
  }

  nextOp(thread: number, process: number): KvOp {
    return this.generator.nextOp(thread, process);
  }

  /** How many groups of threads work on a key each. */
  get groupCount(): number {
    return this.generator.groupCount;
  }

  /** The key group `group` (taken modulo the group count) works on now: where bursts and recovery probes look. */
  currentKey(group: number): number {
    return this.generator.currentKey(group);
  }

  encodeRequest(op: KvOp, msgId: number, tag: SessionTag | undefined): string {
    return encodeRequestBody(op, msgId, tag);
  }

  classifyReply(op: KvOp, body: JsonObject, withSession: boolean): Completion {
    return classifyReply(op, body, withSession);
  }

  classifyTimeout(op: KvOp): Completion {
    return classifyTimeout(op);
  }

  mayResendInSession(op: KvOp): boolean {
    return op.f !== 'read';
  }

  isRememberedOutcome(code: number): boolean {
    return code === ErrorCode.keyDoesNotExist || code === ErrorCode.preconditionFailed;
  }
}
