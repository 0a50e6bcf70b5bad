// Every Jepsen etcd register log under shared/fixtures must get the verdict its VERDICTS file
// lists. The fixtures live beside the repository (shared/ is a sibling of the repo root), which
// a plain clone does not have: then these tests are skipped with a notice, and the checker is
// still tested against the project's own recorded histories (test/check/recorded_fixtures.test.ts).

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseHistory } from '../../src/check/history.js';
import { checkHistory } from '../../src/check/linearizability.js';
import type { Verdict } from '../../src/check/linearizability.js';

const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/jepsen-etcd/', import.meta.url));
const PRESENT = existsSync(`${FIXTURES}VERDICTS`);
if (!PRESENT) console.warn(`NOTICE: skipping the Jepsen etcd fixtures: ${FIXTURES}VERDICTS not found (a clone without shared/ beside it)`);

/** VERDICTS lines: `etcd_000.log not-linearizable` or `etcd_002.log linearizable`. */
function expectedVerdicts(): Map<string, Verdict> {
  const verdicts = new Map<string, Verdict>();
  for (const line of readFileSync(`${FIXTURES}VERDICTS`, 'utf8').split('\n')) {
    const [file, word] = line.trim().split(/\s+/);
    if (file === undefined || file === '' || word === undefined) continue;
    if (word !== 'linearizable' && word !== 'not-linearizable') throw new Error(`VERDICTS: unexpected verdict ${word}`);
    verdicts.set(file, word === 'linearizable' ? 'valid' : 'invalid');
  }
  return verdicts;
}

describe.skipIf(!PRESENT)('Jepsen etcd fixtures', () => {
  const verdicts = PRESENT ? expectedVerdicts() : new Map<string, Verdict>();

  it('lists every log file, 40 of them', () => {
    const logs = readdirSync(FIXTURES)
      .filter((name) => name.endsWith('.log'))
      .sort();
    expect([...verdicts.keys()].sort()).toEqual(logs);
    expect(logs).toHaveLength(40);
  });

  it('every fixture gets its listed verdict', () => {
    const started = performance.now();
    const disagreements: string[] = [];
    for (const [file, expected] of verdicts) {
      const parsed = parseHistory(readFileSync(`${FIXTURES}${file}`, 'utf8'));
      if (!parsed.ok) {
        disagreements.push(`${file}: parse error at line ${parsed.error.line}: ${parsed.error.message}`);
        continue;
      }
      const checked = checkHistory(parsed.value);
      if (!checked.ok) disagreements.push(`${file}: ${checked.error}`);
      else if (checked.value.verdict !== expected) disagreements.push(`${file}: ${checked.value.verdict}, expected ${expected}`);
    }
    // Time is reported, not asserted: the verdicts above came within the default search budget.
    const elapsedMs = performance.now() - started;
    console.log(`checked ${verdicts.size} Jepsen etcd fixtures in ${elapsedMs.toFixed(0)} ms`);
    expect(disagreements).toEqual([]);
  });

  it('invalid fixtures come with a failure report', () => {
    const parsed = parseHistory(readFileSync(`${FIXTURES}etcd_000.log`, 'utf8'));
    if (!parsed.ok) throw new Error('etcd_000.log does not parse');
    const checked = checkHistory(parsed.value);
    if (!checked.ok) throw new Error(checked.error);
    const failure = checked.value.keys[0]?.failure;
    // Knossos names the same op: "Followed by inconsistent operation: 11 :invoke :read 2".
    expect(failure?.operation.process).toBe(11);
    expect(failure?.operation.f).toBe('read');
    expect(failure?.operation.completionValue).toBe(2);
  });
});
