import { describe, expect, it } from 'vitest';
import { KvStore } from '../../src/kv/kv_store.js';

describe('KvStore', () => {
  it('follows lin-kv semantics for read, write and cas', () => {
    const store = new KvStore();
    expect(store.apply({ f: 'read', key: 1 })).toMatchObject({ type: 'error', code: 20 });
    expect(store.apply({ f: 'cas', key: 1, from: 0, to: 1, createIfMissing: false })).toMatchObject({ type: 'error', code: 20 });
    expect(store.apply({ f: 'write', key: 1, value: 3 })).toEqual({ type: 'write_ok' });
    expect(store.apply({ f: 'read', key: 1 })).toEqual({ type: 'read_ok', value: 3 });
    expect(store.apply({ f: 'cas', key: 1, from: 4, to: 0, createIfMissing: false })).toMatchObject({ type: 'error', code: 22 });
    expect(store.apply({ f: 'cas', key: 1, from: 3, to: 0, createIfMissing: false })).toEqual({ type: 'cas_ok' });
    expect(store.read(1)).toEqual({ type: 'read_ok', value: 0 });
  });

  it('creates on cas when asked to', () => {
    const store = new KvStore();
    expect(store.apply({ f: 'cas', key: 'k', from: 9, to: 2, createIfMissing: true })).toEqual({ type: 'cas_ok' });
    expect(store.read('k')).toEqual({ type: 'read_ok', value: 2 });
  });

  it('compares keys and values as JSON, not by identity or key order', () => {
    const store = new KvStore();
    store.apply({ f: 'write', key: { a: 1, b: [2] }, value: { x: 1, y: 2 } });
    expect(store.read({ b: [2], a: 1 })).toEqual({ type: 'read_ok', value: { x: 1, y: 2 } });
    expect(store.apply({ f: 'cas', key: { b: [2], a: 1 }, from: { y: 2, x: 1 }, to: 5, createIfMissing: false })).toEqual({ type: 'cas_ok' });
    expect(store.read(1)).toMatchObject({ code: 20 });
    store.apply({ f: 'write', key: '1', value: 'string key' });
    expect(store.read(1)).toMatchObject({ code: 20 });
  });
});
