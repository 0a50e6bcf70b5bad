// `raftkv-test test ...`: parses the options, runs the test (or --test-count tests, each with its
// own draw under --swarm), prints the seed first and the summary last (after several runs, a
// tally of their verdicts, and for a run that failed the command that replays it). Exit status
// as Maelstrom's: 0 valid, 1 invalid, 2 unknown or harness error, 254 bad arguments; and 3: the
// run was safe (or undecided) but the cluster did not recover after healing.

import { join } from 'node:path';
import type { Result } from '../base/result.js';
import { describeOptions, parseTestArgs, type TestOptions } from './options.js';
import { TEST_USAGE } from './test_usage.js';
import type { Verdict } from './results.js';
import { describeDraw, drawSwarm, replayCommand } from './swarm.js';
import { resolveBin } from './out_dir.js';
import { runTest } from './run_test.js';

export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export const EXIT_BAD_ARGUMENTS = 254;

type ParsedArgs<O extends { readonly bin: string }> = { readonly kind: 'help' } | { readonly kind: 'run'; readonly options: O };

/**
 * The first steps every subcommand shares: the options to run with, or the exit status when
 * there is nothing to run (bad arguments or a missing binary, reported on stderr; --help).
 */
export function optionsOrExit<O extends { readonly bin: string }>(
  command: string,
  parsed: Result<ParsedArgs<O>, string>,
  usage: string,
  io: CommandIo,
  binArgs: (options: O) => readonly string[] = () => [],
): O | number {
  if (!parsed.ok) {
    io.stderr(`raftkv-test ${command}: ${parsed.error}\n(raftkv-test ${command} --help lists the options)\n`);
    return EXIT_BAD_ARGUMENTS;
  }
  if (parsed.value.kind === 'help') {
    io.stdout(usage);
    return 0;
  }
  const options = parsed.value.options;
  const bin = resolveBin(options.bin, binArgs(options));
  if (typeof bin === 'string') {
    io.stderr(`raftkv-test ${command}: ${bin}\n`);
    return EXIT_BAD_ARGUMENTS;
  }
  return options;
}

/**
 * The closing line of --test-count N: `3 of 3 runs valid`, or, when the runs stopped early,
 * `stopped after run 2 of 3: 1 valid, 1 invalid` (and why, when interrupted).
 */
export function formatTally(verdicts: readonly Verdict[], testCount: number, interrupted: boolean): string {
  const count = (verdict: Verdict): number => verdicts.filter((one) => one === verdict).length;
  const valid = count('valid');
  if (verdicts.length === testCount && valid === testCount && !interrupted) return `${valid} of ${testCount} runs valid`;
  const others: [Verdict, string][] = [
    ['invalid', 'invalid'],
    ['not-recovered', 'not recovered'],
    ['unknown', 'unknown'],
  ];
  const counts = [`${valid} valid`, ...others.filter(([verdict]) => count(verdict) > 0).map(([verdict, word]) => `${count(verdict)} ${word}`)];
  const why = interrupted ? ' (interrupted)' : '';
  if (verdicts.length < testCount) return `stopped after run ${verdicts.length} of ${testCount}${why}: ${counts.join(', ')}`;
  return `${testCount} runs${why}: ${counts.join(', ')}`;
}

/** `argv` is what follows the word `test`. */
export async function runTestCommand(argv: readonly string[], io: CommandIo, signal?: AbortSignal): Promise<number> {
  const base = optionsOrExit('test', parseTestArgs(argv), TEST_USAGE, io, (options) => options.binArgs);
  if (typeof base === 'number') return base;
  let status = 0;
  const verdicts: Verdict[] = [];
  const several = base.testCount > 1 || base.swarm !== null;
  for (let run = 0; run < base.testCount; run++) {
    const seed = (base.seed + run) >>> 0;
    const draw = base.swarm === null ? null : drawSwarm(seed, base.swarm, base);
    const options: TestOptions = {
      ...base,
      ...draw,
      seed,
      outDir: base.outDir === undefined || base.testCount === 1 ? base.outDir : join(base.outDir, `run-${run + 1}`),
    };
    const ordinal = `run ${run + 1} of ${base.testCount}`;
    if (draw !== null) io.stderr(`raftkv-test: swarm ${ordinal}, seed ${seed}: ${describeDraw(draw)}\n`);
    io.stderr(`raftkv-test: ${describeOptions(options)}${base.testCount > 1 ? ` (${ordinal})` : ''}\n`);
    const result = await runTest(options, {
      log: (line) => io.stderr(`${line}\n`),
      progress: (line) => io.stderr(`${line}\n`),
      command: ['raftkv-test', 'test', ...argv],
      linkLatestForOut: true,
      ...(signal === undefined ? {} : { signal }),
    });
    io.stdout(`${result.summary}\n`);
    verdicts.push(result.verdict);
    status = result.exitCode;
    if (status !== 0 && several && signal?.aborted !== true) {
      io.stdout(`raftkv-test: ${ordinal} (seed ${seed}) is ${result.verdict}; replay it with:\n  ${replayCommand(options)}\n`);
    }
    if (status !== 0 || signal?.aborted === true) break;
  }
  if (base.testCount > 1) io.stdout(`${formatTally(verdicts, base.testCount, signal?.aborted === true)}\n`);
  return status;
}
