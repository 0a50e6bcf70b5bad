// The pure Maelstrom node: turns input lines and ticks into output lines. It owns the init
// handshake, decoding and validation, routing by body type, replies, the unpacking of batches
// and the peer outboxes. It never touches a stream, a clock or a random source, so the same
// shell runs under the stdio runtime and inside the simulator. Input it cannot use is answered
// when it can be (error 12, 10 or 11) and logged within bounds (LogLimiter) when it cannot.

import { ErrorCode } from '../protocol/errors.js';
import { describeFieldError } from '../protocol/fields.js';
import { parseInit } from '../protocol/init.js';
import { BATCH_TYPE, decodeEnvelope, decodeMessage, encodeLine, encodeMessage, isMessageId, isNodeName, type Body, type Message } from '../protocol/message.js';
import type { OversizedLineFacts } from '../protocol/oversized_line.js';
import { DEFAULT_MAX_LINE_BYTES, peerBudget, type PeerBudget } from '../protocol/peer_budget.js';
import { LogLimiter } from './log_limiter.js';
import type { AppFactory, Delivery, LogLevel, NodeApp, NodeContext, OutBody, ReplyTarget } from './node_app.js';
import { PeerOutboxes } from './peer_outbox.js';

export interface ShellOutput {
  /** One encoded message, newline included. */
  write(line: string, delivery: Delivery): void;
  log(level: LogLevel, text: string): void;
}

export interface ShellLimits {
  /**
   * The longest input line, in bytes, this node accepts, and so (every node of a cluster runs
   * with the same limit) the longest line it may write to a peer.
   */
  readonly maxLineBytes: number;
}

/** The most messages a received batch may hold (ours hold far fewer: they are cut by bytes). */
const MAX_BATCH_MESSAGES = 100_000;

export class NodeShell {
  private context: NodeContext | undefined;
  private app: NodeApp | undefined;
  private outboxes: PeerOutboxes | undefined;
  private tickCount = 0;
  private peerNames: ReadonlySet<string> = new Set();
  private readonly limitedLog: LogLimiter;
  private readonly maxLineBytes: number;

  constructor(
    private readonly output: ShellOutput,
    private readonly createApp: AppFactory,
    limits: Partial<ShellLimits> = {},
  ) {
    this.maxLineBytes = limits.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.limitedLog = new LogLimiter((level, text) => output.log(level, text));
  }

  get nodeId(): string | undefined {
    return this.context?.nodeId;
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
    const limit = this.maxLineBytes;
    const refused = `refused an input line of ${byteCount} bytes (limit ${limit})`;
    const { src } = facts;
    if (src !== undefined && this.peerNames.has(src)) {
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
    this.noteLimited(
      'oversized input lines',
      'warn',
      `${refused} from ${target.src}${facts.type === undefined ? '' : ` (${preview(facts.type)})`}: answered with error ${ErrorCode.malformedRequest}`,
    );
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
      // Nodes talk to each other with their own request and result types, never by reply.
      this.noteLimited(
        'unexpected replies',
        'warn',
        `ignored a reply from ${message.src} (in_reply_to ${body.in_reply_to}, type ${preview(body.type)}): this node sends no requests that take one`,
      );
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
      this.noteLimited('malformed requests', 'warn', `malformed request from ${message.src}: ${reason}`);
      this.writeError(context.nodeId, target, ErrorCode.malformedRequest, reason);
      return;
    }
    handler.handle({ src: message.src, msgId: body.msg_id, body, request: parsed.value });
  }

  tick(): void {
    if (this.app === undefined) return;
    this.tickCount++;
    this.limitedLog.tick(this.tickCount);
    this.app.tick();
  }

  /** Called by the runtime once per event-loop turn, after the turn's input and ticks. */
  flush(): void {
    this.app?.flush();
    this.outboxes?.flush();
  }

  /** Unpacks a batch into its messages, each checked as if it had come alone. */
  private receiveBatch(batch: Message): void {
    const msgs = batch.body['msgs'];
    if (!Array.isArray(msgs) || msgs.length > MAX_BATCH_MESSAGES) {
      this.noteLimited('bad batches', 'warn', `dropped a batch from ${batch.src}: "msgs" must be an array of at most ${MAX_BATCH_MESSAGES} bodies`);
      return;
    }
    for (const body of msgs) {
      const decoded = decodeEnvelope({ src: batch.src, dest: batch.dest, body });
      if (decoded.kind !== 'message' || decoded.message.body.type === BATCH_TYPE || decoded.message.body.type === 'init') {
        this.noteLimited(
          'bad batches',
          'warn',
          `skipped a message in a batch from ${batch.src}: ${decoded.kind === 'message' ? `type ${decoded.message.body.type} cannot be batched` : decoded.reason}`,
        );
        continue;
      }
      this.receive(decoded.message);
    }
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
      if (same) this.writeReply(nodeId, target, { type: 'init_ok' });
      else this.writeError(this.context.nodeId, target, ErrorCode.malformedRequest, `init: already initialized as ${this.context.nodeId}`);
      return;
    }
    const budget = peerBudget(this.maxLineBytes, nodeIds);
    this.peerNames = new Set(nodeIds.filter((id) => id !== nodeId));
    this.outboxes = new PeerOutboxes(
      nodeId,
      budget,
      (line, delivery) => this.output.write(line, delivery),
      (dest, bytes, body) =>
        this.noteLimited(
          'messages too large for a peer',
          'error',
          `dropped a message to ${dest} of ${bytes} bytes (${preview(body)}): its line would exceed the line limit of ${this.maxLineBytes} bytes that peers accept`,
        ),
    );
    this.context = this.makeContext(nodeId, nodeIds, budget);
    this.app = this.createApp(this.context);
    this.output.log('info', `initialized as ${nodeId} of [${nodeIds.join(', ')}]`);
    this.writeReply(nodeId, target, { type: 'init_ok' });
  }

  private makeContext(nodeId: string, nodeIds: readonly string[], budget: PeerBudget): NodeContext {
    return {
      nodeId,
      nodeIds,
      budget,
      currentTick: () => this.tickCount,
      send: (dest, body, delivery = 'after-sync') => this.write(nodeId, dest, body as Body, delivery),
      sendEncoded: (dest, encodedBody, delivery = 'after-sync') => this.writeEncoded(nodeId, dest, encodedBody, delivery),
      reply: (to, body, delivery = 'after-sync') => this.writeReply(nodeId, to, body, delivery),
      replyError: (to, code, text, delivery = 'after-sync') => this.writeError(nodeId, to, code, text, delivery),
      log: (level, text) => this.output.log(level, text),
    };
  }

  private write(src: string, dest: string, body: Body, delivery: Delivery): void {
    if (this.outboxes !== undefined && this.peerNames.has(dest)) this.outboxes.queue(dest, JSON.stringify(body), delivery);
    else this.output.write(encodeMessage(src, dest, body), delivery);
  }

  private writeEncoded(src: string, dest: string, encodedBody: string, delivery: Delivery): void {
    if (this.outboxes !== undefined && this.peerNames.has(dest)) this.outboxes.queue(dest, encodedBody, delivery);
    else this.output.write(encodeLine(src, dest, encodedBody), delivery);
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

  private writeError(src: string, to: ReplyTarget, code: number, text: string, delivery: Delivery = 'now'): void {
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
