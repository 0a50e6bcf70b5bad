#!/usr/bin/env node
// A txn node with snapshot isolation, for the harness's tests. n0 holds the only copy, with
// every committed version of every key stamped with its commit timestamp. The node a client
// talks to runs its txn in round trips to n0: one to take a snapshot (the last commit
// timestamp), one per read (the newest version at or before the snapshot, with the txn's own
// buffered writes laid over it), and one to commit the buffered writes, which n0 refuses with
// error 30 if another txn committed any key they write after the snapshot (first committer
// wins); otherwise it installs them all at the next timestamp. Read-only txns need no commit.
// Predicted verdict: valid under snapshot-isolation and everything weaker. Invalid under
// serializable with G2-item and nothing else: two txns that read the same keys from their
// snapshots and write different ones both commit (write skew), and every dependency cycle
// snapshot isolation allows has two rw edges in a row. Snapshots are taken after the request
// arrives and commits happen before the reply, so real time adds no other anomaly:
// strict-serializable sees G2-item (also as G2-item-process, G2-item-realtime) only. With
// txn-rw-register the checker sees a write skew only when both txns write keys they read, so a
// run may come out valid under every model.
// Not fault-tolerant beyond the single copy: the tests run without faults.
import { refusedAsNotATxn, startNode, withOwnWrites, written } from './txn_common.mjs';

let lastCommitTs = 0; // on n0
const versions = new Map(); // on n0: key -> [{ts, value}], oldest first

function valueAt(key, ts) {
  const history = versions.get(key) ?? [];
  for (let i = history.length - 1; i >= 0; i--) if (history[i].ts <= ts) return history[i].value;
  return null;
}

/** n0's side: snapshots, reads at a snapshot, first-committer-wins commits. */
function serve(node, message) {
  const body = message.body;
  switch (body.type) {
    case 'snapshot':
      node.reply(message, { type: 'snapshot_ok', ts: lastCommitTs });
      return;
    case 'read_at':
      node.reply(message, { type: 'read_at_ok', value: valueAt(body.key, body.ts) });
      return;
    case 'commit': {
      for (const [, key] of body.writes) {
        const newest = versions.get(key)?.at(-1);
        if (newest !== undefined && newest.ts > body.snapshot_ts) {
          node.reply(message, { type: 'error', code: 30, text: `key ${key} was committed at ${newest.ts}, after snapshot ${body.snapshot_ts}` });
          return;
        }
      }
      const commitTs = ++lastCommitTs;
      const newValues = new Map();
      for (const op of body.writes) newValues.set(op[1], written(newValues.has(op[1]) ? newValues.get(op[1]) : valueAt(op[1], commitTs), op));
      for (const [key, value] of newValues) versions.set(key, [...(versions.get(key) ?? []), { ts: commitTs, value }]);
      node.reply(message, { type: 'commit_ok' });
      return;
    }
    default:
      if (body.msg_id !== undefined) node.reply(message, { type: 'error', code: 10, text: `unknown type ${body.type}` });
  }
}

/** The client's node: snapshot, reads at it, then one commit of the buffered writes. */
async function runTxn(node, message) {
  const snapshot = await node.call(node.primary, { type: 'snapshot' });
  // Nothing is written before the commit: a failure before it is a definite abort (14).
  if (snapshot.type !== 'snapshot_ok') return node.reply(message, { type: 'error', code: 14, text: `no snapshot: ${snapshot.text}` });
  const ownWrites = [];
  const done = [];
  for (const op of message.body.txn) {
    const [f, key] = op;
    if (f !== 'r') {
      ownWrites.push(op);
      done.push(op);
      continue;
    }
    const answer = await node.call(node.primary, { type: 'read_at', key, ts: snapshot.ts });
    if (answer.type !== 'read_at_ok') return node.reply(message, { type: 'error', code: 14, text: `read of ${key} failed: ${answer.text}` });
    done.push(['r', key, withOwnWrites(answer.value, ownWrites, key)]);
  }
  if (ownWrites.length === 0) return node.reply(message, { type: 'txn_ok', txn: done });
  const answer = await node.call(node.primary, { type: 'commit', snapshot_ts: snapshot.ts, writes: ownWrites });
  if (answer.type === 'commit_ok') node.reply(message, { type: 'txn_ok', txn: done });
  else if (answer.code === 30) node.reply(message, { type: 'error', code: 30, text: answer.text });
  else node.reply(message, { type: 'error', code: 0, text: `commit may or may not have happened: ${answer.text}` });
}

startNode((node, message) => {
  const body = message.body;
  if (body.type !== 'txn') {
    serve(node, message);
    return;
  }
  if (!refusedAsNotATxn(node, message)) void runTxn(node, message);
});
