// The run list's rows: each field read from the recorded results.json and bench.json, the
// verdict and its colour (a verdict not known here counts as unknown), files of the wrong
// shape, the newest-first order and the pages.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  benchSummary,
  contentionSummary,
  newestFirst,
  pageOf,
  testRunSummary,
  VERDICT_COLORS,
  verdictOf,
  type EntrySummary,
} from '../../src/viewer/entries.js';
import { REPO_ROOT } from '../support/node_process.js';

const fixture = (path: string): unknown => JSON.parse(readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'viewer', path), 'utf8'));
const WRITTEN = '2026-12-07T10:00:00.000Z';

describe('testRunSummary', () => {
  it('reads workload, nodes, nemesis, seed, ops, start and verdict of a recorded lin-kv run', () => {
    const row = testRunSummary(['lin-kv', 'a'], fixture('lin-kv-valid/results.json'), WRITTEN);
    expect(row).toMatchObject({
      kind: 'test',
      workload: 'lin-kv',
      nodes: '3',
      nemesis: 'partition',
      seed: '42',
      ops: '138',
      startedAt: '2026-12-06T22:36:40.962Z',
      verdict: { cls: 'valid', text: 'valid' },
    });
    expect(row.sortMs).toBe(Date.parse('2026-12-06T22:36:40.962Z'));
  });

  it('says none for a run without nemesis, and gives the txn and unknown runs their verdicts', () => {
    const txn = testRunSummary(['t'], fixture('txn-invalid/results.json'), WRITTEN);
    expect(txn).toMatchObject({ workload: 'txn-list-append', nemesis: 'none', seed: '7', ops: '416', verdict: { cls: 'invalid' } });
    expect(testRunSummary(['u'], fixture('unknown/results.json'), WRITTEN).verdict).toEqual({ cls: 'unknown', text: 'unknown' });
  });

  it('shows "-" for fields of the wrong type or missing, and falls back to the time the file was written', () => {
    for (const results of [
      [],
      'x',
      null,
      { test: { workload: {}, 'node-count': [3], nemesis: {}, seed: null, 'started-at': 'yesterday' }, stats: { count: {} } },
    ]) {
      const row = testRunSummary(['x'], results, WRITTEN);
      expect(row).toMatchObject({ workload: '-', nodes: '-', nemesis: '-', seed: '-', ops: '-', startedAt: null, verdict: { cls: 'unknown' } });
      expect(row.sortMs).toBe(Date.parse(WRITTEN));
    }
  });

  it('marks a run whose results.json could not be read, with the reason', () => {
    expect(testRunSummary(['x'], undefined, WRITTEN, 'results.json is not JSON')).toMatchObject({
      verdict: { cls: 'unknown', text: 'unreadable' },
      problem: 'results.json is not JSON',
    });
  });
});

describe('verdictOf', () => {
  it("takes the harness's verdict, with its own colour for a cluster that did not recover", () => {
    expect(verdictOf({ verdict: 'valid', valid: true })).toEqual({ cls: 'valid', text: 'valid' });
    expect(verdictOf({ verdict: 'invalid', valid: false })).toEqual({ cls: 'invalid', text: 'invalid' });
    expect(verdictOf({ verdict: 'not-recovered', valid: false })).toEqual({ cls: 'not-recovered', text: 'did not recover' });
  });

  it('counts a verdict it does not know as unknown, shown as written', () => {
    expect(verdictOf({ verdict: 'partially-valid', valid: true })).toEqual({ cls: 'unknown', text: 'partially-valid' });
    expect(verdictOf({ verdict: '__proto__' })).toEqual({ cls: 'unknown', text: '__proto__' });
    expect(verdictOf({ verdict: 'toString' }).cls).toBe('unknown');
  });

  it("falls back to Jepsen's valid? in older files", () => {
    expect(verdictOf({ valid: true })).toEqual({ cls: 'valid', text: 'valid' });
    expect(verdictOf({ valid: false })).toEqual({ cls: 'invalid', text: 'invalid' });
    expect(verdictOf({ valid: 'unknown' })).toEqual({ cls: 'unknown', text: 'unknown' });
    expect(verdictOf({})).toEqual({ cls: 'unknown', text: 'unknown' });
  });

  it('colours each class apart: green, red, orange and purple', () => {
    expect(new Set(Object.values(VERDICT_COLORS)).size).toBe(4);
    const rgb = (hex: string): number[] => [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
    const [vr, vg, vb] = rgb(VERDICT_COLORS.valid);
    const [ir, ig, ib] = rgb(VERDICT_COLORS.invalid);
    const [ur, ug, ub] = rgb(VERDICT_COLORS.unknown);
    const [nr, ng, nb] = rgb(VERDICT_COLORS['not-recovered']);
    expect(vg).toBeGreaterThan(Math.max(vr ?? 0, vb ?? 0));
    expect(ir).toBeGreaterThan(Math.max(ig ?? 0, ib ?? 0));
    expect(ur).toBeGreaterThan(ug ?? 0);
    expect(ug).toBeGreaterThan(ub ?? 0);
    expect(Math.min(nr ?? 0, nb ?? 0)).toBeGreaterThan(ng ?? 0);
  });
});

describe('benchSummary and contentionSummary', () => {
  it('reads a recorded bench: workloads, node counts, seed, the ops of all its runs, its exit code', () => {
    const bench = fixture('bench/bench.json') as { cells: { runs: { metrics: { count: number } }[] }[] };
    const ops = bench.cells.flatMap((cell) => cell.runs).reduce((sum, run) => sum + run.metrics.count, 0);
    expect(benchSummary(['b'], bench, WRITTEN)).toMatchObject({
      kind: 'bench',
      workload: 'lin-kv',
      nodes: '3',
      seed: '5',
      ops: String(ops),
      startedAt: '2026-12-06T22:45:02.519Z',
      verdict: { cls: 'valid' },
    });
    expect(benchSummary(['b'], { ...bench, exitCode: 1 }, WRITTEN).verdict.cls).toBe('invalid');
    expect(benchSummary(['b'], { ...bench, exitCode: 2 }, WRITTEN).verdict.cls).toBe('unknown');
    expect(benchSummary(['b'], { ...bench, interrupted: true }, WRITTEN).verdict).toEqual({ cls: 'unknown', text: 'interrupted' });
  });

  it('makes a study invalid when a run was, valid when all were, unknown otherwise', () => {
    const study = (rows: object[]): unknown => ({ startedAt: '2026-12-06T20:55:36.377Z', config: { nodes: 3, seed: 9000 }, rows, runs: [] });
    expect(contentionSummary(['c'], study([{ runs: 3, valid: 3, invalid: 0 }]), WRITTEN).verdict.cls).toBe('valid');
    expect(
      contentionSummary(
        ['c'],
        study([
          { runs: 3, valid: 3, invalid: 0 },
          { runs: 3, valid: 2, invalid: 1 },
        ]),
        WRITTEN,
      ).verdict.cls,
    ).toBe('invalid');
    expect(contentionSummary(['c'], study([{ runs: 3, valid: 2, invalid: 0 }]), WRITTEN).verdict.cls).toBe('unknown');
    expect(contentionSummary(['c'], study([]), WRITTEN).verdict.cls).toBe('unknown');
    expect(contentionSummary(['c'], undefined, WRITTEN).verdict.cls).toBe('unknown');
  });
});

describe('newestFirst and pageOf', () => {
  const row = (name: string, startedAt: string | null, modifiedAt = WRITTEN): EntrySummary =>
    testRunSummary([name], { test: { 'started-at': startedAt } }, modifiedAt);

  it('orders by start, else by when the file was written, newest first, ties by path', () => {
    const rows = [
      row('b', '2026-01-01T00:00:00Z'),
      row('old', null, '2025-01-01T00:00:00Z'),
      row('a', '2026-01-01T00:00:00Z'),
      row('new', '2026-02-01T00:00:00Z'),
    ];
    expect(newestFirst(rows).map((r) => r.segments[0])).toEqual(['new', 'a', 'b', 'old']);
  });

  it('cuts pages and clamps the page asked for into range', () => {
    const rows = Array.from({ length: 7 }, (_, i) => i);
    expect(pageOf(rows, 1, 3)).toEqual({ rows: [0, 1, 2], page: 1, pageCount: 3, total: 7 });
    expect(pageOf(rows, 3, 3).rows).toEqual([6]);
    expect(pageOf(rows, 99, 3).page).toBe(3);
    expect(pageOf(rows, -4, 3).page).toBe(1);
    expect(pageOf(rows, Number.NaN, 3).page).toBe(1);
    expect(pageOf([], 1, 3)).toEqual({ rows: [], page: 1, pageCount: 1, total: 0 });
  });
});
