// The txn-list-append and txn-rw-register workloads' clients, as Maelstrom runs Elle's wr-txns
// generator: what each worker thread sends next, and how a txn_ok, an error or a timeout becomes
// a history outcome. Pure: randomness from the injected Rngs, no clock.
// Invariants: every written value is unique per key (1, 2, 3, ... in the order handed out, at
// most maxWritesPerKey of them); a key slot's key is retired at its first write beyond that and
// a never used key takes the slot; no txn is ever sent twice (none is idempotent to the client).
// Repeatability: each thread's Rng decides only the shape of its txns (length, and per micro-op
// read or write and which key slot), drawing the same numbers whatever the other threads do, so
// with one Rng per thread a thread's k-th txn has the same shape whatever the timing. Which key a
// slot holds and which value a write gets are shared state (values must be unique per key across
// threads), so they follow the order in which the threads' txns are generated: timing.

import type { JsonObject, JsonValue } from '../base/json.js';
import type { Rng } from '../base/rng.js';
import type { HistoryError } from '../check/history.js';
import type { TxnWorkload as TxnWorkloadName } from '../check/txn/types.js';
import { isDefiniteError } from '../protocol/errors.js';
import {
  answersAnotherReply,
  malformedReply,
  NET_TIMEOUT,
  unexpectedReplyType,
  type ClientWorkload,
  type Completion,
  type SessionTag,
} from './client_model.js';

export type KeyDist = 'exponential' | 'uniform';
export const KEY_DISTS: readonly KeyDist[] = ['exponential', 'uniform'];

/** A micro-op as it travels: ["r", k, null | read value], ["append", k, v] or ["w", k, v]. */
export type MicroOpJson = [string, number, JsonValue];

export interface TxnOp {
  readonly f: 'txn';
  /** The micro-ops as sent: reads carry null. */
  readonly value: MicroOpJson[];
}

export interface TxnGeneratorConfig {
  readonly workload: TxnWorkloadName;
  /** Active key slots at any time (Elle's key-count). */
  readonly keyCount: number;
  readonly maxTxnLength: number;
  /** Writes per key before it is retired (values 1 .. maxWritesPerKey). */
  readonly maxWritesPerKey: number;
  readonly keyDist: KeyDist;
}

/** Maelstrom's defaults (--key-count is Elle's default for the exponential distribution). */
export const TXN_DEFAULTS: Omit<TxnGeneratorConfig, 'workload'> = { keyCount: 10, maxTxnLength: 4, maxWritesPerKey: 16, keyDist: 'exponential' };

/** The micro-op that writes: "append" in txn-list-append, "w" in txn-rw-register. */
function writeFunction(workload: TxnWorkloadName): 'append' | 'w' {
  return workload === 'txn-list-append' ? 'append' : 'w';
}

/**
 * Elle's exponential key pick, base 2: slot i is twice as likely as slot i - 1, so the last slot
 * gets about half of all micro-ops. `u` uniform in [0, 1).
 */
export function exponentialSlot(u: number, slotCount: number): number {
  // Maps [0, 1) onto [2, 2^(n+1)); the slot is floor(log2) - 1, so slot i covers a span of 2^(i+1).
  const scaled = u * 2 * (2 ** slotCount - 1) + 2;
  return Math.min(slotCount - 1, Math.max(0, Math.floor(Math.log2(scaled)) - 1));
}

export class TxnGenerator {
  /** The key each slot holds now. */
  private readonly slots: number[];
  /** Values handed out per active key (retired keys are dropped: they are never written again). */
  private readonly writes = new Map<number, number>();
  /** Every key a write was handed out for, in first-write order: what final reads read. */
  private readonly written = new Set<number>();
  private nextKey: number;
  private readonly writeF: 'append' | 'w';

  /**
   * `rng`: one Rng per thread (each thread's txn shapes repeatable whatever the order of calls), or
   * one shared by every thread, for callers whose order of calls is itself repeatable.
   */
  constructor(
    private readonly config: TxnGeneratorConfig,
    private readonly rng: Rng | readonly Rng[],
  ) {
    for (const [name, value] of [
      ['keyCount', config.keyCount],
      ['maxTxnLength', config.maxTxnLength],
      ['maxWritesPerKey', config.maxWritesPerKey],
    ] as const) {
      if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`TxnGenerator: ${name} must be a positive integer, not ${value}`);
    }
    this.slots = Array.from({ length: config.keyCount }, (_, slot) => slot);
    this.nextKey = config.keyCount;
    this.writeF = writeFunction(config.workload);
  }

  /** Keys handed out so far: the first slots' and every fresh one since. */
  get keysUsed(): number {
    return this.nextKey;
  }

  /** Every key some write was handed out for, in the order of their first writes. */
  keysWritten(): number[] {
    return [...this.written];
  }

  /** The keys in the first `count` slots: the hottest under the exponential key distribution. */
  hotKeys(count: number): number[] {
    return this.slots.slice(0, Math.max(1, count));
  }

  /** The thread's next txn: 1 to maxTxnLength micro-ops, each a read or a write with equal odds. */
  nextTxn(thread: number): TxnOp {
    const rng = Array.isArray(this.rng) ? (this.rng[thread] as Rng) : (this.rng as Rng);
    const length = rng.int(1, this.config.maxTxnLength);
    const ops: MicroOpJson[] = [];
    for (let i = 0; i < length; i++) {
      // Always two draws per micro-op, whatever the shared state: the thread's stream stays aligned.
      const read = rng.chance(0.5);
      const u = rng.float();
      const slot =
        this.config.keyDist === 'uniform' ? Math.min(this.slots.length - 1, Math.floor(u * this.slots.length)) : exponentialSlot(u, this.slots.length);
      if (read) {
        ops.push(['r', this.slots[slot] as number, null]);
        continue;
      }
      ops.push(this.write(slot));
    }
    return { f: 'txn', value: ops };
  }

  /**
   * A recovery probe after healing: read the hottest key and write a value never written to it
   * (a probe tried again after a timeout must not repeat a value that may have committed).
   * Draws nothing from any thread's stream.
   */
  probeTxn(): TxnOp {
    const write = this.write(0);
    return { f: 'txn', value: [['r', write[1], null], write] };
  }

  /** The next write to the key in `slot`: the key's next value, or a fresh key once it has had its share. */
  private write(slot: number): MicroOpJson {
    let key = this.slots[slot] as number;
    let value = (this.writes.get(key) ?? 0) + 1;
    if (value > this.config.maxWritesPerKey) {
      // Retired, as Elle does at the first write too many; unlike Elle the slot is not drawn
      // again (that would take a varying number of draws from the thread's stream).
      this.writes.delete(key);
      key = this.nextKey++;
      this.slots[slot] = key;
      value = 1;
    }
    this.writes.set(key, value);
    this.written.add(key);
    return [this.writeF, key, value];
  }
}

/** A read-only txn of the given keys (the final reads). */
export function readTxn(keys: readonly number[]): TxnOp {
  return { f: 'txn', value: keys.map((key): MicroOpJson => ['r', key, null]) };
}

/** The request body as JSON text. */
export function encodeTxnRequest(op: TxnOp, msgId: number, tag?: SessionTag): string {
  const session = tag === undefined ? '' : `,"session":${tag.session},"seq":${tag.seq}`;
  return `{"type":"txn","msg_id":${msgId},"txn":${JSON.stringify(op.value)}${session}}`;
}

const TXN_OK_KEYS: ReadonlySet<string> = new Set(['type', 'in_reply_to', 'msg_id', 'txn']);

/**
 * A reply (already matched to the request by in_reply_to) as a history outcome. Errors: fail when
 * the code is definite, else info (no txn is idempotent). txn_ok is a closed schema whose "txn"
 * must be the request's micro-ops in order (same f, key and written value) with every read filled
 * in with what the workload can hold (list-append: a list of integers or null; rw-register: an
 * integer or null). Anything else is malformed: info, as Maelstrom records a reply it cannot use.
 */
export function classifyTxnReply(workload: TxnWorkloadName, op: TxnOp, body: JsonObject): Completion {
  const type = body['type'];
  if (type === 'error') {
    const code = body['code'];
    if (typeof code !== 'number' || !Number.isSafeInteger(code)) return malformedReply(`error reply without an integer "code": ${JSON.stringify(body)}`);
    const text = body['text'];
    const error: HistoryError = { code, text: typeof text === 'string' ? text : '' };
    return isDefiniteError(code) ? { type: 'fail', error } : { type: 'info', error };
  }
  if (type !== 'txn_ok') return unexpectedReplyType('txn_ok', 'txn', type);
  for (const key of Object.keys(body)) {
    if (!TXN_OK_KEYS.has(key)) return malformedReply(`txn_ok has the disallowed key ${JSON.stringify(key)}: ${JSON.stringify(body)}`);
  }
  const msgId = body['msg_id'];
  if (msgId !== undefined && !(typeof msgId === 'number' && Number.isSafeInteger(msgId))) {
    return malformedReply(`txn_ok has a non-integer "msg_id": ${JSON.stringify(body)}`);
  }
  if (!('txn' in body)) return malformedReply('txn_ok lacks the required key "txn"');
  const completed = body['txn'];
  if (!Array.isArray(completed)) return malformedReply(`txn_ok's "txn" is not a list: ${JSON.stringify(completed)}`);
  const problem = microOpsProblem(workload, op.value, completed);
  if (problem !== undefined) {
    const reason = `txn_ok's "txn" ${problem.text}: sent ${JSON.stringify(op.value)}, got ${JSON.stringify(completed)}`;
    return problem.answersAnother ? answersAnotherReply(reason) : malformedReply(reason);
  }
  return { type: 'ok', value: completed };
}

/** What is wrong with a txn_ok's micro-ops; `answersAnother` when they are another txn's (another length, f, key or written value). */
function microOpsProblem(
  workload: TxnWorkloadName,
  sent: readonly MicroOpJson[],
  got: readonly JsonValue[],
): { text: string; answersAnother: boolean } | undefined {
  const another = (text: string): { text: string; answersAnother: boolean } => ({ text, answersAnother: true });
  if (got.length !== sent.length) return another(`has ${got.length} micro-ops where ${sent.length} were sent`);
  for (let i = 0; i < sent.length; i++) {
    const [f, key, value] = sent[i] as MicroOpJson;
    const reply = got[i];
    if (!Array.isArray(reply) || reply.length !== 3) return { text: `has micro-op ${i} that is not [f, k, v]`, answersAnother: false };
    const [gotF, gotKey, gotValue] = reply as [JsonValue, JsonValue, JsonValue];
    if (gotF !== f) return another(`has ${JSON.stringify(gotF)} for micro-op ${i}, which was ${JSON.stringify(f)}`);
    if (gotKey !== key) return another(`has key ${JSON.stringify(gotKey)} in micro-op ${i}, which was on key ${key}`);
    if (f !== 'r') {
      if (gotValue !== value) return another(`has written value ${JSON.stringify(gotValue)} in micro-op ${i}, which wrote ${JSON.stringify(value)}`);
      continue;
    }
    const bad = workload === 'txn-list-append' ? !isListOrNull(gotValue) : !(gotValue === null || Number.isSafeInteger(gotValue));
    if (bad) {
      const expected = workload === 'txn-list-append' ? 'a list of integers or null' : 'an integer or null';
      return { text: `reads ${JSON.stringify(gotValue)} in micro-op ${i}, not ${expected}`, answersAnother: false };
    }
  }
  return undefined;
}

function isListOrNull(value: JsonValue): boolean {
  if (value === null) return true;
  return Array.isArray(value) && value.every((element) => Number.isSafeInteger(element));
}

/** Nothing in a txn is idempotent: a timed-out txn may have committed. */
export function classifyTxnTimeout(): Completion {
  return { type: 'info', error: NET_TIMEOUT };
}

/**
 * A txn workload as the client model's workload. Thread t talks to node t mod N; any number of
 * threads. A txn is never resent in a session: raftkv's sessions do not cover txns yet, and
 * Maelstrom's client sends every txn once.
 */
export class TxnClientWorkload implements ClientWorkload<TxnOp> {
  readonly generator: TxnGenerator;

  constructor(
    private readonly config: TxnGeneratorConfig & { readonly nodeCount: number; readonly concurrency: number },
    rng: Rng | readonly Rng[],
  ) {
    if (Array.isArray(rng) && rng.length !== config.concurrency) {
      throw new RangeError(`TxnClientWorkload: ${rng.length} thread Rngs for ${config.concurrency} threads`);
    }
    this.generator = new TxnGenerator(config, rng);
  }

  get workerCount(): number {
    return this.config.concurrency;
  }

  get keysUsed(): number {
    return this.generator.keysUsed;
  }

  nodeIndexOf(thread: number): number {
    return thread % this.config.nodeCount;
  }

  nextOp(thread: number): TxnOp {
    return this.generator.nextTxn(thread);
  }

  encodeRequest(op: TxnOp, msgId: number, tag: SessionTag | undefined): string {
    return encodeTxnRequest(op, msgId, tag);
  }

  classifyReply(op: TxnOp, body: JsonObject): Completion {
    return classifyTxnReply(this.config.workload, op, body);
  }

  classifyTimeout(): Completion {
    return classifyTxnTimeout();
  }

  mayResendInSession(): boolean {
    return false;
  }

  isRememberedOutcome(): boolean {
    return false;
  }
}
