// Nodes that fail at start-up (a bad option, a crash or an exit before init_ok): the run never
// reached its operations, so this is a harness error (verdict unknown), not a crash of the
// system under test. What the user needs is the node's own error line, picked out of its
// stderr (which often goes on with a long usage text), and where the whole log is. Pure.

import { abbreviate } from './envelope.js';

export interface StartupFailure {
  readonly node: string;
  /** How it ended: an exit before init_ok, or a process that could not be started at all. */
  readonly exit: { readonly code: number | null; readonly signal: string | null } | { readonly spawnError: string };
  /** What the node wrote on stderr during this start (bounded by the caller). */
  readonly stderr: string;
  readonly logPath: string;
}

/** A line that names an exception, as Node.js, Java or Python print one: `TypeError: ...`. */
const EXCEPTION_LINE = /^\s*(?:Uncaught\s+)?[\w.$]*(?:Error|Exception)(?:\s*\[[^\]]*\])?:\s*\S/;
/** A line that reads like an error message. Source lines quoted in a stack trace are skipped. */
const ERROR_WORDS = /\b(?:error|fatal|panic|failed|cannot|can't|unknown|invalid|must|missing|not found|no such|refus\w*|denied)\b/i;
const SOURCE_LINE = /^\s*(?:at\s|throw\b|\^+\s*$)/;

/**
 * The line of a node's stderr that says what went wrong: an exception's message line, else the
 * first line that reads like an error, else the first line. undefined when stderr is empty.
 */
export function startupErrorLine(stderr: string): string | undefined {
  const lines = stderr
    .split('\n')
    .map((line) => line.replace(/\r$/, '').trimEnd())
    .filter((line) => line.trim() !== '');
  const chosen = lines.find((line) => EXCEPTION_LINE.test(line)) ?? lines.find((line) => ERROR_WORDS.test(line) && !SOURCE_LINE.test(line)) ?? lines[0];
  return chosen === undefined ? undefined : abbreviate(chosen.trim());
}

function howItEnded(failure: StartupFailure): string {
  const exit = failure.exit;
  if ('spawnError' in exit) return 'no process was started';
  const how = exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code ?? '-'}`;
  return `it ${how} before answering init`;
}

function headline(failure: StartupFailure): string {
  if ('spawnError' in failure.exit) return `cannot run the node binary: ${failure.exit.spawnError}`;
  return startupErrorLine(failure.stderr) ?? 'it wrote nothing on stderr';
}

/**
 * One line per distinct failure, first node in full, the others that failed the same way
 * after it: `node n0 failed to start: <its error line> (it exited with code 2 before answering
 * init; its stderr is in <path>)`, then `nodes n1, n2 failed the same way (...)`.
 */
export function describeStartupFailures(failures: readonly StartupFailure[]): string[] {
  const groups = new Map<string, StartupFailure[]>();
  for (const failure of failures) {
    const key = `${headline(failure)}\n${howItEnded(failure)}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [failure]);
    else group.push(failure);
  }
  const lines: string[] = [];
  for (const [first, ...rest] of groups.values()) {
    if (first === undefined) continue;
    lines.push(`node ${first.node} failed to start: ${headline(first)} (${howItEnded(first)}; its stderr is in ${first.logPath})`);
    if (rest.length > 0) {
      lines.push(
        `node${rest.length === 1 ? '' : 's'} ${rest.map((failure) => failure.node).join(', ')} failed the same way (${rest.length === 1 ? 'its stderr is' : 'their stderr is each'} in the same directory)`,
      );
    }
  }
  return lines;
}
