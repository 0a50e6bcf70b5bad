import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheckCommand } from '../../src/check/cli.js';
import { checkHistory } from '../../src/check/linearizability.js';
import { formatHistory } from '../../src/check/history.js';
import { history } from './helpers.js';

const VALID = formatHistory(
  history(`1 invoke write 1 key=1
           1 ok write 1 key=1
           2 invoke read key=1
           2 ok read 1 key=1`),
);
const INVALID = formatHistory(
  history(`1 invoke write 1 key=1
           1 ok write 1 key=1
           1 invoke write 2 key=1
           1 ok write 2 key=1
           2 invoke read key=1
           2 ok read 1 key=1`),
);
// Each read alone could be explained, the three together cannot: only the search finds out.
const NEEDS_SEARCH = formatHistory(
  history(`1 invoke write 1
           2 invoke write 2
           1 ok write 1
           2 ok write 2
           3 invoke read
           3 ok read 1
           4 invoke read
           4 ok read 2
           3 invoke read
           3 ok read 1`),
);
const JEPSEN = [
  'INFO  jepsen.util - 0\t:invoke\t:write\t1',
  'INFO  jepsen.util - 0\t:ok\t:write\t1',
  'INFO  jepsen.util - 1\t:invoke\t:read\tnil',
  'INFO  jepsen.util - 1\t:ok\t:read\tnil',
  '',
].join('\n');

let directory = '';

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'raftkv-check-'));
  await writeFile(join(directory, 'valid.jsonl'), VALID);
  await writeFile(join(directory, 'invalid.jsonl'), INVALID);
  await writeFile(join(directory, 'needs-search.jsonl'), NEEDS_SEARCH);
  await writeFile(join(directory, 'jepsen.log'), JEPSEN);
  await writeFile(join(directory, 'garbage.txt'), 'hello\n');
  await writeFile(join(directory, 'broken.jsonl'), `${VALID}{"process":1,"type":"ok"\n`);
  await writeFile(join(directory, 'empty.jsonl'), '');
  await writeFile(join(directory, 'blank.jsonl'), '\n  \n');
  await writeFile(join(directory, 'nemesis-only.jsonl'), '{"process":"nemesis","type":"info","f":"start","value":null}\n');
  await writeFile(join(directory, 'README.txt'), '# A project\n\nSome prose, and no history at all.\n');
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function run(...argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await runCheckCommand(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
  });
  return { status, stdout, stderr };
}

describe('raftkv-test check', () => {
  it('exits 0 for a linearizable history and says so', async () => {
    const { status, stdout, stderr } = await run(join(directory, 'valid.jsonl'));
    expect(status).toBe(0);
    expect(stdout).toContain('verdict: valid');
    expect(stdout).toMatch(/checked in \d+(\.\d)? ms/);
    expect(stderr).toBe('');
  });

  it('exits 1 for a history that is not, with an explanation', async () => {
    const { status, stdout } = await run(join(directory, 'invalid.jsonl'));
    expect(status).toBe(1);
    expect(stdout).toContain('verdict: invalid; 1 key not linearizable');
    expect(stdout).toContain('cannot linearize: p2 r 1 ok');
    expect(stdout).toContain('longest linearizable prefix: 2 ops');
  });

  it('prints only JSON with --json', async () => {
    const { status, stdout } = await run(join(directory, 'invalid.jsonl'), '--json');
    expect(status).toBe(1);
    const parsed = JSON.parse(stdout) as {
      verdict: string;
      format: string;
      keys: { key: unknown; verdict: string; failure: { operation: { process: number }; prefix: unknown[] } }[];
    };
    expect(parsed.verdict).toBe('invalid');
    expect(parsed.format).toBe('jsonl');
    expect(parsed.keys[0]?.key).toBe(1);
    expect(parsed.keys[0]?.failure.operation.process).toBe(2);
    expect(parsed.keys[0]?.failure.prefix).toHaveLength(2);
    const valid = await run(join(directory, 'valid.jsonl'), '--json');
    expect(valid.status).toBe(0);
    expect((JSON.parse(valid.stdout) as { verdict: string }).verdict).toBe('valid');
  });

  it('reads Jepsen logs, detected or named with --format', async () => {
    const detected = await run(join(directory, 'jepsen.log'));
    expect(detected.status).toBe(1);
    expect(detected.stdout).toContain('(jepsen)');
    const named = await run('--format', 'jepsen', join(directory, 'jepsen.log'));
    expect(named.status).toBe(1);
    const wrong = await run('--format', 'jsonl', join(directory, 'jepsen.log'));
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain('jepsen.log:1 (read as --format jsonl): not JSON');
  });

  it.each([
    [['empty.jsonl'], 'empty.jsonl is empty: there is no history to check'],
    [['blank.jsonl'], 'blank.jsonl is empty'],
    [['empty.jsonl', '--format', 'jepsen'], 'is empty'],
    [['nemesis-only.jsonl'], 'the history holds no client operation: there is nothing to check (only 1 non-client events)'],
    [['README.txt', '--format', 'jepsen'], 'README.txt (read as --format jepsen): no Jepsen history line in it'],
    [['valid.jsonl', '--format', 'jepsen'], 'valid.jsonl (read as --format jepsen): no Jepsen history line in it'],
    [['README.txt', '--format', 'jsonl'], 'README.txt:1 (read as --format jsonl): not JSON'],
  ])('never calls a history valid that it could not read: %j exits 2', async (argv, message) => {
    const { status, stdout, stderr } = await run(...argv.map((arg) => (/\.(jsonl|txt)$/.test(arg) ? join(directory, arg) : arg)));
    expect(stdout).not.toContain('verdict: valid');
    expect(stderr).toContain(message);
    expect(status).toBe(2);
  });

  it('writes a timeline of invalid keys with --svg', async () => {
    const svgPath = join(directory, 'out.svg');
    const { status, stdout } = await run(join(directory, 'invalid.jsonl'), '--svg', svgPath);
    expect(status).toBe(1);
    expect(stdout).toContain(`timeline: ${svgPath}`);
    const svg = await readFile(svgPath, 'utf8');
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
    expect(svg).toContain('r 1');
  });

  it('exits 2 when the budget runs out: unknown, not a guess', async () => {
    const { status, stdout } = await run(join(directory, 'needs-search.jsonl'), '--budget', '1');
    expect(status).toBe(2);
    expect(stdout).toContain('verdict: unknown');
    expect((await run(join(directory, 'needs-search.jsonl'))).status).toBe(1);
  });

  it.each([
    [['missing.jsonl'], 'cannot read'],
    [['garbage.txt'], 'cannot tell the format'],
    [['broken.jsonl'], 'broken.jsonl:5: not JSON'],
    [['valid.jsonl', '--budget', 'many'], '--budget must be a positive integer'],
    [['valid.jsonl', '--format', 'yaml'], '--format must be one of jsonl, edn, jepsen'],
    [['valid.jsonl', '--frobnicate'], 'unknown option --frobnicate'],
    [['valid.jsonl', 'other.jsonl'], 'one history file only'],
    [[], 'missing history FILE'],
  ])('exits 2 with a message on stderr for %j', async (argv, message) => {
    const resolved = argv.map((arg) => (arg.endsWith('.jsonl') || arg.endsWith('.txt') ? join(directory, arg) : arg));
    const { status, stdout, stderr } = await run(...resolved);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
  });

  it('prints usage with --help', async () => {
    const { status, stdout } = await run('--help');
    expect(status).toBe(0);
    expect(stdout).toContain('usage: raftkv-test check FILE');
  });

  it('exports checkHistory for the harness', () => {
    const result = checkHistory(history('1 invoke write 1\n1 ok write 1'));
    expect(result.ok && result.value.verdict).toBe('valid');
  });
});
