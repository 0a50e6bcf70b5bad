// The EDN reader and writer on the spec's own examples, on text copied from Jepsen's and
// Maelstrom's documentation, and on bad input, which must come back as an error naming its
// line and column, never as an exception.

import { describe, expect, it } from 'vitest';
import type { EdnValue } from '../../src/check/edn.js';
import {
  decimal,
  ednChar,
  ednEqual,
  ednList,
  ednMap,
  ednSet,
  isEdnMap,
  isKeywordName,
  isSymbolName,
  keyword,
  mapGetKeyword,
  symbol,
  tagged,
  writeEdn,
  writeEdnPretty,
} from '../../src/check/edn.js';
import { readEdn, readEdnForms } from '../../src/check/edn_reader.js';

function read(text: string): EdnValue {
  const result = readEdn(text);
  if (!result.ok) throw new Error(`${result.error.line}:${result.error.column}: ${result.error.message}`);
  return result.value;
}

function readError(text: string): string {
  const result = readEdn(text);
  if (result.ok) throw new Error(`read ${JSON.stringify(text)} without an error: ${writeEdn(result.value)}`);
  return `${result.error.line}:${result.error.column}: ${result.error.message}`;
}

describe('the EDN spec examples', () => {
  it('reads lists, vectors, maps and sets of mixed elements', () => {
    expect(read('(a b 42)')).toEqual(ednList([symbol('a'), symbol('b'), 42]));
    expect(read('[a b 42]')).toEqual([symbol('a'), symbol('b'), 42]);
    expect(read('{:a 1, "foo" :bar, [1 2 3] four}')).toEqual(
      ednMap([
        [keyword('a'), 1],
        ['foo', keyword('bar')],
        [[1, 2, 3], symbol('four')],
      ]),
    );
    expect(read('#{a b [1 2 3]}')).toEqual(ednSet([symbol('a'), symbol('b'), [1, 2, 3]]));
  });

  it('reads tagged elements, keeping the tag for the caller', () => {
    expect(read('#myapp/Person {:first "Fred" :last "Mertz"}')).toEqual(
      tagged(
        'myapp/Person',
        ednMap([
          [keyword('first'), 'Fred'],
          [keyword('last'), 'Mertz'],
        ]),
      ),
    );
    expect(read('#inst "1985-04-12T23:20:50.52Z"')).toEqual(tagged('inst', '1985-04-12T23:20:50.52Z'));
    expect(read('#uuid "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"')).toEqual(tagged('uuid', 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6'));
  });

  it('discards the element after #_, even a discard, and skips comments', () => {
    expect(read('[a b #_foo 42]')).toEqual([symbol('a'), symbol('b'), 42]);
    expect(read('[1 #_ #_ 2 3 4]')).toEqual([1, 4]);
    expect(read('{:a #_ :b 1}')).toEqual(ednMap([[keyword('a'), 1]]));
    expect(read('; a comment\n[1 ; another\n 2] #_ [3]')).toEqual([1, 2]);
  });

  it('reads nil, booleans, strings with their escapes, and characters', () => {
    expect(read('[nil true false]')).toEqual([null, true, false]);
    expect(read('"tab\\t return\\r newline\\n backslash\\\\ quote\\" \\u00e9 \\101"')).toEqual('tab\t return\r newline\n backslash\\ quote" é A');
    expect(read('"spans\ntwo lines"')).toBe('spans\ntwo lines');
    expect(read('[\\c \\newline \\return \\space \\tab \\u0041 \\( \\\\]')).toEqual(['c', '\n', '\r', ' ', '\t', 'A', '(', '\\'].map(ednChar));
  });

  it('reads symbols and keywords, with and without a prefix', () => {
    expect(read('[my-namespace/foo / :fred :my/fred ... -a +b .c a:b a#b]')).toEqual([
      symbol('my-namespace/foo'),
      symbol('/'),
      keyword('fred'),
      keyword('my/fred'),
      symbol('...'),
      symbol('-a'),
      symbol('+b'),
      symbol('.c'),
      symbol('a:b'),
      symbol('a#b'),
    ]);
    for (const name of ['a', 'a/b', '/', '-', '+x', 'valid?', 'G-single-realtime', 'a.b.C']) expect(isSymbolName(name), name).toBe(true);
    for (const name of ['', '1a', '-1', 'a/', '/a', 'a/b/c', 'a b', 'a(b', ':a', '#a']) expect(isSymbolName(name), name).toBe(false);
    expect(isKeywordName('/')).toBe(false);
  });

  it('reads integers exactly, however big, and floats and exact decimals', () => {
    expect(read('[0 -0 +5 -17 9007199254740991 -9007199254740991]')).toEqual([0, 0, 5, -17, 9007199254740991, -9007199254740991]);
    expect(read('9007199254740993')).toBe(9007199254740993n);
    expect(read('-123456789012345678901234567890')).toBe(-123456789012345678901234567890n);
    expect(read('7N')).toBe(7n);
    expect(read('[1.5 -0.25 1e3 1.5E-7 +2.0]')).toEqual([1.5, -0.25, 1000, 1.5e-7, 2]);
    expect(read('[1.50M 3M]')).toEqual([decimal('1.50'), decimal('3')]);
    expect(read('[##Inf ##-Inf]')).toEqual([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    expect(Number.isNaN(read('##NaN'))).toBe(true);
  });

  it('reads a namespaced map as Clojure prints one', () => {
    expect(read('#:jepsen{:a 1, :_/b 2, :other/c 3}')).toEqual(
      ednMap([
        [keyword('jepsen/a'), 1],
        [keyword('b'), 2],
        [keyword('other/c'), 3],
      ]),
    );
  });

  it('compares as the spec says: sequences by items, maps and sets by content', () => {
    expect(ednEqual(read('[1 2]'), read('(1 2)'))).toBe(true);
    expect(ednEqual(read('{:a 1 :b 2}'), read('{:b 2 :a 1}'))).toBe(true);
    expect(ednEqual(read('#{1 2}'), read('#{2 1}'))).toBe(true);
    expect(ednEqual(read('1'), read('1N'))).toBe(true);
    expect(ednEqual(read('{:a 1}'), read('{:a 2}'))).toBe(false);
    expect(ednEqual(read(':a'), read('a'))).toBe(false);
  });
});

describe("Jepsen's and Maelstrom's files", () => {
  it('reads history.edn lines as Maelstrom printed them (doc/05-datomic)', () => {
    const op = read('{:type :info, :f :txn, :value [[:append 9 11] [:append 6 3]], :time 5246977350, :process 0, :error :net-timeout, :index 1043}');
    if (!isEdnMap(op)) throw new Error('not a map');
    expect(mapGetKeyword(op, 'type')).toEqual(keyword('info'));
    expect(mapGetKeyword(op, 'value')).toEqual([
      [keyword('append'), 9, 11],
      [keyword('append'), 6, 3],
    ]);
    expect(mapGetKeyword(op, 'time')).toBe(5246977350);
    expect(mapGetKeyword(op, 'error')).toEqual(keyword('net-timeout'));
  });

  it('reads Jepsen 0.3 op records (doc/workloads.md) as tagged maps', () => {
    const forms = readEdnForms(`#jepsen.history.Op{:index 3820,
:time 4650651388,
:type :ok,
:process 0,
:f :poll,
:value [[:poll {"56" [[4 5] [5 6]]}]]}
#jepsen.history.Op{:index 3848,
:time 4691738701,
:type :ok,
:process 0,
:f :poll,
:value [[:poll {"56" [[8 9]]}]]}`);
    if (!forms.ok) throw new Error(forms.error.message);
    expect(forms.value.map((form) => [form.line, form.column])).toEqual([
      [1, 1],
      [7, 1],
    ]);
    const first = forms.value[0]?.value;
    expect(first).toMatchObject({ kind: 'tagged', tag: 'jepsen.history.Op' });
    expect(writeEdn(first as EdnValue)).toBe(
      '#jepsen.history.Op {:index 3820, :time 4650651388, :type :ok, :process 0, :f :poll, :value [[:poll {"56" [[4 5] [5 6]]}]]}',
    );
  });

  it("reads results.edn as Maelstrom printed an Elle result (doc/05-datomic), '...' and all", () => {
    const result = read(`{:workload {:valid? false,
            :anomaly-types (:internal),
            :anomalies {:internal ({:op {:type :ok,
                                         :f :txn,
                                         :value [[:append 9 6]
                                                 [:r 9 nil]],
                                         :time 3361561215,
                                         :process 3,
                                         :index 35},
                                    :mop [:r 9 nil],
                                    :expected [... 6]})},
            :not #{:read-atomic},
            :also-not #{:ROLA
                        :causal-cerone}},
 :valid? false}`);
    expect(writeEdn(result)).toBe(
      '{:workload {:valid? false, :anomaly-types (:internal), :anomalies {:internal ({:op {:type :ok, :f :txn, :value [[:append 9 6] [:r 9 nil]], :time 3361561215, :process 3, :index 35}, :mop [:r 9 nil], :expected [... 6]})}, :not #{:read-atomic}, :also-not #{:ROLA :causal-cerone}}, :valid? false}',
    );
  });

  it('reads a Knossos result holding a model record (doc/06-raft)', () => {
    const result = read(`{:linearizable {:valid? true,
                :configs ({:model #knossos.model.CASRegister{:value 3},
                           :last-op {:process 1, :type :ok, :f :cas, :value [2 3], :index 85, :time 9787361454},
                           :pending []}),
                :final-paths ()}}`);
    expect(writeEdn(result)).toContain('#knossos.model.CASRegister {:value 3}');
  });
});

describe('bad input', () => {
  it.each([
    ['[1 2', '1:5: the vector opened at line 1, column 1 is never closed'],
    ['{:a 1\n :b', "2:4: the map opened at line 1, column 1 is never closed (expected '}')"],
    ['(1 2]', "1:5: ']' closes the list opened at line 1, column 1 (expected ')')"],
    ['  )', "1:3: unexpected ')': nothing is open here"],
    ['"abc', '1:5: the string opened at line 1, column 1 is never closed'],
    ['"a\\qb"', '1:3: unknown escape \\q in a string'],
    ['"\\u12"', '1:2: \\u must be followed by 4 hex digits'],
    ['{:a 1\n :a 2}', '2:2: duplicate map key :a'],
    ['{[1 2] 1 (1 2) 2}', '1:10: duplicate map key (1 2)'],
    ['#{1 2 1}', '1:7: duplicate set element 1'],
    ['{:a 1 :b}', '1:1: the map opened at line 1, column 1 has a key without a value (the key at line 1, column 7)'],
    ['[1 #_]', "1:6: ']' where an element to discard after #_ should be"],
    ['#_', '1:3: the text ends where an element to discard after #_ should be'],
    ['#foo', '1:5: the text ends where the element tagged #foo should be'],
    ['#1 2', "1:1: # followed by '1'"],
    ['#inst 12', '1:1: #inst needs an RFC 3339 timestamp string, not 12'],
    ['#uuid "nope"', '1:1: #uuid needs a canonical UUID string'],
    ['007', '1:1: 007 is not a legal number: only 0 itself may begin with 0'],
    ['[1 1/2]', '1:4: 1/2 is not a legal number: ratios are Clojure, not EDN'],
    ['0x1F', '1:1: 0x1F is not a legal number: hex and radix integers are Clojure, not EDN'],
    ['1.', '1:1: 1. is not a legal number: a float needs digits after its point'],
    ['::a', '1:1: ::a: auto-resolved keywords (::) are Clojure, not EDN'],
    [':a/', '1:1: :a/ is not a legal keyword'],
    [':/', '1:1: :/ is not a legal keyword'],
    ['a/b/c', '1:1: a/b/c is not a legal symbol'],
    ['\\ ', '1:1: a backslash cannot be followed by whitespace'],
    ['\\abc', '1:1: unknown character literal \\abc'],
    ["'a", "1:1: ''' is a Clojure reader macro, not EDN"],
    ['##Foo', '1:1: ##Foo is not a symbolic value'],
    ['', '1:1: no EDN element in the text'],
    ['1 2', '1:3: more than one EDN element where one was expected'],
  ])('%j is refused: %s', (text, message) => {
    expect(readError(text)).toContain(message);
  });

  it('refuses nesting deeper than it reads, without exhausting the stack', () => {
    expect(readError(`${'['.repeat(5000)}${']'.repeat(5000)}`)).toContain('nested more than 1000 deep');
    expect(read(`${'['.repeat(900)}${']'.repeat(900)}`)).toBeDefined();
  });

  it('counts lines and columns after multi-line strings and a byte order mark', () => {
    expect(readError('\ufeff"one\ntwo" :x/')).toBe('2:6: :x/ is not a legal keyword');
  });
});

describe('the writer', () => {
  it("lays out one line as Clojure's prn does", () => {
    expect(
      writeEdn(
        ednMap([
          [keyword('index'), 0],
          [keyword('value'), [0, null]],
          [keyword('s'), ednSet([1])],
          [keyword('l'), ednList([symbol('a')])],
        ]),
      ),
    ).toBe('{:index 0, :value [0 nil], :s #{1}, :l (a)}');
  });

  it('writes every number so that it reads back as the same kind', () => {
    expect([1, -1, 1.5, -0, 2 ** 60, 1e21, 5e-324].map(writeEdn)).toEqual(['1', '-1', '1.5', '-0.0', '1152921504606847000.0', '1e+21', '5e-324']);
    expect([2n ** 64n, 3n, decimal('1.50')].map(writeEdn)).toEqual(['18446744073709551616N', '3N', '1.50M']);
    expect([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY].map(writeEdn)).toEqual(['##NaN', '##Inf', '##-Inf']);
    expect(read(writeEdn(2 ** 60))).toBe(2 ** 60);
    expect(Object.is(read(writeEdn(-0)), -0)).toBe(true);
  });

  it('escapes what would break a line or a naive reader, and nothing else', () => {
    expect(writeEdn('a"b\\c\nd\te\rf\u0001g\u007fh é 😀 \ud800')).toBe('"a\\"b\\\\c\\nd\\te\\rf\\u0001g\\u007fh é 😀 \\ud800"');
    expect(['a', ' ', '\n', '(', '\\', '"', '#', 'é', '\u0000', '\udc00'].map((c) => writeEdn(ednChar(c)))).toEqual([
      '\\a',
      '\\space',
      '\\newline',
      '\\u0028',
      '\\u005c',
      '\\u0022',
      '\\u0023',
      '\\é',
      '\\u0000',
      '\\udc00',
    ]);
  });

  it('refuses to write what no reader could read back', () => {
    expect(() => writeEdn(keyword('1a'))).toThrow(RangeError);
    expect(() => writeEdn(symbol('nil'))).toThrow(/not a legal symbol/);
    expect(() => writeEdn(tagged('1x', 1))).toThrow(/not a legal tag/);
    expect(() => writeEdn(ednChar('ab'))).toThrow(/one UTF-16 unit/);
    expect(() => writeEdn(decimal('1e'))).toThrow(/not a decimal/);
  });

  it('pretty-prints within the width, one map entry per line once a map is too long', () => {
    const value = read(
      '{:valid? false, :anomaly-types (:G1c :G-single), :not #{:read-committed}, :also-not #{:serializable :snapshot-isolation :strict-serializable}}',
    );
    const pretty = writeEdnPretty(value, 60);
    expect(pretty).toBe(
      [
        '{:valid? false,',
        ' :anomaly-types (:G1c :G-single),',
        ' :not #{:read-committed},',
        ' :also-not #{:serializable :snapshot-isolation',
        '             :strict-serializable}}',
      ].join('\n'),
    );
    for (const line of pretty.split('\n')) expect(line.length).toBeLessThanOrEqual(60);
    expect(read(pretty)).toEqual(value);
    expect(writeEdnPretty(read('{:valid? true, :count 3}'))).toBe('{:valid? true, :count 3}');
  });
});
