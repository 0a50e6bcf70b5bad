// The `sim` command: runs one seed (optionally traced) or a range of seeds of the whole-node
// simulator, or with --core of the Raft-core simulator, and prints a summary with a replay
// command per failure. The only impure part of src/sim: argv, stdout and the wall clock for
// timing (never used by a run). Exit code 1 on any failure, 2 on bad arguments.

import { READ_MODES, TXN_MODES, type ReadMode, type TxnMode } from '../server/options.js';
import type { SimWorkload } from './clients.js';
import { describeRates, PROFILE_NAMES } from './profiles.js';
import { RAFT_SIM_DEFAULT_PROFILE, RaftSimFailure, runRaftSimulation, type RaftSimResult } from './raft_sim.js';
import { DEFAULT_SAFETY_US, describeStorage, MAX_GROUPS, runSimulation, SIM_WORKLOADS, workloadForSeed, type SimOptions, type SimResult } from './simulator.js';

export interface SimCliOptions {
  readonly seed: number | undefined;
  readonly seeds: number;
  readonly from: number;
  readonly profile: string | undefined;
  readonly nodeCount: number | undefined;
  /** Raft groups per node; undefined: each seed decides. */
  readonly groupCount: number | undefined;
  readonly readMode: ReadMode | undefined;
  /** True: every seed's clients use sessions; undefined: each seed decides. */
  readonly clientSessions: true | undefined;
  /** The workloads the seeds pick from (evenly); undefined: each seed decides (a third txn). */
  readonly workloads: readonly SimWorkload[] | undefined;
  readonly txnMode: TxnMode | undefined;
  /** The Raft-core simulator instead of the whole-node one. */
  readonly core: boolean;
  readonly safetyMs: number | undefined;
  readonly trace: boolean;
  readonly verbose: boolean;
  /** Stop at the first failing seed (a mutant campaign wants the first catch, not all of them). */
  readonly failFast: boolean;
}

const USAGE = `usage: npm run sim -- [--seed S | --seeds N [--from S]] [--profile ${PROFILE_NAMES.join('|')}]
                      [--nodes N] [--groups G] [--read-mode ${READ_MODES.join('|')}] [--client-sessions]
                      [--workload W[,W...]] [--txn-mode ${TXN_MODES.join('|')}] [--safety-ms MS] [--trace] [--verbose] [--fail-fast]
       npm run sim -- --core [--seed S | --seeds N [--from S]] [--profile P] [--nodes N] [--safety-ms MS] [--trace] [--verbose]
Each seed draws its own fault rates and storage setup within the profile's bounds (--verbose or
--trace prints them); without --profile, --nodes, --groups (Raft groups per node, keys split by a
hash), --read-mode or --client-sessions the seed chooses those too. Client sessions need one group.
--workload: ${SIM_WORKLOADS.join(', ')}, or several (comma-separated) for each
seed to pick from; by default a third of the seeds run a txn workload, checked against what the
--txn-mode promises (batch: strict-serializable), on one group without sessions (--groups 2 or
--client-sessions keep every seed on lin-kv).
--core runs the Raft-core simulator (profile ${RAFT_SIM_DEFAULT_PROFILE} by default, 3 nodes unless --nodes).
--fail-fast stops at the first failing seed (the summary then counts the seeds run).`;

/** The options that take a non-negative integer, and where each one goes. */
const INTEGER_OPTIONS = {
  '--seed': 'seed',
  '--seeds': 'seeds',
  '--from': 'from',
  '--nodes': 'nodeCount',
  '--groups': 'groupCount',
  '--safety-ms': 'safetyMs',
} as const;
type IntegerOption = keyof typeof INTEGER_OPTIONS;

export function parseSimArgs(argv: readonly string[]): SimCliOptions | string {
  const integers: { [name in (typeof INTEGER_OPTIONS)[IntegerOption]]?: number } = {};
  let profile: string | undefined;
  let readMode: ReadMode | undefined;
  let clientSessions: true | undefined;
  let workloads: SimWorkload[] | undefined;
  let txnMode: TxnMode | undefined;
  let core = false;
  let trace = false;
  let verbose = false;
  let failFast = false;
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
      case '--client-sessions':
        clientSessions = true;
        break;
      case '--workload': {
        const names = (argv[++i] ?? '').split(',');
        if (!names.every((name) => (SIM_WORKLOADS as readonly string[]).includes(name)))
          return `--workload must be one or more (comma-separated) of ${SIM_WORKLOADS.join(', ')}`;
        workloads = [...new Set(names as SimWorkload[])];
        break;
      }
      case '--txn-mode': {
        const mode = argv[++i];
        if (mode === undefined || !(TXN_MODES as readonly string[]).includes(mode)) return `--txn-mode must be one of ${TXN_MODES.join(', ')}`;
        txnMode = mode as TxnMode;
        break;
      }
      case '--core':
        core = true;
        break;
      case '--trace':
        trace = true;
        break;
      case '--verbose':
        verbose = true;
        break;
      case '--fail-fast':
        failFast = true;
        break;
      case '--help':
      case '-h':
        return USAGE;
      default:
        return `unknown argument ${arg}\n${USAGE}`;
    }
  }
  const { seed, seeds = 1, from = 1, nodeCount, groupCount, safetyMs } = integers;
  // Zero runs would end in "0 failed", a pass that checked nothing.
  if (seeds < 1) return `--seeds needs a positive integer (0 runs would check nothing)`;
  if (core && (readMode !== undefined || clientSessions !== undefined || groupCount !== undefined || workloads !== undefined || txnMode !== undefined)) {
    return `--core simulates the Raft core alone: --read-mode, --groups, --client-sessions, --workload and --txn-mode are for the whole-node simulator`;
  }
  if (nodeCount !== undefined && (nodeCount < 1 || nodeCount > 9)) return `--nodes must be 1 to 9`;
  if (groupCount !== undefined && (groupCount < 1 || groupCount > MAX_GROUPS)) return `--groups must be 1 to ${MAX_GROUPS}`;
  if (groupCount !== undefined && groupCount > 1 && clientSessions)
    return `--client-sessions needs one Raft group per node: a node with ${groupCount} refuses sessions`;
  const txnWorkloads = workloads?.filter((workload) => workload !== 'lin-kv') ?? [];
  if (txnWorkloads.length > 0 && ((groupCount !== undefined && groupCount > 1) || clientSessions))
    return `--workload ${txnWorkloads.join(',')} runs on one Raft group per node without client sessions (a txn across groups is refused, and txns are never resent)`;
  return { seed, seeds, from, profile, nodeCount, groupCount, readMode, clientSessions, workloads, txnMode, core, safetyMs, trace, verbose, failFast };
}

function simOptionsFor(cli: SimCliOptions, seed: number, trace?: (line: string) => void): SimOptions {
  return {
    seed,
    ...(cli.profile === undefined ? {} : { profile: cli.profile }),
    ...(cli.nodeCount === undefined ? {} : { nodeCount: cli.nodeCount }),
    ...(cli.groupCount === undefined ? {} : { groupCount: cli.groupCount }),
    ...(cli.readMode === undefined ? {} : { readMode: cli.readMode }),
    ...(cli.clientSessions === undefined ? {} : { clientSessions: cli.clientSessions }),
    ...(cli.workloads === undefined ? {} : { workload: workloadForSeed(seed, cli.workloads) }),
    ...(cli.txnMode === undefined ? {} : { txnMode: cli.txnMode }),
    ...(cli.safetyMs === undefined ? {} : { safetyUs: cli.safetyMs * 1000 }),
    ...(trace === undefined ? {} : { trace }),
  };
}

function describeResult(result: SimResult): string {
  const s = result.stats;
  const verdict = result.failure === undefined ? 'ok' : 'FAIL';
  return (
    `seed ${result.seed} ${verdict} profile=${result.profile} nodes=${result.nodeCount} groups=${result.groupCount} read-mode=${result.readMode} sessions=${result.clientSessions ? 'on' : 'off'} ` +
    `workload=${result.workload}${result.workload === 'lin-kv' ? '' : ` txn-mode=${result.txnMode}`} ` +
    `virtual=${(result.virtualUs / 1e6).toFixed(2)}s leader=${result.leaderUs === undefined ? '-' : `${result.leaderUs / 1000}ms`} liveness=${result.livenessUs === undefined ? '-' : `${result.livenessUs / 1000}ms`} ` +
    `ops ok/fail/info=${s.opsOk}/${s.opsFail}/${s.opsInfo}${describeFinalReads(result)} session-retries=${s.sessionRetries} committed=${s.committedByGroup.join('+')} terms=${s.leaderTerms} ` +
    `msgs sent=${s.messagesSent} lost=${s.messagesLost} cut=${s.messagesCut} dup=${s.messagesDuplicated} ` +
    `crashes=${s.crashes} (before a sync ${s.crashesBeforeSync}, losing writes ${s.crashesLosingWrites}: ${s.lostWriteBytes} bytes, torn ${s.tornFiles}) ` +
    `syncs=${s.syncs} snapshots written=${s.snapshotWrites} installed=${s.snapshotsInstalled} removals=${s.fileRemovals} partitions=${s.partitions} clogs=${s.clogs} history=${result.historyHash} trace=${result.traceHash}`
  );
}

function describeFinalReads(result: SimResult): string {
  const reads = result.finalReads;
  return reads === undefined ? '' : ` final-reads=${reads.keysRead}/${reads.keys} keys in ${reads.attempts} txns`;
}

function describeRaftResult(result: RaftSimResult): string {
  const s = result.stats;
  return (
    `seed ${result.seed} ok core profile=${result.profile} nodes=${result.nodeCount} liveness=${s.livenessUs / 1000}ms ` +
    `proposals=${s.proposals} committed=${s.committed} reads=${s.readsConfirmed}/${s.readsIssued} terms=${s.termsWithLeader} ` +
    `msgs delivered=${s.delivered} dropped=${s.dropped} dup=${s.duplicated} crashes=${s.crashes} mid-turn=${s.midTurnCrashes} ` +
    `partitions=${s.partitions} clogs=${s.clogs} snapshots=${s.snapshotsTaken}/${s.snapshotsInstalled} trace=${result.traceHash}`
  );
}

/** A long run says how far it got this often (wall clock), so it never looks stuck. */
const PROGRESS_INTERVAL_MS = 5_000;

function progressLine(done: number, count: number, failed: number, elapsedMs: number): string {
  const leftS = ((count - done) * elapsedMs) / done / 1000;
  return `... ${done}/${count} runs (${Math.floor((100 * done) / count)}%), ${failed} failed, ${(elapsedMs / 1000).toFixed(1)} s, about ${leftS.toFixed(0)} s left`;
}

/** One seed's outcome as the loop below needs it, from either simulator. */
interface SeedOutcome {
  readonly profile: string;
  /** The whole-node simulator's workload; undefined for the core simulator. */
  readonly workload: SimWorkload | undefined;
  readonly virtualUs: number;
  /** The failure with its replay command, or undefined. */
  readonly failure: string | undefined;
  readonly lines: readonly string[];
}

function runWholeNodeSeed(cli: SimCliOptions, seed: number, write: (text: string) => void, single: boolean): SeedOutcome {
  const trace = cli.trace ? (line: string) => write(`${line}\n`) : undefined;
  const result = runSimulation(simOptionsFor(cli, seed, trace));
  const lines: string[] = [];
  if (cli.verbose || single) lines.push(describeResult(result));
  if (cli.verbose) lines.push(`  ${describeRates(result.rates)}`, `  ${describeStorage(result.storage, result.rates)}`);
  const failure = result.failure === undefined ? undefined : `${result.failure}\n    ${result.replay}`;
  if (failure !== undefined) write(`seed ${seed} FAILED (${result.profile}): ${result.failure}\n  replay: ${result.replay}\n`);
  return { profile: result.profile, workload: result.workload, virtualUs: result.virtualUs, failure, lines };
}

function runCoreSeed(cli: SimCliOptions, seed: number, write: (text: string) => void, single: boolean): SeedOutcome {
  const profile = cli.profile ?? RAFT_SIM_DEFAULT_PROFILE;
  try {
    const result = runRaftSimulation({
      seed,
      nodeCount: cli.nodeCount ?? 3,
      profile,
      ...(cli.safetyMs === undefined ? {} : { safetyUs: cli.safetyMs * 1000 }),
      ...(cli.trace ? { trace: (line: string) => write(`${line}\n`) } : {}),
    });
    const lines: string[] = [];
    if (cli.verbose || single) lines.push(describeRaftResult(result));
    if (cli.verbose) lines.push(`  ${describeRates(result.rates)}`);
    return { profile: `core ${profile}`, workload: undefined, virtualUs: result.virtualUs, failure: undefined, lines };
  } catch (error) {
    if (!(error instanceof RaftSimFailure)) throw error;
    write(`seed ${seed} FAILED (core ${profile}): ${error.message}\n`);
    return { profile: `core ${profile}`, workload: undefined, virtualUs: 0, failure: `${error.reason}\n    ${error.replay}`, lines: [] };
  }
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
  const failures: { readonly seed: number; readonly failure: string }[] = [];
  let virtualUs = 0;
  const byProfile = new Map<string, number>();
  const byWorkload = new Map<SimWorkload, number>();
  let lastProgressMs = started;
  let ran = 0;
  for (let seed = first; seed < first + count; seed++) {
    ran++;
    const outcome = cli.core ? runCoreSeed(cli, seed, write, count === 1) : runWholeNodeSeed(cli, seed, write, count === 1);
    virtualUs += outcome.virtualUs;
    byProfile.set(outcome.profile, (byProfile.get(outcome.profile) ?? 0) + 1);
    if (outcome.workload !== undefined) byWorkload.set(outcome.workload, (byWorkload.get(outcome.workload) ?? 0) + 1);
    if (outcome.failure !== undefined) failures.push({ seed, failure: outcome.failure });
    for (const line of outcome.lines) write(`${line}\n`);
    if (cli.failFast && failures.length > 0) break;
    if (!cli.verbose && count > 1 && wallMs() - lastProgressMs >= PROGRESS_INTERVAL_MS && seed < first + count - 1) {
      lastProgressMs = wallMs();
      write(`${progressLine(seed - first + 1, count, failures.length, lastProgressMs - started)}\n`);
    }
  }
  const wallS = (wallMs() - started) / 1000;
  const profiles = [...byProfile].map(([name, runs]) => `${name} ${runs}`).join(', ');
  const workloads = SIM_WORKLOADS.filter((name) => byWorkload.has(name))
    .map((name) => `${name} ${byWorkload.get(name)}`)
    .join(', ');
  const safetyMs = cli.safetyMs ?? (cli.core ? 8_000 : DEFAULT_SAFETY_US / 1000);
  write(
    `sim: ${ran} run${ran === 1 ? '' : 's'} (seeds ${first}..${first + ran - 1}${ran < count ? `, stopped at the first failure (of ${count} planned)` : ''}; ${profiles}${workloads === '' ? '' : `; ${workloads}`}), ${failures.length} failed; ` +
      `virtual ${(virtualUs / 1e6).toFixed(1)} s, wall ${wallS.toFixed(1)} s (safety phase ${(safetyMs / 1000).toFixed(1)} s per run)\n`,
  );
  for (const { seed, failure } of failures) write(`  FAIL seed ${seed}: ${failure}\n`);
  return failures.length === 0 ? 0 : 1;
}
