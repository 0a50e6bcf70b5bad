// bin/raftkv-test as users run it: help, argument errors (status 254), a short test run
// (status 0, seed printed), and `check` on the history that run wrote.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, requireBuilt } from '../support/node_process.js';
import { LOCAL_KV } from './helpers.js';

const BIN = join(REPO_ROOT, 'bin', 'raftkv-test');
const dir = mkdtempSync(join(tmpdir(), 'raftkv-cli-test-'));

beforeAll(() => {
  requireBuilt('dist/raftkv-test.mjs');
  requireBuilt('dist/local-kv.mjs');
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
    const test = run(['test', '-w', 'lin-kv', '--bin', LOCAL_KV, '--node-count', '1', '--concurrency', '2n', '--time-limit', '1', '--rate', '100', '--seed', '77']);
    expect(test.status, test.stdout + test.stderr).toBe(0);
    expect(test.stderr).toContain('seed 77');
    expect(test.stdout).toContain('VERDICT: valid');
    const check = run(['check', join(dir, 'store', 'latest', 'history.jsonl')]);
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toContain('verdict: valid');
  });
});
