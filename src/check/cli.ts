// `raftkv-test check FILE|DIR`: reads a history (JSON lines, history.edn or a Jepsen log; a run
// directory's history.jsonl, else its history.edn), checks it, prints the verdict. The only impure
// module of the checker (file reads and writes, the wall clock for timing and --time-limit). Txn
// histories go to the transactional checker, others to the linearizability checker. Exit status:
// 0 valid, 1 invalid, 2 undecided or unusable input; the report on stdout, problems on stderr.

import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Result } from '../base/result.js';
import { err, ok } from '../base/result.js';
import type { HistoryEvent, HistoryFormat } from './history.js';
import { detectFormat, isClientEvent, parseHistory } from './history.js';
import type { CheckOptions, CheckResult } from './linearizability.js';
import { checkHistory } from './linearizability.js';
import { looksLikeEdnHistory, parseJepsenHistory } from './jepsen_format.js';
import { formatSummary, renderTimelinesSvg } from './report.js';
import type { TxnCheckOptions } from './txn/checker.js';
import { checkTxnHistory } from './txn/checker.js';
import { isConsistencyModel } from './txn/models.js';
import { firstAnomaly, formatTxnSummary, txnResultsJson } from './txn/report.js';
import { renderAnomalySvg } from './txn/svg.js';
import type { ConsistencyModel, TxnWorkload } from './txn/types.js';
import { CONSISTENCY_MODELS } from './txn/types.js';

export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const EXIT_VALID = 0;
const EXIT_INVALID = 1;
const EXIT_UNKNOWN_OR_ERROR = 2;

const CHECK_USAGE = `usage: raftkv-test check FILE|DIR [--format jsonl|edn|jepsen] [-w WORKLOAD] [--consistency-models M,...] [--json]
                             [--svg OUT.svg] [--budget STEPS] [--time-limit SECONDS]

Checks a recorded history: our JSON lines, Jepsen's history.edn, or a Jepsen log; for a run
directory, its history.jsonl, else its history.edn. A register history is checked for
linearizability, key by key; a history of txns (client events with f "txn") is checked, as
Elle does, for the consistency models asked for.
  --format F                 jsonl, edn or jepsen (default: .edn files are edn, others told apart by content)
  -w, --workload W           lin-kv, txn-list-append or txn-rw-register (default: told apart by
                             content: "txn" events are txns, "append" micro-ops list-append, "w" rw-register)
  --consistency-models M,... txn histories: ${CONSISTENCY_MODELS.join(', ')}
                             (default strict-serializable); the verdict lists each
  --json                     print the result as JSON instead of text
  --svg OUT.svg              draw the failure of every invalid key (registers) or the worst anomaly (txns) into OUT.svg
  --budget STEPS             search steps allowed per key (registers) or per cycle search (txns) before the verdict is unknown
  --time-limit S             wall-clock seconds allowed for the whole check
Exit status: 0 valid, 1 invalid, 2 unknown or error.
`;

type WorkloadChoice = 'lin-kv' | TxnWorkload;
/** Our two text formats, and Jepsen's history.edn. */
type FileFormat = HistoryFormat | 'edn';
const FORMATS: readonly FileFormat[] = ['jsonl', 'edn', 'jepsen'];
/** The files of a run directory that hold its history, in the order they are looked for. */
const RUN_HISTORY_FILES = ['history.jsonl', 'history.edn'];
const WORKLOADS: readonly WorkloadChoice[] = ['lin-kv', 'txn-list-append', 'txn-rw-register'];

interface CheckCommandOptions {
  readonly file: string;
  readonly format: FileFormat | undefined;
  readonly workload: WorkloadChoice | undefined;
  /** Undefined: not given (strict-serializable for txns). */
  readonly models: readonly ConsistencyModel[] | undefined;
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
  const loaded = await loadHistory(parsed.options, io);
  if (loaded === undefined) return EXIT_UNKNOWN_OR_ERROR;
  const { events, format, startedAt } = loaded;
  const options = { ...parsed.options, file: loaded.file };
  const isTxnHistory = options.workload === undefined ? events.some((event) => isClientEvent(event) && event.f === 'txn') : options.workload !== 'lin-kv';
  if (isTxnHistory) return checkTxnFile(events, options, format, startedAt, io);
  if (options.models !== undefined) {
    io.stderr(`raftkv-test check: --consistency-models applies to txn histories; ${options.file} is a register history (checked for linearizability)\n`);
    return EXIT_UNKNOWN_OR_ERROR;
  }
  const checkOptions: CheckOptions = {
    now: () => performance.now(),
    ...(options.budgetSteps === undefined ? {} : { maxStepsPerKey: options.budgetSteps }),
    ...(options.timeLimitSeconds === undefined ? {} : { timeLimitMs: options.timeLimitSeconds * 1000 }),
  };
  const checked = checkHistory(events, checkOptions);
  const elapsedMs = performance.now() - startedAt;
  if (!checked.ok) {
    io.stderr(`raftkv-test check: ${options.file}: ${checked.error}\n`);
    return EXIT_UNKNOWN_OR_ERROR;
  }
  const result = checked.value;

  const invalidKeys = result.keys.filter((key) => key.verdict === 'invalid');
  const svgWritten = await writeSvg(options.svgPath, invalidKeys.length > 0 ? () => renderTimelinesSvg(invalidKeys) : undefined, io);
  if (svgWritten === false) return EXIT_UNKNOWN_OR_ERROR;

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

/** The txn path: workload from the micro-ops unless given, verdict per model, the worst anomaly drawn. */
async function checkTxnFile(
  events: readonly HistoryEvent[],
  options: CheckCommandOptions,
  format: FileFormat | undefined,
  startedAt: number,
  io: CommandIo,
): Promise<number> {
  const workload = options.workload === 'txn-list-append' || options.workload === 'txn-rw-register' ? ok(options.workload) : txnWorkloadOf(events);
  if (!workload.ok) {
    io.stderr(`raftkv-test check: ${options.file}: ${workload.error}; give -w txn-list-append or -w txn-rw-register\n`);
    return EXIT_UNKNOWN_OR_ERROR;
  }
  const txnWorkload = workload.value;
  const models = options.models ?? ['strict-serializable'];
  const checkOptions: TxnCheckOptions = {
    workload: txnWorkload,
    models,
    now: () => performance.now(),
    ...(options.budgetSteps === undefined ? {} : { cycleStepBudget: options.budgetSteps }),
    ...(options.timeLimitSeconds === undefined ? {} : { timeLimitMs: options.timeLimitSeconds * 1000 }),
  };
  const checked = checkTxnHistory(events, checkOptions);
  const elapsedMs = performance.now() - startedAt;
  if (!checked.ok) {
    io.stderr(`raftkv-test check: ${options.file}: ${checked.error}\n`);
    return EXIT_UNKNOWN_OR_ERROR;
  }
  const result = checked.value;

  const anomaly = firstAnomaly(result);
  const svgWritten = await writeSvg(options.svgPath, anomaly === undefined ? undefined : () => renderAnomalySvg(anomaly, result.txns), io);
  if (svgWritten === false) return EXIT_UNKNOWN_OR_ERROR;

  if (options.json) {
    const document = { file: options.file, format: format ?? null, workload: txnWorkload, elapsedMs, svg: svgWritten, ...txnResultsJson(result) };
    io.stdout(`${JSON.stringify(document)}\n`);
  } else {
    io.stdout(
      `history: ${options.file} (${format ?? 'unknown format'}, ${txnWorkload}; models: ${models.join(', ')})\n${formatTxnSummary(result, { moreReportsIn: 'the --json output' })}\n`,
    );
    if (options.svgPath !== undefined) {
      io.stdout(svgWritten === null ? 'anomaly picture: no anomaly, nothing drawn\n' : `anomaly picture: ${svgWritten} (${anomaly?.name})\n`);
    }
    io.stdout(`checked in ${elapsedMs.toFixed(1)} ms\n`);
  }
  return result.verdict === 'valid' ? EXIT_VALID : result.verdict === 'invalid' ? EXIT_INVALID : EXIT_UNKNOWN_OR_ERROR;
}

/**
 * The history of `options.file` (a run directory: its history.jsonl, else its history.edn),
 * read and parsed; undefined after saying on stderr why it cannot be had. The clock starts
 * once the text is read, as the check's timing always has.
 */
async function loadHistory(
  options: CheckCommandOptions,
  io: CommandIo,
): Promise<{ readonly file: string; readonly events: HistoryEvent[]; readonly format: FileFormat | undefined; readonly startedAt: number } | undefined> {
  let file = options.file;
  let text: string;
  try {
    if ((await stat(file)).isDirectory()) {
      const found = await firstExisting(RUN_HISTORY_FILES.map((name) => join(options.file, name)));
      if (found === undefined) {
        io.stderr(`raftkv-test check: ${options.file} is a directory with neither ${RUN_HISTORY_FILES.join(' nor ')} in it\n`);
        return undefined;
      }
      file = found;
    }
    text = await readFile(file, 'utf8');
  } catch (error) {
    io.stderr(`raftkv-test check: cannot read ${file}: ${(error as Error).message}\n`);
    return undefined;
  }
  if (text.trim() === '') {
    io.stderr(`raftkv-test check: ${file} is empty: there is no history to check\n`);
    return undefined;
  }
  const startedAt = performance.now();
  const format = options.format ?? detectFileFormat(file, text);
  if (format === undefined) {
    io.stderr(`raftkv-test check: ${file}: cannot tell the format: not JSON lines, not Jepsen's history.edn, not a Jepsen log (try --format)\n`);
    return undefined;
  }
  const events = format === 'edn' ? parseJepsenHistory(text) : parseHistory(text, format);
  if (!events.ok) {
    // history.edn's faults have a column too.
    const { line, message } = events.error;
    const column = 'column' in events.error ? `:${events.error.column}` : '';
    const asFormat = options.format === undefined ? '' : ` (read as --format ${options.format})`;
    io.stderr(`raftkv-test check: ${line > 0 ? `${file}:${line}${column}` : file}${asFormat}: ${message}\n`);
    return undefined;
  }
  return { file, events: events.value, format, startedAt };
}

/** A .edn file is EDN; anything else by content: JSON lines, a Jepsen log, or EDN. */
function detectFileFormat(file: string, text: string): FileFormat | undefined {
  if (file.endsWith('.edn')) return 'edn';
  return detectFormat(text) ?? (looksLikeEdnHistory(text) ? 'edn' : undefined);
}

async function firstExisting(paths: readonly string[]): Promise<string | undefined> {
  for (const path of paths) {
    try {
      if ((await stat(path)).isFile()) return path;
    } catch {
      // Not there: try the next.
    }
  }
  return undefined;
}

/**
 * Writes the picture `render` draws to `path` (--svg); null when not asked for or nothing to
 * draw, false (after saying why on stderr) when the file cannot be written.
 */
async function writeSvg(path: string | undefined, render: (() => string) | undefined, io: CommandIo): Promise<string | null | false> {
  if (path === undefined || render === undefined) return null;
  try {
    await writeFile(path, render());
    return path;
  } catch (error) {
    io.stderr(`raftkv-test check: cannot write ${path}: ${(error as Error).message}\n`);
    return false;
  }
}

/**
 * The workload of a txn history by its micro-ops: appends make it list-append, w rw-register;
 * with no write at all, what the reads returned (lists or integers). Both kinds: a message.
 */
function txnWorkloadOf(events: readonly HistoryEvent[]): Result<TxnWorkload, string> {
  let appends = false;
  let writes = false;
  let listReads = false;
  let valueReads = false;
  for (const event of events) {
    if (!isClientEvent(event) || event.f !== 'txn' || !Array.isArray(event.value)) continue;
    for (const op of event.value) {
      if (!Array.isArray(op)) continue;
      const [f, , value] = op;
      if (f === 'append') appends = true;
      else if (f === 'w') writes = true;
      else if (f === 'r' && Array.isArray(value)) listReads = true;
      else if (f === 'r' && typeof value === 'number') valueReads = true;
    }
  }
  if (appends && writes) return err('both "append" and "w" micro-ops: not one workload');
  if (appends || (listReads && !writes && !valueReads)) return ok('txn-list-append');
  if (writes || (valueReads && !listReads)) return ok('txn-rw-register');
  return err('cannot tell the workload: no write, and no read that returned a list or a value');
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
  let format: FileFormat | undefined;
  let workload: WorkloadChoice | undefined;
  let models: ConsistencyModel[] | undefined;
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
        if (!(FORMATS as readonly (string | undefined)[]).includes(given)) return { kind: 'error', message: `--format must be one of ${FORMATS.join(', ')}` };
        format = given as FileFormat;
        break;
      }
      case '-w':
      case '--workload': {
        const given = value();
        if (!(WORKLOADS as readonly (string | undefined)[]).includes(given)) return { kind: 'error', message: `${arg} must be one of ${WORKLOADS.join(', ')}` };
        workload = given as WorkloadChoice;
        break;
      }
      case '--consistency-models': {
        // Maelstrom's form: names separated by commas and/or spaces.
        const names = (value() ?? '').split(/[\s,]+/).filter((name) => name !== '');
        const unknown = names.filter((name) => !isConsistencyModel(name));
        if (names.length === 0 || unknown.length > 0) {
          return {
            kind: 'error',
            message: `--consistency-models takes names from ${CONSISTENCY_MODELS.join(', ')}${unknown.length > 0 ? ` (not ${unknown.join(', ')})` : ''}`,
          };
        }
        models = [...new Set(names as ConsistencyModel[])];
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
  return { kind: 'run', options: { file, format, workload, models, json, svgPath, budgetSteps, timeLimitSeconds } };
}
