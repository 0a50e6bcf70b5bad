// Generates linearizable register histories from a simulated atomic register, for the checker's
// tests and benchmark. Pure and replayable: every choice comes from the seeded Rng. Invariant:
// each operation takes effect (if at all) at one instant strictly inside its invoke/completion
// interval, so the history is linearizable by construction.

import type { JsonValue } from '../base/json.js';
import { Rng } from '../base/rng.js';
import type { EventType, HistoryError, HistoryEvent, RegisterFunction } from './history.js';

export interface GeneratorOptions {
  readonly seed: number;
  readonly operationCount: number;
  /** Keys worked on side by side, each by its own group of client processes. */
  readonly keyCount: number;
  readonly clientsPerKey: number;
  /** Share of operations that end `info`; half of those took effect. */
  readonly indefiniteRate: number;
  /** Share of writes and cas refused with 11 (temporarily unavailable), without effect. */
  readonly unavailableRate: number;
  /** Values are drawn from 0..valueCount-1 (unless uniqueWrites). */
  readonly valueCount: number;
  /** Share of non-read operations that are cas rather than write. */
  readonly casShare: number;
  /** Every write writes a value never written before (makes stale reads easy to build). */
  readonly uniqueWrites: boolean;
  /** Share of reads of a missing key reported as error 20 rather than `ok null`. */
  readonly missingAsErrorRate: number;
}

const DEFAULT_GENERATOR_OPTIONS: GeneratorOptions = {
  seed: 1,
  operationCount: 1000,
  keyCount: 10,
  clientsPerKey: 10,
  indefiniteRate: 0.03,
  unavailableRate: 0.02,
  valueCount: 5,
  casShare: 2 / 3,
  uniqueWrites: false,
  missingAsErrorRate: 0.5,
};

const MIN_LATENCY_NS = 200_000;
const MAX_LATENCY_NS = 20_000_000;
const MAX_THINK_NS = 2_000_000;

interface SimulatedOp {
  readonly process: number;
  readonly key: number;
  readonly f: RegisterFunction;
  readonly invokeValue: JsonValue;
  readonly invokeTime: number;
  readonly effectTime: number;
  readonly completeTime: number;
  /** Planned before the register runs: info ops may skip their effect, 11-refusals always do. */
  readonly plan: 'normal' | 'info-applied' | 'info-dropped' | 'unavailable';
  type: EventType;
  completionValue: JsonValue;
  error: HistoryError | null;
}

export function generateHistory(overrides: Partial<GeneratorOptions> = {}): HistoryEvent[] {
  const options: GeneratorOptions = { ...DEFAULT_GENERATOR_OPTIONS, ...overrides };
  const rng = new Rng(options.seed);
  const keyCount = Math.max(1, options.keyCount);
  const opsPerKey = Math.ceil(options.operationCount / keyCount);
  const all: SimulatedOp[] = [];
  let nextProcess = 0;
  let nextUniqueValue = 0;
  for (let key = 0; key < keyCount && all.length < options.operationCount; key++) {
    const keyOps: SimulatedOp[] = [];
    const clientProcess: number[] = [];
    const clientFreeAt: number[] = [];
    for (let client = 0; client < options.clientsPerKey; client++) {
      clientProcess.push(nextProcess++);
      clientFreeAt.push(rng.int(0, MAX_THINK_NS));
    }
    const wanted = Math.min(opsPerKey, options.operationCount - all.length);
    for (let n = 0; n < wanted; n++) {
      // The client free earliest invokes next, which keeps about clientsPerKey ops in flight.
      let client = 0;
      for (let c = 1; c < clientFreeAt.length; c++) if ((clientFreeAt[c] as number) < (clientFreeAt[client] as number)) client = c;
      const invokeTime = clientFreeAt[client] as number;
      const latency = rng.int(MIN_LATENCY_NS, MAX_LATENCY_NS);
      const completeTime = invokeTime + latency;
      const effectTime = invokeTime + rng.int(1, latency - 1);
      const f: RegisterFunction = rng.chance(0.5) ? 'read' : rng.chance(options.casShare) ? 'cas' : 'write';
      const value = (): number => (options.uniqueWrites ? nextUniqueValue++ : rng.int(0, options.valueCount - 1));
      const invokeValue: JsonValue = f === 'read' ? null : f === 'write' ? value() : [rng.int(0, options.valueCount - 1), value()];
      let plan: SimulatedOp['plan'] = 'normal';
      if (rng.chance(options.indefiniteRate)) plan = rng.chance(0.5) ? 'info-applied' : 'info-dropped';
      else if (f !== 'read' && rng.chance(options.unavailableRate)) plan = 'unavailable';
      keyOps.push({
        process: clientProcess[client] as number,
        key,
        f,
        invokeValue,
        invokeTime,
        effectTime,
        completeTime,
        plan,
        type: 'ok',
        completionValue: null,
        error: null,
      });
      // A client that saw an indeterminate result carries on as a new process, as in Jepsen.
      if (plan === 'info-applied' || plan === 'info-dropped') clientProcess[client] = nextProcess++;
      clientFreeAt[client] = completeTime + rng.int(0, MAX_THINK_NS);
    }
    runRegister(keyOps, rng, options);
    for (const op of keyOps) all.push(op);
  }
  return toEvents(all);
}

/** Applies the ops at their effect instants, in order, and fills in what each one observed. */
function runRegister(ops: SimulatedOp[], rng: Rng, options: GeneratorOptions): void {
  const byEffect = ops.slice().sort((x, y) => x.effectTime - y.effectTime);
  let state: JsonValue = null;
  for (const op of byEffect) {
    if (op.plan === 'unavailable') {
      op.type = 'fail';
      op.completionValue = op.invokeValue;
      op.error = { code: 11, text: 'temporarily unavailable' };
      continue;
    }
    if (op.plan === 'info-dropped') {
      op.type = 'info';
      op.completionValue = op.invokeValue;
      continue;
    }
    const indefinite = op.plan === 'info-applied';
    switch (op.f) {
      case 'read':
        if (indefinite) {
          op.type = 'info';
        } else if (state === null && rng.chance(options.missingAsErrorRate)) {
          op.type = 'fail';
          op.error = { code: 20, text: 'key does not exist' };
        } else {
          op.completionValue = state;
        }
        break;
      case 'write':
        state = op.invokeValue;
        op.completionValue = op.invokeValue;
        if (indefinite) op.type = 'info';
        break;
      case 'cas': {
        const [from, to] = op.invokeValue as [number, number];
        op.completionValue = op.invokeValue;
        if (state === from) {
          state = to;
          if (indefinite) op.type = 'info';
        } else if (indefinite) {
          op.type = 'info';
        } else {
          op.type = 'fail';
          op.error = state === null ? { code: 20, text: 'key does not exist' } : { code: 22, text: 'precondition failed' };
        }
        break;
      }
    }
  }
}

function toEvents(ops: readonly SimulatedOp[]): HistoryEvent[] {
  // Each op yields an invoke and a completion; sort them by time, invokes first on ties so a
  // process's completion never precedes its own invoke.
  const stamped: { time: number; order: number; event: Omit<HistoryEvent, 'index'> }[] = [];
  for (const op of ops) {
    stamped.push({
      time: op.invokeTime,
      order: stamped.length,
      event: { process: op.process, type: 'invoke', f: op.f, key: op.key, value: op.invokeValue, time: op.invokeTime },
    });
    stamped.push({
      time: op.completeTime,
      order: stamped.length,
      event: {
        process: op.process,
        type: op.type,
        f: op.f,
        key: op.key,
        value: op.completionValue,
        time: op.completeTime,
        ...(op.error === null ? {} : { error: op.error }),
      },
    });
  }
  stamped.sort((x, y) => x.time - y.time || x.order - y.order);
  return stamped.map((item, index) => ({ index, ...item.event }));
}
