// `raftkv-test test ...`: parses the options, runs the test (or --test-count tests), prints the
// seed first and the summary last. Exit status as Maelstrom's: 0 valid, 1 invalid, 2 unknown
// or harness error, 254 bad arguments.

import { join } from 'node:path';
import { describeOptions, parseTestArgs, TEST_USAGE, type TestOptions } from './options.js';
import { resolveBin, runTest } from './run_test.js';

export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export const EXIT_BAD_ARGUMENTS = 254;

/** `argv` is what follows the word `test`. */
export async function runTestCommand(argv: readonly string[], io: CommandIo, signal?: AbortSignal): Promise<number> {
  const parsed = parseTestArgs(argv);
  if (!parsed.ok) {
    io.stderr(`raftkv-test test: ${parsed.error}\n(raftkv-test test --help lists the options)\n`);
    return EXIT_BAD_ARGUMENTS;
  }
  if (parsed.value.kind === 'help') {
    io.stdout(TEST_USAGE);
    return 0;
  }
  const base = parsed.value.options;
  const bin = resolveBin(base.bin, base.binArgs);
  if (typeof bin === 'string') {
    io.stderr(`raftkv-test test: ${bin}\n`);
    return EXIT_BAD_ARGUMENTS;
  }
  let status = 0;
  for (let run = 0; run < base.testCount; run++) {
    const options: TestOptions = {
      ...base,
      seed: (base.seed + run) >>> 0,
      outDir: base.outDir === undefined || base.testCount === 1 ? base.outDir : join(base.outDir, `run-${run + 1}`),
    };
    io.stderr(`raftkv-test: ${describeOptions(options)}${base.testCount > 1 ? ` (run ${run + 1} of ${base.testCount})` : ''}\n`);
    const result = await runTest(options, {
      log: (line) => io.stderr(`${line}\n`),
      progress: (line) => io.stderr(`${line}\n`),
      command: ['raftkv-test', 'test', ...argv],
      ...(signal === undefined ? {} : { signal }),
    });
    io.stdout(`${result.summary}\n`);
    status = result.exitCode;
    if (status !== 0 || signal?.aborted === true) break;
  }
  return status;
}
