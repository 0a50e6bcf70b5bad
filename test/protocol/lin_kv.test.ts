import { describe, expect, it } from 'vitest';
import { parseKvOperation } from '../../src/protocol/lin_kv.js';
import { parseInit } from '../../src/protocol/init.js';

describe('lin-kv request bodies', () => {
  it('parses read, write and cas', () => {
    expect(parseKvOperation('read', { type: 'read', key: 3 })).toEqual({ ok: true, value: { f: 'read', key: 3 } });
    expect(parseKvOperation('write', { type: 'write', key: 'k', value: null })).toEqual({ ok: true, value: { f: 'write', key: 'k', value: null } });
    expect(parseKvOperation('cas', { type: 'cas', key: 1, from: 2, to: 3, create_if_not_exists: true })).toEqual({
      ok: true,
      value: { f: 'cas', key: 1, from: 2, to: 3, createIfMissing: true },
    });
  });

  it('names the missing or mistyped field', () => {
    expect(parseKvOperation('read', { type: 'read' })).toEqual({ ok: false, error: { field: 'key', problem: 'is missing' } });
    expect(parseKvOperation('cas', { type: 'cas', key: 1, from: 2 })).toEqual({ ok: false, error: { field: 'to', problem: 'is missing' } });
    expect(parseKvOperation('cas', { type: 'cas', key: 1, from: 2, to: 3, create_if_not_exists: 'yes' })).toEqual({
      ok: false,
      error: { field: 'create_if_not_exists', problem: 'must be a boolean' },
    });
  });
});

describe('init bodies', () => {
  it('accepts a node that is in the list', () => {
    expect(parseInit({ type: 'init', node_id: 'n1', node_ids: ['n0', 'n1'] })).toEqual({ ok: true, value: { nodeId: 'n1', nodeIds: ['n0', 'n1'] } });
  });
  it('rejects inconsistent lists', () => {
    expect(parseInit({ type: 'init', node_id: 'n5', node_ids: ['n0', 'n1'] })).toMatchObject({ ok: false, error: { field: 'node_ids' } });
    expect(parseInit({ type: 'init', node_id: 'n0', node_ids: ['n0', 'n0'] })).toMatchObject({ ok: false, error: { field: 'node_ids' } });
    expect(parseInit({ type: 'init', node_id: 'n0', node_ids: 'n0' })).toMatchObject({ ok: false, error: { field: 'node_ids' } });
    expect(parseInit({ type: 'init', node_ids: ['n0'] })).toMatchObject({ ok: false, error: { field: 'node_id' } });
  });
});
