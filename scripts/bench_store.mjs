#!/usr/bin/env node
// What the state machine's store costs on lin-kv's hot path: applies entries (writes, cas,
// txns) to a KvStateMachine and serves a local read after each, in process, with no I/O. With
// --before DIR (a source tree, e.g. `git archive HEAD src | tar -x -C DIR`) it times that
// tree's state machine too, alternating the two within each repetition, and prints the ratio
// of the medians (after / before: below 1 is faster). One sitting, one process. Each run starts
// after a full garbage collection (hence --expose-gc), so one run's garbage is not another's pause.
//
//   node --expose-gc scripts/bench_store.mjs [--before DIR] [--entries 200000] [--reps 7] [--retention N]
//
// The state machine is not an entry of the build, so it is bundled on the fly with esbuild.
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { importSources, root, scriptArgs } from './script_args.mjs';

const { option } = scriptArgs();
const before = option('before', undefined);
const entryCount = Number(option('entries', '200000'));
const reps = Number(option('reps', '7'));
const retention = option('retention', undefined);
if (!(entryCount >= 1_000 && reps >= 1)) throw new Error('--entries must be at least 1000, --reps at least 1');

/** Workloads: each makes the command of entry i and the key read after it. */
const WORKLOADS = {
  // Maelstrom's lin-kv: a handful of hot keys, writes and cas, a read after each.
  'lin-kv 5 hot keys': (i) => {
    const key = i % 5;
    // The cas expects what the entry five back wrote to the same key, so it succeeds.
    const op = i % 2 === 0 ? { f: 'write', key, value: i } : { f: 'cas', key, from: i - 5, to: i, createIfMissing: false };
    return [{ kind: 'op', op }, key];
  },
  // Many keys, each written rarely: the "one live version" case.
  'lin-kv 100k keys': (i) => {
    const key = (i * 7_919) % 100_000;
    return [{ kind: 'op', op: { f: 'write', key, value: i } }, key];
  },
  // Batch txns of the rw-register workload: two reads and two writes over 10 keys.
  'txn rw 10 keys': (i) => {
    const a = i % 10;
    const b = (i * 3 + 1) % 10;
    return [
      {
        kind: 'txn',
        ops: [
          ['r', a, null],
          ['w', a, i],
          ['r', b, null],
          ['w', b, i],
        ],
      },
      a,
    ];
  },
};

async function load(srcRoot) {
  return (await importSources("export { KvStateMachine } from './src/kv/state_machine.ts';\n", srcRoot)).KvStateMachine;
}

function run(Machine, workload) {
  globalThis.gc?.();
  const machine = retention === undefined ? new Machine() : new Machine({ retentionEntries: Number(retention) });
  const started = performance.now();
  let sink = 0;
  for (let i = 1; i <= entryCount; i++) {
    const [command, key] = workload(i);
    machine.apply(i, command);
    const read = machine.read(key);
    if (read.type === 'read_ok') sink++;
  }
  const elapsed = performance.now() - started;
  if (sink === 0) throw new Error('no read found a value');
  return elapsed;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const machines = { after: await load(root) };
if (before !== undefined) machines.before = await load(resolve(before));
console.log(`${entryCount} entries per run, ${reps} runs, median; retention ${retention ?? 'default'}`);
for (const [name, workload] of Object.entries(WORKLOADS)) {
  const times = { after: [], before: [] };
  for (let rep = 0; rep < reps + 1; rep++) {
    // The first round warms the JIT up and is not counted; the order alternates.
    const order = Object.entries(machines);
    if (rep % 2 === 1) order.reverse();
    for (const [which, Machine] of order) {
      const elapsed = run(Machine, workload);
      if (rep > 0) times[which].push(elapsed);
    }
  }
  const after = median(times.after);
  const line = [`${name}: after ${after.toFixed(1)} ms (${Math.round(entryCount / (after / 1_000)).toLocaleString('en')} entries/s)`];
  if (before !== undefined) {
    const was = median(times.before);
    line.push(`before ${was.toFixed(1)} ms; after/before ${(after / was).toFixed(2)}`);
  }
  console.log(line.join('; '));
}
