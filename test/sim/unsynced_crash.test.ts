// A crash between a write and its sync loses the write, and the node still answers correctly.
// First by hand: a one-node cluster (its own majority) on the simulated disk takes a write, the
// write's entry reaches the WAL but not its sync, the node crashes: the entry is gone, the client
// never heard ok, and after recovery the node serves the value before the lost write, then new
// writes; the history is linearizable. Then whole simulated clusters whose runs lost unsynced
// writes in crashes, every one checked (invariants, durable state kept, linearizable history).

import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/base/rng.js';
import { checkHistory } from '../../src/check/linearizability.js';
import type { HistoryEvent } from '../../src/check/history.js';
import { DEFAULT_KV_SERVER_OPTIONS } from '../../src/server/options.js';
import { InvariantHooks } from '../../src/sim/invariant_hooks.js';
import { SimNode } from '../../src/sim/sim_node.js';
import { runSimulation } from '../../src/sim/simulator.js';

const TICK_US = 10_000;
const SYNC_US = 2_000;

/** One node driven by hand on virtual time: disk callbacks run when due, turns end after each event. */
class OneNode {
  nowUs = 0;
  readonly replies: Array<{ readonly in_reply_to: number; readonly type: string; readonly value?: unknown }> = [];
  private diskEvents: Array<{ readonly atUs: number; readonly run: () => void }> = [];
  readonly hooks = new InvariantHooks(1);
  readonly node: SimNode;
  private msgId = 1;

  constructor() {
    this.node = new SimNode(0, 'n0', TICK_US, new Rng(7), new Rng(8), {
      nodeIds: ['n0'],
      serverOptions: DEFAULT_KV_SERVER_OPTIONS,
      storeOptions: { segmentBytes: 4096 },
      // A crash keeps nothing unsynced: the lost write is lost whole.
      diskOptions: { syncUs: [SYNC_US, SYNC_US], keepUnsyncedChance: 0 },
      send: (_from, line) => {
        const message = JSON.parse(line) as { dest: string; body: OneNode['replies'][number] };
        if (message.dest === 'c1') this.replies.push(message.body);
      },
      log: () => {},
      scheduleDisk: (_node, delayUs, run) => this.diskEvents.push({ atUs: this.nowUs + delayUs, run }),
      started: (node, server) => this.hooks.attach(node, server),
    });
  }

  /** Ends the node's turn, then checks the cluster (of one): what the simulator does after each instant. */
  endTurn(): boolean {
    const waits = this.node.endTurn();
    this.hooks.checkCluster([this.node]);
    return waits;
  }

  /** One tick's worth of virtual time: the disk callbacks due, then a tick. */
  step(): void {
    this.nowUs += TICK_US;
    for (;;) {
      const due = this.diskEvents.filter((event) => event.atUs <= this.nowUs);
      if (due.length === 0) break;
      this.diskEvents = this.diskEvents.filter((event) => event.atUs > this.nowUs);
      for (const event of due) {
        event.run();
        if (this.node.up) {
          this.node.diskEventDone();
          this.endTurn();
        }
      }
    }
    if (!this.node.up) return;
    this.node.tick();
    this.endTurn();
  }

  send(type: string, fields: Record<string, unknown>): number {
    const msgId = ++this.msgId;
    this.node.receive(`${JSON.stringify({ src: 'c1', dest: 'n0', body: { type, msg_id: msgId, ...fields } })}\n`);
    return msgId;
  }

  reply(msgId: number): OneNode['replies'][number] | undefined {
    return this.replies.find((reply) => reply.in_reply_to === msgId);
  }

  /** Sends a request and runs until it is answered (bounded). */
  request(type: string, fields: Record<string, unknown>): OneNode['replies'][number] {
    const msgId = this.send(type, fields);
    this.endTurn();
    for (let steps = 0; steps < 200 && this.reply(msgId) === undefined; steps++) this.step();
    const reply = this.reply(msgId);
    if (reply === undefined) throw new Error(`no reply to ${type} after 200 ticks`);
    return reply;
  }

  runUntilLeader(): void {
    for (let steps = 0; steps < 200 && !this.node.leadsAny; steps++) this.step();
    expect(this.node.leadsAny).toBe(true);
  }
}

describe('a crash between a write and its sync', () => {
  it('loses the unsynced write, which was never acknowledged, and the node recovers and answers correctly', () => {
    const sim = new OneNode();
    sim.node.start();
    sim.endTurn();
    sim.runUntilLeader();
    expect(sim.request('write', { key: 1, value: 1 })).toMatchObject({ type: 'write_ok' });
    for (let i = 0; i < 3; i++) sim.step(); // everything of that write is durable by now
    const durableIndex = sim.node.raft.lastIndex;

    // The second write's entry goes to the WAL at the end of this turn; its sync is under way.
    const lostWrite = sim.send('write', { key: 1, value: 2 });
    expect(sim.endTurn()).toBe(true); // the turn's writes wait for a sync
    expect(sim.node.raft.lastIndex).toBe(durableIndex + 1);
    expect(sim.node.disk.stats.lostBytes).toBe(0);
    sim.node.crash();
    sim.hooks.crashed(sim.node);
    expect(sim.reply(lostWrite)).toBeUndefined(); // never acknowledged
    expect(sim.node.disk.stats.crashesLosingWrites).toBe(1);
    expect(sim.node.disk.stats.lostBytes).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) sim.step(); // the sync's callback comes due: the crash dropped it

    sim.node.start();
    // Recovery found the log as it was durable: without the lost entry.
    expect(sim.node.recovery?.groups[0]?.lastIndex).toBe(durableIndex);
    sim.endTurn();
    sim.runUntilLeader();
    const first = sim.request('read', { key: 1 });
    expect(first).toMatchObject({ type: 'read_ok', value: 1 });
    expect(sim.request('write', { key: 1, value: 3 })).toMatchObject({ type: 'write_ok' });
    const second = sim.request('read', { key: 1 });
    expect(second).toMatchObject({ type: 'read_ok', value: 3 });

    // The client's view as a history: the lost write is indeterminate (it timed out).
    const op = (index: number, process: number, type: HistoryEvent['type'], f: string, value: HistoryEvent['value']): HistoryEvent => ({
      index,
      process,
      type,
      f,
      key: 1,
      value,
      time: index,
    });
    const history = [
      op(0, 0, 'invoke', 'write', 1),
      op(1, 0, 'ok', 'write', 1),
      op(2, 0, 'invoke', 'write', 2),
      op(3, 0, 'info', 'write', 2),
      op(4, 1, 'invoke', 'read', null),
      op(5, 1, 'ok', 'read', first.value as number),
      op(6, 1, 'invoke', 'write', 3),
      op(7, 1, 'ok', 'write', 3),
      op(8, 1, 'invoke', 'read', null),
      op(9, 1, 'ok', 'read', second.value as number),
    ];
    const checked = checkHistory(history);
    expect(checked.ok && checked.value.verdict).toBe('valid');
  });

  it('in whole simulated clusters: runs that lost unsynced writes in crashes pass every check', () => {
    // Crashes-profile seeds whose crashes threw unsynced bytes away, some between a turn's writes
    // and their sync, some tearing a record, one of them with two groups per node.
    let lost = 0;
    let beforeSync = 0;
    let torn = 0;
    for (const seed of [400012, 400014]) {
      const result = runSimulation({ seed, profile: 'crashes' });
      expect(result.failure).toBeUndefined();
      expect(result.livenessUs).toBeDefined();
      lost += result.stats.crashesLosingWrites;
      beforeSync += result.stats.crashesBeforeSync;
      torn += result.stats.tornFiles;
    }
    expect(lost).toBeGreaterThan(0);
    expect(beforeSync).toBeGreaterThan(0);
    expect(torn).toBeGreaterThan(0);
  });
});
