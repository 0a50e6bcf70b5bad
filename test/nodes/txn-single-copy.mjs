#!/usr/bin/env node
// A correct txn node, for the harness's tests (txn-list-append and txn-rw-register alike).
// Design: n0 (the first of node_ids) holds the only copy of the data; every other node forwards
// each txn to n0 and relays n0's answer. n0 runs each txn whole, in arrival order, with nothing
// in between. Predicted verdict: valid under every model, strict-serializable included: each txn
// takes effect at one instant inside its request's lifetime. A lost forward or answer only means
// no reply (the client records info), so this holds under partitions too.
import { refusedAsNotATxn, runTxn, startNode } from './txn_common.mjs';

const store = new Map();

startNode(async (node, message) => {
  const body = message.body;
  if (body.type === 'txn_forward') {
    // On n0: a txn some other node's client sent.
    node.reply(message, { type: 'txn_forward_ok', txn: runTxn(store, body.txn) });
    return;
  }
  if (refusedAsNotATxn(node, message)) return;
  if (node.id === node.primary) {
    node.reply(message, { type: 'txn_ok', txn: runTxn(store, body.txn) });
    return;
  }
  const answer = await node.call(node.primary, { type: 'txn_forward', txn: body.txn });
  if (answer.type === 'txn_forward_ok') node.reply(message, { type: 'txn_ok', txn: answer.txn });
  else node.reply(message, { type: 'error', code: answer.code ?? 0, text: answer.text ?? 'forward failed' });
});
