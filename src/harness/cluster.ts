// The node processes of a run, one slot per node: spawning each incarnation (its own RAFTKV_SEED,
// the run's data directory), init and init_ok, every stdout line validated before it enters the
// network, exits told apart (failed start, nemesis kill, crash), teardown. Decides no fault.
// Invariants: teardown kills every process started; events of an earlier incarnation are ignored;
// a node whose stdout broke the protocol is never read again.

import { join } from 'node:path';
import type { JsonObject } from '../base/json.js';
import { abbreviate, validateNodeLine } from './envelope.js';
import { fileSize, type ResolvedCommand } from './out_dir.js';
import { NodeProcess, type ExitInfo, type ProcessRecord } from './processes.js';
import type { BadLine, Crash } from './results.js';
import type { MessageRouter } from './routing.js';
import type { RunContext } from './run_context.js';
import { deriveNodeSeed, NODE_SEED_ENV } from './seeds.js';
import type { StartupFailure } from './startup.js';

const INIT_TIMEOUT_MS = 10_000;
const MAX_LINE_CHARS = 16 * 1024 * 1024;
const TEARDOWN_TIMEOUT_MS = 10_000;

/** Maelstrom's message when init goes unanswered. */
export function initTimeoutMessage(node: string): string {
  return `Expected node ${node} to respond to an init message, but node did not respond.`;
}

export interface NodeSlot {
  readonly id: string;
  readonly index: number;
  proc: NodeProcess | null;
  /** Starts so far: the next start is incarnation `starts`. */
  starts: number;
  /** True from the first start until init_ok: an exit then is a failed start, not a crash. */
  startingUp: boolean;
  /** Size of the node's log file when its current incarnation started. */
  logOffset: number;
  /** Why the current incarnation could not be started at all, if so. */
  spawnError: string | null;
  /** True from a nemesis kill (or teardown) until the process is restarted. */
  expectingExit: boolean;
  down: boolean;
  paused: boolean;
  crashed: boolean;
  muted: boolean;
}

/** Why a node did not answer init with init_ok; `exit` when its process ended first. */
export interface InitProblem {
  readonly node: string;
  readonly message: string;
  readonly exit?: StartupFailure['exit'];
}

export interface ClusterFiles {
  readonly command: ResolvedCommand;
  readonly dataDir: string;
  readonly logsDir: string;
}

export class Cluster {
  readonly slots = new Map<string, NodeSlot>();
  /** Every process started, with its pid and how it ended. */
  readonly processes: ProcessRecord[] = [];
  readonly crashes: Crash[] = [];
  readonly badLines: BadLine[] = [];
  readonly nodeProblems: string[] = [];
  spoofedSrc = 0;
  private readonly initWaiters = new Map<string, (body: JsonObject) => void>();
  /** Names every client of the run: the init clients first, then the workers, then later ones. */
  private clientCounter: number;

  constructor(
    private readonly ctx: RunContext,
    readonly nodeIds: readonly string[],
    private readonly router: MessageRouter,
    private readonly files: ClusterFiles,
  ) {
    for (const id of nodeIds) {
      router.network.register(id, 'node');
      this.slots.set(id, {
        id,
        index: this.slots.size,
        proc: null,
        starts: 0,
        startingUp: true,
        logOffset: 0,
        spawnError: null,
        expectingExit: false,
        down: false,
        paused: false,
        crashed: false,
        muted: false,
      });
    }
    // Setup's init clients are c1..cN, the workers c<N+1>...; later clients count on from there.
    this.clientCounter = nodeIds.length + ctx.options.concurrency;
    for (let i = 1; i <= nodeIds.length; i++) router.network.register(`c${i}`, 'client');
  }

  slot(id: string): NodeSlot {
    return this.slots.get(id) as NodeSlot;
  }

  /** A fresh client id, registered with the network. */
  newClientId(): string {
    const clientId = `c${++this.clientCounter}`;
    this.router.network.register(clientId, 'client');
    return clientId;
  }

  /** The reply to an init client; false when `clientId` is none. */
  onInitReply(clientId: string, body: JsonObject): boolean {
    const waiter = this.initWaiters.get(clientId);
    if (waiter === undefined || body['in_reply_to'] !== 1) return false;
    waiter(body);
    return true;
  }

  /** Queues a line for the node's stdin; false when it has no live process. */
  write(node: string, line: string): boolean {
    const proc = this.slots.get(node)?.proc;
    if (!proc?.alive) return false;
    proc.write(line);
    return true;
  }

  flush(): void {
    for (const slot of this.slots.values()) slot.proc?.flush();
  }

  spawn(slot: NodeSlot): void {
    const options = this.ctx.options;
    const startedAtMs = this.ctx.nowMs();
    const incarnation = slot.starts++;
    const seed = deriveNodeSeed(options.seed, slot.index, incarnation);
    const logPath = join(this.files.logsDir, `${slot.id}.log`);
    slot.logOffset = fileSize(logPath);
    let record: ProcessRecord | null = null;
    const command = this.files.command;
    const proc: NodeProcess = new NodeProcess({
      id: slot.id,
      command: command.command,
      args: command.args,
      env: { ...process.env, RAFTKV_DATA_DIR: this.files.dataDir, [NODE_SEED_ENV]: String(seed) },
      logPath,
      ...(options.logStderr ? { echoStderr: (text: string) => echoStderr(slot.id, text) } : {}),
      maxLineChars: MAX_LINE_CHARS,
      onLine: (line) => this.onNodeLine(slot, proc, line),
      onOversizedLine: (chars) => this.badLine(slot, `a stdout line of ${chars} characters (limit ${MAX_LINE_CHARS})`, '(not kept)'),
      onExit: (info) => {
        if (record !== null) {
          record.exitedAtMs = this.ctx.nowMs();
          record.exit = info;
        }
        this.onNodeExit(slot, proc, info);
      },
      onSpawnError: (error) => {
        // Nothing of the node ran: the harness could not do what the test asked (initNode,
        // waiting for init_ok, reports it).
        slot.spawnError = `${command.command}: ${error.message}`;
        this.ctx.log(`raftkv-test: ${slot.id}: cannot start ${slot.spawnError}`);
      },
    });
    record = { node: slot.id, incarnation, seed, pid: proc.pid, startedAtMs, exitedAtMs: null, exit: null };
    this.processes.push(record);
    slot.proc = proc;
    slot.spawnError = null;
    slot.expectingExit = false;
    slot.down = false;
    slot.paused = false;
    slot.muted = false;
    this.router.network.setDown(slot.id, false);
  }

  async kill(slot: NodeSlot): Promise<void> {
    const proc = slot.proc;
    slot.expectingExit = true;
    slot.paused = false;
    slot.down = true;
    this.router.network.setDown(slot.id, true);
    if (proc === null || !proc.alive) return;
    await proc.kill();
  }

  pause(slot: NodeSlot): void {
    if (slot.proc?.signal('SIGSTOP') === true) slot.paused = true;
  }

  resume(slot: NodeSlot): void {
    if (slot.paused) slot.proc?.signal('SIGCONT');
    slot.paused = false;
  }

  /** Kills every process, then waits (bounded) until each one's output is read to the end. */
  async teardown(): Promise<void> {
    const waits: Promise<unknown>[] = [];
    for (const slot of this.slots.values()) {
      slot.expectingExit = true;
      const proc = slot.proc;
      if (proc?.alive) waits.push(proc.kill());
    }
    // Then every process's stderr pipe is drained too, so the logs read afterwards are whole.
    const closed = (async (): Promise<void> => {
      await Promise.all(waits);
      await Promise.all([...this.slots.values()].map((slot) => slot.proc?.closed));
    })();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise<void>((resolveWait) => (timer = setTimeout(resolveWait, TEARDOWN_TIMEOUT_MS)))]);
    clearTimeout(timer);
  }

  /** Sends init from a fresh client and waits for init_ok; returns what went wrong, or null. */
  async initNode(id: string, clientId?: string): Promise<InitProblem | null> {
    const slot = this.slot(id);
    const proc = slot.proc;
    if (proc === null) return { node: id, message: `${id} was not started` };
    // Setup's init clients were registered when the cluster was made.
    const client = clientId ?? this.newClientId();
    let timer: NodeJS.Timeout | undefined;
    const reply = new Promise<JsonObject | 'timeout' | 'exited'>((resolveReply) => {
      this.initWaiters.set(client, (body) => {
        // At once, not when this function resumes: an exit right after init_ok is a crash.
        if (body['type'] === 'init_ok') slot.startingUp = false;
        resolveReply(body);
      });
      timer = setTimeout(() => resolveReply('timeout'), this.ctx.hooks.initTimeoutMs ?? INIT_TIMEOUT_MS);
      void proc.exited.then(() => resolveReply('exited'));
    });
    this.router.sendBody(client, id, { type: 'init', msg_id: 1, node_id: id, node_ids: [...this.nodeIds] }, false);
    const outcome = (await this.ctx.untilAborted(reply)) ?? 'aborted';
    clearTimeout(timer);
    this.initWaiters.delete(client);
    if (outcome === 'aborted') return { node: id, message: `${id}: init interrupted` };
    if (outcome === 'timeout') return { node: id, message: initTimeoutMessage(id) };
    if (outcome === 'exited') {
      if (slot.spawnError !== null) return { node: id, message: `${id} could not be started: ${slot.spawnError}`, exit: { spawnError: slot.spawnError } };
      const exit = { code: proc.exit?.code ?? null, signal: proc.exit?.signal ?? null };
      return { node: id, message: `${id} exited before answering init (code ${exit.code ?? '-'}, signal ${exit.signal ?? '-'})`, exit };
    }
    if (outcome['type'] !== 'init_ok') return { node: id, message: `${id} answered init with ${abbreviate(JSON.stringify(outcome))} instead of init_ok` };
    return null;
  }

  private onNodeExit(slot: NodeSlot, proc: NodeProcess, info: ExitInfo): void {
    if (slot.proc !== proc) return;
    this.router.network.setDown(slot.id, true);
    slot.down = true;
    // Before its first init_ok the node is not yet under test: initNode reports a failed start.
    if (slot.expectingExit || slot.startingUp) return;
    slot.crashed = true;
    const atMs = this.ctx.nowMs();
    this.crashes.push({ node: slot.id, code: info.code, signal: info.signal, atMs, logTail: '' });
    this.ctx.log(
      `raftkv-test: NODE CRASHED: ${slot.id} exited on its own (code ${info.code ?? '-'}, signal ${info.signal ?? '-'}) ` +
        `at ${(atMs / 1000).toFixed(2)} s; see ${join(this.files.logsDir, `${slot.id}.log`)}`,
    );
  }

  private onNodeLine(slot: NodeSlot, proc: NodeProcess, line: string): void {
    if (slot.proc !== proc || slot.muted) return;
    const checked = validateNodeLine(line, (id) => this.router.network.isKnown(id));
    if (!checked.ok) {
      this.badLine(slot, checked.reason, line);
      return;
    }
    if (checked.src !== slot.id) this.spoofedSrc++;
    const text = checked.hasId ? JSON.stringify({ src: checked.src, dest: checked.dest, body: checked.body }) : line.trim();
    this.router.send(checked.src, checked.dest, { text, body: checked.body });
  }

  /** Maelstrom stops reading a node's stdout after a bad line; so do we, loudly. */
  private badLine(slot: NodeSlot, reason: string, line: string): void {
    if (slot.muted) return;
    slot.muted = true;
    slot.proc?.muteStdout();
    const bad: BadLine = { node: slot.id, reason, line: abbreviate(line), atMs: this.ctx.nowMs() };
    this.badLines.push(bad);
    this.ctx.log(`raftkv-test: BAD OUTPUT from ${slot.id} (${reason}): ${bad.line}\nraftkv-test: no longer reading ${slot.id}'s stdout, as Maelstrom would`);
  }
}

function echoStderr(node: string, text: string): void {
  for (const line of text.split('\n')) if (line.length > 0) process.stderr.write(`${node}: ${line}\n`);
}
