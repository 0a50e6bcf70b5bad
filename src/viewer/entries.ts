// What the viewer knows of each thing in the store (a test run, a bench, a contention study, a
// run still being written) and the row the run list shows for it. Pure: parsed JSON in, rows out.
// Invariant: no file is trusted to have its shape: a missing field or one of another type shows
// as "-", and a verdict not known here is shown as written but coloured as unknown.

import { isJsonObject } from '../base/json.js';

export type EntryKind = 'test' | 'bench' | 'contention' | 'incomplete';

/** How a verdict is coloured: Maelstrom's three, and the harness's "did not recover". */
export type VerdictClass = 'valid' | 'invalid' | 'unknown' | 'not-recovered';

export interface Verdict {
  readonly cls: VerdictClass;
  /** The words shown: the verdict as the files say it. */
  readonly text: string;
}

/** The colours of the run list: green, red and orange as Maelstrom, purple for a cluster that did not recover. */
export const VERDICT_COLORS: { readonly [cls in VerdictClass]: string } = {
  valid: '#8fd19e',
  invalid: '#f28b82',
  unknown: '#ffb74d',
  'not-recovered': '#c5a3e6',
};

export interface EntrySummary {
  readonly kind: EntryKind;
  /** Directory names from the store down to the entry. */
  readonly segments: readonly string[];
  /** When it started (ISO 8601), or null when the files do not say. */
  readonly startedAt: string | null;
  /** When its marker file (results.json, bench.json, ...) was last written (ISO 8601). */
  readonly modifiedAt: string;
  /** For ordering, newest first: the start in ms since the epoch, else the marker file's modification time. */
  readonly sortMs: number;
  readonly workload: string;
  readonly nodes: string;
  readonly nemesis: string;
  readonly seed: string;
  readonly ops: string;
  readonly verdict: Verdict;
  /** Something the viewer could not read, shown with the entry. */
  readonly problem?: string;
}

type Json = unknown;

/** The value at `path` in parsed JSON, or undefined where the path leaves the objects. */
export function field(value: Json, ...path: string[]): Json {
  let at = value;
  for (const key of path) {
    if (!isJsonObject(at)) return undefined;
    at = at[key];
  }
  return at;
}

/** A scalar as the index shows it; anything else is "-". */
function shown(value: Json): string {
  if (typeof value === 'string') return value === '' ? '-' : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return '-';
}

function shownList(value: Json, empty: string): string {
  if (!Array.isArray(value)) return shown(value);
  if (value.length === 0) return empty;
  return value.map(shown).join(', ');
}

function sortMsOf(startedAt: string | null, modifiedAt: string): number {
  const ms = Date.parse(startedAt ?? modifiedAt);
  return Number.isFinite(ms) ? ms : 0;
}

function isoOrNull(value: Json): string | null {
  return typeof value === 'string' && Number.isFinite(Date.parse(value)) ? value : null;
}

const KNOWN_VERDICTS: { readonly [text: string]: VerdictClass } = {
  valid: 'valid',
  invalid: 'invalid',
  unknown: 'unknown',
  'not-recovered': 'not-recovered',
};

/**
 * A run's verdict from results.json: its `verdict` string when there is one (any word not known
 * here is unknown), else Jepsen's `valid` (true, false or "unknown"), as older files have it.
 */
export function verdictOf(results: Json): Verdict {
  const verdict = field(results, 'verdict');
  if (typeof verdict === 'string') {
    const cls = Object.hasOwn(KNOWN_VERDICTS, verdict) ? (KNOWN_VERDICTS[verdict] as VerdictClass) : 'unknown';
    return { cls, text: cls === 'not-recovered' ? 'did not recover' : verdict };
  }
  const valid = field(results, 'valid');
  if (valid === true) return { cls: 'valid', text: 'valid' };
  if (valid === false) return { cls: 'invalid', text: 'invalid' };
  return { cls: 'unknown', text: typeof valid === 'string' && valid !== '' ? valid : 'unknown' };
}

/** A test run's row, from its results.json (null when it could not be read, with the reason). */
export function testRunSummary(segments: readonly string[], results: Json, modifiedAt: string, problem?: string): EntrySummary {
  const test = field(results, 'test');
  const startedAt = isoOrNull(field(test, 'started-at'));
  return {
    kind: 'test',
    segments,
    startedAt,
    modifiedAt,
    sortMs: sortMsOf(startedAt, modifiedAt),
    workload: shown(field(test, 'workload')),
    nodes: shown(field(test, 'node-count')),
    nemesis: shownList(field(test, 'nemesis'), 'none'),
    seed: shown(field(test, 'seed')),
    ops: shown(field(results, 'stats', 'count')),
    verdict: problem === undefined ? verdictOf(results) : { cls: 'unknown', text: 'unreadable' },
    ...(problem === undefined ? {} : { problem }),
  };
}

/** A run directory with a history but no results.json: still running, or stopped before it wrote them. */
export function incompleteRunSummary(segments: readonly string[], modifiedAt: string): EntrySummary {
  return {
    kind: 'incomplete',
    segments,
    startedAt: null,
    modifiedAt,
    sortMs: sortMsOf(null, modifiedAt),
    workload: '-',
    nodes: '-',
    nemesis: '-',
    seed: '-',
    ops: '-',
    verdict: { cls: 'unknown', text: 'incomplete' },
    problem: 'no results.json: the run is still going, or stopped before writing its results',
  };
}

/** A bench's verdict from its exit code: 0 every run valid, 1 one invalid, else unknown. */
function benchVerdict(bench: Json): Verdict {
  const code = field(bench, 'exitCode');
  if (field(bench, 'interrupted') === true) return { cls: 'unknown', text: 'interrupted' };
  if (code === 0) return { cls: 'valid', text: 'valid' };
  if (code === 1) return { cls: 'invalid', text: 'invalid' };
  return { cls: 'unknown', text: 'unknown' };
}

/** The operations of `runs` (records with metrics.count, as bench.json and contention.json keep them), summed, or "-" when no run says. */
function opsOf(runs: readonly Json[]): string {
  const counts = runs.map((run) => field(run, 'metrics', 'count')).filter((count): count is number => typeof count === 'number' && Number.isFinite(count));
  return counts.length === 0 ? '-' : String(counts.reduce((sum, count) => sum + count, 0));
}

function asArray(value: Json): readonly Json[] {
  return Array.isArray(value) ? value : [];
}

export function benchSummary(segments: readonly string[], bench: Json, modifiedAt: string, problem?: string): EntrySummary {
  const startedAt = isoOrNull(field(bench, 'startedAt'));
  const workloads = field(bench, 'options', 'workloads');
  return {
    kind: 'bench',
    segments,
    startedAt,
    modifiedAt,
    sortMs: sortMsOf(startedAt, modifiedAt),
    workload: Array.isArray(workloads) ? shownList(workloads, '-') : 'lin-kv',
    nodes: shownList(field(bench, 'options', 'nodeCounts'), '-'),
    nemesis: 'none',
    seed: shown(field(bench, 'options', 'seed')),
    ops: opsOf([...asArray(field(bench, 'cells')), ...asArray(field(bench, 'ceiling'))].flatMap((cell) => asArray(field(cell, 'runs')))),
    verdict: problem === undefined ? benchVerdict(bench) : { cls: 'unknown', text: 'unreadable' },
    ...(problem === undefined ? {} : { problem }),
  };
}

/** A contention study: contention.json when it is there (its rows count valid and invalid runs), else only its contention.md. */
export function contentionSummary(segments: readonly string[], study: Json, modifiedAt: string, problem?: string): EntrySummary {
  const startedAt = isoOrNull(field(study, 'startedAt'));
  let runs = 0;
  let valid = 0;
  let invalid = 0;
  for (const row of asArray(field(study, 'rows'))) {
    const count = (name: string): number => {
      const value = field(row, name);
      return typeof value === 'number' && Number.isFinite(value) ? value : 0;
    };
    runs += count('runs');
    valid += count('valid');
    invalid += count('invalid');
  }
  const verdict: Verdict =
    problem !== undefined || study === undefined
      ? { cls: 'unknown', text: problem === undefined ? 'unknown' : 'unreadable' }
      : invalid > 0
        ? { cls: 'invalid', text: 'invalid' }
        : runs > 0 && valid === runs
          ? { cls: 'valid', text: 'valid' }
          : { cls: 'unknown', text: 'unknown' };
  return {
    kind: 'contention',
    segments,
    startedAt,
    modifiedAt,
    sortMs: sortMsOf(startedAt, modifiedAt),
    workload: 'txn contention study',
    nodes: shown(field(study, 'config', 'nodes')),
    nemesis: 'none',
    seed: shown(field(study, 'config', 'seed')),
    ops: opsOf(asArray(field(study, 'runs'))),
    verdict,
    ...(problem === undefined ? {} : { problem }),
  };
}

/** Newest first; entries started at the same moment by path, so the order is stable. */
export function newestFirst(entries: readonly EntrySummary[]): EntrySummary[] {
  return [...entries].sort((a, b) => b.sortMs - a.sortMs || a.segments.join('/').localeCompare(b.segments.join('/')));
}

export interface Page<T> {
  readonly rows: readonly T[];
  /** 1-based. */
  readonly page: number;
  readonly pageCount: number;
  readonly total: number;
}

/** Page `requested` (1-based, clamped into range) of `perPage` rows. */
export function pageOf<T>(rows: readonly T[], requested: number, perPage: number): Page<T> {
  const pageCount = Math.max(1, Math.ceil(rows.length / perPage));
  const page = Math.min(Math.max(1, Number.isFinite(requested) ? Math.floor(requested) : 1), pageCount);
  return { rows: rows.slice((page - 1) * perPage, page * perPage), page, pageCount, total: rows.length };
}
