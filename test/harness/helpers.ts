// Shared by the harness's end-to-end tests: run a test with the harness's own runTest in a
// fresh temporary directory, print its seed and verdict, and tell whether a pid still runs.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestOptions, type TestOptions } from '../../src/harness/options.js';
import { runTest, type RunHooks, type TestResult } from '../../src/harness/run_test.js';
import { REPO_ROOT } from '../support/node_process.js';

export const NODES_DIR = join(REPO_ROOT, 'test', 'nodes');
export const LOCAL_KV = join(REPO_ROOT, 'dist', 'local-kv.mjs');

const outRoots: string[] = [];

export function requireLocalKv(): void {
  if (!existsSync(LOCAL_KV)) throw new Error(`${LOCAL_KV} is missing: run "npm run build" first (npm test does)`);
}

export async function harnessRun(
  name: string,
  given: Partial<Omit<TestOptions, 'concurrency'>> & { readonly bin: string; readonly concurrency?: number | string },
  hooks: RunHooks = {},
): Promise<TestResult> {
  const outRoot = mkdtempSync(join(tmpdir(), 'raftkv-harness-test-'));
  outRoots.push(outRoot);
  const made = makeTestOptions({ outDir: join(outRoot, 'out'), progressIntervalS: 0, ...given });
  if (!made.ok) throw new Error(made.error);
  const logs: string[] = [];
  const result = await runTest(made.value, { log: (line) => logs.push(line), progress: () => {}, ...hooks });
  // The seed and the verdict of every run, so a failure can be replayed.
  console.log(`[${name}] seed ${made.value.seed}: ${String(result.valid)} (${result.outDir})`);
  return result;
}

/** Removes every output directory made by harnessRun (unless KEEP_HARNESS_OUT is set). */
export function cleanOutDirs(): void {
  if (process.env['KEEP_HARNESS_OUT'] !== undefined) return;
  for (const dir of outRoots.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** True when the pid is a live process (a zombie that nobody reaped counts as gone). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return existsSync(`/proc/${pid}`);
  }
}

export function readJsonLines(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
