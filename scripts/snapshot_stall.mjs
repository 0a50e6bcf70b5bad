#!/usr/bin/env node
// How long a node's event loop stalls while it writes large snapshots: runs a 3-node raftkv
// cluster (wired by this script) on a fresh data directory with a large store (--keys values of
// --value-bytes each) and a small --snapshot-every, writes --writes values, and prints each
// node's longest event-loop block (perf_hooks' delay histogram, via scripts/loop_probe.mjs,
// preloaded without changing the node) and how many snapshots it logged.
//
//   node scripts/snapshot_stall.mjs [--bin bin/raftkv] [--keys 400] [--value-bytes 100000]
//                                   [--writes 1200] [--snapshot-every 100] [--in-flight 8]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { root, scriptArgs } from './script_args.mjs';

const { option } = scriptArgs();
const bin = resolve(option('bin', join(root, 'bin/raftkv')));
const keys = Number(option('keys', '400'));
const valueBytes = Number(option('value-bytes', '100000'));
const writes = Number(option('writes', '1200'));
const snapshotEvery = option('snapshot-every', '100');
const inFlight = Number(option('in-flight', '8'));
const REQUEST_TIMEOUT_MS = 30_000;

const ids = ['n0', 'n1', 'n2'];
const work = mkdtempSync(join(tmpdir(), 'raftkv-stall-'));
const nodes = new Map();
const waiting = new Map();
let nextMsgId = 1;
for (const id of ids) {
  const env = {
    ...process.env,
    RAFTKV_DATA_DIR: join(work, 'data'),
    RAFTKV_LOOP_PROBE_FILE: join(work, `${id}.loop.json`),
    NODE_OPTIONS: `--import=${join(root, 'scripts/loop_probe.mjs')}`,
  };
  const child = spawn(bin, ['--snapshot-every', snapshotEvery], { cwd: '/tmp', env, stdio: 'pipe' });
  const node = { child, stderr: '' };
  // A node killed at the end may still be sent a line: the broken pipe is expected then.
  child.stdin.on('error', () => {});
  child.stderr.setEncoding('utf8').on('data', (text) => (node.stderr += text));
  createInterface({ input: child.stdout }).on('line', (line) => route(line));
  nodes.set(id, node);
}

function route(line) {
  const dest = /^\{"src":"[^"]*","dest":"([^"]*)"/.exec(line)?.[1];
  const peer = nodes.get(dest);
  if (peer !== undefined) return void peer.child.stdin.write(`${line}\n`);
  const { body } = JSON.parse(line);
  const resolveReply = waiting.get(body.in_reply_to);
  waiting.delete(body.in_reply_to);
  resolveReply?.(body);
}

function request(id, body) {
  const msgId = nextMsgId++;
  return new Promise((resolveReply, reject) => {
    const timer = setTimeout(() => reject(new Error(`${body.type} to ${id}: no reply within ${REQUEST_TIMEOUT_MS} ms`)), REQUEST_TIMEOUT_MS);
    waiting.set(msgId, (reply) => {
      clearTimeout(timer);
      resolveReply(reply);
    });
    nodes.get(id).child.stdin.write(`${JSON.stringify({ src: 'c1', dest: id, body: { ...body, msg_id: msgId } })}\n`);
  });
}

let exitCode = 0;
const started = performance.now();
try {
  await Promise.all(ids.map((id) => request(id, { type: 'init', node_id: id, node_ids: ids })));
  const value = 'v'.repeat(valueBytes);
  let issued = 0;
  let ok = 0;
  const worker = async (lane) => {
    while (issued < writes) {
      const n = issued++;
      // Errors (no leader yet, a forward cut short) are retried: only acknowledged writes count.
      const reply = await request(ids[lane % ids.length], { type: 'write', key: n % keys, value: `${n}:${value}` });
      if (reply.type === 'write_ok') ok++;
      else issued--;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, (_, lane) => worker(lane)));
  const seconds = (performance.now() - started) / 1000;
  await new Promise((done) => setTimeout(done, 300)); // one more probe report
  process.stdout.write(
    `snapshot_stall: ${ok} writes of ${valueBytes} bytes over ${keys} keys (a store of about ${Math.round((keys * valueBytes) / 1e6)} MB), --snapshot-every ${snapshotEvery}, ${seconds.toFixed(1)} s\n`,
  );
  for (const id of ids) {
    const probe = JSON.parse(readFileSync(join(work, `${id}.loop.json`), 'utf8'));
    const snapshots = (nodes.get(id).stderr.match(/ snapshot at \d+/g) ?? []).length;
    process.stdout.write(`  ${id}: longest event-loop block ${probe.maxMs} ms, p99 ${probe.p99Ms} ms, mean ${probe.meanMs} ms; ${snapshots} snapshots taken\n`);
  }
} catch (error) {
  process.stderr.write(`snapshot_stall: ${error.message}\n`);
  for (const [id, node] of nodes) process.stderr.write(`--- ${id} stderr (tail)\n${node.stderr.slice(-2000)}\n`);
  exitCode = 1;
} finally {
  for (const node of nodes.values()) node.child.kill('SIGKILL');
  await Promise.all(
    [...nodes.values()].map((node) =>
      node.child.exitCode === null && node.child.signalCode === null ? new Promise((done) => node.child.once('exit', done)) : undefined,
    ),
  );
  rmSync(work, { recursive: true, force: true });
}
process.exit(exitCode);
