// `raftkv-test bench ...`: parses the options, checks that the binaries exist, then runs the
// benchmark. Exit status: 0 every run valid, 1 a run invalid, 2 unknown or harness error,
// 254 bad arguments.

import { existsSync } from 'node:fs';
import { optionsOrExit, type CommandIo } from '../harness/cli.js';
import { randomSeed } from '../harness/options.js';
import { BENCH_USAGE, parseBenchArgs } from './options.js';
import { expandPresets, withSeed } from './presets.js';
import { runBench } from './run_bench.js';

export interface BenchBinaries {
  /** bin/raftkv of this checkout, used when --bin is not given (whatever the working directory). */
  readonly defaultBin: string;
  /** dist/local-kv.mjs of this checkout. */
  readonly ceilingBin: string;
}

/** `argv` is what follows the word `bench`. */
export async function runBenchCommand(argv: readonly string[], io: CommandIo, binaries: BenchBinaries, signal?: AbortSignal): Promise<number> {
  const expanded = expandPresets(argv);
  const args = expanded.ok ? expanded.value : [];
  const options = optionsOrExit('bench', expanded.ok ? parseBenchArgs(args, randomSeed, binaries.defaultBin) : expanded, BENCH_USAGE, io);
  if (typeof options === 'number') return options;
  if (options.ceiling && !existsSync(binaries.ceilingBin)) {
    io.stderr(`raftkv-test bench: the ceiling node ${binaries.ceilingBin} is missing: run "npm run build" (or give --no-ceiling)\n`);
    return 2;
  }
  return runBench(options, {
    io,
    signal,
    bin: options.bin,
    ceilingBin: binaries.ceilingBin,
    command: ['bin/raftkv-test', 'bench', ...withSeed(args, options.seed)],
  });
}
