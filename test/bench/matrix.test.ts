// The matrix: every combination once, the ceiling points closed-loop cells are compared with,
// harness options built (and validated) per run, and rep-major order with one seed per rep.
import { describe, expect, it } from 'vitest';
import { CLOSED_LOOP_RATE, ceilingKey, expandCeiling, expandCells, planRuns } from '../../src/bench/matrix.js';
import { parseBenchArgs, type BenchOptions } from '../../src/bench/options.js';

function options(argv: string[]): BenchOptions {
  const parsed = parseBenchArgs(argv, () => 100, '/repo/bin/raftkv');
  if (!parsed.ok || parsed.value.kind !== 'run') throw new Error(parsed.ok ? 'help' : parsed.error);
  return parsed.value.options;
}

const PATHS = { bin: '/repo/bin/raftkv', ceilingBin: '/repo/dist/local-kv.mjs', runsDir: '/out/runs' };

describe('expandCells', () => {
  it('crosses every axis, closed-loop loads before fixed rates, with unique ids', () => {
    const cells = expandCells(
      options(['--nodes', '3,5', '--latency', '0,10', '--reads', '0.5,0.9', '--read-modes', 'log,lease', '--clients', '2n,4n', '--rates', '100']),
    );
    expect(cells).toHaveLength(2 * 2 * 2 * 2 * 3);
    expect(new Set(cells.map((cell) => cell.id)).size).toBe(cells.length);
    const first = cells[0];
    expect(first).toMatchObject({ nodeCount: 3, latencyMs: 0, readFraction: 0.5, readMode: 'log', load: { kind: 'closed' }, concurrency: 6 });
    expect(cells.slice(0, 3).map((cell) => cell.load.kind)).toEqual(['closed', 'closed', 'rate']);
    const fiveNodeRate = cells.find((cell) => cell.nodeCount === 5 && cell.load.kind === 'rate');
    expect(fiveNodeRate?.concurrency).toBe(50);
    expect(fiveNodeRate?.id).toBe('n5-l0-r0.5-log-r100-c10n');
  });

  it('gives cells no read mode when none is asked for', () => {
    const cells = expandCells(options(['--nodes', '3', '--latency', '0', '--reads', '0.9', '--clients', '10n']));
    expect(cells).toEqual([expect.objectContaining({ readMode: null, id: 'n3-l0-r0.9-default-c10n', concurrency: 30 })]);
  });
});

describe('expandCeiling', () => {
  it('has one point per read share and distinct closed-loop thread count, on one node', () => {
    // 2n on 3 and 5 nodes: 6 and 10 threads; 30 threads: the same on both; the fixed rate has no ceiling.
    const points = expandCeiling(options(['--nodes', '3,5', '--reads', '0.5,0.9', '--clients', '2n,30', '--rates', '100']));
    expect(points.map((p) => [p.readFraction, p.concurrency])).toEqual([
      [0.5, 6],
      [0.5, 10],
      [0.5, 30],
      [0.9, 6],
      [0.9, 10],
      [0.9, 30],
    ]);
    expect(points.map((p) => p.id)).toContain('ceiling-r0.5-t30');
    expect(ceilingKey(0.5, 6)).toBe(ceilingKey(points[0]?.readFraction ?? -1, points[0]?.concurrency ?? -1));
  });

  it('runs the same absolute number of threads as the cells: 10n on 3 and 5 nodes is 30 and 50 threads', () => {
    const opts = options(['--nodes', '3,5', '--latency', '0', '--reads', '0.5', '--clients', '10n']);
    const points = expandCeiling(opts);
    expect(points).toEqual([
      { id: 'ceiling-r0.5-t30', readFraction: 0.5, concurrency: 30 },
      { id: 'ceiling-r0.5-t50', readFraction: 0.5, concurrency: 50 },
    ]);
    for (const cell of expandCells(opts)) {
      expect(points.filter((p) => ceilingKey(p.readFraction, p.concurrency) === ceilingKey(cell.readFraction, cell.concurrency))).toHaveLength(1);
    }
  });

  it('is empty with --no-ceiling', () => {
    expect(expandCeiling(options(['--no-ceiling']))).toEqual([]);
  });
});

describe('planRuns', () => {
  it('runs every cell and ceiling point once per rep, rep by rep, seed S+rep', () => {
    const planned = planRuns(
      options([
        '--nodes',
        '3',
        '--latency',
        '10',
        '--reads',
        '0.9',
        '--read-modes',
        'lease',
        '--clients',
        '2n',
        '--rates',
        '200',
        '--reps',
        '2',
        '--seed',
        '7',
        '--time-limit',
        '2',
        '--',
        '--storage',
        'memory',
      ]),
      PATHS,
    );
    if (!planned.ok) throw new Error(planned.error);
    const runs = planned.value;
    expect(runs.map((run) => [run.target.kind, run.rep, run.seed])).toEqual([
      ['ceiling', 0, 7],
      ['cell', 0, 7],
      ['cell', 0, 7],
      ['ceiling', 1, 8],
      ['cell', 1, 8],
      ['cell', 1, 8],
    ]);
    expect(runs.slice(0, 3).map((run) => run.id)).toEqual(['ceiling-r0.9-t6', 'n3-l10-r0.9-lease-c2n', 'n3-l10-r0.9-lease-r200-c10n']);
    const [ceiling, closed, fixedRate] = runs;
    // The ceiling runs as many threads as the 3-node 2n cell: 6, on 1 node.
    expect(ceiling?.options).toMatchObject({
      bin: PATHS.ceilingBin,
      nodeCount: 1,
      latencyMs: 0,
      readFraction: 0.9,
      rate: CLOSED_LOOP_RATE,
      concurrency: 6,
      timeLimitS: 2,
      binArgs: [],
      outDir: '/out/runs/ceiling-r0.9-t6-rep1',
    });
    expect(closed?.options).toMatchObject({
      bin: PATHS.bin,
      nodeCount: 3,
      latencyMs: 10,
      readFraction: 0.9,
      rate: CLOSED_LOOP_RATE,
      concurrency: 6,
      progressIntervalS: 0,
      binArgs: ['--storage', 'memory', '--read-mode', 'lease'],
      outDir: '/out/runs/n3-l10-r0.9-lease-c2n-rep1',
    });
    expect(fixedRate?.options).toMatchObject({ rate: 200, concurrency: 30 });
    expect(runs[4]?.options.outDir).toBe('/out/runs/n3-l10-r0.9-lease-c2n-rep2');
  });

  it('reports what the harness refuses before anything runs', () => {
    const planned = planRuns(options(['--nodes', '100', '--clients', '200n', '--no-ceiling']), PATHS);
    expect(planned.ok).toBe(false);
    if (!planned.ok) expect(planned.error).toMatch(/^cell n100-.*--concurrency/);
  });
});
