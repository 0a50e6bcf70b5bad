// The sim command's argument parsing, summary and exit codes (the wall clock is injected).
import { describe, expect, it } from 'vitest';
import { parseSimArgs, runSimCli } from '../../src/sim/cli.js';

describe('sim CLI', () => {
  it('parses its options and rejects bad ones', () => {
    expect(parseSimArgs(['--seeds', '10', '--from', '5', '--profile', 'chaos'])).toMatchObject({ seeds: 10, from: 5, profile: 'chaos', trace: false });
    expect(parseSimArgs(['--seed', '3', '--trace', '--nodes', '5', '--read-mode', 'lease'])).toMatchObject({
      seed: 3,
      trace: true,
      nodeCount: 5,
      readMode: 'lease',
    });
    expect(parseSimArgs(['--profile', 'nope'])).toMatch(/--profile must be one of clean/);
    expect(parseSimArgs(['--seeds', 'x'])).toMatch(/--seeds needs/);
    expect(parseSimArgs(['--bogus'])).toMatch(/unknown argument --bogus/);
    expect(parseSimArgs(['--seeds', '0'])).toMatch(/--seeds needs a positive integer \(0 runs would check nothing\)/);
    expect(parseSimArgs(['--client-sessions'])).toMatchObject({ clientSessions: true, core: false });
    expect(parseSimArgs([])).toMatchObject({ clientSessions: undefined });
    expect(parseSimArgs(['--core', '--nodes', '5'])).toMatchObject({ core: true, nodeCount: 5 });
    expect(parseSimArgs(['--core', '--read-mode', 'lease'])).toMatch(/--core simulates the Raft core alone/);
    expect(parseSimArgs(['--nodes', '0'])).toMatch(/--nodes must be 1 to 9/);
    expect(parseSimArgs(['--groups', '2'])).toMatchObject({ groupCount: 2 });
    expect(parseSimArgs([])).toMatchObject({ groupCount: undefined });
    expect(parseSimArgs(['--groups', '0'])).toMatch(/--groups must be 1 to 8/);
    expect(parseSimArgs(['--groups', '2', '--client-sessions'])).toMatch(/--client-sessions needs one Raft group per node/);
    expect(parseSimArgs(['--groups', '1', '--client-sessions'])).toMatchObject({ groupCount: 1, clientSessions: true });
    expect(parseSimArgs(['--core', '--groups', '2'])).toMatch(/--core simulates the Raft core alone/);
    expect(parseSimArgs([])).toMatchObject({ workloads: undefined, txnMode: undefined });
    expect(parseSimArgs(['--workload', 'txn-list-append', '--txn-mode', 'batch'])).toMatchObject({ workloads: ['txn-list-append'], txnMode: 'batch' });
    expect(parseSimArgs(['--workload', 'lin-kv,txn-rw-register,lin-kv'])).toMatchObject({ workloads: ['lin-kv', 'txn-rw-register'] });
    expect(parseSimArgs(['--workload', 'txn'])).toMatch(/--workload must be one or more \(comma-separated\) of lin-kv, txn-list-append, txn-rw-register/);
    expect(parseSimArgs(['--workload'])).toMatch(/--workload must be/);
    expect(parseSimArgs(['--txn-mode', 'nope'])).toMatch(/--txn-mode must be one of batch/);
    expect(parseSimArgs(['--workload', 'txn-list-append', '--groups', '2'])).toMatch(/runs on one Raft group per node without client sessions/);
    expect(parseSimArgs(['--workload', 'lin-kv,txn-rw-register', '--client-sessions'])).toMatch(/--workload txn-rw-register runs on one Raft group/);
    expect(parseSimArgs(['--workload', 'lin-kv', '--groups', '2'])).toMatchObject({ workloads: ['lin-kv'], groupCount: 2 });
    expect(parseSimArgs(['--core', '--workload', 'lin-kv'])).toMatch(/--core simulates the Raft core alone/);
  });

  it('runs txn workloads: the seeds pick among those named, and the summary counts each', () => {
    let out = '';
    expect(
      runSimCli(
        ['--seeds', '4', '--from', '20', '--profile', 'clean', '--safety-ms', '300', '--workload', 'txn-list-append,txn-rw-register', '--verbose'],
        (text) => (out += text),
        () => 0,
      ),
    ).toBe(0);
    const seeds = out.split('\n').filter((line) => line.startsWith('seed '));
    expect(seeds).toHaveLength(4);
    for (const line of seeds) expect(line).toMatch(/ workload=txn-(list-append|rw-register) txn-mode=batch .* final-reads=(\d+)\/\2 keys in \d+ txns /);
    expect(out).toMatch(/^sim: 4 runs \(seeds 20\.\.23; clean 4; (txn-list-append \d, )?txn-rw-register \d|txn-list-append \d\), 0 failed/m);
  });

  it('fails a txn seed whose history is not strict-serializable, with its replay command', () => {
    let out = '';
    const code = runSimCli(
      ['--seed', '2', '--profile', 'clean', '--read-mode', 'bounded-staleness', '--workload', 'txn-list-append'],
      (text) => (out += text),
      () => 0,
    );
    expect(code).toBe(1);
    expect(out).toMatch(/^seed 2 FAILED \(clean\): txn check: strict-serializable \(txn mode batch\) invalid /m);
    expect(out).toContain(
      'npm run sim -- --seed 2 --profile clean --nodes 3 --groups 1 --read-mode bounded-staleness --workload txn-list-append --txn-mode batch --trace',
    );
    expect(out).toMatch(/^sim: 1 run \(seeds 2\.\.2; clean 1; txn-list-append 1\), 1 failed/m);
  });

  it('stops at the first failing seed with --fail-fast, and says how many of the seeds asked for it ran', () => {
    const run = (extra: readonly string[]): { code: number; out: string } => {
      let out = '';
      const args = [
        '--seeds',
        '4',
        '--from',
        '2',
        '--profile',
        'clean',
        '--safety-ms',
        '300',
        '--read-mode',
        'bounded-staleness',
        '--workload',
        'txn-list-append',
      ];
      const code = runSimCli(
        [...args, ...extra],
        (text) => (out += text),
        () => 0,
      );
      return { code, out };
    };
    const fast = run(['--fail-fast']);
    expect(fast.code).toBe(1);
    expect(fast.out.match(/^seed \d+ FAILED/gm)).toHaveLength(1);
    const failed = Number(/^seed (\d+) FAILED/m.exec(fast.out)?.[1]);
    const ran = failed - 1;
    expect(fast.out).toContain(`sim: ${ran} run${ran === 1 ? '' : 's'} (seeds 2..${failed}, stopped at the first failure (of 4 planned);`);
    expect(fast.out).toMatch(/, 1 failed; /);
    // Without it every seed runs.
    expect(run([]).out).toMatch(/^sim: 4 runs \(seeds 2\.\.5; clean 4; txn-list-append 4\), \d+ failed/m);
  });

  it('prints the rates each seed drew with --verbose, and first thing in a --trace', () => {
    let out = '';
    expect(
      runSimCli(
        ['--seeds', '2', '--from', '4', '--profile', 'chaos', '--verbose'],
        (text) => (out += text),
        () => 0,
      ),
    ).toBe(0);
    const lines = out.split('\n');
    expect(lines.filter((line) => line.startsWith('seed '))).toHaveLength(2);
    expect(lines.filter((line) => /^ {2}rates \(chaos\): delay [\d.]+ms-[\d.]+ms, loss [\d.]+%/.test(line))).toHaveLength(2);
    expect(lines.filter((line) => /^ {2}storage: simulated disk, WAL segments of \d+ bytes, a snapshot every \d+ entries/.test(line))).toHaveLength(2);
    out = '';
    expect(
      runSimCli(
        ['--seed', '4', '--profile', 'clean', '--safety-ms', '200', '--client-sessions', '--trace'],
        (text) => (out += text),
        () => 0,
      ),
    ).toBe(0);
    expect(out.split('\n').slice(0, 3)).toEqual([
      expect.stringMatching(/^seed 4: \d nodes of 1 Raft group, read mode [a-z-]+, client sessions on, workload lin-kv$/),
      expect.stringMatching(/^rates \(clean\): .*nemeses none/),
      expect.stringMatching(/^storage: simulated disk, WAL segments of \d+ bytes/),
    ]);
    expect(out).toMatch(/groups=1 read-mode=[a-z-]+ sessions=on/);
    out = '';
    expect(
      runSimCli(
        ['--seed', '4', '--profile', 'clean', '--safety-ms', '200', '--groups', '2'],
        (text) => (out += text),
        () => 0,
      ),
    ).toBe(0);
    expect(out).toMatch(/groups=2 read-mode=[a-z-]+ sessions=off .*committed=\d+\+\d+ /);
  });

  it('runs the Raft-core simulator with --core', () => {
    let out = '';
    const code = runSimCli(
      ['--core', '--seeds', '2', '--nodes', '3', '--profile', 'crashes', '--safety-ms', '1000', '--verbose'],
      (text) => (out += text),
      () => 0,
    );
    expect(code).toBe(0);
    expect(out).toMatch(/^seed 1 ok core profile=crashes nodes=3 /m);
    expect(out).toMatch(/^ {2}rates \(crashes\): /m);
    expect(out).toMatch(/^sim: 2 runs \(seeds 1\.\.2; core crashes 2\), 0 failed/m);
  });

  it('runs a range of seeds and prints a summary', () => {
    let out = '';
    const code = runSimCli(
      ['--seeds', '3', '--from', '10'],
      (text) => (out += text),
      () => 0,
    );
    expect(code).toBe(0);
    expect(out).toMatch(/^sim: 3 runs \(seeds 10\.\.12; .*\), 0 failed; virtual [\d.]+ s, wall 0\.0 s/m);
  });

  it('says how far a long run got, every few seconds of wall time', () => {
    let out = '';
    let clockMs = 0;
    // Each look at the clock finds 3 s more: a progress line after every second run.
    const code = runSimCli(
      ['--seeds', '6', '--profile', 'clean'],
      (text) => (out += text),
      () => (clockMs += 3_000),
    );
    expect(code).toBe(0);
    const progress = out.split('\n').filter((line) => line.startsWith('... '));
    expect(progress).toHaveLength(2);
    expect(progress[0]).toMatch(/^\.\.\. \d\/6 runs \(\d+%\), 0 failed, [\d.]+ s, about \d+ s left$/);
    expect(out.trimEnd().split('\n').at(-1)).toMatch(/^sim: 6 runs/);
  });

  it('exits non-zero and prints the replay command of a failing seed', () => {
    let out = '';
    const code = runSimCli(
      ['--seed', '1', '--profile', 'clean', '--read-mode', 'bounded-staleness'],
      (text) => (out += text),
      () => 0,
    );
    expect(code).toBe(1);
    expect(out).toContain('seed 1 FAILED (clean): linearizability: invalid');
    expect(out).toContain('npm run sim -- --seed 1 --profile clean');
    expect(out).toMatch(/1 failed/);
  });
});
