#!/usr/bin/env node
// A lin-kv node for the harness's tests: node n0 holds the only copy of the data; every other
// node forwards each request to n0 and relays n0's answer (a lost forward or answer just means
// no reply: the client times out). That is linearizable under any partition, latency or pause.
// With --ack-writes-early it is deliberately broken: a non-primary node acknowledges a write at
// once and forwards it afterwards, and n0 applies its own clients' writes 50 ms late, so reads
// miss acknowledged writes.
import { createInterface } from 'node:readline';

const ackWritesEarly = process.argv.includes('--ack-writes-early');
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
});
