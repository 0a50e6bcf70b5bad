// Reads that arrive in one turn share one Raft read index: a follower in follower-read mode
// sends one read-index request to the leader for all of them, and the leader one heartbeat
// round. Three real nodes wired by hand; every line goes through the real codec.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/base/rng.js';
import { MemoryStorage } from '../../src/raft/index.js';
import { createKvNodeApp, type KvNode } from '../../src/server/kv_node.js';
import { DEFAULT_KV_SERVER_OPTIONS, type ReadMode } from '../../src/server/options.js';
import { NodeShell } from '../../src/server/node_shell.js';

interface Line {
  readonly src: string;
  readonly dest: string;
  readonly body: { readonly type: string; readonly in_reply_to?: number };
  readonly text: string;
}

const IDS = ['n0', 'n1', 'n2'];

/** The bodies a line carries: itself, or every message of a batch. */
function bodies(line: Line): Array<{ readonly type: string }> {
  const body = line.body as { readonly type: string; readonly msgs?: Array<{ readonly type: string }> };
  return body.type === 'batch' ? (body.msgs ?? []) : [body];
}

function cluster(readMode: ReadMode = 'follower'): {
  turn: () => Line[];
  send: (dest: string, body: object) => void;
  servers: Map<string, KvNode>;
  toClients: Line[];
} {
  const shells = new Map<string, NodeShell>();
  const servers = new Map<string, KvNode>();
  const toClients: Line[] = [];
  let queue: Line[] = [];
  IDS.forEach((id, i) => {
    const app = createKvNodeApp(
      { ...DEFAULT_KV_SERVER_OPTIONS, readMode },
      { storage: new MemoryStorage(), rng: new Rng(i + 1), observe: (server) => servers.set(id, server) },
    );
    const shell = new NodeShell({ write: (text) => queue.push({ ...(JSON.parse(text) as Omit<Line, 'text'>), text }), log: () => {} }, app);
    shells.set(id, shell);
    shell.receiveLine(JSON.stringify({ src: 'c0', dest: id, body: { type: 'init', msg_id: 1, node_id: id, node_ids: IDS } }));
  });
  queue = [];
  /** One event-loop turn on every node; returns the lines the turn produced. */
  const turn = (): Line[] => {
    const lines = queue;
    queue = [];
    for (const line of lines) {
      const shell = shells.get(line.dest);
      if (shell === undefined) toClients.push(line);
      else shell.receiveLine(line.text);
    }
    for (const shell of shells.values()) {
      shell.tick();
      shell.flush();
    }
    return queue.slice();
  };
  const send = (dest: string, body: object): void => shells.get(dest)?.receiveLine(JSON.stringify({ src: 'c1', dest, body }));
  return { turn, send, servers, toClients };
}

describe('read batching', () => {
  it('serves ten reads at a follower with one read-index request to the leader', () => {
    const { turn, send, servers, toClients } = cluster();
    const leaderId = (): string | undefined => [...servers].find(([, server]) => server.raft.role === 'leader')?.[0];
    for (let i = 0; i < 500 && (leaderId() === undefined || [...servers.values()].some((s) => s.raft.leaderId === null || s.lastApplied < 1)); i++) turn();
    const leader = leaderId();
    expect(leader).toBeDefined();
    const follower = IDS.find((id) => id !== leader) as string;
    for (let msgId = 1; msgId <= 10; msgId++) send(follower, { type: 'read', key: 0, msg_id: msgId });
    const produced = turn();
    expect(
      produced
        .filter((line) => line.src === follower)
        .flatMap(bodies)
        .filter((body) => body.type === 'raft_read_index'),
    ).toHaveLength(1);
    for (let i = 0; i < 50 && toClients.length < 10; i++) turn();
    const replies = toClients.filter((line) => line.dest === 'c1');
    expect(replies.map((line) => line.body.in_reply_to).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // The key was never written: every read observed that, at the follower itself.
    expect(replies.every((line) => line.src === follower && line.body.type === 'error' && (line.body as { code?: number }).code === 20)).toBe(true);
  });

  it('in lease mode, a follower holding a lease serves reads with no message to the leader, and sees acknowledged writes', () => {
    const { turn, send, servers, toClients } = cluster('lease');
    const leaderId = (): string | undefined => [...servers].find(([, server]) => server.raft.role === 'leader')?.[0];
    const follower = (): string | undefined => IDS.find((id) => id !== leaderId() && servers.get(id)?.raft.followerReadPoint() !== undefined);
    for (let i = 0; i < 500 && follower() === undefined; i++) turn();
    const reader = follower();
    expect(reader).toBeDefined();
    send(leaderId() as string, { type: 'write', key: 7, value: 42, msg_id: 1 });
    for (let i = 0; i < 50 && !toClients.some((line) => line.body.in_reply_to === 1); i++) turn();
    expect(toClients.find((line) => line.body.in_reply_to === 1)?.body.type).toBe('write_ok');
    const before = toClients.length;
    for (let msgId = 2; msgId <= 11; msgId++) send(reader as string, { type: 'read', key: 7, msg_id: msgId });
    const produced = turn();
    // Answered in the turn they arrived, by the follower itself, with nothing sent for them.
    const readReplies = toClients.slice(before).filter((line) => (line.body.in_reply_to ?? 0) >= 2);
    expect(readReplies).toHaveLength(10);
    expect(readReplies.every((line) => line.src === reader && line.body.type === 'read_ok' && (line.body as { value?: number }).value === 42)).toBe(true);
    const sentByReader = produced
      .filter((line) => line.src === reader && line.dest !== 'c1')
      .flatMap(bodies)
      .map((body) => body.type);
    expect(sentByReader.filter((type) => type === 'kv_forward' || type === 'raft_read_index')).toEqual([]);
  });
});
