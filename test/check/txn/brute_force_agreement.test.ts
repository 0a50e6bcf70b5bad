// The transactional checker against the reference (every serial order tried) on thousands of
// small random histories. Every case is replayable from its seed:
//   TXN_AGREEMENT_SEED=N npx vitest run test/check/txn/brute_force_agreement.test.ts
// and TXN_AGREEMENT_SEEDS=100000 runs that many seeds per population (CI runs a few thousand).
//
// What must hold, and why:
// - Soundness, both workloads: the checker never calls a history invalid (under serializable
//   or strict-serializable) that some serial order explains. Every edge it draws is implied by
//   the reads, so a cycle it finds is a contradiction in every serial order too.
// - list-append, exactly: every read shows the whole order of appends to its key, so the version
//   order of every observed append is known, and an append nobody read is known to come after
//   every version read (Elle places it there). The dependency graph is then the complete one,
//   and it is acyclic (with the non-cycle anomalies absent) exactly when a serial order exists.
//   Info txns do not spoil this: their reads are unknown (no edges out of them but the wr edges
//   of writes someone read, which prove they committed), and they complete nothing in real time.
//   So the verdicts agree on every history, not only when every append is read back. A read that
//   shows one txn's appends to a key out of the order it made them ([2 1] after "append 1,
//   append 2") closes no cycle (no edge joins a txn to itself): the checker reports it as an
//   incompatible order, which Elle does not look for.
// - rw-register, in general, only soundness: the version order is known only where a txn wrote
//   a key after reading it (and nil comes first), so cycles through versions nobody ordered are
//   invisible. It is exact again when every write follows a read of its key in the same ok txn
//   (read-modify-write): then each version's predecessor is known, the versions form one chain
//   unless two txns overwrote the same version (a lost update, invalid either way), and the
//   graph is complete as for list-append. That shape is a population of its own below.

import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../../src/check/history.js';
import { formatHistory } from '../../../src/check/history.js';
import { checkTxnHistory } from '../../../src/check/txn/checker.js';
import type { ConsistencyModel, TxnWorkload } from '../../../src/check/txn/types.js';
import { referenceCheck } from './brute_force.js';
import type { RandomHistory } from './random_histories.js';
import { randomTxnHistory } from './random_histories.js';

const ONLY_SEED = process.env['TXN_AGREEMENT_SEED'] === undefined ? undefined : Number(process.env['TXN_AGREEMENT_SEED']);
const SEED_COUNT = Number(process.env['TXN_AGREEMENT_SEEDS'] ?? 2000);

function seeds(base: number): number[] {
  if (ONLY_SEED !== undefined) return [ONLY_SEED];
  return Array.from({ length: SEED_COUNT }, (_, i) => base + i);
}

const MODELS: readonly ConsistencyModel[] = ['serializable', 'strict-serializable'];

interface Population {
  readonly name: string;
  readonly workload: TxnWorkload;
  readonly readModifyWrite: boolean;
  /** Whether the checker must agree exactly, or only never say invalid where the reference says valid. */
  readonly exact: boolean;
  readonly seedBase: number;
}

const POPULATIONS: readonly Population[] = [
  { name: 'list-append', workload: 'txn-list-append', readModifyWrite: false, exact: true, seedBase: 1 },
  { name: 'rw-register', workload: 'txn-rw-register', readModifyWrite: false, exact: false, seedBase: 1 },
  { name: 'rw-register, read-modify-write', workload: 'txn-rw-register', readModifyWrite: true, exact: true, seedBase: 1 },
];

interface Tally {
  cases: number;
  referenceValid: Record<string, number>;
  checkerValid: Record<string, number>;
  /** Serializable but not strict-serializable, by the reference. */
  serializableNotStrict: number;
  /** Model verdicts on histories without an ok txn: unknown (nothing to check), not compared. */
  nothingCommitted: number;
  /** The reference says invalid, the checker valid (allowed only where the inference is incomplete). */
  missed: Record<string, number>;
}

function describeCase(history: RandomHistory, population: Population, problem: string): string {
  return [
    `${population.name}, seed ${history.seed}: ${problem}`,
    `replay: TXN_AGREEMENT_SEED=${history.seed} npx vitest run test/check/txn/brute_force_agreement.test.ts`,
    `breaks: ${history.breaks.length === 0 ? 'none' : history.breaks.join('; ')}`,
    formatHistory(history.events),
  ].join('\n');
}

function runPopulation(population: Population): Tally {
  const tally: Tally = {
    cases: 0,
    referenceValid: {},
    checkerValid: {},
    serializableNotStrict: 0,
    nothingCommitted: 0,
    missed: {},
  };
  for (const model of MODELS) {
    tally.referenceValid[model] = 0;
    tally.checkerValid[model] = 0;
    tally.missed[model] = 0;
  }
  for (const seed of seeds(population.seedBase)) {
    const history = randomTxnHistory(seed, population.workload, { readModifyWrite: population.readModifyWrite });
    const reference = referenceCheck(history.events, population.workload);
    const checked = checkTxnHistory(history.events, { workload: population.workload, models: MODELS });
    if (!checked.ok) throw new Error(describeCase(history, population, `the checker refused the history: ${checked.error}`));
    tally.cases++;
    if (reference.serialOrder !== null && reference.strictOrder === null) tally.serializableNotStrict++;
    for (const verdict of checked.value.models) {
      const referenceValid = (verdict.model === 'serializable' ? reference.serialOrder : reference.strictOrder) !== null;
      const witness = verdict.model === 'serializable' ? reference.serialOrder : reference.strictOrder;
      if (referenceValid) tally.referenceValid[verdict.model] = (tally.referenceValid[verdict.model] ?? 0) + 1;
      if (verdict.valid === true) tally.checkerValid[verdict.model] = (tally.checkerValid[verdict.model] ?? 0) + 1;
      const found = [...checked.value.anomalies.entries()].map(([name, reports]) => `${name}: ${reports[0]?.explanation ?? ''}`).join('\n');
      if (verdict.valid === 'unknown') {
        // The one unknown allowed: with no txn ok, nothing was observed to check.
        if (checked.value.counts.ok === 0) {
          tally.nothingCommitted++;
          continue;
        }
        throw new Error(describeCase(history, population, `${verdict.model}: the checker says unknown (notes: ${checked.value.notes.join('; ')})`));
      }
      if (referenceValid && verdict.valid === false) {
        throw new Error(
          describeCase(
            history,
            population,
            `${verdict.model}: the checker says invalid (${verdict.violatedBy.join(', ')}), ` +
              `but the serial order ${(witness ?? []).map((id) => `T${id}`).join(' ')} explains every read\n${found}`,
          ),
        );
      }
      if (!referenceValid && verdict.valid === true) {
        if (population.exact) {
          throw new Error(describeCase(history, population, `${verdict.model}: the checker says valid, but no serial order explains the reads\n${found}`));
        }
        tally.missed[verdict.model] = (tally.missed[verdict.model] ?? 0) + 1;
      }
    }
  }
  return tally;
}

function share(count: number, total: number): string {
  return `${((100 * count) / total).toFixed(1)}%`;
}

describe('the transactional checker agrees with trying every serial order', () => {
  for (const population of POPULATIONS) {
    it(`${population.name}: ${population.exact ? 'the same verdict' : 'never invalid where a serial order exists'} under serializable and strict-serializable`, () => {
      const tally = runPopulation(population);
      const n = tally.cases;
      const line = MODELS.map(
        (model) =>
          `${model}: reference valid ${share(tally.referenceValid[model] ?? 0, n)}, checker valid ${share(tally.checkerValid[model] ?? 0, n)}` +
          (population.exact ? '' : `, missed ${tally.missed[model]}`),
      ).join('; ');
      console.log(
        `${population.name}: ${n} histories; ${line}; serializable but not strict ${share(tally.serializableNotStrict, n)}; unknown (no ok txn) ${tally.nothingCommitted / MODELS.length}`,
      );
      if (ONLY_SEED !== undefined) return;
      // Both verdicts in a meaningful share, so agreement says something.
      for (const model of MODELS) {
        expect(tally.referenceValid[model] ?? 0, `${model} valid`).toBeGreaterThan(0.15 * n);
        expect(n - (tally.referenceValid[model] ?? 0), `${model} invalid`).toBeGreaterThan(0.15 * n);
      }
      expect(tally.serializableNotStrict, 'serializable but not strict').toBeGreaterThan(0.03 * n);
      if (!population.exact) {
        // Soundness alone would pass a checker that says valid to everything: it must also
        // catch most of what is wrong.
        for (const model of MODELS) {
          const invalid = n - (tally.referenceValid[model] ?? 0);
          expect(tally.missed[model] ?? 0, `${model}: invalid histories the checker missed`).toBeLessThan(0.5 * invalid);
        }
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// The reference itself, on histories whose verdicts are known by hand.

let clock = 0;
function txn(process: number, ops: readonly (readonly [string, number, unknown])[], outcome: 'ok' | 'fail' | 'info' = 'ok'): HistoryEvent[] {
  const invocation = ops.map(([f, k, v]) => [f, k, f === 'r' ? null : v]);
  const invoke = { index: 0, process, type: 'invoke', f: 'txn', value: invocation, time: clock++ } as HistoryEvent;
  const done = { index: 0, process, type: outcome, f: 'txn', value: outcome === 'ok' ? ops : invocation, time: clock++ } as HistoryEvent;
  return [invoke, done];
}

function indexed(events: readonly HistoryEvent[]): HistoryEvent[] {
  return events.map((event, index) => ({ ...event, index }));
}

describe('the reference checker', () => {
  it('finds a serial order for a history a single copy produced', () => {
    const events = indexed([
      ...txn(0, [['append', 1, 1]]),
      ...txn(1, [
        ['r', 1, [1]],
        ['append', 2, 1],
      ]),
      ...txn(0, [['r', 2, [1]]]),
    ]);
    expect(referenceCheck(events, 'txn-list-append')).toEqual({ serialOrder: [0, 1, 2], strictOrder: [0, 1, 2] });
  });

  it('finds none for write skew (each txn read the key the other wrote, empty)', () => {
    const first = txn(0, [
      ['r', 1, null],
      ['w', 2, 1],
    ]);
    const second = txn(1, [
      ['r', 2, null],
      ['w', 1, 1],
    ]);
    // Concurrent: both invoked before either completed.
    const events = indexed([first[0] as HistoryEvent, second[0] as HistoryEvent, first[1] as HistoryEvent, second[1] as HistoryEvent]);
    expect(referenceCheck(events, 'txn-rw-register')).toEqual({ serialOrder: null, strictOrder: null });
  });

  it('tells a stale read (serializable, not strict) from a valid one', () => {
    const events = indexed([...txn(0, [['w', 1, 1]]), ...txn(1, [['r', 1, null]])]);
    const verdict = referenceCheck(events, 'txn-rw-register');
    expect(verdict.serialOrder).toEqual([1, 0]);
    expect(verdict.strictOrder).toBeNull();
  });

  it('lets an info txn have happened or not, and ignores failed txns', () => {
    const seen = indexed([...txn(0, [['append', 1, 1]], 'info'), ...txn(1, [['r', 1, [1]]])]);
    expect(referenceCheck(seen, 'txn-list-append').strictOrder).toEqual([0, 1]);
    const unseen = indexed([...txn(0, [['append', 1, 1]], 'info'), ...txn(1, [['r', 1, null]])]);
    expect(referenceCheck(unseen, 'txn-list-append').strictOrder).toEqual([1]);
    const failedButSeen = indexed([...txn(0, [['append', 1, 1]], 'fail'), ...txn(1, [['r', 1, [1]]])]);
    expect(referenceCheck(failedButSeen, 'txn-list-append').serialOrder).toBeNull();
  });
});

describe('the random histories', () => {
  it('are the same for the same seed and differ between seeds', () => {
    expect(randomTxnHistory(7, 'txn-list-append')).toEqual(randomTxnHistory(7, 'txn-list-append'));
    expect(randomTxnHistory(7, 'txn-list-append').events).not.toEqual(randomTxnHistory(8, 'txn-list-append').events);
  });

  it('have unique values per key, 2 to 7 txns, and concurrent txns, info and fail outcomes among them', () => {
    let concurrent = 0;
    let info = 0;
    let fail = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const { events } = randomTxnHistory(seed, seed % 2 === 0 ? 'txn-list-append' : 'txn-rw-register');
      const invocations = events.filter((event) => event.type === 'invoke');
      expect(invocations.length, `seed ${seed}`).toBeGreaterThanOrEqual(2);
      expect(invocations.length, `seed ${seed}`).toBeLessThanOrEqual(7);
      const written = new Set<string>();
      for (const event of invocations) {
        for (const [f, key, value] of event.value as [string, number, unknown][]) {
          if (f === 'r') continue;
          expect(written.has(`${key}=${value}`), `seed ${seed}: ${key}=${value} written twice`).toBe(false);
          written.add(`${key}=${value}`);
        }
      }
      let open = 0;
      for (const event of events) {
        if (event.type === 'invoke') open++;
        else open--;
        if (open >= 2) {
          concurrent++;
          break;
        }
      }
      if (events.some((event) => event.type === 'fail')) fail++;
      if (
        events.filter((event) => event.type === 'invoke').length > events.filter((event) => event.type !== 'invoke').length ||
        events.some((event) => event.type === 'info')
      )
        info++;
    }
    expect(concurrent).toBeGreaterThan(100);
    expect(info).toBeGreaterThan(50);
    expect(fail).toBeGreaterThan(50);
  });
});
