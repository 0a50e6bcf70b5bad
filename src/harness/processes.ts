// The node processes of a test: spawning (cwd = the OS temp directory, as Maelstrom does;
// stderr straight into the node's log file), stdout split into lines, batched stdin writes,
// and signals. Every process is the leader of its own process group and is signalled as a
// group, so a wrapper script that forgot `exec` cannot leave its node behind. A module-wide
// registry SIGKILLs whatever is still alive when the harness process exits, however it exits.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';

const live = new Set<number>();
let exitHookInstalled = false;

function killGroupSync(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

const GROUP_EXIT_TIMEOUT_MS = 2_000;
const GROUP_POLL_MS = 5;

function groupExists(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILLs every process this module started that has not exited yet. Synchronous. */
export function killAllLiveProcesses(): number {
  let count = 0;
  for (const pid of live) {
    if (killGroupSync(pid, 'SIGKILL')) count++;
  }
  return count;
}

export function liveProcessCount(): number {
  return live.size;
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    killAllLiveProcesses();
  });
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface NodeProcessOptions {
  readonly id: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly logPath: string;
  /** When set, stderr goes through the harness: to the log file and to this sink. */
  readonly echoStderr?: (text: string) => void;
  /** Longest stdout line accepted; a longer one counts as a bad line. */
  readonly maxLineChars: number;
  readonly onLine: (line: string) => void;
  readonly onOversizedLine: (chars: number) => void;
  readonly onExit: (info: ExitInfo) => void;
  readonly onSpawnError: (error: Error) => void;
}

export interface ProcessRecord {
  readonly node: string;
  /** 0 for the node's first start, one more for each restart. */
  readonly incarnation: number;
  /** The seed this incarnation was given (RAFTKV_SEED). */
  readonly seed: number;
  readonly pid: number;
  readonly startedAtMs: number;
  exitedAtMs: number | null;
  exit: ExitInfo | null;
}

/** One incarnation of a node: a restart makes a new NodeProcess. */
export class NodeProcess {
  private readonly child: ChildProcess;
  private pendingStdin: string[] = [];
  private readonly logFd: number;
  private lineRest = '';
  private skippedChars = 0;
  private muted = false;
  private exitInfo: ExitInfo | null = null;
  readonly exited: Promise<ExitInfo>;
  /** Resolves once the process has exited and its stdout and stderr are closed (all read). */
  readonly closed: Promise<void>;
  readonly pid: number;

  constructor(private readonly options: NodeProcessOptions) {
    installExitHook();
    this.logFd = openSync(options.logPath, 'a');
    const echo = options.echoStderr;
    try {
      this.child = spawn(options.command, [...options.args], {
        cwd: tmpdir(),
        env: options.env,
        stdio: ['pipe', 'pipe', echo === undefined ? this.logFd : 'pipe'],
        detached: true,
      });
    } finally {
      // The child holds its own copy of the descriptor when stderr goes straight to the file.
      if (echo === undefined) closeSync(this.logFd);
    }
    this.pid = this.child.pid ?? -1;
    if (this.pid > 0) live.add(this.pid);
    let resolveExited!: (info: ExitInfo) => void;
    this.exited = new Promise((resolve) => (resolveExited = resolve));
    let resolveClosed!: () => void;
    this.closed = new Promise((resolve) => (resolveClosed = resolve));
    this.child.on('close', () => resolveClosed());
    this.child.on('error', (error) => {
      options.onSpawnError(error);
      if (this.pid <= 0 && this.exitInfo === null) {
        this.exitInfo = { code: null, signal: null };
        resolveExited(this.exitInfo);
        resolveClosed();
      }
    });
    this.child.on('exit', (code, signal) => {
      live.delete(this.pid);
      this.exitInfo = { code, signal };
      options.onExit(this.exitInfo);
      resolveExited(this.exitInfo);
    });
    this.child.stdin?.on('error', () => {
      // EPIPE after the node died: its death is reported through 'exit'.
    });
    const stdout = this.child.stdout;
    if (stdout !== null) {
      stdout.setEncoding('utf8');
      stdout.on('data', (chunk: string) => this.takeStdout(chunk));
    }
    if (echo !== undefined && this.child.stderr !== null) {
      const fd = this.logFd;
      this.child.stderr.on('data', (chunk: Buffer) => {
        try {
          writeSync(fd, chunk);
        } catch {
          // The log file is best effort once the run is over.
        }
        echo(chunk.toString('utf8'));
      });
      this.child.stderr.on('close', () => {
        try {
          closeSync(fd);
        } catch {
          // Already closed.
        }
      });
    }
  }

  get alive(): boolean {
    return this.exitInfo === null && this.pid > 0;
  }

  get exit(): ExitInfo | null {
    return this.exitInfo;
  }

  /** Queues a line for stdin; flush() writes everything queued in one call. */
  write(line: string): void {
    this.pendingStdin.push(line);
  }

  flush(): void {
    if (this.pendingStdin.length === 0) return;
    const text = this.pendingStdin.length === 1 ? (this.pendingStdin[0] as string) : this.pendingStdin.join('');
    this.pendingStdin = [];
    const stdin = this.child.stdin;
    if (stdin === null || !this.alive || stdin.destroyed) return;
    stdin.write(text);
  }

  signal(signal: NodeJS.Signals): boolean {
    if (!this.alive) return false;
    return killGroupSync(this.pid, signal);
  }

  /**
   * SIGKILL (the whole group) and wait for the exit, and for the rest of the group too: a
   * wrapper that forgot `exec` exits while its node may still be dying.
   */
  async kill(): Promise<ExitInfo> {
    this.signal('SIGKILL');
    const exit = await this.exited;
    for (let waitedMs = 0; waitedMs < GROUP_EXIT_TIMEOUT_MS && groupExists(this.pid); waitedMs += GROUP_POLL_MS) {
      killGroupSync(this.pid, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, GROUP_POLL_MS));
    }
    return exit;
  }

  /** Stops reading stdout for good (what Maelstrom does after a bad line); the node keeps running. */
  muteStdout(): void {
    this.muted = true;
    this.child.stdout?.removeAllListeners('data');
    this.child.stdout?.resume();
    this.lineRest = '';
  }

  private takeStdout(chunk: string): void {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf('\n', start);
      if (newline === -1) break;
      if (this.skippedChars > 0) {
        this.options.onOversizedLine(this.skippedChars + newline - start);
        this.skippedChars = 0;
        start = newline + 1;
        continue;
      }
      let line: string;
      if (this.lineRest.length > 0) {
        line = this.lineRest + chunk.slice(start, newline);
        this.lineRest = '';
      } else {
        line = chunk.slice(start, newline);
      }
      start = newline + 1;
      if (line.length > 0 && line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
      if (line.trim().length > 0) this.options.onLine(line);
      if (this.muted) return;
    }
    if (start >= chunk.length) return;
    if (this.skippedChars > 0) {
      this.skippedChars += chunk.length - start;
      return;
    }
    this.lineRest += chunk.slice(start);
    if (this.lineRest.length > this.options.maxLineChars) {
      // Drop what we hold; count the rest of the line as it streams past.
      this.skippedChars = this.lineRest.length;
      this.lineRest = '';
    }
  }
}
