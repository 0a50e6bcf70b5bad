#!/usr/bin/env node
// What durability costs: runs the same closed-loop bench twice, once with the node's default
// durable storage and once with `--storage memory`, then writes one table of the two side by
// side (throughput, on disk as a share of in memory, write p99) to --out/durability.md, and to
// docs/bench-durability.md only when asked with --docs. Each half also keeps its own report
// (plots, every run) under --out. --dry-run prints the plan and runs nothing.
//
//   node scripts/bench_durability.mjs [--nodes 3] [--clients 10n,30n,60n,100n,150n] [--reps 3]
//                                     [--seed 8000] [--out store/bench-durability]
//                                     [--docs [docs/bench-durability.md]] [--dry-run]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { root, scriptArgs } from './script_args.mjs';

const { own, option, optionalValue, flag } = scriptArgs();
const nodes = option('nodes', '3');
const clients = option('clients', '10n,30n,60n,100n,150n');
const reps = option('reps', '3');
const seed = option('seed', '8000');
const out = resolve(option('out', join(root, 'store/bench-durability')));
const docsText = optionalValue('docs', join(root, 'docs/bench-durability.md'));
const docs = docsText === undefined ? undefined : resolve(docsText);
const shape = ['--nodes', nodes, '--latency', '0', '--reads', '0.5', '--clients', clients, '--reps', reps, '--time-limit', '5', '--seed', seed, '--no-ceiling'];

const halves = [
  { name: 'disk', nodeArgs: [] },
  { name: 'memory', nodeArgs: ['--storage', 'memory'] },
];
const tablePath = join(out, 'durability.md');
if (flag('dry-run')) {
  for (const half of halves)
    process.stdout.write(
      `bench_durability: would run ${half.name}: bin/raftkv-test bench ${shape.join(' ')}${half.nodeArgs.length > 0 ? ` -- ${half.nodeArgs.join(' ')}` : ''}\n`,
    );
  process.stdout.write(
    `bench_durability: would write ${relative(root, tablePath)}${docs === undefined ? ' (and nothing under docs/: give --docs for that)' : ` and ${relative(root, docs)}`}\n`,
  );
  process.exit(0);
}
rmSync(out, { recursive: true, force: true });
for (const half of halves) {
  const args = [
    'bench',
    ...shape,
    '--title',
    `raftkv: storage ${half.name}`,
    '--out',
    join(out, half.name),
    ...(half.nodeArgs.length > 0 ? ['--', ...half.nodeArgs] : []),
  ];
  process.stdout.write(`bench_durability: ${half.name}: bin/raftkv-test ${args.join(' ')}\n`);
  const run = spawnSync(join(root, 'bin/raftkv-test'), args, { stdio: ['ignore', 'inherit', 'inherit'], timeout: 3_600_000 });
  if (run.error !== undefined) throw run.error;
  if (run.status !== 0) {
    process.stderr.write(`bench_durability: the ${half.name} bench exited with ${run.status}; see ${join(out, half.name)}\n`);
    process.exit(run.status ?? 2);
  }
  half.bench = JSON.parse(readFileSync(join(out, half.name, 'bench.json'), 'utf8'));
}

const medians = (bench) => new Map(bench.cells.map((cell) => [cell.cell.concurrency, { label: cell.cell.load.clients, summary: cell.summary }]));
const [disk, memory] = halves.map((half) => medians(half.bench));
const thousands = (value) => Math.round(value).toLocaleString('en-US');
const rows = [...disk].map(([threads, onDisk]) => {
  const inMemory = memory.get(threads);
  const label = onDisk.label.kind === 'per-node' ? `${onDisk.label.multiplier}n (${threads})` : String(threads);
  const ratio = `${Math.round((100 * onDisk.summary.answeredOpsPerS.median) / inMemory.summary.answeredOpsPerS.median)}%`;
  const p99 = `${onDisk.summary.writeP99Ms.median.toFixed(1)} / ${inMemory.summary.writeP99Ms.median.toFixed(1)} ms`;
  return `| ${label} | ${thousands(onDisk.summary.answeredOpsPerS.median)} | ${thousands(inMemory.summary.answeredOpsPerS.median)} | ${ratio} | ${p99} |`;
});
const peak = (map) => Math.max(...[...map.values()].map((cell) => cell.summary.answeredOpsPerS.median));
const table = [
  '| clients | on disk (answered ops/s) | in memory | on disk / in memory | write p99 on disk / in memory |',
  '|---:|---:|---:|---:|---|',
  ...rows,
].join('\n');
const peakLine = `Highest throughput of each: ${thousands(peak(disk))} ops/s on disk, ${thousands(peak(memory))} in memory (${Math.round((100 * peak(disk)) / peak(memory))}%).`;
const command = `node scripts/bench_durability.mjs ${own.join(' ')}`.trim();
const document =
  `# raftkv: what durability costs\n\n` +
  `${nodes} nodes, latency 0, 50% reads, closed loop, median of ${reps} runs of 5 s per cell (seeds ${seed} on), ` +
  `with the default durable storage (WAL, group commit, \`fdatasync\` before an append is acknowledged) ` +
  `and with \`--storage memory\`. Measured ${halves[0].bench.startedAt.slice(0, 10)} on a machine whose cores the harness and every node share.\n\n` +
  `${table}\n\n${peakLine}\n\n` +
  `Reproduce (after \`npm run build\`): \`${command}\`. Full reports: \`${relative(root, out)}/{disk,memory}/report.html\`.\n`;
const written = [tablePath, ...(docs === undefined ? [] : [docs])];
for (const path of written) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, document);
}
process.stdout.write(`\n${table}\n\n${peakLine}\nbench_durability: wrote ${written.map((path) => relative(root, path)).join(' and ')}\n`);
