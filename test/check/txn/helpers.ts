// Transactional histories written by hand for the checker's tests. Events come out in call
// order with increasing times, so concurrency is written by invoking several txns before
// completing them:
//   const h = new TxnHistory();
//   const t = h.txn(1, [['append', 1, 1], ['r', 1, null]]);   // invoke
//   h.ok(2, [['r', 1, []]]);                                   // invoke + ok at once
//   t.ok([['append', 1, 1], ['r', 1, [1]]]);                   // completion, reads filled in

import type { JsonValue } from '../../../src/base/json.js';
import type { EventType, HistoryEvent } from '../../../src/check/history.js';
import type { TxnCheckOptions } from '../../../src/check/txn/checker.js';
import { checkTxnHistory } from '../../../src/check/txn/checker.js';
import type { ConsistencyModel, ReadValue, TxnCheckResult, TxnWorkload } from '../../../src/check/txn/types.js';
import { CONSISTENCY_MODELS } from '../../../src/check/txn/types.js';

export type Mop = readonly ['r', number, ReadValue] | readonly ['append' | 'w', number, number];

/** The invocation's form of micro-ops: reads not done yet. */
function invocationOf(ops: readonly Mop[]): Mop[] {
  return ops.map((op) => (op[0] === 'r' ? (['r', op[1], null] as const) : op));
}

export class TxnHistory {
  readonly events: HistoryEvent[] = [];

  /** Invokes a txn now; complete it later through the handle. Reads may be given filled in: they are sent as nil. */
  txn(process: number, ops: readonly Mop[]): PendingTxn {
    this.push(process, 'invoke', invocationOf(ops));
    return new PendingTxn(this, process, ops);
  }

  /** A txn invoked and completed ok at once, with the reads it returned. */
  ok(process: number, ops: readonly Mop[]): this {
    this.txn(process, ops).ok();
    return this;
  }

  /** A txn invoked and refused at once (definitely did not happen). */
  fail(process: number, ops: readonly Mop[], code = 30): this {
    this.txn(process, ops).fail(code);
    return this;
  }

  /** A txn invoked and timed out at once (may or may not have happened, may still happen). */
  info(process: number, ops: readonly Mop[]): this {
    this.txn(process, ops).info();
    return this;
  }

  nemesis(f: string): this {
    this.events.push({ index: this.events.length, process: 'nemesis', type: 'info', f, value: null, time: this.events.length * 1_000_000 });
    return this;
  }

  push(process: number, type: EventType, ops: readonly Mop[] | null, code?: number): void {
    this.events.push({
      index: this.events.length,
      process,
      type,
      f: 'txn',
      value: ops === null ? null : (ops.map((op) => [...op]) as JsonValue),
      time: this.events.length * 1_000_000,
      ...(code === undefined ? {} : { error: { code, text: code === 30 ? 'txn-conflict' : 'timeout' } }),
    });
  }
}

export class PendingTxn {
  constructor(
    private readonly history: TxnHistory,
    private readonly process: number,
    private readonly ops: readonly Mop[],
  ) {}

  /** Completes ok with `ops` (reads filled in), by default the ops given at invocation. */
  ok(ops: readonly Mop[] = this.ops): void {
    this.history.push(this.process, 'ok', ops);
  }

  fail(code = 30): void {
    this.history.push(this.process, 'fail', invocationOf(this.ops), code);
  }

  info(code = 0): void {
    this.history.push(this.process, 'info', invocationOf(this.ops), code);
  }
}

/** Txns forming one cyclic component: a ring of write skews on n keys from `base` on. */
export function writeSkewRing(n: number, h = new TxnHistory(), base = 0): TxnHistory {
  // Txn i reads keys i and i+1 (mod n) as nil and writes key i+1: each missed the next one's write.
  const pending = [];
  for (let i = 0; i < n; i++) {
    const key = (offset: number) => base + ((i + offset) % n);
    pending.push(
      h.txn(base + i, [
        ['r', key(0), null],
        ['r', key(1), null],
        ['w', key(1), 1],
      ]),
    );
  }
  for (const txn of pending) txn.ok();
  return h;
}

/** Checks a history that must be readable under every model; throws otherwise. */
export function checkTxns(events: readonly HistoryEvent[], workload: TxnWorkload, options: Partial<TxnCheckOptions> = {}): TxnCheckResult {
  const result = checkTxnHistory(events, { workload, models: CONSISTENCY_MODELS, ...options });
  if (!result.ok) throw new Error(`unreadable test history: ${result.error}`);
  return result.value;
}

/** Each model's verdict as a word, for one-line expectations. */
export function verdictsOf(result: TxnCheckResult): Record<ConsistencyModel, 'valid' | 'invalid' | 'unknown'> {
  const out = {} as Record<ConsistencyModel, 'valid' | 'invalid' | 'unknown'>;
  for (const verdict of result.models) out[verdict.model] = verdict.valid === true ? 'valid' : verdict.valid === false ? 'invalid' : 'unknown';
  return out;
}

/** The verdicts expected when exactly the models in `invalid` fail and the rest pass. */
export function expectedVerdicts(invalid: readonly ConsistencyModel[]): Record<ConsistencyModel, 'valid' | 'invalid' | 'unknown'> {
  const out = {} as Record<ConsistencyModel, 'valid' | 'invalid' | 'unknown'>;
  for (const model of CONSISTENCY_MODELS) out[model] = invalid.includes(model) ? 'invalid' : 'valid';
  return out;
}

/** The anomaly kinds found, in the checker's order (worst first). */
export function anomalyNames(result: TxnCheckResult): string[] {
  return [...result.anomalies.keys()];
}
