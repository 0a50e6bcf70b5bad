#!/usr/bin/env node
// A deliberately broken txn node, for the harness's tests: each node keeps its own copy of the
// data, runs every txn whole against it and never talks to the other nodes.
// Predicted verdict, with one node: valid under every model (it is then the single-copy node).
// With several nodes each node is serial on its own, but clients on different nodes see different
// histories of the same keys; no txn fails and none sees another node's writes, so there is no
// G1a, G1b or internal anomaly, and ww and wr edges never cross nodes.
// - txn-list-append: two nodes append different values to a hot key, so reads of it are not
//   prefixes of one another: incompatible-order, which read-committed and every stronger model
//   forbid; lost-update (two nodes read the same list and both append). Read-uncommitted holds:
//   G0 would need a ww edge across nodes (though once orders are incompatible, the checker has to
//   guess where the versions nobody read go).
// - txn-rw-register: a fresh key is read as nil on two nodes and written on both (lost-update);
//   each node misses the others' writes, so cycles close through rw edges only, two or more per
//   cycle (G-nonadjacent, G2-item): valid under read-committed, invalid from repeatable-read and
//   snapshot-isolation up.
// Under strict-serializable both also show real-time cycles (a txn misses a write that completed
// on another node before it began: G-single-realtime).
import { refusedAsNotATxn, runTxn, startNode } from './txn_common.mjs';

const store = new Map();

startNode((node, message) => {
  const body = message.body;
  if (!refusedAsNotATxn(node, message)) node.reply(message, { type: 'txn_ok', txn: runTxn(store, body.txn) });
});
