#!/usr/bin/env node
// How long the transactional checker takes (issue #16's aim: 100,000 txns under 5 s, and a
// history that is one large cyclic component in bounded time). Generates seeded histories in
// memory: a strict-serializable list-append history shaped like Maelstrom's generator (1-4
// micro-ops, reads and appends at equal odds, 10 active keys picked exponentially, base 2, a
// fresh key after 16 writes, 10 processes, some info and fail), the same for rw-register, and
// a history read from a lagging replica, whose txns knot into one big cyclic component;
// times checkTxnHistory on each (median of --reps), then `bin/raftkv-test check` end to end on
// the first (process start, parsing and checking a history file, as a user runs it).
//
//   node scripts/bench_txn_check.mjs [--txns 100000] [--cyclic-txns 10000] [--lag 200] [--seed 1] [--reps 3] [--no-cli]
//
// The checker is not an entry of the build, so this script bundles it on the fly with esbuild
// (as scripts/build.mjs bundles the binaries) into a temporary file and imports that.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { importSources, root, scriptArgs } from './script_args.mjs';

const { own, option, flag } = scriptArgs();
const txnCount = Number(option('txns', '100000'));
const cyclicTxnCount = Number(option('cyclic-txns', '10000'));
const seed = Number(option('seed', '1'));
const reps = Number(option('reps', '3'));
const snapshotLag = Number(option('lag', '200'));
if (!(txnCount >= 10 && cyclicTxnCount >= 10 && reps >= 1)) throw new Error('--txns and --cyclic-txns must be at least 10, --reps at least 1');

const { checkTxnHistory, formatHistory, Rng } = await importSources(
  "export { checkTxnHistory } from './src/check/txn/checker.ts';\nexport { formatHistory } from './src/check/history.ts';\nexport { Rng } from './src/base/rng.ts';\n",
);
const scratch = mkdtempSync(join(tmpdir(), 'bench-txn-check-'));
try {
  const histories = [
    { name: 'list-append, strict-serializable store', workload: 'txn-list-append', events: maelstromHistory(new Rng(seed), 'append', txnCount) },
    { name: 'rw-register, strict-serializable store', workload: 'txn-rw-register', events: maelstromHistory(new Rng(seed + 1), 'w', txnCount) },
    {
      name: `list-append, reads from a replica ${snapshotLag} commits behind (one cyclic component)`,
      workload: 'txn-list-append',
      ...tangledHistory(new Rng(seed + 2), cyclicTxnCount),
    },
  ];
  const rows = [];
  for (const history of histories) {
    const times = [];
    let result;
    for (let rep = 0; rep < reps; rep++) {
      const startedAt = performance.now();
      const checked = checkTxnHistory(history.events, { workload: history.workload, models: ['strict-serializable'] });
      times.push(performance.now() - startedAt);
      if (!checked.ok) throw new Error(`${history.name}: the checker refused the history: ${checked.error}`);
      result = checked.value;
    }
    times.sort((a, b) => a - b);
    const anomalies = [...result.anomalies.keys()];
    rows.push({
      history: history.name,
      txns: result.txns.length,
      counts: `${result.counts.ok}/${result.counts.fail}/${result.counts.info}`,
      median: times[Math.floor(times.length / 2)],
      min: times[0],
      max: times[times.length - 1],
      verdict: result.verdict,
      anomalies: anomalies.length === 0 ? '-' : anomalies.join(' '),
      notes:
        history.largestComponent === undefined
          ? result.notes
          : [`the largest component of ww, wr and rw edges holds ${history.largestComponent} txns`, ...result.notes],
    });
  }

  let cli;
  if (!flag('no-cli')) {
    // End to end, as a user runs it: the built binary on a history file.
    const file = join(scratch, 'list-append.jsonl');
    writeFileSync(file, formatHistory(histories[0].events));
    const startedAt = performance.now();
    const run = spawnSync(join(root, 'bin/raftkv-test'), ['check', file, '--json'], { encoding: 'utf8', maxBuffer: 1 << 30 });
    const wallMs = performance.now() - startedAt;
    if (run.status !== 0 && run.status !== 1) throw new Error(`bin/raftkv-test check exited ${run.status}: ${run.stderr}`);
    const parsed = JSON.parse(run.stdout);
    cli = { wallMs, elapsedMs: parsed.elapsedMs, valid: parsed['valid?'] };
  }

  const ms = (value) => `${(value / 1000).toFixed(2)} s`;
  process.stdout.write(
    `bench_txn_check: node scripts/bench_txn_check.mjs ${own.join(' ')}`.trimEnd() +
      ` (seed ${seed}, ${reps} rep${reps === 1 ? '' : 's'}, model strict-serializable)\n\n`,
  );
  process.stdout.write('| history | txns | ok/fail/info | check, median (min-max) | verdict | anomalies |\n|---|--:|--:|--:|---|---|\n');
  for (const row of rows) {
    process.stdout.write(
      `| ${row.history} | ${row.txns} | ${row.counts} | ${ms(row.median)} (${ms(row.min)}-${ms(row.max)}) | ${row.verdict} | ${row.anomalies} |\n`,
    );
  }
  for (const row of rows) for (const note of row.notes) process.stdout.write(`\n${row.history}: note: ${note}`);
  process.stdout.write('\n');
  if (cli !== undefined) {
    process.stdout.write(
      `\nbin/raftkv-test check on the list-append history (${txnCount} txns, a file): ${ms(cli.wallMs)} wall, ` +
        `${ms(cli.elapsedMs)} parsing and checking; valid? ${cli.valid}\n`,
    );
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

/**
 * When each txn runs: the thread that is free first goes next (so invocations come in time
 * order), after a short pause, for 0.5-2.5 time units.
 */
function threadSchedule(rng, processes) {
  const freeAt = new Array(processes).fill(0);
  return () => {
    let thread = 0;
    for (let t = 1; t < processes; t++) if (freeAt[t] < freeAt[thread]) thread = t;
    const invokeAt = freeAt[thread] + rng.float() * 0.2;
    const completeAt = invokeAt + 0.5 + rng.float() * 2;
    freeAt[thread] = completeAt;
    return { thread, invokeAt, completeAt };
  };
}

/**
 * A strict-serializable history in Maelstrom's shape: 10 processes, each running one txn at a
 * time; a txn takes effect at a random instant between its invocation and its completion, so
 * applying txns in that order is a single copy that respects real time. About 2% fail (no
 * effect) and 2% end info (an effect or not, at a random later instant; the process is then
 * replaced, as a crashed Jepsen worker).
 */
function maelstromHistory(rng, writeF, count) {
  const processes = 10;
  const activeKeys = 10;
  const writesPerKey = 16;
  const keys = Array.from({ length: activeKeys }, (_, slot) => slot);
  let nextKey = activeKeys;
  const writesTo = new Map();
  const nextValue = new Map();
  const pickSlot = () => {
    // Slot i twice as likely as slot i - 1: P(i) = 2^i / (2^n - 1).
    const r = rng.float() * (2 ** activeKeys - 1);
    return Math.min(activeKeys - 1, Math.floor(Math.log2(r + 1)));
  };
  const nextSlot = threadSchedule(rng, processes);
  const processOf = Array.from({ length: processes }, (_, thread) => thread);
  const txns = [];
  for (let i = 0; i < count; i++) {
    const { thread, invokeAt, completeAt } = nextSlot();
    const ops = [];
    const opCount = rng.int(1, 4);
    for (let j = 0; j < opCount; j++) {
      const slot = pickSlot();
      const key = keys[slot];
      if (rng.chance(0.5)) {
        ops.push({ f: 'r', key, value: null });
        continue;
      }
      const value = (nextValue.get(key) ?? 0) + 1;
      nextValue.set(key, value);
      ops.push({ f: writeF, key, value });
      const written = (writesTo.get(key) ?? 0) + 1;
      writesTo.set(key, written);
      if (written >= writesPerKey) keys[slot] = nextKey++;
    }
    const roll = rng.float();
    const outcome = roll < 0.02 ? 'fail' : roll < 0.04 ? 'info' : 'ok';
    const applied = outcome === 'ok' || (outcome === 'info' && rng.chance(0.5));
    const commitAt = outcome === 'info' ? invokeAt + rng.float() * 10 : invokeAt + rng.float() * (completeAt - invokeAt);
    txns.push({ process: processOf[thread], ops, invokeAt, completeAt, outcome, applied, commitAt });
    if (outcome === 'info') processOf[thread] += processes;
  }
  const state = new Map();
  for (const txn of txns.filter((t) => t.applied).sort((a, b) => a.commitAt - b.commitAt)) {
    for (const op of txn.ops) {
      if (op.f === 'r') op.value = state.has(op.key) ? (writeF === 'append' ? [...state.get(op.key)] : state.get(op.key)) : null;
      else if (writeF === 'append') state.set(op.key, [...(state.get(op.key) ?? []), op.value]);
      else state.set(op.key, op.value);
    }
  }
  return toEvents(txns);
}

/**
 * A store whose reads come from a replica that lags --lag commits behind (writes go to
 * the primary, commit at completion). Every read misses the appends of the last few hundred
 * txns, so rw edges point back across that window all through the history while ww and wr
 * edges point forward: the txns knot into one strongly connected component that spans the
 * whole history, full of G-single and G2-item cycles of every length.
 */
function tangledHistory(rng, count) {
  const processes = 10;
  const activeKeys = 50;
  const writesPerKey = 16;
  // As Maelstrom's generator: a key slot takes a fresh key after 16 writes, so lists stay short.
  const keys = Array.from({ length: activeKeys }, (_, slot) => slot);
  let nextKey = activeKeys;
  const written = new Map();
  const nextSlot = threadSchedule(rng, processes);
  const txns = [];
  for (let i = 0; i < count; i++) {
    const { thread, invokeAt, completeAt } = nextSlot();
    const ops = [];
    for (let j = 0; j < 2; j++) ops.push({ f: 'r', key: keys[rng.int(0, activeKeys - 1)], value: null });
    for (let j = 0; j < 2; j++) {
      const slot = rng.int(0, activeKeys - 1);
      const key = keys[slot];
      const value = (written.get(key) ?? 0) + 1;
      written.set(key, value);
      if (value >= writesPerKey) keys[slot] = nextKey++;
      ops.push({ f: 'append', key, value });
    }
    txns.push({ process: thread, ops, invokeAt, completeAt, outcome: 'ok' });
  }
  // Commit at completion; a txn's reads see the state as of snapshotLag commits before its own:
  // each key's list less the appends of the commits still in that window.
  const state = new Map();
  const window = [];
  const inWindow = new Map();
  for (const txn of [...txns].sort((a, b) => a.completeAt - b.completeAt)) {
    for (const op of txn.ops) {
      if (op.f !== 'r') continue;
      const seen = (state.get(op.key)?.length ?? 0) - (inWindow.get(op.key) ?? 0);
      op.value = seen > 0 ? state.get(op.key).slice(0, seen) : null;
    }
    const appended = [];
    for (const op of txn.ops) {
      if (op.f !== 'append') continue;
      state.set(op.key, [...(state.get(op.key) ?? []), op.value]);
      appended.push(op.key);
      inWindow.set(op.key, (inWindow.get(op.key) ?? 0) + 1);
    }
    window.push(appended);
    if (window.length > snapshotLag) for (const key of window.shift()) inWindow.set(key, inWindow.get(key) - 1);
  }
  return { events: toEvents(txns), largestComponent: largestDataComponent(txns, state) };
}

/**
 * The txns of the largest strongly connected component of the ww, wr and rw edges, which this
 * script can draw exactly because it knows every key's final list: proof that the tangle is one
 * big component and not many small cycles. Tarjan's algorithm, iterative.
 */
function largestDataComponent(txns, finalLists) {
  const appender = new Map();
  txns.forEach((txn, id) => {
    for (const op of txn.ops) if (op.f === 'append') appender.set(`${op.key}/${op.value}`, id);
  });
  const out = txns.map(() => new Set());
  const link = (from, to) => {
    if (from !== undefined && to !== undefined && from !== to) out[from].add(to);
  };
  for (const [key, list] of finalLists) {
    for (let at = 1; at < list.length; at++) link(appender.get(`${key}/${list[at - 1]}`), appender.get(`${key}/${list[at]}`));
  }
  txns.forEach((txn, id) => {
    for (const op of txn.ops) {
      if (op.f !== 'r') continue;
      const seen = op.value?.length ?? 0;
      const list = finalLists.get(op.key) ?? [];
      if (seen > 0) link(appender.get(`${op.key}/${list[seen - 1]}`), id);
      if (seen < list.length) link(id, appender.get(`${op.key}/${list[seen]}`));
    }
  });
  const adjacency = out.map((targets) => [...targets]);
  const index = new Array(txns.length).fill(-1);
  const low = new Array(txns.length).fill(0);
  const onStack = new Array(txns.length).fill(false);
  const stack = [];
  let counter = 0;
  let largest = 0;
  for (let start = 0; start < txns.length; start++) {
    if (index[start] !== -1) continue;
    const frames = [[start, 0]];
    index[start] = low[start] = counter++;
    stack.push(start);
    onStack[start] = true;
    while (frames.length > 0) {
      const frame = frames[frames.length - 1];
      const [node, next] = frame;
      if (next < adjacency[node].length) {
        frame[1]++;
        const target = adjacency[node][next];
        if (index[target] === -1) {
          index[target] = low[target] = counter++;
          stack.push(target);
          onStack[target] = true;
          frames.push([target, 0]);
        } else if (onStack[target]) low[node] = Math.min(low[node], index[target]);
        continue;
      }
      frames.pop();
      if (frames.length > 0) {
        const parent = frames[frames.length - 1][0];
        low[parent] = Math.min(low[parent], low[node]);
      }
      if (low[node] === index[node]) {
        let size = 0;
        let member;
        do {
          member = stack.pop();
          onStack[member] = false;
          size++;
        } while (member !== node);
        largest = Math.max(largest, size);
      }
    }
  }
  return largest;
}

function toEvents(txns) {
  const raw = [];
  for (const txn of txns) {
    const invocation = txn.ops.map((op) => [op.f, op.key, op.f === 'r' ? null : op.value]);
    raw.push({ at: txn.invokeAt, process: txn.process, type: 'invoke', value: invocation });
    if (txn.outcome === 'ok') raw.push({ at: txn.completeAt, process: txn.process, type: 'ok', value: txn.ops.map((op) => [op.f, op.key, op.value]) });
    else if (txn.outcome === 'fail')
      raw.push({ at: txn.completeAt, process: txn.process, type: 'fail', value: invocation, error: { code: 30, text: 'txn conflict' } });
    else raw.push({ at: txn.completeAt, process: txn.process, type: 'info', value: invocation, error: { code: 0, text: 'timeout' } });
  }
  raw.sort((a, b) => a.at - b.at);
  return raw.map(({ at, ...event }, index) => ({ index, f: 'txn', ...event, time: Math.round(at * 1e6) }));
}
