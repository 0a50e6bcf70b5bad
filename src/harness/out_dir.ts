// A run's files: the node binary as Maelstrom resolves `--bin`, the results directory (and the
// store's `latest` links), the nodes' data directory (fresh for every run), excerpts of the
// nodes' logs, and history.jsonl, written in batches as the run goes. No decisions about the
// test itself. Invariant: a new run never finds an old run's data files.

import {
  accessSync,
  closeSync,
  constants,
  createWriteStream,
  existsSync,
  fstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  type WriteStream,
} from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { TestOptions } from './options.js';

/** Bytes of a node's stderr read to explain a failed start or a crash. */
export const LOG_EXCERPT_BYTES = 64 * 1024;

export interface ResolvedCommand {
  readonly command: string;
  readonly args: readonly string[];
}

/**
 * `--bin` as Maelstrom takes it: a file, resolved to its canonical path. A .js/.mjs/.cjs file
 * that is not executable is run with this Node.js, for convenience.
 */
export function resolveBin(bin: string, binArgs: readonly string[], cwd = process.cwd()): ResolvedCommand | string {
  const path = resolve(cwd, bin);
  if (!existsSync(path)) return `--bin ${bin}: no such file (${path})`;
  let canonical: string;
  try {
    canonical = realpathSync(path);
    if (!statSync(canonical).isFile()) return `--bin ${bin}: not a file`;
  } catch (error) {
    return `--bin ${bin}: ${(error as Error).message}`;
  }
  try {
    accessSync(canonical, constants.X_OK);
    return { command: canonical, args: binArgs };
  } catch {
    if (/\.(mjs|cjs|js)$/.test(canonical)) return { command: process.execPath, args: [canonical, ...binArgs] };
    return `--bin ${bin} is not executable: make it executable (chmod +x) with a shebang line, as Maelstrom runs it directly`;
  }
}

/** Maelstrom-style directory name: 20250102T030405.678+0100 (local time). */
export function timestampName(date: Date): string {
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  return (
    `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}T${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}` +
    `.${pad(date.getMilliseconds(), 3)}${sign}${pad(Math.floor(Math.abs(offset) / 60))}${pad(Math.abs(offset) % 60)}`
  );
}

function replaceSymlink(target: string, linkPath: string): void {
  try {
    unlinkSync(linkPath);
  } catch {
    // No previous link.
  }
  try {
    symlinkSync(target, linkPath);
  } catch {
    // Symlinks are a convenience; a file system without them loses only that.
  }
}

/**
 * Creates the output directory, and the store's `latest` links when it is the default one.
 * With `linkLatestForOut`, an explicit directory inside the store root also becomes
 * `<store>/latest` (so `check store/latest/history.jsonl` follows `--out store/demo`).
 */
export function prepareOutDir(options: TestOptions, now: Date, linkLatestForOut = false): string {
  if (options.outDir !== undefined) {
    const outDir = resolve(options.outDir);
    mkdirSync(outDir, { recursive: true });
    if (linkLatestForOut) linkStoreLatest(resolve(options.storeRoot), outDir);
    return outDir;
  }
  const store = resolve(options.storeRoot);
  const workloadDir = join(store, options.workload);
  mkdirSync(workloadDir, { recursive: true });
  let name = timestampName(now);
  for (let attempt = 1; existsSync(join(workloadDir, name)); attempt++) name = `${timestampName(now)}-${attempt}`;
  const outDir = join(workloadDir, name);
  mkdirSync(outDir);
  replaceSymlink(name, join(workloadDir, 'latest'));
  replaceSymlink(relative(store, outDir), join(store, 'latest'));
  return outDir;
}

/** Points `<store>/latest` at `outDir` when `outDir` lies strictly inside the store root. */
function linkStoreLatest(store: string, outDir: string): void {
  let inside: string;
  try {
    // Real paths: `--out store/latest` (the link itself) must not become a link to itself.
    inside = relative(realpathSync(store), realpathSync(outDir));
  } catch {
    return;
  }
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) return;
  replaceSymlink(inside, join(store, 'latest'));
}

/** The run's data directory: fresh, so a new run never finds an old run's files. */
export function prepareDataDir(options: TestOptions, outDir: string): string {
  if (options.dataDirRoot !== undefined) {
    const root = resolve(options.dataDirRoot);
    mkdirSync(root, { recursive: true });
    return mkdtempSync(join(root, `raftkv-data-${basename(outDir)}-`));
  }
  const dataDir = join(outDir, 'data');
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir);
  return dataDir;
}

/** At most `maxBytes` of a file from `offset`, or from its end when `fromEnd`; '' if unreadable. */
export function readLogExcerpt(path: string, offset: number, maxBytes: number, fromEnd: boolean): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    const start = fromEnd ? Math.max(offset, size - maxBytes) : offset;
    const length = Math.max(0, Math.min(maxBytes, size - start));
    const buffer = Buffer.alloc(length);
    const read = readSync(fd, buffer, 0, length, start);
    return buffer.subarray(0, read).toString('utf8');
  } catch {
    return '';
  } finally {
    closeSync(fd);
  }
}

export function logTail(path: string, lines: number): string {
  const text = readLogExcerpt(path, 0, LOG_EXCERPT_BYTES, true);
  if (text === '' && !existsSync(path)) return '(no log)';
  return text
    .split('\n')
    .slice(-lines - 1)
    .join('\n')
    .trimEnd();
}

export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** history.jsonl, written in batches: lines are queued as events are recorded and written on flush(). */
export class HistoryFile {
  private readonly stream: WriteStream;
  private buffer: string[] = [];

  constructor(path: string, onError: (message: string) => void) {
    this.stream = createWriteStream(path);
    this.stream.on('error', (error) => onError(`cannot write history.jsonl: ${error.message}`));
  }

  push(line: string): void {
    this.buffer.push(line);
  }

  flush(): void {
    if (this.buffer.length === 0) return;
    this.stream.write(this.buffer.join(''));
    this.buffer = [];
  }

  /** Writes what is queued and closes the file. */
  async close(): Promise<void> {
    this.flush();
    await new Promise<void>((resolveEnd) => this.stream.end(() => resolveEnd()));
  }
}
