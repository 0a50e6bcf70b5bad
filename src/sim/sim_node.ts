// One simulated raftkv node: the real NodeShell and KvNode, built the way bin/raftkv builds them,
// over what survives the node's crashes. This is the only place that knows how a node is put
// together and what a crash keeps: today a MemoryStorage that survives intact, so output never
// waits for a sync; a simulated disk (writes volatile until their sync completes) and the pure
// turn driver replace that here alone. Pure: time and delivery belong to the simulator.
// Invariants: a node is up exactly while it has a shell; each start is a new incarnation.

import { assert } from '../base/assert.js';
import type { Rng } from '../base/rng.js';
import { MemoryStorage, type RaftNode } from '../raft/index.js';
import type { CheckedHost } from '../raft/testing/invariants.js';
import { createKvNodeApp, type KvNode } from '../server/kv_node.js';
import type { Delivery, LogLevel } from '../server/node_app.js';
import { NodeShell } from '../server/node_shell.js';
import type { KvServerOptions } from '../server/options.js';

/** What a node needs of the simulator around it. */
export interface SimNodeEnv {
  readonly nodeIds: readonly string[];
  readonly serverOptions: KvServerOptions;
  /** A line the node wrote: to a peer or to a client. */
  send(from: SimNode, line: string, delivery: Delivery): void;
  log(from: SimNode, level: LogLevel, text: string): void;
  /** Each fresh server, before it handles anything (the invariant hooks attach here). */
  started(node: SimNode, server: KvNode): void;
}

/** What a crash keeps, for the trace: the fsync rates do not apply to this storage yet. */
export const STORAGE_NOTE = 'storage in memory, kept whole across crashes (no fsync delays, no crash before a sync)';

export class SimNode implements CheckedHost {
  /** What survives a crash. */
  readonly storage = new MemoryStorage();
  private shell: NodeShell | undefined;
  private server: KvNode | undefined;
  private touched = false;
  incarnation = 0;

  constructor(
    readonly index: number,
    readonly id: string,
    /** The node's own tick period: clocks drift a little apart. */
    readonly tickPeriodUs: number,
    /** The node's own randomness: each incarnation's server gets a fork of it. */
    readonly rng: Rng,
    private readonly env: SimNodeEnv,
  ) {}

  get up(): boolean {
    return this.server !== undefined;
  }

  get raft(): RaftNode {
    assert(this.server !== undefined, () => `${this.id} is down`);
    return this.server.raft;
  }

  /** Starts a new incarnation from what the storage kept, and answers the init handshake. */
  start(): void {
    assert(this.shell === undefined, () => `${this.id} is already up`);
    this.incarnation++;
    const app = createKvNodeApp(this.env.serverOptions, {
      storage: this.storage,
      rng: this.rng.fork(),
      observe: (server) => {
        this.server = server;
        this.env.started(this, server);
      },
    });
    this.shell = new NodeShell({ write: (line, delivery) => this.env.send(this, line, delivery), log: (level, text) => this.env.log(this, level, text) }, app);
    const init = { type: 'init', msg_id: 1, node_id: this.id, node_ids: this.env.nodeIds };
    this.shell.receiveLine(`${JSON.stringify({ src: 'c0', dest: this.id, body: init })}\n`);
    assert(this.server !== undefined, () => `${this.id} did not start`);
    this.touched = true;
  }

  /** Everything but the storage is lost; messages already on the wire stay there. */
  crash(): void {
    this.shell = undefined;
    this.server = undefined;
    this.touched = false;
    this.incarnation++;
  }

  /** One input line (the simulator already checked the node is up). */
  receive(line: string): void {
    assert(this.shell !== undefined, () => `${this.id} is down`);
    this.shell.receiveLine(line);
    this.touched = true;
  }

  tick(): void {
    assert(this.shell !== undefined, () => `${this.id} is down`);
    this.shell.tick();
    this.touched = true;
  }

  /** The end of the node's event-loop turn, if anything happened in it: batched work goes out. */
  endTurn(): void {
    if (!this.touched) return;
    this.touched = false;
    this.shell?.flush();
  }

  describe(): string {
    return this.server === undefined ? `${this.id}: down` : this.server.raft.describe();
  }
}
