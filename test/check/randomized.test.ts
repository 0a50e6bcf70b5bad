// Randomized checks, every run replayable: each case prints its seed on failure, and
// CHECK_SEED=N limits a run to that one seed (e.g. CHECK_SEED=17 npx vitest run test/check).

import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/base/json.js';
import { Rng } from '../../src/base/rng.js';
import { generateHistory } from '../../src/check/generate.js';
import type { GeneratorOptions } from '../../src/check/generate.js';
import type { HistoryEvent } from '../../src/check/history.js';
import type { SearchOp } from '../../src/check/register_search.js';
import { SearchKind, findImpossibleOp, searchKey, searchRegister } from '../../src/check/register_search.js';
import { pairOperations } from '../../src/check/operations.js';
import type { Operation } from '../../src/check/operations.js';
import { check } from './helpers.js';
import { referenceLinearizable } from './reference_checker.js';

const ONLY_SEED = process.env['CHECK_SEED'] === undefined ? undefined : Number(process.env['CHECK_SEED']);

function seeds(count: number, base: number): number[] {
  if (ONLY_SEED !== undefined) return [ONLY_SEED];
  return Array.from({ length: count }, (_, i) => base + i);
}

function replay(seed: number): string {
  return `seed ${seed} (replay: CHECK_SEED=${seed} npx vitest run test/check/randomized.test.ts)`;
}

/** Generator settings drawn from the seed, so one seed decides the whole case. */
function optionsFor(seed: number, overrides: Partial<GeneratorOptions> = {}): Partial<GeneratorOptions> {
  const rng = new Rng(seed ^ 0x51ed270b);
  return {
    seed,
    operationCount: rng.int(20, 400),
    keyCount: rng.int(1, 4),
    clientsPerKey: rng.int(2, 12),
    indefiniteRate: rng.pick([0, 0.02, 0.1]),
    unavailableRate: rng.pick([0, 0.05]),
    valueCount: rng.int(2, 6),
    ...overrides,
  };
}

function operationsOf(events: readonly HistoryEvent[]): Operation[] {
  const paired = pairOperations(events);
  if (!paired.ok) throw new Error(paired.error);
  return paired.value;
}

function withValue(events: readonly HistoryEvent[], position: number, value: JsonValue): HistoryEvent[] {
  return events.map((event, i) => (i === position ? { ...event, value } : event));
}

describe('generated histories from an atomic register', () => {
  it('are linearizable', () => {
    for (const seed of seeds(150, 1000)) {
      const result = check(generateHistory(optionsFor(seed)));
      expect(result.verdict, replay(seed)).toBe('valid');
    }
  });

  it('become invalid when one read returns a value never written', () => {
    for (const seed of seeds(150, 2000)) {
      const events = generateHistory(optionsFor(seed));
      const rng = new Rng(seed);
      const reads = events.flatMap((event, i) => (event.type === 'ok' && event.f === 'read' ? [i] : []));
      if (reads.length === 0) continue;
      const mutated = withValue(events, rng.pick(reads), 1_000_000);
      expect(check(mutated).verdict, replay(seed)).toBe('invalid');
    }
  });

  it('become invalid when one read returns a stale value', () => {
    let mutatedCount = 0;
    for (const seed of seeds(150, 3000)) {
      // Fresh values per write and no cas: a value overwritten before a read began is stale.
      const events = generateHistory(optionsFor(seed, { uniqueWrites: true, casShare: 0, keyCount: 1 }));
      const ops = operationsOf(events);
      const writes = ops.filter((op) => op.f === 'write' && op.outcome === 'ok');
      const rng = new Rng(seed);
      const reads = rng.shuffle(ops.filter((op) => op.f === 'read' && op.outcome === 'ok'));
      let mutated: HistoryEvent[] | undefined;
      for (const read of reads) {
        const newer = writes.find(
          (w2) => (w2.completeIndex as number) < read.invokeIndex && writes.some((w1) => (w1.completeIndex as number) < w2.invokeIndex),
        );
        if (newer === undefined) continue;
        const older = writes.find((w1) => (w1.completeIndex as number) < newer.invokeIndex) as Operation;
        mutated = withValue(events, read.completeIndex as number, older.invokeValue);
        break;
      }
      if (mutated === undefined) continue;
      mutatedCount++;
      expect(check(mutated).verdict, replay(seed)).toBe('invalid');
    }
    if (ONLY_SEED === undefined) expect(mutatedCount).toBeGreaterThan(100);
  });
});

describe('the search agrees with a naive reference checker', () => {
  /** Tiny random op sets, deliberately not linearizable by construction: any mix of results. */
  function randomOps(rng: Rng): SearchOp[] {
    const count = rng.int(1, 10);
    const maxValue = rng.int(1, 3);
    const positions = rng.shuffle(Array.from({ length: 2 * count }, (_, i) => i));
    const ops: SearchOp[] = [];
    for (let i = 0; i < count; i++) {
      const [p, q] = [positions[2 * i] as number, positions[2 * i + 1] as number];
      const k = SearchKind;
      const kind = rng.pick([
        k.read,
        k.read,
        k.write,
        k.write,
        k.cas,
        k.cas,
        k.casMismatchPresent,
        k.casMismatch,
        k.maybeWrite,
        k.maybeWrite,
        k.maybeCas,
        k.maybeCas,
      ]);
      const indefinite = kind === k.maybeWrite || kind === k.maybeCas;
      ops.push({ kind, a: rng.int(0, maxValue), b: rng.int(0, maxValue), call: Math.min(p, q), ret: indefinite ? -1 : Math.max(p, q) });
    }
    return ops;
  }

  it('on thousands of small random histories', () => {
    let invalid = 0;
    for (const seed of seeds(4000, 5000)) {
      const ops = randomOps(new Rng(seed));
      const limits = { maxSteps: 1_000_000, maxCacheWords: 1 << 20, deadline: null, now: null };
      const outcome = searchRegister(ops, limits);
      const expected = referenceLinearizable(ops) ? 'valid' : 'invalid';
      if (expected === 'invalid') invalid++;
      expect(outcome.verdict, `${replay(seed)}: ${JSON.stringify(ops)}`).toBe(expected);
      expect(searchKey(ops, limits).verdict, `${replay(seed)}: ${JSON.stringify(ops)}`).toBe(expected);
      // The impossibility sweep is a shortcut to "invalid": it must never fire on a valid one.
      if (findImpossibleOp(ops) !== -1) expect(expected, `${replay(seed)}: ${JSON.stringify(ops)}`).toBe('invalid');
    }
    // Both answers must be common for the comparison to mean anything.
    if (ONLY_SEED === undefined) expect(invalid).toBeGreaterThan(1000);
    if (ONLY_SEED === undefined) expect(invalid).toBeLessThan(3000);
  });

  it('on small generated histories with one corrupted result', () => {
    for (const seed of seeds(1000, 9000)) {
      const rng = new Rng(seed);
      const events = generateHistory({
        seed,
        operationCount: rng.int(4, 14),
        keyCount: 1,
        clientsPerKey: rng.int(2, 5),
        indefiniteRate: rng.pick([0.1, 0.3]),
        valueCount: rng.int(2, 4),
      });
      const completions = events.flatMap((event, i) => (event.type === 'ok' && event.f === 'read' ? [i] : []));
      const mutated = completions.length === 0 ? events : withValue(events, rng.pick(completions), rng.int(0, 3));
      const result = check(mutated);
      const ops = toSearchOps(operationsOf(mutated));
      expect(result.verdict, replay(seed)).toBe(referenceLinearizable(ops) ? 'valid' : 'invalid');
    }
  });
});

/** The same interpretation the checker uses, rebuilt independently for the reference. */
function toSearchOps(ops: readonly Operation[]): SearchOp[] {
  const k = SearchKind;
  const id = (value: JsonValue): number => (value === null ? 0 : (value as number) + 1);
  const out: SearchOp[] = [];
  for (const op of ops) {
    const ret = op.outcome === 'info' || op.completeIndex === null ? -1 : op.completeIndex;
    const code = op.error?.code;
    const push = (kind: number, a: number, b: number): void => {
      out.push({ kind, a, b, call: op.invokeIndex, ret: kind === k.maybeWrite || kind === k.maybeCas ? -1 : ret });
    };
    if (op.f === 'read') {
      if (op.outcome === 'ok') push(k.read, id(op.completionValue), 0);
      else if (op.outcome === 'fail' && code === 20) push(k.read, 0, 0);
    } else if (op.f === 'write') {
      if (op.outcome === 'ok') push(k.write, id(op.invokeValue), 0);
      else if (op.outcome === 'info') push(k.maybeWrite, id(op.invokeValue), 0);
    } else {
      const [from, to] = op.invokeValue as [number, number];
      if (op.outcome === 'ok') push(k.cas, id(from), id(to));
      else if (op.outcome === 'info') push(k.maybeCas, id(from), id(to));
      else if (code === 22) push(k.casMismatchPresent, id(from), 0);
      else if (code === 20) push(k.read, 0, 0);
    }
  }
  return out;
}

describe('long keys', () => {
  it('a read of a value overwritten long ago is found invalid cheaply, with the story before it', () => {
    for (const seed of seeds(3, 12000)) {
      const events = generateHistory({ seed, operationCount: 20_000, keyCount: 1, clientsPerKey: 10, uniqueWrites: true });
      const ops = operationsOf(events);
      const firstWrite = ops.find((op) => op.f === 'write' && op.outcome === 'ok') as Operation;
      const lateRead = ops.filter((op) => op.f === 'read' && op.outcome === 'ok').at(-1) as Operation;
      const mutated = withValue(events, lateRead.completeIndex as number, firstWrite.invokeValue);
      const result = check(mutated);
      expect(result.verdict, replay(seed)).toBe('invalid');
      const failure = result.keys[0]?.failure;
      expect(failure?.operation.id, replay(seed)).toBe(lateRead.id);
      expect(failure?.prefix.length, replay(seed)).toBeGreaterThan(15_000);
      // Found by the linear pre-pass, not by a search over 20,000 ops: steps stay small.
      expect(result.steps, replay(seed)).toBeLessThan(1_000_000);
    }
  });
});
