// Spawns a node binary for end-to-end tests and reads its stdout as messages. Every wait has a
// timeout, and stopAll() kills whatever a test started.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const RAFTKV_BIN = `${REPO_ROOT}bin/raftkv`;

export interface Envelope {
  src: string;
  dest: string;
  body: Record<string, unknown>;
}

const running = new Set<NodeProcess>();

export function requireBuilt(bundle: string): void {
  if (!existsSync(`${REPO_ROOT}${bundle}`)) {
    throw new Error(`${bundle} is missing: run "npm run build" first (npm test does)`);
  }
}

export class NodeProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly stderr: string[] = [];
  private readonly received: Envelope[] = [];
  private readonly waiters: Array<() => void> = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  /** `onLine`: every stdout line goes there, as written, instead of to next() (for tests that route lines). */
  constructor(command: string, args: readonly string[] = [], options: { cwd?: string; env?: NodeJS.ProcessEnv; onLine?: (line: string) => void } = {}) {
    this.child = spawn(command, args, { cwd: options.cwd ?? '/', env: options.env ?? process.env, stdio: 'pipe' });
    running.add(this);
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        running.delete(this);
        resolve({ code, signal });
      });
    });
    const { onLine } = options;
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      if (onLine !== undefined) {
        onLine(line);
        return;
      }
      this.received.push(JSON.parse(line) as Envelope);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.child.stderr.setEncoding('utf8').on('data', (text: string) => this.stderr.push(text));
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  send(value: unknown): void {
    this.child.stdin.write(typeof value === 'string' ? `${value}\n` : `${JSON.stringify(value)}\n`);
  }

  /** The next message on stdout, in order; fails after timeoutMs. */
  async next(timeoutMs = 5_000): Promise<Envelope> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length === 0) {
      const remaining = deadline - Date.now();
      if (remaining <= 0 || !this.alive) throw new Error(`no message within ${timeoutMs} ms; stderr:\n${this.stderr.join('')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.received.shift() as Envelope;
  }

  kill(): void {
    if (this.alive) this.child.kill('SIGKILL');
  }
}

export async function stopAll(): Promise<void> {
  const all = [...running];
  for (const node of all) node.kill();
  await Promise.all(all.map((node) => node.exited));
}

export async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
