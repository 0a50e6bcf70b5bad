// The turn driver with a real NodeShell, a small app writing to group 0 of a store on the
// simulated disk, and a host that records what it is asked: 'now' lines leave at the end of
// their turn, 'after-sync' lines only once a sync covers their turn and never ahead of earlier
// held lines, a completed sync asks for a turn, held output bounds input, close releases all.
import { describe, expect, it } from 'vitest';
import { NodeRunner, MAX_HELD_LINES, type RunnerHost } from '../../src/server/node_runner.js';
import { route, type NodeApp, type NodeContext } from '../../src/server/node_app.js';
import { MemoryNodeStore } from '../../src/storage/memory_store.js';
import type { NodeStore } from '../../src/storage/types.js';
import { ok } from '../../src/base/result.js';
import type { SimDisk } from '../../src/sim/sim_disk.js';
import { openStore, simDisk, type ManualScheduler } from '../storage/helpers.js';

/** put: one log entry, acknowledged after its sync; ping: answered now; flood: many after-sync lines. */
function testApp(context: NodeContext, store: NodeStore): NodeApp {
  const group = store.group(0);
  const put = (): void => {
    const index = group.lastIndex() + 1;
    group.save({ term: 1, vote: context.nodeId, commit: 0 }, [{ index, term: 1, kind: 'normal', data: index }]);
  };
  const routes = new Map([
    [
      'put',
      route(
        (body) => ok(body),
        (incoming) => {
          put();
          context.reply(incoming, { type: 'put_ok', index: group.lastIndex() });
        },
      ),
    ],
    [
      'ping',
      route(
        (body) => ok(body),
        (incoming) => context.reply(incoming, { type: 'pong' }, 'now'),
      ),
    ],
    [
      'echo',
      route(
        (body) => ok(body),
        (incoming) => context.reply(incoming, { type: 'echo_ok' }),
      ),
    ],
    [
      'flood',
      route(
        (body) => ok(body),
        (incoming) => {
          put();
          for (let i = 0; i < (incoming.body['count'] as number); i++) context.send(incoming.src, { type: 'flood_item', i });
        },
      ),
    ],
  ]);
  return { routes, tick: () => {}, flush: () => {} };
}

class TestHost implements RunnerHost {
  readonly lines: string[] = [];
  turnRequests = 0;
  turnPending = false;
  readonly inputHolds: boolean[] = [];
  write(lines: readonly string[]): void {
    for (const line of lines) this.lines.push(line);
  }
  requestTurnEnd(): void {
    this.turnRequests++;
    this.turnPending = true;
  }
  log(): void {}
  holdInput(held: boolean): void {
    this.inputHolds.push(held);
  }
  /** Types of the bodies written since the last call. */
  take(): string[] {
    return this.lines.splice(0).map((line) => (JSON.parse(line) as { body: { type: string } }).body.type);
  }
}

interface Harness {
  readonly runner: NodeRunner;
  readonly host: TestHost;
  readonly clock: ManualScheduler;
  readonly disk: SimDisk;
  send(type: string, fields?: Record<string, unknown>): void;
  /** Runs the turn end the runner asked for. */
  endTurn(): void;
}

function harness(memory = false): Harness {
  const { disk, clock } = simDisk(3, { keepUnsyncedChance: 0 });
  const host = new TestHost();
  const runner = new NodeRunner(host, {
    openStore: () => (memory ? new MemoryNodeStore() : openStore(disk).store),
    createApp: testApp,
  });
  let msgId = 1;
  const send = (type: string, fields: Record<string, unknown> = {}): void => {
    runner.receiveLine(JSON.stringify({ src: 'c1', dest: 'n0', body: { type, msg_id: msgId++, ...fields } }));
  };
  const endTurn = (): void => {
    expect(host.turnPending).toBe(true);
    host.turnPending = false;
    runner.endTurn();
  };
  return { runner, host, clock, disk, send, endTurn };
}

function initialized(memory = false): Harness {
  const h = harness(memory);
  h.send('init', { node_id: 'n0', node_ids: ['n0'] });
  h.endTurn();
  expect(h.host.take()).toEqual(['init_ok']);
  return h;
}

describe('NodeRunner', () => {
  it("writes a turn's 'now' lines at its end, before the store exists too", () => {
    const h = harness();
    h.send('ping'); // before init: answered with an error at once
    expect(h.host.lines).toEqual([]); // nothing leaves before the turn ends
    h.endTurn();
    expect(h.host.take()).toEqual(['error']);
    h.send('init', { node_id: 'n0', node_ids: ['n0'] });
    h.send('ping');
    h.endTurn();
    expect(h.host.take()).toEqual(['init_ok', 'pong']);
  });

  it('holds acknowledgements until the sync covering their turn completes, then asks for a turn', () => {
    const h = initialized();
    h.send('put');
    h.send('ping');
    h.endTurn();
    expect(h.host.take()).toEqual(['pong']);
    expect(h.runner.heldLines).toBe(1);
    expect(h.clock.pending).toBe(1); // the sync the turn started
    const requests = h.host.turnRequests;
    h.clock.runAll();
    expect(h.host.take()).toEqual(['put_ok']);
    expect(h.host.turnRequests).toBe(requests + 1); // the node learns what became durable
    h.endTurn();
    expect(h.clock.pending).toBe(0); // nothing more to sync
  });

  it('never lets a held line be overtaken, and syncs turns ended during a sync with the next one, started at once', () => {
    const h = initialized();
    h.send('put');
    h.endTurn(); // turn A: sync 1 starts
    h.send('put');
    h.send('echo'); // after-sync, but writes nothing: still behind turn A's and B's lines
    h.endTurn(); // turn B: waits, sync 1 does not cover it
    h.send('echo');
    h.send('ping');
    h.endTurn(); // turn C: only its ping leaves
    expect(h.host.take()).toEqual(['pong']);
    expect(h.clock.pending).toBe(1);
    h.clock.runNext(); // sync 1 covers turn A only; sync 2 starts as it completes, for turn B
    expect(h.host.take()).toEqual(['put_ok']);
    expect(h.clock.pending).toBe(1);
    h.clock.runNext();
    expect(h.host.take()).toEqual(['put_ok', 'echo_ok', 'echo_ok']);
    expect(h.clock.pending).toBe(0);
  });

  it('passes everything through at once over a store in memory', () => {
    const h = initialized(true);
    h.send('put');
    h.send('ping');
    h.endTurn();
    expect(h.host.take()).toEqual(['pong', 'put_ok']); // a turn's now lines, then its after-sync lines
    expect(h.clock.pending).toBe(0);
  });

  it('stops input while too much output waits for the disk, and resumes once it leaves', () => {
    const h = initialized();
    h.send('flood', { count: MAX_HELD_LINES + 1 });
    h.endTurn();
    expect(h.host.inputHolds).toEqual([true]);
    h.clock.runAll();
    expect(h.host.inputHolds).toEqual([true, false]);
    expect(h.host.lines.length).toBe(MAX_HELD_LINES + 1);
  });

  it('on close, makes everything durable, then writes every line still held or pending', () => {
    const h = initialized();
    h.send('put');
    h.endTurn(); // held, its sync running
    h.send('put');
    h.send('ping'); // not yet at a turn's end
    let closed = false;
    h.runner.close(() => (closed = true));
    h.clock.runAll();
    expect(closed).toBe(true);
    expect(h.host.take()).toEqual(['put_ok', 'pong', 'put_ok']);
    const requests = h.host.turnRequests;
    h.send('put'); // ignored after close
    expect([h.host.turnRequests, h.host.lines]).toEqual([requests, []]);
    h.disk.crash();
    expect(openStore(h.disk).store.group(0).lastIndex()).toBe(2);
  });
});
