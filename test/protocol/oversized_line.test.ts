// The scan of an oversized input line: it must find the envelope's src and dest and the body's
// msg_id, type and in_reply_to exactly where JSON.parse would, whatever the values hold and
// wherever the chunks are cut, in bounded memory.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/base/rng.js';
import { MAX_SCAN_DEPTH, OversizedLineScanner, type OversizedLineFacts } from '../../src/protocol/oversized_line.js';

function scan(text: string | Buffer, cuts: readonly number[] = []): OversizedLineFacts {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const scanner = new OversizedLineScanner();
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    scanner.push(bytes.subarray(start, cut));
    start = cut;
  }
  return scanner.finish();
}

/** What the scan must report for a line JSON.parse can read. */
function expected(text: string): OversizedLineFacts {
  const parsed = JSON.parse(text) as unknown;
  const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isObject(parsed)) return { complete: false, src: undefined, dest: undefined, msgId: undefined, type: undefined, hasInReplyTo: false };
  const body = isObject(parsed['body']) ? parsed['body'] : {};
  const text_ = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  return {
    complete: true,
    src: text_(parsed['src']),
    dest: text_(parsed['dest']),
    msgId: typeof body['msg_id'] === 'number' ? body['msg_id'] : undefined,
    type: text_(body['type']),
    hasInReplyTo: body['in_reply_to'] !== undefined,
  };
}

const BIG = 'v'.repeat(200_000);

describe('OversizedLineScanner', () => {
  it('finds the envelope and body fields of a request with a huge value', () => {
    const line = JSON.stringify({ src: 'c1', dest: 'n0', body: { type: 'write', key: 0, value: BIG, msg_id: 17 } });
    expect(scan(line)).toEqual({ complete: true, src: 'c1', dest: 'n0', msgId: 17, type: 'write', hasInReplyTo: false });
  });

  it('is not fooled by "msg_id": inside strings, escaped quotes and backslashes', () => {
    const tricky = `${BIG} "msg_id":99, \\"msg_id\\":98 \\\\" , "in_reply_to": 1 }}`;
    const line = JSON.stringify({ src: 'c"1\\', dest: 'n0', body: { type: 'cas', from: tricky, to: '\\', msg_id: 5, key: '"msg_id":4' } });
    expect(scan(line)).toEqual(expected(line));
    expect(scan(line)).toMatchObject({ src: 'c"1\\', msgId: 5, hasInReplyTo: false, complete: true });
  });

  it('takes only the body’s top-level fields, and the last of a repeated field', () => {
    const line = '{"msg_id":1,"src":"c9","body":{"type":"write","value":{"msg_id":7,"in_reply_to":3,"type":"x"},"msg_id":3,"msg_id":4},"dest":"n2"}';
    expect(scan(line)).toEqual({ complete: true, src: 'c9', dest: 'n2', msgId: 4, type: 'write', hasInReplyTo: false });
  });

  it('reads keys and values written with escapes, and multi-byte characters cut between chunks', () => {
    const line = '{"sr\\u0063":"c\\u00e9\u00e9","dest":"n0","body":{"msg\\u005fid":8,"typ\\u0065":"read","in_reply_to":null}}';
    const bytes = Buffer.from(line);
    for (let cut = 1; cut < bytes.length; cut++)
      expect(scan(bytes, [cut])).toEqual({ complete: true, src: 'céé', dest: 'n0', msgId: 8, type: 'read', hasInReplyTo: true });
  });

  it('finds msg_id after a huge value, with the line cut into many chunks', () => {
    const line = JSON.stringify({ src: 'c1', dest: 'n0', body: { type: 'write', value: { nested: [BIG, { deep: [BIG] }] }, msg_id: 123 } });
    const cuts: number[] = [];
    for (let at = 7; at < line.length; at += 4_099) cuts.push(at);
    expect(scan(line, cuts)).toEqual(expected(line));
  });

  it('reports an incomplete or broken line as incomplete', () => {
    const line = JSON.stringify({ src: 'c1', dest: 'n0', body: { type: 'write', msg_id: 1, value: BIG } });
    expect(scan(line.slice(0, -1)).complete).toBe(false); // cut short
    expect(scan(`${line}x`).complete).toBe(false); // something after it
    expect(scan(line.replace('"msg_id":1,', '"msg_id":1]')).complete).toBe(false); // mismatched bracket
    expect(scan(line.replace('"type":', '"type"')).complete).toBe(false); // missing colon
    expect(scan(`[${line}]`)).toMatchObject({ complete: false, src: undefined, msgId: undefined }); // not an object
    expect(scan(line.replace('\\', '\\q')).complete).toBe(true); // no backslash in this line: unchanged
    expect(scan('{"src":"c1","dest":"n0","body":{"msg_id":1,"x":"\\q"}}').complete).toBe(false); // bad escape
    expect(scan('{"src":"c1","dest":"n0","body":{"msg_id":1,"x":"\\u12g4"}}').complete).toBe(false); // bad \u escape
  });

  it('gives up past its nesting bound instead of growing', () => {
    const deep = `{"src":"c1","dest":"n0","body":{"msg_id":1,"v":${'['.repeat(MAX_SCAN_DEPTH)}${']'.repeat(MAX_SCAN_DEPTH)}}}`;
    expect(scan(deep).complete).toBe(false);
    const fits = `{"src":"c1","dest":"n0","body":{"msg_id":1,"v":${'['.repeat(MAX_SCAN_DEPTH - 3)}${']'.repeat(MAX_SCAN_DEPTH - 3)}}}`;
    expect(scan(fits)).toEqual(expected(fits));
  });

  it('ignores a msg_id that is not a number, and a body that is not an object', () => {
    expect(scan('{"src":"c1","dest":"n0","body":{"msg_id":"7","type":"read"}}')).toMatchObject({ complete: true, msgId: undefined, type: 'read' });
    expect(scan('{"src":"c1","dest":"n0","body":{"msg_id":7},"body":[1]}')).toMatchObject({ complete: true, msgId: undefined });
    expect(scan('{"src":"c1","dest":"n0","body":{"msg_id":7},"body":"x"}')).toMatchObject({ complete: true, msgId: undefined });
    expect(scan('{"src":"c1","dest":"n0","body":{"msg_id":7.5e1}}')).toMatchObject({ complete: true, msgId: 75 });
  });

  it('agrees with JSON.parse on random envelopes cut at random places', () => {
    const seed = Number(process.env['SCAN_SEED'] ?? 20_240_601);
    const rng = new Rng(seed);
    const pieces = ['"', '\\', 'msg_id', '"msg_id":', 'in_reply_to', '{', '}', '[', ']', ':', ',', 'é', '\u2028', '\ud83d\ude00', '\u0000', 'src', 'body', ' '];
    const randomString = (): string => Array.from({ length: rng.int(0, 8) }, () => pieces[rng.int(0, pieces.length - 1)] as string).join('');
    const randomValue = (depth: number): unknown => {
      switch (rng.int(0, depth > 3 ? 3 : 5)) {
        case 0:
          return rng.int(-1000, 1000);
        case 1:
          return randomString();
        case 2:
          return [null, true, false][rng.int(0, 2)];
        case 3:
          return rng.float() * 1e6;
        case 4:
          return Array.from({ length: rng.int(0, 4) }, () => randomValue(depth + 1));
        default:
          return Object.fromEntries(
            Array.from({ length: rng.int(0, 4) }, () => [
              rng.int(0, 3) === 0 ? ['msg_id', 'type', 'src', 'in_reply_to'][rng.int(0, 3)] : randomString(),
              randomValue(depth + 1),
            ]),
          );
      }
    };
    for (let round = 0; round < 500; round++) {
      const body: Record<string, unknown> = {};
      for (const key of ['type', 'msg_id', 'value', 'in_reply_to', 'key'])
        if (rng.int(0, 3) > 0) body[key] = key === 'msg_id' && rng.int(0, 3) > 0 ? rng.int(0, 1e6) : randomValue(0);
      const envelope: Record<string, unknown> = {};
      for (const key of ['dest', 'body', 'src', 'extra'])
        if (rng.int(0, 5) > 0) envelope[key] = key === 'body' ? body : key === 'extra' ? randomValue(0) : randomString();
      const line = JSON.stringify(envelope, null, rng.int(0, 2) === 0 ? 1 : undefined);
      const bytes = Buffer.from(line);
      const cuts = Array.from({ length: rng.int(0, 6) }, () => rng.int(0, bytes.length)).sort((a, b) => a - b);
      expect(scan(bytes, cuts), `seed ${seed} round ${round} (SCAN_SEED=${seed}): ${line}`).toEqual(expected(line));
    }
  });
});
