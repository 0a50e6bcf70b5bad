// Composition root of bin/raftkv: parse options, then run the replicated key-value node over
// stdio. The only sources of entropy and time are chosen here, and so is the storage: a
// DurableNodeStore over the files under --data-dir/<node id> (opened at init, when the node id
// is known), or memory only. Unrecoverable storage stops the node before it answers anything.

import { randomInt } from 'node:crypto';
import * as path from 'node:path';
import { Rng } from './base/rng.js';
import { FsDisk, nativeCrc32 } from './runtime/fs_disk.js';
import { LazyDisk } from './runtime/lazy_disk.js';
import { parseNodeOptions, NODE_USAGE } from './runtime/node_options.js';
import { runStdioNode } from './runtime/stdio_node.js';
import { createKvNodeApp } from './server/kv_node.js';
import type { NodeContext } from './server/node_app.js';
import { DEFAULT_KV_SERVER_OPTIONS, TXN_RETRY_BUDGET_MS, TXN_STATS_EVERY_MS } from './server/options.js';
import { DurableNodeStore, type RecoveryReport } from './storage/durable_store.js';
import { MemoryNodeStore } from './storage/memory_store.js';
import type { NodeStore } from './storage/types.js';

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
  `raftkv: read mode ${options.readMode}, txn mode ${options.txnMode}${options.txnMode === 'batch' ? '' : ` (early abort ${options.txnEarlyAbort ? 'on' : 'off'}, backoff ${options.txnBackoffTicks > 0 ? `up to ${options.txnBackoffTicks} ticks` : 'off'}, ${options.txnRetries} retries)`}, seed ${seed}; ${dataDir === undefined ? `state is kept in memory only (${options.storage === 'memory' ? '--storage memory' : 'no --data-dir or RAFTKV_DATA_DIR'})` : `state is kept under ${dataDir}${options.storage === 'lazy' ? ' (lazy: unsynced writes die with the process)' : ''}`}\n`,
);

function openStore(context: NodeContext): NodeStore {
  if (dataDir === undefined) return new MemoryNodeStore();
  // Node ids come from the network: keep them inside the data directory.
  const safeId = context.nodeId.replace(/[^A-Za-z0-9_.-]/g, '_');
  const dir = path.join(dataDir, safeId === '.' || safeId === '..' ? `_${safeId}` : safeId);
  const opened = DurableNodeStore.open(
    options.storage === 'lazy' ? new LazyDisk(new FsDisk(dir)) : new FsDisk(dir),
    nativeCrc32 === undefined ? {} : { checksum: nativeCrc32 },
  );
  if (!opened.ok) {
    process.stderr.write(`raftkv: FATAL: cannot recover the state in ${dir}: ${opened.error}\nRefusing to serve from damaged storage.\n`);
    process.exit(EXIT_CORRUPT_STORAGE);
  }
  context.log('info', describeRecovery(dir, opened.value.recovery));
  return opened.value.store;
}

function describeRecovery(dir: string, recovery: RecoveryReport): string {
  if (recovery.fresh) return `fresh data directory ${dir}: nothing to recover`;
  const MAX_GROUPS_DESCRIBED = 8;
  const groups = recovery.groups.slice(0, MAX_GROUPS_DESCRIBED).map(({ group, snapshotIndex, lastIndex, hardState: { term, vote, commit } }) => {
    return `group ${group}: a snapshot at ${snapshotIndex}, the log up to index ${lastIndex}, term ${term}${vote === null ? '' : ` (voted for ${vote})`}, commit ${commit}`;
  });
  const more = recovery.groups.length > MAX_GROUPS_DESCRIBED ? `; and ${recovery.groups.length - MAX_GROUPS_DESCRIBED} more groups` : '';
  return (
    `restarted on ${dir}: recovered ${recovery.records} WAL records (${recovery.bytes} bytes) in ${recovery.segments} segment${recovery.segments === 1 ? '' : 's'}; ` +
    `${groups.length === 0 ? 'no group state' : groups.join('; ')}${more}${recovery.tornTail === undefined ? '' : `; cut off a torn tail (${recovery.tornTail})`}`
  );
}

const serverOptions = {
  ...DEFAULT_KV_SERVER_OPTIONS,
  readMode: options.readMode,
  snapshotEveryEntries: options.snapshotEveryEntries,
  groupCount: options.groupCount,
  txnMode: options.txnMode,
  mvccRetentionEntries: options.mvccRetentionEntries,
  txnRetryBudgetTicks: Math.max(1, Math.floor(TXN_RETRY_BUDGET_MS / options.tickMs)),
  txnRetries: options.txnRetries,
  txnBackoffTicks: options.txnBackoffTicks,
  txnEarlyAbort: options.txnEarlyAbort,
  txnStatsEveryTicks: Math.max(1, Math.round(TXN_STATS_EVERY_MS / options.tickMs)),
};
const rng = new Rng(seed);
runStdioNode((context, store) => createKvNodeApp(serverOptions, { storage: (group) => store.group(group), rng })(context), {
  tickMs: options.tickMs,
  maxLineBytes: options.maxLineBytes,
  logLevel: options.logLevel,
  openStore,
});
