import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../src/check/history.js';
import { detectFormat, formatHistory, formatHistoryLine, parseEdnValue, parseHistory, parseJepsenLog, parseJsonLines } from '../../src/check/history.js';
import { describeOperation, operationLabel, pairOperations } from '../../src/check/operations.js';

const JEPSEN_SAMPLE = [
  'lein test jepsen.system.etcd-test',
  'INFO  jepsen.core - Worker 0 starting',
  'INFO  jepsen.util - 0\t:invoke\t:read\tnil',
  'INFO  jepsen.util - 3\t:invoke\t:cas\t[1 2]',
  'INFO  jepsen.util - 0\t:ok\t:read\tnil',
  'INFO  jepsen.util - :nemesis\t:info\t:start\tnil',
  'INFO  jepsen.util - 3\t:fail\t:cas\t[1 2]',
  'INFO  jepsen.util - 1\t:invoke\t:write\t4',
  'INFO  knossos.core - [160 / 172] 195348 extant worlds, 295 visited/s',
  'INFO  jepsen.util - 1\t:info\t:write\t:timed-out',
  'INFO  jepsen.util - :nemesis\t:info\t:start\t"Cut off {:n1 #{:n2 :n5}}"',
  'Not linearizable. Linearizable prefix was:',
  '0\t:invoke\t:read\tnil',
  '2\t:ok\t:write\t3',
  '',
].join('\n');

describe('Jepsen logs', () => {
  it('keeps only jepsen.util event lines, in order, with EDN values', () => {
    const parsed = parseJepsenLog(JEPSEN_SAMPLE);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value.map((event) => [event.process, event.type, event.f, event.value])).toEqual([
      [0, 'invoke', 'read', null],
      [3, 'invoke', 'cas', [1, 2]],
      [0, 'ok', 'read', null],
      ['nemesis', 'info', 'start', null],
      [3, 'fail', 'cas', [1, 2]],
      [1, 'invoke', 'write', 4],
      [1, 'info', 'write', ':timed-out'],
      ['nemesis', 'info', 'start', 'Cut off {:n1 #{:n2 :n5}}'],
    ]);
    expect(parsed.value.map((event) => event.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(parsed.value.every((event) => event.key === undefined)).toBe(true);
  });

  it('is detected by content', () => {
    expect(detectFormat(JEPSEN_SAMPLE)).toBe('jepsen');
    expect(parseHistory(JEPSEN_SAMPLE).ok).toBe(true);
  });

  it('rejects an event line it cannot read, naming the line', () => {
    const parsed = parseJepsenLog('x\nINFO  jepsen.util - 1\t:invoke\t:write\t{:a 1}\n');
    expect(parsed).toEqual({ ok: false, error: { line: 2, message: 'cannot read value "{:a 1}"' } });
  });

  it('reads the EDN shapes register logs print', () => {
    expect(parseEdnValue('nil')).toBeNull();
    expect(parseEdnValue('-12')).toBe(-12);
    expect(parseEdnValue('[3 4]')).toEqual([3, 4]);
    expect(parseEdnValue('[3, nil]')).toEqual([3, null]);
    expect(parseEdnValue(':timed-out')).toBe(':timed-out');
    expect(parseEdnValue('"a \\"b\\""')).toBe('a "b"');
    expect(parseEdnValue('{:a 1}')).toBeUndefined();
  });
});

describe('our JSON lines', () => {
  const events: HistoryEvent[] = [
    { index: 0, process: 3, type: 'invoke', f: 'cas', key: 1, value: [1, 2], time: 123456789 },
    { index: 1, process: 'nemesis', type: 'info', f: 'start', value: 'partition', time: 123456800 },
    {
      index: 2,
      process: 3,
      type: 'fail',
      f: 'cas',
      key: 1,
      value: [1, 2],
      time: 123456900,
      error: { code: 22, text: 'precondition failed' },
    },
  ];

  it('writes one line per event with fields in a fixed order, and reads it back', () => {
    expect(formatHistoryLine(events[0] as HistoryEvent)).toBe('{"index":0,"process":3,"type":"invoke","f":"cas","key":1,"value":[1,2],"time":123456789}');
    const text = formatHistory(events);
    expect(text.endsWith('\n')).toBe(true);
    expect(detectFormat(text)).toBe('jsonl');
    expect(parseHistory(text)).toEqual({ ok: true, value: events });
    expect(parseHistory(text, 'jsonl')).toEqual({ ok: true, value: events });
  });

  it('defaults index and time to the event ordinal and value to null', () => {
    const parsed = parseJsonLines('{"process":1,"type":"invoke","f":"read"}\n\n{"process":1,"type":"ok","f":"read","value":2}');
    expect(parsed.ok && parsed.value.map((event) => [event.index, event.time, event.value])).toEqual([
      [0, 0, null],
      [1, 1, 2],
    ]);
  });

  it.each([
    ['not json', 'not JSON'],
    ['[1,2]', 'an event must be a JSON object'],
    ['{"process":1.5,"type":"invoke","f":"read"}', '"process" must be an integer (client) or a string (nemesis)'],
    ['{"process":1,"type":"done","f":"read"}', '"type" must be invoke, ok, fail or info'],
    ['{"process":1,"type":"invoke","f":"append"}', 'unsupported client function "append"'],
    ['{"process":1,"type":"fail","f":"read","error":{"code":"x"}}', '"error" must be {"code": integer, "text": string}'],
    ['{"process":1,"type":"invoke","f":"read","time":"soon"}', '"time" must be a number'],
  ])('rejects %s', (line, message) => {
    const parsed = parseJsonLines(`{"process":1,"type":"invoke","f":"read"}\n${line}`);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error.line).toBe(2);
    expect(parsed.error.message).toContain(message);
  });

  it('an empty text is an empty history; unrecognizable text is an error', () => {
    expect(parseHistory('\n \n')).toEqual({ ok: true, value: [] });
    expect(parseHistory('hello\nworld').ok).toBe(false);
    expect(detectFormat('{not json')).toBeUndefined();
  });
});

describe('pairing events into operations', () => {
  it('pairs by process, keeps invoke order, and turns a missing completion into info', () => {
    const parsed = parseJepsenLog(JEPSEN_SAMPLE);
    if (!parsed.ok) throw new Error('sample does not parse');
    const paired = pairOperations(parsed.value);
    expect(paired.ok).toBe(true);
    if (!paired.ok) return;
    expect(paired.value.map((op) => [op.process, op.f, op.outcome, op.invokeIndex, op.completeIndex])).toEqual([
      [0, 'read', 'ok', 0, 2],
      [3, 'cas', 'fail', 1, 4],
      [1, 'write', 'info', 5, 6],
    ]);
    expect(paired.value.map(describeOperation)).toEqual(['p0 r null ok', 'p3 cas 1→2 fail', 'p1 w 4 info']);
    expect(paired.value.map((op) => op.key)).toEqual([0, 0, 0]);
  });

  it('treats an invoke that never completed as info', () => {
    const paired = pairOperations([{ index: 0, process: 1, type: 'invoke', f: 'write', value: 3, time: 0 }]);
    expect(paired.ok && paired.value.map((op) => [op.outcome, op.completeIndex, operationLabel(op)])).toEqual([['info', null, 'w 3']]);
  });

  it.each([
    ['a completion without invoke', [{ index: 0, process: 1, type: 'ok', f: 'read', value: 1, time: 0 }], 'ok of process 1 without an invoke'],
    [
      'two invokes in flight on one process',
      [
        { index: 0, process: 1, type: 'invoke', f: 'read', value: null, time: 0 },
        { index: 1, process: 1, type: 'invoke', f: 'read', value: null, time: 1 },
      ],
      'invoked again',
    ],
    [
      'a completion of another function',
      [
        { index: 0, process: 1, type: 'invoke', f: 'read', value: null, time: 0 },
        { index: 1, process: 1, type: 'ok', f: 'write', value: 1, time: 1 },
      ],
      'write completes a read',
    ],
  ] as const)('rejects %s', (_name, events, message) => {
    const paired = pairOperations(events as unknown as HistoryEvent[]);
    expect(paired.ok).toBe(false);
    if (!paired.ok) expect(paired.error).toContain(message);
  });
});
