// Plumbing shared by the txn-*.mjs test nodes: Maelstrom messages in on stdin and out on stdout,
// calls to other nodes (a node may call itself: the harness network delivers that too), and
// micro-ops applied to an in-memory store. Serves both txn workloads without being told which:
// a value is a list (txn-list-append) or an integer (txn-rw-register). Not fault-tolerant: a call
// that gets no answer in CALL_TIMEOUT_MS resolves with an indefinite error (code 0).
import { createInterface } from 'node:readline';

const CALL_TIMEOUT_MS = 10_000;

/**
 * Starts the node: answers init, routes answers to calls, hands every other message to
 * onMessage(node, message). Returns the node: {id, ids, primary, send, reply, call}.
 */
export function startNode(onMessage) {
  let nextMsgId = 0;
  const waiting = new Map(); // msg_id of a call -> resolve(answer body)
  const node = {
    id: '',
    ids: [],
    primary: '', // node_ids[0]: the node that holds the data in the single-copy designs
    send(dest, body) {
      process.stdout.write(`${JSON.stringify({ src: node.id, dest, body })}\n`);
    },
    reply(request, body) {
      node.send(request.src, { ...body, in_reply_to: request.body.msg_id });
    },
    /** Sends body to dest; resolves with dest's answer, or an indefinite error on timeout. */
    call(dest, body) {
      const msgId = ++nextMsgId;
      node.send(dest, { ...body, msg_id: msgId });
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(msgId);
          resolve({ type: 'error', code: 0, text: `no answer from ${dest} to ${body.type}` });
        }, CALL_TIMEOUT_MS);
        timer.unref(); // the end of stdin ends the node, as with the other test nodes
        waiting.set(msgId, (answer) => {
          clearTimeout(timer);
          resolve(answer);
        });
      });
    },
  };
  createInterface({ input: process.stdin }).on('line', (line) => {
    const message = JSON.parse(line);
    const body = message.body;
    if (body.type === 'init') {
      node.id = body.node_id;
      node.ids = body.node_ids;
      node.primary = body.node_ids[0];
      node.reply(message, { type: 'init_ok' });
      return;
    }
    const resolve = body.in_reply_to === undefined ? undefined : waiting.get(body.in_reply_to);
    if (resolve !== undefined) {
      waiting.delete(body.in_reply_to);
      resolve(body);
      return;
    }
    onMessage(node, message);
  });
  return node;
}

/** A read's value: a copy of the list, the integer, or null when the key is missing. */
export function readValue(store, key) {
  const value = store.get(key);
  if (value === undefined) return null;
  return Array.isArray(value) ? [...value] : value;
}

/** The value after one write micro-op; never mutates the old value (multi-version stores keep it). */
export function written(oldValue, [f, , value]) {
  return f === 'append' ? [...(oldValue ?? []), value] : value;
}

/** Runs a whole txn against the store at once (atomically, as nothing else runs meanwhile). */
export function runTxn(store, txn) {
  return txn.map((op) => {
    const [f, key] = op;
    if (f === 'r') return ['r', key, readValue(store, key)];
    store.set(key, written(store.get(key), op));
    return op;
  });
}

/** What a txn reads of key once its own buffered writes are laid over the value it read outside. */
export function withOwnWrites(outsideValue, ownWrites, key) {
  let value = outsideValue;
  for (const op of ownWrites) if (op[1] === key) value = written(value, op);
  return Array.isArray(value) ? [...value] : value;
}

/**
 * Answers what is not a well-formed txn: another message type with 10 (not supported), a txn
 * with a micro-op neither workload uses with 12 (malformed request). True when it answered.
 */
export function refusedAsNotATxn(node, message) {
  const body = message.body;
  if (body.type !== 'txn') {
    if (body.msg_id !== undefined) node.reply(message, { type: 'error', code: 10, text: `unknown type ${body.type}` });
    return true;
  }
  const problem = malformedMicroOp(body.txn);
  if (problem === null) return false;
  node.reply(message, { type: 'error', code: 12, text: problem });
  return true;
}

function malformedMicroOp(txn) {
  if (!Array.isArray(txn)) return 'txn must be a list of micro-ops';
  const bad = txn.find((op) => !Array.isArray(op) || !['r', 'append', 'w'].includes(op[0]));
  return bad === undefined ? null : `unknown micro-op ${JSON.stringify(bad)}`;
}
