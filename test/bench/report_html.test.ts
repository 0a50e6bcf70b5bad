// report.html and its charts: self-contained (no scripts, nothing fetched), with every plot,
// the tables and the command, and every text escaped.
import { describe, expect, it } from 'vitest';
import { barChart, lineChart, niceTicks, rangeChart } from '../../src/bench/charts.js';
import { renderReportHtml, throughputBars } from '../../src/bench/report_html.js';
import { reportFor } from './fixtures.js';

const count = (text: string, pattern: RegExp): number => (text.match(pattern) ?? []).length;

describe('niceTicks', () => {
  it('steps by 1, 2 or 5 × 10^k from 0 to at least the maximum', () => {
    expect(niceTicks(33_745)).toEqual([0, 10_000, 20_000, 30_000, 40_000]);
    expect(niceTicks(100)).toEqual([0, 50, 100]);
    expect(niceTicks(0.9)).toEqual([0, 0.5, 1]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });
});

describe('charts', () => {
  it('draws one bar per present value, scaled to the axis', () => {
    const svg = barChart({
      title: 't',
      yLabel: 'y',
      series: ['a', 'b'],
      groups: [
        { label: 'g1', values: [100, 50] },
        { label: 'g2', values: [null, 25] },
      ],
      format: String,
    });
    expect(count(svg, /<rect class="bar"/g)).toBe(3);
    // The tallest bar reaches the top tick (100) and is twice the height of the 50 one.
    const heights = [...svg.matchAll(/<rect class="bar"[^>]* height="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(heights[0]).toBeCloseTo(2 * (heights[1] ?? 0), 0);
  });

  it('draws a line per series with more than one point, dashed when asked', () => {
    const svg = lineChart({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      series: [
        {
          name: 'a',
          points: [
            { x: 6, y: 100 },
            { x: 12, y: 150 },
          ],
        },
        {
          name: 'ceiling',
          points: [
            { x: 6, y: 900 },
            { x: 12, y: 1000 },
          ],
          dashed: true,
        },
        { name: 'lone', points: [{ x: 6, y: 5 }] },
      ],
    });
    expect(count(svg, /<path class="line"/g)).toBe(2);
    expect(count(svg, /stroke-dasharray="5 4"/g)).toBe(1);
    expect(count(svg, /<circle/g)).toBe(5);
  });

  it('draws a p50–p99 range per present pair', () => {
    const svg = rangeChart({ title: 't', series: ['read', 'write'], groups: [{ label: 'g', ranges: [{ low: 1, high: 10 }, null] }] });
    expect(count(svg, /<g class="range">/g)).toBe(1);
    expect(svg).toContain('p50 1.00 ms, p99 10.00 ms');
  });
});

describe('renderReportHtml', () => {
  const argv = [
    '--nodes',
    '3,5',
    '--latency',
    '0',
    '--reads',
    '0.5',
    '--read-modes',
    'log,lease',
    '--clients',
    '2n,4n',
    '--rates',
    '100',
    '--reps',
    '1',
    '--title',
    '<b>"Q&A"</b>',
  ];
  const report = reportFor(argv, (id) => (id.startsWith('ceiling') ? 20_000 : 3000), '<b>"Q&A"</b>');
  const html = renderReportHtml(report);

  it('is self-contained: inline SVG, no scripts, nothing loaded from elsewhere', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|<img|src=|@import|url\(/i);
    // Throughput bars, two closed-loop panels (3 and 5 nodes), two fixed-rate panels, latency, messages.
    expect(count(html, /<svg /g)).toBe(7);
    expect(html).toContain('3 nodes, latency 0 ms: closed loop');
    expect(html).toContain('5 nodes, latency 0 ms: fixed rate');
    expect(html).toContain('latency of ok reads and writes');
    expect(html).toContain('server-to-server messages per op');
    expect(html).toContain('ceiling, 50% reads');
    expect(html).toContain('client threads (ceiling: as many threads on 1 node)');
  });

  it("draws the ceiling as a dashed series at each panel's thread counts", () => {
    const closedLoop = reportFor(['--nodes', '3,5', '--latency', '0', '--reads', '0.5', '--clients', '2n,4n', '--reps', '1'], (id) =>
      id.startsWith('ceiling') ? 20_000 : 3000,
    );
    const panels = renderReportHtml(closedLoop)
      .split('<figure>')
      .filter((part) => part.includes('ms: closed loop'));
    expect(panels).toHaveLength(2);
    const ceilingXs = (panel: string): string[] => [...panel.matchAll(/<title>ceiling, 50% reads: (\d+) → 20000<\/title>/g)].map((m) => m[1] ?? '');
    expect(ceilingXs(panels[0] ?? '')).toEqual(['6', '12']);
    expect(ceilingXs(panels[1] ?? '')).toEqual(['10', '20']);
    for (const panel of panels) expect(count(panel, /<path class="line"[^>]*stroke-dasharray="5 4"/g)).toBe(1);
  });

  it('has the tables and the exact command', () => {
    expect(count(html, /<table>/g)).toBe(2);
    // One row per cell and ceiling point, plus the two header rows.
    expect(count(html, /<tr>/g)).toBe(report.cells.length + report.ceiling.length + 2);
    expect(html).toContain('<pre>bin/raftkv-test bench --nodes 3,5 --latency 0 --reads 0.5 --read-modes log,lease');
  });

  it('escapes text', () => {
    expect(html).not.toContain('<b>"Q&A"</b>');
    expect(html).toContain('<title>&#60;b&#62;&#34;Q&#38;A&#34;&#60;/b&#62;</title>');
    expect(throughputBars(report)).not.toContain('<b>');
  });

  it('lists the runs that were not valid', () => {
    const first = report.cells[0];
    if (first === undefined) throw new Error('no cells');
    const run = first.runs[0];
    if (run === undefined) throw new Error('no runs');
    const broken = {
      ...report,
      cells: [{ ...first, runs: [{ ...run, metrics: undefined, errors: ['harness error: <boom>'], keptDir: '/out/runs/x' }] }, ...report.cells.slice(1)],
    };
    const text = renderReportHtml(broken);
    expect(text).toContain('Runs that were not valid');
    expect(text).toContain('n3-l0-r0.5-log-c2n rep 1, seed 11: no result: harness error: &#60;boom&#62; (kept in /out/runs/x)');
  });
});
