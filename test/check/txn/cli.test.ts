// `raftkv-test check FILE` on recorded txn histories: told apart from register histories by
// content, workload from the micro-ops, verdict per consistency model, exit status as for lin-kv.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheckCommand } from '../../../src/check/cli.js';
import { formatHistory } from '../../../src/check/history.js';
import { TxnHistory } from './helpers.js';

/** A single copy, one client after another: valid under every model. */
function serialHistory(): TxnHistory {
  return new TxnHistory()
    .ok(0, [['append', 1, 1]])
    .ok(1, [
      ['r', 1, [1]],
      ['append', 2, 1],
    ])
    .ok(0, [
      ['r', 2, [1]],
      ['r', 1, [1]],
    ]);
}

/** Write skew: two concurrent txns, each read the key the other appended to as empty (G2-item). */
function writeSkewHistory(): TxnHistory {
  const history = new TxnHistory();
  const first = history.txn(0, [
    ['r', 1, null],
    ['append', 2, 1],
  ]);
  const second = history.txn(1, [
    ['r', 2, null],
    ['append', 1, 1],
  ]);
  first.ok();
  second.ok();
  return history.ok(2, [
    ['r', 1, [1]],
    ['r', 2, [1]],
  ]);
}

/** A stale read of a register: the write completed before the read began, which saw nil. */
function staleReadHistory(): TxnHistory {
  return new TxnHistory().ok(0, [['w', 1, 1]]).ok(1, [['r', 1, null]]);
}

const REGISTER = ['{"process":1,"type":"invoke","f":"write","key":1,"value":1}', '{"process":1,"type":"ok","f":"write","key":1,"value":1}', ''].join('\n');

let directory = '';
const file = (name: string): string => join(directory, name);

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'raftkv-txn-check-'));
  await writeFile(file('serial.jsonl'), formatHistory(serialHistory().events));
  await writeFile(file('write-skew.jsonl'), formatHistory(writeSkewHistory().events));
  await writeFile(file('stale-read.jsonl'), formatHistory(staleReadHistory().events));
  await writeFile(file('register.jsonl'), REGISTER);
  await writeFile(file('both.jsonl'), formatHistory(new TxnHistory().ok(0, [['append', 1, 1]]).ok(1, [['w', 2, 1]]).events));
  await writeFile(file('reads-only.jsonl'), formatHistory(new TxnHistory().ok(0, [['r', 1, null]]).events));
  await writeFile(file('list-reads.jsonl'), formatHistory(new TxnHistory().ok(0, [['r', 1, [1]]]).events));
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

describe('raftkv-test check on a txn history', () => {
  it('tells a txn history by its content and its workload by the micro-ops, and exits 0 when valid', async () => {
    const { status, stdout, stderr } = await run(file('serial.jsonl'));
    expect(stderr).toBe('');
    expect(stdout).toContain(`history: ${file('serial.jsonl')} (jsonl, txn-list-append; models: strict-serializable)`);
    expect(stdout).toContain('txns: 3 (ok 3, fail 0, info 0)');
    expect(stdout).toContain('verdict: valid');
    expect(stdout).toMatch(/checked in \d+\.\d ms/);
    expect(status).toBe(0);
  });

  it('exits 1 for write skew under strict-serializable, and explains it', async () => {
    const { status, stdout } = await run(file('write-skew.jsonl'));
    expect(stdout).toContain('verdict: invalid');
    expect(stdout).toContain('  strict-serializable invalid: G2-item (1)');
    expect(stdout).toContain('G2-item #1 of 1');
    expect(stdout).toMatch(/T1 = txn \d \(process \d, ok\)/);
    expect(status).toBe(1);
  });

  it("checks the models given with --consistency-models, in Maelstrom's names, each with its verdict", async () => {
    const si = await run(file('write-skew.jsonl'), '--consistency-models', 'snapshot-isolation');
    expect(si.stdout).toContain('  snapshot-isolation valid');
    expect(si.stdout).toContain('also found, allowed by every model checked: G2-item (1)');
    expect(si.status).toBe(0);
    const both = await run(file('write-skew.jsonl'), '--consistency-models', 'serializable, snapshot-isolation');
    expect(both.stdout).toContain('models: serializable, snapshot-isolation');
    expect(both.stdout).toContain('  serializable invalid: G2-item (1)');
    expect(both.stdout).toContain('  snapshot-isolation valid');
    expect(both.status).toBe(1);
  });

  it('reads rw-register histories: a stale read breaks strict-serializable only', async () => {
    const strict = await run(file('stale-read.jsonl'));
    expect(strict.stdout).toContain('txn-rw-register');
    expect(strict.stdout).toMatch(/strict-serializable invalid: G-single-realtime/);
    expect(strict.status).toBe(1);
    const serializable = await run(file('stale-read.jsonl'), '--consistency-models', 'serializable');
    expect(serializable.stdout).toContain('  serializable valid');
    expect(serializable.status).toBe(0);
  });

  it("prints only JSON with --json, shaped like Elle's result", async () => {
    const { status, stdout } = await run(file('write-skew.jsonl'), '--json', '--consistency-models', 'serializable');
    expect(status).toBe(1);
    const parsed = JSON.parse(stdout) as { [field: string]: unknown };
    expect(parsed['file']).toBe(file('write-skew.jsonl'));
    expect(parsed['workload']).toBe('txn-list-append');
    expect(parsed['valid?']).toBe(false);
    expect(parsed['anomaly-types']).toEqual(['G2-item']);
    expect(parsed['not']).toEqual(['repeatable-read']);
    expect(parsed['also-not']).toEqual(['strict-serializable', 'serializable']);
    const skew = (parsed['anomalies'] as { [name: string]: { cycle: unknown[]; steps: { type: string }[] }[] })['G2-item']?.[0];
    expect(skew?.cycle).toHaveLength(3);
    expect(skew?.steps.map((step) => step.type)).toEqual(['rw', 'rw']);
    const valid = await run(file('serial.jsonl'), '--json');
    expect(valid.status).toBe(0);
    expect((JSON.parse(valid.stdout) as { 'valid?': unknown })['valid?']).toBe(true);
  });

  it('draws the worst anomaly with --svg, and says when there is none to draw', async () => {
    const svgPath = file('skew.svg');
    const { status, stdout } = await run(file('write-skew.jsonl'), '--svg', svgPath);
    expect(status).toBe(1);
    expect(stdout).toContain(`anomaly picture: ${svgPath} (G2-item)`);
    const svg = await readFile(svgPath, 'utf8');
    expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('>G2-item: 2 txns<');
    expect(svg).toContain('url(#arrow-rw)');
    const none = await run(file('serial.jsonl'), '--svg', file('none.svg'));
    expect(none.stdout).toContain('anomaly picture: no anomaly, nothing drawn');
    expect(none.status).toBe(0);
  });

  it('takes the workload from -w when the micro-ops cannot tell it', async () => {
    const untold = await run(file('reads-only.jsonl'));
    expect(untold.stderr).toContain(
      'cannot tell the workload: no write, and no read that returned a list or a value; give -w txn-list-append or -w txn-rw-register',
    );
    expect(untold.stdout).toBe('');
    expect(untold.status).toBe(2);
    const told = await run(file('reads-only.jsonl'), '-w', 'txn-rw-register');
    expect(told.stdout).toContain('txn-rw-register');
    expect(told.stdout).toContain('verdict: valid');
    expect(told.status).toBe(0);
    // A read that returned a list is enough to tell list-append.
    expect((await run(file('list-reads.jsonl'))).stdout).toContain('txn-list-append');
  });

  it.each([
    [['both.jsonl'], 'both "append" and "w" micro-ops: not one workload'],
    [
      ['write-skew.jsonl', '--consistency-models', 'linearizable'],
      '--consistency-models takes names from strict-serializable, serializable, snapshot-isolation, repeatable-read, read-committed, read-uncommitted (not linearizable)',
    ],
    [['write-skew.jsonl', '--consistency-models', ''], '--consistency-models takes names from'],
    [['write-skew.jsonl', '-w', 'txn-set'], '-w must be one of lin-kv, txn-list-append, txn-rw-register'],
    [['register.jsonl', '--consistency-models', 'serializable'], 'is a register history (checked for linearizability)'],
    [['register.jsonl', '-w', 'txn-list-append'], 'client function "write" is not "txn"'],
    [['write-skew.jsonl', '-w', 'lin-kv'], ''],
  ])('exits 2 with a message on stderr for %j', async (argv, message) => {
    const { status, stdout, stderr } = await run(...argv.map((arg) => (arg.endsWith('.jsonl') ? file(arg) : arg)));
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    expect(stderr).not.toBe('');
    expect(status).toBe(2);
  });

  it('leaves register histories to the linearizability checker', async () => {
    const { status, stdout } = await run(file('register.jsonl'));
    expect(stdout).toContain('verdict: valid');
    expect(stdout).toContain('operations: 1 (ok 1, fail 0, info 0)');
    expect(status).toBe(0);
  });

  it('mentions txn histories and the new options in its usage', async () => {
    const { stdout } = await run('--help');
    expect(stdout).toContain('--consistency-models M,...');
    expect(stdout).toContain('-w, --workload W');
  });
});
