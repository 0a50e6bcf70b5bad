import { describe, expect, it } from 'vitest';
import { renderLatencyPlot, thinOps } from '../../src/harness/latency_plot.js';
import { availability, computeStats, exitCodeFor, mergeValidity, quantiles, type OpRecord } from '../../src/harness/results.js';

function op(f: OpRecord['f'], type: OpRecord['type'], invokeMs = 0, completeMs = 1): OpRecord {
  return { process: 0, f, key: 0, type, invokeMs, completeMs, error: undefined };
}

describe('run statistics', () => {
  it('needs at least one ok for every f that was attempted', () => {
    expect(computeStats([op('read', 'ok'), op('write', 'ok'), op('cas', 'fail')]).valid).toBe(false);
    const stats = computeStats([op('read', 'ok'), op('write', 'info'), op('write', 'ok'), op('cas', 'ok'), op('cas', 'fail')]);
    expect(stats).toMatchObject({ valid: true, count: 5, okCount: 3, failCount: 1, infoCount: 1 });
    expect(stats.byF.cas).toEqual({ valid: true, count: 2, okCount: 1, failCount: 1, infoCount: 0 });
    expect(computeStats([]).valid).toBe(true);
  });

  it('computes nearest-rank latency quantiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantiles(values)).toEqual({ count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
    expect(quantiles([])).toEqual({ count: 0, p50: null, p95: null, p99: null, max: null });
  });

  it('measures availability as the ok fraction against an optional goal', () => {
    const ops = [op('read', 'ok'), op('read', 'fail'), op('write', 'ok'), op('cas', 'ok')];
    expect(availability(ops, undefined)).toEqual({ valid: true, okFraction: 0.75 });
    expect(availability(ops, 'total').valid).toBe(false);
    expect(availability(ops, 0.7).valid).toBe(true);
  });

  it('merges verdicts: false beats unknown beats true; exit codes 0, 1, 2', () => {
    expect(mergeValidity([true, 'unknown', false])).toBe(false);
    expect(mergeValidity([true, 'unknown'])).toBe('unknown');
    expect(mergeValidity([true, true])).toBe(true);
    expect([true, false, 'unknown'].map((v) => exitCodeFor(v as boolean | 'unknown'))).toEqual([0, 1, 2]);
  });
});

describe('latency plot', () => {
  it('draws a self-contained SVG with every op, the legend and the fault periods', () => {
    const ops = [op('read', 'ok', 10, 11), op('write', 'info', 20, 1020), op('cas', 'fail', 30, 35)];
    const svg = renderLatencyPlot(ops, [{ kind: 'partition', description: 'majority', startMs: 5, endMs: 500 }], { title: 't', durationMs: 2000 });
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
    expect(svg.match(/<circle cx=/g)?.length).toBeGreaterThanOrEqual(1);
    expect(svg).toContain('partition: majority');
    expect(svg).toContain('3 ops');
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });

  it('thins very long runs but keeps failures', () => {
    const ops = [...Array.from({ length: 10_000 }, (_, i) => op('read', 'ok', i, i + 1)), op('write', 'info', 5, 1005)];
    const { kept, thinned } = thinOps(ops, 1000);
    expect(thinned).toBe(true);
    expect(kept.length).toBeLessThanOrEqual(1001);
    expect(kept.some((o) => o.type === 'info')).toBe(true);
  });
});
