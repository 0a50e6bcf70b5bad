// The viewer as a user sees it, in Debian's Chromium driven by playwright-core: the run list's
// colours as computed, a run page opened by clicking with its plots drawn, a txn anomaly's
// picture, a bench's report and docs/bench-matrix.svg with every label inside and apart.
// RAFTKV_SCREENSHOTS=1 writes docs/viewer-*.png. Without Chromium: skipped on a developer's
// machine (the title says why), failed in CI (.ci/run installs it).
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP_LABEL_SIZE, textWidth } from '../../src/bench/charts.js';
import { renderReportHtml } from '../../src/bench/report_html.js';
import { VERDICT_COLORS, type VerdictClass } from '../../src/viewer/entries.js';
import { reportFor } from '../bench/fixtures.js';
import { REPO_ROOT, requireBuilt, withTimeout } from '../support/node_process.js';
import { startServe, stopAllServes, type ServeProcess } from './serve_process.js';
import { makeFixtureStore, type FixtureStore } from './store_fixture.js';

const CHROMIUM = process.env['RAFTKV_CHROMIUM'] ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const IN_CI = process.env['CI'] === 'true';
const SCREENSHOTS = process.env['RAFTKV_SCREENSHOTS'] === '1';
const WAIT_MS = 15_000;

// On a developer's machine without Chromium the tests are skipped, and the title says why; in CI they fail.
const TITLE = HAVE_CHROMIUM || IN_CI ? 'the viewer in Chromium' : `the viewer in Chromium (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`;

/** Each run's path as the run list shows it, newest first, with the class of its verdict. */
function expectedVerdicts(store: FixtureStore): [string, VerdictClass][] {
  const { runs } = store;
  return [
    [runs.notRecovered, 'not-recovered'],
    [runs.bench, 'valid'],
    [runs.txn, 'invalid'],
    [runs.linKv, 'valid'],
    [runs.unknown, 'unknown'],
    [runs.incomplete, 'unknown'],
  ];
}

function rgb(hex: string): string {
  const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  return `rgb(${r}, ${g}, ${b})`;
}

interface PictureProblems {
  readonly pictures: number;
  /** Texts that stick out of their picture. */
  readonly clipped: string[];
  /** Pairs of texts that overlap. */
  readonly overlapping: string[];
  /** The slanted group names: their text, font size and drawn length. */
  readonly groupLabels: { text: string; size: number; length: number }[];
}

// What the functions run in the page use of the browser's globals: the project's TypeScript has
// no DOM library, and these declarations keep it that way outside this file.
interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}
interface SvgText {
  readonly textContent: string | null;
  readonly classList: { contains(name: string): boolean };
  getBBox(): Box;
  getScreenCTM(): { a: number; b: number; c: number; d: number; e: number; f: number } | null;
  getComputedTextLength(): number;
  getAttribute(name: string): string | null;
}
interface SvgPicture {
  getBoundingClientRect(): { left: number; right: number; top: number; bottom: number };
  querySelectorAll(selector: 'text'): Iterable<SvgText>;
  querySelector(selector: 'title'): { textContent: string | null } | null;
}
interface BrowserGlobals {
  readonly document: {
    querySelectorAll(selector: 'svg'): Iterable<SvgPicture>;
    readonly images: Iterable<{ complete: boolean }>;
    readonly body: { scrollHeight: number };
  };
  getComputedStyle(element: unknown): { backgroundColor: string };
}

/**
 * In the page: every <svg>'s texts, each as the quadrilateral it covers on screen (its box
 * turned by its transform), checked to lie inside the picture and apart from every other text.
 */
function pictureProblems(): PictureProblems {
  type Point = [number, number];
  const quadOf = (element: SvgText): Point[] => {
    const box = element.getBBox();
    const m = element.getScreenCTM() ?? { a: 1, b: 0, c: 0, d: 1, e: 0, f: 0 };
    const corners: Point[] = [
      [box.x, box.y],
      [box.x + box.width, box.y],
      [box.x + box.width, box.y + box.height],
      [box.x, box.y + box.height],
    ];
    return corners.map(([x, y]): Point => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f]);
  };
  // Two convex quadrilaterals overlap unless some edge's normal separates them (with a hair of slack).
  const overlap = (p: Point[], q: Point[]): boolean => {
    for (const poly of [p, q]) {
      for (let i = 0; i < 4; i++) {
        const [x1, y1] = poly[i] as Point;
        const [x2, y2] = poly[(i + 1) % 4] as Point;
        const project = (points: Point[]): number[] => points.map(([x, y]) => x * (y2 - y1) + y * (x1 - x2));
        const a = project(p);
        const b = project(q);
        const length = Math.hypot(x2 - x1, y2 - y1);
        if (Math.max(...a) <= Math.min(...b) + 0.5 * length || Math.max(...b) <= Math.min(...a) + 0.5 * length) return false;
      }
    }
    return true;
  };
  const clipped: string[] = [];
  const overlapping: string[] = [];
  const groupLabels: { text: string; size: number; length: number }[] = [];
  const svgs = [...(globalThis as unknown as BrowserGlobals).document.querySelectorAll('svg')];
  for (const svg of svgs) {
    const frame = svg.getBoundingClientRect();
    const texts = [...svg.querySelectorAll('text')].filter((text) => (text.textContent ?? '').trim() !== '');
    const quads = texts.map(quadOf);
    texts.forEach((text, i) => {
      for (const [x, y] of quads[i] as Point[]) {
        if (x < frame.left - 0.5 || x > frame.right + 0.5 || y < frame.top - 0.5 || y > frame.bottom + 0.5) {
          clipped.push(`"${text.textContent}" in "${svg.querySelector('title')?.textContent}"`);
          break;
        }
      }
      for (let j = i + 1; j < texts.length; j++) {
        if (overlap(quads[i] as Point[], quads[j] as Point[])) overlapping.push(`"${text.textContent}" and "${texts[j]?.textContent}"`);
      }
      if (text.classList.contains('group')) {
        groupLabels.push({ text: text.textContent ?? '', size: Number(text.getAttribute('font-size')), length: text.getComputedTextLength() });
      }
    });
  }
  return { pictures: svgs.length, clipped, overlapping, groupLabels };
}

async function checkPictures(where: Page | Frame, what: string): Promise<void> {
  const problems = await where.evaluate(pictureProblems);
  expect(problems.pictures, `${what}: pictures`).toBeGreaterThan(0);
  expect(problems.clipped, `${what}: texts cut by the picture's edge`).toEqual([]);
  expect(problems.overlapping, `${what}: texts on top of each other`).toEqual([]);
  // The room a chart keeps for its slanted names is at least what Chromium draws.
  for (const label of problems.groupLabels) expect(label.length, label.text).toBeLessThanOrEqual(textWidth(label.text, label.size));
  expect(problems.groupLabels.every((label) => label.size === GROUP_LABEL_SIZE)).toBe(true);
}

/** Waits until every <img> of the page has loaded and has a size on screen. */
async function expectImagesDrawn(page: Page, what: string): Promise<number> {
  await page.waitForFunction(() => [...(globalThis as unknown as BrowserGlobals).document.images].every((img) => img.complete), undefined, {
    timeout: WAIT_MS,
  });
  const images = await page.locator('img').all();
  for (const image of images) {
    const natural = await image.evaluate((img) => ({ width: (img as unknown as { naturalWidth: number }).naturalWidth, src: img.getAttribute('src') }));
    expect(natural.width, `${what}: ${natural.src} decoded`).toBeGreaterThan(0);
    const box = await image.boundingBox();
    expect((box?.width ?? 0) * (box?.height ?? 0), `${what}: ${natural.src} on screen`).toBeGreaterThan(0);
  }
  return images.length;
}

/** With RAFTKV_SCREENSHOTS=1, the window into docs/NAME; `fit` trims it to a shorter page's end. */
async function screenshot(page: Page, name: string, fit = false): Promise<void> {
  if (!SCREENSHOTS) return;
  const size = page.viewportSize() ?? { width: 1280, height: 1000 };
  const height = fit
    ? Math.min(size.height, await page.evaluate(() => (globalThis as unknown as BrowserGlobals).document.body.scrollHeight + 40))
    : size.height;
  await page.screenshot({ path: join(REPO_ROOT, 'docs', name), clip: { x: 0, y: 0, width: size.width, height } });
}

describe.runIf(HAVE_CHROMIUM || IN_CI)(TITLE, () => {
  let store: FixtureStore;
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) throw new Error(`no Chromium at ${CHROMIUM}: .ci/run installs it (apt-get install chromium)`);
    requireBuilt('dist/raftkv-test.mjs');
    store = makeFixtureStore();
    // The committed picture of the matrix, where the browser can open it.
    mkdirSync(join(store.root, 'pictures'));
    cpSync(join(REPO_ROOT, 'docs', 'bench-matrix.svg'), join(store.root, 'pictures', 'bench-matrix.svg'));
    // From the store's parent, as a user in a checkout runs it: the pages name the store "store".
    serve = await startServe(['--port', '0', 'store'], dirname(store.root));
    // Playwright gives the browser a fresh profile directory of its own and removes it on close.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      timeout: 30_000,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.setDefaultTimeout(WAIT_MS);
  }, 60_000);

  afterAll(async () => {
    // Bounded, so the server below is stopped even if the browser does not close (Playwright kills it at exit then).
    if (browser !== undefined) await withTimeout(browser.close(), 10_000, 'the browser closing').catch(() => undefined);
    if (serve !== undefined) await withTimeout(serve.stop(), 15_000, 'serve stopping').catch(stopAllServes);
    stopAllServes();
    store?.cleanup();
  }, 30_000);

  it('colours each run of the list by its verdict', async () => {
    await page.goto(serve.url);
    const rows = page.locator('tr.run');
    const expected = expectedVerdicts(store);
    expect(await rows.count()).toBe(expected.length);
    for (const [i, [path, cls]] of expected.entries()) {
      const row = rows.nth(i);
      expect(await row.locator('a').first().textContent()).toBe(path);
      const background = await row.locator('td.verdict').evaluate((cell) => (globalThis as unknown as BrowserGlobals).getComputedStyle(cell).backgroundColor);
      expect(background, path).toBe(rgb(VERDICT_COLORS[cls]));
    }
    await screenshot(page, 'viewer-index.png', true);
  });

  it('opens a lin-kv run by clicking it, with its latency plot drawn', async () => {
    await page.goto(serve.url);
    await Promise.all([page.waitForURL(/\/run\/lin-kv\//), page.getByRole('link', { name: store.runs.linKv, exact: true }).click()]);
    expect(await page.locator('h1 .verdict').textContent()).toBe('valid');
    expect(await page.locator('pre.summary').textContent()).toContain('VERDICT: valid');
    expect(await expectImagesDrawn(page, 'lin-kv run')).toBe(1);
    expect(await page.locator('img[src$="/latency.svg"]').count()).toBe(1);
    expect(await page.locator('pre.log').count()).toBe(3);
    await screenshot(page, 'viewer-run-lin-kv.png');
  });

  it("opens a txn run with its G2-item anomaly's picture and explanation", async () => {
    await page.goto(serve.url);
    await Promise.all([page.waitForURL(/\/run\/txn-list-append\//), page.getByRole('link', { name: store.runs.txn, exact: true }).click()]);
    expect(await page.locator('h1 .verdict').textContent()).toBe('invalid');
    expect(await expectImagesDrawn(page, 'txn run')).toBe(2);
    const anomaly = page.locator('img[src$="/anomaly-G2-item.svg"]');
    expect(await anomaly.count()).toBe(1);
    expect(await page.locator('h3.anomaly').textContent()).toBe('G2-item (1 found)');
    expect(await page.locator('pre.explanation').first().textContent()).toContain('T1 -rw-> T2');
    await page.locator('h2', { hasText: 'Anomalies' }).evaluate((heading) => heading.scrollIntoView());
    await screenshot(page, 'viewer-run-txn.png');
  });

  it("shows a bench's report, whose charts keep their labels inside and apart", async () => {
    await page.goto(serve.url);
    await Promise.all([page.waitForURL(/\/run\/bench\//), page.getByRole('link', { name: store.runs.bench, exact: true }).click()]);
    const frame = page.frameLocator('iframe.report');
    await frame.locator('svg').first().waitFor();
    const charts = await frame.locator('svg').all();
    expect(charts.length).toBeGreaterThanOrEqual(4);
    for (const chart of charts) {
      const box = await chart.boundingBox();
      expect((box?.width ?? 0) * (box?.height ?? 0)).toBeGreaterThan(0);
    }
    const report = page.frames().find((f) => f.url().endsWith('/report.html'));
    if (report === undefined) throw new Error('the report frame did not load');
    await checkPictures(report, 'bench report');
    // The report's plots, in its frame under the bench's heading: only the frame scrolls to them.
    await page.locator('h2', { hasText: 'Runs kept by this bench' }).evaluate((heading) => heading.scrollIntoView());
    await frame.locator('h2', { hasText: 'Plots' }).evaluate((heading) => {
      const element = heading as unknown as { offsetTop: number; ownerDocument: { defaultView: { scrollTo(x: number, y: number): void } } };
      element.ownerDocument.defaultView.scrollTo(0, element.offsetTop - 8);
    });
    await screenshot(page, 'viewer-bench.png');
  });

  it('draws the charts of a large bench report (long names, many groups, rates 100 to 20,000) with every label inside and apart', async () => {
    const argv = ['-w', 'lin-kv,txn-list-append', '--nodes', '3,5', '--latency', '0,10', '--reads', '0.5,0.9', '--read-modes', 'log,lease'];
    const report = reportFor([...argv, '--clients', '2n,10n', '--rates', '100,1000', '--reps', '1', '--title', 'A long title for a bench report'], (id) =>
      /-r\d+-c/.test(id) ? 95 : 20_000,
    );
    await page.setContent(renderReportHtml(report));
    await checkPictures(page, 'a large bench report');
  });

  it('draws docs/bench-matrix.svg with every label inside the picture and apart', async () => {
    await page.goto(`${serve.url}files/pictures/bench-matrix.svg`);
    await checkPictures(page, 'docs/bench-matrix.svg');
  });
});
