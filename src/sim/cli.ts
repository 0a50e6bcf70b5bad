// The `sim` command: runs one seed (optionally traced) or a range of seeds and prints a summary
// with a replay command per failure. The only impure part of src/sim: argv, stdout and the
// wall clock for timing (never used by a run). Exit code 1 on any failure, 2 on bad arguments.

import { DEFAULT_SAFETY_US, runSimulation, type SimOptions, type SimResult } from './simulator.js';
import { PROFILE_NAMES } from './profiles.js';
import { READ_MODES, type ReadMode } from '../server/kv_server.js';

export interface SimCliOptions {
  readonly seed: number | undefined;
  readonly seeds: number;
  readonly from: number;
  readonly profile: string | undefined;
  readonly nodeCount: number | undefined;
  readonly readMode: ReadMode | undefined;
  readonly safetyMs: number | undefined;
  readonly trace: boolean;
  readonly verbose: boolean;
}

const USAGE = `usage: npm run sim -- [--seed S | --seeds N [--from S]] [--profile ${PROFILE_NAMES.join('|')}]
                      [--nodes N] [--read-mode ${READ_MODES.join('|')}] [--safety-ms MS] [--trace] [--verbose]`;

/** The options that take a non-negative integer, and where each one goes. */
const INTEGER_OPTIONS = { '--seed': 'seed', '--seeds': 'seeds', '--from': 'from', '--nodes': 'nodeCount', '--safety-ms': 'safetyMs' } as const;
type IntegerOption = keyof typeof INTEGER_OPTIONS;

export function parseSimArgs(argv: readonly string[]): SimCliOptions | string {
  const integers: { [name in (typeof INTEGER_OPTIONS)[IntegerOption]]?: number } = {};
  let profile: string | undefined;
  let readMode: ReadMode | undefined;
  let trace = false;
  let verbose = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg in INTEGER_OPTIONS) {
      const text = argv[++i];
      const parsed = Number(text);
      if (text === undefined || !Number.isSafeInteger(parsed) || parsed < 0) return `${arg} needs a non-negative integer`;
      integers[INTEGER_OPTIONS[arg as IntegerOption]] = parsed;
      continue;
    }
    switch (arg) {
      case '--profile': {
        const name = argv[++i];
        if (name === undefined || !PROFILE_NAMES.includes(name)) return `--profile must be one of ${PROFILE_NAMES.join(', ')}`;
        profile = name;
        break;
      }
      case '--read-mode': {
        const mode = argv[++i];
        if (mode === undefined || !(READ_MODES as readonly string[]).includes(mode)) return `--read-mode must be one of ${READ_MODES.join(', ')}`;
        readMode = mode as ReadMode;
        break;
      }
      case '--trace':
        trace = true;
        break;
      case '--verbose':
        verbose = true;
        break;
      case '--help':
      case '-h':
        return USAGE;
      default:
        return `unknown argument ${arg}\n${USAGE}`;
    }
  }
  const { seed, seeds = 1, from = 1, nodeCount, safetyMs } = integers;
  // Zero runs would end in "0 failed", a pass that checked nothing.
  if (seeds < 1) return `--seeds needs a positive integer (0 runs would check nothing)`;
  return { seed, seeds, from, profile, nodeCount, readMode, safetyMs, trace, verbose };
}

export function simOptionsFor(cli: SimCliOptions, seed: number, trace?: (line: string) => void): SimOptions {
  return {
    seed,
    ...(cli.profile === undefined ? {} : { profile: cli.profile }),
    ...(cli.nodeCount === undefined ? {} : { nodeCount: cli.nodeCount }),
    ...(cli.readMode === undefined ? {} : { readMode: cli.readMode }),
    ...(cli.safetyMs === undefined ? {} : { safetyUs: cli.safetyMs * 1000 }),
    ...(trace === undefined ? {} : { trace }),
  };
}

export function describeResult(result: SimResult): string {
  const s = result.stats;
  const verdict = result.failure === undefined ? 'ok' : 'FAIL';
  return (
    `seed ${result.seed} ${verdict} profile=${result.profile} nodes=${result.nodeCount} read-mode=${result.readMode} ` +
    `virtual=${(result.virtualUs / 1e6).toFixed(2)}s leader=${result.leaderUs === undefined ? '-' : `${result.leaderUs / 1000}ms`} liveness=${result.livenessUs === undefined ? '-' : `${result.livenessUs / 1000}ms`} ` +
    `ops ok/fail/info=${s.opsOk}/${s.opsFail}/${s.opsInfo} committed=${s.committed} terms=${s.leaderTerms} ` +
    `msgs sent=${s.messagesSent} lost=${s.messagesLost} cut=${s.messagesCut} dup=${s.messagesDuplicated} ` +
    `crashes=${s.crashes} partitions=${s.partitions} clogs=${s.clogs} history=${result.historyHash} trace=${result.traceHash}`
  );
}

/** A long run says how far it got this often (wall clock), so it never looks stuck. */
const PROGRESS_INTERVAL_MS = 5_000;

function progressLine(done: number, count: number, failed: number, elapsedMs: number): string {
  const leftS = ((count - done) * elapsedMs) / done / 1000;
  return `... ${done}/${count} runs (${Math.floor((100 * done) / count)}%), ${failed} failed, ${(elapsedMs / 1000).toFixed(1)} s, about ${leftS.toFixed(0)} s left`;
}

export function runSimCli(argv: readonly string[], write: (text: string) => void, wallMs: () => number): number {
  const cli = parseSimArgs(argv);
  if (typeof cli === 'string') {
    write(`${cli}\n`);
    return cli === USAGE ? 0 : 2;
  }
  const started = wallMs();
  const first = cli.seed ?? cli.from;
  const count = cli.seed === undefined ? cli.seeds : 1;
  const failures: SimResult[] = [];
  let virtualUs = 0;
  const byProfile = new Map<string, number>();
  let lastProgressMs = started;
  for (let seed = first; seed < first + count; seed++) {
    const trace = cli.trace ? (line: string) => write(`${line}\n`) : undefined;
    const result = runSimulation(simOptionsFor(cli, seed, trace));
    virtualUs += result.virtualUs;
    byProfile.set(result.profile, (byProfile.get(result.profile) ?? 0) + 1);
    if (result.failure !== undefined) {
      failures.push(result);
      write(`seed ${seed} FAILED (${result.profile}): ${result.failure}\n  replay: ${result.replay}\n`);
    }
    if (cli.verbose || count === 1) {
      write(`${describeResult(result)}\n`);
    } else if (wallMs() - lastProgressMs >= PROGRESS_INTERVAL_MS && seed < first + count - 1) {
      lastProgressMs = wallMs();
      write(`${progressLine(seed - first + 1, count, failures.length, lastProgressMs - started)}\n`);
    }
  }
  const wallS = (wallMs() - started) / 1000;
  const profiles = [...byProfile].map(([name, runs]) => `${name} ${runs}`).join(', ');
  write(
    `sim: ${count} run${count === 1 ? '' : 's'} (seeds ${first}..${first + count - 1}; ${profiles}), ${failures.length} failed; ` +
      `virtual ${(virtualUs / 1e6).toFixed(1)} s, wall ${wallS.toFixed(1)} s (safety phase ${((cli.safetyMs ?? DEFAULT_SAFETY_US / 1000) / 1000).toFixed(1)} s per run)\n`,
  );
  for (const failure of failures) write(`  FAIL seed ${failure.seed}: ${failure.failure}\n    ${failure.replay}\n`);
  return failures.length === 0 ? 0 : 1;
}
