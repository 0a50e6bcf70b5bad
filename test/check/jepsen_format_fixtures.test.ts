// Real runs' histories (test/fixtures/jepsen/, and an invalid lin-kv run from
// test/fixtures/histories/) through history.edn: written and read back unchanged, and
// `raftkv-test check` gives the history.edn the same verdict as the history.jsonl of the same run,
// also when a run directory holds only history.edn.

import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheckCommand } from '../../src/check/cli.js';
import type { HistoryEvent } from '../../src/check/history.js';
import { parseJsonLines } from '../../src/check/history.js';
import { formatJepsenHistory, parseJepsenHistory } from '../../src/check/jepsen_format.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

interface Fixture {
  readonly name: string;
  readonly jsonl: string;
  /** The history.edn stored beside it (written once by formatJepsenHistory from the jsonl). */
  readonly edn: string | undefined;
  readonly exitStatus: 0 | 1;
}

const RUNS: readonly Fixture[] = [
  { name: 'lin-kv', jsonl: 'jepsen/lin-kv.jsonl', edn: 'jepsen/lin-kv.edn', exitStatus: 0 },
  { name: 'txn-list-append', jsonl: 'jepsen/txn-list-append.jsonl', edn: 'jepsen/txn-list-append.edn', exitStatus: 0 },
  { name: 'txn-rw-register', jsonl: 'jepsen/txn-rw-register.jsonl', edn: 'jepsen/txn-rw-register.edn', exitStatus: 0 },
  { name: 'txn-list-append, invalid (G2-item)', jsonl: 'jepsen/txn-list-append-invalid.jsonl', edn: 'jepsen/txn-list-append-invalid.edn', exitStatus: 1 },
  { name: 'lin-kv, invalid (local reads)', jsonl: 'histories/local-reads.jsonl', edn: undefined, exitStatus: 1 },
];

async function events(path: string): Promise<HistoryEvent[]> {
  const parsed = parseJsonLines(await readFile(join(FIXTURES, path), 'utf8'));
  if (!parsed.ok) throw new Error(`${path}:${parsed.error.line}: ${parsed.error.message}`);
  return parsed.value;
}

async function check(...argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await runCheckCommand(argv, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { status, stdout, stderr };
}

/** The --json result without what differs between two files of one history: its name, format and timing. */
async function verdictOf(path: string): Promise<{ status: number; result: unknown }> {
  const { status, stdout, stderr } = await check(path, '--json');
  if (stdout === '') throw new Error(`no result for ${path}: ${stderr}`);
  const { file: _file, format: _format, elapsedMs: _elapsed, ...result } = JSON.parse(stdout) as { [key: string]: unknown };
  return { status, result };
}

let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'raftkv-jepsen-format-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe.each(RUNS)('the recorded run $name', (fixture) => {
  it('goes through history.edn and back unchanged', async () => {
    const original = await events(fixture.jsonl);
    const back = parseJepsenHistory(formatJepsenHistory(original));
    expect(back.ok ? back.value : back.error).toEqual(original);
    if (fixture.edn !== undefined) {
      const stored = parseJepsenHistory(await readFile(join(FIXTURES, fixture.edn), 'utf8'));
      expect(stored.ok ? stored.value : stored.error).toEqual(original);
    }
  });

  it('gets the same verdict from its history.edn as from its history.jsonl', async () => {
    const ednPath = join(scratch, `${fixture.name.replace(/\W+/g, '-')}.edn`);
    await writeFile(ednPath, formatJepsenHistory(await events(fixture.jsonl)));
    const fromJsonl = await verdictOf(join(FIXTURES, fixture.jsonl));
    expect(fromJsonl.status).toBe(fixture.exitStatus);
    expect(await verdictOf(ednPath)).toEqual(fromJsonl);
    if (fixture.edn !== undefined) expect(await verdictOf(join(FIXTURES, fixture.edn))).toEqual(fromJsonl);
  });
});

describe('raftkv-test check on a run directory', () => {
  it('reads history.edn when the directory has no history.jsonl', async () => {
    const run = join(scratch, 'run-edn-only');
    await mkdir(run);
    await copyFile(join(FIXTURES, 'jepsen/txn-list-append-invalid.edn'), join(run, 'history.edn'));
    const { status, stdout } = await check(run);
    expect(status).toBe(1);
    expect(stdout).toContain(`history: ${join(run, 'history.edn')} (edn, txn-list-append;`);
    expect(stdout).toContain('verdict: invalid');
  });

  it('prefers history.jsonl when both are there', async () => {
    const run = join(scratch, 'run-both');
    await mkdir(run);
    await copyFile(join(FIXTURES, 'jepsen/lin-kv.jsonl'), join(run, 'history.jsonl'));
    await copyFile(join(FIXTURES, 'jepsen/lin-kv.edn'), join(run, 'history.edn'));
    const { status, stdout } = await check(run);
    expect(status).toBe(0);
    expect(stdout).toContain(`history: ${join(run, 'history.jsonl')} (jsonl)`);
  });

  it('says so when the directory holds neither', async () => {
    const run = join(scratch, 'run-empty');
    await mkdir(run);
    const { status, stderr } = await check(run);
    expect(status).toBe(2);
    expect(stderr).toContain(`${run} is a directory with neither history.jsonl nor history.edn in it`);
  });
});

describe('raftkv-test check on EDN files', () => {
  it('tells EDN by content when the name does not say, and takes --format edn', async () => {
    const path = join(scratch, 'history.txt');
    await copyFile(join(FIXTURES, 'jepsen/lin-kv.edn'), path);
    expect((await check(path)).stdout).toContain(`history: ${path} (edn)`);
    expect((await check(path, '--format', 'edn')).status).toBe(0);
  });

  it('names the file, line and column of a fault', async () => {
    const path = join(scratch, 'broken.edn');
    await writeFile(
      path,
      '{:index 0, :time 1, :type :invoke, :process 0, :f :read, :value [0 nil]}\n{:index 1, :time 2, :type :ok, :process 0 :f :read :value [0 1}\n',
    );
    const { status, stdout, stderr } = await check(path);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`raftkv-test check: ${path}:2:63: '}' closes the vector opened at line 2, column 59 (expected ']')\n`);
    const asJsonl = await check(path, '--format', 'jsonl');
    expect(asJsonl.stderr).toContain(`${path}:1 (read as --format jsonl): not JSON`);
  });
});
