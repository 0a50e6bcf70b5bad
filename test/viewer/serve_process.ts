// Starts `bin/raftkv-test serve` for a test and stops it: every wait has a timeout, and
// stopAllServes() kills whatever is still running (for afterEach/afterAll).

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, withTimeout } from '../support/node_process.js';

export const RAFTKV_TEST_BIN = join(REPO_ROOT, 'bin', 'raftkv-test');

const running = new Set<ChildProcess>();

export interface ServeProcess {
  readonly child: ChildProcess;
  /** The URL it printed, ending in "/". */
  readonly url: string;
  readonly stderr: () => string;
  /** Its exit status, once it exits. */
  readonly exit: Promise<number | null>;
  /** SIGTERM, then SIGKILL if it has not exited within 10 s; its exit status. */
  stop(): Promise<number | null>;
}

/** Starts `serve ARGS` (in `cwd`) and waits, at most 10 s, for the line with its URL. */
export async function startServe(args: readonly string[], cwd?: string): Promise<ServeProcess> {
  const child = spawn(RAFTKV_TEST_BIN, ['serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...(cwd === undefined ? {} : { cwd }) });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const exit = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  const printed = new Promise<string>((resolve, reject) => {
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      const match = /(http:\/\/\S+\/) /.exec(stdout);
      if (match !== null) resolve(match[1] as string);
    });
    void exit.then((code) => reject(new Error(`serve exited with ${code} before printing its URL; stderr: ${stderr}`)));
  });
  const url = await withTimeout(printed, 10_000, 'serve printing its URL').catch((error: unknown) => {
    child.kill('SIGKILL');
    // What it printed by now, not when the wait began.
    throw new Error(`${error instanceof Error ? error.message : String(error)} (stdout: ${stdout}; stderr: ${stderr})`);
  });
  const stop = async (): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return exit;
    child.kill('SIGTERM');
    return withTimeout(exit, 10_000, 'serve stopping on SIGTERM').catch(() => {
      child.kill('SIGKILL');
      return exit;
    });
  };
  return { child, url, stderr: () => stderr, exit, stop };
}

export function stopAllServes(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}
