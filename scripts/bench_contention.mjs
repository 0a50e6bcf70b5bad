#!/usr/bin/env node
// The contention study: txn-list-append on a durable cluster, every txn mode the node accepts
// (and occ with early abort, backoff or retries switched off, where the node offers a switch)
// × key count × key distribution × few and many client threads, median of --reps runs; writes
// contention.md and its plots to --out, and to docs/contention.md only when asked with --docs.
// One `raftkv-test bench` invocation per (mode, key count, distribution, rep), one at a time.
// The tables, plots and findings come from src/bench/contention.ts, bundled on the fly.
//
//   node scripts/bench_contention.mjs [--quick] [--modes batch,occ,si] [--key-counts 3,10,100]
//        [--key-dists exponential,uniform] [--clients 2n,10n] [--nodes 3] [--latency 0]
//        [--reps 3] [--time-limit 6] [--seed 9000] [--switched-key-counts 3,10]
//        [--switch NAME:MODE:ENV=V[,ENV=V]]... [--no-switches] [--out store/bench-contention]
//        [--docs [docs/contention.md]] [--dry-run] [-- node arguments]
//
// --quick: 1 rep of 2 s per cell (a few minutes; for trying the pipeline, not for the report).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { importSources, root, scriptArgs } from './script_args.mjs';

const { own, option, optionalValue, flag, passThrough } = scriptArgs();
const USAGE = `usage: node scripts/bench_contention.mjs [--quick] [--modes batch,occ,si] [--key-counts 3,10,100]
       [--key-dists exponential,uniform] [--clients 2n,10n] [--nodes 3] [--latency 0] [--reps 3]
       [--time-limit 6] [--seed 9000] [--switched-key-counts 3,10] [--switch NAME:MODE:ENV=V[,ENV=V]]...
       [--no-switches] [--out DIR] [--docs [docs/contention.md]] [--dry-run] [-- node arguments]
`;
const VALUE_OPTIONS = ['modes', 'key-counts', 'key-dists', 'clients', 'nodes', 'latency', 'reps', 'time-limit', 'seed', 'switched-key-counts', 'switch', 'out'];
const FLAGS = ['quick', 'no-switches', 'dry-run', 'docs'];
if (own.includes('--help') || own.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}
// A typo must not start a 20-minute study with the defaults.
for (const [i, arg] of own.entries()) {
  if (!arg.startsWith('--')) {
    if (i > 0 && VALUE_OPTIONS.includes(own[i - 1].slice(2))) continue;
    if (i > 0 && own[i - 1] === '--docs') continue;
  } else if (VALUE_OPTIONS.includes(arg.slice(2)) || FLAGS.includes(arg.slice(2))) continue;
  process.stderr.write(`bench_contention: unexpected argument ${JSON.stringify(arg)}\n${USAGE}`);
  process.exit(254);
}
const quick = flag('quick');
const list = (name, fallback) =>
  option(name, fallback)
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
const modes = list('modes', 'batch,occ,si');
const keyCounts = list('key-counts', '3,10,100').map(Number);
const keyDists = list('key-dists', 'exponential,uniform');
const clients = list('clients', '2n,10n');
const nodes = Number(option('nodes', '3'));
const latencyMs = Number(option('latency', '0'));
const reps = Number(option('reps', quick ? '1' : '3'));
const timeLimitS = Number(option('time-limit', quick ? '2' : '6'));
const seed = Number(option('seed', '9000'));
const switchedKeyCounts = list('switched-key-counts', '3,10').map(Number);
const out = resolve(option('out', join(root, quick ? 'store/bench-contention-quick' : 'store/bench-contention')));
const docsText = optionalValue('docs', join(root, 'docs/contention.md'));
const docs = docsText === undefined ? undefined : resolve(docsText);
for (const [name, values] of [
  ['key-counts', keyCounts],
  ['switched-key-counts', switchedKeyCounts],
]) {
  if (values.some((value) => !Number.isSafeInteger(value) || value < 1)) throw new Error(`--${name} takes positive integers`);
}
if (!(Number.isSafeInteger(reps) && reps >= 1 && timeLimitS > 0 && Number.isSafeInteger(seed) && nodes >= 1 && latencyMs >= 0)) {
  throw new Error('--reps, --nodes and --seed must be positive integers, --time-limit positive, --latency at least 0');
}
for (const dist of keyDists) if (!['exponential', 'uniform'].includes(dist)) throw new Error(`--key-dists: exponential or uniform, not ${dist}`);

// occ with one of its helpers turned off; the names are what this study asks the node to offer
// (documented in its --help); --switch replaces them.
const switchSpecs = own.flatMap((arg, i) => (arg === '--switch' ? [own[i + 1] ?? ''] : []));
const DEFAULT_SWITCHES = [
  'occ, no early abort:occ:RAFTKV_TXN_EARLY_ABORT=0',
  'occ, no backoff:occ:RAFTKV_TXN_BACKOFF=0',
  'occ, backoff up to 16 ticks:occ:RAFTKV_TXN_BACKOFF=16',
  'occ, no retries:occ:RAFTKV_TXN_RETRIES=0',
];
const switches = (flag('no-switches') ? [] : switchSpecs.length > 0 ? switchSpecs : DEFAULT_SWITCHES).map((spec) => {
  const match = /^([^:]+):([a-z-]+):((?:[A-Z0-9_]+=[^,]*)(?:,[A-Z0-9_]+=[^,]*)*)$/.exec(spec);
  if (match === null) throw new Error(`--switch NAME:MODE:ENV=VALUE[,ENV=VALUE]; got ${JSON.stringify(spec)}`);
  return { name: match[1], mode: match[2], env: Object.fromEntries(match[3].split(',').map((pair) => pair.split('='))) };
});

if (!existsSync(join(root, 'dist/raftkv.mjs')) || !existsSync(join(root, 'dist/raftkv-test.mjs'))) {
  process.stderr.write('bench_contention: dist/ is missing: run "npm run build" first (npm run bench:contention does)\n');
  process.exit(2);
}
const dryRun = flag('dry-run');
// The study runs a copy of bin/ and dist/ taken at its start, so a rebuild while it runs (others
// share this checkout) cannot change the node halfway through; bin/raftkv-test then runs the
// copied bin/raftkv by default.
const pinned = join(out, 'build');
if (!dryRun) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(pinned, { recursive: true });
  cpSync(join(root, 'bin'), join(pinned, 'bin'), { recursive: true });
  cpSync(join(root, 'dist'), join(pinned, 'dist'), { recursive: true });
}
const binaries = dryRun ? root : pinned;
const nodeBin = join(binaries, 'bin/raftkv');
const testBin = join(binaries, 'bin/raftkv-test');
const git = (args) => spawnSync('git', ['-C', root, ...args], { encoding: 'utf8', timeout: 20_000 }).stdout?.trim() ?? '';
const buildText =
  `commit ${git(['rev-parse', '--short', 'HEAD']) || 'unknown'}` +
  `${git(['status', '--porcelain', '--untracked-files=no']) === '' ? '' : ' with uncommitted changes'}, ` +
  `node bundle built ${statSync(join(root, 'dist/raftkv.mjs')).mtime.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** Starts the node with no input: it exits 0 at once when it accepts the options, else says why. */
function nodeRefusal(args, env) {
  const probe = spawnSync(nodeBin, args, { input: '', env: { ...process.env, ...env }, encoding: 'utf8', timeout: 20_000 });
  if (probe.error !== undefined) return `could not start ${relative(root, nodeBin)}: ${probe.error.message}`;
  if (probe.status === 0) return undefined;
  const said = probe.stderr.split('\n').find((line) => line.startsWith('raftkv:') && !line.includes("run 'raftkv --help'")) ?? probe.stderr.trim();
  return `the node refused it (exit ${probe.status}): ${said.trim()}`;
}

const help = spawnSync(nodeBin, ['--help'], { encoding: 'utf8', timeout: 20_000 }).stdout ?? '';
const variants = [];
const unavailable = [];
for (const mode of modes) {
  const refusal = nodeRefusal(['--txn-mode', mode, ...passThrough], {});
  if (refusal === undefined) variants.push({ name: mode, mode, env: {}, keyCounts: null });
  else unavailable.push({ name: mode, reason: `\`--txn-mode ${mode}\`: ${refusal}` });
}
for (const sw of switches) {
  if (!modes.includes(sw.mode)) continue;
  const envText = Object.entries(sw.env)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ');
  const missing = Object.keys(sw.env).filter((name) => !help.includes(name));
  let reason;
  if (!variants.some((variant) => variant.name === sw.mode)) reason = `needs \`--txn-mode ${sw.mode}\`, which is not measured`;
  else if (missing.length > 0) reason = `the node offers no such switch: \`raftkv --help\` does not name ${missing.join(', ')}`;
  else {
    const refusal = nodeRefusal(['--txn-mode', sw.mode, ...passThrough], sw.env);
    if (refusal !== undefined) reason = `\`${envText}\`: ${refusal}`;
  }
  if (reason === undefined) variants.push({ ...sw, keyCounts: switchedKeyCounts.filter((count) => keyCounts.includes(count)) });
  else unavailable.push({ name: sw.name, reason: `${reason} (asked with \`${envText}\`)` });
}
for (const u of unavailable) process.stderr.write(`bench_contention: not measured: ${u.name}: ${u.reason}\n`);
if (variants.length === 0) {
  process.stderr.write('bench_contention: the node accepts none of the modes asked for; nothing to run\n');
  process.exit(2);
}

// The pure part of the study, bundled from TypeScript as scripts/bench_txn_check.mjs does.
const study = await importSources(
  [
    "export * from './src/bench/contention.ts';",
    "export { shellQuote } from './src/base/shell.ts';",
    "export { estimateSeconds } from './src/bench/matrix.ts';",
    "export { formatClients } from './src/bench/options.ts';",
    "export { spread } from './src/bench/summary.ts';",
  ].join('\n'),
);

const config = { variants, keyCounts, keyDists, clients, nodes, latencyMs, reps, timeLimitS, seed, nodeArgs: passThrough };
const invocations = study.planInvocations(config);
const cellsPerInvocation = clients.length;
const estimateMin = study.estimateSeconds(invocations.length * cellsPerInvocation, timeLimitS) / 60;
process.stderr.write(
  `bench_contention: ${variants.map((v) => v.name).join(' | ')}: ${invocations.length} invocations × ${cellsPerInvocation} client counts = ` +
    `${invocations.length * cellsPerInvocation} runs of ${timeLimitS} s, about ${estimateMin.toFixed(0)} min; results in ${relative(root, out) || '.'}\n`,
);
if (dryRun) {
  for (const invocation of invocations) {
    const env = Object.entries(invocation.variant.env).map(([name, value]) => `${name}=${value} `);
    const shown = invocation.args.map((arg) => (arg === invocation.dir ? join(relative(root, out), arg) : arg));
    process.stdout.write(`${env.join('')}bin/raftkv-test ${study.shellQuote(shown)}\n`);
  }
  process.exit(0);
}

const startedAt = new Date();
const startedMs = performance.now();
const runs = [];
const loads = [];
for (const [index, invocation] of invocations.entries()) {
  const dir = join(out, invocation.dir);
  const args = invocation.args.map((arg) => (arg === invocation.dir ? dir : arg));
  loads.push(loadavg()[0]);
  process.stderr.write(
    `bench_contention: [${index + 1}/${invocations.length}] ${invocation.variant.name}, ${invocation.keyCount} keys ${invocation.keyDist}, rep ${invocation.rep + 1}\n`,
  );
  const bench = spawnSync(testBin, args, {
    env: { ...process.env, ...invocation.variant.env },
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    timeout: 600_000 + 20_000 * timeLimitS,
  });
  if (bench.error !== undefined) throw bench.error;
  const benchLines = bench.stderr.split('\n').filter((line) => line.startsWith('bench: [') || line.startsWith('  '));
  for (const line of benchLines) process.stderr.write(`  ${line}\n`);
  if (bench.status === 254 || !existsSync(join(dir, 'bench.json'))) {
    process.stderr.write(`bench_contention: bin/raftkv-test exited ${bench.status} without a report:\n${bench.stderr}\n`);
    process.exit(2);
  }
  const report = JSON.parse(readFileSync(join(dir, 'bench.json'), 'utf8'));
  for (const cell of report.cells) {
    for (const record of cell.runs) {
      const logsDir = record.keptDir === undefined ? undefined : join(record.keptDir, 'node-logs');
      const perNode =
        logsDir !== undefined && existsSync(logsDir) ? readdirSync(logsDir).map((file) => study.parseTxnStats(readFileSync(join(logsDir, file), 'utf8'))) : [];
      const valid = record.metrics?.valid === true;
      // Only runs that were not valid keep their files: the study needs the node logs, not the histories.
      if (valid && record.keptDir !== undefined) rmSync(record.keptDir, { recursive: true, force: true });
      runs.push({
        variant: invocation.variant.name,
        keyCount: invocation.keyCount,
        keyDist: invocation.keyDist,
        clients: study.formatClients(cell.cell.load.clients),
        threads: cell.cell.concurrency,
        rep: invocation.rep,
        seed: invocation.seed,
        metrics: record.metrics ?? null,
        nodeStats: study.sumTxnStats(perNode),
        keptDir: valid || record.keptDir === undefined ? null : relative(root, record.keptDir),
      });
    }
  }
}

const previousDoc =
  docs !== undefined && existsSync(docs)
    ? readFileSync(docs, 'utf8')
    : existsSync(join(out, 'contention.md'))
      ? readFileSync(join(out, 'contention.md'), 'utf8')
      : null;
const report = {
  config,
  rows: study.aggregate(runs),
  unavailable,
  command: ['node', 'scripts/bench_contention.mjs', ...own, ...(passThrough.length > 0 ? ['--', ...passThrough] : [])],
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  cores: cpus().length,
  load: study.spread(loads),
  wallS: (performance.now() - startedMs) / 1000,
  analysis: study.keptAnalysis(previousDoc),
  build: buildText,
};
writeFileSync(join(out, 'contention.json'), `${JSON.stringify({ ...report, runs }, null, 2)}\n`);
const targets = [{ md: join(out, 'contention.md') }, ...(docs === undefined ? [] : [{ md: docs }])];
for (const target of targets) {
  const prefix = basename(target.md, '.md');
  const charts = study.contentionCharts(report, prefix);
  mkdirSync(dirname(target.md), { recursive: true });
  for (const chart of charts) writeFileSync(join(dirname(target.md), chart.file), `${chart.svg}\n`);
  writeFileSync(target.md, study.contentionMarkdown(report, charts));
}
process.stdout.write(readFileSync(join(out, 'contention.md'), 'utf8'));
process.stderr.write(
  `bench_contention: ${runs.length} runs in ${(report.wallS / 60).toFixed(1)} min; wrote ${targets.map((target) => relative(root, target.md)).join(' and ')} (and plots next to them)\n`,
);
const invalid = runs.some((run) => run.metrics?.valid === false);
const unknown = runs.some((run) => run.metrics?.valid !== true);
process.exit(invalid ? 1 : unknown ? 2 : 0);
