// The simulator's side of the lin-kv clients: drives the shared client model
// (src/harness/client_model.ts with the lin-kv workload, as the harness does) on virtual time. Workers think
// a random while between ops; timeouts are exact timers; replies arrive as encoded lines through
// the real codec. Liveness probes (one per node: a write, then a read, of a key of each Raft
// group, each step tried again until it succeeds) are extra threads of the same model and share
// its history. Pure: virtual time and randomness come from the simulator.

import { assert } from '../base/assert.js';
import type { JsonObject } from '../base/json.js';
import type { Rng } from '../base/rng.js';
import type { HistoryEvent } from '../check/history.js';
import { ClientModel, HistoryRecorder, type CompletedOp } from '../harness/client_model.js';
import { LinKvWorkload, threadRngs, type KvOp } from '../harness/lin_kv.js';
import { decodeMessage } from '../protocol/message.js';
import { groupOfKey } from '../server/key_split.js';

export interface ClientIo {
  /** Sends one encoded line from a client to a node (reliable, delayed by the simulator). */
  send(clientId: string, nodeId: string, line: string): void;
  /** Calls back onTimer(token) at virtual time atUs. */
  schedule(atUs: number, token: ClientTimer): void;
}

export type ClientTimer = { readonly kind: 'start'; readonly thread: number } | { readonly kind: 'timeout'; readonly thread: number; readonly msgId: number };

export interface ClientConfig {
  readonly timeoutUs: number;
  /** Pause between a thread's ops, uniform in [0, thinkUs]. */
  readonly thinkUs: number;
  /** Keys rotate after this many distinct processes touched one (keeps per-key histories small). */
  readonly processLimit: number;
  /** raftkv client sessions: writes and cas retried with the same (session, seq). */
  readonly sessions: boolean;
  /**
   * Raft groups of each node: as many key groups of 2 × node-count threads work side by side
   * (one alone keeps every thread on one key at a time, so on one group), and the probes touch
   * a key of each group.
   */
  readonly groupCount: number;
}

interface Probe {
  readonly thread: number;
  readonly nodeId: string;
  process: number;
  /** The steps still to do, in order. */
  steps: KvOp[];
  lastOk: boolean;
}

/** Keys of the liveness probes start here: beyond any key the generator hands out in a bounded run. */
const PROBE_KEY = 1_000_000;
const PROBE_PROCESS_BASE = 1_000_000;
const PROBE_RETRY_US = 20_000;

export class SimClients {
  private readonly recorder = new HistoryRecorder(1000);
  private readonly model: ClientModel<KvOp>;
  private readonly probes: Probe[] = [];
  private readonly probeByThread = new Map<number, Probe>();
  /** One key of each Raft group, for the probes. */
  private readonly probeKeys: readonly number[];
  private issuing = true;
  okCount = 0;
  failCount = 0;
  infoCount = 0;

  constructor(
    nodeIds: readonly string[],
    private readonly rng: Rng,
    private readonly config: ClientConfig,
    private readonly io: ClientIo,
    private readonly now: () => number,
  ) {
    const concurrency = 2 * nodeIds.length * config.groupCount;
    this.probeKeys = probeKeys(config.groupCount);
    this.model = new ClientModel(
      new LinKvWorkload({ nodeCount: nodeIds.length, concurrency, processLimit: config.processLimit }, threadRngs(rng.fork(), concurrency)),
      {
        nodeIds,
        timeout: config.timeoutUs,
        sessions: config.sessions,
        firstClientNumber: 1,
        history: this.recorder,
      },
      {
        send: (clientId, nodeId, body) => io.send(clientId, nodeId, `{"src":"${clientId}","dest":"${nodeId}","body":${body}}\n`),
        deadline: (thread, msgId, atUs) => io.schedule(atUs, { kind: 'timeout', thread, msgId }),
        completed: (op) => this.completed(op),
        threadFree: (thread, nowUs) => this.threadFree(thread, nowUs),
      },
    );
    nodeIds.forEach((nodeId, node) => {
      const thread = this.model.addThread(`c${1001 + node}`, nodeId);
      const probe: Probe = { thread, nodeId, process: PROBE_PROCESS_BASE + node, steps: [], lastOk: false };
      this.probes.push(probe);
      this.probeByThread.set(thread, probe);
    });
  }

  get history(): readonly HistoryEvent[] {
    return this.recorder.events;
  }

  /** Ops in flight (workers and probes). */
  get inflight(): number {
    return this.model.inflight;
  }

  get sessionRetries(): number {
    return this.model.sessionRetries;
  }

  /** Schedules every worker's first op. */
  start(): void {
    for (let thread = 0; thread < this.model.workerCount; thread++)
      this.io.schedule(this.now() + this.rng.int(0, this.config.thinkUs), { kind: 'start', thread });
  }

  /** The safety phase is over: workers finish what is in flight and start nothing new. */
  stopIssuing(): void {
    this.issuing = false;
  }

  /** Starts the liveness probes: every node must serve a write and then a read. */
  startProbes(): void {
    this.probes.forEach((probe, node) => {
      probe.steps = this.probeKeys.flatMap((key): KvOp[] => [
        { f: 'write', key, value: node },
        { f: 'read', key, value: null },
      ]);
      this.io.schedule(this.now(), { kind: 'start', thread: probe.thread });
    });
  }

  /** Probes that have not finished yet. */
  get probesPending(): number {
    return this.probes.filter((probe) => probe.steps.length > 0).length;
  }

  probeStatus(): string {
    return this.probes.map((probe) => `${probe.nodeId}:${probe.steps.length === 0 ? 'done' : `waiting for ${(probe.steps[0] as KvOp).f}`}`).join(' ');
  }

  onTimer(timer: ClientTimer): void {
    if (timer.kind === 'timeout') {
      this.model.expire(timer.thread, timer.msgId, this.now());
      return;
    }
    const probe = this.probeByThread.get(timer.thread);
    if (probe === undefined) {
      if (this.issuing) this.model.startOp(timer.thread, this.now());
      return;
    }
    const next = probe.steps[0];
    if (next !== undefined) this.model.startOp(timer.thread, this.now(), { op: next, process: probe.process });
  }

  /** A line a node wrote to a client. */
  onLine(line: string): void {
    const decoded = decodeMessage(line);
    assert(decoded.kind === 'message', () => `a node wrote an undecodable line to a client: ${line}`);
    // A decoded body holds no undefined values: it is a JsonObject. The init handshake's client
    // is none of the model's (onReply is false): nothing to do.
    this.model.onReply(decoded.message.dest, decoded.message.body as JsonObject, this.now());
  }

  private completed(op: CompletedOp<KvOp>): void {
    if (op.type === 'ok') this.okCount++;
    else if (op.type === 'fail') this.failCount++;
    else this.infoCount++;
    const probe = this.probeByThread.get(op.thread);
    if (probe === undefined) return;
    probe.lastOk = op.type === 'ok';
    if (op.type === 'ok') probe.steps.shift();
    // A crashed process never comes back: continue as a fresh one (Jepsen's worker rule).
    if (op.type === 'info') probe.process += this.probes.length;
  }

  private threadFree(thread: number, nowUs: number): void {
    const probe = this.probeByThread.get(thread);
    if (probe === undefined) {
      if (this.issuing) this.io.schedule(nowUs + this.rng.int(0, this.config.thinkUs), { kind: 'start', thread });
      return;
    }
    const delayUs = probe.lastOk ? 0 : PROBE_RETRY_US;
    probe.lastOk = false;
    if (probe.steps.length > 0) this.io.schedule(nowUs + delayUs, { kind: 'start', thread });
  }
}

/** The first key from PROBE_KEY on that falls in each group, in group order. */
function probeKeys(groupCount: number): number[] {
  const keys: Array<number | undefined> = Array.from({ length: groupCount }, () => undefined);
  for (let key = PROBE_KEY, found = 0; found < groupCount; key++) {
    assert(key < PROBE_KEY + 1000 * groupCount, 'no probe key found for some group');
    const group = groupOfKey(key, groupCount);
    if (keys[group] !== undefined) continue;
    keys[group] = key;
    found++;
  }
  return keys as number[];
}
