#!/usr/bin/env node
// A single-node lin-kv store that survives SIGKILL, for the harness's kill tests: it writes its
// whole map to $RAFTKV_DATA_DIR/<node id>.json (synchronously, via a rename) before it
// acknowledges a write or cas, and reloads it on init. Correct with one node, killed or not.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const dataDir = process.env.RAFTKV_DATA_DIR;
if (dataDir === undefined || !existsSync(dataDir)) {
  process.stderr.write(`durable-kv: RAFTKV_DATA_DIR must name an existing directory (got ${dataDir})\n`);
  process.exit(4);
}
let nodeId = '';
let file = '';
let map = new Map();

function send(dest, body) {
  process.stdout.write(`${JSON.stringify({ src: nodeId, dest, body })}\n`);
}
function reply(request, body) {
  send(request.src, { ...body, in_reply_to: request.body.msg_id });
}
function persist() {
  writeFileSync(`${file}.tmp`, JSON.stringify([...map]));
  renameSync(`${file}.tmp`, file);
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const message = JSON.parse(line);
  const body = message.body;
  switch (body.type) {
    case 'init':
      nodeId = body.node_id;
      file = join(dataDir, `${nodeId}.json`);
      process.stderr.write(`durable-kv: ${nodeId} running as pid ${process.pid} with RAFTKV_SEED=${process.env.RAFTKV_SEED}\n`);
      if (existsSync(file)) {
        map = new Map(JSON.parse(readFileSync(file, 'utf8')));
        process.stderr.write(`durable-kv: recovered ${map.size} keys from ${file}\n`);
      } else {
        process.stderr.write(`durable-kv: fresh start, no ${file}\n`);
      }
      reply(message, { type: 'init_ok' });
      break;
    case 'read':
      if (!map.has(body.key)) reply(message, { type: 'error', code: 20, text: 'no such key' });
      else reply(message, { type: 'read_ok', value: map.get(body.key) });
      break;
    case 'write':
      map.set(body.key, body.value);
      persist();
      reply(message, { type: 'write_ok' });
      break;
    case 'cas':
      if (!map.has(body.key)) reply(message, { type: 'error', code: 20, text: 'no such key' });
      else if (map.get(body.key) !== body.from) reply(message, { type: 'error', code: 22, text: 'mismatch' });
      else {
        map.set(body.key, body.to);
        persist();
        reply(message, { type: 'cas_ok' });
      }
      break;
    default:
      reply(message, { type: 'error', code: 10, text: 'not supported' });
  }
});
