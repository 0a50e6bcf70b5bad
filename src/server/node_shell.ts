// The pure Maelstrom node: turns input lines and ticks into output lines. It owns the init
// handshake, decoding and validation, msg_id allocation, routing by body type, replies and
// node-to-node RPCs whose timeouts are counted in ticks. It never touches a stream, a clock or
// a random source, so the same shell runs under the stdio runtime and inside the simulator.
// Node-to-node messages wait for the end of the turn (flush), where everything bound for one
// peer leaves as one batch message: per-op message counts fall with load instead of rising.

import { assert } from '../base/assert.js';
import { utf8Bytes, type JsonValue } from '../base/json.js';
import { ErrorCode } from '../protocol/errors.js';
import { describeFieldError, type FieldResult } from '../protocol/fields.js';
import { parseInit } from '../protocol/init.js';
import { BATCH_TYPE, decodeEnvelope, decodeMessage, encodeBatch, encodeLine, encodeMessage, isMessageId, isNodeName, type Body, type Message } from '../protocol/message.js';
import type { OversizedLineFacts } from '../protocol/oversized_line.js';
import { DEFAULT_MAX_LINE_BYTES, peerBudget, type PeerBudget } from '../protocol/peer_budget.js';
import { LogLimiter } from './log_limiter.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * When a message may leave. `after-sync` (the default for whatever the app sends): once
 * everything the node has written to storage so far is durable, because the message may vouch
 * for it (a vote, an append acknowledgement). `now`: the message vouches for nothing unsynced,
 * so it need not wait; the shell's own answers (init_ok, errors about bad input) are such.
 */
export type Delivery = 'now' | 'after-sync';

export interface ShellOutput {
  /** One encoded message, newline included. */
  write(line: string, delivery: Delivery): void;
  log(level: LogLevel, text: string): void;
}

export interface OutBody {
  readonly type: string;
  readonly [field: string]: JsonValue | undefined;
}

/** A decoded request as a route's handler sees it. */
export interface Incoming<T> {
  readonly src: string;
  readonly msgId: number | undefined;
  readonly body: Body;
  readonly request: T;
}

/** Who to answer: enough to reply long after the request arrived. */
export interface ReplyTarget {
  readonly src: string;
  readonly msgId: number | undefined;
}

export type RpcOutcome =
  | { readonly kind: 'reply'; readonly body: Body }
  | { readonly kind: 'timeout' }
  /** The pending-RPC table was full, so nothing was sent. */
  | { readonly kind: 'overloaded' };

export interface NodeContext {
  readonly nodeId: string;
  readonly nodeIds: readonly string[];
  /** Every node but this one, in node_ids order. */
  readonly peers: readonly string[];
  /** How large messages to peers may grow (from the node's line limit): the app cuts its own to fit. */
  readonly budget: PeerBudget;
  /** Ticks since init. */
  currentTick(): number;
  send(dest: string, body: OutBody, delivery?: Delivery): void;
  /**
   * Sends a body already encoded as JSON (an object with a "type"), so that a caller who measured
   * its parts to fit the budget does not encode them twice.
   */
  sendEncoded(dest: string, encodedBody: string, delivery?: Delivery): void;
  reply(to: ReplyTarget, body: OutBody, delivery?: Delivery): void;
  replyError(to: ReplyTarget, code: ErrorCode, text: string, delivery?: Delivery): void;
  /** Sends a request with a fresh msg_id; onDone runs exactly once, on the reply or the timeout. */
  rpc(dest: string, body: OutBody, timeoutTicks: number, onDone: (outcome: RpcOutcome) => void): void;
  log(level: LogLevel, text: string): void;
}

export interface Route<T> {
  parse(body: Body): FieldResult<T>;
  handle(incoming: Incoming<T>): void;
}

export interface NodeApp {
  readonly routes: ReadonlyMap<string, Route<unknown>>;
  tick(): void;
  /**
   * The end of an event-loop turn: everything that arrived in this turn has been handled. Work
   * deferred to here is batched: one persist, one append per follower, one forward per leader.
   */
  flush(): void;
}

export type AppFactory = (context: NodeContext) => NodeApp;

export function route<T>(parse: (body: Body) => FieldResult<T>, handle: (incoming: Incoming<T>) => void): Route<unknown> {
  return { parse, handle } as Route<unknown>;
}

export interface ShellLimits {
  readonly maxPendingRpcs: number;
  /**
   * The longest input line, in bytes, this node accepts, and so (every node of a cluster runs
   * with the same limit) the longest line it may write to a peer.
   */
  readonly maxLineBytes: number;
}

export const DEFAULT_SHELL_LIMITS: ShellLimits = { maxPendingRpcs: 65_536, maxLineBytes: DEFAULT_MAX_LINE_BYTES };

/**
 * A batch is cut at this many bytes when the line limit allows (a peer parses a line only once
 * all of it has arrived, so shorter lines keep the pipeline moving); a body alone may be larger.
 */
const BATCH_TARGET_BYTES = 256 * 1024;
/** `{"type":"batch","msgs":[` and `]}` around the bodies of a batch. */
const BATCH_WRAPPER_BYTES = 26;
/** The most messages a received batch may hold (ours hold far fewer: see BATCH_TARGET_BYTES). */
const MAX_BATCH_MESSAGES = 100_000;

/** Encoded bodies waiting for the end of the turn, for one peer and one delivery. */
interface PeerOutbox {
  readonly bodies: string[];
  /** The bodies' bytes, a comma after each. */
  bytes: number;
}

interface PendingRpc {
  readonly deadlineTick: number;
  readonly onDone: (outcome: RpcOutcome) => void;
}

export class NodeShell {
  private context: NodeContext | undefined;
  private app: NodeApp | undefined;
  private tickCount = 0;
  private nextMsgId = 1;
  private readonly pendingRpcs = new Map<number, PendingRpc>();
  /** msg_ids of pending RPCs by the tick at which they expire, so expiry costs O(1) per tick. */
  private readonly rpcDeadlines = new Map<number, number[]>();
  /** Node-to-node bodies of this turn, by peer then delivery; emitted by flush(). */
  private readonly peerOutboxes = new Map<string, Record<Delivery, PeerOutbox>>();
  private peerNames: ReadonlySet<string> = new Set();
  private budget: PeerBudget;
  /** Where a batch is cut: the target, or less when the line limit is lower. */
  private batchBytes: number;
  private readonly limitedLog: LogLimiter;
  private readonly limits: ShellLimits;

  constructor(
    private readonly output: ShellOutput,
    private readonly createApp: AppFactory,
    limits: Partial<ShellLimits> = {},
  ) {
    this.limits = { ...DEFAULT_SHELL_LIMITS, ...limits };
    this.budget = peerBudget(this.limits.maxLineBytes, []);
    this.batchBytes = Math.min(BATCH_TARGET_BYTES, this.budget.peerBodyBytes);
    this.limitedLog = new LogLimiter((level, text) => output.log(level, text));
  }

  get nodeId(): string | undefined {
    return this.context?.nodeId;
  }

  get pendingRpcCount(): number {
    return this.pendingRpcs.size;
  }

  receiveLine(line: string): void {
    const decoded = decodeMessage(line);
    switch (decoded.kind) {
      case 'garbage':
        this.noteLimited('input lines skipped', 'warn', `skipped an input line (${decoded.reason}): ${preview(line)}`);
        return;
      case 'malformed':
        this.noteLimited('malformed requests', 'warn', `malformed request from ${decoded.src}: ${decoded.reason}`);
        this.writeError(decoded.dest, { src: decoded.src, msgId: decoded.msgId }, ErrorCode.malformedRequest, decoded.reason);
        return;
      case 'message':
        this.receive(decoded.message);
        return;
    }
  }

  /**
   * The runtime skipped an input line over the limit; `facts` is what a scan of it recovered. A
   * request from a client (not a reply, with a msg_id) is answered with malformed-request, so
   * the client is not left waiting; anything else is logged. A line from a peer means the nodes
   * disagree about the limit: an error.
   */
  receiveOversizedLine(byteCount: number, facts: OversizedLineFacts): void {
    const limit = this.limits.maxLineBytes;
    const refused = `refused an input line of ${byteCount} bytes (limit ${limit})`;
    const { src } = facts;
    if (src !== undefined && this.isPeer(src)) {
      this.noteLimited(
        'oversized lines from peers',
        'error',
        `${refused} from peer ${src}: every node of a cluster must run with the same --max-line-bytes (RAFTKV_MAX_LINE_BYTES)`,
      );
      return;
    }
    const target = requestToAnswer(facts);
    if (typeof target === 'string') {
      this.noteLimited('oversized input lines', 'warn', `${refused}${src === undefined ? '' : ` from ${JSON.stringify(src)}`}; not answered: ${target}`);
      return;
    }
    this.noteLimited('oversized input lines', 'warn', `${refused} from ${target.src}${facts.type === undefined ? '' : ` (${preview(facts.type)})`}: answered with error ${ErrorCode.malformedRequest}`);
    const text = `the request's line of ${byteCount} bytes is over this node's input line limit of ${limit} bytes (--max-line-bytes, RAFTKV_MAX_LINE_BYTES); it was not read`;
    this.writeError(this.context?.nodeId ?? target.dest, { src: target.src, msgId: target.msgId }, ErrorCode.malformedRequest, text);
  }

  receive(message: Message): void {
    const { body } = message;
    if (body.type === 'init') {
      this.receiveInit(message);
      return;
    }
    const context = this.context;
    const app = this.app;
    const target: ReplyTarget = { src: message.src, msgId: body.msg_id };
    if (context === undefined || app === undefined) {
      this.writeError(message.dest, target, ErrorCode.temporarilyUnavailable, 'node is not initialized yet: send init first');
      return;
    }
    if (body.in_reply_to !== undefined) {
      this.receiveReply(body.in_reply_to, body);
      return;
    }
    if (body.type === BATCH_TYPE) {
      this.receiveBatch(message);
      return;
    }
    const handler = app.routes.get(body.type);
    if (handler === undefined) {
      this.writeError(context.nodeId, target, ErrorCode.notSupported, `request type "${body.type}" is not supported`);
      return;
    }
    const parsed = handler.parse(body);
    if (!parsed.ok) {
      const reason = `${body.type}: ${describeFieldError(parsed.error)}`;
      this.output.log('warn', `malformed request from ${message.src}: ${reason}`);
      this.writeError(context.nodeId, target, ErrorCode.malformedRequest, reason);
      return;
    }
    handler.handle({ src: message.src, msgId: body.msg_id, body, request: parsed.value });
  }

  tick(): void {
    if (this.app === undefined) return;
    this.tickCount++;
    this.expireRpcs();
    this.limitedLog.tick(this.tickCount);
    this.app.tick();
  }

  /** Called by the runtime once per event-loop turn, after the turn's input and ticks. */
  flush(): void {
    this.app?.flush();
    this.flushPeerOutboxes();
  }

  /** Unpacks a batch into its messages, each checked as if it had come alone. */
  private receiveBatch(batch: Message): void {
    const msgs = batch.body['msgs'];
    if (!Array.isArray(msgs) || msgs.length > MAX_BATCH_MESSAGES) {
      this.output.log('warn', `dropped a batch from ${batch.src}: "msgs" must be an array of at most ${MAX_BATCH_MESSAGES} bodies`);
      return;
    }
    for (const body of msgs) {
      const decoded = decodeEnvelope({ src: batch.src, dest: batch.dest, body });
      if (decoded.kind !== 'message' || decoded.message.body.type === BATCH_TYPE || decoded.message.body.type === 'init') {
        this.output.log('warn', `skipped a message in a batch from ${batch.src}: ${decoded.kind === 'message' ? `type ${decoded.message.body.type} cannot be batched` : decoded.reason}`);
        continue;
      }
      this.receive(decoded.message);
    }
  }

  private queueForPeer(dest: string, encoded: string, delivery: Delivery): void {
    const bytes = utf8Bytes(encoded);
    if (bytes > this.budget.peerBodyBytes) {
      // The peer would refuse the line: sending it only moves the error there. The app cuts
      // its messages to the budget, so this is a bug, or a log written under a larger limit.
      this.noteLimited(
        'messages too large for a peer',
        'error',
        `dropped a message to ${dest} of ${bytes} bytes (${preview(encoded)}): its line would exceed the line limit of ${this.limits.maxLineBytes} bytes that peers accept`,
      );
      return;
    }
    let outboxes = this.peerOutboxes.get(dest);
    if (outboxes === undefined) {
      outboxes = { now: { bodies: [], bytes: 0 }, 'after-sync': { bodies: [], bytes: 0 } };
      this.peerOutboxes.set(dest, outboxes);
    }
    const outbox = outboxes[delivery];
    if (outbox.bodies.length > 0 && BATCH_WRAPPER_BYTES + outbox.bytes + bytes > this.batchBytes) this.emitPeerOutbox(dest, outbox, delivery);
    outbox.bodies.push(encoded);
    outbox.bytes += bytes + 1;
  }

  private flushPeerOutboxes(): void {
    for (const [dest, outboxes] of this.peerOutboxes) {
      this.emitPeerOutbox(dest, outboxes.now, 'now');
      this.emitPeerOutbox(dest, outboxes['after-sync'], 'after-sync');
    }
  }

  private emitPeerOutbox(dest: string, outbox: PeerOutbox, delivery: Delivery): void {
    const src = this.context?.nodeId;
    if (src === undefined || outbox.bodies.length === 0) return;
    // A lone message goes as itself: a batch of one would only add bytes.
    const line = outbox.bodies.length === 1 ? encodeLine(src, dest, outbox.bodies[0] as string) : encodeBatch(src, dest, outbox.bodies);
    outbox.bodies.length = 0;
    outbox.bytes = 0;
    this.output.write(line, delivery);
  }

  private receiveInit(message: Message): void {
    const target: ReplyTarget = { src: message.src, msgId: message.body.msg_id };
    const parsed = parseInit(message.body);
    if (!parsed.ok) {
      this.writeError(message.dest, target, ErrorCode.malformedRequest, `init: ${describeFieldError(parsed.error)}`);
      return;
    }
    const { nodeId, nodeIds } = parsed.value;
    if (this.context !== undefined) {
      const same = this.context.nodeId === nodeId && this.context.nodeIds.join() === nodeIds.join();
      if (same) {
        this.writeReply(nodeId, target, { type: 'init_ok' });
      } else {
        this.writeError(this.context.nodeId, target, ErrorCode.malformedRequest, `init: already initialized as ${this.context.nodeId}`);
      }
      return;
    }
    this.budget = peerBudget(this.limits.maxLineBytes, nodeIds);
    this.batchBytes = Math.min(BATCH_TARGET_BYTES, this.budget.peerBodyBytes);
    this.context = this.makeContext(nodeId, nodeIds);
    this.app = this.createApp(this.context);
    this.output.log('info', `initialized as ${nodeId} of [${nodeIds.join(', ')}]`);
    this.writeReply(nodeId, target, { type: 'init_ok' });
  }

  private receiveReply(inReplyTo: number, body: Body): void {
    const pending = this.pendingRpcs.get(inReplyTo);
    if (pending === undefined) return; // late or duplicate: its caller has moved on
    this.pendingRpcs.delete(inReplyTo);
    pending.onDone({ kind: 'reply', body });
  }

  private expireRpcs(): void {
    const expiring = this.rpcDeadlines.get(this.tickCount);
    if (expiring === undefined) return;
    this.rpcDeadlines.delete(this.tickCount);
    for (const msgId of expiring) {
      const pending = this.pendingRpcs.get(msgId);
      if (pending === undefined) continue;
      this.pendingRpcs.delete(msgId);
      pending.onDone({ kind: 'timeout' });
    }
  }

  private makeContext(nodeId: string, nodeIds: readonly string[]): NodeContext {
    const shell = this;
    const peers = nodeIds.filter((id) => id !== nodeId);
    this.peerNames = new Set(peers);
    return {
      nodeId,
      nodeIds,
      peers,
      budget: this.budget,
      currentTick: () => shell.tickCount,
      send: (dest, body, delivery = 'after-sync') => shell.write(nodeId, dest, body as Body, delivery),
      sendEncoded: (dest, encodedBody, delivery = 'after-sync') => shell.writeEncoded(nodeId, dest, encodedBody, delivery),
      reply: (to, body, delivery = 'after-sync') => shell.writeReply(nodeId, to, body, delivery),
      replyError: (to, code, text, delivery = 'after-sync') => shell.writeError(nodeId, to, code, text, delivery),
      rpc: (dest, body, timeoutTicks, onDone) => shell.sendRpc(nodeId, dest, body, timeoutTicks, onDone),
      log: (level, text) => shell.output.log(level, text),
    };
  }

  private sendRpc(src: string, dest: string, body: OutBody, timeoutTicks: number, onDone: (outcome: RpcOutcome) => void): void {
    assert(Number.isSafeInteger(timeoutTicks) && timeoutTicks > 0, `rpc timeout must be a positive tick count, got ${timeoutTicks}`);
    if (this.pendingRpcs.size >= this.limits.maxPendingRpcs) {
      onDone({ kind: 'overloaded' });
      return;
    }
    const msgId = this.nextMsgId++;
    const deadlineTick = this.tickCount + timeoutTicks;
    this.pendingRpcs.set(msgId, { deadlineTick, onDone });
    const bucket = this.rpcDeadlines.get(deadlineTick);
    if (bucket === undefined) this.rpcDeadlines.set(deadlineTick, [msgId]);
    else bucket.push(msgId);
    this.write(src, dest, { ...body, msg_id: msgId } as Body, 'after-sync');
  }

  private write(src: string, dest: string, body: Body, delivery: Delivery): void {
    if (this.isPeer(dest)) this.queueForPeer(dest, JSON.stringify(body), delivery);
    else this.output.write(encodeMessage(src, dest, body), delivery);
  }

  private writeEncoded(src: string, dest: string, encodedBody: string, delivery: Delivery): void {
    if (this.isPeer(dest)) this.queueForPeer(dest, encodedBody, delivery);
    else this.output.write(encodeLine(src, dest, encodedBody), delivery);
  }

  private isPeer(name: string): boolean {
    return this.peerNames.has(name);
  }

  private writeReply(src: string, to: ReplyTarget, body: OutBody, delivery: Delivery = 'now'): void {
    if (to.msgId === undefined) {
      // Nobody can match an answer without in_reply_to to its request, so none is sent; say so.
      const what = body.type === 'error' ? `error ${String(body['code'])}: ${String(body['text'])}` : body.type;
      this.noteLimited('answers dropped for requests without msg_id', 'warn', `cannot answer ${to.src} (its request had no msg_id): dropped ${what}`);
      return;
    }
    this.write(src, to.src, { ...body, in_reply_to: to.msgId } as Body, delivery);
  }

  private writeError(src: string, to: ReplyTarget, code: ErrorCode, text: string, delivery: Delivery = 'now'): void {
    this.writeReply(src, to, { type: 'error', code, text }, delivery);
  }

  private noteLimited(kind: string, level: LogLevel, text: string): void {
    this.limitedLog.note(kind, level, text, this.tickCount);
  }
}

/** Who to answer about an oversized line, or why it cannot be answered. */
function requestToAnswer(facts: OversizedLineFacts): { readonly src: string; readonly dest: string; readonly msgId: number } | string {
  const { src, dest, msgId } = facts;
  if (!facts.complete) return 'it is not one complete JSON object';
  if (!isNodeName(src) || !isNodeName(dest)) return 'it has no usable src or dest';
  if (facts.hasInReplyTo) return 'it is a reply';
  if (!isMessageId(msgId)) return 'it has no usable msg_id';
  return { src, dest, msgId };
}

function preview(line: string): string {
  return line.length > 120 ? `${line.slice(0, 120)}... (${line.length} chars)` : line;
}
