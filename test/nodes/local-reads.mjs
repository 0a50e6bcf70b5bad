#!/usr/bin/env node
// A deliberately broken lin-kv node, for the harness's tests: each node keeps its own map,
// applies writes and cas to it at once, answers, and only then gossips the new value to its
// peers (which apply it whenever it arrives). Reads are served from the local copy, so a read
// on one node misses a write acknowledged by another: not linearizable with 2+ nodes.
import { createInterface } from 'node:readline';

let nodeId = '';
let peers = [];
const map = new Map();

function send(dest, body) {
  process.stdout.write(`${JSON.stringify({ src: nodeId, dest, body })}\n`);
}
function reply(request, body) {
  send(request.src, { ...body, in_reply_to: request.body.msg_id });
}
function gossip(key, value) {
  for (const peer of peers) send(peer, { type: 'gossip', key, value });
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const message = JSON.parse(line);
  const body = message.body;
  switch (body.type) {
    case 'init':
      nodeId = body.node_id;
      peers = body.node_ids.filter((id) => id !== nodeId);
      reply(message, { type: 'init_ok' });
      break;
    case 'read':
      if (!map.has(body.key)) reply(message, { type: 'error', code: 20, text: 'no such key here' });
      else reply(message, { type: 'read_ok', value: map.get(body.key) });
      break;
    case 'write':
      map.set(body.key, body.value);
      reply(message, { type: 'write_ok' });
      gossip(body.key, body.value);
      break;
    case 'cas':
      if (!map.has(body.key)) reply(message, { type: 'error', code: 20, text: 'no such key here' });
      else if (map.get(body.key) !== body.from) reply(message, { type: 'error', code: 22, text: `value is ${map.get(body.key)}` });
      else {
        map.set(body.key, body.to);
        reply(message, { type: 'cas_ok' });
        gossip(body.key, body.to);
      }
      break;
    case 'gossip':
      map.set(body.key, body.value);
      break;
    default:
      if (body.msg_id !== undefined) reply(message, { type: 'error', code: 10, text: `unknown type ${body.type}` });
  }
});
