#!/usr/bin/env node
// A deliberately broken txn node, for the harness's tests: n0 holds the only copy of the data,
// but the node a client talks to runs its txn one micro-op at a time, each a round trip to n0
// (n0 calls itself through the network too), and n0 applies each micro-op the moment it comes.
// So concurrent txns interleave freely and see each other's writes half-done.
// Predicted verdict: invalid under every model, read-uncommitted included. With a few hot keys,
// two txns that both append to keys x and y reach them in opposite orders (G0, a ww cycle: dirty
// writes, which even read-uncommitted forbids); a txn that writes a key twice is read between its
// writes (G1b); two txns read each other's writes (G1c); and the anomalies that only stronger
// models forbid show too (internal, lost-update, G-single, G-nonadjacent, G2-item). No txn ever
// fails, so no G1a.
// txn-rw-register infers version orders only from a write after a read in one txn, so it seldom
// sees the G0, but G1b and G1c show there too: invalid from read-committed up.
import { refusedAsNotATxn, readValue, startNode, written } from './txn_common.mjs';

const store = new Map(); // on n0 only

startNode(async (node, message) => {
  const body = message.body;
  if (body.type === 'micro_op') {
    // On n0: one micro-op, applied at once.
    const [f, key] = body.op;
    if (f === 'r') node.reply(message, { type: 'micro_op_ok', op: ['r', key, readValue(store, key)] });
    else {
      store.set(key, written(store.get(key), body.op));
      node.reply(message, { type: 'micro_op_ok', op: body.op });
    }
    return;
  }
  if (refusedAsNotATxn(node, message)) return;
  const done = [];
  for (const op of body.txn) {
    const answer = await node.call(node.primary, { type: 'micro_op', op });
    if (answer.type !== 'micro_op_ok') {
      // Some micro-ops may have taken effect: only an indefinite error is honest.
      node.reply(message, { type: 'error', code: 0, text: `micro-op ${done.length} failed: ${answer.text}` });
      return;
    }
    done.push(answer.op);
  }
  node.reply(message, { type: 'txn_ok', txn: done });
});
