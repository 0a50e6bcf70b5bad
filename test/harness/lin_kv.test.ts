import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/base/rng.js';
import { checkLinKvConcurrency, classifyReply, classifyTimeout, encodeRequestBody, LinKvGenerator, threadRngs, type KvOp } from '../../src/harness/lin_kv.js';

const READ: KvOp = { f: 'read', key: 0, value: null };
const WRITE: KvOp = { f: 'write', key: 0, value: 3 };
const CAS: KvOp = { f: 'cas', key: 0, value: [1, 2] };

describe('lin-kv clients', () => {
  it('binds thread t to node t mod N and gives each group of 2N threads one key: N readers, N writers', () => {
    const generator = new LinKvGenerator({ nodeCount: 3, concurrency: 12 }, new Rng(1));
    expect([0, 1, 2, 3, 4, 5, 6].map((t) => generator.nodeIndexOf(t))).toEqual([0, 1, 2, 0, 1, 2, 0]);
    for (let t = 0; t < 12; t++) {
      const op = generator.nextOp(t, t);
      expect(op.key).toBe(t < 6 ? 0 : 1);
      if (t % 6 < 3) expect(op.f).toBe('read');
      else expect(op.f).not.toBe('read');
    }
  });

  it('mixes write and cas 1:2 with values 0..4, cas from and to independent', () => {
    const generator = new LinKvGenerator({ nodeCount: 1, concurrency: 2 }, new Rng(3));
    const ops = Array.from({ length: 6000 }, () => generator.nextOp(1, 1));
    const writes = ops.filter((op) => op.f === 'write');
    const cas = ops.filter((op) => op.f === 'cas');
    expect(writes.length / ops.length).toBeGreaterThan(0.28);
    expect(writes.length / ops.length).toBeLessThan(0.39);
    expect(new Set(writes.map((op) => op.value))).toEqual(new Set([0, 1, 2, 3, 4]));
    expect(new Set(cas.map((op) => JSON.stringify(op.value))).size).toBe(25);
  });

  it('moves a group to a fresh key once 20 distinct processes have touched its key', () => {
    const generator = new LinKvGenerator({ nodeCount: 1, concurrency: 4 }, new Rng(1));
    // Two groups of two threads: keys 0 and 1; fresh keys start at 2.
    expect(generator.nextOp(0, 0).key).toBe(0);
    expect(generator.nextOp(1, 1).key).toBe(0);
    expect(generator.nextOp(2, 2).key).toBe(1);
    // Thread 0 as 18 further processes (as the client model renumbers it after info results).
    for (let crash = 1; crash <= 18; crash++) expect(generator.nextOp(0, 4 * crash).key).toBe(0);
    // A process seen before does not count again.
    expect(generator.nextOp(1, 1).key).toBe(0);
    // 20 processes have touched key 0 (thread 1's process and 19 of thread 0's); one more moves on.
    expect(generator.nextOp(0, 4 * 19).key).toBe(2);
    expect(generator.nextOp(1, 1).key).toBe(2);
    expect(generator.nextOp(2, 2).key).toBe(1);
    expect(generator.keysUsed).toBe(3);
  });

  it('refuses concurrency that does not fill whole groups', () => {
    expect(checkLinKvConcurrency(3, 6)).toBeUndefined();
    expect(checkLinKvConcurrency(3, 3)).toMatch(/at least 6/);
    expect(checkLinKvConcurrency(3, 8)).toMatch(/multiple of 6/);
    expect(() => new LinKvGenerator({ nodeCount: 2, concurrency: 2 }, new Rng(1))).toThrow(/at least 4/);
  });

  it('encodes requests as Maelstrom does', () => {
    expect(JSON.parse(encodeRequestBody(READ, 7))).toEqual({ type: 'read', key: 0, msg_id: 7 });
    expect(JSON.parse(encodeRequestBody(WRITE, 8))).toEqual({ type: 'write', key: 0, value: 3, msg_id: 8 });
    expect(JSON.parse(encodeRequestBody(CAS, 9))).toEqual({ type: 'cas', key: 0, from: 1, to: 2, msg_id: 9 });
  });
});

describe('classifying replies', () => {
  it('records successes with the value read, the value written, [from, to]', () => {
    expect(classifyReply(READ, { type: 'read_ok', value: 4, in_reply_to: 1 })).toEqual({ type: 'ok', value: 4 });
    expect(classifyReply(READ, { type: 'read_ok', value: 4, in_reply_to: 1, msg_id: 5 })).toEqual({ type: 'ok', value: 4 });
    expect(classifyReply(WRITE, { type: 'write_ok', in_reply_to: 1 })).toEqual({ type: 'ok', value: 3 });
    expect(classifyReply(CAS, { type: 'cas_ok', in_reply_to: 1 })).toEqual({ type: 'ok', value: [1, 2] });
  });

  it('fails definite errors and any failed read; indefinite errors on writes are info', () => {
    const err = (code: number): { type: string; code: number; text: string; in_reply_to: number } => ({ type: 'error', code, text: 't', in_reply_to: 1 });
    expect(classifyReply(CAS, err(22))).toEqual({ type: 'fail', error: { code: 22, text: 't' } });
    expect(classifyReply(WRITE, err(11))).toEqual({ type: 'fail', error: { code: 11, text: 't' } });
    expect(classifyReply(WRITE, err(0))).toEqual({ type: 'info', error: { code: 0, text: 't' } });
    expect(classifyReply(CAS, err(13))).toEqual({ type: 'info', error: { code: 13, text: 't' } });
    expect(classifyReply(CAS, err(1000))).toEqual({ type: 'info', error: { code: 1000, text: 't' } });
    expect(classifyReply(READ, err(13))).toEqual({ type: 'fail', error: { code: 13, text: 't' } });
    expect(classifyReply(READ, err(20))).toEqual({ type: 'fail', error: { code: 20, text: 't' } });
    // Error bodies may carry extra keys.
    expect(classifyReply(CAS, { ...err(22), leader: 'n1' }).type).toBe('fail');
  });

  it('times out reads as fail and writes and cas as info, with net-timeout', () => {
    expect(classifyTimeout(READ)).toEqual({ type: 'fail', error: { code: 0, text: 'net-timeout' } });
    expect(classifyTimeout(WRITE)).toEqual({ type: 'info', error: { code: 0, text: 'net-timeout' } });
    expect(classifyTimeout(CAS)).toEqual({ type: 'info', error: { code: 0, text: 'net-timeout' } });
  });

  it("checks success bodies as closed schemas: anything unexpected is info and marked malformed; another operation's reply answers another request", () => {
    const cases: [KvOp, Record<string, unknown>, RegExp, boolean][] = [
      [WRITE, { type: 'write_ok', in_reply_to: 1, leader: 'n0' }, /disallowed key "leader"/, false],
      [CAS, { type: 'cas_ok', in_reply_to: 1, index: 4 }, /disallowed key "index"/, false],
      [READ, { type: 'read_ok', in_reply_to: 1, value: 1, term: 2 }, /disallowed key "term"/, false],
      [READ, { type: 'read_ok', in_reply_to: 1 }, /lacks the required key "value"/, false],
      [WRITE, { type: 'cas_ok', in_reply_to: 1 }, /expected write_ok/, true],
      [CAS, { type: 'write_ok', in_reply_to: 1 }, /expected cas_ok or error in reply to cas, got type "write_ok"/, true],
      [WRITE, { type: 'read_ok', in_reply_to: 1, value: 3 }, /expected write_ok/, true],
      [READ, { type: 'txn_ok', in_reply_to: 1, txn: [] }, /expected read_ok/, true],
      [WRITE, { type: 'written', in_reply_to: 1 }, /expected write_ok/, false],
      [WRITE, { type: 'write_ok', in_reply_to: 1, msg_id: 'x' }, /non-integer "msg_id"/, false],
      [CAS, { type: 'error', in_reply_to: 1, text: 'no code' }, /without an integer "code"/, false],
    ];
    for (const [op, body, reason, answersAnother] of cases) {
      const completion = classifyReply(op, body as never);
      expect(completion.type, JSON.stringify(body)).toBe('info');
      expect(completion.type === 'info' ? completion.malformed : undefined).toMatch(reason);
      expect(completion.type === 'info' && completion.answersAnother === true, JSON.stringify(body)).toBe(answersAnother);
    }
  });
});

describe('LinKvGenerator with a read fraction (raftkv extension)', () => {
  const share = (readFraction: number, seed: number): number => {
    const generator = new LinKvGenerator({ nodeCount: 3, concurrency: 6, readFraction }, new Rng(seed));
    let reads = 0;
    for (let i = 0; i < 6_000; i++) if (generator.nextOp(i % 6, i % 6).f === 'read') reads++;
    return reads / 6_000;
  };

  it('gives every thread the requested read share instead of fixed roles', () => {
    expect(share(0, 1)).toBe(0);
    expect(share(1, 1)).toBe(1);
    const ninety = share(0.9, 42);
    expect(ninety).toBeGreaterThan(0.87);
    expect(ninety).toBeLessThan(0.93);
  });
});

describe('LinKvGenerator with one Rng per thread (repeatable runs)', () => {
  /** Calls nextOp in an order drawn from `orderSeed`; returns each thread's (f, value) sequence. */
  const sequences = (seed: number, orderSeed: number, threads: number, opsPerThread: number): string[][] => {
    const generator = new LinKvGenerator({ nodeCount: 3, concurrency: threads }, threadRngs(new Rng(seed), threads));
    const order = new Rng(orderSeed);
    const remaining = Array.from({ length: threads }, () => opsPerThread);
    const out: string[][] = Array.from({ length: threads }, () => []);
    for (let left = threads * opsPerThread; left > 0; left--) {
      const open = remaining.flatMap((count, thread) => (count > 0 ? [thread] : []));
      const thread = order.pick(open);
      remaining[thread] = (remaining[thread] as number) - 1;
      const op = generator.nextOp(thread, thread);
      (out[thread] as string[]).push(`${op.f} ${JSON.stringify(op.value)}`);
    }
    return out;
  };

  it('gives each thread the same operations and values whatever order the threads call in', () => {
    const seed = 8_675_309;
    const reference = sequences(seed, 1, 12, 200);
    for (const orderSeed of [2, 3, 4, 5]) expect(sequences(seed, orderSeed, 12, 200), `seed ${seed}, call order seed ${orderSeed}`).toEqual(reference);
    expect(sequences(seed + 1, 1, 12, 200)).not.toEqual(reference);
  });

  it("numbers each group's keys on its own: one group's moves never shift another's keys", () => {
    const generator = new LinKvGenerator({ nodeCount: 1, concurrency: 6, processLimit: 2 }, threadRngs(new Rng(1), 6));
    // Three groups of two threads: keys g, g + 3, g + 6, ...
    expect([0, 2, 4].map((thread) => generator.nextOp(thread, thread).key)).toEqual([0, 1, 2]);
    // Thread 1 runs as processes 1, 7, 13, ... (+ concurrency after each info result).
    let process1 = 1;
    for (let move = 1; move <= 3; move++) {
      generator.nextOp(1, process1);
      process1 += 6;
      // Group 0 had two processes on its key; thread 1's new process moves it on.
      expect(generator.nextOp(1, process1).key).toBe(3 * move);
      process1 += 6;
    }
    // Groups 1 and 2 are where they were, and their own next key does not depend on group 0.
    expect([2, 4].map((thread) => generator.nextOp(thread, thread).key)).toEqual([1, 2]);
    generator.nextOp(3, 3);
    expect(generator.nextOp(3, 9).key).toBe(4);
    expect(generator.keysUsed).toBe(4 + 2 + 1);
  });

  it('refuses a number of thread Rngs other than the number of threads', () => {
    expect(() => new LinKvGenerator({ nodeCount: 1, concurrency: 4 }, threadRngs(new Rng(1), 2))).toThrow(/2 thread Rngs for 4 threads/);
  });
});
