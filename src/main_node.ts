// Composition root of bin/raftkv: parse options, then run the node over stdio.

import { parseNodeOptions, NODE_USAGE } from './runtime/node_options.js';
import { runStdioNode } from './runtime/stdio_node.js';
import { createLocalKvApp } from './server/local_kv_app.js';

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
runStdioNode(createLocalKvApp, { tickMs: options.tickMs, maxLineBytes: options.maxLineBytes, logLevel: options.logLevel });
