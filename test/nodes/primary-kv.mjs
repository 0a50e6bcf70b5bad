#!/usr/bin/env node
// A lin-kv node for the harness's tests: node n0 holds the only copy of the data; every other
// node forwards each request to n0 and relays n0's answer (a lost forward or answer just means
// no reply: the client times out). That is linearizable under any partition, latency or pause.
// With --ack-writes-early it is deliberately broken: a non-primary node acknowledges a write at
// once and forwards it afterwards, and n0 applies its own clients' writes 50 ms late, so reads
// miss acknowledged writes.
// With --give-up-after-ms N it is safe but never recovers: a node whose forward went unanswered
// for N ms (the primary was cut off) stops forwarding for good and refuses every request after
// that with error 11, which is definite and true (nothing is done): no anomaly, no service.
// It applies a forward as often as it arrives (no dedup), and says on stderr when a message
// with an envelope id it has seen arrives again (the harness's duplicate nemesis).
import { createInterface } from 'node:readline';

const ackWritesEarly = process.argv.includes('--ack-writes-early');
const giveUpIndex = process.argv.indexOf('--give-up-after-ms');
const giveUpAfterMs = giveUpIndex === -1 ? null : Number(process.argv[giveUpIndex + 1]);
let gaveUp = false;
const seenIds = new Set(); // envelope ids of peer messages, to tell duplicates (bounded)
const MAX_SEEN_IDS = 100_000;
let nodeId = '';
let primary = '';
let nextMsgId = 0;
const map = new Map();
const relays = new Map(); // forward msg_id -> the client request to answer

function send(dest, body) {
  process.stdout.write(`${JSON.stringify({ src: nodeId, dest, body })}\n`);
}
function reply(request, body) {
  send(request.src, { ...body, in_reply_to: request.body.msg_id });
}

/** Applies a request to the map; returns the reply body (without in_reply_to). */
function apply(body) {
  switch (body.type) {
    case 'read':
      return map.has(body.key) ? { type: 'read_ok', value: map.get(body.key) } : { type: 'error', code: 20, text: 'no such key' };
    case 'write':
      map.set(body.key, body.value);
      return { type: 'write_ok' };
    case 'cas':
      if (!map.has(body.key)) return { type: 'error', code: 20, text: 'no such key' };
      if (map.get(body.key) !== body.from) return { type: 'error', code: 22, text: `value is ${map.get(body.key)}` };
      map.set(body.key, body.to);
      return { type: 'cas_ok' };
    default:
      return { type: 'error', code: 10, text: `unknown type ${body.type}` };
  }
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const message = JSON.parse(line);
  const body = message.body;
  if (typeof message.id === 'number' && (body.type === 'forward' || body.type === 'forward_ok')) {
    if (seenIds.has(message.id)) process.stderr.write(`primary-kv: ${nodeId} got message id ${message.id} (${body.type}) twice\n`);
    else if (seenIds.size < MAX_SEEN_IDS) seenIds.add(message.id);
  }
  switch (body.type) {
    case 'init':
      nodeId = body.node_id;
      primary = body.node_ids[0];
      process.stderr.write(`primary-kv: ${nodeId} started with RAFTKV_SEED=${process.env.RAFTKV_SEED}\n`);
      reply(message, { type: 'init_ok' });
      return;
    case 'forward': // on the primary: apply, answer the forwarding node
      send(message.src, { type: 'forward_ok', in_reply_to: body.msg_id, reply: apply(body.request) });
      return;
    case 'forward_ok': {
      const request = relays.get(body.in_reply_to);
      relays.delete(body.in_reply_to);
      if (request !== undefined) reply(request, body.reply);
      return;
    }
    case 'read':
    case 'write':
    case 'cas':
      break;
    default:
      if (body.msg_id !== undefined) reply(message, { type: 'error', code: 10, text: `unknown type ${body.type}` });
      return;
  }
  if (gaveUp) {
    reply(message, { type: 'error', code: 11, text: 'gave up on the primary' });
    return;
  }
  const early = ackWritesEarly && body.type === 'write';
  if (nodeId === primary) {
    if (early) {
      reply(message, { type: 'write_ok' });
      setTimeout(() => apply(body), 50);
    } else {
      reply(message, apply(body));
    }
    return;
  }
  const msgId = ++nextMsgId;
  if (early) reply(message, { type: 'write_ok' });
  else relays.set(msgId, message);
  send(primary, { type: 'forward', msg_id: msgId, request: body });
  if (giveUpAfterMs !== null) {
    setTimeout(() => {
      if (relays.has(msgId)) gaveUp = true;
    }, giveUpAfterMs);
  }
});
