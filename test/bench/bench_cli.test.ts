// `bin/raftkv-test bench` for real, with the smallest matrix that still has a ceiling: one
// 3-node cell and its ceiling point, 1 s each; a txn workload; lin-kv and a txn workload in one
// run. Also help and a refused argument (status 254).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, requireBuilt } from '../support/node_process.js';

const BIN = join(REPO_ROOT, 'bin', 'raftkv-test');
const dir = mkdtempSync(join(tmpdir(), 'raftkv-bench-test-'));

beforeAll(() => {
  requireBuilt('dist/raftkv-test.mjs');
  requireBuilt('dist/raftkv.mjs');
  requireBuilt('dist/local-kv.mjs');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], timeoutMs: number): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(BIN, ['bench', ...args], { encoding: 'utf8', cwd: dir, timeout: timeoutMs });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('raftkv-test bench', () => {
  it('prints its help and refuses bad arguments with status 254', () => {
    const help = run(['--help'], 10_000);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--no-ceiling');
    const bad = run(['--clients', '1n'], 10_000);
    expect(bad.status).toBe(254);
    expect(bad.stderr).toContain('Nn needs an even N');
    expect(run(['--bin', 'no/such/node'], 10_000).stderr).toContain('no such file');
  });

  it('runs a one-cell matrix with its ceiling and writes the table, report.html, bench.json and --docs', () => {
    const out = join(dir, 'out');
    const docs = join(dir, 'docs', 'bench.md');
    // No --seed: the bench draws one, prints it, and puts it in the reproducing command.
    const args = ['--nodes', '3', '--latency', '0', '--clients', '2n', '--reads', '0.5', '--time-limit', '1', '--reps', '1', '--out', out, '--docs', docs];
    const result = run(args, 40_000);
    expect(result.status, result.stdout + result.stderr).toBe(0);

    const row = result.stdout.split('\n').find((line) => line.startsWith('| 3 | 0 | 50% |'));
    expect(row, result.stdout).toBeDefined();
    const cells = (row ?? '').split('|').map((cell) => cell.trim());
    // | nodes | latency | reads | mode | load | clients | answered | ok | × ceiling | ... | verdict |
    expect(Number(cells[7])).toBeGreaterThan(0);
    expect(Number(cells[9])).toBeGreaterThan(0);
    expect(cells[cells.length - 2]).toBe('valid');

    for (const file of ['report.html', 'bench.json', 'bench.md']) expect(existsSync(join(out, file)), file).toBe(true);
    expect(readFileSync(join(out, 'bench.md'), 'utf8')).toContain(row ?? '-');
    expect(readFileSync(docs, 'utf8')).toContain(row ?? '-');
    expect(readFileSync(join(dir, 'docs', 'bench.svg'), 'utf8')).toContain('<svg');
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('3 nodes, latency 0 ms: closed loop');
    expect(html).toContain(`--out ${out}`);

    const json = JSON.parse(readFileSync(join(out, 'bench.json'), 'utf8')) as {
      options: { seed: number };
      exitCode: number;
      cells: { runs: { metrics: { answeredOpsPerS: number; valid: boolean } }[]; ratioToCeiling: number }[];
      ceiling: { point: { id: string; concurrency: number }; summary: { answeredOpsPerS: { median: number } } }[];
    };
    // The 3-node 2n cell runs 6 threads, and so does its ceiling point.
    expect(json.ceiling.map((c) => [c.point.id, c.point.concurrency])).toEqual([['ceiling-r0.5-t6', 6]]);
    expect(json.exitCode).toBe(0);
    expect(result.stderr).toContain(`seed ${json.options.seed}`);
    expect(readFileSync(docs, 'utf8')).toMatch(new RegExp(`Reproduce .*--docs \\S+ --seed ${json.options.seed}\``));
    expect(json.cells[0]?.runs[0]?.metrics.valid).toBe(true);
    expect(json.cells[0]?.runs[0]?.metrics.answeredOpsPerS).toBeGreaterThan(0);
    expect(json.ceiling[0]?.summary.answeredOpsPerS.median).toBeGreaterThan(0);
    expect(json.cells[0]?.ratioToCeiling).toBeGreaterThan(0);
    // Valid runs leave no harness directories behind.
    expect(existsSync(join(out, 'runs'))).toBe(false);
  });

  it('benchmarks a txn workload: committed txns/s, abort rate, txn latency and server messages per txn, no ceiling', () => {
    const out = join(dir, 'txn');
    const node = join(REPO_ROOT, 'test', 'nodes', 'txn-single-copy.mjs');
    const args = [
      '-w',
      'txn-list-append',
      '--bin',
      node,
      '--nodes',
      '2',
      '--latency',
      '0',
      '--clients',
      '2n',
      '--time-limit',
      '1',
      '--reps',
      '1',
      '--seed',
      '17',
      '--out',
      out,
    ];
    const result = run(args, 40_000);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(
      '| nodes | latency ms | read mode | load | clients | committed txns/s | abort rate | txn p50 ms | txn p99 ms | server msgs/txn | verdict |',
    );
    const row = result.stdout.split('\n').find((line) => line.startsWith('| 2 | 0 | node default | closed 2n | 4 |'));
    const cells = (row ?? '').split('|').map((cell) => cell.trim());
    expect(Number(cells[6]), result.stdout).toBeGreaterThan(0);
    expect(cells[7]).toBe('0%');
    expect(Number(cells[8])).toBeGreaterThan(0);
    expect(Number(cells[10])).toBeGreaterThan(0);
    expect(cells[11]).toBe('valid');
    expect(result.stderr).toMatch(/committed txns\/s, abort rate 0\.0%, valid/);
    const json = JSON.parse(readFileSync(join(out, 'bench.json'), 'utf8')) as {
      ceiling: unknown[];
      cells: { summary: { txn: { txnP50Ms: { median: number } } } }[];
    };
    expect(json.ceiling).toEqual([]);
    expect(json.cells[0]?.summary.txn.txnP50Ms.median).toBeGreaterThan(0);
  });

  it('benchmarks lin-kv and a txn workload in one run: a table each, the comparison, and bench.json with it', () => {
    const out = join(dir, 'mixed');
    const args = ['-w', 'lin-kv,txn-list-append', '--nodes', '3', '--latency', '0', '--clients', '2n', '--reads', '0.5', '--time-limit', '1', '--reps', '1'];
    const result = run([...args, '--seed', '23', '--no-ceiling', '--out', out], 40_000);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stderr).toMatch(/bench: \[1\/2\] lin-kv-n3-l0-r0\.5-default-c2n rep 1: \d+ answered ops\/s, valid/);
    expect(result.stderr).toMatch(/bench: \[2\/2\] txn-list-append-n3-l0-default-c2n rep 1: \d+ committed txns\/s, abort rate [\d.]+%, valid/);
    const headings = result.stdout.split('\n').filter((line) => line.startsWith('## '));
    expect(headings).toEqual(['## lin-kv', '## txn-list-append', '## Txns against lin-kv']);
    const row = result.stdout.split('\n').find((line) => line.startsWith('| 3 | 0 | node default | closed 2n | 6 | 50% |'));
    const cells = (row ?? '').split('|').map((cell) => cell.trim());
    // | nodes | latency | mode | load | clients | lin-kv reads | ops/s | txn workload | txns/s | ratio | per rep | reps paired |
    expect(cells[8], result.stdout).toBe('txn-list-append');
    expect(Number(cells[10])).toBeGreaterThan(0);
    expect(cells[12]).toBe('1');
    const json = JSON.parse(readFileSync(join(out, 'bench.json'), 'utf8')) as {
      options: { workloads: string[] };
      comparison: { pairs: number; pairedRatio: { median: number } }[];
    };
    expect(json.options.workloads).toEqual(['lin-kv', 'txn-list-append']);
    expect(json.comparison).toHaveLength(1);
    expect(json.comparison[0]?.pairs).toBe(1);
    expect(json.comparison[0]?.pairedRatio.median).toBeGreaterThan(0);
  });
});
