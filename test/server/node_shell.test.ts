import { describe, expect, it } from 'vitest';
import { ok } from '../../src/base/result.js';
import type { Body } from '../../src/protocol/message.js';
import { OversizedLineScanner } from '../../src/protocol/oversized_line.js';
import { route, type Delivery, type NodeApp, type NodeContext, type Route } from '../../src/server/node_app.js';
import { NodeShell, type ShellLimits } from '../../src/server/node_shell.js';

interface Harness {
  shell: NodeShell;
  sent: Array<{ src: string; dest: string; body: Body }>;
  deliveries: Delivery[];
  received: Body[];
  logs: string[];
  context: () => NodeContext;
  ticks: { count: number };
}

function makeShell(limits: Partial<ShellLimits> = {}): Harness {
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
        [
          'echo',
          route(
            (body) => ok(body['echo'] ?? null),
            (incoming) => context.reply(incoming, { type: 'echo_ok', echo: incoming.request }),
          ),
        ],
        [
          'note',
          route(
            (body) => ok(body),
            (incoming) => received.push(incoming.body),
          ),
        ],
      ]);
      return { routes, tick: () => ticks.count++, flush: () => {} };
    },
    limits,
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

/** What the runtime hands the shell for a line it skipped: its size and the scan of its bytes. */
function skipOversized(shell: NodeShell, line: string): void {
  const scanner = new OversizedLineScanner();
  scanner.push(Buffer.from(line));
  shell.receiveOversizedLine(Buffer.byteLength(line), scanner.finish());
}

describe('NodeShell', () => {
  it('answers init and learns its cluster', () => {
    const h = makeShell();
    h.shell.receiveLine(INIT);
    expect(h.sent).toEqual([{ src: 'n1', dest: 'c0', body: { type: 'init_ok', in_reply_to: 1 } }]);
    expect(h.context().nodeId).toBe('n1');
    expect(h.context().nodeIds).toEqual(['n0', 'n1', 'n2']);
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

  it('ignores a reply (nodes send no requests that take one) and says so, within bounds', () => {
    const h = makeShell();
    h.shell.receiveLine(INIT);
    h.shell.receiveLine('{"src":"n0","dest":"n1","body":{"type":"pong","in_reply_to":1}}');
    expect(h.sent).toHaveLength(1);
    expect(h.received).toEqual([]);
    expect(h.logs.filter((line) => line.includes('ignored a reply from n0'))).toHaveLength(1);
  });

  it('counts ticks only once initialized, and hands each to the app', () => {
    const h = makeShell();
    h.shell.tick();
    h.shell.receiveLine(INIT);
    h.shell.tick();
    h.shell.tick();
    expect(h.ticks.count).toBe(2);
    expect(h.context().currentTick()).toBe(2);
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
        {
          src: 'n1',
          dest: 'n0',
          body: {
            type: 'batch',
            msgs: [
              { type: 'note', n: 1 },
              { type: 'note', n: 3 },
            ],
          },
        },
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
        body: {
          type: 'batch',
          msgs: [
            { type: 'note', n: 1 },
            7,
            { type: 'batch', msgs: [] },
            { type: 'init', node_id: 'n9', node_ids: [] },
            { type: 'note', n: 2 },
            { type: 'echo', msg_id: 4, echo: 'hi' },
          ],
        },
      };
      h.shell.receiveLine(JSON.stringify(batch));
      expect(h.received).toEqual([
        { type: 'note', n: 1 },
        { type: 'note', n: 2 },
      ]);
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

  describe('byte bounds on lines to peers', () => {
    it('cuts batches by UTF-8 bytes, not characters, within the line limit', () => {
      const maxLineBytes = 8_192;
      const h = makeShell({ maxLineBytes });
      h.shell.receiveLine(INIT);
      // 1,000 characters of 3 bytes each: four fit in 8 KiB by characters, two by bytes.
      const filler = '€'.repeat(1_000);
      for (let i = 0; i < 12; i++) h.context().send('n0', { type: 'note', i, filler }, 'now');
      h.shell.flush();
      const lines = h.sent.slice(1);
      for (const line of lines) expect(Buffer.byteLength(JSON.stringify(line))).toBeLessThanOrEqual(maxLineBytes);
      expect(lines.length).toBeGreaterThanOrEqual(6);
      const order = lines.flatMap((line) => (line.body.type === 'batch' ? (line.body['msgs'] as Body[]) : [line.body])).map((body) => body['i']);
      expect(order).toEqual(Array.from({ length: 12 }, (_, i) => i));
    });

    it('drops a body too large for any line a peer accepts, with an error in the log, and keeps the rest', () => {
      const h = makeShell({ maxLineBytes: 4_096 });
      h.shell.receiveLine(INIT);
      h.context().send('n0', { type: 'note', n: 1 }, 'now');
      h.context().send('n0', { type: 'note', n: 2, filler: 'x'.repeat(5_000) }, 'now');
      h.context().sendEncoded('n0', '{"type":"note","n":3}', 'now');
      h.shell.flush();
      expect(h.sent.slice(1)).toEqual([
        {
          src: 'n1',
          dest: 'n0',
          body: {
            type: 'batch',
            msgs: [
              { type: 'note', n: 1 },
              { type: 'note', n: 3 },
            ],
          },
        },
      ]);
      expect(h.logs.filter((line) => line.startsWith('error dropped a message to n0 of 5'))).toHaveLength(1);
    });

    it('gives the app the budget derived from the line limit and the node names', () => {
      const h = makeShell({ maxLineBytes: 100_000 });
      h.shell.receiveLine(INIT);
      const { budget } = h.context();
      expect(budget.maxLineBytes).toBe(100_000);
      expect(budget.commandBytes).toBeLessThan(budget.appendEntriesBytes);
      expect(budget.peerBodyBytes).toBeLessThan(100_000);
    });
  });

  describe('oversized input lines', () => {
    const huge = (body: Record<string, unknown>, src = 'c4'): string => JSON.stringify({ src, dest: 'n1', body: { ...body, value: 'v'.repeat(20_000) } });

    it('answers a client request over the line limit with malformed-request naming the size and the limit', () => {
      const h = makeShell({ maxLineBytes: 10_000 });
      h.shell.receiveLine(INIT);
      const line = huge({ type: 'write', key: 1, msg_id: 9 });
      skipOversized(h.shell, line);
      expect(h.sent.slice(1)).toEqual([
        {
          src: 'n1',
          dest: 'c4',
          body: {
            type: 'error',
            code: 12,
            text: `the request's line of ${line.length} bytes is over this node's input line limit of 10000 bytes (--max-line-bytes, RAFTKV_MAX_LINE_BYTES); it was not read`,
            in_reply_to: 9,
          },
        },
      ]);
      expect(
        h.logs.some((text) => text.startsWith(`warn refused an input line of ${line.length} bytes (limit 10000) from c4 (write): answered with error 12`)),
      ).toBe(true);
    });

    it('answers before init too, as the node the line was sent to', () => {
      const h = makeShell({ maxLineBytes: 10_000 });
      skipOversized(h.shell, huge({ type: 'init', msg_id: 1 }));
      expect(h.sent).toMatchObject([{ src: 'n1', dest: 'c4', body: { type: 'error', code: 12, in_reply_to: 1 } }]);
    });

    it('only logs a reply, a request without msg_id, a line cut short, and a line from a peer (as an error)', () => {
      const h = makeShell({ maxLineBytes: 10_000 });
      h.shell.receiveLine(INIT);
      skipOversized(h.shell, huge({ type: 'read_ok', in_reply_to: 3, msg_id: 4 }));
      skipOversized(h.shell, huge({ type: 'write' }));
      skipOversized(h.shell, huge({ type: 'write', msg_id: 5 }).slice(0, -2));
      skipOversized(h.shell, huge({ type: 'raft_append', msg_id: 6 }, 'n0'));
      expect(h.sent).toHaveLength(1); // init_ok only
      expect(h.logs.filter((text) => text.startsWith('warn refused an input line'))).toHaveLength(3);
      expect(
        h.logs.filter((text) => text.startsWith('error refused an input line') && text.includes('from peer n0') && text.includes('same --max-line-bytes')),
      ).toHaveLength(1);
    });
  });

  describe('requests without msg_id', () => {
    it('logs an answer it drops because the request had no msg_id', () => {
      const h = makeShell();
      h.shell.receiveLine(INIT);
      h.shell.receiveLine('{"src":"c1","dest":"n1","body":{"type":"echo","echo":1}}');
      expect(h.sent).toHaveLength(1);
      expect(h.logs).toContain('warn cannot answer c1 (its request had no msg_id): dropped echo_ok');
    });

    it('logs the first few in full, then only a count every so often, so a flood cannot flood the log', () => {
      const h = makeShell();
      h.shell.receiveLine(INIT);
      for (let i = 0; i < 5_000; i++) h.shell.receiveLine('{"src":"c1","dest":"n1","body":{"type":"echo","echo":1}}');
      const dropped = (): string[] => h.logs.filter((line) => line.includes('no msg_id'));
      expect(dropped()).toHaveLength(10);
      expect(dropped()[9]).toContain('further answers dropped for requests without msg_id are counted');
      for (let tick = 0; tick < 1_000; tick++) h.shell.tick();
      const counts = h.logs.filter((line) => line.startsWith('warn 4990 more answers dropped for requests without msg_id (5000 in all)'));
      expect(counts).toHaveLength(1);
      for (let tick = 0; tick < 2_000; tick++) h.shell.tick();
      expect(h.logs.filter((line) => line.includes('more answers dropped'))).toHaveLength(1); // nothing new to count
    });
  });
});
