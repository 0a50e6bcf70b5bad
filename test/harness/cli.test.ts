// bin/raftkv-test as users run it: help, argument errors (status 254), a short test run
// (status 0, seed printed), `check` on the history that run wrote, nodes that fail to start
// (status 2, their own error line), the tally of --test-count and the store's latest link.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTally } from '../../src/harness/cli.js';
import { REPO_ROOT, requireBuilt } from '../support/node_process.js';
import { LOCAL_KV, NODES_DIR } from './helpers.js';

const BIN = join(REPO_ROOT, 'bin', 'raftkv-test');
const dir = mkdtempSync(join(tmpdir(), 'raftkv-cli-test-'));

beforeAll(() => {
  requireBuilt('dist/raftkv-test.mjs');
  requireBuilt('dist/local-kv.mjs');
  requireBuilt('dist/raftkv.mjs');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(BIN, args, { encoding: 'utf8', cwd: dir, timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('bin/raftkv-test', () => {
  it('prints help for the tool and for test', () => {
    expect(run(['help']).stdout).toContain('raftkv-test <command>');
    const help = run(['test', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--nemesis-interval');
    // What a seed repeats, and what it cannot.
    expect(help.stdout).toContain("each node's RAFTKV_SEED");
    expect(help.stdout).toContain('It cannot repeat what timing decides');
    // The txn workloads and every flag of theirs.
    for (const text of [
      'txn-list-append or txn-rw-register',
      '--consistency-models',
      '--key-count',
      '--max-txn-length',
      '--max-writes-per-key',
      '--key-dist',
      '--final-reads',
      '--no-final-reads',
      'Client timeout 5 s',
      // Targeted faults, recovery and swarm runs.
      'partition-leader',
      'partition-new-leader',
      'partition-election',
      'kill-leader, pause-leader',
      'delay-spike',
      'duplicate',
      '--recovery-timeout S',
      '--swarm',
      '3 valid (or undecided) but some',
    ]) {
      expect(help.stdout, text).toContain(text);
    }
  });

  it('refuses bad txn arguments with status 254 and a clear message', () => {
    const node = join(NODES_DIR, 'txn-single-copy.mjs');
    const badModel = run(['test', '-w', 'txn-list-append', '--bin', node, '--consistency-models', 'linearizable']);
    expect(badModel.status).toBe(254);
    expect(badModel.stderr).toContain('unknown model "linearizable"; the models are strict-serializable, serializable,');
    const sessions = run(['test', '-w', 'txn-rw-register', '--bin', node, '--client-sessions']);
    expect(sessions.status).toBe(254);
    expect(sessions.stderr).toContain('--client-sessions is for lin-kv only');
    const linKvModel = run(['test', '-w', 'lin-kv', '--bin', LOCAL_KV, '--concurrency', '2n', '--consistency-models', 'serializable']);
    expect(linKvModel.status).toBe(254);
    expect(linKvModel.stderr).toContain('lin-kv is checked for linearizability only');
  });

  it('refuses bad arguments with status 254 and a clear message', () => {
    const noBin = run(['test', '-w', 'lin-kv', '--concurrency', '2n']);
    expect(noBin.status).toBe(254);
    expect(noBin.stderr).toContain('--bin FILE is required');
    const badConcurrency = run(['test', '--bin', LOCAL_KV, '--node-count', '3']);
    expect(badConcurrency.status).toBe(254);
    expect(badConcurrency.stderr).toContain("Consider raising your test's :concurrency to at least 6");
    const missing = run(['test', '--bin', 'no/such/node', '--concurrency', '2n']);
    expect(missing.status).toBe(254);
    expect(missing.stderr).toContain('no such file');
    expect(run(['frobnicate']).status).toBe(254);
  });

  it('runs a short test into store/ with a latest link, then checks its history', () => {
    const test = run([
      'test',
      '-w',
      'lin-kv',
      '--bin',
      LOCAL_KV,
      '--node-count',
      '1',
      '--concurrency',
      '2n',
      '--time-limit',
      '1',
      '--rate',
      '100',
      '--seed',
      '77',
    ]);
    expect(test.status, test.stdout + test.stderr).toBe(0);
    expect(test.stderr).toContain('seed 77');
    expect(test.stdout).toContain('VERDICT: valid');
    const check = run(['check', join(dir, 'store', 'latest', 'history.jsonl')]);
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toContain('verdict: valid');
  });

  it('reports bin/raftkv given a bad option as a failed start: status 2, its own error line, not INVALID', () => {
    const test = run([
      'test',
      '--bin',
      join(REPO_ROOT, 'bin', 'raftkv'),
      '--node-count',
      '1',
      '--concurrency',
      '2n',
      '--time-limit',
      '5',
      '--seed',
      '3',
      '--',
      '--tick-ms',
      'nope',
    ]);
    expect(test.status, test.stdout + test.stderr).toBe(2);
    expect(test.stdout).toMatch(
      /ERROR: node n0 failed to start: raftkv: [^\n]*--tick-ms[^\n]*"nope"[^\n]*\(it exited with code 2 before answering init; its stderr is in [^\n]*n0\.log\)/,
    );
    expect(test.stdout).not.toContain('INVALID');
    expect(test.stdout).not.toContain('NODE CRASHED');
    expect(test.stdout.trimEnd().split('\n').at(-1)).toBe('VERDICT: unknown (the run could not be judged; why: above)');
  });

  it('ends --test-count runs with a tally, and links store/latest to an --out directory inside the store', () => {
    const test = run([
      'test',
      '--bin',
      LOCAL_KV,
      '--node-count',
      '1',
      '--concurrency',
      '2n',
      '--time-limit',
      '0.5',
      '--rate',
      '100',
      '--seed',
      '80',
      '--test-count',
      '2',
      '--out',
      'store/demo',
    ]);
    expect(test.status, test.stdout + test.stderr).toBe(0);
    expect(test.stdout.trimEnd().split('\n').at(-1)).toBe('2 of 2 runs valid');
    expect(readlinkSync(join(dir, 'store', 'latest'))).toBe(join('demo', 'run-2'));
    expect(realpathSync(join(dir, 'store', 'latest'))).toBe(realpathSync(join(dir, 'store', 'demo', 'run-2')));
    const check = run(['check', join(dir, 'store', 'latest', 'history.jsonl')]);
    expect(check.status, check.stdout + check.stderr).toBe(0);
  });

  it('says where --test-count stopped, and why', () => {
    const test = run([
      'test',
      '--bin',
      join(NODES_DIR, 'fails-at-start.mjs'),
      '--node-count',
      '1',
      '--concurrency',
      '2n',
      '--time-limit',
      '5',
      '--seed',
      '90',
      '--test-count',
      '3',
      '--out',
      join(dir, 'elsewhere'),
    ]);
    expect(test.status, test.stdout + test.stderr).toBe(2);
    expect(test.stdout.trimEnd().split('\n').at(-1)).toBe('stopped after run 1 of 3: 0 valid, 1 unknown');
    expect(existsSync(join(dir, 'elsewhere', 'run-1', 'results.json'))).toBe(true);
    // An --out outside the store leaves store/latest alone.
    const latest = join(dir, 'store', 'latest');
    expect(existsSync(latest) ? readlinkSync(latest) : '(none)').not.toContain('elsewhere');
  });
});

describe('swarm runs', () => {
  it('draw a fault mix, interval and latency per run from its seed, print each draw, and tally', () => {
    const test = run([
      'test',
      '--bin',
      LOCAL_KV,
      '--node-count',
      '1',
      '--concurrency',
      '2n',
      '--time-limit',
      '0.5',
      '--rate',
      '100',
      '--swarm',
      '--nemesis',
      'partition,pause,delay-spike,duplicate',
      '--seed',
      '70',
      '--test-count',
      '2',
    ]);
    expect(test.status, test.stdout + test.stderr).toBe(0);
    expect(test.stderr).toMatch(/swarm run 1 of 2, seed 70: nemesis [a-z,-]+ every ~[\d.]+ s, rate 100\/s, latency \d+ ms/);
    expect(test.stderr).toMatch(/swarm run 2 of 2, seed 71: nemesis /);
    expect(test.stdout).not.toContain('replay');
    expect(test.stdout.trimEnd().split('\n').at(-1)).toBe('2 of 2 runs valid');
  });

  it('stop at the first run that is not valid, with its seed and the command that replays it', () => {
    const node = join(NODES_DIR, 'local-reads.mjs');
    const test = run([
      'test',
      '--bin',
      node,
      '--node-count',
      '3',
      '--concurrency',
      '2n',
      '--time-limit',
      '1.5',
      '--rate',
      '150',
      '--latency',
      '20',
      '--swarm',
      '--nemesis',
      'partition',
      '--seed',
      '11',
      '--test-count',
      '3',
    ]);
    expect(test.status, test.stdout + test.stderr).toBe(1);
    expect(test.stdout).toContain(
      `run 1 of 3 (seed 11) is invalid; replay it with:\n  bin/raftkv-test test -w lin-kv --bin ${node} --node-count 3 --time-limit 1.5 --rate 150 --concurrency 6 --latency 20 --latency-dist constant --nemesis partition --nemesis-interval 1.4 --seed 11\n`,
    );
    expect(test.stdout.trimEnd().split('\n').at(-1)).toBe('stopped after run 1 of 3: 0 valid, 1 invalid');
  });
});

describe('the tally of --test-count', () => {
  it('counts valid, invalid, not recovered and unknown runs, and says when the runs stopped early', () => {
    expect(formatTally(['valid', 'valid', 'valid'], 3, false)).toBe('3 of 3 runs valid');
    expect(formatTally(['valid', 'invalid'], 3, false)).toBe('stopped after run 2 of 3: 1 valid, 1 invalid');
    expect(formatTally(['valid', 'not-recovered'], 3, false)).toBe('stopped after run 2 of 3: 1 valid, 1 not recovered');
    expect(formatTally(['valid', 'unknown'], 5, true)).toBe('stopped after run 2 of 5 (interrupted): 1 valid, 1 unknown');
    expect(formatTally(['valid', 'valid', 'unknown'], 3, true)).toBe('3 runs (interrupted): 2 valid, 1 unknown');
  });
});
