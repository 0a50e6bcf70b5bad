import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/base/crc32.js';

describe('crc32', () => {
  it('matches the standard check value and zlib on a range', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.from(''))).toBe(0);
    expect(crc32(Buffer.from('xx123456789yy'), 2, 11)).toBe(0xcbf43926);
  });
});
