// The client model shared by the harness and the simulator, driven by hand with the lin-kv
// workload (and, in txn_clients.test.ts, the txn workload): a fake clock, a transport that
// records what is sent, and replies written by the test.
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/base/json.js';
import { Rng } from '../../src/base/rng.js';
import { ClientModel, HistoryRecorder, MAX_SESSION_ATTEMPTS, type CompletedOp } from '../../src/harness/client_model.js';
import { LinKvWorkload, threadRngs, type KvOp } from '../../src/harness/lin_kv.js';

interface Sent {
  readonly clientId: string;
  readonly nodeId: string;
  readonly body: JsonObject;
}

function setUp(options: { sessions?: boolean; nodes?: number; readFraction?: number } = {}) {
  const nodeIds = Array.from({ length: options.nodes ?? 1 }, (_, i) => `n${i}`);
  const concurrency = 2 * nodeIds.length;
  const sent: Sent[] = [];
  const completed: CompletedOp<KvOp>[] = [];
  const free: { thread: number; now: number }[] = [];
  const malformed: string[] = [];
  const deadlines: { thread: number; msgId: number; at: number }[] = [];
  const history = new HistoryRecorder(1000);
  const workload = new LinKvWorkload(
    { nodeCount: nodeIds.length, concurrency, ...(options.readFraction === undefined ? {} : { readFraction: options.readFraction }) },
    threadRngs(new Rng(7), concurrency),
  );
  const clients = new ClientModel(
    workload,
    {
      nodeIds,
      timeout: 100,
      sessions: options.sessions ?? false,
      firstClientNumber: 3,
      history,
    },
    {
      send: (clientId, nodeId, body) => sent.push({ clientId, nodeId, body: JSON.parse(body) as JsonObject }),
      deadline: (thread, msgId, at) => deadlines.push({ thread, msgId, at }),
      completed: (op) => completed.push(op),
      threadFree: (thread, now) => free.push({ thread, now }),
      malformed: (nodeId, reason, count) => malformed.push(`${count} ${nodeId}: ${reason}`),
    },
  );
  const last = (): Sent => sent[sent.length - 1] as Sent;
  /** Answers the last request sent with `body` (in_reply_to filled in). */
  const reply = (body: JsonObject, now: number, to: Sent = last()): boolean =>
    clients.onReply(to.clientId, { ...body, in_reply_to: to.body['msg_id'] as number }, now);
  return { clients, sent, completed, free, malformed, deadlines, history, last, reply };
}

describe('the client model with the lin-kv workload', () => {
  it('names threads c<first + t>, binds thread t to node t mod N and keeps one op in flight per thread', () => {
    const { clients, sent, deadlines, history } = setUp({ nodes: 3 });
    expect([0, 1, 2, 3].map((t) => [clients.clientIdOf(t), clients.nodeOf(t)])).toEqual([
      ['c3', 'n0'],
      ['c4', 'n1'],
      ['c5', 'n2'],
      ['c6', 'n0'],
    ]);
    clients.startOp(0, 10);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ clientId: 'c3', nodeId: 'n0', body: { type: 'read', key: 0, msg_id: 1 } });
    expect(deadlines).toEqual([{ thread: 0, msgId: 1, at: 110 }]);
    expect(clients.isBusy(0)).toBe(true);
    expect(clients.inflight).toBe(1);
    expect(() => clients.startOp(0, 11)).toThrow(/already waits/);
    expect(history.events).toEqual([{ index: 0, process: 0, type: 'invoke', f: 'read', key: 0, value: null, time: 10_000 }]);
  });

  it('records a reply as the completion, frees the thread, and ignores replies to anything else', () => {
    const { clients, completed, free, history, reply, last } = setUp();
    clients.startOp(0, 0);
    const request = last();
    expect(clients.onReply('c3', { type: 'read_ok', value: 4, in_reply_to: 99 }, 5)).toBe(true);
    expect(clients.onReply('c77', { type: 'read_ok', value: 4, in_reply_to: 1 }, 5)).toBe(false);
    expect(completed).toHaveLength(0);
    reply({ type: 'read_ok', value: 4 }, 20, request);
    expect(completed).toEqual([
      { thread: 0, process: 0, op: { f: 'read', key: 0, value: null }, type: 'ok', error: undefined, value: 4, invokedAt: 0, completedAt: 20 },
    ]);
    expect(free).toEqual([{ thread: 0, now: 20 }]);
    expect(history.events.map((event) => [event.type, event.value, event.time])).toEqual([
      ['invoke', null, 0],
      ['ok', 4, 20_000],
    ]);
    // A late duplicate of the reply changes nothing.
    reply({ type: 'read_ok', value: 3 }, 30, request);
    expect(completed).toHaveLength(1);
    expect(clients.inflight).toBe(0);
  });

  it('times out reads as fail and writes as info; an info op makes the thread a fresh process', () => {
    const { clients, completed, history } = setUp();
    clients.startOp(0, 0); // thread 0 reads
    clients.startOp(1, 0); // thread 1 writes or cas-es
    clients.expireDue(99);
    expect(completed).toHaveLength(0);
    clients.expireDue(100);
    expect(completed.map((op) => [op.thread, op.type, op.error])).toEqual([
      [0, 'fail', { code: 0, text: 'net-timeout' }],
      [1, 'info', { code: 0, text: 'net-timeout' }],
    ]);
    clients.startOp(0, 200);
    clients.startOp(1, 200);
    // Concurrency 2: the crashed writer continues as process 1 + 2.
    expect(history.events.slice(-2).map((event) => event.process)).toEqual([0, 3]);
  });

  it('with exact timers, a timer for an attempt already answered or not yet due does nothing', () => {
    const { clients, completed, reply } = setUp();
    clients.startOp(0, 0);
    clients.expire(0, 1, 50);
    expect(completed).toHaveLength(0);
    reply({ type: 'read_ok', value: null }, 60);
    clients.startOp(0, 70);
    clients.expire(0, 1, 170); // the first attempt's timer: stale
    expect(completed).toHaveLength(1);
    clients.expire(0, 2, 170);
    expect(completed.map((op) => op.type)).toEqual(['ok', 'fail']);
  });

  it('counts malformed replies as info, keeps examples and tells the driver', () => {
    const { clients, completed, malformed, reply } = setUp();
    const cas: KvOp = { f: 'cas', key: 0, value: [1, 2] };
    clients.startOp(1, 0, { op: cas });
    reply({ type: 'cas_ok', leader: 'n0' }, 5);
    expect(completed[0]?.type).toBe('info');
    expect(clients.malformedResponses).toBe(1);
    expect(clients.malformedExamples[0]).toMatch(/^n0: /);
    expect(malformed[0]).toMatch(/^1 n0: /);
    expect(clients.answersToAnother).toBe(0);
    // A reply of another operation's type answers another request: counted apart, with examples.
    clients.startOp(1, 10, { op: cas });
    reply({ type: 'write_ok' }, 15);
    expect(completed[1]?.type).toBe('info');
    expect(clients.malformedResponses).toBe(2);
    expect(clients.answersToAnother).toBe(1);
    expect(clients.answersToAnotherExamples).toEqual(['n0: expected cas_ok or error in reply to cas, got type "write_ok"']);
  });

  it('runs the ops it is given on an extra thread, with the process it is given', () => {
    const { clients, sent, completed, reply } = setUp();
    const probe = clients.addThread('c1001', 'n0');
    expect(clients.clientIdOf(probe)).toBe('c1001');
    expect(() => clients.startOp(probe, 0)).toThrow(/is given its ops/);
    clients.startOp(probe, 0, { op: { f: 'write', key: 9, value: 1 }, process: 500 });
    expect(sent[0]).toMatchObject({ clientId: 'c1001', body: { type: 'write', key: 9, value: 1 } });
    reply({ type: 'error', code: 0, text: 'timeout' }, 5);
    expect(completed[0]).toMatchObject({ thread: probe, process: 500, type: 'info' });
  });
});

describe('the client model with the lin-kv workload and sessions', () => {
  /** A client model with one writer thread (thread 1) whose session 41 is open. */
  function withSession(readFraction = 0) {
    const setup = setUp({ sessions: true, readFraction });
    setup.clients.startOp(1, 0);
    expect(setup.last().body).toEqual({ type: 'open_session', msg_id: 1 });
    expect(setup.clients.isBusy(1)).toBe(true);
    expect(setup.clients.inflight).toBe(0);
    setup.reply({ type: 'open_session_ok', session: 41, index: 41 }, 5);
    expect(setup.free).toEqual([{ thread: 1, now: 5 }]);
    expect(setup.history.events).toHaveLength(0);
    return setup;
  }

  it('opens a session first, then tags every op with it and a growing seq', () => {
    const { clients, last, reply } = withSession(0.5);
    clients.startOp(1, 10);
    expect(last().body).toMatchObject({ session: 41, seq: 1, msg_id: 2 });
    reply(
      {
        type: last().body['type'] === 'read' ? 'read_ok' : `${String(last().body['type'])}_ok`,
        ...(last().body['type'] === 'read' ? { value: 1 } : {}),
        index: 50,
      },
      12,
    );
    clients.startOp(1, 20);
    expect(last().body).toMatchObject({ session: 41, seq: 2, msg_id: 3 });
  });

  it('sends an indeterminate write again with the same seq, up to the bound, then records it info', () => {
    const { clients, sent, completed, last, reply, history } = withSession();
    clients.startOp(1, 10);
    const first = last().body;
    reply({ type: 'error', code: 13, text: 'leadership lost' }, 15);
    expect(completed).toHaveLength(0);
    expect(last().body).toEqual({ ...first, msg_id: (first['msg_id'] as number) + 1 });
    for (let attempt = 2; attempt < MAX_SESSION_ATTEMPTS; attempt++) clients.expireDue(15 + 100 * attempt);
    expect(sent.filter((request) => request.body['seq'] === first['seq'])).toHaveLength(MAX_SESSION_ATTEMPTS);
    expect(clients.sessionRetries).toBe(MAX_SESSION_ATTEMPTS - 1);
    clients.expireDue(10_000);
    expect(completed.map((op) => [op.type, op.error?.code])).toEqual([['info', 0]]);
    // One invoke, one completion, however many attempts.
    expect(history.events.map((event) => event.type)).toEqual(['invoke', 'info']);
  });

  it('takes a definite error on a retry as indeterminate (and so tries again), but not the state machine answers 20 and 22', () => {
    for (const [code, type] of [
      [11, 'info'],
      [22, 'fail'],
      [20, 'fail'],
    ] as const) {
      const { clients, completed, reply } = withSession();
      clients.startOp(1, 10);
      // Every attempt but the last times out; the last one gets the error.
      for (let attempt = 1; attempt < MAX_SESSION_ATTEMPTS; attempt++) clients.expireDue(10 + 100 * attempt);
      reply({ type: 'error', code, text: 'x' }, 1_000);
      expect(
        completed.map((op) => op.type),
        `code ${code}`,
      ).toEqual([type]);
    }
    // A definite error on a retry that is not the last: the op is sent once more.
    const retried = withSession();
    retried.clients.startOp(1, 10);
    retried.clients.expireDue(110);
    retried.reply({ type: 'error', code: 11, text: 'not proposed' }, 120);
    expect(retried.completed).toHaveLength(0);
    expect(retried.clients.sessionRetries).toBe(2);
    // On the first attempt a definite error is just that.
    const { clients, completed, reply } = withSession();
    clients.startOp(1, 10);
    reply({ type: 'error', code: 11, text: 'not proposed' }, 12);
    expect(completed.map((op) => op.type)).toEqual(['fail']);
  });

  it('ignores the answer to an earlier attempt once the op was sent again', () => {
    const { clients, completed, sent, reply, last } = withSession();
    clients.startOp(1, 10);
    const attempt1 = last();
    clients.expireDue(110);
    reply({ type: 'write_ok' }, 115, attempt1);
    reply({ type: 'cas_ok' }, 115, attempt1);
    expect(completed).toHaveLength(0);
    expect(sent).toHaveLength(3);
  });

  it('never sends a read again: a timed-out read fails', () => {
    const { clients, completed, last } = withSession(1);
    clients.startOp(1, 10);
    expect(last().body['type']).toBe('read');
    clients.expireDue(110);
    expect(completed.map((op) => op.type)).toEqual(['fail']);
    expect(clients.sessionRetries).toBe(0);
  });

  it('frees the thread when an opening is refused or times out, and opens again on its next start', () => {
    const { clients, free, reply, last, sent } = setUp({ sessions: true });
    clients.startOp(0, 0);
    reply({ type: 'error', code: 11, text: 'no leader' }, 3);
    expect(free).toEqual([{ thread: 0, now: 3 }]);
    clients.startOp(0, 10);
    expect(last().body).toEqual({ type: 'open_session', msg_id: 2 });
    clients.expireDue(110);
    expect(free).toEqual([
      { thread: 0, now: 3 },
      { thread: 0, now: 110 },
    ]);
    clients.startOp(0, 120);
    expect(sent.map((request) => request.body['type'])).toEqual(['open_session', 'open_session', 'open_session']);
  });
});
