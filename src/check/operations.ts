// Pairs a history's events into operations (an invoke and its completion) and names them for
// people. Pure. Invariants: a client process has at most one operation in flight, and every
// completion matches the function of its process's pending invoke; an invoke never completed
// is indeterminate, exactly like an `info` completion. Non-client (nemesis) events are skipped.

import type { JsonValue } from '../base/json.js';
import type { Result } from '../base/result.js';
import { err, ok } from '../base/result.js';
import type { HistoryError, HistoryEvent, RegisterFunction } from './history.js';
import { isClientEvent, isRegisterFunction } from './history.js';

/** Histories without keys (Jepsen's single register) are checked as this one key. */
const SINGLE_REGISTER_KEY: JsonValue = 0;

export type Outcome = 'ok' | 'fail' | 'info';

export interface Operation {
  /** Position in the operation list, which is in invoke order. */
  readonly id: number;
  readonly process: number;
  readonly f: RegisterFunction;
  readonly key: JsonValue;
  /** `info` also for an invoke that never completed. */
  readonly outcome: Outcome;
  readonly invokeValue: JsonValue;
  /** null when the operation never completed. */
  readonly completionValue: JsonValue;
  readonly error: HistoryError | null;
  /** Positions of the events in the history array: the real-time order the checker uses. */
  readonly invokeIndex: number;
  readonly completeIndex: number | null;
  readonly invokeTime: number;
  readonly completeTime: number | null;
}

export function pairOperations(events: readonly HistoryEvent[]): Result<Operation[], string> {
  interface Pending {
    readonly event: HistoryEvent & { readonly process: number };
    readonly position: number;
    readonly id: number;
  }
  const pendingByProcess = new Map<number, Pending>();
  // Filled as operations complete; invoke order is kept by reserving the slot at invoke time.
  const operations: (Operation | undefined)[] = [];
  for (let position = 0; position < events.length; position++) {
    const event = events[position] as HistoryEvent;
    if (!isClientEvent(event)) continue;
    if (!isRegisterFunction(event.f)) return err(`event ${position}: unsupported client function "${event.f}"`);
    const pending = pendingByProcess.get(event.process);
    if (event.type === 'invoke') {
      if (pending !== undefined) {
        return err(`event ${position}: process ${event.process} invoked again while event ${pending.position} is in flight`);
      }
      pendingByProcess.set(event.process, { event, position, id: operations.length });
      operations.push(undefined);
      continue;
    }
    if (pending === undefined) return err(`event ${position}: ${event.type} of process ${event.process} without an invoke`);
    if (pending.event.f !== event.f) {
      return err(`event ${position}: ${event.f} completes a ${pending.event.f} of process ${event.process}`);
    }
    pendingByProcess.delete(event.process);
    operations[pending.id] = makeOperation(pending.id, pending.event, pending.position, event, position);
  }
  for (const pending of pendingByProcess.values()) {
    operations[pending.id] = makeOperation(pending.id, pending.event, pending.position, undefined, undefined);
  }
  return ok(operations as Operation[]);
}

function makeOperation(
  id: number,
  invoke: HistoryEvent & { readonly process: number },
  invokeIndex: number,
  completion: HistoryEvent | undefined,
  completeIndex: number | undefined,
): Operation {
  const outcome: Outcome = completion === undefined || completion.type === 'invoke' ? 'info' : completion.type;
  return {
    id,
    process: invoke.process,
    f: invoke.f as RegisterFunction,
    key: invoke.key ?? completion?.key ?? SINGLE_REGISTER_KEY,
    outcome,
    invokeValue: invoke.value,
    completionValue: completion?.value ?? null,
    error: completion?.error ?? null,
    invokeIndex,
    completeIndex: completeIndex ?? null,
    invokeTime: invoke.time,
    completeTime: completion?.time ?? null,
  };
}

/** A value as reports print it: its JSON text (so `null` is the missing key). */
export function showValue(value: JsonValue): string {
  return JSON.stringify(value) ?? 'null';
}

/** The [from, to] pair of a cas, from its invoke or else its completion; undefined if malformed. */
export function casArguments(operation: Operation): readonly [JsonValue, JsonValue] | undefined {
  for (const candidate of [operation.invokeValue, operation.completionValue]) {
    if (Array.isArray(candidate) && candidate.length === 2) return [candidate[0] as JsonValue, candidate[1] as JsonValue];
  }
  return undefined;
}

/** The value a write wrote: its invoke's, or its completion's if the invoke left it out. */
export function writtenValue(operation: Operation): JsonValue {
  return operation.invokeValue ?? operation.completionValue;
}

/** Short label for timelines: `r 3`, `r null`, `w 4`, `cas 1→2`. */
export function operationLabel(operation: Operation): string {
  switch (operation.f) {
    case 'read':
      return operation.outcome === 'ok' ? `r ${showValue(operation.completionValue)}` : 'r ?';
    case 'write':
      return `w ${showValue(writtenValue(operation))}`;
    case 'cas': {
      const args = casArguments(operation);
      return args === undefined ? 'cas ?' : `cas ${showValue(args[0])}→${showValue(args[1])}`;
    }
  }
}

/** One line for text reports: `p3 cas 1→2 fail (22 precondition-failed)`. */
export function describeOperation(operation: Operation): string {
  const error = operation.error === null ? '' : ` (${operation.error.code}${operation.error.text === '' ? '' : ` ${operation.error.text}`})`;
  const pending = operation.completeIndex === null ? ' (never completed)' : '';
  return `p${operation.process} ${operationLabel(operation)} ${operation.outcome}${error}${pending}`;
}
