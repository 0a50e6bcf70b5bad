#!/usr/bin/env node
// The mutant campaign (`npm run mutants`): each patch in test/mutants/ plants one classic consensus
// or store bug in raftkv. For each, a copy of the working tree (node_modules linked; no .git,
// store/ or dist/) gets the patch and is built, then the copy's simulator runs a seed budget and
// this checkout's harness runs the copy's node for a run budget, each stopping at the first catch;
// a table says who caught what, after how many seeds or runs, and how long it took. The unmodified
// tree runs the same campaign first (the baseline row): any failure there is a false alarm.
// Temporary directories are always removed, child processes always stopped, every wait bounded.
//
//   npm run mutants -- [NAME...] [--sim-only | --harness-only] [--seeds N] [--from S] [--runs N]
//                      [--time-limit S] [--harness-seed S] [--no-baseline] [--docs]
//   npm run mutants -- --check     every patch still applies, and its header is well formed
//   npm run mutants -- --list      the mutants and the flags each runs with (--dry-run: the commands)
//   npm run mutants -- --render-docs   docs/mutants.md again from the results it holds
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MUTANTS_DIR = join(ROOT, 'test/mutants');
const DOCS_PATH = join(ROOT, 'docs/mutants.md');

/**
 * The harness's runs for every mutant, in this order, each with a seed of its own, stopping at the
 * first that finds a bug: one family of faults per run, each acting about every second. With every
 * kind in one run, each kind acted once in ten seconds or so, a killed node stayed down until the
 * next kill step, and kills, pauses and cuts together took a majority out for seconds at a time:
 * few elections, and few chances for a bug around one.
 */
const HARNESS_RUNS = [
  { family: 'elections', workload: 'txn-list-append', nemesis: 'partition-leader,partition-new-leader,partition-election' },
  { family: 'crashes', workload: 'txn-list-append', nemesis: 'kill,kill-leader' },
  { family: 'network and pauses', workload: 'lin-kv', nemesis: 'partition,delay-spike,duplicate,pause,pause-leader' },
];
/** Exit statuses of `raftkv-test test` that mean "this run found a bug": 1 invalid, 3 valid but did not recover after healing. */
const HARNESS_CAUGHT_STATUSES = [1, 3];
/**
 * Every harness run of the campaign, before its family's faults and a mutant's own flags (which
 * override these). Bursts of reads and writes at every node follow each change of leader (stale
 * reads around one last milliseconds), and the node keeps what it has not synced in its own
 * memory (`--storage lazy`), so a kill loses it as a power loss would.
 */
const HARNESS_BASE_ARGS = [
  '--node-count',
  '3',
  '--rate',
  '200',
  '--concurrency',
  '4n',
  '--latency',
  '5',
  '--nemesis-interval',
  '1',
  '--bursts',
  '--progress-interval',
  '0',
  '--',
  '--storage',
  'lazy',
];
const DEFAULT_BUDGET = { seeds: 500, from: 1, runs: 3, timeLimitS: 30, harnessSeed: 1 };

const COPY_TIMEOUT_MS = 60_000;
const APPLY_TIMEOUT_MS = 30_000;
const BUILD_TIMEOUT_MS = 180_000;
/** A simulated seed takes well under a second; a mutant may make some take the whole liveness bound. */
const SIM_TIMEOUT_MS_PER_SEED = 3_000;
const SIM_MIN_TIMEOUT_MS = 120_000;
/** A harness run takes its time limit, then healing, final reads and the check. */
const HARNESS_SLACK_MS_PER_RUN = 120_000;
/** After SIGTERM, a child (the harness stops its nodes) gets this long before SIGKILL. */
const KILL_GRACE_MS = 15_000;
/** Output kept per child stream: what the table and a failure report need. */
const MAX_OUTPUT_CHARS = 512 * 1024;

// ---------------------------------------------------------------- pure helpers (tested through the CLI)

/**
 * A patch file's header: everything before the diff. Its first line is `Mutant NAME: title`; then
 * prose; then optional directive lines `sim: FLAGS`, `harness: FLAGS`, `equivalent: WHY` (a
 * mutant no checker can fault, with the reason) and `harness-blind: WHY` (a bug the harness
 * cannot reach in practice, with the reason). Returns the parsed header, or a string saying what is wrong.
 */
function parsePatch(name, text) {
  const lines = text.split('\n');
  const diffAt = lines.findIndex((line) => line.startsWith('diff --git ') || line.startsWith('--- '));
  if (diffAt === -1) return `${name}.patch: no diff in it`;
  const head = lines.slice(0, diffAt);
  const first = head[0] ?? '';
  const opening = /^Mutant ([a-z0-9-]+): (.+)$/.exec(first);
  if (opening === null) return `${name}.patch: the first line must be "Mutant ${name}: <what the bug is>"`;
  if (opening[1] !== name) return `${name}.patch: the header names mutant ${opening[1]}`;
  const directives = { sim: [], harness: [], equivalent: undefined, harnessBlind: undefined };
  const prose = [];
  for (const line of head.slice(1)) {
    const directive = /^(sim|harness|equivalent|harness-blind):\s*(.*)$/.exec(line);
    if (directive === null) {
      prose.push(line);
      continue;
    }
    const [, key, value] = directive;
    if (key === 'equivalent') directives.equivalent = value.trim();
    else if (key === 'harness-blind') directives.harnessBlind = value.trim();
    else directives[key] = words(value);
  }
  const paragraphs = prose
    .join('\n')
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.replace(/\s*\n\s*/g, ' ').trim())
    .filter((paragraph) => paragraph !== '');
  if (paragraphs.length === 0) return `${name}.patch: the header says nothing of what breaks and when it shows`;
  return { name, title: opening[2], paragraphs, ...directives };
}

function words(text) {
  return text.split(/\s+/).filter((word) => word !== '');
}

/**
 * The harness arguments: `extra`'s options replace `base`'s of the same name (an option's value is
 * the next word unless that starts with '-'); words after `--` go to the node, `base`'s first.
 */
function mergeHarnessArgs(base, extra) {
  const split = (list) => {
    const dash = list.indexOf('--');
    return dash === -1 ? [list, []] : [list.slice(0, dash), list.slice(dash + 1)];
  };
  const [baseOwn, baseNodeArgs] = split(base);
  const [own, extraNodeArgs] = split(extra);
  // The node takes the last of a repeated option: the mutant's come after the campaign's.
  const nodeArgs = [...baseNodeArgs, ...extraNodeArgs];
  const options = new Map();
  for (const list of [baseOwn, own]) {
    for (let i = 0; i < list.length; i++) {
      const word = list[i];
      if (!word.startsWith('-')) throw new Error(`harness flags: "${word}" is not an option (node arguments go after --)`);
      const value = list[i + 1];
      if (value !== undefined && !value.startsWith('-')) {
        options.set(word, value);
        i++;
      } else options.set(word, undefined);
    }
  }
  const merged = [];
  for (const [option, value] of options) merged.push(option, ...(value === undefined ? [] : [value]));
  return nodeArgs.length === 0 ? merged : [...merged, '--', ...nodeArgs];
}

/** One tool's outcome for one mutant (or for the baseline) as a table cell, with the tool's time. */
function describeOutcome(outcome) {
  if (outcome === undefined) return 'not run';
  const took = outcome.seconds === undefined ? '' : `, ${seconds(outcome.seconds)}`;
  const unit = outcome.tool === 'sim' ? 'seeds' : 'runs';
  switch (outcome.status) {
    case 'caught':
      if (outcome.tool === 'harness') return `run ${outcome.tries} of ${outcome.budget}, ${outcome.family} (${seconds(outcome.seconds)})`;
      // The Raft-core simulator (--core) is named: the whole-node one is the default.
      return `${outcome.flags?.includes('--core') ? 'core ' : ''}seed ${outcome.seed} (${outcome.tries} of ${outcome.budget}${took})`;
    case 'missed':
      return `missed (${outcome.budget} ${unit}${took})`;
    case 'passed':
      return `passed (${outcome.sets} flag sets × ${outcome.budget} ${unit}${took})`;
    case 'false-alarm':
      return `FALSE ALARM (${outcome.flags.join(' ') || 'default flags'}, ${outcome.tool === 'sim' ? `seed ${outcome.seed}` : `run ${outcome.tries}, ${outcome.family}`})`;
    case 'unknown':
      return `unknown, not caught (status ${outcome.exitStatus}, run ${outcome.tries} of ${outcome.budget}, ${outcome.family})`;
    default:
      return `ERROR: ${outcome.reason}`;
  }
}

/** A row's cell for one tool: its outcome, and for a miss whether the mutant was expected to escape. */
function cell(row, tool) {
  if (row.error !== undefined) return tool === 'sim' ? row.error : '';
  const outcome = row[tool];
  const text = describeOutcome(outcome);
  if (outcome?.status !== 'missed') return text;
  if (row.equivalent !== undefined) return `${text}: equivalent`;
  if (tool === 'harness' && row.harnessBlind !== undefined) return `${text}: out of its reach`;
  return text;
}

/** Seconds, as the table shows them. */
function seconds(value) {
  return value === undefined ? '-' : `${value.toFixed(1)} s`;
}

/** A fixed-width table for the terminal. */
function formatTable(rows) {
  const header = ['mutant', 'simulator', 'harness', 'time'];
  const cells = rows.map((row) => [row.name, cell(row, 'sim'), cell(row, 'harness'), seconds(row.seconds)]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((cell) => cell[column].length)));
  const line = (cell) =>
    cell
      .map((text, column) => text.padEnd(widths[column]))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n');
}

/**
 * Who caught how many: the share each tool caught of the mutants it ran (equivalent ones apart,
 * since no checker can fault them), and whether any tool raised a false alarm on the baseline.
 */
function tally(rows) {
  const mutants = rows.filter((row) => row.name !== 'baseline');
  const countFor = (tool) => {
    const ran = mutants.filter((row) => row.equivalent === undefined && row[tool] !== undefined && row.error === undefined);
    return { ran: ran.length, caught: ran.filter((row) => row[tool].status === 'caught').length };
  };
  const both = mutants.filter((row) => row.equivalent === undefined && row.error === undefined);
  const baseline = rows.find((row) => row.name === 'baseline');
  const harness = countFor('harness');
  const blind = mutants.filter((row) => row.equivalent === undefined && row.error === undefined && row.harness !== undefined && row.harnessBlind !== undefined);
  return {
    sim: countFor('sim'),
    harness,
    harnessSighted: { ran: harness.ran - blind.length, caught: harness.caught - blind.filter((row) => row.harness.status === 'caught').length },
    either: { ran: both.length, caught: both.filter((row) => row.sim?.status === 'caught' || row.harness?.status === 'caught').length },
    escaped: both.filter((row) => row.sim?.status !== 'caught' && row.harness?.status !== 'caught').map((row) => row.name),
    broken: mutants.filter((row) => row.error !== undefined).map((row) => row.name),
    falseAlarms:
      baseline === undefined ? [] : ['sim', 'harness'].filter((tool) => baseline[tool]?.status === 'false-alarm' || baseline[tool]?.status === 'error'),
  };
}

function share({ ran, caught }) {
  return ran === 0 ? 'none run' : `${caught} of ${ran} (${Math.round((100 * caught) / ran)}%)`;
}

function describeTally(counts) {
  const lines = [
    `simulator: caught ${share(counts.sim)}; harness: caught ${share(counts.harness)}, of those within its reach ${share(counts.harnessSighted)}; ` +
      `either: ${share(counts.either)} (equivalent mutants not counted)`,
  ];
  if (counts.escaped.length > 0) lines.push(`escaped every tool run: ${counts.escaped.join(', ')}`);
  if (counts.broken.length > 0) lines.push(`patches that no longer apply or build: ${counts.broken.join(', ')}`);
  lines.push(counts.falseAlarms.length === 0 ? 'baseline: no false alarm' : `baseline: FALSE ALARM from ${counts.falseAlarms.join(' and ')}`);
  return lines.join('\n');
}

const RESULTS_MARKER = 'mutant-results';

/** The results a previous --docs run embedded in docs/mutants.md, or undefined. */
function readEmbeddedResults(markdown) {
  const match = new RegExp(`<!-- ${RESULTS_MARKER}\\n([\\s\\S]*?)\\n-->`).exec(markdown);
  if (match === null) return undefined;
  try {
    return JSON.parse(match[1]);
  } catch {
    return undefined;
  }
}

/**
 * Rows of this run laid over those of an earlier one: a tool this run did not run keeps its
 * earlier outcome (and budget); patches no longer in test/mutants/ are dropped, and what a
 * patch's header says of it (equivalent, blind) is taken from the patch as it is now.
 */
function mergeRows(earlier, current, patches) {
  const byName = new Map((earlier ?? []).map((row) => [row.name, row]));
  return [undefined, ...patches]
    .map((patch) => {
      const name = patch?.name ?? 'baseline';
      const now = current.find((row) => row.name === name);
      const before = byName.get(name);
      let row = now ?? before;
      if (now !== undefined && before !== undefined && now.error === undefined) {
        const outcome = (tool) => (name === 'baseline' ? mergeBaseline(before[tool], now[tool]) : (now[tool] ?? before[tool]));
        row = { ...before, ...now, sim: outcome('sim'), harness: outcome('harness') };
      }
      if (row === undefined || patch === undefined) return row;
      const { equivalent: _equivalent, harnessBlind: _harnessBlind, ...outcomes } = row;
      return {
        ...outcomes,
        ...(patch.equivalent === undefined ? {} : { equivalent: patch.equivalent }),
        ...(patch.harnessBlind === undefined ? {} : { harnessBlind: patch.harnessBlind }),
      };
    })
    .filter((row) => row !== undefined);
}

/**
 * A baseline that passed before and passes now, with the same budget and campaign, covers the flag
 * sets of both (a rerun of a few mutants checks only their flag sets); anything else: the newer outcome.
 */
function mergeBaseline(before, now) {
  if (now === undefined) return before;
  if (before?.status !== 'passed' || now.status !== 'passed' || before.budget !== now.budget || before.flagSets === undefined) return now;
  // Runs of another campaign (other faults, workloads or base flags) cover nothing of this one.
  if (before.campaign !== now.campaign) return now;
  const flagSets = [...new Set([...before.flagSets, ...now.flagSets])];
  return { ...now, flagSets, sets: flagSets.length, seconds: before.seconds + now.seconds };
}

function markdown(text) {
  return text.replaceAll('|', '\\|');
}

/** What the campaign taught, for docs/mutants.md: how the tools were made to see more, and what the harness cannot see. */
const FINDINGS = [
  '## What the campaign changed',
  '',
  '- Lease mutants whose stale read lasts a few milliseconds escaped 500 seeds: a client must read the',
  '  key in that window. The cluster checker now has a read-lease invariant (a node that may serve',
  '  reads under a lease, leader or follower, holds every committed entry), checked after every step.',
  '  With it the unmodified node failed seed 55 of the lease runs: a new leader granted follower',
  '  leases before an entry of its own term had committed, at a commit index below what its',
  '  predecessor had committed and acknowledged, so a lagging follower could serve stale reads.',
  '  raft.ts now grants leases only after the first commit of its term; the seed is a regression',
  '  test, and lease-before-first-commit puts the bug back.',
  '- A vote sent before it is durable shows as two leaders only if a crash lands between the vote and',
  '  its sync and a rival asks in the same term: it once escaped 500 seeds. A simulated node now checks',
  '  every granted vote as it leaves against what its disk holds durably.',
  '- Answers of an earlier term counted, and the Figure 8 commit, need many elections in one seed: the',
  '  Raft-core simulator (`--core`: 8 s of elections with short drawn timeouts per seed) catches them,',
  '  the whole-node one did not in 1,000 and 2,000 seeds.',
  '- With every fault kind in each of its three runs the harness caught 11 of 23. Five changes, within',
  '  the same budget, took it to 15 (65%; 15 of the 21 within its reach):',
  '  - One family of faults per run (elections; crashes; network and pauses), each acting about every',
  '    second. With ten kinds at once each acted once in ten seconds, a killed node stayed down until',
  '    the next kill step, and kills, pauses and cuts together took a majority out for seconds: few',
  '    elections, and few chances for a bug around one.',
  '  - txn-list-append for the elections and the crashes: its values are unique per key and the final',
  '    reads see every list, so a lost or phantom write cannot hide behind a later write of the same',
  "    value, as it can among lin-kv's five (conflict-not-truncated: caught so, missed by lin-kv on the",
  '    same seed).',
  '  - Bursts (`--bursts`): whenever the traffic shows a new node sending to every peer, fresh clients',
  '    read and write at every node for half a second. read-round-unconfirmed was caught with them and',
  '    missed without them (the same seed, at rates 200 and 500).',
  "  - Kills of a majority or of every node, as Maelstrom's kill does, of nodes that keep what they have",
  '    not synced in their own memory (`--storage lazy`), so a kill loses it as a power loss would:',
  '    wal-not-synced.',
  "  - A reply that answers another request (another operation's reply type, another txn's",
  '    micro-ops) fails the run. reply-for-overwritten-entry sent them in every run tried (2 to 21 a',
  '    run); recorded as indeterminate, as Maelstrom records any malformed reply, they passed.',
  '',
  '## What the harness cannot reach',
  '',
  '- Durability windows of a fraction of a millisecond: a kill must land between a write and its',
  '  fdatasync (leader-counts-unsynced, vote-not-persisted), and then the cluster must take a particular',
  '  path (the acknowledging follower must lose the next election; a rival must ask the restarted',
  "  voter in the same term). The simulator's disks are slow when its seed says so, and it checks every",
  '  vote and every commit against what is durable, so it needs no lucky kill.',
  '- Stale reads that the node itself keeps to one turn or one tick: read-index-before-first-commit (a',
  "  new leader's first heartbeat round and its no-op's acknowledgement come back together, so a read",
  '  pinned to the stale commit index is released after the state machine has caught up, unless the',
  '  two answers fall into different turns); lease-no-drift-margin (a lease ends a tick late only when',
  "  clocks drift, and a black-box harness cannot skew a process's monotonic clock);",
  '  lease-before-first-commit and lease-kept-after-new-term (a follower that lags, or keeps hearing a',
  '  deposed leader, must be asked for a read in the few milliseconds before the new leader commits).',
  '  The simulator checks read points and leases after every step, so it needs no lucky read.',
  '- Elections in a rare order: commit-earlier-term (Figure 8) and stale-term-ack (a vote delivered',
  '  after a whole election) need many elections with answers delayed across terms; the Raft-core',
  '  simulator runs 8 s of elections with short timeouts per seed.',
];

/** docs/mutants.md: the command, the table, the tally, a section per mutant, and the results as data. */
function renderDocs(rows, patches, budget) {
  const counts = tally(rows);
  const table = [
    '| mutant | simulator | harness | first failure seen |',
    '| --- | --- | --- | --- |',
    ...rows.map((row) => {
      const caught = ['sim', 'harness'].map((tool) => row[tool]).find((outcome) => outcome?.status === 'caught' || outcome?.status === 'false-alarm');
      const seen = row.error === undefined ? (caught?.reason ?? '') : '';
      const name = row.name === 'baseline' ? 'baseline (no patch)' : `[${row.name}](#${row.name})`;
      return `| ${name} | ${markdown(cell(row, 'sim'))} | ${markdown(cell(row, 'harness'))} | ${markdown(seen)} |`;
    }),
  ];
  const sections = patches.map((patch) => {
    const row = rows.find((candidate) => candidate.name === patch.name);
    const flags = [
      `Simulator flags: ${patch.sim.length === 0 ? 'none (each seed draws its own setup)' : `\`${patch.sim.join(' ')}\``}.`,
      `Harness flags: ${patch.harness.length === 0 ? "the campaign's" : `\`${patch.harness.join(' ')}\` over the campaign's`}.`,
    ];
    const results = [];
    if (row === undefined) results.push('- Not run yet.');
    else {
      for (const [tool, label] of [
        ['sim', 'Simulator'],
        ['harness', 'Harness'],
      ]) {
        const outcome = row[tool];
        const reason = outcome?.reason === undefined ? '' : `: ${outcome.reason}`;
        results.push(`- ${label}: ${cell(row, tool) || row.error}${reason}`);
        if (outcome?.replay !== undefined) results.push(`  (replay in a copy with the patch applied: \`${outcome.replay}\`)`);
      }
    }
    if (patch.equivalent !== undefined) results.push(`- Equivalent: ${patch.equivalent}.`);
    if (patch.harnessBlind !== undefined) results.push(`- Out of the harness's reach: ${patch.harnessBlind}.`);
    return [
      `### ${patch.name}`,
      '',
      `**${patch.title}**`,
      '',
      ...patch.paragraphs.flatMap((paragraph) => [paragraph, '']),
      flags.join(' '),
      '',
      ...results,
      '',
    ].join('\n');
  });
  return [
    '# Mutants: what the tools catch',
    '',
    '<!-- Generated by `npm run mutants -- --docs` (scripts/mutants.mjs) from test/mutants/*.patch; edit the patches, not this file. -->',
    '',
    'Each patch in `test/mutants/` plants one classic consensus or store bug in raftkv itself: the',
    'node still builds and mostly works. For each, `npm run mutants` copies the working tree, applies',
    "the patch, builds it, runs the copy's simulator and then this checkout's harness against the",
    "copy's node, each stopping at the first catch. The unmodified tree runs the same seeds and runs",
    'first (the baseline row): a failure there is a false alarm.',
    '',
    '```sh',
    'flock /tmp/raftkv-bench.lock npm run mutants -- --docs        # the whole campaign, then this file',
    'npm run mutants -- NAME --sim-only --seeds 50                 # one mutant, the simulator only',
    'npm run mutants -- --check                                   # every patch still applies',
    '```',
    '',
    `Budgets: the simulator ${budget.seeds} seeds from seed ${budget.from} (\`--fail-fast\`, with the`,
    `mutant's own flags); the harness ${budget.runs} runs of ${budget.timeLimitS} s, seeds ${budget.harnessSeed} to ${budget.harnessSeed + budget.runs - 1}, one family of faults each:`,
    '',
    ...Array.from({ length: budget.runs }, (_, index) => {
      const { family, workload, nemesis, seed } = harnessRun(index, budget);
      return `- run ${index + 1}, ${family}: \`-w ${workload} --nemesis ${nemesis} --seed ${seed}\``;
    }),
    '',
    `each as \`raftkv-test test ${HARNESS_BASE_ARGS.join(' ')}\` with \`--time-limit ${budget.timeLimitS}\`, the mutant's own`,
    'flags overriding. "seed 37 (37 of 500)" means the 37th seed was the first to fail; "run 2 of 3" the',
    'second run was the first invalid one.',
    '',
    ...table,
    '',
    describeTally(counts)
      .split('\n')
      .map((line) => `- ${line}`)
      .join('\n'),
    '',
    ...FINDINGS,
    '',
    '## The mutants',
    '',
    ...sections,
    `<!-- ${RESULTS_MARKER}`,
    // One row a line, so a rerun's diff shows which mutants changed.
    `{"budget":${JSON.stringify(budget)},"rows":[\n${rows.map((row) => JSON.stringify(row, (key, value) => (key === 'seconds' ? Math.round(value * 10) / 10 : value))).join(',\n')}\n]}`,
    '-->',
    '',
  ].join('\n');
}

/** The options that take an integer: the budget field each sets, and its least value. */
const INTEGER_OPTIONS = {
  '--seeds': ['seeds', 1],
  '--from': ['from', 0],
  '--runs': ['runs', 1],
  '--time-limit': ['timeLimitS', 1],
  '--harness-seed': ['harnessSeed', 0],
};

function parseArgs(argv) {
  const options = { names: [], sim: true, harness: true, baseline: true, docs: false, check: false, list: false, dryRun: false, ...DEFAULT_BUDGET };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (Object.hasOwn(INTEGER_OPTIONS, arg)) {
      const [field, min] = INTEGER_OPTIONS[arg];
      const value = argv[++i];
      const parsed = Number(value);
      if (value === undefined || !Number.isSafeInteger(parsed) || parsed < min) throw new Error(`${arg} needs an integer of at least ${min}`);
      options[field] = parsed;
      continue;
    }
    switch (arg) {
      case '--sim-only':
        options.harness = false;
        break;
      case '--harness-only':
        options.sim = false;
        break;
      case '--no-baseline':
        options.baseline = false;
        break;
      case '--docs':
        options.docs = true;
        break;
      case '--check':
        options.check = true;
        break;
      case '--list':
        options.list = true;
        break;
      case '--dry-run':
        options.dryRun = true;
        break;
      case '--render-docs':
        options.renderDocs = true;
        break;
      case '--help':
      case '-h':
        options.help = true;
        break;
      default:
        if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
        options.names.push(arg);
    }
  }
  if (!options.sim && !options.harness) throw new Error('--sim-only and --harness-only together would run nothing');
  return options;
}

// ---------------------------------------------------------------- processes, copies, cleanup

/** Children running now, stopped on the way out whatever happens. */
const children = new Set();
/** Temporary directories to remove on the way out. */
const temporaries = new Set();
/** Set once a signal asked us to stop: no result of a child stopped on the way out is taken for a verdict. */
let stopping = false;

/**
 * Runs a command in its own process group with a deadline: past it, SIGTERM to the group, then
 * SIGKILL after a grace period. Resolves with the status and the (bounded) output.
 */
function run(command, args, { cwd, timeoutMs, env }) {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    children.add(child);
    let stdout = '';
    let stderr = '';
    const keep = (text, chunk) => (text + chunk).slice(-MAX_OUTPUT_CHARS);
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout = keep(stdout, chunk)));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr = keep(stderr, chunk)));
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      stopChild(child);
    }, timeoutMs);
    child.on('error', (error) => {
      stderr += `\n${error.message}`;
    });
    child.on('close', (status, signal) => {
      clearTimeout(deadline);
      children.delete(child);
      // On the way out the campaign goes no further: shutDown exits once every child is gone.
      if (stopping) return;
      resolve({ status, signal, stdout, stderr, timedOut, seconds: (performance.now() - started) / 1000 });
    });
  });
}

function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** SIGTERM to the child's group (the harness stops its nodes on it), SIGKILL if it lingers. */
function stopChild(child) {
  signalGroup(child, 'SIGTERM');
  const kill = setTimeout(() => signalGroup(child, 'SIGKILL'), KILL_GRACE_MS);
  kill.unref();
  child.once('close', () => clearTimeout(kill));
}

function removeTemporary(dir) {
  rmSync(dir, { recursive: true, force: true });
  temporaries.delete(dir);
}

/** Stops every child (the harness gets its grace period to stop its nodes), removes every temporary directory, exits. */
async function shutDown(code) {
  if (stopping) return;
  stopping = true;
  const closed = [...children].map((child) => new Promise((resolve) => child.once('close', resolve)));
  for (const child of children) stopChild(child);
  await Promise.race([Promise.all(closed), new Promise((resolve) => setTimeout(resolve, KILL_GRACE_MS + 2_000))]);
  for (const dir of temporaries) rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}

/** Git must not take the copy for part of a repository it may sit in (a TMPDIR inside a checkout). */
function gitEnv(copy) {
  return { GIT_CEILING_DIRECTORIES: dirname(copy) };
}

/** Directories a copy never takes: installed, built, generated or downloaded, and git's own. */
const NOT_COPIED = /^(\.git|node_modules|dist|store|coverage|maelstrom\/vendor)(\/|$)/;

/**
 * The files of the working tree: those git knows or would track (tracked and untracked, not
 * ignored); outside a git checkout, every file but those under NOT_COPIED.
 */
function workingTreeFiles() {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    timeout: COPY_TIMEOUT_MS,
  });
  const files = listed.status === 0 ? listed.stdout.split('\0') : walk('');
  return files.filter((path) => path !== '' && !NOT_COPIED.test(path));
}

function walk(dir) {
  const files = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (NOT_COPIED.test(path)) continue;
    if (entry.isDirectory()) files.push(...walk(path));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

/** A copy of the working tree (as it is now, others' edits included) with node_modules linked. */
function copyTree(files, dest) {
  for (const path of files) {
    const from = join(ROOT, path);
    let stat;
    try {
      stat = lstatSync(from);
    } catch {
      continue; // deleted in the working tree
    }
    if (!stat.isFile()) continue;
    mkdirSync(dirname(join(dest, path)), { recursive: true });
    copyFileSync(from, join(dest, path));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dest, 'node_modules'), 'dir');
}

async function applyPatch(copy, patchPath, checkOnly) {
  const args = ['apply', ...(checkOnly ? ['--check'] : []), '--whitespace=nowarn', patchPath];
  const applied = await run('git', args, { cwd: copy, timeoutMs: APPLY_TIMEOUT_MS, env: gitEnv(copy) });
  return applied.status === 0 ? undefined : (applied.stderr.trim() || applied.stdout.trim() || `git apply exited with ${applied.status}`).split('\n')[0];
}

async function build(copy) {
  const built = await run(process.execPath, ['scripts/build.mjs'], { cwd: copy, timeoutMs: BUILD_TIMEOUT_MS });
  if (built.status === 0) return undefined;
  const why = `${built.stderr}\n${built.stdout}`.split('\n').find((line) => /error/i.test(line)) ?? `the build exited with ${built.status}`;
  return built.timedOut ? 'the build timed out' : why.trim();
}

// ---------------------------------------------------------------- the two tools

/** The simulator's arguments for a mutant's flags (run from the copy). */
function simArgs(flags, budget) {
  return ['dist/raftkv-sim.mjs', '--seeds', String(budget.seeds), '--from', String(budget.from), '--fail-fast', ...flags];
}

/** What a tool's baseline runs depend on besides the mutants' own flags: a change makes earlier baselines stale. */
function campaignOf(tool) {
  return tool === 'sim' ? 'sim' : JSON.stringify({ runs: HARNESS_RUNS, base: HARNESS_BASE_ARGS });
}

/** The harness run of the campaign numbered `index` (from 0): its family of faults, and its seed. */
function harnessRun(index, budget) {
  return { ...HARNESS_RUNS[index % HARNESS_RUNS.length], seed: budget.harnessSeed + index };
}

/** The harness's arguments for one run: the campaign's, the run's faults and seed, then the mutant's own flags over them. */
function harnessArgs(bin, flags, budget, index, outDir) {
  const { workload, nemesis, seed } = harnessRun(index, budget);
  const runArgs = ['-w', workload, '--nemesis', nemesis, '--time-limit', String(budget.timeLimitS), '--seed', String(seed), '--out', outDir];
  return ['test', ...mergeHarnessArgs(HARNESS_BASE_ARGS, [...runArgs, '--bin', bin, ...flags])];
}

async function runSim(copy, flags, budget) {
  const args = simArgs(flags, budget);
  const timeoutMs = Math.max(SIM_MIN_TIMEOUT_MS, budget.seeds * SIM_TIMEOUT_MS_PER_SEED);
  const ran = await run(process.execPath, args, { cwd: copy, timeoutMs });
  const base = { tool: 'sim', budget: budget.seeds, flags, seconds: ran.seconds };
  if (ran.timedOut) return { ...base, status: 'error', reason: `the simulator did not finish within ${timeoutMs / 1000} s` };
  if (ran.status === 0) return { ...base, status: 'missed' };
  const failed = /^seed (\d+) FAILED \(([^)]*)\): (.*)$/m.exec(ran.stdout);
  if (ran.status !== 1 || failed === null) {
    const why = `${ran.stdout}\n${ran.stderr}`.trim().split('\n').slice(-3).join(' / ');
    return { ...base, status: 'error', reason: `the simulator exited with ${ran.status ?? ran.signal}: ${why}` };
  }
  const seed = Number(failed[1]);
  const replay = /^ {2}replay: (.*)$/m.exec(ran.stdout)?.[1];
  // The summary's line names the failure itself (the core simulator's FAILED line only says where).
  const summary = new RegExp(`^ {2}FAIL seed ${seed}: (.*)$`, 'm').exec(ran.stdout)?.[1];
  return { ...base, status: 'caught', seed, tries: seed - budget.from + 1, reason: shorten(summary ?? failed[3]), replay };
}

/** The campaign's harness runs, one after another, until one finds a bug. */
async function runHarness(copy, flags, budget, outDir) {
  const base = { tool: 'harness', budget: budget.runs, flags, seconds: 0 };
  for (let index = 0; index < budget.runs; index++) {
    const result = await runHarnessOnce(copy, flags, budget, index, join(outDir, `run-${index + 1}`));
    base.seconds += result.seconds;
    if (result.status === 'missed') continue;
    return { ...base, ...result, seconds: base.seconds, tries: index + 1, family: harnessRun(index, budget).family };
  }
  return { ...base, status: 'missed' };
}

async function runHarnessOnce(copy, flags, budget, index, outDir) {
  const args = harnessArgs(join(copy, 'bin/raftkv'), flags, budget, index, outDir);
  const timeoutMs = budget.timeLimitS * 1000 + HARNESS_SLACK_MS_PER_RUN;
  const ran = await run(join(ROOT, 'bin/raftkv-test'), args, { cwd: copy, timeoutMs });
  const base = { seconds: ran.seconds, seed: harnessRun(index, budget).seed };
  if (ran.timedOut) return { ...base, status: 'error', reason: `the harness did not finish within ${timeoutMs / 1000} s` };
  if (ran.status === 0) return { ...base, status: 'missed' };
  // The verdict, and the first reason under its `why:` (the summary's own words).
  const verdicts = [...ran.stdout.matchAll(/^VERDICT: (.*)$/gm)].map((match) => match[1]);
  const why = [...ran.stdout.matchAll(/^why:\n {2}(.*)$/gm)].map((match) => match[1]);
  const reason = shorten(why.at(-1) ?? verdicts.at(-1) ?? ran.stderr.trim().split('\n').at(-1) ?? '');
  if (HARNESS_CAUGHT_STATUSES.includes(ran.status)) return { ...base, status: 'caught', reason };
  if (ran.status === 2 && verdicts.length > 0) return { ...base, status: 'unknown', exitStatus: ran.status, reason };
  return { ...base, status: 'error', reason: `the harness exited with ${ran.status ?? ran.signal}: ${reason}` };
}

function shorten(text) {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= 240 ? line : `${line.slice(0, 237)}...`;
}

// ---------------------------------------------------------------- the campaign

function loadPatches() {
  const names = readdirSync(MUTANTS_DIR)
    .filter((file) => file.endsWith('.patch'))
    .map((file) => file.slice(0, -'.patch'.length))
    .sort();
  const patches = [];
  const problems = [];
  for (const name of names) {
    const path = join(MUTANTS_DIR, `${name}.patch`);
    const parsed = parsePatch(name, readFileSync(path, 'utf8'));
    if (typeof parsed === 'string') problems.push(parsed);
    else patches.push({ ...parsed, path });
  }
  return { patches, problems };
}

function log(text) {
  process.stderr.write(`mutants: ${text}\n`);
}

/** A fresh copy of the tree in the workspace, registered for removal. */
function freshCopy(workspace, files, label) {
  const copy = join(workspace, label);
  temporaries.add(copy);
  copyTree(files, copy);
  return copy;
}

async function checkPatches(patches, workspace, files) {
  const copy = freshCopy(workspace, files, 'check');
  const problems = [];
  for (const patch of patches) {
    const problem = await applyPatch(copy, patch.path, true);
    if (problem !== undefined) problems.push(`${patch.name}: the patch no longer applies: ${problem}`);
  }
  removeTemporary(copy);
  return problems;
}

/** The baseline: the unmodified tree through every flag set the mutants use, each as they would run it. */
async function runBaseline(patches, options, workspace, files) {
  const started = performance.now();
  const copy = freshCopy(workspace, files, 'baseline');
  const built = await build(copy);
  if (built !== undefined) {
    removeTemporary(copy);
    return { name: 'baseline', error: `the unmodified tree does not build: ${built}`, seconds: (performance.now() - started) / 1000 };
  }
  const row = { name: 'baseline' };
  for (const tool of ['sim', 'harness']) {
    if (!options[tool]) continue;
    const sets = [...new Map(patches.map((patch) => [patch[tool].join(' '), patch[tool]])).values()];
    const flagSets = sets.map((flags) => flags.join(' '));
    const budget = tool === 'sim' ? options.seeds : options.runs;
    let outcome = { tool, status: 'passed', sets: sets.length, flagSets, budget, campaign: campaignOf(tool), seconds: 0 };
    for (const [index, flags] of sets.entries()) {
      log(`baseline: ${tool} with ${flags.join(' ') || 'the default flags'}`);
      const result = tool === 'sim' ? await runSim(copy, flags, options) : await runHarness(copy, flags, options, join(copy, `harness-${index}`));
      outcome.seconds += result.seconds;
      if (result.status === 'missed') continue;
      outcome = { ...result, status: result.status === 'error' ? 'error' : 'false-alarm', seconds: outcome.seconds };
      log(
        `baseline: ${tool} FALSE ALARM with ${flags.join(' ') || 'the default flags'}: ${result.reason}${result.replay ? `\n  replay: ${result.replay}` : ''}`,
      );
      break;
    }
    row[tool] = outcome;
  }
  removeTemporary(copy);
  return { ...row, seconds: (performance.now() - started) / 1000 };
}

async function runMutant(patch, options, workspace, files) {
  const started = performance.now();
  const done = (row) => ({
    name: patch.name,
    ...(patch.equivalent === undefined ? {} : { equivalent: patch.equivalent }),
    ...(patch.harnessBlind === undefined ? {} : { harnessBlind: patch.harnessBlind }),
    ...row,
    seconds: (performance.now() - started) / 1000,
  });
  const copy = freshCopy(workspace, files, patch.name);
  try {
    const problem = await applyPatch(copy, patch.path, false);
    if (problem !== undefined) return done({ error: `the patch no longer applies: ${problem}` });
    const built = await build(copy);
    if (built !== undefined) return done({ error: `the mutant does not build: ${built}` });
    const row = {};
    if (options.sim) {
      row.sim = await runSim(copy, patch.sim, options);
      log(`${patch.name}: simulator ${describeOutcome(row.sim)}${row.sim.reason ? `: ${row.sim.reason}` : ''}`);
    }
    if (options.harness) {
      row.harness = await runHarness(copy, patch.harness, options, join(copy, 'harness'));
      log(`${patch.name}: harness ${describeOutcome(row.harness)}${row.harness.reason ? `: ${row.harness.reason}` : ''}`);
    }
    return done(row);
  } finally {
    removeTemporary(copy);
  }
}

const USAGE = `usage: npm run mutants -- [NAME...] [--sim-only | --harness-only] [--seeds N] [--from S]
                          [--runs N] [--time-limit S] [--harness-seed S] [--no-baseline] [--docs]
       npm run mutants -- --check | --list | --dry-run
Applies each patch of test/mutants/ (or those named) to a copy of the working tree, builds it, runs
its simulator (--seeds, default ${DEFAULT_BUDGET.seeds}, from --from, stopping at the first failing seed) and this
checkout's harness against its node (--runs of --time-limit s, defaults ${DEFAULT_BUDGET.runs} and ${DEFAULT_BUDGET.timeLimitS}, stopping at
the first invalid run), and prints who caught what. The unmodified tree runs the same campaign
first (--no-baseline skips it). --docs rewrites docs/mutants.md with the results (tools not run
keep their earlier results there). Exit 0 when every patch applied and built, the baseline
raised no false alarm and every mutant (but the equivalent ones) was caught; else 1; 2 bad usage.
--check: every patch still applies to the working tree; --list: the mutants and their flags;
--dry-run: the commands each mutant would run; --render-docs: docs/mutants.md again from the
results it holds (after editing the patches' headers or this script's prose).`;

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error.message}\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { patches: all, problems } = loadPatches();
  for (const problem of problems) process.stderr.write(`${problem}\n`);
  const unknown = options.names.filter((name) => !all.some((patch) => patch.name === name));
  if (unknown.length > 0) {
    process.stderr.write(`no such mutant: ${unknown.join(', ')} (npm run mutants -- --list)\n`);
    return 2;
  }
  const patches = options.names.length === 0 ? all : all.filter((patch) => options.names.includes(patch.name));
  if (options.list) {
    for (const patch of patches) {
      process.stdout.write(`${patch.name}: ${patch.title}\n  sim: ${patch.sim.join(' ') || '-'}\n  harness: ${patch.harness.join(' ') || '-'}\n`);
      if (patch.equivalent !== undefined) process.stdout.write(`  equivalent: ${patch.equivalent}\n`);
      if (patch.harnessBlind !== undefined) process.stdout.write(`  harness-blind: ${patch.harnessBlind}\n`);
    }
    return problems.length === 0 ? 0 : 1;
  }
  if (options.renderDocs) {
    // docs/mutants.md again from the results embedded in it, with the patches' headers as they are now.
    const earlier = existsSync(DOCS_PATH) ? readEmbeddedResults(readFileSync(DOCS_PATH, 'utf8')) : undefined;
    if (earlier === undefined) {
      process.stderr.write(`${DOCS_PATH} holds no results to render: run the campaign with --docs\n`);
      return 1;
    }
    writeFileSync(DOCS_PATH, renderDocs(mergeRows(earlier.rows, [], all), all, earlier.budget));
    process.stdout.write(`wrote ${DOCS_PATH}\n`);
    return 0;
  }
  if (options.dryRun) {
    const copy = join(tmpdir(), 'raftkv-mutants-XXXXXX', '<mutant>');
    for (const patch of patches) {
      process.stdout.write(`${patch.name}:\n`);
      if (options.sim) process.stdout.write(`  (in the copy) node ${simArgs(patch.sim, options).join(' ')}\n`);
      if (options.harness)
        for (let index = 0; index < options.runs; index++) {
          process.stdout.write(
            `  bin/raftkv-test ${harnessArgs(join(copy, 'bin/raftkv'), patch.harness, options, index, join(copy, 'harness', `run-${index + 1}`)).join(' ')}\n`,
          );
        }
    }
    return problems.length === 0 ? 0 : 1;
  }
  if (options.harness && !existsSync(join(ROOT, 'dist/raftkv-test.mjs'))) {
    process.stderr.write('the harness is not built: run npm run build (npm run mutants builds it first)\n');
    return 2;
  }
  const workspace = mkdtempSync(join(tmpdir(), 'raftkv-mutants-'));
  temporaries.add(workspace);
  try {
    const files = workingTreeFiles();
    if (options.check) {
      const stale = await checkPatches(patches, workspace, files);
      for (const problem of stale) process.stderr.write(`${problem}\n`);
      const bad = problems.length + stale.length;
      process.stdout.write(`mutants: ${patches.length - stale.length} of ${patches.length} patches apply${bad === 0 ? '' : `; ${bad} problems`}\n`);
      return bad === 0 ? 0 : 1;
    }
    const rows = [];
    if (options.baseline) rows.push(await runBaseline(patches, options, workspace, files));
    for (const patch of patches) {
      log(`${patch.name}: ${patch.title}`);
      rows.push(await runMutant(patch, options, workspace, files));
    }
    process.stdout.write(`${formatTable(rows)}\n\n${describeTally(tally(rows))}\n`);
    for (const row of rows) {
      for (const tool of ['sim', 'harness']) {
        const outcome = row[tool];
        if (outcome?.status === 'caught' || outcome?.status === 'false-alarm')
          process.stdout.write(
            `${row.name} (${tool}): ${outcome.reason}${outcome.replay ? `\n  replay in a copy with the patch applied: ${outcome.replay}` : ''}\n`,
          );
      }
    }
    if (options.docs) {
      const earlier = existsSync(DOCS_PATH) ? readEmbeddedResults(readFileSync(DOCS_PATH, 'utf8')) : undefined;
      const merged = mergeRows(earlier?.rows, rows, all);
      const { seeds, from, runs, timeLimitS, harnessSeed } = options;
      writeFileSync(DOCS_PATH, renderDocs(merged, all, { seeds, from, runs, timeLimitS, harnessSeed }));
      process.stdout.write(`wrote ${DOCS_PATH}\n`);
    }
    const counts = tally(rows);
    return problems.length === 0 && counts.broken.length === 0 && counts.falseAlarms.length === 0 && counts.escaped.length === 0 ? 0 : 1;
  } finally {
    removeTemporary(workspace);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.on('SIGINT', () => void shutDown(130));
  process.on('SIGTERM', () => void shutDown(143));
  main().then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`mutants: ${error.stack ?? error}\n`);
      void shutDown(2);
    },
  );
}
