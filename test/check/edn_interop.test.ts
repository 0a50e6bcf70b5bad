// Our EDN against a parser we did not write: edn-data (the most used and best kept EDN library
// on npm). What our writer writes, edn-data reads to the same data; what edn-data writes, our
// reader reads to the same data. On documented examples and on seeded random values.

import { toEDNString } from 'edn-data';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/base/rng.js';
import type { EdnValue } from '../../src/check/edn.js';
import { writeEdn, writeEdnPretty } from '../../src/check/edn.js';
import { readEdn } from '../../src/check/edn_reader.js';
import { randomEdnValue, replay, seeds, theirRead, toEdnData } from './edn_helpers.js';

const FILE = 'test/check/edn_interop.test.ts';

function ourRead(text: string): EdnValue {
  const result = readEdn(text);
  if (!result.ok) throw new Error(`${result.error.line}:${result.error.column}: ${result.error.message}\n${text}`);
  return result.value;
}

const DOCUMENTED = [
  // The EDN spec's examples.
  '(a b 42)',
  '[a b 42]',
  '{:a 1, "foo" :bar, [1 2 3] four}',
  '#{a b [1 2 3]}',
  '#myapp/Person {:first "Fred" :last "Mertz"}',
  '#inst "1985-04-12T23:20:50.52Z"',
  '#uuid "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"',
  '[a b #_foo 42]',
  // (Not \\space, \\tab or \\newline: edn-data writes those as a backslash and the bare whitespace.)
  '[:fred :my/fred my-namespace/foo / \\c \\u00e9 nil true false "a\\"b\\\\c\\nd"]',
  '[0 -17 +5 7N 1.5 -2.5e-3 1E3 12345678901234567890N]',
  // Maelstrom's history.edn (doc/05-datomic) and a Jepsen 0.3 op record (doc/workloads.md).
  '{:type :info, :f :txn, :value [[:append 9 11] [:append 6 3]], :time 5246977350, :process 0, :error :net-timeout, :index 1043}',
  '{:type :info, :f :txn, :value [[:r 40 nil] [:append 40 13]], :time 10293060397, :process 1, :error :net-timeout, :index 2025}',
  '#jepsen.history.Op{:index 3820, :time 4650651388, :type :ok, :process 0, :f :poll, :value [[:poll {"56" [[4 5] [5 6]]}]]}',
  // jepsen.history's docstring, and Maelstrom's results.edn (doc/05-datomic).
  '{:index 1, :time -1, :type :info, :process :nemesis, :f :crash, :value nil}',
  '{:workload {:valid? false, :anomaly-types (:internal), :not #{:read-atomic}, :also-not #{:ROLA :causal-cerone}}, :valid? false}',
];

describe('edn-data and our EDN agree', () => {
  it.each(DOCUMENTED)('on %s', (text) => {
    const ours = ourRead(text);
    expect(ours).toEqual(theirRead(text));
    expect(theirRead(writeEdn(ours))).toEqual(ours);
    expect(theirRead(writeEdnPretty(ours, 40))).toEqual(ours);
    expect(ourRead(toEDNString(toEdnData(ours)))).toEqual(ours);
  });

  it('on seeded random values, both ways', () => {
    for (const seed of seeds(300, 5000)) {
      const rng = new Rng(seed);
      const value = randomEdnValue(rng, 'portable');
      const ours = writeEdn(value);
      expect(theirRead(ours), `${replay(seed, FILE)}: edn-data reading ours\n${ours}`).toEqual(value);
      const pretty = writeEdnPretty(value, rng.int(20, 120));
      expect(theirRead(pretty), `${replay(seed, FILE)}: edn-data reading ours, pretty\n${pretty}`).toEqual(value);
      const theirs = toEDNString(toEdnData(value));
      expect(ourRead(theirs), `${replay(seed, FILE)}: ours reading edn-data's\n${theirs}`).toEqual(value);
    }
  });
});
