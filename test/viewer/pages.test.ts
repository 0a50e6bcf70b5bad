// The viewer's pure parts: which files of a run are plots, anomaly pictures and pages; which
// explanation goes with which anomaly; content types; and the pages themselves (verdict
// classes, links that cannot be bent by a file name, every stored text escaped, cut texts said).
import { describe, expect, it } from 'vitest';
import { testRunSummary, type EntrySummary } from '../../src/viewer/entries.js';
import { benchPage, directoryPage, errorPage, indexPage, testRunPage, type TestRunPageData } from '../../src/viewer/pages.js';
import { contentTypeOf, explanationBlocks, explanationsByAnomaly, groupRunFiles, isTextType, type DirItem } from '../../src/viewer/run_files.js';

const file = (name: string, size = 10): DirItem => ({ name, kind: 'file', size });

describe('groupRunFiles', () => {
  it('puts latency.svg first among the plots, anomaly pictures apart, and finds HTML pages', () => {
    const groups = groupRunFiles([
      file('timeline.svg'),
      file('anomaly-G2-item.svg'),
      file('latency.svg'),
      file('rate.png'),
      file('anomaly-G1c-process.svg'),
      file('timeline.html'),
      file('results.json'),
      { name: 'node-logs', kind: 'dir', size: 0 },
      { name: 'linked.svg', kind: 'link', size: 0 },
    ]);
    expect(groups.plots).toEqual(['latency.svg', 'rate.png', 'timeline.svg']);
    expect(groups.anomalies).toEqual([
      { name: 'G2-item', file: 'anomaly-G2-item.svg' },
      { name: 'G1c-process', file: 'anomaly-G1c-process.svg' },
    ]);
    expect(groups.pages).toEqual(['timeline.html']);
  });
});

describe('explanations', () => {
  const text = [
    'G2-item #1 of 2 (rules out serializable)\n  T1 = txn 1',
    'G2-item-process #1 of 1\n  T1 = txn 5',
    'G2-item #2 of 2 (rules out serializable)\n  T1 = txn 3',
    'key 0 is not linearizable\n  ...',
  ].join('\n\n');

  it('splits on blank lines and gives each block to its anomaly, not to one whose name merely starts the same', () => {
    const blocks = explanationBlocks(`${text}\n\n\n`);
    expect(blocks).toHaveLength(4);
    const { byName, others } = explanationsByAnomaly(blocks, ['G2-item', 'G2-item-process']);
    expect(byName.get('G2-item')?.map((b) => b.split('\n')[0])).toEqual([
      'G2-item #1 of 2 (rules out serializable)',
      'G2-item #2 of 2 (rules out serializable)',
    ]);
    expect(byName.get('G2-item-process')).toHaveLength(1);
    expect(others).toEqual(['key 0 is not linearizable\n  ...']);
  });
});

describe('contentTypeOf', () => {
  it('serves pictures, JSON and pages as such, and every text file as text to read', () => {
    expect(contentTypeOf('latency.svg')).toBe('image/svg+xml');
    expect(contentTypeOf('rate.PNG')).toBe('image/png');
    expect(contentTypeOf('results.json')).toBe('application/json; charset=utf-8');
    expect(contentTypeOf('report.html')).toBe('text/html; charset=utf-8');
    for (const name of ['history.jsonl', 'history.edn', 'n0.log', 'summary.txt', 'bench.md'])
      expect(contentTypeOf(name), name).toBe('text/plain; charset=utf-8');
    expect(contentTypeOf('segment-0000000001.wal')).toBe('application/octet-stream');
    expect(contentTypeOf('constructor')).toBe('application/octet-stream');
    expect(isTextType(contentTypeOf('n0.log'))).toBe(true);
    expect(isTextType(contentTypeOf('latency.svg'))).toBe(false);
  });
});

const entry = (segments: string[], verdict: string): EntrySummary =>
  testRunSummary(
    segments,
    {
      verdict,
      test: { workload: 'lin-kv', 'started-at': '2026-12-06T22:36:40.962Z', 'node-count': 3, nemesis: ['partition'], seed: 42 },
      stats: { count: 138 },
    },
    '2026-12-07T00:00:00.000Z',
  );

describe('indexPage', () => {
  it('gives each row its verdict class, links its run page, and escapes names', () => {
    const rows = [entry(['lin-kv', '<b>x</b>'], 'valid'), entry(['odd'], 'not-recovered'), entry(['odd2'], 'who-knows')];
    const html = indexPage({ store: 'store', page: { rows, page: 2, pageCount: 3, total: 120 }, walkNote: undefined });
    expect(html).toContain('<td class="verdict verdict-valid">valid</td>');
    expect(html).toContain('<td class="verdict verdict-not-recovered">did not recover</td>');
    expect(html).toContain('<td class="verdict verdict-unknown">who-knows</td>');
    expect(html).toContain('href="/run/lin-kv/%3Cb%3Ex%3C%2Fb%3E"');
    expect(html).not.toContain('<b>x</b>');
    expect(html).toContain('2026-12-06 22:36:40');
    expect(html).toContain('<a href="/?page=1">← newer</a>');
    expect(html).toContain('<a href="/?page=3">older →</a>');
    expect(html).toContain('120 in all, newest first');
    expect(html).not.toMatch(/<script/i);
  });

  it('says when the store holds nothing, and when the walk stopped early', () => {
    const html = indexPage({ store: 'store', page: { rows: [], page: 1, pageCount: 1, total: 0 }, walkNote: 'stopped looking after 20000 directories' });
    expect(html).toContain('Nothing here yet');
    expect(html).toContain('stopped looking after 20000 directories');
  });
});

describe('testRunPage', () => {
  const data: TestRunPageData = {
    entry: entry(['txn', 'run'], 'invalid'),
    command: "raftkv-test test -w txn-list-append --title 'a b'",
    why: ['workload: not serializable: G2-item'],
    summary: { text: 'ops: 416 <all ok>', size: 16, truncated: false },
    plots: ['latency.svg'],
    anomalies: [{ name: 'G2-item', file: 'anomaly-G2-item.svg', count: 11, explanations: ['G2-item #1 of 11\n  T1 -rw-> T2'], more: 8 }],
    otherExplanations: [],
    moreOtherExplanations: 0,
    explanationsCut: false,
    pages: ['timeline.html'],
    nodeLogs: [{ name: 'n0.log', tail: { text: 'last line </pre><script>x</script>', size: 100_000, truncated: true } }],
    moreNodeLogs: 2,
    files: [file('results.json'), file('history.edn', 2048), { name: 'node-logs', kind: 'dir', size: 0 }],
    filesTruncated: false,
  };
  const html = testRunPage(data);

  it('shows the verdict, why, the summary, the plots and each anomaly with its picture and explanations', () => {
    expect(html).toContain('<span class="badge verdict verdict-invalid">invalid</span>');
    expect(html).toContain('<li>workload: not serializable: G2-item</li>');
    expect(html).toContain('ops: 416 &#60;all ok&#62;');
    expect(html).toContain('<img src="/files/txn/run/latency.svg"');
    expect(html).toContain('<h3 class="anomaly">G2-item (11 found)</h3>');
    expect(html).toContain('<img src="/files/txn/run/anomaly-G2-item.svg"');
    expect(html).toContain('G2-item #1 of 11\n  T1 -rw-&#62; T2');
    expect(html).toContain('8 more G2-item explained in <a href="/files/txn/run/explanations.txt">');
    expect(html).toContain('<a href="/files/txn/run/timeline.html">timeline.html</a>');
  });

  it('shows the end of each node log, says it is cut and links the whole file, and escapes it', () => {
    expect(html).toContain('The last ');
    expect(html).toContain('<a href="/files/txn/run/node-logs/n0.log">n0.log</a>');
    expect(html).not.toContain('<script>');
    expect(html).toContain('2 more logs in <a href="/files/txn/run/node-logs/">node-logs/</a>');
  });

  it('links every file of the run, whatever it is', () => {
    expect(html).toContain('<a href="/files/txn/run/results.json">results.json</a>');
    expect(html).toContain('<a href="/files/txn/run/history.edn">history.edn</a>');
    expect(html).toContain('<a href="/files/txn/run/node-logs/">node-logs/</a>');
    expect(html).toContain('2.0 KiB');
  });
});

describe('benchPage, directoryPage and errorPage', () => {
  it("frames a bench's report and lists the runs it kept, their paths relative to it", () => {
    const bench = { ...entry(['bench', 't'], 'valid'), kind: 'bench' as const };
    const nested = entry(['bench', 't', 'runs', 'cell-rep1'], 'invalid');
    const html = benchPage({
      entry: bench,
      command: null,
      hasReport: true,
      nested: { entries: [nested], note: undefined },
      files: [file('report.html')],
      filesTruncated: false,
    });
    expect(html).toContain('<iframe class="report" title="the bench report" src="/files/bench/t/report.html"></iframe>');
    expect(html).toContain('<a href="/run/bench/t/runs/cell-rep1">runs/cell-rep1</a>');
    expect(html).toContain('verdict-invalid');
  });

  it('links a directory that is a run to its page, and says what an error was', () => {
    expect(directoryPage({ segments: ['lin-kv', 'x'], items: [], truncated: true, entryKind: 'test' })).toContain('<a href="/run/lin-kv/x">see its page</a>');
    const error = errorPage(403, 'Forbidden', 'escape leads outside the store: refused');
    expect(error).toContain('<h1>403 Forbidden</h1>');
    expect(error).toContain('escape leads outside the store: refused');
  });
});
