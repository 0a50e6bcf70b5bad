import { describe, expect, it } from 'vitest';
import { MAX_VALUE_DEPTH, parseClientRequest, parseKvOperation } from '../../src/protocol/lin_kv.js';
import type { Body } from '../../src/protocol/message.js';
import { parseInit } from '../../src/protocol/init.js';

describe('lin-kv values JSON cannot carry', () => {
  const parse = (line: string) => {
    const body = JSON.parse(line) as Body;
    return parseKvOperation(body.type as 'read' | 'write' | 'cas', body);
  };

  it('refuses a number that overflows to infinity, in a key or value, however deep', () => {
    for (const [line, field] of [
      ['{"type":"write","key":1,"value":1e400}', 'value'],
      ['{"type":"write","key":1,"value":[1,{"a":-1e999}]}', 'value'],
      ['{"type":"read","key":1e400}', 'key'],
      ['{"type":"cas","key":1,"from":1e309,"to":2}', 'from'],
      ['{"type":"cas","key":1,"from":1,"to":{"x":[1e400]}}', 'to'],
    ] as const) {
      expect(parse(line)).toEqual({
        ok: false,
        error: { field, problem: 'holds a number too large for JSON to carry (it reads as infinity); send it as a string' },
      });
    }
  });

  it('refuses integers beyond ±(2^53 - 1), which JSON parsers round, and takes those within and every fraction', () => {
    expect(parse('{"type":"write","key":1,"value":12345678901234567891}')).toEqual({
      ok: false,
      error: {
        field: 'value',
        problem: 'holds 12345678901234567000, an integer beyond ±(2^53 - 1) that JSON parsers round, so it would not read back as sent; send it as a string',
      },
    });
    expect(parse('{"type":"write","key":-9007199254740992,"value":1}')).toMatchObject({ ok: false, error: { field: 'key' } });
    expect(parse('{"type":"write","key":1,"value":[9007199254740991,-9007199254740991,0.1,1.5e-300,"12345678901234567891"]}')).toMatchObject({ ok: true });
  });

  it('refuses keys and values nested deeper than the bound (they would exhaust the stack)', () => {
    const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    expect(parse(`{"type":"write","key":1,"value":${nested(MAX_VALUE_DEPTH)}}`)).toMatchObject({ ok: true });
    expect(parse(`{"type":"write","key":1,"value":${nested(MAX_VALUE_DEPTH + 1)}}`)).toEqual({
      ok: false,
      error: { field: 'value', problem: `nests deeper than ${MAX_VALUE_DEPTH} levels` },
    });
    expect(parse(`{"type":"read","key":${nested(20_000)}}`)).toMatchObject({ ok: false, error: { field: 'key' } });
  });
});

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

describe('lin-kv requests and the txn extensions', () => {
  const parse = (line: string) => {
    const body = JSON.parse(line) as Body;
    return parseClientRequest(body.type as 'read' | 'write' | 'cas', body);
  };

  it('refuses at_index, read_index and return_index on read, write and cas rather than ignoring them', () => {
    for (const line of [
      '{"type":"read","key":1,"at_index":5}',
      '{"type":"write","key":1,"value":2,"return_index":true}',
      '{"type":"cas","key":1,"from":1,"to":2,"at_index":3}',
      '{"type":"write","key":1,"value":2,"read_index":3}',
    ]) {
      expect(parse(line)).toMatchObject({ ok: false, error: { problem: expect.stringContaining('is a txn extension') } });
    }
    expect(parse('{"type":"read","key":1,"min_index":5}')).toMatchObject({ ok: true, value: { minIndex: 5 } });
  });
});
