// The contract between the shell (src/server/node_shell.ts) and the application it hosts: what
// an app sees of its node (the context: identity, the peer budget, ticks, sending and replying)
// and what it offers (routes by body type, a tick, and a flush at the end of every turn).

import type { JsonValue } from '../base/json.js';
import type { FieldResult } from '../protocol/fields.js';
import type { Body } from '../protocol/message.js';
import type { PeerBudget } from '../protocol/peer_budget.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * When a message may leave. `after-sync` (the default for whatever the app sends): once
 * everything the node has written to storage so far is durable, because the message may vouch
 * for it (a vote, an append acknowledgement). `now`: the message vouches for nothing unsynced,
 * so it need not wait; the shell's own answers (init_ok, errors about bad input) are such.
 */
export type Delivery = 'now' | 'after-sync';

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

export interface NodeContext {
  readonly nodeId: string;
  readonly nodeIds: readonly string[];
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
  /** `code` is a Maelstrom error code (src/protocol/errors.ts). */
  replyError(to: ReplyTarget, code: number, text: string, delivery?: Delivery): void;
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
