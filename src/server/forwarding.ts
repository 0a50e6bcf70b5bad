// Forwarding: every node accepts every request (Maelstrom clients never leave their node), so a
// node that cannot serve one sends it to its group's leader and relays the outcome. Both sides
// live here: the origin's requests in flight (each with a deadline, answered 0 when it passes),
// the leader's duplicate suppression per origin incarnation, and the per-turn batches, cut by
// count and by bytes so every message fits the line limit peers accept.

import { utf8Bytes } from '../base/json.js';
import type { CommandOutcome } from '../kv/command_codec.js';
import {
  encodeForwardedOp,
  encodeForwardResult,
  FORWARD_RESULT_HEAD,
  forwardHead,
  type ForwardBatch,
  type ForwardedOp,
  type ForwardResult,
} from '../protocol/forward.js';
import type { ClientRequest } from '../protocol/lin_kv.js';
import { notProposed, outcomeUnknown, timedOut, type Respond } from './requests.js';

export interface ForwardHost {
  now(): number;
  /** Sends one body, already encoded, to a peer (it leaves at the end of the turn). */
  sendEncoded(dest: string, encodedBody: string): void;
  /** Bytes of items one forward or result body may carry (the peer budget). */
  readonly itemsBytes: number;
  readonly maxOpsPerMessage: number;
  readonly forwardTimeoutTicks: number;
}

/**
 * Forward id windows of one origin, per incarnation (epoch), in the order the epochs were first
 * seen. Epochs are random, not ordered, so a late forward of an old incarnation must not displace
 * the current one: the windows of the last few incarnations are all kept, and a forward of an
 * incarnation whose window was evicted is ignored (its origin is gone), never run twice.
 */
interface OriginForwards {
  readonly windows: Map<number, ForwardWindow>;
  readonly evicted: number[];
}

const MAX_EPOCHS_PER_ORIGIN = 8;
const MAX_EVICTED_EPOCHS = 64;
/** Texts up to this many characters are not counted to be sized: 3 bytes a character bounds them. */
const SMALL_TEXT_CHARS = 4_096;

export class Forwarder {
  /** Origin side: requests sent to a leader, by forward id; insertion order is deadline order. */
  private readonly inFlight = new Map<number, { readonly respond: Respond; readonly deadlineTick: number }>();
  private nextId = 1;
  private readonly outgoing = new Map<string, ForwardedOp[]>();
  /** Leader side: forward ids seen per origin (messages may be duplicated), and results to send. */
  private readonly seen = new Map<string, OriginForwards>();
  private readonly results = new Map<string, ForwardResult[]>();

  /**
   * Forward ids restart at 1 when a node restarts, so each incarnation draws a random epoch and
   * forwards and their results carry it: the leader keeps one id window per (origin, epoch), and
   * a restarted origin ignores results meant for its previous incarnation. Without it the leader
   * took a restarted node's new forwards for duplicates and never answered them (sim seed 45).
   */
  constructor(
    private readonly host: ForwardHost,
    private readonly epoch: number,
  ) {}

  get pendingCount(): number {
    return this.inFlight.size;
  }

  /** Origin: sends the request to `leader` with this turn's batch; `respond` gets the outcome. */
  forward(leader: string, request: ClientRequest, respond: Respond): void {
    const id = this.nextId++;
    this.inFlight.set(id, { respond, deadlineTick: this.host.now() + this.host.forwardTimeoutTicks });
    let batch = this.outgoing.get(leader);
    if (batch === undefined) this.outgoing.set(leader, (batch = []));
    batch.push({ id, request });
  }

  /** Origin: answers the forwards whose leader did not answer in time (the outcome is unknown). */
  expire(now: number, appliedIndex: number): void {
    for (const [id, waiter] of this.inFlight) {
      // One timeout for all, so insertion order is deadline order: stop at the first live one.
      if (waiter.deadlineTick > now) break;
      this.inFlight.delete(id);
      waiter.respond(timedOut('the leader did not answer in time; the outcome is unknown'), appliedIndex);
    }
  }

  /** Origin: the leader's outcomes. */
  onResults(results: readonly ForwardResult[]): void {
    for (const { id, epoch, outcome, index } of results) {
      if (epoch !== this.epoch) continue; // meant for an earlier incarnation of this node
      const waiter = this.inFlight.get(id);
      if (waiter === undefined) continue; // timed out already, or a duplicate
      this.inFlight.delete(id);
      waiter.respond(outcome, index);
    }
  }

  /**
   * Leader: serves each forwarded request once (a duplicate's result comes from its first copy);
   * `serve` answers through the Respond it is given, which queues the result for the origin.
   */
  onForward(origin: string, { epoch, ops }: ForwardBatch, appliedIndex: number, serve: (request: ClientRequest, respond: Respond) => void): void {
    const window = this.windowOf(origin, epoch);
    if (window === undefined) return; // a late forward of a long-dead incarnation: its waiter is gone
    for (const { id, request } of ops) {
      const respond: Respond = (outcome: CommandOutcome, index: number) => this.queueResult(origin, { id, epoch, outcome, index });
      const admitted = window.admit(id);
      if (admitted === 'duplicate') continue;
      if (admitted === 'too-old') respond(notProposed('forward arrived too late and was not proposed'), appliedIndex);
      else serve(request, respond);
    }
  }

  /** The end of a turn: every forward and every result, as few messages as count and bytes allow. */
  sendBatches(): void {
    for (const [leader, ops] of this.outgoing) this.sendItems(leader, forwardHead(this.epoch), ops.map(encodeForwardedOp));
    this.outgoing.clear();
    // Like client replies: every result reports something committed, or a failure.
    for (const [origin, results] of this.results)
      this.sendItems(
        origin,
        FORWARD_RESULT_HEAD,
        results.map((result) => this.encodeResult(result)),
      );
    this.results.clear();
  }

  private windowOf(origin: string, epoch: number): ForwardWindow | undefined {
    let forwards = this.seen.get(origin);
    if (forwards === undefined) this.seen.set(origin, (forwards = { windows: new Map(), evicted: [] }));
    if (forwards.evicted.includes(epoch)) return undefined;
    let window = forwards.windows.get(epoch);
    if (window === undefined) {
      forwards.windows.set(epoch, (window = new ForwardWindow()));
      if (forwards.windows.size > MAX_EPOCHS_PER_ORIGIN) {
        const oldest = forwards.windows.keys().next().value as number;
        forwards.windows.delete(oldest);
        forwards.evicted.push(oldest);
        if (forwards.evicted.length > MAX_EVICTED_EPOCHS) forwards.evicted.shift();
      }
    }
    return window;
  }

  /**
   * A result as it can travel. Reads of a txn may return more than one message carries (lists
   * grow by appends, and a txn reads several keys): such a result is replaced by an indefinite
   * error, since the txn may have written, rather than being lost on the way.
   */
  private encodeResult(result: ForwardResult): string {
    const encoded = encodeForwardResult(result);
    // At most three UTF-8 bytes per UTF-16 unit: only a long result is measured.
    if (3 * encoded.length <= this.host.itemsBytes) return encoded;
    const bytes = utf8Bytes(encoded);
    if (bytes <= this.host.itemsBytes) return encoded;
    const why = `the reply takes ${bytes} bytes, more than the ${this.host.itemsBytes} bytes a message between nodes can carry under the line limit (--max-line-bytes); the request may or may not have taken effect: send it to the leader, or read less in one request`;
    return encodeForwardResult({ ...result, outcome: outcomeUnknown(why) });
  }

  private queueResult(origin: string, result: ForwardResult): void {
    let batch = this.results.get(origin);
    if (batch === undefined) this.results.set(origin, (batch = []));
    batch.push(result);
  }

  /** Sends items as bodies `head` + items + `]}`, as few as their count and bytes allow. */
  private sendItems(dest: string, head: string, items: readonly string[]): void {
    const { itemsBytes, maxOpsPerMessage } = this.host;
    let start = 0;
    let bytes = 0;
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as string;
      // At least the UTF-8 bytes: three per UTF-16 unit when short, else counted.
      const itemBytes = (item.length <= SMALL_TEXT_CHARS ? 3 * item.length : utf8Bytes(item)) + 1;
      if (i > start && (i - start >= maxOpsPerMessage || bytes + itemBytes > itemsBytes)) {
        this.host.sendEncoded(dest, `${head}${items.slice(start, i).join(',')}]}`);
        start = i;
        bytes = 0;
      }
      bytes += itemBytes;
    }
    if (start < items.length) this.host.sendEncoded(dest, `${head}${items.slice(start).join(',')}]}`);
  }
}

/**
 * Forward ids from one origin only grow, but messages may be duplicated or reordered. Ids
 * within the window are remembered exactly; ids below it are refused (never proposed), which is
 * safe because the origin times such a request out.
 */
export class ForwardWindow {
  static readonly SIZE = 65_536;
  private readonly seen = new Set<number>();
  private highest = 0;

  admit(id: number): 'new' | 'duplicate' | 'too-old' {
    if (id <= this.highest - ForwardWindow.SIZE) return 'too-old';
    if (this.seen.has(id)) return 'duplicate';
    if (id > this.highest) this.slideTo(id);
    this.seen.add(id);
    return 'new';
  }

  get rememberedCount(): number {
    return this.seen.size;
  }

  /** Forgets ids that fall below the window; costs at most min(jump, ids remembered). */
  private slideTo(highest: number): void {
    const oldFloor = this.highest - ForwardWindow.SIZE;
    const newFloor = highest - ForwardWindow.SIZE;
    this.highest = highest;
    if (newFloor - oldFloor > this.seen.size) {
      for (const id of this.seen) if (id <= newFloor) this.seen.delete(id);
    } else {
      for (let stale = Math.max(oldFloor + 1, 1); stale <= newFloor; stale++) this.seen.delete(stale);
    }
  }
}

/** Requests held while their group has no known leader: routed once one is, refused at their deadline. */
export class LeaderWait {
  private held: Array<{ readonly group: number; readonly request: ClientRequest; readonly respond: Respond; readonly deadlineTick: number }> = [];

  get count(): number {
    return this.held.length;
  }

  hold(group: number, request: ClientRequest, respond: Respond, deadlineTick: number): void {
    this.held.push({ group, request, respond, deadlineTick });
  }

  /** Serves those whose group now has a leader (through `serve`), refuses those out of time. */
  route(
    now: number,
    hasLeader: (group: number) => boolean,
    serve: (request: ClientRequest, respond: Respond) => void,
    appliedIndex: (group: number) => number,
  ): void {
    if (this.held.length === 0) return;
    const held = this.held;
    this.held = [];
    for (const item of held) {
      if (hasLeader(item.group)) serve(item.request, item.respond);
      else if (item.deadlineTick <= now) item.respond(notProposed('no leader is known; try again'), appliedIndex(item.group));
      else this.held.push(item);
    }
  }
}
