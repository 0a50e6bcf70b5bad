#!/usr/bin/env node
// A deliberately weak txn node, for the harness's tests: read committed by locking, as in
// ANSI degree 2. n0 holds the only copy. The node a client talks to runs its txn one micro-op
// at a time: a read is a round trip to n0 that returns the committed value (no read lock), with
// the txn's own buffered writes laid over it; the first write to a key takes n0's write lock on
// it (a round trip; no waiting: a lock held by another txn aborts this one with error 30); writes
// are buffered and installed together at commit, which releases the locks.
// Predicted verdict: valid under read-uncommitted and read-committed: versions are installed
// whole in commit order and reads see only committed ones, so every ww and wr edge goes from an
// earlier commit to a later one (no G0, G1a, G1b, G1c), and a key a txn writes is locked until
// it commits, so what the txn reads of it is what it installs (no incompatible-order). Invalid
// under repeatable-read, snapshot-isolation and stronger: others commit between a txn's reads, so
// it reads a key twice and gets two values (internal) and reads skewed states (G-single: with
// txn-list-append in every run, with txn-rw-register seldom seen); at times it reads a version
// another txn overwrites before it locks and writes the key too (lost-update), and G-nonadjacent
// and G2-item show as well.
// Not fault-tolerant: a lost lock answer leaves the lock held (the tests run without faults).
import { refusedAsNotATxn, readValue, startNode, withOwnWrites, written } from './txn_common.mjs';

const store = new Map(); // on n0: committed values
const lockHolders = new Map(); // on n0: key -> txn id holding its write lock
const locksOfTxn = new Map(); // on n0: txn id -> keys it locked
let txnCount = 0;

function release(txnId) {
  for (const key of locksOfTxn.get(txnId) ?? []) lockHolders.delete(key);
  locksOfTxn.delete(txnId);
}

/** n0's side: committed reads, write locks, commits. */
function serve(node, message) {
  const body = message.body;
  switch (body.type) {
    case 'read_committed':
      node.reply(message, { type: 'read_committed_ok', value: readValue(store, body.key) });
      return;
    case 'lock': {
      const holder = lockHolders.get(body.key);
      if (holder !== undefined && holder !== body.txn_id) {
        node.reply(message, { type: 'error', code: 30, text: `key ${body.key} is locked by ${holder}` });
        return;
      }
      lockHolders.set(body.key, body.txn_id);
      locksOfTxn.set(body.txn_id, [...(locksOfTxn.get(body.txn_id) ?? []), body.key]);
      node.reply(message, { type: 'lock_ok' });
      return;
    }
    case 'commit':
      for (const op of body.writes) store.set(op[1], written(store.get(op[1]), op));
      release(body.txn_id);
      node.reply(message, { type: 'commit_ok' });
      return;
    case 'release':
      release(body.txn_id);
      return;
    default:
      if (body.msg_id !== undefined) node.reply(message, { type: 'error', code: 10, text: `unknown type ${body.type}` });
  }
}

/** The client's node: runs the txn through n0, one round trip per read and per first write to a key. */
async function runTxn(node, message) {
  const txnId = `${node.id}-${++txnCount}`;
  const ownWrites = [];
  const locked = new Set();
  const done = [];
  for (const op of message.body.txn) {
    const [f, key] = op;
    if (f === 'r') {
      const answer = await node.call(node.primary, { type: 'read_committed', key });
      if (answer.type !== 'read_committed_ok') return abort(node, message, txnId, 14, `read of ${key} failed: ${answer.text}`);
      done.push(['r', key, withOwnWrites(answer.value, ownWrites, key)]);
      continue;
    }
    if (!locked.has(key)) {
      const answer = await node.call(node.primary, { type: 'lock', txn_id: txnId, key });
      if (answer.type !== 'lock_ok') return abort(node, message, txnId, answer.code === 30 ? 30 : 14, answer.text);
      locked.add(key);
    }
    ownWrites.push(op);
    done.push(op);
  }
  if (ownWrites.length === 0) {
    node.reply(message, { type: 'txn_ok', txn: done });
    return;
  }
  const answer = await node.call(node.primary, { type: 'commit', txn_id: txnId, writes: ownWrites });
  if (answer.type === 'commit_ok') node.reply(message, { type: 'txn_ok', txn: done });
  else node.reply(message, { type: 'error', code: 0, text: `commit may or may not have happened: ${answer.text}` });
}

/** Nothing was installed (writes wait for commit): a definite refusal (30 conflict, 14 abort) is the truth. */
function abort(node, message, txnId, code, why) {
  node.send(node.primary, { type: 'release', txn_id: txnId });
  node.reply(message, { type: 'error', code, text: `aborted: ${why}` });
}

startNode((node, message) => {
  const body = message.body;
  if (body.type !== 'txn') {
    serve(node, message);
    return;
  }
  if (!refusedAsNotATxn(node, message)) void runTxn(node, message);
});
