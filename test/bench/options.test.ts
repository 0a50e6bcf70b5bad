// `raftkv-test bench` arguments: defaults, lists, node arguments after --, and every refusal
// names the option and the value it refused.
import { describe, expect, it } from 'vitest';
import { countRuns, parseBenchArgs, type BenchOptions } from '../../src/bench/options.js';

const fixedSeed = (): number => 42;

function parse(argv: string[]): BenchOptions {
  const parsed = parseBenchArgs(argv, fixedSeed, '/repo/bin/raftkv');
  if (!parsed.ok) throw new Error(parsed.error);
  if (parsed.value.kind !== 'run') throw new Error('expected a run');
  return parsed.value.options;
}

function refusal(argv: string[]): string {
  const parsed = parseBenchArgs(argv, fixedSeed);
  if (parsed.ok) throw new Error(`expected ${argv.join(' ')} to be refused`);
  return parsed.error;
}

describe('parseBenchArgs', () => {
  it('fills in the defaults', () => {
    const options = parse([]);
    expect(options).toMatchObject({
      bin: '/repo/bin/raftkv',
      binArgs: [],
      nodeCounts: [3, 5],
      latenciesMs: [0, 10],
      readFractions: [0.5, 0.9],
      readModes: [],
      rates: [],
      rateClients: { kind: 'per-node', multiplier: 10 },
      reps: 3,
      timeLimitS: 5,
      seed: 42,
      ceiling: true,
      outDir: undefined,
      docsPath: undefined,
      keepRuns: false,
      dryRun: false,
    });
    expect(options.clients).toEqual([
      { kind: 'per-node', multiplier: 2 },
      { kind: 'per-node', multiplier: 4 },
      { kind: 'per-node', multiplier: 10 },
    ]);
  });

  it('reads every axis as a list, passes arguments after -- to the node, and accepts --flag=value', () => {
    const options = parse([
      '--bin',
      'my-node',
      '--nodes',
      '3,5,7',
      '--latency=0,10',
      '--reads',
      '0.5, 0.99',
      '--read-modes',
      'log,lease',
      '--clients',
      '2n,210',
      '--rates',
      '100,1000',
      '--rate-clients',
      '4n',
      '--reps',
      '1',
      '--time-limit',
      '1.5',
      '--seed',
      '9',
      '--no-ceiling',
      '--keep-runs',
      '--out',
      'o',
      '--docs',
      'docs/x.md',
      '--title',
      'T',
      '--',
      '--storage',
      'memory',
    ]);
    expect(options.bin).toBe('my-node');
    expect(options.nodeCounts).toEqual([3, 5, 7]);
    expect(options.latenciesMs).toEqual([0, 10]);
    expect(options.readFractions).toEqual([0.5, 0.99]);
    expect(options.readModes).toEqual(['log', 'lease']);
    expect(options.clients).toEqual([
      { kind: 'per-node', multiplier: 2 },
      { kind: 'absolute', count: 210 },
    ]);
    expect(options.rates).toEqual([100, 1000]);
    expect(options.rateClients).toEqual({ kind: 'per-node', multiplier: 4 });
    expect(options).toMatchObject({ reps: 1, timeLimitS: 1.5, seed: 9, ceiling: false, keepRuns: true, outDir: 'o', docsPath: 'docs/x.md', title: 'T' });
    expect(options.binArgs).toEqual(['--storage', 'memory']);
  });

  it('drops duplicate list items and takes none for an empty load list', () => {
    const options = parse(['--nodes', '3,3,5', '--clients', 'none', '--rates', '50']);
    expect(options.nodeCounts).toEqual([3, 5]);
    expect(options.clients).toEqual([]);
    expect(options.rates).toEqual([50]);
  });

  it('asks for help', () => {
    expect(parseBenchArgs(['--nodes', '3', '--help'], fixedSeed)).toEqual({ ok: true, value: { kind: 'help' } });
  });

  it('refuses bad values, naming the option', () => {
    expect(refusal(['--frob'])).toContain('unknown option "--frob"');
    expect(refusal(['stray'])).toContain('node arguments go after --');
    expect(refusal(['--nodes'])).toContain('--nodes needs a value');
    expect(refusal(['--nodes', '0'])).toContain('--nodes: expected a node count');
    expect(refusal(['--nodes', '3,,5'])).toContain('empty item');
    expect(refusal(['--latency', '-1'])).toContain('--latency');
    expect(refusal(['--reads', '1.5'])).toContain('--reads: expected a fraction');
    expect(refusal(['--read-modes', 'lease,--seed=1'])).toContain('--read-modes: expected a read mode name');
    expect(refusal(['--clients', 'lots'])).toContain('--clients: expected a client count');
    expect(refusal(['--rates', '0'])).toContain('--rates: expected a rate');
    expect(refusal(['--reps', '0'])).toContain('--reps must be an integer from 1');
    expect(refusal(['--time-limit', '0'])).toContain('--time-limit must be a positive number');
    expect(refusal(['--seed', 'x'])).toContain('--seed must be an integer');
    expect(refusal(['--docs', 'table.txt'])).toContain('--docs must name a .md file');
    expect(refusal(['--dry-run=yes'])).toContain('--dry-run takes no value');
    expect(refusal(['--clients', 'none'])).toContain('nothing to run');
  });

  it('refuses client counts that lin-kv cannot split into groups of 2 × node-count', () => {
    expect(refusal(['--clients', '1n'])).toContain('Nn needs an even N');
    expect(refusal(['--nodes', '3,5', '--clients', '12'])).toContain('12 is not a multiple of 10 (5 nodes)');
    expect(refusal(['--rates', '100', '--rate-clients', '3n'])).toContain('--clients 3n');
    // The fixed-rate threads are only checked when there are fixed-rate cells.
    expect(parse(['--rate-clients', '3n']).rates).toEqual([]);
  });

  it('counts the runs and refuses a matrix too large to finish', () => {
    expect(
      countRuns(
        parse(['--nodes', '3,5', '--latency', '0', '--reads', '0.5,0.9', '--read-modes', 'log,lease', '--clients', '2n', '--rates', '100', '--reps', '2']),
      ),
    )
      // (2 × 1 × 2 × 2 × 2 cells + 2 read shares × 2 thread counts (6, 10) ceiling points) × 2 reps
      .toBe((16 + 4) * 2);
    // 10n on 3 nodes and 30 threads share one ceiling point per read share.
    expect(countRuns(parse(['--nodes', '3', '--latency', '0', '--reads', '0.5', '--clients', '10n,30', '--reps', '1']))).toBe(2 + 1);
    expect(refusal(['--nodes', '1,2,3,4,5,6,7,8,9,10', '--latency', '0,1,2,3,4,5,6,7,8,9', '--reps', '10'])).toContain('at most 5000');
  });
});
