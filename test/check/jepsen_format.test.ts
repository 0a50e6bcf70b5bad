// Our events as Jepsen's history.edn lines and back, results.json as results.edn: the shapes
// Maelstrom writes (lin-kv's [key value] tuples, txn micro-ops, :net-timeout and [:name "text"]
// errors, nemesis ops :info both ways), lines copied from Maelstrom's and Jepsen's docs read as
// events, faults named with line and column, and seeded random histories round-tripped.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { EdnMap, EdnValue } from '../../src/check/edn.js';
import { isEdnMap, keyword, mapGetKeyword } from '../../src/check/edn.js';
import { readEdn } from '../../src/check/edn_reader.js';
import { generateHistory } from '../../src/check/generate.js';
import type { HistoryEvent } from '../../src/check/history.js';
import { formatJepsenHistory, formatJepsenResults, jepsenOpLine, looksLikeEdnHistory, parseJepsenHistory } from '../../src/check/jepsen_format.js';
import { randomTxnHistory } from './txn/random_histories.js';
import { replay, seeds, theirRead } from './edn_helpers.js';

const FILE = 'test/check/jepsen_format.test.ts';
const FIXTURES = fileURLToPath(new URL('../fixtures/jepsen/', import.meta.url));

function event(fields: Partial<HistoryEvent> & Pick<HistoryEvent, 'process' | 'type' | 'f'>): HistoryEvent {
  return { index: 0, value: null, time: 1000, ...fields };
}

function parsed(text: string): HistoryEvent[] {
  const result = parseJepsenHistory(text);
  if (!result.ok) throw new Error(`${result.error.line}:${result.error.column}: ${result.error.message}`);
  return result.value;
}

function parseError(text: string): string {
  const result = parseJepsenHistory(text);
  if (result.ok) throw new Error(`parsed without an error: ${JSON.stringify(result.value)}`);
  return `${result.error.line}:${result.error.column}: ${result.error.message}`;
}

describe('history.edn lines', () => {
  it("write lin-kv ops with Maelstrom's [key value] tuples, in Jepsen 0.3's key order", () => {
    expect(jepsenOpLine(event({ index: 0, time: 10661251, process: 2, type: 'invoke', f: 'read', key: 0 }))).toBe(
      '{:index 0, :time 10661251, :type :invoke, :process 2, :f :read, :value [0 nil]}',
    );
    expect(jepsenOpLine(event({ process: 2, type: 'ok', f: 'read', key: 0, value: 3 }))).toBe(
      '{:index 0, :time 1000, :type :ok, :process 2, :f :read, :value [0 3]}',
    );
    expect(jepsenOpLine(event({ process: 4, type: 'invoke', f: 'cas', key: 7, value: [4, 3] }))).toBe(
      '{:index 0, :time 1000, :type :invoke, :process 4, :f :cas, :value [7 [4 3]]}',
    );
    // A Jepsen single-register history (no keys) keeps its bare values.
    expect(jepsenOpLine(event({ process: 1, type: 'ok', f: 'write', value: 2 }))).toBe('{:index 0, :time 1000, :type :ok, :process 1, :f :write, :value 2}');
  });

  it("write errors as Maelstrom's client does, keeping codes outside its table", () => {
    const line = (code: number, text: string): string => jepsenOpLine(event({ process: 1, type: 'fail', f: 'read', key: 0, error: { code, text } }));
    expect(line(20, 'key 0 does not exist')).toBe(
      '{:index 0, :time 1000, :type :fail, :process 1, :f :read, :value [0 nil], :error [:key-does-not-exist "key 0 does not exist"]}',
    );
    expect(line(0, 'net-timeout')).toContain(':error :net-timeout}');
    expect(line(0, 'the leader did not answer')).toContain(':error [:timeout "the leader did not answer"]}');
    expect(line(1001, 'custom')).toContain(':error [1001 "custom"]}');
  });

  it('write txns with keyword micro-ops, and nemesis ops as :info from a :nemesis process', () => {
    expect(
      jepsenOpLine(
        event({
          process: 3,
          type: 'ok',
          f: 'txn',
          value: [
            ['r', 1, [1, 2]],
            ['append', 2, 3],
            ['w', 4, 5],
          ],
        }),
      ),
    ).toBe('{:index 0, :time 1000, :type :ok, :process 3, :f :txn, :value [[:r 1 [1 2]] [:append 2 3] [:w 4 5]]}');
    expect(jepsenOpLine(event({ process: 'nemesis', type: 'invoke', f: 'start-partition', value: 'majority' }))).toBe(
      '{:index 0, :time 1000, :type :info, :process :nemesis, :f :start-partition, :value "majority"}',
    );
    expect(jepsenOpLine(event({ process: 'nemesis', type: 'info', f: 'start-partition', value: { isolated: { n1: ['n2'] } } }))).toBe(
      '{:index 0, :time 1000, :type :info, :process :nemesis, :f :start-partition, :value {"isolated" {"n1" ["n2"]}}}',
    );
  });

  it('read back what they wrote, nemesis invocations included (Jepsen pairs them in order)', () => {
    const events: HistoryEvent[] = [
      event({ index: 0, time: 5, process: 'nemesis', type: 'invoke', f: 'start-partition', value: 'majority' }),
      event({ index: 1, time: 6, process: 0, type: 'invoke', f: 'cas', key: 2, value: [1, 2] }),
      event({ index: 2, time: 7, process: 'nemesis', type: 'info', f: 'start-partition', value: { isolated: {} } }),
      event({ index: 3, time: 8, process: 0, type: 'info', f: 'cas', key: 2, value: [1, 2], error: { code: 0, text: 'net-timeout' } }),
      event({ index: 4, time: 9, process: 1, type: 'invoke', f: 'read', key: 2 }),
      event({ index: 5, time: 10, process: 1, type: 'fail', f: 'read', key: 2, error: { code: 20, text: 'missing' } }),
    ];
    expect(parsed(formatJepsenHistory(events))).toEqual(events);
  });
});

describe('reading history.edn', () => {
  it('reads the lines Maelstrom wrote (doc/05-datomic), with the timeout as our code 0', () => {
    const events = parsed(`{:type :info, :f :txn, :value [[:append 9 11] [:append 6 3]], :time 5246977350, :process 0, :error :net-timeout, :index 1043}
{:type :info, :f :txn, :value [[:r 40 nil] [:append 40 13]], :time 10293060397, :process 1, :error :net-timeout, :index 2025}`);
    expect(events).toEqual([
      {
        index: 1043,
        process: 0,
        type: 'info',
        f: 'txn',
        value: [
          ['append', 9, 11],
          ['append', 6, 3],
        ],
        time: 5246977350,
        error: { code: 0, text: 'net-timeout' },
      },
      {
        index: 2025,
        process: 1,
        type: 'info',
        f: 'txn',
        value: [
          ['r', 40, null],
          ['append', 40, 13],
        ],
        time: 10293060397,
        error: { code: 0, text: 'net-timeout' },
      },
    ]);
  });

  it("reads lin-kv ops as Maelstrom's log shows them (doc/06-raft) into keyed events", () => {
    const events = parsed(
      [
        '#jepsen.history.Op{:index 0, :time 1, :type :invoke, :process 1, :f :write, :value [0 2]}',
        '#jepsen.history.Op{:index 1, :time 2, :type :ok, :process 1, :f :write, :value [0 2]}',
        '#jepsen.history.Op{:index 2, :time 3, :type :invoke, :process 0, :f :read, :value [0 nil]}',
        '#jepsen.history.Op{:index 3, :time 4, :type :ok, :process 0, :f :read, :value [0 2]}',
      ].join('\n'),
    );
    expect(events.map((e) => [e.process, e.type, e.f, e.key, e.value])).toEqual([
      [1, 'invoke', 'write', 0, 2],
      [1, 'ok', 'write', 0, 2],
      [0, 'invoke', 'read', 0, null],
      [0, 'ok', 'read', 0, 2],
    ]);
  });

  it("reads a Jepsen single register's cas [from to] as a bare value, not as a key", () => {
    const events = parsed(
      '{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :ok, :f :read, :value 3}\n{:process 1, :type :invoke, :f :cas, :value [7 8]}',
    );
    expect(events.map((e) => [e.key, e.value])).toEqual([
      [undefined, null],
      [undefined, 3],
      [undefined, [7, 8]],
    ]);
    expect(events.map((e) => [e.index, e.time])).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
    ]);
  });

  it('keeps a keyed history keyed when one cas is malformed, and an all-cas single register unkeyed', () => {
    const keyed = parsed('{:process 0, :type :invoke, :f :read, :value [0 nil]}\n{:process 1, :type :invoke, :f :cas, :value [0 nil]}');
    expect(keyed.map((e) => [e.key, e.value])).toEqual([
      [0, null],
      [0, null],
    ]);
    expect(parsed('{:process 1, :type :invoke, :f :cas, :value [7 8]}\n{:process 1, :type :ok, :f :cas, :value [7 8]}')[0]).toMatchObject({ value: [7, 8] });
    expect(parsed('{:process 1, :type :invoke, :f :cas, :value [7 8]}')[0]?.key).toBeUndefined();
  });

  it("reads jepsen.history's example, a vector of ops, pairing the nemesis's :info ops", () => {
    const events = parsed(`[{:process 0, :type :invoke, :f :write, :value 3}
 {:process :nemesis, :type :info, :f :crash}
 {:process 0, :type :ok, :f :write, :value 3}
 {:process :nemesis, :type :info, :f :crash}]`);
    expect(events.map((e) => [e.process, e.type, e.f])).toEqual([
      [0, 'invoke', 'write'],
      ['nemesis', 'invoke', 'crash'],
      [0, 'ok', 'write'],
      ['nemesis', 'info', 'crash'],
    ]);
  });

  it('keeps a nemesis value JSON cannot hold as its EDN text, and refuses such a client value', () => {
    expect(parsed('{:process :nemesis, :type :info, :f :start, :value 1.5M}')[0]?.value).toBe('1.5M');
    expect(parseError('{:index 0, :process 0, :type :invoke, :f :write, :value [0 99999999999999999999]}')).toBe(
      '1:1: the op at line 1: its :value [0 99999999999999999999N]: integer 99999999999999999999 is beyond 2^53, where a JavaScript number is no longer exact',
    );
  });

  it.each([
    ['{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0 :type :ok}\n', '2:1: the op at line 2: :f must be a keyword, not missing'],
    ['{:process 0, :type :start, :f :read}', '1:1: the op at line 1: :type must be :invoke, :ok, :fail or :info, not :start'],
    ['{:process "c1" :type :ok :f :read}\n{:process 1.5, :type :ok, :f :read}', '2:1: the op at line 2: :process must be an integer (a client) or a keyword'],
    ['[1 2]', '1:1: op 0 of the sequence at line 1: an op must be a map like {:type :invoke, :f :read, :value nil, :process 0}, not 1'],
    ['  #inst "1985-04-12T23:20:50.52Z"', '1:3: the op at line 1: #inst is not an op record'],
    [
      '#jepsen.history.Op{:index 3820, :time 4650651388, :type :ok, :process 0, :f :poll, :value [[:poll {"56" [[4 5] [5 6]]}]]}',
      '1:1: the op at line 1: client function :poll is not one raftkv checks',
    ],
    ['{:process 0, :type :ok, :f :read, :time "late"}', '1:1: the op at line 1: :time must be a number of nanoseconds, not "late"'],
    ['{:process 0, :type :ok, :f :read, :index -1.5}', '1:1: the op at line 1: :index must be an integer, not -1.5'],
    [
      '{:process 0, :type :ok, :f :read}\n{:process 0, :type :ok, :f :read :value [1 2}',
      "2:45: '}' closes the vector opened at line 2, column 41 (expected ']')",
    ],
  ])('names the fault in %j: %s', (text, message) => {
    expect(parseError(text)).toContain(message);
  });

  it('tells EDN from JSON lines by its first line', () => {
    expect(looksLikeEdnHistory('; a comment\n\n{:index 0, :type :invoke}')).toBe(true);
    expect(looksLikeEdnHistory('#jepsen.history.Op{:index 0}')).toBe(true);
    expect(looksLikeEdnHistory('[{:type :invoke}]')).toBe(true);
    expect(looksLikeEdnHistory('{"index":0,"type":"invoke"')).toBe(false);
    expect(looksLikeEdnHistory('INFO  jepsen.util - 0\t:invoke\t:write\t1')).toBe(false);
  });
});

describe('random histories', () => {
  it('round-trip exactly: registers with keys and errors, and txns of both workloads', () => {
    for (const seed of seeds(30, 300)) {
      const histories = [
        generateHistory({ seed, operationCount: 80, keyCount: 1 + (seed % 3), clientsPerKey: 3, indefiniteRate: 0.1, unavailableRate: 0.1 }),
        randomTxnHistory(seed, 'txn-list-append').events,
        randomTxnHistory(seed, 'txn-rw-register').events,
      ];
      for (const events of histories) expect(parsed(formatJepsenHistory(events)), replay(seed, FILE)).toEqual(events);
    }
  });
});

function section(map: EdnValue, ...path: string[]): EdnValue | undefined {
  let at: EdnValue | undefined = map;
  for (const name of path) at = at !== undefined && isEdnMap(at) ? mapGetKeyword(at, name) : undefined;
  return at;
}

function resultsEdn(fixture: string): { text: string; value: EdnMap } {
  const text = formatJepsenResults(JSON.parse(readFileSync(`${FIXTURES}${fixture}`, 'utf8')));
  const value = readEdn(text);
  if (!value.ok || !isEdnMap(value.value)) throw new Error(`results.edn does not read back: ${JSON.stringify(value)}`);
  return { text, value: value.value };
}

describe('results.edn', () => {
  it("gives an invalid txn run Elle's shape, with ours under :raftkv", () => {
    const { text, value } = resultsEdn('txn-list-append-invalid.results.json');
    expect(section(value, 'valid?')).toBe(false);
    expect(section(value, 'workload', 'valid?')).toBe(false);
    expect(text).toContain(':anomaly-types (:G2-item :G2-item-realtime)');
    expect(text).toContain(':not #{:repeatable-read}');
    expect(text).toContain(':also-not #{:serializable :strict-serializable}');
    expect(text).toMatch(/:cycle \[\{:index \d+,\s+:time \d+,\s+:type :ok,\s+:process \d+,\s+:f :txn,\s+:value \[\[:/);
    expect(text).toMatch(/:steps \[\{:type :rw,/);
    expect(section(value, 'raftkv', 'workload', 'consistency-models', 'strict-serializable', 'violated-by')).toEqual([
      keyword('G2-item'),
      keyword('G2-item-realtime'),
    ]);
    expect(section(value, 'stats', 'by-f', 'txn', 'valid?')).toBe(true);
    expect(section(value, 'raftkv', 'test', 'seed')).toBe(7);
  });

  it("gives a lin-kv run jepsen.independent's shape, keyed by the key itself, every value once", () => {
    const { text, value } = resultsEdn('lin-kv.results.json');
    expect(section(value, 'workload')).toEqual(readEdnValue('{:valid? true, :failures [], :results {0 {:valid? true, :linearizable {:valid? true}}}}'));
    expect(text).toContain(':raftkv {:workload {:key-count 1,');
    expect(section(value, 'raftkv', 'workload', 'results')).toEqual(readEdnValue('{0 {:linearizable {:op-count 181, :checked-op-count 168, :steps 277}}}'));
    expect(section(value, 'net', 'all', 'msgs-per-op')).toBe(10.215);
    expect(section(value, 'raftkv', 'net', 'dropped-by-partition')).toBe(97);
    expect(section(value, 'perf')).toEqual(readEdnValue('{:valid? true}'));
    // Every number of results.json appears once in results.edn: nothing lost, nothing doubled.
    // (Not counting keywords, strings, and the register key 0, a string key in JSON.)
    const json = readFileSync(`${FIXTURES}lin-kv.results.json`, 'utf8');
    const numbers = (source: string): string[] => (source.match(/-?\d+(\.\d+)?/g) ?? []).sort();
    expect(numbers(text.replace(/:[\w?-]+|"[^"]*"/g, '').replace(/\{0 (?=\{)/g, '{'))).toEqual(numbers(json.replace(/"[^"]*"/g, '')));
  });

  it('writes :unknown for a verdict that is neither, and survives a document that is not one', () => {
    expect(formatJepsenResults({ valid: 'unknown', workload: { valid: 'unknown', results: {}, failures: [] } })).toBe(
      '{:valid? :unknown, :workload {:valid? :unknown, :results {}, :failures []}}\n',
    );
    expect(formatJepsenResults(null)).toBe('{:valid? :unknown, :raftkv nil}\n');
  });

  it('is read by a parser we did not write, to the same data', () => {
    for (const fixture of ['lin-kv.results.json', 'txn-list-append-invalid.results.json']) {
      const { text, value } = resultsEdn(fixture);
      expect(theirRead(text)).toEqual(value);
    }
  });
});

function readEdnValue(text: string): EdnValue {
  const value = readEdn(text);
  if (!value.ok) throw new Error(value.error.message);
  return value.value;
}
