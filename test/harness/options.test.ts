import { describe, expect, it } from 'vitest';
import { makeTestOptions, parseConcurrency, parseTestArgs, type TestOptions } from '../../src/harness/options.js';

function parse(args: string[]): TestOptions {
  const parsed = parseTestArgs(args, () => 1234);
  if (!parsed.ok) throw new Error(parsed.error);
  if (parsed.value.kind !== 'run') throw new Error('expected a run');
  return parsed.value.options;
}

function rejection(args: string[]): string {
  const parsed = parseTestArgs(args, () => 1234);
  if (parsed.ok) throw new Error(`expected ${args.join(' ')} to be rejected`);
  return parsed.error;
}

describe('raftkv-test test options', () => {
  it('has Maelstrom defaults', () => {
    const options = parse(['--bin', 'node.sh', '--concurrency', '2n']);
    expect(options).toMatchObject({
      workload: 'lin-kv',
      bin: 'node.sh',
      binArgs: [],
      nodeCount: 5,
      timeLimitS: 60,
      rate: 5,
      concurrency: 10,
      latencyMs: 0,
      latencyDist: 'constant',
      nemesis: [],
      nemesisIntervalS: 10,
      availability: undefined,
      seed: 1234,
      outDir: undefined,
      logStderr: false,
      testCount: 1,
    });
  });

  it('reads every option, both --flag value and --flag=value, and passes the rest to the node', () => {
    const options = parse([
      '-w',
      'lin-kv',
      '--bin',
      'b',
      '--node-count=3',
      '--time-limit',
      '2.5',
      '--rate',
      '100',
      '--concurrency',
      '4n',
      '--latency',
      '20',
      '--latency-dist',
      'exponential',
      '--nemesis',
      'partition,kill,pause',
      '--nemesis-interval',
      '0.5',
      '--availability',
      '0.5',
      '--seed',
      '99',
      '--out',
      '/tmp/x',
      '--log-stderr',
      '--data-dir-root',
      '/tmp/d',
      'positional',
      '--',
      '--tick-ms',
      '5',
    ]);
    expect(options).toMatchObject({
      nodeCount: 3,
      timeLimitS: 2.5,
      rate: 100,
      concurrency: 12,
      latencyMs: 20,
      latencyDist: 'exponential',
      nemesis: ['partition', 'kill', 'pause'],
      nemesisIntervalS: 0.5,
      availability: 0.5,
      seed: 99,
      outDir: '/tmp/x',
      logStderr: true,
      dataDirRoot: '/tmp/d',
      binArgs: ['positional', '--tick-ms', '5'],
    });
  });

  it('multiplies Nn concurrency by the node count', () => {
    expect(parseConcurrency('2n', 3)).toEqual({ ok: true, value: 6 });
    expect(parseConcurrency('12', 3)).toEqual({ ok: true, value: 12 });
    expect(parseConcurrency('n', 3).ok).toBe(false);
    expect(parseConcurrency('2x', 3).ok).toBe(false);
  });

  it('refuses lin-kv concurrency that is not a multiple of 2 × node-count, with the hint', () => {
    expect(rejection(['--bin', 'b', '--node-count', '3'])).toMatch(/at least 6 \(--concurrency 2n\)/);
    expect(rejection(['--bin', 'b', '--node-count', '3', '--concurrency', '9'])).toMatch(/multiple of 6/);
    expect(parse(['--bin', 'b', '--node-count', '3', '--concurrency', '12']).concurrency).toBe(12);
  });

  it('rejects bad values with clear messages', () => {
    expect(rejection(['--concurrency', '2n'])).toMatch(/--bin FILE is required/);
    expect(rejection(['--bin', 'b', '-w', 'broadcast', '--concurrency', '2n'])).toMatch(/does not run yet; supported: lin-kv/);
    expect(rejection(['--bin', 'b', '-w', 'frobnicate', '--concurrency', '2n'])).toMatch(/unknown workload/);
    expect(rejection(['--bin', 'b', '--concurrency', '2n', '--latency-dist', 'exponential'])).toMatch(/exponential needs a mean latency above 0/);
    expect(rejection(['--bin', 'b', '--concurrency', '2n', '--latency-dist', 'pareto'])).toMatch(/constant, uniform, exponential/);
    expect(rejection(['--bin', 'b', '--concurrency', '2n', '--nemesis', 'partition,clock'])).toMatch(/partition, kill, pause/);
    expect(rejection(['--bin', 'b', '--concurrency', '2n', '--rate', '-1'])).toMatch(/--rate/);
    expect(rejection(['--bin', 'b', '--concurrency', '2n', '--time-limit', '0'])).toMatch(/--time-limit/);
    expect(rejection(['--bin', 'b', '--concurrency', '2n', '--node-count', '0'])).toMatch(/--node-count/);
    expect(rejection(['--bin', 'b', '--concurrency', '2n', '--latency', '1.5'])).toMatch(/--latency must be an integer/);
    expect(rejection(['--bin', 'b', '--concurrency', '2n', '--availability', '2'])).toMatch(/--availability/);
    expect(rejection(['--bin', 'b', '--concurrency', '2n', '--frobs'])).toMatch(/unknown option "--frobs"/);
    expect(rejection(['--bin', 'b', '--concurrency'])).toMatch(/needs a value/);
  });

  it('accepts rate 0 (no operations), none as a nemesis, total availability, and asks for help', () => {
    const options = parse(['--bin', 'b', '--concurrency', '2n', '--rate', '0', '--nemesis', 'none', '--availability', 'total']);
    expect(options.rate).toBe(0);
    expect(options.nemesis).toEqual([]);
    expect(options.availability).toBe('total');
    expect(parseTestArgs(['--help'])).toEqual({ ok: true, value: { kind: 'help' } });
  });

  it('builds programmatic options with the same validation', () => {
    const made = makeTestOptions({ bin: 'b', nodeCount: 3, concurrency: '2n', seed: 5 });
    expect(made.ok && made.value.concurrency).toBe(6);
    expect(made.ok && made.value.seed).toBe(5);
    const bad = makeTestOptions({ bin: 'b', nodeCount: 3, concurrency: 4 });
    expect(bad.ok).toBe(false);
  });
});
