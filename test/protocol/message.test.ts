import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from '../../src/protocol/message.js';

describe('decodeMessage', () => {
  const cases: Array<{ name: string; line: string; kind: string; reason?: RegExp }> = [
    { name: 'a sound request', line: '{"src":"c1","dest":"n0","body":{"type":"read","msg_id":1,"key":2}}', kind: 'message' },
    { name: "Maelstrom's extra id field", line: '{"id":7,"src":"c1","dest":"n0","body":{"type":"read","msg_id":1}}', kind: 'message' },
    { name: 'not JSON', line: '{"src":', kind: 'garbage', reason: /not valid JSON/ },
    { name: 'a JSON array', line: '[1,2]', kind: 'garbage', reason: /not a JSON object/ },
    { name: 'missing src', line: '{"dest":"n0","body":{"type":"read","msg_id":1}}', kind: 'garbage', reason: /"src"/ },
    { name: 'numeric dest', line: '{"src":"c1","dest":3,"body":{"type":"read","msg_id":1}}', kind: 'garbage', reason: /"dest"/ },
    { name: 'body not an object', line: '{"src":"c1","dest":"n0","body":"read"}', kind: 'garbage', reason: /"body"/ },
    { name: 'fractional msg_id', line: '{"src":"c1","dest":"n0","body":{"type":"read","msg_id":1.5}}', kind: 'garbage', reason: /"msg_id"/ },
    { name: 'no type but a msg_id', line: '{"src":"c1","dest":"n0","body":{"msg_id":4}}', kind: 'malformed', reason: /"type"/ },
    { name: 'no type and no msg_id', line: '{"src":"c1","dest":"n0","body":{}}', kind: 'garbage', reason: /"type"/ },
    { name: 'bad in_reply_to', line: '{"src":"n1","dest":"n0","body":{"type":"x","msg_id":4,"in_reply_to":"a"}}', kind: 'malformed', reason: /"in_reply_to"/ },
  ];
  for (const testCase of cases) {
    it(`classifies ${testCase.name}`, () => {
      const decoded = decodeMessage(testCase.line);
      expect(decoded.kind).toBe(testCase.kind);
      if (testCase.reason !== undefined && decoded.kind !== 'message') expect(decoded.reason).toMatch(testCase.reason);
    });
  }

  it('keeps the msg_id and sender of a malformed request so it can be answered', () => {
    const decoded = decodeMessage('{"src":"c9","dest":"n2","body":{"msg_id":17,"type":""}}');
    expect(decoded).toMatchObject({ kind: 'malformed', src: 'c9', dest: 'n2', msgId: 17 });
  });
});

describe('encodeMessage', () => {
  it('writes exactly src, dest and body on one line', () => {
    const line = encodeMessage('n0', 'c1', { type: 'read_ok', value: [1, { a: 'x\ny' }], in_reply_to: 3 });
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    const parsed = JSON.parse(line) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['src', 'dest', 'body']);
    expect(parsed['body']).toEqual({ type: 'read_ok', value: [1, { a: 'x\ny' }], in_reply_to: 3 });
  });

  it('round-trips through decodeMessage', () => {
    const decoded = decodeMessage(encodeMessage('n1', 'n2', { type: 'raft_append', msg_id: 5, term: 3 }).trimEnd());
    expect(decoded).toEqual({ kind: 'message', message: { src: 'n1', dest: 'n2', body: { type: 'raft_append', msg_id: 5, term: 3 } } });
  });
});
