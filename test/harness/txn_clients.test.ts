// The client model with the txn workload, driven by hand (a fake clock, a transport that records
// what is sent, replies written by the test): history events with f "txn", timeouts and
// indefinite errors as info (never sent again, sessions or not), definite errors as fail,
// malformed replies counted, crashed processes renumbered, given read txns run as the worker's
// current process.
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/base/json.js';
import { Rng } from '../../src/base/rng.js';
import { ClientModel, HistoryRecorder, type CompletedOp } from '../../src/harness/client_model.js';
import { threadRngs } from '../../src/harness/lin_kv.js';
import { readTxn, TxnClientWorkload, type TxnOp } from '../../src/harness/txn.js';

interface Sent {
  readonly clientId: string;
  readonly nodeId: string;
  readonly body: JsonObject;
}

function setUp(options: { sessions?: boolean; nodes?: number; concurrency?: number } = {}) {
  const nodeIds = Array.from({ length: options.nodes ?? 2 }, (_, i) => `n${i}`);
  const concurrency = options.concurrency ?? 3;
  const sent: Sent[] = [];
  const completed: CompletedOp<TxnOp>[] = [];
  const free: number[] = [];
  const malformed: string[] = [];
  const history = new HistoryRecorder(1000);
  const workload = new TxnClientWorkload(
    { workload: 'txn-list-append', nodeCount: nodeIds.length, concurrency, keyCount: 3, maxTxnLength: 4, maxWritesPerKey: 16, keyDist: 'exponential' },
    threadRngs(new Rng(3), concurrency),
  );
  const clients = new ClientModel(
    workload,
    { nodeIds, timeout: 5000, sessions: options.sessions ?? false, firstClientNumber: 1 + nodeIds.length, history },
    {
      send: (clientId, nodeId, body) => sent.push({ clientId, nodeId, body: JSON.parse(body) as JsonObject }),
      completed: (op) => completed.push(op),
      threadFree: (thread) => free.push(thread),
      malformed: (nodeId, reason, count) => malformed.push(`${count} ${nodeId}: ${reason}`),
    },
  );
  const last = (): Sent => sent[sent.length - 1] as Sent;
  const reply = (body: JsonObject, now: number, to: Sent = last()): boolean =>
    clients.onReply(to.clientId, { ...body, in_reply_to: to.body['msg_id'] as number }, now);
  /** The txn_ok a correct node would send for the last request: reads of empty keys. */
  const okBody = (to: Sent = last()): JsonObject => ({
    type: 'txn_ok',
    txn: (to.body['txn'] as [string, number, unknown][]).map(([f, k, v]) => [f, k, f === 'r' ? null : v]) as JsonObject[string],
  });
  return { clients, workload, sent, completed, free, malformed, history, last, reply, okBody };
}

describe('the client model with the txn workload', () => {
  it('sends Maelstrom txn requests, binds thread t to node t mod N and records f "txn" with the micro-ops', () => {
    const { clients, sent, history, reply, okBody, completed } = setUp();
    expect([0, 1, 2].map((t) => [clients.clientIdOf(t), clients.nodeOf(t)])).toEqual([
      ['c3', 'n0'],
      ['c4', 'n1'],
      ['c5', 'n0'],
    ]);
    clients.startOp(1, 10);
    const request = sent[0] as Sent;
    expect(request).toMatchObject({ clientId: 'c4', nodeId: 'n1', body: { type: 'txn', msg_id: 1 } });
    expect(Object.keys(request.body)).toEqual(['type', 'msg_id', 'txn']);
    const ops = request.body['txn'] as unknown[];
    expect(history.events).toEqual([{ index: 0, process: 1, type: 'invoke', f: 'txn', value: ops, time: 10_000 }]);
    const answer = okBody();
    reply(answer, 20);
    expect(history.events[1]).toEqual({ index: 1, process: 1, type: 'ok', f: 'txn', value: answer['txn'], time: 20_000 });
    expect(completed[0]).toMatchObject({ thread: 1, process: 1, type: 'ok', value: answer['txn'] });
  });

  it('times a txn out as info after 5 s and never sends it again; the thread continues as a fresh process', () => {
    const { clients, sent, completed, history } = setUp();
    clients.startOp(0, 0);
    clients.expireDue(4999);
    expect(completed).toHaveLength(0);
    clients.expireDue(5000);
    expect(completed.map((op) => [op.type, op.error])).toEqual([['info', { code: 0, text: 'net-timeout' }]]);
    expect(sent).toHaveLength(1);
    // The info event carries the invocation's value: reads still null.
    expect(history.events[1]?.value).toEqual(history.events[0]?.value);
    clients.startOp(0, 6000);
    expect(history.events[2]?.process).toBe(3);
  });

  it('fails a txn on a definite error (30, 14, 11) and makes it info on an indefinite one', () => {
    for (const [code, type] of [
      [30, 'fail'],
      [14, 'fail'],
      [11, 'fail'],
      [13, 'info'],
      [0, 'info'],
      [1001, 'info'],
    ] as const) {
      const { clients, completed, reply, history } = setUp();
      clients.startOp(0, 0);
      reply({ type: 'error', code, text: 'x' }, 5);
      expect(
        completed.map((op) => op.type),
        `code ${code}`,
      ).toEqual([type]);
      expect(history.events[1]?.error, `code ${code}`).toEqual({ code, text: 'x' });
    }
  });

  it('never sends a txn twice, even in a session: an indeterminate txn is info at once', () => {
    const { clients, sent, completed, reply } = setUp({ sessions: true });
    clients.startOp(0, 0);
    expect(sent[0]?.body).toEqual({ type: 'open_session', msg_id: 1 });
    reply({ type: 'open_session_ok', session: 7, index: 7 }, 1);
    clients.startOp(0, 2);
    expect(sent[1]?.body).toMatchObject({ type: 'txn', session: 7, seq: 1 });
    reply({ type: 'error', code: 13, text: 'leadership lost' }, 3);
    clients.startOp(0, 4);
    clients.expireDue(5004);
    expect(completed.map((op) => op.type)).toEqual(['info', 'info']);
    expect(clients.sessionRetries).toBe(0);
    expect(sent.filter((request) => request.body['type'] === 'txn')).toHaveLength(2);
  });

  it('counts a reply whose micro-ops differ from the request as malformed: info, an example kept', () => {
    const { clients, completed, malformed, reply, last } = setUp();
    clients.startOp(0, 0);
    const ops = last().body['txn'] as [string, number, unknown][];
    reply({ type: 'txn_ok', txn: ops.slice(1) as never }, 5);
    expect(completed.map((op) => op.type)).toEqual(['info']);
    expect(clients.malformedResponses).toBe(1);
    expect(clients.malformedExamples[0]).toMatch(/^n0: txn_ok's "txn" has \d micro-ops where \d were sent/);
    expect(malformed[0]).toMatch(/^1 n0: /);
  });

  it("runs a given read txn (a final read) on a worker as the worker's current process", () => {
    const { clients, sent, history, reply } = setUp();
    clients.startOp(2, 0);
    clients.expireDue(5000); // thread 2 is now process 2 + 3
    clients.startOp(2, 6000, { op: readTxn([0, 1]) });
    expect(sent[1]?.body['txn']).toEqual([
      ['r', 0, null],
      ['r', 1, null],
    ]);
    reply(
      {
        type: 'txn_ok',
        txn: [
          ['r', 0, [1]],
          ['r', 1, null],
        ],
      },
      6001,
    );
    expect(history.events.slice(2).map((event) => [event.process, event.type])).toEqual([
      [5, 'invoke'],
      [5, 'ok'],
    ]);
    const probe = clients.addThread('c99', 'n1');
    expect(() => clients.startOp(probe, 7000, { op: readTxn([0]) })).toThrow(/given its process/);
  });

  it('hands out keys written for the final reads, and counts keys used', () => {
    const { clients, workload } = setUp({ concurrency: 1 });
    for (let i = 0; i < 50; i++) {
      clients.startOp(0, i * 10_000);
      clients.expireDue(i * 10_000 + 5000);
    }
    const written = workload.generator.keysWritten();
    expect(written.length).toBeGreaterThan(0);
    expect(new Set(written).size).toBe(written.length);
    expect(clients.keysUsed).toBeGreaterThanOrEqual(3);
  });
});
