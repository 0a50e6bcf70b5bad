// Composition root of bin/raftkv: parse options, then run the replicated key-value node over
// stdio. The only sources of entropy and time are chosen here.

import { randomInt } from 'node:crypto';
import { Rng } from './base/rng.js';
import { MemoryStorage } from './raft/index.js';
import { parseNodeOptions, NODE_USAGE } from './runtime/node_options.js';
import { runStdioNode } from './runtime/stdio_node.js';
import { createKvServerApp, DEFAULT_KV_SERVER_OPTIONS } from './server/kv_server.js';

const parsed = parseNodeOptions(process.argv.slice(2), process.env);
if (!parsed.ok) {
  process.stderr.write(`raftkv: ${parsed.error}\n\n${NODE_USAGE}`);
  process.exit(2);
}
if (parsed.value.kind === 'help') {
  process.stdout.write(NODE_USAGE);
  process.exit(0);
}
const { options } = parsed.value;
const seed = options.seed ?? randomInt(0, 0xffff_ffff);
process.stderr.write(`raftkv: read mode ${options.readMode}, seed ${seed}; state is kept in memory only\n`);
const app = createKvServerApp(
  { ...DEFAULT_KV_SERVER_OPTIONS, readMode: options.readMode },
  { storage: new MemoryStorage(), rng: new Rng(seed) },
);
runStdioNode(app, { tickMs: options.tickMs, maxLineBytes: options.maxLineBytes, logLevel: options.logLevel });
