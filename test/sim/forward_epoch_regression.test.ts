// Regression for a liveness bug the simulator found (seed 45, profile crashes, 3 nodes, before the
// swarm rates): forward ids restart at 1 when a node restarts, and the leader took the restarted
// node's new forwards for duplicates of the old ones, so it never answered them; the node's
// clients timed out forever. Fixed by an epoch per incarnation on kv_forward and
// kv_forward_result. A first version of the fix kept only the latest-seen epoch per origin; seed
// 3913 (chaos, 3 nodes, log reads) then showed a late forward of the dead incarnation displacing
// the live one, which again went unanswered for good: epochs are random, not ordered, so the
// leader keeps a window per epoch. The tests drive two real nodes by hand and never spell out the
// forward's wire format; the simulator seed below is the first of profile crashes, 3 nodes,
// read-index that fails with one id window per origin put back (with it, 287 of the crashes seeds
// 400000..401999 on 3 nodes fail).

import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/base/rng.js';
import { MemoryStorage } from '../../src/raft/index.js';
import { createKvNodeApp, type KvNode } from '../../src/server/kv_node.js';
import { DEFAULT_KV_SERVER_OPTIONS } from '../../src/server/options.js';
import { NodeShell } from '../../src/server/node_shell.js';
import { runSimulation } from '../../src/sim/simulator.js';

interface Line {
  readonly src: string;
  readonly dest: string;
  readonly body: { readonly type: string; readonly in_reply_to?: number };
  readonly text: string;
}

/** Two nodes wired by hand: every line is delivered at once unless `hold` keeps it back. */
class TwoNodes {
  readonly storage = { n0: new MemoryStorage(), n1: new MemoryStorage() };
  readonly shells = new Map<string, NodeShell>();
  readonly servers = new Map<string, KvNode>();
  readonly toClients: Line[] = [];
  private queue: Line[] = [];
  private seed = 1;
  hold: (line: Line) => boolean = () => false;
  readonly held: Line[] = [];

  constructor() {
    this.start('n0');
    this.start('n1');
  }

  start(id: 'n0' | 'n1'): void {
    const app = createKvNodeApp(DEFAULT_KV_SERVER_OPTIONS, { storage: this.storage[id], rng: new Rng(this.seed++), observe: (server) => this.servers.set(id, server) });
    const shell = new NodeShell({ write: (text) => this.queue.push({ ...(JSON.parse(text) as Omit<Line, 'text'>), text }), log: () => {} }, app);
    this.shells.set(id, shell);
    shell.receiveLine(`{"src":"c0","dest":"${id}","body":{"type":"init","msg_id":1,"node_id":"${id}","node_ids":["n0","n1"]}}\n`);
  }

  deliver(line: Line): void {
    const shell = this.shells.get(line.dest);
    if (shell === undefined) this.toClients.push(line);
    else shell.receiveLine(line.text);
  }

  /** One event-loop turn on each node: deliver what is queued, tick, flush. */
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

  /** A client write sent to `node`; resolves to the reply's type once it came. */
  write(node: string, msgId: number, value: number): string {
    this.deliver({ src: 'c1', dest: node, body: { type: 'write' }, text: `{"src":"c1","dest":"${node}","body":{"type":"write","key":1,"value":${value},"msg_id":${msgId}}}\n` });
    const reply = (): Line | undefined => this.toClients.find((line) => line.dest === 'c1' && line.body.in_reply_to === msgId);
    for (let turn = 0; turn < 60 && reply() === undefined; turn++) this.turn();
    return reply()?.body.type ?? 'no reply';
  }
}

function setUp(): { nodes: TwoNodes; follower: 'n0' | 'n1'; leader: string } {
  const nodes = new TwoNodes();
  nodes.runUntil(() => nodes.leader() !== undefined && [...nodes.servers.values()].every((server) => server.raft.leaderId !== null));
  const leader = nodes.leader() as string;
  return { nodes, leader, follower: leader === 'n0' ? 'n1' : 'n0' };
}

function restart(nodes: TwoNodes, follower: 'n0' | 'n1', leader: string): void {
  nodes.shells.delete(follower);
  nodes.start(follower);
  nodes.runUntil(() => nodes.servers.get(follower)?.raft.leaderId === leader);
}

describe('forwards from a restarted node', () => {
  it('the leader answers a new incarnation whose forward ids start again at 1', () => {
    const { nodes, follower, leader } = setUp();
    expect(nodes.write(follower, 11, 1)).toBe('write_ok');
    restart(nodes, follower, leader);
    expect(nodes.write(follower, 12, 2)).toBe('write_ok');
  });

  it('a late forward of a dead incarnation does not make the leader forget the live one', () => {
    const { nodes, follower, leader } = setUp();
    // The first incarnation's forward is held back: the leader has never heard of that epoch.
    nodes.hold = (line) => line.src === follower && line.dest === leader && line.body.type === 'kv_forward';
    expect(nodes.write(follower, 11, 1)).not.toBe('write_ok');
    expect(nodes.held.length).toBeGreaterThan(0);
    nodes.hold = () => false;
    restart(nodes, follower, leader);
    expect(nodes.write(follower, 12, 2)).toBe('write_ok');
    for (const line of nodes.held) nodes.deliver(line);
    expect(nodes.write(follower, 13, 3)).toBe('write_ok');
  });

  it('simulator seed 11 (crashes, 3 nodes, read-index) passes its liveness phase', () => {
    const result = runSimulation({ seed: 11, profile: 'crashes', nodeCount: 3, readMode: 'read-index' });
    expect(result.failure).toBeUndefined();
    expect(result.stats.restarts).toBeGreaterThan(0);
  });
});
