// The txn request on the wire: every bad shape is refused with a text naming the fault (the node
// answers it with error 12 before doing anything), and a good one becomes a txn command carrying
// the micro-ops as sent; txn commands and txn_ok results travel in forwards unchanged.
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/base/json.js';
import type { CommandOutcome } from '../../src/kv/command_codec.js';
import { MAX_TXN_MICRO_OPS } from '../../src/kv/txn.js';
import { describeFieldError } from '../../src/protocol/fields.js';
import { encodeForwardedOp, encodeForwardResult, FORWARD_RESULT_HEAD, forwardHead, parseForward, parseForwardResults } from '../../src/protocol/forward.js';
import type { Body } from '../../src/protocol/message.js';
import { parseTxnRequest } from '../../src/protocol/txn.js';

const parse = (fields: Record<string, JsonValue>) => parseTxnRequest({ type: 'txn', msg_id: 1, ...fields } as Body);

/** The text the client gets (after "txn: "), or 'ok'. */
function refusal(fields: Record<string, JsonValue>): string {
  const parsed = parse(fields);
  return parsed.ok ? 'ok' : describeFieldError(parsed.error);
}

describe('parseTxnRequest', () => {
  it('takes both workloads’ micro-ops, as sent, into a txn command', () => {
    const txn: JsonValue = [
      ['r', 1, null],
      ['append', 1, 3],
      ['w', 'k', { any: ['json', 1.5] }],
      ['w', 2, null],
    ];
    expect(parse({ txn })).toEqual({ ok: true, value: { command: { kind: 'txn', ops: txn }, minIndex: 0 } });
  });

  it('turns read_index into a check over every key the txn reads or writes, once each, so the check travels with the command', () => {
    const txn: JsonValue = [
      ['r', 1, null],
      ['append', 'k', 3],
      ['r', 1, null],
      ['w', 2, 4],
    ];
    expect(parse({ txn, read_index: 7 })).toEqual({
      ok: true,
      value: { command: { kind: 'txn', ops: txn, check: { after: 7, keys: [1, 'k', 2] } }, minIndex: 0 },
    });
    expect(parse({ txn: [['r', 1, null]], read_index: 0, return_index: true })).toEqual({
      ok: true,
      value: { command: { kind: 'txn', ops: [['r', 1, null]], check: { after: 0, keys: [1] } }, minIndex: 0, returnIndex: true },
    });
  });

  it('refuses every bad shape, naming the fault', () => {
    for (const [fields, text] of [
      [{}, 'field "txn" is missing'],
      [{ txn: null }, 'field "txn" must be a list of micro-ops [f, key, value]; got null'],
      [{ txn: { r: 1 } }, 'field "txn" must be a list of micro-ops [f, key, value]; got {"r":1}'],
      [{ txn: [] }, 'field "txn" must hold at least one micro-op'],
      [{ txn: [['r', 1, null], 'r'] }, 'field "txn" has a bad micro-op at 1, "r": it is not a list of three elements [f, key, value]'],
      [{ txn: [['r', 1]] }, 'field "txn" has a bad micro-op at 0, ["r",1]: it is not a list of three elements [f, key, value]'],
      [{ txn: [['w', 1, 2, 3]] }, 'field "txn" has a bad micro-op at 0, ["w",1,2,3]: it is not a list of three elements [f, key, value]'],
      [
        { txn: [['cas', 1, 2]] },
        'field "txn" has a bad micro-op at 0, ["cas",1,2]: it has the unknown function "cas"; the functions are "r", "w" and "append"',
      ],
      [
        { txn: [['r', 0.5, null]] },
        'field "txn" has a bad micro-op at 0, ["r",0.5,null]: it has a key that is neither an integer (within ±(2^53 - 1)) nor a string',
      ],
      [
        { txn: [['r', [1], null]] },
        'field "txn" has a bad micro-op at 0, ["r",[1],null]: it has a key that is neither an integer (within ±(2^53 - 1)) nor a string',
      ],
      [{ txn: [['r', 1, 5]] }, 'field "txn" has a bad micro-op at 0, ["r",1,5]: it is a read, whose value must be null'],
      [{ txn: [['r', 1, null]], session: 3 }, 'field "seq" must be a positive integer, given with session'],
      [{ txn: [['r', 1, null]], read_index: -4 }, 'field "read_index" must be a non-negative integer'],
      [{ txn: [['r', 1, null]], read_index: '4' }, 'field "read_index" must be a non-negative integer'],
      [
        { txn: [['r', 1, null]], read_index: 4, at_index: 4 },
        'field "read_index" cannot go with at_index: a snapshot read sees exactly the state at at_index, which nothing changes',
      ],
      [
        {
          txn: [
            ['r', 1, null],
            ['w', 1, 2],
          ],
          at_index: 4,
        },
        'field "at_index" is for a txn of reads only: a snapshot read writes nothing',
      ],
      [{ txn: [['r', 1, null]], at_index: -1 }, 'field "at_index" must be a non-negative integer'],
      [{ txn: [['r', 1, null]], at_index: 2.5 }, 'field "at_index" must be a non-negative integer'],
      [{ txn: [['r', 1, null]], at_index: '4' }, 'field "at_index" must be a non-negative integer'],
      [{ txn: [['r', 1, null]], at_index: 4, min_index: 5 }, 'field "min_index" is 5, beyond at_index 4: a snapshot read sees exactly the state at at_index'],
      [{ txn: [['r', 1, null]], return_index: 1 }, 'field "return_index" must be a boolean'],
    ] as Array<[Record<string, JsonValue>, string]>) {
      expect(refusal(fields), JSON.stringify(fields)).toBe(text);
    }
  });

  it('refuses a value that would not read back as sent', () => {
    const body = JSON.parse('{"type":"txn","msg_id":1,"txn":[["r",1,null],["append",2,1e400]]}') as Body;
    const parsed = parseTxnRequest(body);
    expect(parsed.ok ? 'ok' : describeFieldError(parsed.error)).toBe(
      'field "txn" has a bad micro-op at 1 (append on key 2): its value holds a number too large for JSON to carry (it reads as infinity); send it as a string',
    );
    expect(refusal({ txn: [['w', 1, 2 ** 60]] })).toMatch(/its value holds 1152921504606847000, an integer beyond ±\(2\^53 - 1\)/);
  });

  it(`takes up to ${MAX_TXN_MICRO_OPS} micro-ops, and refuses more`, () => {
    const reads = (count: number): JsonValue => Array.from({ length: count }, (_, key) => ['r', key, null]);
    expect(parse({ txn: reads(MAX_TXN_MICRO_OPS) }).ok).toBe(true);
    expect(refusal({ txn: reads(MAX_TXN_MICRO_OPS + 1) })).toBe(`field "txn" holds ${MAX_TXN_MICRO_OPS + 1} micro-ops, over the bound of ${MAX_TXN_MICRO_OPS}`);
  });

  it('takes at_index on a txn of reads only, and return_index on any txn; without them the request is as before', () => {
    const reads: JsonValue = [
      ['r', 1, null],
      ['r', 'k', null],
    ];
    expect(parse({ txn: reads, at_index: 7 })).toStrictEqual({ ok: true, value: { command: { kind: 'txn', ops: reads }, minIndex: 0, atIndex: 7 } });
    expect(parse({ txn: reads, at_index: 0, return_index: true, min_index: 0 })).toStrictEqual({
      ok: true,
      value: { command: { kind: 'txn', ops: reads }, minIndex: 0, atIndex: 0, returnIndex: true },
    });
    expect(parse({ txn: [['w', 1, 2]], return_index: true })).toStrictEqual({
      ok: true,
      value: { command: { kind: 'txn', ops: [['w', 1, 2]] }, minIndex: 0, returnIndex: true },
    });
    // Not asked for (or false): nothing added, so the reply keeps Maelstrom's closed schema.
    expect(parse({ txn: reads, return_index: false })).toStrictEqual({ ok: true, value: { command: { kind: 'txn', ops: reads }, minIndex: 0 } });
    expect(parse({ txn: reads })).toStrictEqual({ ok: true, value: { command: { kind: 'txn', ops: reads }, minIndex: 0 } });
  });

  it('takes a session tag and min_index as lin-kv requests do', () => {
    expect(parse({ txn: [['append', 1, 1]], session: 4, seq: 2, min_index: 9 })).toEqual({
      ok: true,
      value: { command: { kind: 'txn', ops: [['append', 1, 1]], tag: { session: 4, seq: 2 } }, minIndex: 9 },
    });
  });
});

describe('txns in forwards', () => {
  it('forwards a txn command and brings its txn_ok back unchanged', () => {
    const parsed = parse({
      txn: [
        ['r', 1, null],
        ['append', 'k', 2],
      ],
      session: 1,
      seq: 1,
    });
    if (!parsed.ok) throw new Error('parse failed');
    const forward = JSON.parse(`${forwardHead(7)}${encodeForwardedOp({ id: 3, request: parsed.value })}]}`) as Body;
    expect(parseForward(forward)).toEqual({ ok: true, value: { epoch: 7, ops: [{ id: 3, request: parsed.value }] } });
    const outcome: CommandOutcome = {
      type: 'txn_ok',
      txn: [
        ['r', 1, [1, 2]],
        ['append', 'k', 2],
      ],
    };
    const results = JSON.parse(`${FORWARD_RESULT_HEAD}${encodeForwardResult({ id: 3, epoch: 7, index: 12, outcome })}]}`) as Body;
    expect(parseForwardResults(results)).toEqual({ ok: true, value: [{ id: 3, epoch: 7, index: 12, outcome }] });
  });

  it('refuses a forward whose txn is malformed, and a txn_ok result that is not a list of micro-ops', () => {
    const forward = { type: 'kv_forward', epoch: 1, ops: [{ id: 1, command: { kind: 'txn', ops: [['r', 1]] } }] } as Body;
    expect(parseForward(forward)).toMatchObject({ ok: false, error: { field: 'ops', problem: expect.stringContaining('micro-op 0') as string } });
    for (const txn of [null, [['r', 1]], [['x', 1, 1]], [['r', { k: 1 }, 1]]] as JsonValue[]) {
      const results = { type: 'kv_forward_result', results: [{ id: 1, epoch: 1, index: 2, type: 'txn_ok', txn }] } as Body;
      expect(parseForwardResults(results), JSON.stringify(txn)).toEqual({ ok: false, error: { field: 'results', problem: 'has an outcome of unknown type' } });
    }
  });
});
