import { describe, expect, it } from 'vitest';
import { validateNodeLine } from '../../src/harness/envelope.js';

const known = (id: string): boolean => ['n0', 'n1', 'c1', 'lin-kv'].includes(id);

describe('node stdout validation', () => {
  it('accepts src, dest, body and an optional integer id', () => {
    expect(validateNodeLine('{"src":"n0","dest":"c1","body":{"type":"x"}}', known)).toMatchObject({ ok: true, src: 'n0', dest: 'c1', hasId: false });
    expect(validateNodeLine('{"id":3,"src":"n0","dest":"n1","body":{}}', known)).toMatchObject({ ok: true, hasId: true });
    // Another existing id as src is allowed, as in Maelstrom (the caller counts it).
    expect(validateNodeLine('{"src":"c1","dest":"n1","body":{}}', known)).toMatchObject({ ok: true, src: 'c1' });
  });

  it('rejects everything else with the reason', () => {
    const cases: [string, RegExp][] = [
      ['hello world', /not valid JSON/],
      ['[1,2]', /not a JSON object/],
      ['{"src":"n0","dest":"c1","body":{},"leader":"n0"}', /disallowed top-level key "leader"/],
      ['{"id":"x","src":"n0","dest":"c1","body":{}}', /"id" must be an integer/],
      ['{"src":1,"dest":"c1","body":{}}', /"src" must be a string/],
      ['{"src":"n0","body":{}}', /"dest" must be a string/],
      ['{"src":"n0","dest":"c1","body":"text"}', /"body" must be a JSON object/],
      ['{"src":"n7","dest":"c1","body":{}}', /invalid src "n7"/],
      ['{"src":"n0","dest":"c9","body":{}}', /invalid dest "c9"/],
    ];
    for (const [line, reason] of cases) {
      const checked = validateNodeLine(line, known);
      expect(checked.ok, line).toBe(false);
      if (!checked.ok) expect(checked.reason).toMatch(reason);
    }
  });
});
