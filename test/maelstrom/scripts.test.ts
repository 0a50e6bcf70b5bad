// The real-Maelstrom scripts, run against a stand-in `maelstrom` executable that records the
// arguments, working directory and environment it got and writes a small results.edn, so
// flag passing, verdict parsing and exit codes are covered without a JVM.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/node_process.js';

const STAND_IN = `#!/usr/bin/env bash
# Records how it was called, then plays Maelstrom: writes store/latest/results.edn.
{ printf '%s\\n' "$@"; } > "$FAKE_LOG/args"
pwd > "$FAKE_LOG/cwd"
echo "\${RAFTKV_DATA_DIR:-}" > "$FAKE_LOG/data_dir"
[ -d "\${RAFTKV_DATA_DIR:-/nonexistent}" ] && echo yes > "$FAKE_LOG/data_dir_exists"
mkdir -p store/run1 && ln -sfn run1 store/latest
cat > store/run1/results.edn <<EDN
{:stats {:valid? true, :count 120, :ok-count 100, :fail-count 15, :info-count 5},
 :availability {:valid? true, :ok-fraction 0.8333},
 :net {:all {:msgs-per-op 6.5}, :servers {:msgs-per-op 4.25}},
 :workload {:valid? $FAKE_VALID, :failures $FAKE_FAILURES},
 :valid? $FAKE_VALID}
EDN
exit "\${FAKE_STATUS:-0}"
`;

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(`${tmpdir()}/raftkv-maelstrom-test-`);
  writeFileSync(`${dir}/maelstrom`, STAND_IN);
  chmodSync(`${dir}/maelstrom`, 0o755);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function run(script: string, args: string[], env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('bash', [`${REPO_ROOT}maelstrom/${script}`, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { PATH: process.env['PATH'] ?? '', HOME: dir, FAKE_LOG: dir, MAELSTROM_WORKDIR: `${dir}/work`, FAKE_VALID: 'true', FAKE_FAILURES: '[]', ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const recordedArgs = (): string[] => readFileSync(`${dir}/args`, 'utf8').trimEnd().split('\n');

describe('maelstrom/lin-kv.sh', () => {
  it('runs lin-kv with the defaults, a fresh data directory, and reports a valid run', () => {
    const result = run('lin-kv.sh', [], { MAELSTROM: `${dir}/maelstrom` });
    expect(result.status).toBe(0);
    expect(recordedArgs()).toEqual([
      'test',
      '--bin',
      `${REPO_ROOT}bin/raftkv`,
      '--workload',
      'lin-kv',
      '--node-count',
      '3',
      '--time-limit',
      '30',
      '--rate',
      '100',
      '--concurrency',
      '2n',
      '--nemesis',
      'partition',
    ]);
    expect(readFileSync(`${dir}/cwd`, 'utf8').trim()).toBe(`${dir}/work`);
    expect(readFileSync(`${dir}/data_dir`, 'utf8').trim()).toMatch(/raftkv-maelstrom-data\./);
    expect(readFileSync(`${dir}/data_dir_exists`, 'utf8').trim()).toBe('yes');
    expect(result.stdout).toContain('verdict:          valid');
    expect(result.stdout).toContain('operations:       120 (ok 100, fail 15, info 5)');
    expect(result.stdout).toContain('4.25 between servers');
  });

  it('lets given options replace defaults and passes node options after the options', () => {
    const result = run('lin-kv.sh', ['--node-count', '5', '--rate=30', '--nemesis', 'none', '--', '--log-level', 'debug'], { MAELSTROM: `${dir}/maelstrom` });
    expect(result.status).toBe(0);
    expect(recordedArgs()).toEqual([
      'test',
      '--bin',
      `${REPO_ROOT}bin/raftkv`,
      '--node-count',
      '5',
      '--rate=30',
      '--workload',
      'lin-kv',
      '--time-limit',
      '30',
      '--concurrency',
      '2n',
      '--',
      '--log-level',
      'debug',
    ]);
  });

  it('exits 1 and names the failing keys when the run is invalid', () => {
    const result = run('lin-kv.sh', [], { MAELSTROM: `${dir}/maelstrom`, FAKE_VALID: 'false', FAKE_FAILURES: '[3 7]', FAKE_STATUS: '1' });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('verdict:          INVALID');
    expect(result.stdout).toContain('keys not linearizable: 3, 7');
  });

  it('exits 2 when the verdict is unknown', () => {
    const result = run('lin-kv.sh', [], { MAELSTROM: `${dir}/maelstrom`, FAKE_VALID: ':unknown', FAKE_STATUS: '2' });
    expect(result.status).toBe(2);
    expect(result.stdout).toContain('verdict:          unknown');
  });

  it('finds maelstrom on the PATH', () => {
    const result = run('lin-kv.sh', ['--time-limit', '5'], { PATH: `${dir}:${process.env['PATH'] ?? ''}` });
    expect(result.status).toBe(0);
    expect(recordedArgs()).toContain('5');
  });

  it('explains how to get Maelstrom, and the harness alternative, with a distinct status', () => {
    const result = run('lin-kv.sh', [], { PATH: '/usr/bin:/bin' });
    expect(result.status).toBe(3);
    expect(result.stderr).toContain('Maelstrom was not found');
    expect(result.stderr).toContain('Java 11');
    expect(result.stderr).toContain('maelstrom.tar.bz2');
    expect(result.stderr).toContain('bin/raftkv-test test -w lin-kv --bin bin/raftkv');
  });
});

describe('maelstrom/matrix.sh', () => {
  it('runs every combination and prints a summary table', () => {
    const result = run('matrix.sh', [], { MAELSTROM: `${dir}/maelstrom`, NODE_COUNTS: '3 5', LATENCIES: '10', NEMESES: 'partition', TIME_LIMIT: '7' });
    expect(result.status).toBe(0);
    const table = result.stdout.trim().split('\n');
    expect(table[0]).toMatch(/^nodes\s+latency\s+nemesis\s+read-mode\s+verdict/);
    expect(table.slice(1)).toHaveLength(8);
    expect(table[1]).toMatch(/^3\s+10\s+partition\s+log\s+valid\s+120 \(ok 100/);
    expect(table[8]).toMatch(/^5\s+10\s+partition\s+follower\s+valid/);
    // The last run was 5 nodes in follower mode: the node got its read mode after '--'.
    expect(recordedArgs()).toEqual(expect.arrayContaining(['--latency', '10', '--time-limit', '7']));
    expect(recordedArgs().slice(-3)).toEqual(['--', '--read-mode', 'follower']);
  });

  it('exits with the worst verdict', () => {
    const result = run('matrix.sh', [], {
      MAELSTROM: `${dir}/maelstrom`,
      NODE_COUNTS: '3',
      LATENCIES: '0',
      NEMESES: 'none',
      READ_MODES: 'default',
      FAKE_VALID: 'false',
      FAKE_STATUS: '1',
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/INVALID/);
  });
});
