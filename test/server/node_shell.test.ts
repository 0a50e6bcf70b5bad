import { describe, expect, it } from 'vitest';
import { ok } from '../../src/base/result.js';
import type { Body } from '../../src/protocol/message.js';
import { NodeShell, route, type Delivery, type NodeApp, type NodeContext, type RpcOutcome, type Route } from '../../src/server/node_shell.js';

interface Harness {
  shell: NodeShell;
  sent: Array<{ src: string; dest: string; body: Body }>;
  deliveries: Delivery[];
  received: Body[];
  logs: string[];
  context: () => NodeContext;
  ticks: { count: number };
}

function makeShell(maxPendingRpcs = 16): Harness {
  const sent: Harness['sent'] = [];
  const deliveries: Delivery[] = [];
  const received: Body[] = [];
  const logs: string[] = [];
  let captured: NodeContext | undefined;
  const ticks = { count: 0 };
  const shell = new NodeShell(
    {
      write: (line, delivery) => {
        sent.push(JSON.parse(line) as Harness['sent'][number]);
        deliveries.push(delivery);
      },
      log: (level, text) => logs.push(`${level} ${text}`),
    },
    (context): NodeApp => {
      captured = context;
      const routes = new Map<string, Route<unknown>>([
        ['echo', route((body) => ok(body['echo'] ?? null), (incoming) => context.reply(incoming, { type: 'echo_ok', echo: incoming.request }))],
        ['note', route((body) => ok(body), (incoming) => received.push(incoming.body))],
      ]);
      return { routes, tick: () => ticks.count++, flush: () => {} };
    },
    { maxPendingRpcs },
  );
  return {
    shell,
    sent,
    deliveries,
    received,
    logs,
    ticks,
    context: () => {
      if (captured === undefined) throw new Error('not initialized');
      return captured;
    },
  };
}

const INIT = '{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n0","n1","n2"]}}';

describe('NodeShell', () => {
  it('answers init and learns its peers', () => {
    const h = makeShell();
    h.shell.receiveLine(INIT);
    expect(h.sent).toEqual([{ src: 'n1', dest: 'c0', body: { type: 'init_ok', in_reply_to: 1 } }]);
    expect(h.context().peers).toEqual(['n0', 'n2']);
  });

  it('refuses requests before init with temporarily-unavailable', () => {
    const h = makeShell();
    h.shell.receiveLine('{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":9}}');
    expect(h.sent).toEqual([{ src: 'n1', dest: 'c1', body: { type: 'error', code: 11, text: expect.stringContaining('init') as string, in_reply_to: 9 } }]);
  });

  it('answers an unknown type with not-supported and a bad body with malformed-request naming the field', () => {
    const h = makeShell();
    h.shell.receiveLine(INIT);
    h.shell.receiveLine('{"src":"c1","dest":"n1","body":{"type":"frobnicate","msg_id":2}}');
    h.shell.receiveLine('{"src":"c1","dest":"n1","body":{"type":"init","msg_id":3,"node_id":"n1"}}');
    expect(h.sent.slice(1)).toEqual([
      { src: 'n1', dest: 'c1', body: { type: 'error', code: 10, text: 'request type "frobnicate" is not supported', in_reply_to: 2 } },
      { src: 'n1', dest: 'c1', body: { type: 'error', code: 12, text: 'init: field "node_ids" is missing', in_reply_to: 3 } },
    ]);
  });

  it('skips garbage without answering and keeps serving', () => {
    const h = makeShell();
    h.shell.receiveLine(INIT);
    h.shell.receiveLine('this is not json');
    h.shell.receiveLine('{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":4,"echo":[1]}}');
    expect(h.sent.slice(1)).toEqual([{ src: 'n1', dest: 'c1', body: { type: 'echo_ok', echo: [1], in_reply_to: 4 } }]);
    expect(h.logs.some((line) => line.startsWith('warn skipped an input line'))).toBe(true);
  });

  it('answers a repeated identical init again, and refuses a different one', () => {
    const h = makeShell();
    h.shell.receiveLine(INIT);
    h.shell.receiveLine(INIT);
    h.shell.receiveLine('{"src":"c0","dest":"n1","body":{"type":"init","msg_id":2,"node_id":"n2","node_ids":["n0","n1","n2"]}}');
    expect(h.sent.map((m) => m.body['type'])).toEqual(['init_ok', 'init_ok', 'error']);
    expect(h.sent[2]?.body['code']).toBe(12);
  });

  it('completes an RPC with its reply, ignores a late duplicate, and times out another after its ticks', () => {
    const h = makeShell();
    h.shell.receiveLine(INIT);
    const outcomes: RpcOutcome[] = [];
    h.context().rpc('n0', { type: 'ping' }, 3, (outcome) => outcomes.push(outcome));
    h.context().rpc('n2', { type: 'ping' }, 3, (outcome) => outcomes.push(outcome));
    expect(h.sent).toHaveLength(1); // node-to-node messages leave at the end of the turn
    h.shell.flush();
    const [first, second] = h.sent.slice(1);
    expect(first?.body).toEqual({ type: 'ping', msg_id: 1 });
    expect(second?.body).toEqual({ type: 'ping', msg_id: 2 });
    const reply = '{"src":"n0","dest":"n1","body":{"type":"pong","in_reply_to":1}}';
    h.shell.receiveLine(reply);
    h.shell.receiveLine(reply);
    expect(outcomes).toEqual([{ kind: 'reply', body: { type: 'pong', in_reply_to: 1 } }]);
    h.shell.tick();
    h.shell.tick();
    expect(outcomes).toHaveLength(1);
    h.shell.tick();
    expect(outcomes[1]).toEqual({ kind: 'timeout' });
    expect(h.shell.pendingRpcCount).toBe(0);
    expect(h.ticks.count).toBe(3);
  });

  it('bounds the pending-RPC table', () => {
    const h = makeShell(2);
    h.shell.receiveLine(INIT);
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) h.context().rpc('n0', { type: 'ping' }, 5, (outcome) => outcomes.push(outcome.kind));
    expect(outcomes).toEqual(['overloaded']);
    expect(h.shell.pendingRpcCount).toBe(2);
  });

  describe('batches', () => {
    it('sends everything one turn has for a peer as one batch, per delivery, and a lone message as itself', () => {
      const h = makeShell();
      h.shell.receiveLine(INIT);
      const context = h.context();
      context.send('n0', { type: 'note', n: 1 }, 'now');
      context.send('n2', { type: 'note', n: 2 }, 'now');
      context.send('n0', { type: 'note', n: 3 }, 'now');
      context.send('n0', { type: 'note', n: 4 });
      context.send('c7', { type: 'note', n: 5 }, 'now'); // clients are never batched
      expect(h.sent.map((m) => m.dest)).toEqual(['c0', 'c7']);
      h.shell.flush();
      expect(h.sent.slice(2)).toEqual([
        { src: 'n1', dest: 'n0', body: { type: 'batch', msgs: [{ type: 'note', n: 1 }, { type: 'note', n: 3 }] } },
        { src: 'n1', dest: 'n0', body: { type: 'note', n: 4 } },
        { src: 'n1', dest: 'n2', body: { type: 'note', n: 2 } },
      ]);
      expect(h.deliveries.slice(2)).toEqual(['now', 'after-sync', 'now']);
      h.shell.flush();
      expect(h.sent).toHaveLength(5); // nothing is sent twice
    });

    it('cuts batches so that no line grows past a fraction of a node line limit', () => {
      const h = makeShell();
      h.shell.receiveLine(INIT);
      const filler = 'x'.repeat(10_000);
      for (let i = 0; i < 100; i++) h.context().send('n0', { type: 'note', i, filler }, 'now');
      h.shell.flush();
      const lines = h.sent.slice(1);
      expect(lines.length).toBeGreaterThan(1);
      for (const line of lines) expect(JSON.stringify(line).length).toBeLessThan(300 * 1024);
      const order = lines.flatMap((line) => (line.body.type === 'batch' ? (line.body['msgs'] as Body[]) : [line.body])).map((body) => body['i']);
      expect(order).toEqual(Array.from({ length: 100 }, (_, i) => i));
    });

    it('handles each message of a received batch as if it came alone, skipping bad ones with a warning', () => {
      const h = makeShell();
      h.shell.receiveLine(INIT);
      const batch = {
        src: 'n0',
        dest: 'n1',
        body: { type: 'batch', msgs: [{ type: 'note', n: 1 }, 7, { type: 'batch', msgs: [] }, { type: 'init', node_id: 'n9', node_ids: [] }, { type: 'note', n: 2 }, { type: 'echo', msg_id: 4, echo: 'hi' }] },
      };
      h.shell.receiveLine(JSON.stringify(batch));
      expect(h.received).toEqual([{ type: 'note', n: 1 }, { type: 'note', n: 2 }]);
      expect(h.logs.filter((line) => line.startsWith('warn') && line.includes('batch'))).toHaveLength(3);
      h.shell.flush();
      expect(h.sent.slice(1)).toEqual([{ src: 'n1', dest: 'n0', body: { type: 'echo_ok', echo: 'hi', in_reply_to: 4 } }]);
    });

    it('drops a batch whose msgs is not an array', () => {
      const h = makeShell();
      h.shell.receiveLine(INIT);
      h.shell.receiveLine('{"src":"n0","dest":"n1","body":{"type":"batch","msgs":{"type":"note"}}}');
      expect(h.received).toEqual([]);
      expect(h.logs.some((line) => line.includes('dropped a batch from n0'))).toBe(true);
    });
  });
});
