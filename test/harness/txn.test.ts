// The txn workloads' clients: Elle's generator as Maelstrom runs it (lengths, read/write odds,
// unique values per key, key retirement, the exponential key pick), per-thread repeatability of
// txn shapes, and how a reply, an error or a timeout becomes a history outcome.
import { describe, expect, it } from 'vitest';
import type { JsonObject, JsonValue } from '../../src/base/json.js';
import { Rng } from '../../src/base/rng.js';
import { threadRngs } from '../../src/harness/lin_kv.js';
import {
  classifyTxnReply,
  classifyTxnTimeout,
  encodeTxnRequest,
  exponentialSlot,
  readTxn,
  TxnGenerator,
  type MicroOpJson,
  type TxnGeneratorConfig,
  type TxnOp,
} from '../../src/harness/txn.js';

const APPEND: TxnGeneratorConfig = { workload: 'txn-list-append', keyCount: 10, maxTxnLength: 4, maxWritesPerKey: 16, keyDist: 'exponential' };

/** Every micro-op of `count` txns, generated round-robin over `threads` threads. */
function microOps(generator: TxnGenerator, count: number, threads = 1): MicroOpJson[] {
  const ops: MicroOpJson[] = [];
  for (let i = 0; i < count; i++) ops.push(...generator.nextTxn(i % threads).value);
  return ops;
}

describe('the txn generator', () => {
  it('makes txns of 1 to max-txn-length micro-ops, reads and writes with equal odds', () => {
    const seed = 11;
    const generator = new TxnGenerator({ ...APPEND, maxTxnLength: 3 }, new Rng(seed));
    const lengths = new Map<number, number>();
    let reads = 0;
    let total = 0;
    for (let i = 0; i < 6000; i++) {
      const txn = generator.nextTxn(0);
      expect(txn.f).toBe('txn');
      lengths.set(txn.value.length, (lengths.get(txn.value.length) ?? 0) + 1);
      for (const [f, , value] of txn.value) {
        total++;
        if (f === 'r') {
          reads++;
          expect(value).toBeNull();
        } else expect(f).toBe('append');
      }
    }
    expect([...lengths.keys()].sort(), `seed ${seed}`).toEqual([1, 2, 3]);
    for (const count of lengths.values()) expect(count / 6000, `seed ${seed}`).toBeCloseTo(1 / 3, 1);
    expect(reads / total, `seed ${seed}`).toBeGreaterThan(0.47);
    expect(reads / total, `seed ${seed}`).toBeLessThan(0.53);
  });

  it('writes "w" in txn-rw-register', () => {
    const generator = new TxnGenerator({ ...APPEND, workload: 'txn-rw-register' }, new Rng(2));
    const fs = new Set(microOps(generator, 200).map(([f]) => f));
    expect(fs).toEqual(new Set(['r', 'w']));
  });

  it('picks key slots exponentially: slot i twice as likely as slot i - 1, the hottest near half of all micro-ops', () => {
    // The pick itself, at the edges of its spans: slot i covers [2^(i+1) - 2, 2^(i+2) - 2) / (2^(n+1) - 2).
    expect(exponentialSlot(0, 10)).toBe(0);
    expect(exponentialSlot(0.999_999_9, 10)).toBe(9);
    expect(exponentialSlot(2 / 2046 - 1e-9, 10)).toBe(0);
    expect(exponentialSlot(2 / 2046 + 1e-9, 10)).toBe(1);
    expect(exponentialSlot(0.5, 1)).toBe(0);
    // Measured over many micro-ops with retirement off: per key (key = slot here).
    for (const seed of [1, 2, 3]) {
      const generator = new TxnGenerator({ ...APPEND, maxWritesPerKey: 1_000_000 }, new Rng(seed));
      const perKey = new Map<number, number>();
      const ops = microOps(generator, 20_000);
      for (const [, key] of ops) perKey.set(key, (perKey.get(key) ?? 0) + 1);
      const share = (key: number): number => (perKey.get(key) ?? 0) / ops.length;
      expect(share(9), `seed ${seed}`).toBeGreaterThan(0.48);
      expect(share(9), `seed ${seed}`).toBeLessThan(0.52);
      expect(share(8) / share(9), `seed ${seed}`).toBeGreaterThan(0.45);
      expect(share(8) / share(9), `seed ${seed}`).toBeLessThan(0.55);
      expect(share(0), `seed ${seed}`).toBeLessThan(0.003);
      expect(
        [...perKey.keys()].every((key) => key >= 0 && key < 10),
        `seed ${seed}`,
      ).toBe(true);
    }
  });

  it('picks key slots uniformly with --key-dist uniform', () => {
    const seed = 5;
    const generator = new TxnGenerator({ ...APPEND, keyDist: 'uniform', keyCount: 4, maxWritesPerKey: 1_000_000 }, new Rng(seed));
    const perKey = new Map<number, number>();
    const ops = microOps(generator, 8000);
    for (const [, key] of ops) perKey.set(key, (perKey.get(key) ?? 0) + 1);
    expect([...perKey.keys()].sort()).toEqual([0, 1, 2, 3]);
    for (const count of perKey.values()) expect(count / ops.length, `seed ${seed}`).toBeCloseTo(0.25, 1);
  });

  it('gives every key the values 1, 2, 3, ... once each across all threads, and retires it after max-writes-per-key writes', () => {
    for (const seed of [1, 2, 3]) {
      const threads = 6;
      const generator = new TxnGenerator({ ...APPEND, keyCount: 3, maxWritesPerKey: 5 }, threadRngs(new Rng(seed), threads));
      const order = new Rng(seed + 100);
      const valuesByKey = new Map<number, number[]>();
      const readKeys = new Set<number>();
      for (let i = 0; i < 3000; i++) {
        for (const [f, key, value] of generator.nextTxn(order.int(0, threads - 1)).value) {
          if (f === 'r') {
            readKeys.add(key);
            continue;
          }
          valuesByKey.set(key, [...(valuesByKey.get(key) ?? []), value as number]);
        }
      }
      const keys = [...valuesByKey.keys()].sort((a, b) => a - b);
      // Fresh keys are the next integers; every key but the (at most 3) still active ones is full.
      expect(keys[0], `seed ${seed}`).toBe(0);
      expect(generator.keysUsed, `seed ${seed}`).toBeGreaterThan(100);
      let partial = 0;
      for (const key of keys) {
        const values = valuesByKey.get(key) as number[];
        expect(values, `seed ${seed}, key ${key}`).toEqual(Array.from({ length: values.length }, (_, i) => i + 1));
        expect(values.length, `seed ${seed}, key ${key}`).toBeLessThanOrEqual(5);
        if (values.length < 5) partial++;
      }
      expect(partial, `seed ${seed}`).toBeLessThanOrEqual(3);
      expect(generator.keysWritten(), `seed ${seed}`).toEqual([...valuesByKey.keys()]);
      for (const key of readKeys) expect(key, `seed ${seed}`).toBeLessThan(generator.keysUsed);
    }
  });

  it('retires a key at its first write beyond the limit, and the fresh key takes the same slot', () => {
    // One slot, one write per key: every write goes to a fresh key; reads follow the slot.
    const generator = new TxnGenerator({ ...APPEND, keyCount: 1, maxWritesPerKey: 1 }, new Rng(9));
    let current = 0;
    for (const [f, key, value] of microOps(generator, 400)) {
      if (f === 'r') {
        expect(key).toBe(current);
        continue;
      }
      // The first write of all goes to key 0; every later one retires the slot's key.
      expect(key === current ? current === 0 && value === 1 : key === current + 1 && value === 1).toBe(true);
      current = key;
    }
    expect(generator.keysUsed).toBe(current + 1);
  });

  it('gives each thread the same txn shapes whatever order the threads call in (keys and values follow the timing)', () => {
    const shapes = (seed: number, orderSeed: number): string[][] => {
      const threads = 5;
      const generator = new TxnGenerator({ ...APPEND, keyCount: 4, maxWritesPerKey: 3 }, threadRngs(new Rng(seed), threads));
      const order = new Rng(orderSeed);
      const out: string[][] = Array.from({ length: threads }, () => []);
      const remaining = Array.from({ length: threads }, () => 100);
      for (let left = threads * 100; left > 0; left--) {
        const thread = order.pick(remaining.flatMap((count, t) => (count > 0 ? [t] : [])));
        remaining[thread] = (remaining[thread] as number) - 1;
        // The shape: length and the f of each micro-op (the slot is not visible once keys move on).
        (out[thread] as string[]).push(
          generator
            .nextTxn(thread)
            .value.map(([f]) => f)
            .join(','),
        );
      }
      return out;
    };
    const seed = 4242;
    const reference = shapes(seed, 1);
    for (const orderSeed of [2, 3, 4]) expect(shapes(seed, orderSeed), `seed ${seed}, call order seed ${orderSeed}`).toEqual(reference);
    expect(shapes(seed + 1, 1)).not.toEqual(reference);
  });

  it('refuses settings that are not positive integers', () => {
    expect(() => new TxnGenerator({ ...APPEND, keyCount: 0 }, new Rng(1))).toThrow(/keyCount/);
    expect(() => new TxnGenerator({ ...APPEND, maxTxnLength: 1.5 }, new Rng(1))).toThrow(/maxTxnLength/);
    expect(() => new TxnGenerator({ ...APPEND, maxWritesPerKey: -1 }, new Rng(1))).toThrow(/maxWritesPerKey/);
  });
});

describe('txn requests and replies', () => {
  const op: TxnOp = {
    f: 'txn',
    value: [
      ['r', 1, null],
      ['append', 1, 6],
      ['append', 2, 9],
    ],
  };
  const reply = (txn: JsonValue, extra: JsonObject = {}): JsonObject => ({ type: 'txn_ok', in_reply_to: 3, txn, ...extra });

  it('encodes the request as Maelstrom does', () => {
    expect(JSON.parse(encodeTxnRequest(op, 3))).toEqual({ type: 'txn', msg_id: 3, txn: op.value });
    expect(JSON.parse(encodeTxnRequest(readTxn([4, 5]), 1))).toEqual({
      type: 'txn',
      msg_id: 1,
      txn: [
        ['r', 4, null],
        ['r', 5, null],
      ],
    });
  });

  it('records a txn_ok with its micro-ops, reads filled in, as ok', () => {
    const filled = [
      ['r', 1, [8]],
      ['append', 1, 6],
      ['append', 2, 9],
    ];
    expect(classifyTxnReply('txn-list-append', op, reply(filled))).toEqual({ type: 'ok', value: filled });
    expect(classifyTxnReply('txn-list-append', op, reply(filled, { msg_id: 5 })).type).toBe('ok');
    const missing = [['r', 1, null], ...filled.slice(1)];
    expect(classifyTxnReply('txn-list-append', op, reply(missing)).type).toBe('ok');
    const register: TxnOp = {
      f: 'txn',
      value: [
        ['r', 3, null],
        ['w', 3, 2],
      ],
    };
    expect(
      classifyTxnReply(
        'txn-rw-register',
        register,
        reply([
          ['r', 3, 1],
          ['w', 3, 2],
        ]),
      ).type,
    ).toBe('ok');
    expect(
      classifyTxnReply(
        'txn-rw-register',
        register,
        reply([
          ['r', 3, null],
          ['w', 3, 2],
        ]),
      ).type,
    ).toBe('ok');
  });

  it('fails a txn on a definite error and makes it info on an indefinite one or a timeout: no txn is idempotent', () => {
    const error = (code: number): JsonObject => ({ type: 'error', in_reply_to: 3, code, text: 't', extra: 1 });
    for (const code of [30, 14, 11, 10, 12, 1, 20, 21, 22])
      expect(classifyTxnReply('txn-list-append', op, error(code)), `code ${code}`).toEqual({ type: 'fail', error: { code, text: 't' } });
    for (const code of [0, 13, 1000, 999])
      expect(classifyTxnReply('txn-list-append', op, error(code)), `code ${code}`).toEqual({ type: 'info', error: { code, text: 't' } });
    expect(classifyTxnTimeout()).toEqual({ type: 'info', error: { code: 0, text: 'net-timeout' } });
  });

  it('calls every reply whose micro-ops differ from the request malformed (info, with the reason), and those of another txn answers to another request', () => {
    const good: JsonValue[] = [
      ['r', 1, [8]],
      ['append', 1, 6],
      ['append', 2, 9],
    ];
    const register: TxnOp = {
      f: 'txn',
      value: [
        ['r', 3, null],
        ['w', 3, 2],
      ],
    };
    const cases: [TxnOp, 'txn-list-append' | 'txn-rw-register', JsonObject, RegExp][] = [
      [op, 'txn-list-append', reply(good.slice(0, 2)), /has 2 micro-ops where 3 were sent/],
      [op, 'txn-list-append', reply([...good, ['r', 1, null]]), /has 4 micro-ops where 3 were sent/],
      [op, 'txn-list-append', reply([['append', 1, 8], good[1] as JsonValue, good[2] as JsonValue]), /has "append" for micro-op 0, which was "r"/],
      [op, 'txn-list-append', reply([['r', 7, [8]], good[1] as JsonValue, good[2] as JsonValue]), /key 7 in micro-op 0, which was on key 1/],
      [op, 'txn-list-append', reply([['r', '1', [8]], good[1] as JsonValue, good[2] as JsonValue]), /key "1" in micro-op 0/],
      [op, 'txn-list-append', reply([good[0] as JsonValue, ['append', 1, 7], good[2] as JsonValue]), /written value 7 in micro-op 1, which wrote 6/],
      [op, 'txn-list-append', reply([['r', 1, 8], good[1] as JsonValue, good[2] as JsonValue]), /reads 8 in micro-op 0, not a list of integers or null/],
      [op, 'txn-list-append', reply([['r', 1, [1, 'x']], good[1] as JsonValue, good[2] as JsonValue]), /not a list of integers or null/],
      [op, 'txn-list-append', reply([['r', 1, [1.5]], good[1] as JsonValue, good[2] as JsonValue]), /not a list of integers or null/],
      [op, 'txn-list-append', reply([['r', 1], good[1] as JsonValue, good[2] as JsonValue]), /micro-op 0 that is not \[f, k, v\]/],
      [op, 'txn-list-append', reply([{ f: 'r' }, good[1] as JsonValue, good[2] as JsonValue]), /micro-op 0 that is not \[f, k, v\]/],
      [op, 'txn-list-append', reply({ r: 1 }), /"txn" is not a list/],
      [op, 'txn-list-append', { type: 'txn_ok', in_reply_to: 3 }, /lacks the required key "txn"/],
      [op, 'txn-list-append', reply(good, { leader: 'n0' }), /disallowed key "leader"/],
      [op, 'txn-list-append', reply(good, { msg_id: 'x' }), /non-integer "msg_id"/],
      [op, 'txn-list-append', { type: 'read_ok', in_reply_to: 3, value: 1 }, /expected txn_ok or error/],
      [op, 'txn-list-append', { type: 'error', in_reply_to: 3, text: 'no code' }, /without an integer "code"/],
      [
        register,
        'txn-rw-register',
        reply([
          ['r', 3, [1]],
          ['w', 3, 2],
        ]),
        /reads \[1\] in micro-op 0, not an integer or null/,
      ],
      [
        register,
        'txn-rw-register',
        reply([
          ['r', 3, 'a'],
          ['w', 3, 2],
        ]),
        /not an integer or null/,
      ],
      [
        register,
        'txn-rw-register',
        reply([
          ['r', 3, 1],
          ['append', 3, 2],
        ]),
        /has "append" for micro-op 1, which was "w"/,
      ],
    ];
    // Another length, f, key or written value, or another operation's reply: another txn's answer.
    const answersAnother = /micro-ops where|for micro-op|key .* in micro-op|written value|expected txn_ok/;
    for (const [sent, workload, body, reason] of cases) {
      const completion = classifyTxnReply(workload, sent, body);
      expect(completion.type, JSON.stringify(body)).toBe('info');
      expect(completion.type === 'info' ? completion.malformed : undefined, JSON.stringify(body)).toMatch(reason);
      expect(completion.type === 'info' ? completion.error.code : undefined).toBe(13);
      expect(completion.type === 'info' && completion.answersAnother === true, JSON.stringify(body)).toBe(answersAnother.test(reason.source));
    }
  });
});
