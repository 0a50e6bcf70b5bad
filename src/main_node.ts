// Composition root of bin/raftkv: parse options, then run the replicated key-value node over
// stdio. The only sources of entropy and time are chosen here, and so is the storage: a
// DurableStorage under --data-dir/<node id> (opened at init, when the node id is known), or
// memory only. Unrecoverable storage stops the node before it answers anything.

import { randomInt } from 'node:crypto';
import * as path from 'node:path';
import { Rng } from './base/rng.js';
import { MemoryStorage, type NodeStorage } from './raft/index.js';
import { DurableStorage } from './runtime/durable_storage.js';
import { parseNodeOptions, NODE_USAGE } from './runtime/node_options.js';
import { runStdioNode } from './runtime/stdio_node.js';
import { createKvServerApp, DEFAULT_KV_SERVER_OPTIONS } from './server/kv_server.js';
import type { NodeContext } from './server/node_shell.js';

/** Exit status when the data directory cannot be trusted (sysexits' EX_DATAERR). */
const EXIT_CORRUPT_STORAGE = 65;

const parsed = parseNodeOptions(process.argv.slice(2), process.env);
if (!parsed.ok) {
  // The problem and where to look, not the whole usage: the message stays on screen.
  process.stderr.write(`raftkv: ${parsed.error}\nraftkv: run 'raftkv --help' for the options\n`);
  process.exit(2);
}
if (parsed.value.kind === 'help') {
  process.stdout.write(NODE_USAGE);
  process.exit(0);
}
const { options } = parsed.value;
const seed = options.seed ?? randomInt(0, 0xffff_ffff);
const { dataDir } = options;
process.stderr.write(
  `raftkv: read mode ${options.readMode}, seed ${seed}; ${dataDir === undefined ? `state is kept in memory only (${options.storage === 'memory' ? '--storage memory' : 'no --data-dir or RAFTKV_DATA_DIR'})` : `state is kept under ${dataDir}`}\n`,
);

let durable: DurableStorage | undefined;

function openStorage(context: NodeContext): NodeStorage {
  const { nodeId } = context;
  if (dataDir === undefined) return new MemoryStorage();
  // Node ids come from the network: keep them inside the data directory.
  const safeId = nodeId.replace(/[^A-Za-z0-9_.-]/g, '_');
  const dir = path.join(dataDir, safeId === '.' || safeId === '..' ? `_${safeId}` : safeId);
  // The runtime holds each turn's output until an fdatasync covers the turn's writes.
  const opened = DurableStorage.open(dir, { backgroundSync: true });
  if (!opened.ok) {
    process.stderr.write(`raftkv: FATAL: cannot recover the state in ${dir}: ${opened.error}\nRefusing to serve from damaged storage.\n`);
    process.exit(EXIT_CORRUPT_STORAGE);
  }
  const storage = opened.value;
  const { recovery } = storage;
  if (recovery.fresh) {
    context.log('info', `fresh data directory ${dir}: nothing to recover`);
  } else {
    const { term, vote, commit } = storage.initialState();
    context.log(
      'info',
      `restarted on ${dir}: recovered a snapshot at ${recovery.snapshotIndex}, ${recovery.walRecords} WAL records (${recovery.walBytes} bytes), ` +
        `the log up to index ${storage.lastIndex()}, term ${term}${vote === null ? '' : ` (voted for ${vote})`}, commit ${commit}` +
        `${recovery.tornTail === undefined ? '' : `; cut off a torn tail (${recovery.tornTail})`}`,
    );
  }
  durable = storage;
  return storage;
}

const serverOptions = { ...DEFAULT_KV_SERVER_OPTIONS, readMode: options.readMode, snapshotEveryEntries: options.snapshotEveryEntries };
const rng = new Rng(seed);
runStdioNode((context) => createKvServerApp(serverOptions, { storage: openStorage(context), rng })(context), {
  tickMs: options.tickMs,
  maxLineBytes: options.maxLineBytes,
  logLevel: options.logLevel,
  onShutdown: async () => durable?.close(),
  syncGate: () => durable,
});
