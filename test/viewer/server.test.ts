// The viewer's HTTP server, in this process, over a store laid out as the harness lays one out:
// the run list (top-level entries only, newest first, paged), the pages of a txn run, a bench and
// a run that did not recover, files with their content types, and every refusal: paths with ..
// in any spelling, absolute paths, symbolic links out of the store, other methods, other hosts.
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNS_PER_PAGE, startViewer, type RunningViewer } from '../../src/viewer/server.js';
import { LIMITS, StoreReader } from '../../src/viewer/store_reader.js';
import { makeFixtureStore, makeManyRunsStore, SECRET, type FixtureStore } from './store_fixture.js';

interface Reply {
  readonly status: number;
  readonly headers: { readonly [name: string]: string | string[] | undefined };
  readonly body: string;
}

/** A raw request: the path goes out exactly as given (no normalization of "..", as a browser would do). */
function get(viewer: RunningViewer, path: string, options: { method?: string; host?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: viewer.port,
        path,
        method: options.method ?? 'GET',
        headers: { host: options.host ?? `127.0.0.1:${viewer.port}` },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer to ${path} within 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

let store: FixtureStore;
let viewer: RunningViewer;
const logged: string[] = [];

beforeAll(async () => {
  store = makeFixtureStore();
  const reader = await StoreReader.open(store.root);
  if (!reader.ok) throw new Error(reader.error);
  viewer = await startViewer({ store: reader.value, storeLabel: 'store', host: '127.0.0.1', port: 0, log: (line) => logged.push(line) });
});

afterAll(async () => {
  await viewer?.close();
  store?.cleanup();
});

const rowsOf = (html: string): string[] =>
  [...html.matchAll(/<tr class="run"><td>[^<]*<\/td><td><a href="\/run\/([^"]+)">/g)].map((m) => decodeURIComponent(m[1] ?? ''));

describe('the run list', () => {
  it('lists every run, bench and incomplete run at the top, newest first; a bench keeps its runs', async () => {
    const reply = await get(viewer, '/');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(reply.headers['content-security-policy']).toContain("default-src 'none'");
    const { runs } = store;
    expect(rowsOf(reply.body)).toEqual([runs.notRecovered, runs.bench, runs.txn, runs.linKv, runs.unknown, runs.incomplete]);
    expect(reply.body).not.toContain(runs.benchRun);
    for (const cls of ['valid', 'invalid', 'unknown', 'not-recovered']) expect(reply.body).toContain(`verdict verdict-${cls}`);
    // What the outside directory holds is never listed, though a link to it sits in the store.
    expect(reply.body).not.toContain('secret');
  });

  it(`shows ${RUNS_PER_PAGE} runs a page, with links to the next and previous pages`, async () => {
    const many = makeManyRunsStore(RUNS_PER_PAGE + 3);
    const reader = await StoreReader.open(many.root);
    if (!reader.ok) throw new Error(reader.error);
    const manyViewer = await startViewer({ store: reader.value, storeLabel: 'many', host: '127.0.0.1', port: 0, log: () => undefined });
    try {
      const first = await get(manyViewer, '/');
      expect(rowsOf(first.body)).toHaveLength(RUNS_PER_PAGE);
      expect(rowsOf(first.body)[0]).toBe(`run-0${RUNS_PER_PAGE + 2}`);
      expect(first.body).toContain('<a href="/?page=2">older →</a>');
      const second = await get(manyViewer, '/?page=2');
      expect(rowsOf(second.body)).toEqual(['run-002', 'run-001', 'run-000']);
      expect(second.body).toContain('<a href="/?page=1">← newer</a>');
      expect(rowsOf((await get(manyViewer, '/?page=banana')).body)).toHaveLength(RUNS_PER_PAGE);
    } finally {
      await manyViewer.close();
      many.cleanup();
    }
  });
});

describe('bounds and broken files', () => {
  it('says when the walk stopped at its bound, and when a directory held more entries than it looks at', async () => {
    const saved = { ...LIMITS };
    try {
      LIMITS.walkDirs = 3;
      expect((await get(viewer, '/')).body).toContain('stopped looking after 3 directories: some runs may be missing from this list');
      LIMITS.walkDirs = saved.walkDirs;
      LIMITS.dirEntries = 2;
      const reply = await get(viewer, '/');
      expect(reply.body).toContain('a directory holds more than 2 entries: only the first were looked at');
      const listing = await get(viewer, `/files/${store.runs.unknown}/`);
      expect(listing.body).toContain('More entries than a page lists');
    } finally {
      Object.assign(LIMITS, saved);
    }
  });

  it('lists a run whose results.json is not JSON, and says so', async () => {
    const broken = join(store.root, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'results.json'), '{"verdict": "valid",');
    try {
      const reply = await get(viewer, '/');
      expect(reply.body).toMatch(/<a href="\/run\/broken">broken<\/a><div class="note">results.json is not JSON: [^<]+<\/div>/);
      expect(reply.body).toContain('<td class="verdict verdict-unknown">unreadable</td>');
      expect((await get(viewer, '/run/broken')).status).toBe(200);
    } finally {
      rmSync(broken, { recursive: true });
    }
  });
});

describe('a contention study', () => {
  it('is listed once, with its benches on its own page with its plots and contention.md', async () => {
    const study = join(store.root, 'study');
    const bench = join(study, 'runs', 'occ', 'k3-exponential', 'rep1');
    mkdirSync(bench, { recursive: true });
    cpSync(join(store.root, store.runs.bench, 'bench.json'), join(bench, 'bench.json'));
    writeFileSync(join(study, 'contention.md'), '# raftkv contention: batch and occ\n\n| keys | batch txns/s |\n');
    writeFileSync(join(study, 'contention-exponential-txns.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><title>t</title></svg>');
    const rows = [{ runs: 3, valid: 3, invalid: 0 }];
    writeFileSync(join(study, 'contention.json'), JSON.stringify({ startedAt: '2026-12-06T20:55:36.377Z', config: { nodes: 3, seed: 9000 }, rows, runs: [] }));
    try {
      const index = await get(viewer, '/');
      expect(rowsOf(index.body)).toContain('study');
      expect(rowsOf(index.body).filter((path) => path.startsWith('study/'))).toEqual([]);
      const page = await get(viewer, '/run/study');
      expect(page.status).toBe(200);
      expect(page.body).toContain('<span class="badge verdict verdict-valid">valid</span>');
      expect(page.body).toContain('<img src="/files/study/contention-exponential-txns.svg"');
      expect(page.body).toContain('# raftkv contention: batch and occ');
      expect(page.body).toContain('<a href="/run/study/runs/occ/k3-exponential/rep1">runs/occ/k3-exponential/rep1</a>');
    } finally {
      rmSync(study, { recursive: true });
    }
  });
});

describe('run pages', () => {
  it('shows a txn run: why, summary, plots, the anomaly with its picture and explanation, node logs, every file', async () => {
    const reply = await get(viewer, `/run/${store.runs.txn.split('/').map(encodeURIComponent).join('/')}`);
    expect(reply.status).toBe(200);
    const base = `/files/${store.runs.txn.split('/').map(encodeURIComponent).join('/')}`;
    expect(reply.body).toContain('verdict-invalid');
    expect(reply.body).toContain('workload: not serializable: G2-item');
    expect(reply.body).toContain('<pre class="summary">raftkv-test txn-list-append: 3 nodes');
    expect(reply.body).toContain(`<img src="${base}/latency.svg"`);
    expect(reply.body).toContain('<h3 class="anomaly">G2-item (1 found)</h3>');
    expect(reply.body).toContain(`<img src="${base}/anomaly-G2-item.svg"`);
    expect(reply.body).toContain('G2-item #1 of 1 (rules out strict-serializable, serializable, repeatable-read)');
    for (const name of ['n0.log', 'n1.log', 'n2.log']) expect(reply.body).toContain(`<a href="${base}/node-logs/${name}">${name}</a>`);
    for (const name of ['history.jsonl', 'history.edn', 'results.json', 'summary.txt', 'explanations.txt', 'latency.svg', 'anomaly-G2-item.svg']) {
      expect(reply.body, name).toContain(`<a href="${base}/${name}">${name}</a>`);
    }
    // The log that links out of the store is listed as a link, never read.
    expect(reply.body).not.toContain(SECRET);
  });

  it('shows only the end of a long node log, and says so', async () => {
    const reply = await get(viewer, `/run/${store.runs.notRecovered}`);
    expect(reply.body).toContain('<span class="badge verdict verdict-not-recovered">did not recover</span>');
    expect(reply.body).toContain(store.bigLog.last);
    expect(reply.body).not.toContain(store.bigLog.first);
    expect(reply.body).toMatch(/The last \d+\.\d KiB of \d+\.\d KiB/);
    const logText = /<h3>n0\.log[\s\S]*?<pre class="log">([\s\S]*?)<\/pre>/.exec(reply.body)?.[1] ?? '';
    expect(logText.length).toBeLessThanOrEqual(LIMITS.logTailBytes);
    expect(logText.length).toBeGreaterThan(LIMITS.logTailBytes / 2);
  });

  it("frames a bench's report and lists the run it kept", async () => {
    const reply = await get(viewer, `/run/${store.runs.bench.split('/').map(encodeURIComponent).join('/')}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toContain('<iframe class="report"');
    expect(reply.body).toContain('report.html"></iframe>');
    expect(reply.body).toContain('>runs/n3-l0-r0.5-default-c2n-rep1</a>');
  });

  it('reaches a run through a link inside the store, and sends a directory that is no run to its listing', async () => {
    expect((await get(viewer, '/run/lin-kv/latest')).body).toContain('verdict-valid');
    const listing = await get(viewer, '/run/lin-kv');
    expect(listing.status).toBe(302);
    expect(listing.headers.location).toBe('/files/lin-kv/');
    const page = await get(viewer, '/files/lin-kv/');
    expect(page.body).toContain('20261206T223640.962+0000/');
  });
});

describe('files', () => {
  const file = (name: string): string => `/files/${store.runs.txn.split('/').map(encodeURIComponent).join('/')}/${name}`;

  it('serves each file with its content type, and runs no script in any of them', async () => {
    const cases: [string, string][] = [
      ['latency.svg', 'image/svg+xml'],
      ['results.json', 'application/json; charset=utf-8'],
      ['history.jsonl', 'text/plain; charset=utf-8'],
      ['history.edn', 'text/plain; charset=utf-8'],
      ['summary.txt', 'text/plain; charset=utf-8'],
      ['node-logs/n0.log', 'text/plain; charset=utf-8'],
    ];
    for (const [name, type] of cases) {
      const reply = await get(viewer, file(name));
      expect(reply.status, name).toBe(200);
      expect(reply.headers['content-type'], name).toBe(type);
      expect(reply.headers['content-security-policy'], name).toMatch(/^sandbox;/);
      expect(Number(reply.headers['content-length']), name).toBe(Buffer.byteLength(reply.body));
    }
    const report = await get(viewer, `/files/${store.runs.bench.split('/').map(encodeURIComponent).join('/')}/report.html`);
    expect(report.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(report.body).toContain('<svg');
  });

  it('sends an empty file as such', async () => {
    const reply = await get(viewer, `/files/${store.runs.unknown}/history.jsonl`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-length']).toBe('0');
    expect(reply.body).toBe('');
  });

  it('cuts a text file longer than the bound, saying so at its end, and refuses a longer picture', async () => {
    const reader = await StoreReader.open(store.root);
    if (!reader.ok) throw new Error(reader.error);
    const small = await startViewer({ store: reader.value, storeLabel: 'store', host: '127.0.0.1', port: 0, log: () => undefined, maxFileBytes: 1000 });
    try {
      const text = await get(small, file('history.jsonl'));
      expect(text.status).toBe(200);
      expect(text.headers['content-length']).toBeUndefined();
      expect(text.body.startsWith('{"index":0,')).toBe(true);
      expect(text.body).toMatch(/\n\[cut by raftkv-test serve: the first 1000 of \d+ bytes; the whole file is in the store\]\n$/);
      expect(Buffer.byteLength(text.body)).toBeLessThan(1200);
      const picture = await get(small, file('latency.svg'));
      expect(picture.status).toBe(413);
      expect(picture.body).toContain('more than the 1000 the viewer sends');
      expect((await get(small, file('node-logs/n1.log'))).body).not.toContain('[cut by');
    } finally {
      await small.close();
    }
  });

  it('answers HEAD without a body', async () => {
    const reply = await get(viewer, file('latency.svg'), { method: 'HEAD' });
    expect(reply.status).toBe(200);
    expect(Number(reply.headers['content-length'])).toBeGreaterThan(1000);
    expect(reply.body).toBe('');
  });

  it('refuses every way out of the store', async () => {
    const refusals: [string, number][] = [
      ['/files/../../etc/passwd', 400],
      ['/files/%2e%2e/%2e%2e/etc/passwd', 400],
      ['/files/%2E%2E/outside/secret.txt', 400],
      ['/files/lin-kv/..%2f..%2f..%2fetc%2fpasswd', 400],
      ['/files/..%5c..%5cetc', 400],
      ['/files//etc/passwd', 400],
      ['/run/%2e%2e', 400],
      ['/files/a%00b', 400],
      ['/files/escape/secret.txt', 403],
      ['/files/escape', 403],
      ['/run/escape', 403],
      [file('node-logs/leak.log'), 403],
      ['/files/nothing-here', 404],
      ['/etc/passwd', 404],
      ['/', 200],
    ];
    for (const [path, status] of refusals) {
      const reply = await get(viewer, path);
      expect(reply.status, path).toBe(status);
      expect(reply.body, path).not.toContain(SECRET);
      expect(reply.body, path).not.toContain('root:x:0:0');
      if (status !== 200) expect(reply.headers['content-type'], path).toBe('text/html; charset=utf-8');
    }
  });

  it('answers only GET and HEAD, and only to loopback names', async () => {
    const post = await get(viewer, '/', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expect((await get(viewer, '/', { host: 'evil.example:80' })).status).toBe(403);
    expect((await get(viewer, '/', { host: `localhost:${viewer.port}` })).status).toBe(200);
    expect(logged).toEqual([]);
  });
});
