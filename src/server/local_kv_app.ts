// A single-node, non-replicated key-value node: each request is applied to a local map and
// answered at once. It is the harness's ceiling (what this machine and harness can do at all)
// and a reference for the shell's plumbing. It is linearizable only with one node.

import { KV_REQUEST_TYPES, parseKvOperation } from '../protocol/lin_kv.js';
import { KvStore } from '../kv/kv_store.js';
import { route, type NodeApp, type NodeContext, type Route } from './node_app.js';

export function createLocalKvApp(context: NodeContext): NodeApp {
  const store = new KvStore();
  const routes = new Map<string, Route<unknown>>();
  for (const type of KV_REQUEST_TYPES) {
    routes.set(
      type,
      route(
        (body) => parseKvOperation(type, body),
        (incoming) => {
          const outcome = store.apply(incoming.request);
          if (outcome.type === 'error') context.replyError(incoming, outcome.code, outcome.text);
          else context.reply(incoming, outcome);
        },
      ),
    );
  }
  return { routes, tick: () => {}, flush: () => {} };
}
