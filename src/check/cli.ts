// `raftkv-test check FILE`: reads a history file, checks it, prints the verdict. The only impure
// module of the checker (file reads and writes, the wall clock for timing and --time-limit).
// Exit status: 0 linearizable, 1 not linearizable, 2 undecided or unusable input. stdout gets
// the report (or only JSON with --json); problems go to stderr.

import { readFile, writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { HistoryFormat } from './history.js';
import { detectFormat, parseHistory } from './history.js';
import type { CheckOptions, CheckResult } from './linearizability.js';
import { checkHistory } from './linearizability.js';
import { formatSummary, renderTimelinesSvg } from './report.js';

export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const EXIT_VALID = 0;
const EXIT_INVALID = 1;
const EXIT_UNKNOWN_OR_ERROR = 2;

const CHECK_USAGE = `usage: raftkv-test check FILE [--format jsonl|jepsen] [--json] [--svg OUT.svg] [--budget STEPS] [--time-limit SECONDS]

Checks that a register history (our JSON lines, or a Jepsen log) is linearizable, key by key.
  --format F        jsonl or jepsen (default: told apart by content)
  --json            print the result as JSON instead of text
  --svg OUT.svg     draw a timeline of the failure of every invalid key into OUT.svg
  --budget STEPS    search steps allowed per key before its verdict is unknown
  --time-limit S    wall-clock seconds allowed for the whole check
Exit status: 0 linearizable, 1 not linearizable, 2 unknown or error.
`;

interface CheckCommandOptions {
  readonly file: string;
  readonly format: HistoryFormat | undefined;
  readonly json: boolean;
  readonly svgPath: string | undefined;
  readonly budgetSteps: number | undefined;
  readonly timeLimitSeconds: number | undefined;
}

type ParsedArgs =
  | { readonly kind: 'run'; readonly options: CheckCommandOptions }
  | { readonly kind: 'help' }
  | { readonly kind: 'error'; readonly message: string };

/** `argv` is what follows the word `check`. */
export async function runCheckCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const parsed = parseCheckArgs(argv);
  if (parsed.kind === 'help') {
    io.stdout(CHECK_USAGE);
    return EXIT_VALID;
  }
  if (parsed.kind === 'error') {
    io.stderr(`raftkv-test check: ${parsed.message}\n${CHECK_USAGE}`);
    return EXIT_UNKNOWN_OR_ERROR;
  }
  const options = parsed.options;

  let text: string;
  try {
    text = await readFile(options.file, 'utf8');
  } catch (error) {
    io.stderr(`raftkv-test check: cannot read ${options.file}: ${(error as Error).message}\n`);
    return EXIT_UNKNOWN_OR_ERROR;
  }
  if (text.trim() === '') {
    io.stderr(`raftkv-test check: ${options.file} is empty: there is no history to check\n`);
    return EXIT_UNKNOWN_OR_ERROR;
  }
  const startedAt = performance.now();
  const format = options.format ?? detectFormat(text);
  const events = parseHistory(text, format);
  if (!events.ok) {
    const where = events.error.line > 0 ? `${options.file}:${events.error.line}` : options.file;
    const asFormat = options.format === undefined ? '' : ` (read as --format ${options.format})`;
    io.stderr(`raftkv-test check: ${where}${asFormat}: ${events.error.message}\n`);
    return EXIT_UNKNOWN_OR_ERROR;
  }
  const checkOptions: CheckOptions = {
    now: () => performance.now(),
    ...(options.budgetSteps === undefined ? {} : { maxStepsPerKey: options.budgetSteps }),
    ...(options.timeLimitSeconds === undefined ? {} : { timeLimitMs: options.timeLimitSeconds * 1000 }),
  };
  const checked = checkHistory(events.value, checkOptions);
  const elapsedMs = performance.now() - startedAt;
  if (!checked.ok) {
    io.stderr(`raftkv-test check: ${options.file}: ${checked.error}\n`);
    return EXIT_UNKNOWN_OR_ERROR;
  }
  const result = checked.value;

  let svgWritten: string | null = null;
  const invalidKeys = result.keys.filter((key) => key.verdict === 'invalid');
  if (options.svgPath !== undefined && invalidKeys.length > 0) {
    try {
      await writeFile(options.svgPath, renderTimelinesSvg(invalidKeys));
      svgWritten = options.svgPath;
    } catch (error) {
      io.stderr(`raftkv-test check: cannot write ${options.svgPath}: ${(error as Error).message}\n`);
      return EXIT_UNKNOWN_OR_ERROR;
    }
  }

  if (options.json) {
    io.stdout(`${JSON.stringify({ file: options.file, format: format ?? null, elapsedMs, svg: svgWritten, ...result })}\n`);
  } else {
    io.stdout(`history: ${options.file} (${format ?? 'unknown format'})\n${formatSummary(result)}\n`);
    if (options.svgPath !== undefined) {
      io.stdout(svgWritten === null ? 'timeline: no invalid key, nothing drawn\n' : `timeline: ${svgWritten}\n`);
    }
    io.stdout(`checked in ${elapsedMs.toFixed(1)} ms\n`);
  }
  return exitStatus(result);
}

function exitStatus(result: CheckResult): number {
  switch (result.verdict) {
    case 'valid':
      return EXIT_VALID;
    case 'invalid':
      return EXIT_INVALID;
    case 'unknown':
      return EXIT_UNKNOWN_OR_ERROR;
  }
}

function parseCheckArgs(argv: readonly string[]): ParsedArgs {
  let file: string | undefined;
  let format: HistoryFormat | undefined;
  let json = false;
  let svgPath: string | undefined;
  let budgetSteps: number | undefined;
  let timeLimitSeconds: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const value = (): string | undefined => {
      i++;
      return argv[i];
    };
    switch (arg) {
      case '-h':
      case '--help':
        return { kind: 'help' };
      case '--json':
        json = true;
        break;
      case '--format': {
        const given = value();
        if (given !== 'jsonl' && given !== 'jepsen') return { kind: 'error', message: '--format must be jsonl or jepsen' };
        format = given;
        break;
      }
      case '--svg': {
        const given = value();
        if (given === undefined || given === '') return { kind: 'error', message: '--svg needs a file name' };
        svgPath = given;
        break;
      }
      case '--budget': {
        const given = Number(value());
        if (!Number.isSafeInteger(given) || given < 1) return { kind: 'error', message: '--budget must be a positive integer' };
        budgetSteps = given;
        break;
      }
      case '--time-limit': {
        const given = Number(value());
        if (!Number.isFinite(given) || given <= 0) return { kind: 'error', message: '--time-limit must be a positive number of seconds' };
        timeLimitSeconds = given;
        break;
      }
      default:
        if (arg.startsWith('-')) return { kind: 'error', message: `unknown option ${arg}` };
        if (file !== undefined) return { kind: 'error', message: `one history file only (got ${file} and ${arg})` };
        file = arg;
    }
  }
  if (file === undefined) return { kind: 'error', message: 'missing history FILE' };
  return { kind: 'run', options: { file, format, json, svgPath, budgetSteps, timeLimitSeconds } };
}
