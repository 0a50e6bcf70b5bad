#!/usr/bin/env node
// A single-map lin-kv node (correct with one node) that breaks the protocol on purpose, for the
// harness's tests. --mode picks how, after the 20th request:
//   extra-key     every write_ok carries an undocumented "leader" key (from the start)
//   bad-line      prints a log line on stdout
//   unknown-dest  sends a message to a node that does not exist
//   crash         exits with status 3
//   no-init       never answers init
import { createInterface } from 'node:readline';

const modeIndex = process.argv.indexOf('--mode');
const mode = modeIndex === -1 ? 'extra-key' : process.argv[modeIndex + 1];
let nodeId = '';
let requests = 0;
const map = new Map();

function send(dest, body) {
  process.stdout.write(`${JSON.stringify({ src: nodeId, dest, body })}\n`);
}
function reply(request, body) {
  send(request.src, { ...body, in_reply_to: request.body.msg_id });
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const message = JSON.parse(line);
  const body = message.body;
  if (body.type === 'init') {
    if (mode === 'no-init') return;
    nodeId = body.node_id;
    reply(message, { type: 'init_ok' });
    return;
  }
  requests++;
  if (requests === 20) {
    if (mode === 'bad-line') process.stdout.write('handled 20 requests so far\n');
    if (mode === 'unknown-dest') send('n99', { type: 'hello' });
    if (mode === 'crash') {
      process.stderr.write('bad-output: crashing on purpose\n');
      process.exit(3);
    }
  }
  switch (body.type) {
    case 'read':
      if (!map.has(body.key)) reply(message, { type: 'error', code: 20, text: 'no such key' });
      else reply(message, { type: 'read_ok', value: map.get(body.key) });
      break;
    case 'write':
      map.set(body.key, body.value);
      reply(message, mode === 'extra-key' ? { type: 'write_ok', leader: nodeId } : { type: 'write_ok' });
      break;
    case 'cas':
      if (!map.has(body.key)) reply(message, { type: 'error', code: 20, text: 'no such key' });
      else if (map.get(body.key) !== body.from) reply(message, { type: 'error', code: 22, text: 'mismatch' });
      else {
        map.set(body.key, body.to);
        reply(message, { type: 'cas_ok' });
      }
      break;
    default:
      reply(message, { type: 'error', code: 10, text: 'not supported' });
  }
});
