#!/usr/bin/env node
// Latency against the protocol's floor: runs the harness at a fixed low rate with node-to-node
// latency (default 10 ms), then splits write and read latencies by whether the client's node
// was the leader, and states them in network hops. The hop is the mean node-to-node delay the
// harness actually achieved (results.json net.servers.mean-delay-ms: timers fire a little after
// their deadline), so the floor is 2 hops for a write at the leader (append, acknowledgement)
// and 4 through a follower (forward, append, acknowledgement, result).
//
//   node scripts/latency_floor.mjs [--nodes 3] [--latency 10] [--seconds 20] [--read-mode lease]
//                                  [--seed 5] [--out store/latency-floor]
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { root, scriptArgs } from './script_args.mjs';

const { option } = scriptArgs();
const nodeCount = Number(option('nodes', '3'));
const out = resolve(option('out', join(root, 'store/latency-floor')));
const threads = 2 * nodeCount;
rmSync(out, { recursive: true, force: true }); // node logs of an earlier run would name its leader too
const run = spawnSync(
  join(root, 'bin/raftkv-test'),
  [
    'test',
    '-w',
    'lin-kv',
    '--bin',
    join(root, 'bin/raftkv'),
    '--node-count',
    String(nodeCount),
    '--time-limit',
    option('seconds', '20'),
    '--rate',
    '100',
    '--concurrency',
    String(threads),
    '--latency',
    option('latency', '10'),
    '--seed',
    option('seed', '5'),
    '--progress-interval',
    '0',
    '--out',
    out,
    '--',
    '--read-mode',
    option('read-mode', 'lease'),
  ],
  { encoding: 'utf8', timeout: 300_000 },
);
if (run.error !== undefined) throw run.error;
const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
const hopMs = results.net.servers['mean-delay-ms'];

// The leader: the only node that logged winning an election (a run with faults has several).
const leaders = readdirSync(join(out, 'node-logs')).filter((file) => readFileSync(join(out, 'node-logs', file), 'utf8').includes('became leader'));
if (leaders.length !== 1) throw new Error(`expected one leader for the whole run, found ${leaders.length}: ${leaders.join(', ')}`);
const leaderIndex = Number(leaders[0].replace(/^n(\d+)\.log$/, '$1'));

// Client thread t talks to node t mod n; process p is thread p until its first indefinite
// outcome (later processes are skipped rather than guessed).
const invoked = new Map();
const latencies = { 'write leader': [], 'write follower': [], 'read leader': [], 'read follower': [] };
for (const line of readFileSync(join(out, 'history.jsonl'), 'utf8').split('\n')) {
  if (line === '') continue;
  const event = JSON.parse(line);
  if (event.type === 'invoke') invoked.set(event.process, event);
  else if (event.type === 'ok' && event.process < threads && (event.f === 'write' || event.f === 'read')) {
    const role = event.process % nodeCount === leaderIndex ? 'leader' : 'follower';
    latencies[`${event.f} ${role}`].push((event.time - invoked.get(event.process).time) / 1e6);
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
const floorHops = { 'write leader': 2, 'write follower': 4, 'read leader': 0, 'read follower': 0 };
process.stdout.write(`valid: ${results.valid}; mean node-to-node delay ${hopMs} ms (latency ${option('latency', '10')} ms); leader n${leaderIndex}\n\n`);
process.stdout.write('| ops | count | p50 ms | p50 in hops | protocol floor | p50 over floor |\n|---|---:|---:|---:|---:|---:|\n');
for (const [name, values] of Object.entries(latencies)) {
  if (values.length === 0) continue;
  const p50 = median(values);
  const floorMs = floorHops[name] * hopMs;
  const over = floorMs > 0 ? `${(((p50 - floorMs) / floorMs) * 100).toFixed(1)}%` : '-';
  process.stdout.write(
    `| ${name} | ${values.length} | ${p50.toFixed(2)} | ${(p50 / hopMs).toFixed(2)} | ${floorHops[name]} hops = ${floorMs.toFixed(1)} ms | ${over} |\n`,
  );
}
const all = (f) => [...latencies[`${f} leader`], ...latencies[`${f} follower`]];
process.stdout.write(
  `\nall writes p50 ${median(all('write')).toFixed(2)} ms; all reads p50 ${median(all('read')).toFixed(2)} ms = ${(median(all('read')) / hopMs).toFixed(2)} hops\n`,
);
