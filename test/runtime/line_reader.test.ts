import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../src/runtime/line_reader.js';

function split(chunks: string[], maxLineBytes = 64): { lines: string[]; oversized: number[] } {
  const lines: string[] = [];
  const oversized: number[] = [];
  const splitter = new LineSplitter(maxLineBytes, { line: (text) => lines.push(text), oversized: (bytes) => oversized.push(bytes) });
  for (const chunk of chunks) splitter.push(Buffer.from(chunk));
  splitter.finish();
  return { lines, oversized };
}

describe('LineSplitter', () => {
  it('joins lines split across chunks and strips CR', () => {
    expect(split(['{"a"', ':1}\r\n{"b":2}\n', '\n', '{"c":3}']).lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('keeps multi-byte characters split across chunks intact', () => {
    const bytes = Buffer.from('"héllo"\n');
    const lines: string[] = [];
    const splitter = new LineSplitter(64, { line: (text) => lines.push(text), oversized: () => {} });
    splitter.push(bytes.subarray(0, 3));
    splitter.push(bytes.subarray(3));
    expect(lines).toEqual(['"héllo"']);
  });

  it('drops an over-long line, reports its size, and resumes at the next line', () => {
    const long = 'x'.repeat(100);
    const result = split(['ok1\n', long.slice(0, 30), long.slice(30), '\nok2\n'], 64);
    expect(result.lines).toEqual(['ok1', 'ok2']);
    expect(result.oversized).toEqual([100]);
  });
});
