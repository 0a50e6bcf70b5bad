// Every message of a run goes through here: into the simulated network (src/harness/network.ts)
// and, when due, out to a node's stdin, to a client, or to a Maelstrom service, which answers
// "not supported". Owns the network's timer and the batching of writes: everything for one node
// in one event-loop turn leaves in one write. Node-to-node sends are reported to the traffic
// observer when one is set (the targeted nemeses judge the likely leader from them), and every
// send, delivery and drop goes into the bounded message journal (messages.svg). No decisions.

import { performance } from 'node:perf_hooks';
import type { JsonObject } from '../base/json.js';
import type { Rng } from '../base/rng.js';
import { MessageJournal } from './message_journal.js';
import { SimNetwork, type Delivery, type LatencyDist } from './network.js';
import { WakeTimer } from './wake_timer.js';

/** The Maelstrom services a node may address; the harness answers each with error 10. */
export const SERVICES = ['lin-kv', 'seq-kv', 'lww-kv', 'lin-tso'];

export interface Payload {
  /** The message as a JSON line without `id` and without the newline. */
  readonly text: string;
  /** The parsed body when we have it (saves a parse for client and service deliveries). */
  readonly body: JsonObject | null;
}

export interface RouterSinks {
  /** Queues a line for a node's stdin; false when the node has no live process. */
  toNode(node: string, line: string): boolean;
  toClient(clientId: string, body: JsonObject): void;
  /** A node sent a message to another node (only when watchNodeTraffic is set). */
  nodeTraffic(src: string, dest: string): void;
  /** The end of the turn: write everything queued. */
  flush(): void;
}

export class MessageRouter {
  readonly network: SimNetwork<Payload>;
  readonly journal = new MessageJournal();
  /** The clock reading the network was last given: deliveries and drops happen at it. */
  private nowMs = 0;
  private readonly netTimer = new WakeTimer(
    () => performance.now(),
    () => {
      this.nowMs = performance.now();
      this.network.deliverDue(this.nowMs);
      this.armNetTimer();
      this.scheduleFlush();
    },
  );
  private flushScheduled = false;

  constructor(
    options: { readonly latencyMs: number; readonly latencyDist: LatencyDist; readonly rng: Rng },
    private readonly sinks: RouterSinks,
    private readonly watchNodeTraffic: boolean,
  ) {
    this.network = new SimNetwork<Payload>(
      options,
      (delivery) => this.onDelivery(delivery),
      (delivery, reason) =>
        this.journal.recordArrival(reason === 'partition' ? 'drop-partition' : 'drop-down', delivery.id, delivery.src, delivery.dest, this.nowMs),
    );
  }

  send(src: string, dest: string, payload: Payload): void {
    if (this.watchNodeTraffic && this.network.kindOf(src) === 'node' && this.network.kindOf(dest) === 'node') this.sinks.nodeTraffic(src, dest);
    const now = performance.now();
    this.nowMs = now;
    const id = this.network.send(src, dest, payload, now);
    this.journal.recordSend(id, src, dest, payload.text, payload.body, now);
    this.armNetTimer();
    this.scheduleFlush();
  }

  /** Sends a body as JSON (the harness's own messages: init, service answers). */
  sendBody(src: string, dest: string, body: JsonObject, keepBody: boolean): void {
    this.send(src, dest, { text: JSON.stringify({ src, dest, body }), body: keepBody ? body : null });
  }

  scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.sinks.flush();
    });
  }

  /** Messages still queued are never delivered after this. */
  stop(): void {
    this.netTimer.clear();
  }

  private onDelivery(delivery: Delivery<Payload>): void {
    this.journal.recordArrival('deliver', delivery.id, delivery.src, delivery.dest, this.nowMs);
    const kind = this.network.kindOf(delivery.dest);
    if (kind === 'node') {
      if (this.sinks.toNode(delivery.dest, `{"id":${delivery.id},${delivery.payload.text.slice(1)}\n`)) this.scheduleFlush();
      return;
    }
    const body = delivery.payload.body ?? (JSON.parse(delivery.payload.text) as { body: JsonObject }).body;
    if (kind === 'client') this.sinks.toClient(delivery.dest, body);
    else this.answerService(delivery.dest, delivery.src, body);
  }

  private answerService(service: string, src: string, body: JsonObject): void {
    const msgId = body['msg_id'];
    if (typeof msgId !== 'number') return;
    const reply = { type: 'error', in_reply_to: msgId, code: 10, text: `the ${service} service is not provided by raftkv-test` };
    this.sendBody(service, src, reply, true);
  }

  private armNetTimer(): void {
    const deadline = this.network.nextDeadline();
    if (deadline !== undefined) this.netTimer.arm(deadline);
  }
}
