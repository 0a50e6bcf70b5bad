// CI's closing line (scripts/ci_tally.mjs) must count what vitest's own counts leave out: a test
// file that failed to load runs no test, so numFailedTests stays 0 while the run is red.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/node_process.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(`${tmpdir()}/raftkv-ci-tally-`);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function tally(report: unknown): { status: number | null; stdout: string } {
  const path = `${dir}/results.json`;
  if (report !== undefined) writeFileSync(path, typeof report === 'string' ? report : JSON.stringify(report));
  const run = spawnSync(process.execPath, [`${REPO_ROOT}scripts/ci_tally.mjs`, path], { encoding: 'utf8', timeout: 10_000 });
  return { status: run.status, stdout: run.stdout };
}

/** The shape of vitest's JSON report, as vitest 4 writes it (trimmed to what the tally reads). */
function report(files: Array<{ name: string; status: 'passed' | 'failed'; message?: string; tests: Array<'passed' | 'failed' | 'skipped'> }>): unknown {
  const tests = files.flatMap((file) => file.tests);
  return {
    numPassedTests: tests.filter((status) => status === 'passed').length,
    numFailedTests: tests.filter((status) => status === 'failed').length,
    numPendingTests: tests.filter((status) => status === 'skipped').length,
    numTodoTests: 0,
    success: files.every((file) => file.status === 'passed'),
    testResults: files.map((file) => ({
      name: file.name,
      status: file.status,
      message: file.message ?? '',
      assertionResults: file.tests.map((status, i) => ({ title: `t${i}`, status: status === 'skipped' ? 'pending' : status })),
    })),
  };
}

describe('scripts/ci_tally.mjs', () => {
  it('passes a green run', () => {
    const run = tally(report([{ name: 'a.test.ts', status: 'passed', tests: ['passed', 'passed'] }]));
    expect(run.stdout.trim()).toBe('vitest: 2 passed, 0 failed');
    expect(run.status).toBe(0);
  });

  it('counts a test file that failed to load as a failure', () => {
    const run = tally(
      report([
        { name: '/repo/test/broken.test.ts', status: 'failed', message: 'Error: cannot load\n    at stack', tests: [] },
        { name: '/repo/test/fine.test.ts', status: 'passed', tests: ['passed'] },
      ]),
    );
    expect(run.stdout).toContain('vitest: 1 passed, 1 failed (1 test file failed to load)');
    expect(run.stdout).toContain('did not load: /repo/test/broken.test.ts: Error: cannot load');
    expect(run.status).toBe(1);
  });

  it('counts failed tests once, and reports skipped ones', () => {
    const run = tally(report([{ name: 'a.test.ts', status: 'failed', tests: ['passed', 'failed', 'skipped'] }]));
    expect(run.stdout.trim()).toBe('vitest: 1 passed, 1 failed (1 skipped)');
    expect(run.status).toBe(1);
  });

  it('fails when vitest says the run failed although no count shows it', () => {
    const run = tally({ numPassedTests: 3, numFailedTests: 0, success: false, testResults: [] });
    expect(run.stdout.trim()).toBe('vitest: 3 passed, 1 failed (vitest reported a failure outside any test)');
    expect(run.status).toBe(1);
  });

  it('fails when there is no report, or it is not JSON', () => {
    expect(tally(undefined)).toMatchObject({ status: 1, stdout: expect.stringContaining('vitest: 0 passed, 1 failed (no readable report') });
    expect(tally('{ not json')).toMatchObject({ status: 1, stdout: expect.stringContaining('1 failed') });
  });
});
