// Seeded random round trips through our own writer and reader: every value the generator makes,
// written on one line or pretty-printed, reads back equal and of the same kinds. A failure names
// its seed; EDN_SEED=N replays that one case.

import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/base/rng.js';
import { writeEdn, writeEdnPretty } from '../../src/check/edn.js';
import { readEdn, readEdnForms } from '../../src/check/edn_reader.js';
import { randomEdnValue, replay, seeds } from './edn_helpers.js';

const FILE = 'test/check/edn_random.test.ts';

describe('random EDN values', () => {
  it('read back equal after writeEdn and writeEdnPretty', () => {
    for (const seed of seeds(400, 1)) {
      const rng = new Rng(seed);
      const value = randomEdnValue(rng, 'full');
      const width = rng.int(20, 120);
      for (const text of [writeEdn(value), writeEdnPretty(value, width)]) {
        const back = readEdn(text);
        expect(back.ok ? back.value : back.error, `${replay(seed, FILE)}\n${text}`).toEqual(value);
      }
    }
  });

  it('read back as a stream of top-level forms, one per line, as history.edn holds them', () => {
    for (const seed of seeds(20, 1000)) {
      const rng = new Rng(seed);
      const values = Array.from({ length: rng.int(1, 30) }, () => randomEdnValue(rng, 'full', 3));
      const forms = readEdnForms(values.map((value) => `${writeEdn(value)}\n`).join(''));
      if (!forms.ok) throw new Error(`${replay(seed, FILE)}: ${forms.error.line}:${forms.error.column}: ${forms.error.message}`);
      expect(
        forms.value.map((form) => form.value),
        replay(seed, FILE),
      ).toEqual(values);
      expect(
        forms.value.map((form) => form.line),
        replay(seed, FILE),
      ).toEqual(values.map((_, i) => i + 1));
    }
  });
});
