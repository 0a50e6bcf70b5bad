// Every chart readable at a glance: each slanted group name inside the picture and apart from
// its neighbours, titles and legends inside, a bar for every value above 0 tall enough to see
// (a logarithmic axis when values span too much), the parts every group shares said once, and
// the committed docs/bench-matrix.svg holding to all of it. (test/viewer/browser.test.ts checks
// the same in Chromium, with real fonts.)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { barAxis, barChart, GROUP_LABEL_SIZE, lineChart, MIN_BAR_PX, rangeChart, SLANT_DEGREES, textWidth } from '../../src/bench/charts.js';
import { groupNames } from '../../src/bench/report_html.js';
import { REPO_ROOT } from '../support/node_process.js';

const SLANT = (SLANT_DEGREES * Math.PI) / 180;

function viewBox(svg: string): { width: number; height: number } {
  const match = /viewBox="0 0 (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)"/.exec(svg);
  if (match === null) throw new Error('no viewBox');
  return { width: Number(match[1]), height: Number(match[2]) };
}

interface Slanted {
  readonly text: string;
  readonly x: number;
  readonly y: number;
  readonly size: number;
}

function slantedLabels(svg: string): Slanted[] {
  return [...svg.matchAll(/<text class="group" transform="translate\(([\d.]+),([\d.]+)\) rotate\((\d+)\)" font-size="(\d+)">([^<]*)<\/text>/g)].map((m) => {
    expect(Number(m[3])).toBe(SLANT_DEGREES);
    return { x: Number(m[1]), y: Number(m[2]), size: Number(m[4]), text: m[5] ?? '' };
  });
}

/** The corners of a slanted name's box: along the baseline for its width, up an ascent and down a descent. */
function corners(label: Slanted): [number, number][] {
  const length = textWidth(label.text, label.size);
  const along = [Math.cos(SLANT), Math.sin(SLANT)] as const;
  const up = [Math.sin(SLANT), -Math.cos(SLANT)] as const;
  const ascent = label.size;
  const descent = 0.3 * label.size;
  return [
    [0, -descent],
    [length, -descent],
    [length, ascent],
    [0, ascent],
  ].map(([a, u]) => [label.x + (a ?? 0) * along[0] + (u ?? 0) * up[0], label.y + (a ?? 0) * along[1] + (u ?? 0) * up[1]]);
}

function expectLabelsInsideAndApart(svg: string): void {
  const box = viewBox(svg);
  const labels = slantedLabels(svg);
  expect(labels.length).toBeGreaterThan(0);
  for (const label of labels) {
    for (const [x, y] of corners(label)) {
      expect(x, `${label.text}: x`).toBeGreaterThanOrEqual(0);
      expect(x, `${label.text}: x`).toBeLessThanOrEqual(box.width);
      expect(y, `${label.text}: y`).toBeGreaterThanOrEqual(0);
      expect(y, `${label.text}: y`).toBeLessThanOrEqual(box.height);
    }
  }
  // Parallel slanted lines: neighbours' baselines lie (dx × sin) apart across the slant, which must exceed a line's height.
  for (let i = 1; i < labels.length; i++) {
    const gap = ((labels[i]?.x ?? 0) - (labels[i - 1]?.x ?? 0)) * Math.sin(SLANT);
    expect(gap, `${labels[i - 1]?.text} / ${labels[i]?.text}`).toBeGreaterThanOrEqual(1.3 * GROUP_LABEL_SIZE);
  }
  // Plain texts (title, note, legend) start at x and run right; they end inside too.
  for (const m of svg.matchAll(
    /<text(?: class="note")? x="([\d.]+)" y="[\d.]+"(?: font-size="(\d+)")?( font-weight="bold")?(?: fill="#555")?>([^<]+)<\/text>/g,
  )) {
    expect(Number(m[1]) + textWidth(m[4] ?? '', Number(m[2] ?? 12), m[3] !== undefined), m[4]).toBeLessThanOrEqual(box.width);
  }
}

function barHeights(svg: string): number[] {
  return [...svg.matchAll(/<rect class="bar"[^>]* height="([\d.]+)"/g)].map((m) => Number(m[1]));
}

const LONG = (i: number): string => `${3 + 2 * (i % 3)} nodes, ${i % 2 === 0 ? 0 : 10} ms, 90% rd, rate 1000/s, 10n, read-index, case ${i}`;

describe('textWidth', () => {
  it('grows with the text and the font, wide letters more than narrow ones, bold a little more', () => {
    expect(textWidth('', 12)).toBe(0);
    expect(textWidth('mmmm', 12)).toBeGreaterThan(textWidth('iiii', 12));
    expect(textWidth('abc', 24)).toBeCloseTo(2 * textWidth('abc', 12));
    expect(textWidth('abc', 12, true)).toBeGreaterThan(textWidth('abc', 12));
  });
});

describe('slanted group names', () => {
  it('stay inside the picture and apart, however long and however many (bar chart)', () => {
    for (const count of [1, 3, 12, 40]) {
      const svg = barChart({
        title: 'A title long enough to need more room than the plot gives it on its own: answered ops/s',
        yLabel: 'ops/s',
        series: ['log', 'read-index', 'lease', 'follower with a long name'],
        groups: Array.from({ length: count }, (_, i) => ({ label: LONG(i), values: [100, 200, 300, 400] })),
        format: String,
      });
      expectLabelsInsideAndApart(svg);
    }
  });

  it('stay inside the picture and apart in a range chart', () => {
    const svg = rangeChart({
      title: 'latency',
      series: ['read', 'write'],
      groups: Array.from({ length: 20 }, (_, i) => ({ label: `${LONG(i)}, node default`, ranges: [{ low: 1, high: 10 }, null] })),
    });
    expectLabelsInsideAndApart(svg);
  });

  it('keep to the legend the room its longest name needs', () => {
    const svg = barChart({
      title: 't',
      yLabel: 'y',
      series: ['a series whose name is very long indeed, more than the room kept by default'],
      groups: [{ label: 'g', values: [1] }],
      format: String,
    });
    expectLabelsInsideAndApart(svg);
  });
});

describe('bars', () => {
  it('show every value above 0: the axis turns logarithmic when a bar would be too short to see', () => {
    const values = [9145, 18872, 95, 794, 2348, 93];
    const svg = barChart({
      title: 't',
      yLabel: 'answered ops/s',
      series: ['s'],
      groups: values.map((v, i) => ({ label: `g${i}`, values: [v] })),
      format: String,
    });
    const heights = barHeights(svg);
    expect(heights).toHaveLength(values.length);
    for (const height of heights) expect(height).toBeGreaterThanOrEqual(MIN_BAR_PX);
    // Still in the order of the values.
    const order = (list: number[]): number[] => list.map((_, i) => i).sort((a, b) => (list[a] ?? 0) - (list[b] ?? 0));
    expect(order(heights)).toEqual(order(values));
    expect(svg).toContain('answered ops/s (log scale)');
    expect(svg).toContain('>100k</text>');
  });

  it('stay on a linear axis from 0 while every bar shows', () => {
    const axis = barAxis([100, 50, 25], 260);
    expect(axis.log).toBe(false);
    expect(axis.fraction(100)).toBe(1);
    expect(axis.fraction(50)).toBe(0.5);
    expect(barAxis([20_000, 95], 260).log).toBe(true);
    expect(barAxis([], 260).log).toBe(false);
  });

  it('put a 0 on the baseline for a zero, and nothing for a missing value', () => {
    const svg = barChart({ title: 't', yLabel: 'aborts', series: ['a', 'b'], groups: [{ label: 'g', values: [0, null] }], format: String });
    expect(barHeights(svg)).toEqual([]);
    expect(svg).toMatch(/<text class="zero"[^>]*>0<title>g, a: 0<\/title><\/text>/);
  });

  it('give each picture a title for screen readers', () => {
    const svg = barChart({ title: 'Throughput <by cell>', yLabel: 'y', series: ['s'], groups: [{ label: 'g', values: [1] }], format: String });
    expect(svg.split('\n')[1]).toBe('<title>Throughput &#60;by cell&#62;</title>');
  });
});

describe('lineChart', () => {
  it('leaves out the number of an x tick that would touch the one before, keeping the tick', () => {
    const svg = lineChart({
      title: 't',
      xLabel: 'client threads',
      yLabel: 'ops/s',
      series: [{ name: 's', points: [6, 12, 30, 60, 120, 300, 310].map((x) => ({ x, y: x })) }],
    });
    // Tick marks are 4 px long, down from the baseline; each may carry its number.
    const ticks = [...svg.matchAll(/<line x1="[\d.]+" y1="(\d+)" x2="[\d.]+" y2="(\d+)" stroke="#333"\/>(?:<text x="([\d.]+)"[^>]*>([^<]+)<\/text>)?/g)].filter(
      (m) => Number(m[2]) === Number(m[1]) + 4,
    );
    expect(ticks).toHaveLength(7);
    const labelled = ticks.filter((m) => m[4] !== undefined).map((m) => ({ x: Number(m[3]), text: m[4] ?? '' }));
    expect(labelled.length).toBeLessThan(7);
    for (let i = 1; i < labelled.length; i++) {
      const previous = labelled[i - 1] as { x: number; text: string };
      const current = labelled[i] as { x: number; text: string };
      expect(current.x - textWidth(current.text, 12) / 2).toBeGreaterThan(previous.x + textWidth(previous.text, 12) / 2);
    }
  });
});

describe('groupNames', () => {
  it('moves the parts every group shares to a note, keeping the whole names for hover texts', () => {
    const names = groupNames([
      ['3 nodes', '0 ms', '50% rd', 'closed 10n'],
      ['5 nodes', '0 ms', '50% rd', 'closed 10n'],
      ['5 nodes', '10 ms', '50% rd', 'rate 100/s, 2n'],
    ]);
    expect(names.labels).toEqual(['3 nodes, 0 ms, closed 10n', '5 nodes, 0 ms, closed 10n', '5 nodes, 10 ms, rate 100/s, 2n']);
    expect(names.note).toBe('every group: 50% rd');
    expect(names.fullNames[0]).toBe('3 nodes, 0 ms, 50% rd, closed 10n');
  });

  it('keeps a lone group whole, and names with nothing shared as they are', () => {
    expect(groupNames([['3 nodes', '0 ms']])).toEqual({ labels: ['3 nodes, 0 ms'], fullNames: ['3 nodes, 0 ms'], note: undefined });
    expect(
      groupNames([
        ['3 nodes', ''],
        ['5 nodes', ''],
      ]).note,
    ).toBeUndefined();
  });
});

describe('docs/bench-matrix.svg', () => {
  const svg = readFileSync(join(REPO_ROOT, 'docs', 'bench-matrix.svg'), 'utf8');

  it('has a visible bar for every cell', () => {
    const heights = barHeights(svg);
    expect(heights).toHaveLength(18);
    for (const height of heights) expect(height).toBeGreaterThanOrEqual(MIN_BAR_PX);
  });

  it('keeps its labels, title and legend inside the picture and apart', () => {
    expectLabelsInsideAndApart(svg);
  });
});
