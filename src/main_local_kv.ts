// Composition root of the ceiling node: one process, one map, no replication. The benchmark and
// the harness's tests drive it to learn what this machine and harness can do at all.

import { runStdioNode } from './runtime/stdio_node.js';
import { createLocalKvApp } from './server/local_kv_app.js';

runStdioNode(createLocalKvApp, { tickMs: 10, maxLineBytes: 1 << 20, logLevel: 'warn' });
