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
    expect(rejection(['--bin', 'b', '-w', 'broadcast', '--concurrency', '2n'])).toMatch(
      /does not run yet; supported: lin-kv, txn-list-append, txn-rw-register/,
    );
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

describe('raftkv-test test options for the txn workloads', () => {
  it("has Maelstrom's and Elle's defaults, any concurrency, and final reads on", () => {
    for (const workload of ['txn-list-append', 'txn-rw-register'] as const) {
      const options = parse(['-w', workload, '--bin', 'b', '--node-count', '3']);
      expect(options).toMatchObject({
        workload,
        concurrency: 3,
        keyCount: 10,
        maxTxnLength: 4,
        maxWritesPerKey: 16,
        keyDist: 'exponential',
        consistencyModels: ['strict-serializable'],
        finalReads: true,
        clientSessions: false,
        readFraction: undefined,
      });
    }
    // lin-kv carries the defaults but checks no model and reads nothing at the end.
    expect(parse(['--bin', 'b', '--concurrency', '2n'])).toMatchObject({ consistencyModels: [], finalReads: false });
  });

  it('reads every txn option', () => {
    const options = parse([
      '-w',
      'txn-rw-register',
      '--bin',
      'b',
      '--key-count',
      '3',
      '--max-txn-length=8',
      '--max-writes-per-key',
      '100',
      '--key-dist',
      'uniform',
      '--consistency-models',
      'serializable, snapshot-isolation',
      '--no-final-reads',
    ]);
    expect(options).toMatchObject({
      keyCount: 3,
      maxTxnLength: 8,
      maxWritesPerKey: 100,
      keyDist: 'uniform',
      consistencyModels: ['serializable', 'snapshot-isolation'],
      finalReads: false,
    });
    expect(parse(['-w', 'txn-list-append', '--bin', 'b', '--final-reads']).finalReads).toBe(true);
  });

  it("splits --consistency-models on commas and whitespace (Maelstrom's ' , ' too), drops repeats, and lists the models on a bad name", () => {
    const models = (text: string): readonly string[] => parse(['-w', 'txn-list-append', '--bin', 'b', '--consistency-models', text]).consistencyModels;
    expect(models('read-committed')).toEqual(['read-committed']);
    expect(models('serializable,strict-serializable')).toEqual(['serializable', 'strict-serializable']);
    expect(models('serializable , read-uncommitted')).toEqual(['serializable', 'read-uncommitted']);
    expect(models(' repeatable-read  serializable,serializable ')).toEqual(['repeatable-read', 'serializable']);
    const unknown = rejection(['-w', 'txn-list-append', '--bin', 'b', '--consistency-models', 'serializable,linearizable']);
    expect(unknown).toContain('unknown model "linearizable"');
    expect(unknown).toContain('strict-serializable, serializable, snapshot-isolation, repeatable-read, read-committed, read-uncommitted');
    expect(rejection(['-w', 'txn-list-append', '--bin', 'b', '--consistency-models', ' , '])).toMatch(/needs at least one of strict-serializable/);
  });

  it('refuses bad txn values with clear messages', () => {
    const txn = ['-w', 'txn-list-append', '--bin', 'b'];
    expect(rejection([...txn, '--key-count', '0'])).toMatch(/--key-count must be an integer from 1/);
    expect(rejection([...txn, '--max-txn-length', 'x'])).toMatch(/--max-txn-length must be an integer from 1/);
    expect(rejection([...txn, '--max-writes-per-key', '2.5'])).toMatch(/--max-writes-per-key must be an integer from 1/);
    expect(rejection([...txn, '--key-dist', 'zipf'])).toMatch(/--key-dist must be one of exponential, uniform; got "zipf"/);
    expect(rejection([...txn, '--final-reads', '--no-final-reads'])).toMatch(/contradict/);
  });

  it('refuses what does not fit the workload: lin-kv flags in txn runs, txn flags and models in lin-kv runs', () => {
    const txn = ['-w', 'txn-list-append', '--bin', 'b'];
    expect(rejection([...txn, '--client-sessions'])).toMatch(/--client-sessions is for lin-kv only: raftkv's sessions do not cover txns yet/);
    expect(rejection([...txn, '--read-fraction', '0.9'])).toMatch(/--read-fraction applies to lin-kv only/);
    const linKv = ['--bin', 'b', '--concurrency', '2n'];
    for (const flag of [
      ['--key-count', '3'],
      ['--max-txn-length', '2'],
      ['--max-writes-per-key', '4'],
      ['--key-dist', 'uniform'],
      ['--final-reads'],
      ['--no-final-reads'],
    ]) {
      expect(rejection([...linKv, ...flag])).toBe(`${flag[0]} applies to the txn workloads (txn-list-append, txn-rw-register) only, not to lin-kv`);
    }
    expect(rejection([...linKv, '--consistency-models', 'serializable'])).toMatch(
      /lin-kv is checked for linearizability only: --consistency-models takes only "linearizable"/,
    );
    expect(parse([...linKv, '--consistency-models', 'linearizable']).consistencyModels).toEqual([]);
  });

  it('builds programmatic txn options with the same validation', () => {
    const made = makeTestOptions({
      bin: 'b',
      workload: 'txn-list-append',
      nodeCount: 2,
      concurrency: 3,
      consistencyModels: ['serializable'],
      finalReads: false,
    });
    expect(made.ok && made.value).toMatchObject({ concurrency: 3, consistencyModels: ['serializable'], finalReads: false, keyCount: 10 });
    expect(makeTestOptions({ bin: 'b', workload: 'txn-list-append', clientSessions: true }).ok).toBe(false);
    expect(makeTestOptions({ bin: 'b', concurrency: '2n', keyCount: 4 }).ok).toBe(false);
  });
});

describe('options for targeted faults, recovery and swarm runs', () => {
  it('takes the targeted nemeses by name and the groups targeted and all, keeping Maelstrom names as they were', () => {
    expect(parse(['--bin', 'b', '--concurrency', '2n', '--nemesis', 'partition-leader,duplicate']).nemesis).toEqual(['partition-leader', 'duplicate']);
    expect(parse(['--bin', 'b', '--concurrency', '2n', '--nemesis', 'partition,targeted']).nemesis).toEqual([
      'partition',
      'partition-leader',
      'partition-new-leader',
      'partition-election',
      'kill-leader',
      'pause-leader',
      'delay-spike',
      'duplicate',
    ]);
    expect(parse(['--bin', 'b', '--concurrency', '2n', '--nemesis', 'all,kill']).nemesis).toHaveLength(10);
    expect(parse(['--bin', 'b', '--concurrency', '2n', '--nemesis', 'partition,kill,pause']).nemesis).toEqual(['partition', 'kill', 'pause']);
    expect(rejection(['--bin', 'b', '--concurrency', '2n', '--nemesis', 'leader'])).toMatch(/partition-leader.*, or targeted, all \(or none\); got "leader"/);
  });

  it('checks recovery for 10 s by default, takes another bound or 0 for none, and refuses nonsense', () => {
    expect(parse(['--bin', 'b', '--concurrency', '2n']).recoveryTimeoutS).toBe(10);
    expect(parse(['--bin', 'b', '--concurrency', '2n', '--recovery-timeout', '2.5']).recoveryTimeoutS).toBe(2.5);
    expect(parse(['--bin', 'b', '--concurrency', '2n', '--recovery-timeout', '0']).recoveryTimeoutS).toBe(0);
    expect(rejection(['--bin', 'b', '--concurrency', '2n', '--recovery-timeout', '-1'])).toMatch(/--recovery-timeout must be a number of seconds from 0/);
    const made = makeTestOptions({ bin: 'b', concurrency: '2n', recoveryTimeoutS: 3 });
    expect(made.ok && made.value.recoveryTimeoutS).toBe(3);
  });

  it('with --swarm, draws what is not given and draws the mix from --nemesis when given', () => {
    expect(parse(['--bin', 'b', '--concurrency', '2n']).swarm).toBeNull();
    expect(parse(['--bin', 'b', '--concurrency', '2n', '--swarm']).swarm).toMatchObject({ drawRate: true, drawLatency: true, drawInterval: true });
    expect(parse(['--bin', 'b', '--concurrency', '2n', '--swarm']).swarm?.nemesisPool).toHaveLength(10);
    const kept = parse(['--bin', 'b', '--concurrency', '2n', '--swarm', '--rate', '50', '--latency', '5', '--nemesis', 'kill,duplicate']).swarm;
    expect(kept).toEqual({ nemesisPool: ['kill', 'duplicate'], drawRate: false, drawLatency: false, drawInterval: true });
  });
});
