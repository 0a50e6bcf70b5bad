#!/usr/bin/env node
// Profiles raftkv nodes at saturation: runs the harness (closed loop) with every node under
// `node --cpu-prof`, stops each node with SIGTERM shortly before the run ends (so V8 writes its
// profile: the harness itself stops nodes with SIGKILL, like Maelstrom), and prints each node's
// busiest functions by self time. The .cpuprofile files stay in --out for Chrome DevTools.
//
//   node scripts/profile.mjs [--nodes 3] [--concurrency 30n] [--reads 0.5] [--seconds 8]
//                            [--out store/profile] [--top 15] [-- node arguments]
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { root, scriptArgs } from './script_args.mjs';

const { option, passThrough: nodeArgs } = scriptArgs();
const seconds = Number(option('seconds', '8'));
const out = resolve(option('out', join(root, 'store/profile')));
const top = Number(option('top', '15'));
if (!(seconds >= 3)) throw new Error('--seconds must be at least 3');

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'profiles'), { recursive: true });
// The node runs in the background of its wrapper, so stdin must be handed over explicitly.
const wrapper = join(out, 'raftkv-profiled');
writeFileSync(
  wrapper,
  `#!/usr/bin/env bash\nnode --cpu-prof --cpu-prof-dir=${JSON.stringify(join(out, 'profiles'))} ${JSON.stringify(join(root, 'dist/raftkv.mjs'))} "$@" <&0 &\n` +
    `pid=$!\nsleep ${seconds - 1.5}\nkill -TERM $pid\nwait $pid\n`,
);
chmodSync(wrapper, 0o755);
const harness = spawnSync(
  join(root, 'bin/raftkv-test'),
  [
    'test',
    '-w',
    'lin-kv',
    '--bin',
    wrapper,
    '--node-count',
    option('nodes', '3'),
    '--time-limit',
    String(seconds),
    '--rate',
    '1000000',
    '--concurrency',
    option('concurrency', '30n'),
    '--read-fraction',
    option('reads', '0.5'),
    '--seed',
    '1',
    '--progress-interval',
    '0',
    '--out',
    join(out, 'run'),
    '--',
    ...nodeArgs,
  ],
  { encoding: 'utf8', timeout: (seconds + 120) * 1000 },
);
if (harness.error !== undefined) throw harness.error;

for (const file of readdirSync(join(out, 'profiles'))
  .filter((name) => name.endsWith('.cpuprofile'))
  .sort()) {
  const profile = JSON.parse(readFileSync(join(out, 'profiles', file), 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    const frame = nodes.get(id).callFrame;
    const name = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').pop()}:${frame.lineNumber + 1}`;
    selfUs.set(name, (selfUs.get(name) ?? 0) + delta);
    totalUs += delta;
  });
  const busyUs = totalUs - (selfUs.get('(idle) :0') ?? 0);
  process.stdout.write(`\n${file}: ${(totalUs / 1e6).toFixed(1)} s sampled, ${((100 * busyUs) / totalUs).toFixed(0)}% busy\n`);
  for (const [name, us] of [...selfUs].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${(us / 1000).toFixed(0).padStart(8)} ms ${((100 * us) / totalUs).toFixed(1).padStart(5)}%  ${name}\n`);
  }
}
process.stdout.write(`\nprofiles (open in Chrome DevTools > Performance): ${join(out, 'profiles')}\n`);
