#!/usr/bin/env node
// Measures the time from spawning bin/raftkv to reading its init_ok, over N spawns.
// Usage: node scripts/startup_time.mjs [spawns=20]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const bin = fileURLToPath(new URL('../bin/raftkv', import.meta.url));
const spawns = Number(process.argv[2] ?? 20);
const INIT = JSON.stringify({ src: 'c0', dest: 'n0', body: { type: 'init', msg_id: 1, node_id: 'n0', node_ids: ['n0', 'n1', 'n2'] } });

function once() {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(bin, [], { cwd: '/tmp', stdio: ['pipe', 'pipe', 'ignore'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('no init_ok within 10 s'));
    }, 10_000);
    child.stdin.write(`${INIT}\n`);
    createInterface({ input: child.stdout }).once('line', (line) => {
      const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
      clearTimeout(timer);
      child.kill('SIGKILL');
      if (!line.includes('"init_ok"')) reject(new Error(`unexpected first line: ${line}`));
      else resolve(elapsedMs);
    });
  });
}

const samples = [];
for (let i = 0; i < spawns; i++) samples.push(await once());
samples.sort((a, b) => a - b);
const median = samples.length % 2 ? samples[(samples.length - 1) / 2] : (samples[samples.length / 2 - 1] + samples[samples.length / 2]) / 2;
console.log(`spawn to init_ok over ${spawns} spawns: median ${median.toFixed(1)} ms, min ${samples[0].toFixed(1)} ms, max ${samples.at(-1).toFixed(1)} ms`);
