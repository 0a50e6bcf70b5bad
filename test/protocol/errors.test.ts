import { describe, expect, it } from 'vitest';
import { ERROR_TABLE, ErrorCode, errorName, isDefiniteError } from '../../src/protocol/errors.js';

describe('the Maelstrom error table', () => {
  it('lists every code once, with the names Maelstrom uses', () => {
    expect(ERROR_TABLE.map((info) => [info.code, info.name])).toEqual([
      [0, 'timeout'],
      [1, 'node-not-found'],
      [10, 'not-supported'],
      [11, 'temporarily-unavailable'],
      [12, 'malformed-request'],
      [13, 'crash'],
      [14, 'abort'],
      [20, 'key-does-not-exist'],
      [21, 'key-already-exists'],
      [22, 'precondition-failed'],
      [30, 'txn-conflict'],
    ]);
  });

  it('marks only timeout and crash indefinite among the known codes', () => {
    const indefinite = ERROR_TABLE.filter((info) => !isDefiniteError(info.code)).map((info) => info.code);
    expect(indefinite).toEqual([ErrorCode.timeout, ErrorCode.crash]);
  });

  it('treats unknown and custom codes as indefinite', () => {
    expect(isDefiniteError(1000)).toBe(false);
    expect(isDefiniteError(15)).toBe(false);
    expect(errorName(1000)).toBe('unknown');
  });
});
