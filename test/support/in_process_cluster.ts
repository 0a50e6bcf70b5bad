// Real raftkv nodes (NodeShell + KvNode, every line through the real codec) in one process,
// turned by hand: a turn delivers every line written since the last one, then ticks and
// flushes every node. Lines between nodes can be cut (a partition), and every line is kept
// with its size, so tests can look at what crossed the network.

import { Rng } from '../../src/base/rng.js';
import { MemoryStorage } from '../../src/raft/index.js';
import { createKvNodeApp, type KvNode } from '../../src/server/kv_node.js';
import { DEFAULT_KV_SERVER_OPTIONS, type KvServerOptions } from '../../src/server/options.js';
import { NodeShell, type ShellLimits } from '../../src/server/node_shell.js';

export interface Line {
  readonly src: string;
  readonly dest: string;
  readonly body: Record<string, unknown> & { readonly type: string };
  readonly text: string;
  /** UTF-8 bytes of the line, newline excluded. */
  readonly bytes: number;
}

export interface InProcessClusterOptions {
  readonly ids?: readonly string[];
  readonly server?: Partial<KvServerOptions>;
  readonly shell?: Partial<ShellLimits>;
  readonly seed?: number;
}

export class InProcessCluster {
  readonly ids: readonly string[];
  readonly shells = new Map<string, NodeShell>();
  readonly servers = new Map<string, KvNode>();
  readonly logs = new Map<string, string[]>();
  /** Every line a node wrote, in order. */
  readonly written: Line[] = [];
  /** Lines to clients, in order. */
  readonly toClients: Line[] = [];
  private queue: Line[] = [];
  /** Nodes whose lines to and from other nodes are lost. */
  readonly isolated = new Set<string>();
  private nextMsgId = 1;

  constructor(options: InProcessClusterOptions = {}) {
    this.ids = options.ids ?? ['n0', 'n1', 'n2'];
    const seed = options.seed ?? 1;
    this.ids.forEach((id, i) => {
      const logs: string[] = [];
      this.logs.set(id, logs);
      // One in-memory storage per group: each survives nothing but this object.
      const app = createKvNodeApp(
        { ...DEFAULT_KV_SERVER_OPTIONS, ...options.server },
        { storage: () => new MemoryStorage(), rng: new Rng(seed * 100 + i), observe: (server) => this.servers.set(id, server) },
      );
      const shell = new NodeShell(
        {
          write: (text) => {
            const parsed = JSON.parse(text) as Omit<Line, 'text' | 'bytes'>;
            const line = { ...parsed, text, bytes: Buffer.byteLength(text) - 1 };
            this.written.push(line);
            this.queue.push(line);
          },
          log: (level, text) => logs.push(`${level} ${text}`),
        },
        app,
        options.shell,
      );
      this.shells.set(id, shell);
      shell.receiveLine(JSON.stringify({ src: 'c0', dest: id, body: { type: 'init', msg_id: 0, node_id: id, node_ids: this.ids } }));
    });
    this.queue = [];
    this.written.length = 0;
  }

  /** One event-loop turn on every node; returns the lines the turn produced. */
  turn(): Line[] {
    const lines = this.queue;
    this.queue = [];
    for (const line of lines) {
      const shell = this.shells.get(line.dest);
      if (shell === undefined) {
        this.toClients.push(line);
        continue;
      }
      if (this.isolated.has(line.src) || this.isolated.has(line.dest)) continue;
      shell.receiveLine(line.text);
    }
    for (const shell of this.shells.values()) {
      shell.tick();
      shell.flush();
    }
    return this.queue.slice();
  }

  /** Turns until `predicate` holds; throws after maxTurns. */
  turnUntil(predicate: () => boolean, maxTurns: number, what: string): void {
    for (let i = 0; i < maxTurns; i++) {
      if (predicate()) return;
      this.turn();
    }
    if (!predicate()) throw new Error(`${what}: not within ${maxTurns} turns`);
  }

  /** The node leading `group` (0: the first), if one that is not isolated does. */
  leader(group = 0): string | undefined {
    return [...this.servers].find(([id, server]) => server.groups[group]?.raft.role === 'leader' && !this.isolated.has(id))?.[0];
  }

  /** Turns until one leader is known to every node that is not isolated, and its no-op is applied everywhere. */
  settle(maxTurns = 500): string {
    this.turnUntil(
      () => {
        const leader = this.leader();
        return (
          leader !== undefined &&
          this.ids.every(
            (id) => this.isolated.has(id) || (this.server(id).raft.leaderId === leader && this.server(id).lastApplied >= this.server(leader).raft.commitIndex),
          )
        );
      },
      maxTurns,
      'a settled leader',
    );
    return this.leader() as string;
  }

  server(id: string): KvNode {
    const server = this.servers.get(id);
    if (server === undefined) throw new Error(`no server ${id}`);
    return server;
  }

  /** Hands a client request to node `id` (it is handled at once; the turn flushes it); returns its msg_id. */
  send(id: string, body: Record<string, unknown>, client = 'c1'): number {
    const msgId = this.nextMsgId++;
    (this.shells.get(id) as NodeShell).receiveLine(JSON.stringify({ src: client, dest: id, body: { ...body, msg_id: msgId } }));
    return msgId;
  }

  /** The reply to msg_id, if it came. */
  reply(msgId: number, client = 'c1'): Line['body'] | undefined {
    return this.toClients.find((line) => line.dest === client && line.body['in_reply_to'] === msgId)?.body;
  }

  /** Turns until every msg_id has its reply; returns them in order. */
  await(msgIds: readonly number[], maxTurns = 300, client = 'c1'): Array<Line['body']> {
    this.turnUntil(() => msgIds.every((msgId) => this.reply(msgId, client) !== undefined), maxTurns, `replies to ${msgIds.length} requests`);
    return msgIds.map((msgId) => this.reply(msgId, client) as Line['body']);
  }

  nodeLines(): Line[] {
    return this.written.filter((line) => this.ids.includes(line.dest));
  }

  /** The bodies a line carries: itself, or every message of a batch. */
  static bodies(line: Line): Array<Record<string, unknown> & { readonly type: string }> {
    return line.body.type === 'batch' ? (line.body['msgs'] as Array<Record<string, unknown> & { readonly type: string }>) : [line.body];
  }
}
