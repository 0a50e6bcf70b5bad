// Transactions as the state machine runs them: micro-ops in order, each seeing the txn's own
// earlier writes, all or nothing; and the shape every micro-op must have.
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/base/json.js';
import { Rng } from '../../src/base/rng.js';
import { KvStore } from '../../src/kv/kv_store.js';
import type { MicroOp, TxnKey } from '../../src/kv/operations.js';
import { executeTxn, isReadOnlyTxn, MAX_TXN_MICRO_OPS, microOpProblem, txnProblem, type TxnStore } from '../../src/kv/txn.js';

/** A store that records every call: the txn sees only get and put. */
class RecordingStore implements TxnStore {
  readonly values = new Map<TxnKey, JsonValue>();
  readonly puts: Array<[TxnKey, JsonValue]> = [];
  get(key: TxnKey): JsonValue | undefined {
    return this.values.get(key);
  }
  put(key: TxnKey, value: JsonValue): void {
    this.puts.push([key, value]);
    this.values.set(key, value);
  }
}

describe('executeTxn', () => {
  it('runs micro-ops in order, each read seeing the txn’s own earlier writes, and a missing key reading null', () => {
    const store = new RecordingStore();
    const ops: MicroOp[] = [
      ['r', 1, null],
      ['append', 1, 10],
      ['r', 1, null],
      ['append', 1, 11],
      ['r', 1, null],
      ['w', 'k', 'v'],
      ['r', 'k', null],
      ['w', 'k', 'v2'],
      ['r', 'k', null],
      ['r', 2, null],
    ];
    expect(executeTxn(ops, store)).toEqual({
      type: 'txn_ok',
      txn: [
        ['r', 1, null],
        ['append', 1, 10],
        ['r', 1, [10]],
        ['append', 1, 11],
        ['r', 1, [10, 11]],
        ['w', 'k', 'v'],
        ['r', 'k', 'v'],
        ['w', 'k', 'v2'],
        ['r', 'k', 'v2'],
        ['r', 2, null],
      ],
    });
    // One put per key written, with its last value, after every micro-op succeeded.
    expect(store.puts).toEqual([
      [1, [10, 11]],
      ['k', 'v2'],
    ]);
  });

  it('appends to an existing list, and creates a list when the key is missing', () => {
    const store = new RecordingStore();
    store.values.set(5, [1, 2]);
    expect(
      executeTxn(
        [
          ['append', 5, 3],
          ['append', 6, 'a'],
          ['r', 5, null],
          ['r', 6, null],
        ],
        store,
      ),
    ).toEqual({
      type: 'txn_ok',
      txn: [
        ['append', 5, 3],
        ['append', 6, 'a'],
        ['r', 5, [1, 2, 3]],
        ['r', 6, ['a']],
      ],
    });
  });

  it('refuses an append to a key holding a non-list with error 12, and changes nothing, not even the writes before it', () => {
    for (const held of [7, 'text', { a: 1 }, null, true] as JsonValue[]) {
      const store = new RecordingStore();
      store.values.set('scalar', held);
      const outcome = executeTxn(
        [
          ['w', 'x', 1],
          ['append', 'list', 1],
          ['append', 'scalar', 2],
          ['w', 'y', 2],
        ],
        store,
      );
      expect(outcome).toMatchObject({ type: 'error', code: 12 });
      expect(outcome.type === 'error' ? outcome.text : '').toBe(
        `micro-op 2 appends to key "scalar", which holds ${JSON.stringify(held)}, not a list; the txn changed nothing`,
      );
      expect(store.puts).toEqual([]);
      expect([...store.values]).toEqual([['scalar', held]]);
    }
  });

  it('refuses an append to a key the same txn wrote a scalar to, and takes one onto a list the txn wrote', () => {
    const store = new RecordingStore();
    expect(
      executeTxn(
        [
          ['w', 1, 3],
          ['append', 1, 4],
        ],
        store,
      ),
    ).toMatchObject({ type: 'error', code: 12 });
    expect(store.puts).toEqual([]);
    expect(
      executeTxn(
        [
          ['w', 1, [3]],
          ['append', 1, 4],
          ['r', 1, null],
        ],
        store,
      ),
    ).toMatchObject({
      txn: [
        ['w', 1, [3]],
        ['append', 1, 4],
        ['r', 1, [3, 4]],
      ],
    });
  });

  it('never changes a stored or returned list in place: a list read before an append stays as it was read', () => {
    const store = new KvStore();
    executeTxn([['append', 1, 1]], store);
    const before = executeTxn([['r', 1, null]], store);
    const stored = store.get(1);
    executeTxn(
      [
        ['append', 1, 2],
        ['append', 1, 3],
      ],
      store,
    );
    expect(before).toEqual({ type: 'txn_ok', txn: [['r', 1, [1]]] });
    expect(stored).toEqual([1]);
    expect(store.get(1)).toEqual([1, 2, 3]);
    // A read inside a txn, then an append in the same txn: the read keeps the list as it was.
    expect(
      executeTxn(
        [
          ['r', 1, null],
          ['append', 1, 4],
          ['r', 1, null],
        ],
        store,
      ),
    ).toEqual({
      type: 'txn_ok',
      txn: [
        ['r', 1, [1, 2, 3]],
        ['append', 1, 4],
        ['r', 1, [1, 2, 3, 4]],
      ],
    });
  });

  it('runs on the lin-kv store: a txn reads what write wrote, and lin-kv reads what a txn wrote; keys 1 and "1" differ', () => {
    const store = new KvStore();
    store.apply({ f: 'write', key: 1, value: 42 });
    expect(
      executeTxn(
        [
          ['r', 1, null],
          ['r', '1', null],
          ['append', '1', 'a'],
        ],
        store,
      ),
    ).toEqual({
      type: 'txn_ok',
      txn: [
        ['r', 1, 42],
        ['r', '1', null],
        ['append', '1', 'a'],
      ],
    });
    expect(store.read('1')).toEqual({ type: 'read_ok', value: ['a'] });
    expect(store.apply({ f: 'cas', key: '1', from: ['a'], to: ['b'], createIfMissing: false })).toEqual({ type: 'cas_ok' });
    expect(executeTxn([['r', '1', null]], store)).toEqual({ type: 'txn_ok', txn: [['r', '1', ['b']]] });
  });
});

describe('the shape of a txn', () => {
  it('tells a read-only txn from one that writes', () => {
    expect(
      isReadOnlyTxn([
        ['r', 1, null],
        ['r', 'k', null],
      ]),
    ).toBe(true);
    expect(
      isReadOnlyTxn([
        ['r', 1, null],
        ['append', 1, 2],
      ]),
    ).toBe(false);
    expect(isReadOnlyTxn([['w', 1, 2]])).toBe(false);
  });

  it('names what is wrong with a micro-op', () => {
    expect(microOpProblem(['r', 1, null])).toBeUndefined();
    expect(microOpProblem(['append', 'k', [1, { a: null }]])).toBeUndefined();
    expect(microOpProblem(['w', -3, null])).toBeUndefined();
    for (const [op, problem] of [
      [{ f: 'r' }, 'is not a list of three elements [f, key, value]'],
      [['r', 1], 'is not a list of three elements [f, key, value]'],
      [['r', 1, null, 4], 'is not a list of three elements [f, key, value]'],
      [['read', 1, null], 'has the unknown function "read"; the functions are "r", "w" and "append"'],
      [[1, 1, null], 'has the unknown function 1; the functions are "r", "w" and "append"'],
      [['r', 1.5, null], 'has a key that is neither an integer (within ±(2^53 - 1)) nor a string'],
      [['w', 2 ** 53, 1], 'has a key that is neither an integer (within ±(2^53 - 1)) nor a string'],
      [['w', [1], 1], 'has a key that is neither an integer (within ±(2^53 - 1)) nor a string'],
      [['append', null, 1], 'has a key that is neither an integer (within ±(2^53 - 1)) nor a string'],
      [['r', 1, 7], 'is a read, whose value must be null'],
    ] as const) {
      expect(microOpProblem(op), JSON.stringify(op)).toBe(problem);
    }
  });

  it('bounds a txn: a non-empty list of at most MAX_TXN_MICRO_OPS micro-ops, each well formed', () => {
    const reads = (count: number): MicroOp[] => Array.from({ length: count }, (_, key): MicroOp => ['r', key, null]);
    expect(txnProblem(reads(1))).toBeUndefined();
    expect(txnProblem(reads(MAX_TXN_MICRO_OPS))).toBeUndefined();
    expect(txnProblem(reads(MAX_TXN_MICRO_OPS + 1))).toBe(`a txn holds at most ${MAX_TXN_MICRO_OPS} micro-ops; this one has ${MAX_TXN_MICRO_OPS + 1}`);
    expect(txnProblem([])).toBe('a txn must hold at least one micro-op');
    expect(txnProblem({ r: 1 })).toBe('a txn must be a list of micro-ops');
    expect(
      txnProblem([
        ['r', 1, null],
        ['x', 1, 2],
      ]),
    ).toBe('micro-op 1 ["x",1,2] has the unknown function "x"; the functions are "r", "w" and "append"');
  });
});

describe('executeTxn against a reference', () => {
  // The reference runs each micro-op straight on a copy of the store and keeps the copy only if
  // every micro-op succeeded. Replay a failure with TXN_SEED=<seed>.
  it('agrees on random txns over a few keys: same replies, same store, nothing changed by a failed txn', () => {
    const seed = Number(process.env['TXN_SEED'] ?? 1_717);
    const rng = new Rng(seed);
    const store = new KvStore();
    let reference = new Map<TxnKey, JsonValue>();
    const keys: TxnKey[] = [0, 1, 2, 'a'];
    for (let round = 0; round < 2_000; round++) {
      const ops: MicroOp[] = Array.from({ length: rng.int(1, 6) }, (): MicroOp => {
        const key = rng.pick(keys);
        const roll = rng.int(0, 9);
        return roll < 4 ? ['r', key, null] : roll < 8 ? ['append', key, round] : ['w', key, rng.chance(0.5) ? [round] : round];
      });
      const copy = new Map(reference);
      const reads: JsonValue[] = [];
      let failed = false;
      for (const [f, key, value] of ops) {
        const current = copy.get(key);
        if (f === 'r') reads.push(['r', key, current ?? null]);
        else if (f === 'w') copy.set(key, value);
        else if (current === undefined || Array.isArray(current)) copy.set(key, [...((current as JsonValue[] | undefined) ?? []), value]);
        else failed = true;
        if (failed) break;
      }
      const outcome = executeTxn(ops, store);
      const context = `seed ${seed} (TXN_SEED=${seed}), round ${round}, txn ${JSON.stringify(ops)}`;
      if (failed) {
        expect(outcome, context).toMatchObject({ type: 'error', code: 12 });
      } else {
        reference = copy;
        expect(outcome.type, context).toBe('txn_ok');
        const got = outcome.type === 'txn_ok' ? outcome.txn.filter((op) => (op as JsonValue[])[0] === 'r') : [];
        expect(got, context).toEqual(reads);
      }
      for (const key of keys) expect(store.get(key), context).toEqual(reference.get(key));
    }
  });
});
