#!/usr/bin/env node
// Does a node's memory stay flat under a long run? Runs `raftkv-test test` with the given
// workload for --minutes, samples the resident set size of every bin/raftkv process it started
// (from /proc, every --sample-s seconds) and prints, per node and per minute, the largest RSS
// seen, then whether the last minute's peak is within --flat-percent of the second minute's
// (the first minute is warm-up: the WAL preallocates, the heap grows to its working size).
// Then, from the node logs, where each node's memory was at each minute (the node logs the V8
// heap, external memory and array buffers once a minute), so growth outside the JS heap shows.
// Linux only (it reads /proc). Exit status: the harness's (0 valid), or 3 when memory grew.
//
//   node scripts/memory_soak.mjs [--minutes 5] [--workload txn-list-append] [--rate 1000]
//        [--nodes 3] [--sample-s 5] [--flat-percent 15] [--seed 1] [--bin bin/raftkv]
//        [--max-writes-per-key N] [--out DIR] [-- node arguments]
//
// Elle's generators retire a key after --max-writes-per-key writes (16 by default) and never
// delete one, so the live data grows with the run; a large bound keeps the key set small, and
// then whatever still grows is the node's own.
//
// Node arguments after `--` reach bin/raftkv; a mode is easiest to pick with the environment,
// e.g. RAFTKV_TXN_MODE=occ node scripts/memory_soak.mjs.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, scriptArgs } from './script_args.mjs';

const args = scriptArgs();
const minutes = Number(args.option('minutes', '5'));
const workload = args.option('workload', 'txn-list-append');
const rate = args.option('rate', '1000');
const nodes = args.option('nodes', '3');
const sampleS = Number(args.option('sample-s', '5'));
const flatPercent = Number(args.option('flat-percent', '15'));
const seed = args.option('seed', '1');
const bin = args.option('bin', join(root, 'bin/raftkv'));
const maxWritesPerKey = args.option('max-writes-per-key', '16');
const out = args.option('out', join(root, 'store', `memory-soak-${workload}-${process.pid}`));
if (!(minutes >= 2) || !(sampleS > 0)) {
  process.stderr.write('memory_soak: --minutes must be at least 2 (the first is warm-up) and --sample-s positive\n');
  process.exit(2);
}

const harnessArgs = [
  join(root, 'dist/raftkv-test.mjs'),
  'test',
  '-w',
  workload,
  '--bin',
  bin,
  '--node-count',
  nodes,
  '--concurrency',
  '2n',
  '--rate',
  rate,
  '--time-limit',
  String(minutes * 60),
  '--seed',
  seed,
  '--progress-interval',
  '60',
  ...(workload === 'lin-kv' ? [] : ['--max-writes-per-key', maxWritesPerKey]),
  '--out',
  out,
  ...(args.passThrough.length > 0 ? ['--', ...args.passThrough] : []),
];
const harness = spawn(process.execPath, harnessArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
let output = '';
harness.stdout.on('data', (chunk) => (output += chunk));

/** Node processes of this run: bin/raftkv's bundle among the harness's descendants. */
function nodeRssKb() {
  const byPid = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmdline.includes('raftkv.mjs')) continue;
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8');
      if (!environ.includes('RAFTKV_DATA_DIR=')) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'));
      if (rss !== null) byPid.set(Number(entry), Number(rss[1]));
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return byPid;
}

const startedAt = Date.now();
/** Peak RSS (kB) per minute of the run, over all node processes (a restart is a new pid). */
const peakByMinute = [];
const timer = setInterval(() => {
  const minute = Math.floor((Date.now() - startedAt) / 60_000);
  if (minute >= minutes) return;
  for (const rss of nodeRssKb().values()) peakByMinute[minute] = Math.max(peakByMinute[minute] ?? 0, rss);
}, sampleS * 1000);

const exitCode = await new Promise((resolve) => harness.on('exit', (code) => resolve(code ?? 2)));
clearInterval(timer);
const verdict = /VERDICT: .*/.exec(output)?.[0] ?? '(no verdict line)';
const mb = (kb) => (kb === undefined ? '-' : `${(kb / 1024).toFixed(0)} MB`);
process.stdout.write(
  `memory_soak: ${workload}, ${nodes} nodes, rate ${rate}, ${minutes} min, seed ${seed}${args.passThrough.length > 0 ? `, node args ${args.passThrough.join(' ')}` : ''}\n`,
);
process.stdout.write(`peak node RSS per minute: ${peakByMinute.map((kb, i) => `${i + 1}: ${mb(kb)}`).join(', ')}\n`);
const second = peakByMinute[1];
const last = peakByMinute[minutes - 1];
const flat = second !== undefined && last !== undefined && last <= second * (1 + flatPercent / 100);
const logDir = join(out, 'node-logs');
for (const file of existsSync(logDir) ? readdirSync(logDir).sort() : []) {
  const lines = readFileSync(join(logDir, file), 'utf8')
    .split('\n')
    .filter((line) => line.includes('memory: rss'));
  process.stdout.write(`${file.replace(/\.log$/, '')}, once a minute:\n${lines.map((line) => `  ${line.slice(line.indexOf('memory: '))}`).join('\n')}\n`);
}
process.stdout.write(`${flat ? 'flat' : 'GREW'}: last minute ${mb(last)} against the second ${mb(second)} (allowed +${flatPercent}%)\n${verdict}\n`);
process.exit(exitCode !== 0 ? exitCode : flat ? 0 : 3);
