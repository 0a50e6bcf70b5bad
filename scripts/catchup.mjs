#!/usr/bin/env node
// Measures how long a node that was down catches up: starts 3 durable bin/raftkv nodes (follower
// reads, so a node serves reads itself), SIGKILLs n2, drives writes through n0 for --down-s
// seconds, restarts n2 on its data directory, then times from the restart until n2 serves a read
// at the log position of the last write (min_index). Node-to-node messages are routed in this
// script with no delay; every process is killed at the end.
//
//   node scripts/catchup.mjs [--down-s 60] [--writers 32] [--snapshot-every 10000]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { scriptArgs } from './script_args.mjs';

const { option } = scriptArgs();
const downS = Number(option('down-s', '60'));
const writers = Number(option('writers', '32'));
const snapshotEvery = option('snapshot-every', '10000');
const bin = fileURLToPath(new URL('../bin/raftkv', import.meta.url));
const dataDir = mkdtempSync(`${tmpdir()}/raftkv-catchup-`);
const ids = ['n0', 'n1', 'n2'];
const nodes = new Map();
const waiters = new Map(); // `${client}:${msgId}` -> resolve
let stderrOfN2 = '';

function start(id) {
  const child = spawn(bin, ['--read-mode', 'follower', '--snapshot-every', snapshotEvery], {
    cwd: tmpdir(),
    env: { ...process.env, RAFTKV_DATA_DIR: dataDir },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.on('error', () => {});
  child.stderr.on('data', (chunk) => {
    if (id === 'n2') stderrOfN2 += chunk;
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    const message = JSON.parse(line);
    if (message.dest.startsWith('c')) {
      const wake = waiters.get(`${message.dest}:${message.body.in_reply_to}`);
      if (wake) {
        waiters.delete(`${message.dest}:${message.body.in_reply_to}`);
        wake(message.body);
      }
    } else {
      nodes.get(message.dest)?.stdin.write(`${line}\n`);
    }
  });
  nodes.set(id, child);
  return child;
}

let nextMsgId = 1;
function request(client, node, body, timeoutMs = 2000) {
  const msgId = nextMsgId++;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      waiters.delete(`${client}:${msgId}`);
      resolve({ type: 'timeout' });
    }, timeoutMs);
    waiters.set(`${client}:${msgId}`, (reply) => {
      clearTimeout(timer);
      resolve(reply);
    });
    nodes.get(node).stdin.write(`${JSON.stringify({ src: client, dest: node, body: { ...body, msg_id: msgId } })}\n`);
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function init(id) {
  return request(`c-init-${id}`, id, { type: 'init', node_id: id, node_ids: ids });
}

try {
  for (const id of ids) start(id);
  await Promise.all(ids.map(init));
  await sleep(1000);
  nodes.get('n2').kill('SIGKILL');
  console.error(`n2 killed; writing through n0 for ${downS} s with ${writers} writers`);
  let writes = 0;
  const until = Date.now() + downS * 1000;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      while (Date.now() < until) {
        const reply = await request(`c${w}`, 'n0', { type: 'write', key: w % 10, value: writes });
        if (reply.type === 'write_ok') writes++;
      }
    }),
  );
  const marker = await request('c-marker', 'n0', { type: 'open_session' });
  if (marker.type !== 'open_session_ok') throw new Error(`cannot learn the last index: ${JSON.stringify(marker)}`);
  const restartedAt = performance.now();
  start('n2');
  await init('n2');
  let caughtUpMs;
  for (let attempt = 0; attempt < 2000 && caughtUpMs === undefined; attempt++) {
    const reply = await request('c-probe', 'n2', { type: 'read', key: 0, min_index: marker.index }, 1500);
    if (reply.type === 'read_ok') caughtUpMs = performance.now() - restartedAt;
    else await sleep(20);
  }
  const bySnapshot = /installed the leader's snapshot/.test(stderrOfN2);
  console.log(`down ${downS} s: ${writes} writes acknowledged while n2 was down; last index ${marker.index}`);
  console.log(
    caughtUpMs === undefined
      ? 'n2 did not catch up'
      : `n2 served a read at index ${marker.index} ${caughtUpMs.toFixed(0)} ms after its restart (process start included)${bySnapshot ? ', via InstallSnapshot' : ', from the log'}`,
  );
} finally {
  for (const child of nodes.values()) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
}
