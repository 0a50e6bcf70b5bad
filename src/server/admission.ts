// Admission of client requests: a node takes a request only while what waits on it stays within
// bounds, by count and by bytes of commands, and only if its command can travel between nodes at
// all (every message to a peer must fit the line limit peers accept). A refused request was not
// proposed, so its error is definite.

import { jsonBytes, jsonBytesAtMost } from '../base/json.js';
import { encodeCommand, type CommandOutcome, type KvCommand } from '../kv/command_codec.js';
import { ErrorCode } from '../protocol/errors.js';
import type { PeerBudget } from '../protocol/peer_budget.js';
import { notProposed, type Respond } from './requests.js';

/**
 * At least the bytes of the command's JSON: the upper bound found without encoding it, which
 * costs far less for the small commands of most requests, and the exact size (one encoding)
 * when the bound passes the limit.
 */
export function commandSize(command: KvCommand, budget: PeerBudget): number {
  const bound = jsonBytesAtMost(encodeCommand(command));
  return bound <= budget.commandBytes ? bound : jsonBytes(encodeCommand(command));
}

export function tooLarge(bytes: number, budget: PeerBudget): CommandOutcome {
  return {
    type: 'error',
    code: ErrorCode.malformedRequest,
    text: `request too large: its command takes ${bytes} bytes, over the ${budget.commandBytes} bytes a message between nodes can carry under the line limit of ${budget.maxLineBytes} bytes (--max-line-bytes); it was not run`,
  };
}

export class Admission {
  /** Bytes of the commands of the client requests in flight on this node. */
  private bytesInFlight = 0;

  constructor(
    private readonly budget: PeerBudget,
    private readonly maxPendingRequests: number,
  ) {}

  get pendingBytes(): number {
    return this.bytesInFlight;
  }

  /**
   * Admits a request with `pendingCount` others in flight: the Respond to serve it with (which
   * releases its bytes when called) and its command's size; or undefined, after refusing it
   * through `reply` with the node's applied index `appliedIndex`.
   */
  admit(command: KvCommand, pendingCount: number, reply: Respond, appliedIndex: number): { readonly respond: Respond; readonly bytes: number } | undefined {
    const bytes = commandSize(command, this.budget);
    if (bytes > this.budget.commandBytes) {
      // It could travel in no append or forward: refused before anything is done with it.
      reply(tooLarge(bytes, this.budget), appliedIndex);
      return undefined;
    }
    if (pendingCount >= this.maxPendingRequests) {
      reply(notProposed('too many requests in flight on this node; try again'), appliedIndex);
      return undefined;
    }
    if (this.bytesInFlight > 0 && this.bytesInFlight + bytes > this.budget.pendingRequestBytes) {
      reply(notProposed(`the requests in flight on this node take too many bytes (${this.bytesInFlight}); try again`), appliedIndex);
      return undefined;
    }
    this.bytesInFlight += bytes;
    let released = false;
    const respond: Respond = (outcome, index) => {
      if (!released) {
        released = true;
        this.bytesInFlight -= bytes;
      }
      reply(outcome, index);
    };
    return { respond, bytes };
  }
}
