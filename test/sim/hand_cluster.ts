// A few real raftkv nodes (NodeShell and KvNode over MemoryStorage) wired by hand, for
// regression tests that need one exact interleaving: every line goes into one queue and is
// delivered at the next turn unless `hold` keeps it back; a restart keeps the node's storage.
// (The simulator proper runs the shipping turn driver and store on a simulated disk; these tests
// are about the server's logic, message by message.)

import { expect } from 'vitest';
import { Rng } from '../../src/base/rng.js';
import { MemoryStorage } from '../../src/raft/index.js';
import { createKvNodeApp, type KvNode } from '../../src/server/kv_node.js';
import { NodeShell } from '../../src/server/node_shell.js';
import { DEFAULT_KV_SERVER_OPTIONS, type KvServerOptions } from '../../src/server/options.js';

export interface Line {
  readonly src: string;
  readonly dest: string;
  readonly body: { readonly type: string; readonly in_reply_to?: number; readonly value?: unknown; readonly msgs?: ReadonlyArray<{ readonly type: string }> };
  readonly text: string;
}

/** Whether a line is, or is a batch holding, a message of `type`. */
export function carries(line: Line, type: string): boolean {
  return line.body.type === type || (line.body.msgs ?? []).some((body) => body.type === type);
}

export class HandCluster {
  readonly storage = new Map<string, MemoryStorage>();
  readonly shells = new Map<string, NodeShell>();
  readonly servers = new Map<string, KvNode>();
  readonly toClients: Line[] = [];
  private queue: Line[] = [];
  private seed = 1;
  hold: (line: Line) => boolean = () => false;
  readonly held: Line[] = [];

  constructor(
    readonly ids: readonly string[],
    private readonly options: KvServerOptions = DEFAULT_KV_SERVER_OPTIONS,
  ) {
    for (const id of ids) this.start(id);
  }

  /** Starts `id` (again) on the storage it kept. */
  start(id: string): void {
    let storage = this.storage.get(id);
    if (storage === undefined) this.storage.set(id, (storage = new MemoryStorage()));
    const app = createKvNodeApp(this.options, { storage, rng: new Rng(this.seed++), observe: (server) => this.servers.set(id, server) });
    const shell = new NodeShell({ write: (text) => this.queue.push({ ...(JSON.parse(text) as Omit<Line, 'text'>), text }), log: () => {} }, app);
    this.shells.set(id, shell);
    shell.receiveLine(`${JSON.stringify({ src: 'c0', dest: id, body: { type: 'init', msg_id: 1, node_id: id, node_ids: this.ids } })}\n`);
  }

  deliver(line: Line): void {
    const shell = this.shells.get(line.dest);
    if (shell === undefined) this.toClients.push(line);
    else shell.receiveLine(line.text);
  }

  /** One event-loop turn on each node: deliver what is queued (unless held), tick, flush. */
  turn(): void {
    const lines = this.queue;
    this.queue = [];
    for (const line of lines) {
      if (this.hold(line)) this.held.push(line);
      else this.deliver(line);
    }
    for (const shell of this.shells.values()) {
      shell.tick();
      shell.flush();
    }
  }

  runUntil(done: () => boolean): void {
    for (let turn = 0; turn < 1000 && !done(); turn++) this.turn();
    expect(done()).toBe(true);
  }

  leader(): string | undefined {
    for (const [id, server] of this.servers) if (server.raft.role === 'leader') return id;
    return undefined;
  }

  /** Runs until a leader is known to every node; returns it. */
  settle(): string {
    this.runUntil(() => this.leader() !== undefined && [...this.servers.values()].every((server) => server.raft.leaderId !== null));
    return this.leader() as string;
  }

  /** A client request from c1 to `node`; runs up to `turns` turns for its reply. */
  request(node: string, msgId: number, body: Record<string, unknown>, turns = 60): Line['body'] | undefined {
    this.deliver({
      src: 'c1',
      dest: node,
      body: { type: String(body['type']) },
      text: `${JSON.stringify({ src: 'c1', dest: node, body: { ...body, msg_id: msgId } })}\n`,
    });
    const reply = (): Line | undefined => this.toClients.find((line) => line.dest === 'c1' && line.body.in_reply_to === msgId);
    for (let turn = 0; turn < turns && reply() === undefined; turn++) this.turn();
    return reply()?.body;
  }

  /** The reply to c1's request `msgId`, if it came. */
  replyTo(msgId: number): Line['body'] | undefined {
    return this.toClients.find((line) => line.dest === 'c1' && line.body.in_reply_to === msgId)?.body;
  }
}
