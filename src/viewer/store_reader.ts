// Every file read of the viewer: finds the runs, benches and studies in the store and gathers what
// each page shows. It never reads outside the store: each path is resolved to its real path and
// refused unless under the store's, and opened without following a link swapped in since. Every
// read is bounded: walks (directories, depth), listings (entries), files (bytes), the cache.

import { constants, type Dirent } from 'node:fs';
import { open, opendir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { err, ok, type Result } from '../base/result.js';
import { shellQuote } from '../base/shell.js';
import { benchSummary, contentionSummary, field, incompleteRunSummary, newestFirst, testRunSummary, type EntryKind, type EntrySummary } from './entries.js';
import type { AnomalyView, BenchPageData, ContentionPageData, NestedEntries, NodeLogView, ShownText, TestRunPageData } from './pages.js';
import { isInside } from './request_path.js';
import { explanationBlocks, explanationsByAnomaly, groupRunFiles, type DirItem } from './run_files.js';

export const LIMITS = {
  /** Directories a walk for runs looks into before it stops (and says so). */
  walkDirs: 20_000,
  /** How deep under its start a walk looks: a bench's runs sit 2 down, a study's 6. */
  walkDepth: 8,
  /** Entries of one directory looked at by a walk or a listing. */
  dirEntries: 2_000,
  /** results.json, bench.json, contention.json: larger ones are not parsed. */
  jsonBytes: 16 * 1024 * 1024,
  /** summary.txt and contention.md: their first bytes. */
  textBytes: 256 * 1024,
  /** explanations.txt: its first bytes. */
  explanationBytes: 1024 * 1024,
  /** Each node log: its last bytes. */
  logTailBytes: 32 * 1024,
  logsShown: 16,
  explanationsPerAnomaly: 3,
  otherExplanations: 10,
  /** Summaries kept between requests (keyed by the marker file's path, size and time). */
  cachedSummaries: 5_000,
};

export type Resolved =
  | { readonly ok: true; readonly real: string; readonly isDirectory: boolean; readonly isFile: boolean }
  | { readonly ok: false; readonly status: 403 | 404; readonly message: string };

/** What a walk needs of a directory (StoreReader.scanDir). */
interface DirScan {
  readonly files: ReadonlySet<string>;
  readonly dirs: string[];
  /** It holds more than LIMITS.dirEntries entries: only the first were looked at. */
  readonly more: boolean;
}

interface Marker {
  readonly kind: EntryKind;
  readonly file: string;
}

/** Which kind of entry a directory holding `names` is, by the file that marks it, most specific first. */
function markerOf(names: ReadonlySet<string>): Marker | null {
  if (names.has('results.json')) return { kind: 'test', file: 'results.json' };
  if (names.has('contention.md')) return { kind: 'contention', file: names.has('contention.json') ? 'contention.json' : 'contention.md' };
  if (names.has('bench.json')) return { kind: 'bench', file: 'bench.json' };
  if (names.has('history.jsonl')) return { kind: 'incomplete', file: 'history.jsonl' };
  return null;
}

function naturalOrder(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** The `code` of a Node.js system error (ENOENT, EADDRINUSE, ...), if it has one. */
export function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}

/** A shell command line for a stored argv, or null when it is not a list of words. */
function shellLine(argv: unknown): string | null {
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((word) => typeof word === 'string')) return null;
  return shellQuote(argv);
}

export class StoreReader {
  private readonly summaries = new Map<string, EntrySummary>();

  private constructor(
    /** The store's real path. */
    readonly root: string,
  ) {}

  /** The store at `dir`, which must be a directory. */
  static async open(dir: string): Promise<Result<StoreReader, string>> {
    try {
      const real = await realpath(dir);
      if (!(await stat(real)).isDirectory()) return err(`${dir} is not a directory`);
      return ok(new StoreReader(real));
    } catch (error) {
      return err(errorCode(error) === 'ENOENT' ? `there is no directory ${dir}` : `cannot read ${dir}: ${String(error)}`);
    }
  }

  /** The real path under the store that `segments` name, or why not: 404 missing, 403 outside the store. */
  async resolve(segments: readonly string[]): Promise<Resolved> {
    const real = await this.realInside(join(this.root, ...segments));
    if (real === 'missing') return { ok: false, status: 404, message: `nothing at ${segments.join('/') || '/'} in the store` };
    if (real === 'outside') return { ok: false, status: 403, message: `${segments.join('/')} leads outside the store: refused` };
    const info = await stat(real).catch(() => null);
    // Gone between the two calls: as missing as if it had never been there.
    if (info === null) return { ok: false, status: 404, message: `nothing at ${segments.join('/')} in the store` };
    return { ok: true, real, isDirectory: info.isDirectory(), isFile: info.isFile() };
  }

  private async realInside(path: string): Promise<string | 'missing' | 'outside'> {
    let real: string;
    try {
      real = await realpath(path);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'ENAMETOOLONG') return 'missing';
      throw error;
    }
    return isInside(this.root, real) ? real : 'outside';
  }

  /** Up to LIMITS.dirEntries entries of a directory (a real path inside the store), in natural order. */
  async listDir(real: string): Promise<{ items: DirItem[]; truncated: boolean }> {
    const items: DirItem[] = [];
    let truncated = false;
    const dir = await opendir(real);
    try {
      for await (const dirent of dir) {
        if (items.length >= LIMITS.dirEntries) {
          truncated = true;
          break;
        }
        items.push(await this.itemOf(real, dirent));
      }
    } finally {
      await dir.close().catch(() => undefined);
    }
    items.sort((a, b) => naturalOrder(a.name, b.name));
    return { items, truncated };
  }

  private async itemOf(dirReal: string, dirent: Dirent): Promise<DirItem> {
    if (dirent.isDirectory()) return { name: dirent.name, kind: 'dir', size: 0 };
    if (dirent.isSymbolicLink()) return { name: dirent.name, kind: 'link', size: 0 };
    if (!dirent.isFile()) return { name: dirent.name, kind: 'other', size: 0 };
    const size = await stat(join(dirReal, dirent.name)).then(
      (info) => info.size,
      () => 0,
    );
    return { name: dirent.name, kind: 'file', size };
  }

  /** The kind of entry the directory `real` is, or null. */
  async entryKindOf(real: string): Promise<EntryKind | null> {
    return markerOf((await this.scanDir(real)).files)?.kind ?? null;
  }

  /**
   * Among the first LIMITS.dirEntries entries of a directory: the names of its regular files and
   * of its subdirectories (not hidden ones; symbolic links are not followed), and whether it holds more.
   */
  private async scanDir(real: string): Promise<DirScan> {
    const files = new Set<string>();
    const dirs: string[] = [];
    const dir = await opendir(real);
    let seen = 0;
    try {
      for await (const dirent of dir) {
        if (++seen > LIMITS.dirEntries) return { files, dirs, more: true };
        if (dirent.isFile()) files.add(dirent.name);
        else if (dirent.isDirectory() && !dirent.name.startsWith('.')) dirs.push(dirent.name);
      }
    } finally {
      await dir.close().catch(() => undefined);
    }
    return { files, dirs, more: false };
  }

  /** The entry at `real` (named by `segments`), or null when the directory is none. */
  async entryAt(real: string, segments: readonly string[]): Promise<EntrySummary | null> {
    const marker = markerOf((await this.scanDir(real)).files);
    return marker === null ? null : this.summarize(real, segments, marker);
  }

  private async summarize(real: string, segments: readonly string[], marker: Marker): Promise<EntrySummary> {
    const path = join(real, marker.file);
    const info = await stat(path).catch(() => null);
    const modifiedAt = info === null ? '1970-01-01T00:00:00.000Z' : info.mtime.toISOString();
    const key = `${segments.join('/')}|${info?.size}|${info?.mtimeMs}`;
    const cached = this.summaries.get(key);
    if (cached !== undefined) return cached;
    let summary: EntrySummary;
    if (marker.kind === 'incomplete') summary = incompleteRunSummary(segments, modifiedAt);
    else if (marker.file === 'contention.md') summary = contentionSummary(segments, undefined, modifiedAt);
    else {
      const parsed = await this.readJson(path, marker.file);
      const problem = parsed.ok ? undefined : parsed.error;
      const json = parsed.ok ? parsed.value : undefined;
      summary =
        marker.kind === 'test'
          ? testRunSummary(segments, json, modifiedAt, problem)
          : marker.kind === 'bench'
            ? benchSummary(segments, json, modifiedAt, problem)
            : contentionSummary(segments, json, modifiedAt, problem);
    }
    // A plain bound: when full, start over rather than track use.
    if (this.summaries.size >= LIMITS.cachedSummaries) this.summaries.clear();
    this.summaries.set(key, summary);
    return summary;
  }

  private async readJson(path: string, name: string): Promise<Result<unknown, string>> {
    const shown = await this.readHead(path, LIMITS.jsonBytes);
    if (shown === null) return err(`${name} could not be read`);
    if (shown.truncated) return err(`${name} is larger than ${LIMITS.jsonBytes / 1024 / 1024} MiB: not read`);
    try {
      return ok(JSON.parse(shown.text) as unknown);
    } catch (error) {
      return err(`${name} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /**
   * The entries under `real` (named by `segments`): a walk that stops at each entry, so nested
   * runs stay with their bench. With `self`, the directory itself is not taken as an entry.
   */
  async findEntries(real: string, segments: readonly string[], self: 'include' | 'skip' = 'include'): Promise<NestedEntries> {
    const found: EntrySummary[] = [];
    const queue: { real: string; segments: readonly string[]; depth: number }[] = [{ real, segments, depth: 0 }];
    let visited = 0;
    let note: string | undefined;
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      visited++;
      let scanned: DirScan;
      try {
        scanned = await this.scanDir(next.real);
      } catch {
        continue; // removed or unreadable since its parent was listed
      }
      if (scanned.more) note = `a directory holds more than ${LIMITS.dirEntries} entries: only the first were looked at`;
      const marker = next.depth === 0 && self === 'skip' ? null : markerOf(scanned.files);
      if (marker !== null) {
        found.push(await this.summarize(next.real, next.segments, marker));
        continue;
      }
      if (next.depth >= LIMITS.walkDepth) continue;
      // Symbolic links are not followed: store/latest points at a run listed anyway, and a link may lead out.
      for (const child of scanned.dirs.sort(naturalOrder)) {
        // No more is queued than the walk will visit, so the queue stays within the bound too.
        if (visited + queue.length >= LIMITS.walkDirs) {
          note = `stopped looking after ${LIMITS.walkDirs} directories: some runs may be missing from this list`;
          break;
        }
        queue.push({ real: join(next.real, child), segments: [...next.segments, child], depth: next.depth + 1 });
      }
    }
    return { entries: newestFirst(found), note };
  }

  /** The first `maxBytes` of a file inside the store, or null when it is missing, outside or not a file. */
  async readHead(path: string, maxBytes: number): Promise<ShownText | null> {
    return this.readPart(path, maxBytes, 'head');
  }

  /** The last `maxBytes` of a file inside the store, from the first whole line in them. */
  async readTail(path: string, maxBytes: number): Promise<ShownText | null> {
    return this.readPart(path, maxBytes, 'tail');
  }

  private async readPart(path: string, maxBytes: number, part: 'head' | 'tail'): Promise<ShownText | null> {
    const real = await this.realInside(path);
    if (real === 'missing' || real === 'outside') return null;
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch {
      return null;
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) return null;
      const length = Math.min(info.size, maxBytes);
      const start = part === 'head' ? 0 : info.size - length;
      const buffer = Buffer.alloc(length);
      let read = 0;
      // Each read returns at least one byte until the end: at most `length` iterations, usually one.
      while (read < length) {
        const { bytesRead } = await handle.read(buffer, read, length - read, start + read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
      let text = buffer.subarray(0, read).toString('utf8');
      const truncated = info.size > read;
      if (part === 'tail' && truncated) text = text.slice(text.indexOf('\n') + 1);
      return { text, size: info.size, truncated };
    } finally {
      await handle.close();
    }
  }

  /** A file inside the store opened for streaming, or why not; the caller closes it. */
  async openFile(real: string): Promise<Awaited<ReturnType<typeof open>>> {
    return open(real, constants.O_RDONLY | constants.O_NOFOLLOW);
  }

  async testRunPage(entry: EntrySummary, real: string): Promise<TestRunPageData> {
    const { items, truncated } = await this.listDir(real);
    const groups = groupRunFiles(items);
    const results = await this.readJson(join(real, 'results.json'), 'results.json');
    const json = results.ok ? results.value : undefined;
    const why = (Array.isArray(field(json, 'why')) ? (field(json, 'why') as unknown[]) : []).flatMap((reason) => {
      const text = field(reason, 'reason');
      const check = field(reason, 'check');
      return typeof text === 'string' ? [typeof check === 'string' ? `${check}: ${text}` : text] : [];
    });
    const explanations = items.some((item) => item.name === 'explanations.txt' && item.kind === 'file')
      ? await this.readHead(join(real, 'explanations.txt'), LIMITS.explanationBytes)
      : null;
    const blocks = explanations === null ? [] : explanationBlocks(explanations.text);
    const { byName, others } = explanationsByAnomaly(
      blocks,
      groups.anomalies.map((anomaly) => anomaly.name),
    );
    const anomalies: AnomalyView[] = groups.anomalies.map(({ name, file }) => {
      const all = byName.get(name) ?? [];
      const count = field(json, 'workload', 'anomaly-counts', name);
      return {
        name,
        file,
        count: typeof count === 'number' ? count : null,
        explanations: all.slice(0, LIMITS.explanationsPerAnomaly),
        more: Math.max(0, all.length - LIMITS.explanationsPerAnomaly),
      };
    });
    return {
      entry,
      command: shellLine(field(json, 'test', 'command')),
      why,
      summary: await this.readHead(join(real, 'summary.txt'), LIMITS.textBytes),
      plots: groups.plots,
      anomalies,
      otherExplanations: others.slice(0, LIMITS.otherExplanations),
      moreOtherExplanations: Math.max(0, others.length - LIMITS.otherExplanations),
      explanationsCut: explanations?.truncated ?? false,
      pages: groups.pages,
      ...(await this.nodeLogs(real)),
      files: items,
      filesTruncated: truncated,
    };
  }

  private async nodeLogs(real: string): Promise<{ nodeLogs: NodeLogView[]; moreNodeLogs: number }> {
    const logsDir = await this.realInside(join(real, 'node-logs'));
    if (logsDir === 'missing' || logsDir === 'outside') return { nodeLogs: [], moreNodeLogs: 0 };
    if (!(await stat(logsDir)).isDirectory()) return { nodeLogs: [], moreNodeLogs: 0 };
    const logs = (await this.listDir(logsDir)).items.filter((item) => item.kind === 'file');
    const nodeLogs: NodeLogView[] = [];
    for (const log of logs.slice(0, LIMITS.logsShown)) {
      const tail = await this.readTail(join(logsDir, log.name), LIMITS.logTailBytes);
      if (tail !== null) nodeLogs.push({ name: log.name, tail });
    }
    return { nodeLogs, moreNodeLogs: Math.max(0, logs.length - LIMITS.logsShown) };
  }

  async benchPage(entry: EntrySummary, real: string): Promise<BenchPageData> {
    const { items, truncated } = await this.listDir(real);
    const bench = await this.readJson(join(real, 'bench.json'), 'bench.json');
    return {
      entry,
      command: shellLine(bench.ok ? field(bench.value, 'command') : undefined),
      hasReport: items.some((item) => item.name === 'report.html' && item.kind === 'file'),
      nested: await this.findEntries(real, entry.segments, 'skip'),
      files: items,
      filesTruncated: truncated,
    };
  }

  async contentionPage(entry: EntrySummary, real: string): Promise<ContentionPageData> {
    const { items, truncated } = await this.listDir(real);
    return {
      entry,
      markdown: await this.readHead(join(real, 'contention.md'), LIMITS.textBytes),
      plots: groupRunFiles(items).plots,
      nested: await this.findEntries(real, entry.segments, 'skip'),
      files: items,
      filesTruncated: truncated,
    };
  }
}
