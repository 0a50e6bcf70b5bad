// The checker on histories recorded by the harness (test/fixtures/histories/): runs of raftkv and
// of the deliberately broken test nodes, each with the verdict VERDICTS lists. These need nothing
// outside the repository, unlike the Jepsen etcd fixtures.

import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCheckCommand } from '../../src/check/cli.js';
import { formatHistory, parseHistory, type HistoryEvent } from '../../src/check/history.js';
import { checkHistory } from '../../src/check/linearizability.js';

const DIR = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));

interface Expected {
  readonly file: string;
  readonly verdict: 'valid' | 'invalid';
  readonly invalidKeys: readonly number[];
}

function expectations(): Expected[] {
  const out: Expected[] = [];
  for (const line of readFileSync(`${DIR}VERDICTS`, 'utf8').split('\n')) {
    const words = line.trim().split(/\s+/);
    const [file, verdict, ...keys] = words;
    if (file === undefined || file === '' || file.startsWith('#')) continue;
    if (verdict !== 'valid' && verdict !== 'invalid') throw new Error(`VERDICTS: bad verdict in ${JSON.stringify(line)}`);
    out.push({ file, verdict, invalidKeys: keys.map(Number) });
  }
  return out;
}

function events(file: string): HistoryEvent[] {
  const parsed = parseHistory(readFileSync(`${DIR}${file}`, 'utf8'));
  if (!parsed.ok) throw new Error(`${file}:${parsed.error.line}: ${parsed.error.message}`);
  return parsed.value;
}

async function checkFile(path: string): Promise<{ status: number; result: { verdict: string; keys: { key: unknown; verdict: string }[] } }> {
  let stdout = '';
  const status = await runCheckCommand([path, '--json'], { stdout: (text) => (stdout += text), stderr: () => {} });
  return { status, result: JSON.parse(stdout) as { verdict: string; keys: { key: unknown; verdict: string }[] } };
}

const EXPECTED = expectations();

describe('recorded histories', () => {
  it('VERDICTS lists every history, valid and invalid ones both', () => {
    const files = readdirSync(DIR)
      .filter((name) => name.endsWith('.jsonl'))
      .sort();
    expect(EXPECTED.map((e) => e.file).sort()).toEqual(files);
    expect(EXPECTED.filter((e) => e.verdict === 'valid').length).toBeGreaterThanOrEqual(3);
    expect(EXPECTED.filter((e) => e.verdict === 'invalid').length).toBeGreaterThanOrEqual(3);
  });

  for (const expected of EXPECTED) {
    it(`${expected.file} is ${expected.verdict}${expected.invalidKeys.length > 0 ? ` (key ${expected.invalidKeys.join(', ')})` : ''}`, async () => {
      const { status, result } = await checkFile(`${DIR}${expected.file}`);
      expect(result.verdict).toBe(expected.verdict);
      expect(status).toBe(expected.verdict === 'valid' ? 0 : 1);
      expect(result.keys.filter((key) => key.verdict === 'invalid').map((key) => key.key)).toEqual(expected.invalidKeys);
    });
  }

  // Each valid history, with one successful read changed to a value no client ever wrote, is
  // invalid at that read's key: the valid verdicts above are not the checker passing everything.
  for (const { file } of EXPECTED.filter((e) => e.verdict === 'valid')) {
    it(`${file} with one read of a value never written is invalid`, () => {
      const original = events(file);
      const at = original.findIndex((event) => event.type === 'ok' && event.f === 'read' && event.value !== null);
      expect(at, 'a successful read of a value').toBeGreaterThan(-1);
      const target = original[at] as HistoryEvent;
      const mutated = original.map((event, i) => (i === at ? { ...event, value: 99 } : event));
      const reparsed = parseHistory(formatHistory(mutated));
      if (!reparsed.ok) throw new Error(reparsed.error.message);
      const checked = checkHistory(reparsed.value);
      if (!checked.ok) throw new Error(checked.error);
      expect(checked.value.verdict).toBe('invalid');
      expect(checked.value.keys.filter((key) => key.verdict === 'invalid').map((key) => key.key)).toEqual([target.key]);
    });
  }
});
