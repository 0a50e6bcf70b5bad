// A single-node, non-replicated key-value node: each request (lin-kv's read, write and cas, or a
// txn) is applied to a local map and answered at once. It is the harness's ceiling (what this
// machine and harness can do at all) and a reference for the shell's plumbing. It is
// linearizable (and its txns strict-serializable) only with one node.

import { executeTxn } from '../kv/txn.js';
import type { KvOutcome } from '../kv/operations.js';
import { KV_REQUEST_TYPES, parseKvOperation } from '../protocol/lin_kv.js';
import { parseTxnRequest } from '../protocol/txn.js';
import { KvStore } from '../kv/kv_store.js';
import { route, type Incoming, type NodeApp, type NodeContext, type Route } from './node_app.js';

export function createLocalKvApp(context: NodeContext): NodeApp {
  const store = new KvStore();
  const answer = (incoming: Incoming<unknown>, outcome: KvOutcome): void => {
    if (outcome.type === 'error') context.replyError(incoming, outcome.code, outcome.text);
    else context.reply(incoming, outcome);
  };
  const routes = new Map<string, Route<unknown>>();
  for (const type of KV_REQUEST_TYPES) {
    routes.set(
      type,
      route(
        (body) => parseKvOperation(type, body),
        (incoming) => answer(incoming, store.apply(incoming.request)),
      ),
    );
  }
  routes.set(
    'txn',
    route(parseTxnRequest, (incoming) => {
      const { command } = incoming.request;
      // parseTxnRequest makes txn commands only; sessions mean nothing to a node that never retries.
      if (command.kind === 'txn') answer(incoming, executeTxn(command.ops, store));
    }),
  );
  return { routes, tick: () => {}, flush: () => {} };
}
