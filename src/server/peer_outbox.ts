// Everything a node has for one peer at the end of a turn leaves as one `batch` message (per
// delivery), so per-op message counts fall with load instead of rising. Batches are cut by UTF-8
// bytes so each line fits what peers accept; a body too large for any line is dropped and
// reported, since sending it would only move the error to the peer.

import { utf8Bytes } from '../base/json.js';
import { encodeBatch, encodeLine } from '../protocol/message.js';
import type { PeerBudget } from '../protocol/peer_budget.js';
import type { Delivery } from './node_app.js';

/**
 * A batch is cut at this many bytes when the line limit allows (a peer parses a line only once
 * all of it has arrived, so shorter lines keep the pipeline moving); a body alone may be larger.
 */
const BATCH_TARGET_BYTES = 256 * 1024;
/** `{"type":"batch","msgs":[` and `]}` around the bodies of a batch. */
const BATCH_WRAPPER_BYTES = 26;

/** Encoded bodies waiting for the end of the turn, for one peer and one delivery. */
interface Outbox {
  readonly bodies: string[];
  /** The bodies' bytes, a comma after each. */
  bytes: number;
}

export class PeerOutboxes {
  private readonly outboxes = new Map<string, Record<Delivery, Outbox>>();
  /** Where a batch is cut: the target, or less when the line limit is lower. */
  private readonly batchBytes: number;

  constructor(
    private readonly src: string,
    private readonly budget: PeerBudget,
    private readonly write: (line: string, delivery: Delivery) => void,
    private readonly tooLarge: (dest: string, bytes: number, body: string) => void,
  ) {
    this.batchBytes = Math.min(BATCH_TARGET_BYTES, budget.peerBodyBytes);
  }

  queue(dest: string, encodedBody: string, delivery: Delivery): void {
    const bytes = utf8Bytes(encodedBody);
    if (bytes > this.budget.peerBodyBytes) {
      // The app cuts its messages to the budget, so this is a bug, or a log written under a larger limit.
      this.tooLarge(dest, bytes, encodedBody);
      return;
    }
    let outboxes = this.outboxes.get(dest);
    if (outboxes === undefined) {
      outboxes = { now: { bodies: [], bytes: 0 }, 'after-sync': { bodies: [], bytes: 0 } };
      this.outboxes.set(dest, outboxes);
    }
    const outbox = outboxes[delivery];
    if (outbox.bodies.length > 0 && BATCH_WRAPPER_BYTES + outbox.bytes + bytes > this.batchBytes) this.emit(dest, outbox, delivery);
    outbox.bodies.push(encodedBody);
    outbox.bytes += bytes + 1;
  }

  /** The end of the turn: every peer's bodies leave. */
  flush(): void {
    for (const [dest, outboxes] of this.outboxes) {
      this.emit(dest, outboxes.now, 'now');
      this.emit(dest, outboxes['after-sync'], 'after-sync');
    }
  }

  private emit(dest: string, outbox: Outbox, delivery: Delivery): void {
    if (outbox.bodies.length === 0) return;
    // A lone message goes as itself: a batch of one would only add bytes.
    const line = outbox.bodies.length === 1 ? encodeLine(this.src, dest, outbox.bodies[0] as string) : encodeBatch(this.src, dest, outbox.bodies);
    outbox.bodies.length = 0;
    outbox.bytes = 0;
    this.write(line, delivery);
  }
}
