// Reading txns: our JSON lines carry them, each invocation pairs with its process's next
// completion, and what the checker cannot read is refused with the event that is wrong.

import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../../src/check/history.js';
import { parseHistory, parseJsonLines } from '../../../src/check/history.js';
import { checkTxnHistory } from '../../../src/check/txn/checker.js';
import { parseTxns } from '../../../src/check/txn/parse.js';
import { TxnHistory } from './helpers.js';

function eventsOf(lines: readonly string[]): HistoryEvent[] {
  const parsed = parseJsonLines(lines.join('\n'));
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
}

describe('JSON lines with txn events', () => {
  it('reads txn invocations and completions, with nemesis events among them', () => {
    const events = eventsOf([
      '{"index":0,"process":0,"type":"invoke","f":"txn","value":[["r",1,null],["append",1,3]],"time":10}',
      '{"index":1,"process":"nemesis","type":"info","f":"start","value":null,"time":11}',
      '{"index":2,"process":0,"type":"ok","f":"txn","value":[["r",1,[1,2]],["append",1,3]],"time":12}',
      '{"index":3,"process":1,"type":"invoke","f":"txn","value":[["w",2,1]],"time":13}',
      '{"index":4,"process":1,"type":"info","f":"txn","value":null,"time":14,"error":{"code":0,"text":"timeout"}}',
    ]);
    expect(events.map((event) => [event.type, event.f, event.value])).toEqual([
      [
        'invoke',
        'txn',
        [
          ['r', 1, null],
          ['append', 1, 3],
        ],
      ],
      ['info', 'start', null],
      [
        'ok',
        'txn',
        [
          ['r', 1, [1, 2]],
          ['append', 1, 3],
        ],
      ],
      ['invoke', 'txn', [['w', 2, 1]]],
      ['info', 'txn', null],
    ]);
  });

  it('refuses a txn event whose value is not a list, naming the line', () => {
    expect(parseHistory('{"process":0,"type":"invoke","f":"txn","value":5}')).toEqual({
      ok: false,
      error: { line: 1, message: 'a "txn" event\'s "value" must be a list of [f, k, v] micro-ops (or null for a fail or info completion)' },
    });
    const okWithoutValue = parseJsonLines('{"process":0,"type":"invoke","f":"txn","value":[]}\n{"process":0,"type":"ok","f":"txn"}');
    expect(okWithoutValue.ok).toBe(false);
    if (!okWithoutValue.ok) expect(okWithoutValue.error.line).toBe(2);
  });

  it('still refuses client functions that are neither registers nor txns', () => {
    expect(parseJsonLines('{"process":1,"type":"invoke","f":"append"}')).toEqual({
      ok: false,
      error: { line: 1, message: 'unsupported client function "append"' },
    });
  });
});

describe('parseTxns', () => {
  it('pairs each invocation with its process next completion, in invocation order', () => {
    const h = new TxnHistory();
    const a = h.txn(5, [['append', 1, 1]]);
    const b = h.txn(3, [['r', 1, null]]);
    b.ok([['r', 1, [1]]]);
    a.fail();
    h.txn(5, [['append', 1, 2]]);
    const parsed = parseTxns(h.events);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value.map((txn) => [txn.id, txn.process, txn.outcome, txn.invokeIndex, txn.completeIndex])).toEqual([
      [0, 5, 'fail', 0, 3],
      [1, 3, 'ok', 1, 2],
      [2, 5, 'info', 4, undefined],
    ]);
    // ok: the completion's ops, reads filled in; otherwise the invocation's.
    expect(parsed.value[1]?.ops).toEqual([{ f: 'r', key: 1, value: [1] }]);
    expect(parsed.value[0]?.ops).toEqual([{ f: 'append', key: 1, value: 1 }]);
    expect(parsed.value[0]?.error).toEqual({ code: 30, text: 'txn-conflict' });
    expect(parsed.value[2]?.completeTime).toBeUndefined();
  });

  const event = (index: number, process: number | string, type: HistoryEvent['type'], value: HistoryEvent['value'], f = 'txn'): HistoryEvent => ({
    index,
    process,
    type,
    f,
    value,
    time: index,
  });

  it.each([
    ['a value that is not a list', [event(0, 1, 'invoke', 7)], 'event 0: a txn value must be a list of [f, k, v] micro-ops'],
    ['a micro-op that is not [f, k, v]', [event(0, 1, 'invoke', [['r', 1]])], 'event 0: micro-op 0 is not [f, k, v]'],
    ['an unknown micro-op', [event(0, 1, 'invoke', [['cas', 1, 2]])], 'event 0: micro-op 0 has function "cas" (expected "r", "append" or "w")'],
    ['a key that is not an integer', [event(0, 1, 'invoke', [['r', 'k', null]])], 'event 0: micro-op 0 has a key that is not an integer'],
    ['a written value that is not an integer', [event(0, 1, 'invoke', [['w', 1, 'x']])], 'event 0: micro-op 0 writes a value that is not an integer'],
    [
      'a read of something else',
      [event(0, 1, 'invoke', [['r', 1, null]]), event(1, 1, 'ok', [['r', 1, { a: 1 }]])],
      'event 1: micro-op 0 reads a value that is not null, an integer or a list of integers',
    ],
    ['a completion never invoked', [event(0, 1, 'ok', [])], 'event 0: process 1 completes a txn it never invoked'],
    ['two invocations at once', [event(0, 1, 'invoke', []), event(1, 1, 'invoke', [])], 'event 1: process 1 invokes a txn before its last one completed'],
    ['a register operation', [event(0, 1, 'invoke', 1, 'write')], 'event 0: client function "write" is not "txn"'],
    [
      'an ok whose micro-ops differ from the invocation',
      [event(0, 1, 'invoke', [['append', 1, 1]]), event(1, 1, 'ok', [['append', 1, 2]])],
      'event 1: the ok completion differs from its invocation (event 0): micro-op 0 is [append 1 2] instead of [append 1 1]',
    ],
  ])('refuses %s, naming the event', (_title, events, message) => {
    expect(parseTxns(events)).toEqual({ ok: false, error: message });
  });
});

describe('what the checker refuses beyond parsing', () => {
  const check = (h: TxnHistory, workload: 'txn-list-append' | 'txn-rw-register') => checkTxnHistory(h.events, { workload, models: ['serializable'] });

  it('refuses a value appended or written twice to one key: versions would be ambiguous', () => {
    const la = new TxnHistory();
    la.ok(1, [['append', 1, 1]]);
    la.ok(2, [['append', 1, 1]]);
    expect(check(la, 'txn-list-append')).toEqual({
      ok: false,
      error: 'event 2: appends 1 to key 1, as txn 0 (event 0) did: the checker needs unique values per key',
    });
    const rw = new TxnHistory();
    rw.ok(1, [['w', 1, 1]]);
    rw.ok(2, [['w', 1, 1]]);
    expect(check(rw, 'txn-rw-register')).toEqual({
      ok: false,
      error: 'event 2: writes 1 to key 1, as txn 0 (event 0) did: the checker needs unique values per key',
    });
  });

  it("refuses the other workload's micro-ops and read shapes", () => {
    const register = new TxnHistory();
    register.ok(1, [['w', 1, 1]]);
    expect(check(register, 'txn-list-append')).toEqual({ ok: false, error: 'event 0: micro-op 0 is a register write "w" in a txn-list-append history' });
    const append = new TxnHistory();
    append.ok(1, [['append', 1, 1]]);
    expect(check(append, 'txn-rw-register')).toEqual({ ok: false, error: 'event 0: micro-op 0 is an "append" in a txn-rw-register history' });
    const listRead = new TxnHistory();
    listRead.ok(1, [['r', 1, [1]]]);
    expect(check(listRead, 'txn-rw-register')).toEqual({ ok: false, error: 'event 1: micro-op 0 reads [1], not an integer or null' });
    const numberRead = new TxnHistory();
    numberRead.ok(1, [['r', 1, 1]]);
    expect(check(numberRead, 'txn-list-append')).toEqual({ ok: false, error: 'event 1: micro-op 0 reads 1, not a list or null' });
  });

  it('refuses to check without a model', () => {
    expect(checkTxnHistory([], { workload: 'txn-list-append', models: [] })).toEqual({ ok: false, error: 'no consistency model to check' });
  });
});
