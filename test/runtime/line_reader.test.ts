import { describe, expect, it } from 'vitest';
import type { OversizedLineFacts } from '../../src/protocol/oversized_line.js';
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

  it('hands on what the scan of a dropped line found, from the bytes held before the limit was passed and those after', () => {
    const line = JSON.stringify({ src: 'c1', dest: 'n0', body: { type: 'write', value: 'x'.repeat(500), msg_id: 41 } });
    const facts: OversizedLineFacts[] = [];
    const lines: string[] = [];
    const splitter = new LineSplitter(100, { line: (text) => lines.push(text), oversized: (_, found) => facts.push(found) });
    // The envelope's fields arrive before the limit is passed, msg_id long after it.
    for (let at = 0; at < line.length; at += 37) splitter.push(Buffer.from(line.slice(at, at + 37)));
    splitter.push(Buffer.from('\n{"next":1}\n'));
    expect(facts).toEqual([{ complete: true, src: 'c1', dest: 'n0', msgId: 41, type: 'write', hasInReplyTo: false }]);
    expect(lines).toEqual(['{"next":1}']);
  });
});
