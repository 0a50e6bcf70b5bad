// What a register history means for linearizability, and the verdict. Interprets each operation
// (which failures still observed the state, which are indeterminate), splits the history by key
// (linearizability is compositional), runs register_search.ts on each key and maps its answer
// back to operations. Pure. Overall: invalid if any key is, else unknown if any key is, else
// valid. A written null is indistinguishable from the missing key (a null read means missing).

import type { JsonValue } from '../base/json.js';
import { canonicalJson } from '../base/json.js';
import type { Result } from '../base/result.js';
import { err, ok } from '../base/result.js';
import { isDefiniteError } from '../protocol/errors.js';
import type { HistoryEvent } from './history.js';
import type { Operation, Outcome } from './operations.js';
import { casArguments, pairOperations, writtenValue } from './operations.js';
import type { SearchLimits, SearchOp, SearchOutcome, UnknownReason, Verdict } from './register_search.js';
import { MISSING, SearchKind, searchKey } from './register_search.js';

export type { Verdict } from './register_search.js';

/**
 * What an operation tells the register model. `read`: the state was `a` (null: the key was
 * missing). `write`: the state becomes `a`. `cas`: the state was `a` and becomes `b`.
 * `cas-mismatch-present`: a cas refused with 22 saw a value, not `a`. `cas-mismatch`: a cas
 * refused without a code (Jepsen's `:fail`) saw something other than `a`, maybe nothing.
 * `indefinite` writes and cas may take effect at any time after their invoke, or never.
 */
type ModelKind = 'read' | 'write' | 'cas' | 'cas-mismatch-present' | 'cas-mismatch';

export interface ModelOperation {
  readonly kind: ModelKind;
  readonly a: JsonValue;
  readonly b: JsonValue;
  readonly indefinite: boolean;
}

export interface CheckOptions {
  /** Search iterations allowed per key before its verdict becomes unknown. */
  readonly maxStepsPerKey?: number;
  /** 32-bit words the explored-state cache of one key may hold before giving up. */
  readonly maxCacheWordsPerKey?: number;
  /** Wall-clock budget for the whole check; needs `now`. */
  readonly timeLimitMs?: number;
  /** A millisecond clock (performance.now), injected so this module stays pure. */
  readonly now?: () => number;
}

const DEFAULT_MAX_STEPS_PER_KEY = 50_000_000;
const DEFAULT_MAX_CACHE_WORDS_PER_KEY = 64 * 1024 * 1024;

interface LinearizedStep {
  readonly operation: Operation;
  readonly stateAfter: JsonValue;
}

/** Why a key is invalid: where the search got deepest, or the op proved impossible. */
export interface LinearizabilityFailure {
  /** The operation whose completion came before any order could place it. */
  readonly operation: Operation;
  /**
   * The longest linearizable prefix found, in linearization order (for an op proved
   * impossible outright: a linearization of everything before its completion).
   */
  readonly prefix: readonly LinearizedStep[];
  /** The register's state after that prefix (null: missing). */
  readonly state: JsonValue;
  /** Operations invoked but not linearized at that point, besides `operation`. */
  readonly concurrent: readonly Operation[];
}

export interface KeyResult {
  readonly key: JsonValue;
  readonly keyText: string;
  readonly verdict: Verdict;
  /** Client operations on the key, and how many of them constrain the model. */
  readonly operationCount: number;
  readonly checkedOperationCount: number;
  readonly steps: number;
  readonly cacheEntries: number;
  /** Operations linearized at the deepest point the search reached. */
  readonly deepest: number;
  readonly unknownReason: UnknownReason | null;
  readonly failure: LinearizabilityFailure | null;
}

export interface CheckResult {
  readonly verdict: Verdict;
  readonly eventCount: number;
  readonly operationCount: number;
  readonly outcomeCounts: { readonly [outcome in Outcome]: number };
  readonly checkedOperationCount: number;
  readonly keyCount: number;
  readonly steps: number;
  /** One per key, in the order keys first appear. */
  readonly keys: readonly KeyResult[];
}

/**
 * How an operation constrains the register, or null when it constrains nothing: failed
 * operations whose error is definite did not happen, except the refusals that observed the
 * state (read or cas refused with 20 saw a missing key, cas refused with 22 saw another value).
 * A read that did not succeed observed nothing. Indefinite errors count as `info`.
 */
export function interpretOperation(operation: Operation): Result<ModelOperation | null, string> {
  const errorCode = operation.error?.code;
  const definiteFailure = operation.outcome === 'fail' && (errorCode === undefined || isDefiniteError(errorCode));
  const indefinite = operation.outcome === 'info' || (operation.outcome === 'fail' && !definiteFailure);
  switch (operation.f) {
    case 'read':
      if (operation.outcome === 'ok') return ok(model('read', operation.completionValue, null, false));
      if (operation.outcome === 'fail' && errorCode === 20) return ok(model('read', null, null, false));
      return ok(null);
    case 'write':
      if (definiteFailure) return ok(null);
      return ok(model('write', writtenValue(operation), null, indefinite));
    case 'cas': {
      const args = casArguments(operation);
      if (args === undefined) return err(`operation ${operation.id}: cas value must be [from, to]`);
      if (operation.outcome === 'ok') return ok(model('cas', args[0], args[1], false));
      if (operation.outcome === 'fail' && errorCode === 20) return ok(model('read', null, null, false));
      if (operation.outcome === 'fail' && errorCode === 22) return ok(model('cas-mismatch-present', args[0], null, false));
      if (operation.outcome === 'fail' && errorCode === undefined) return ok(model('cas-mismatch', args[0], null, false));
      if (definiteFailure) return ok(null);
      return ok(model('cas', args[0], args[1], true));
    }
  }
}

function model(kind: ModelKind, a: JsonValue, b: JsonValue, indefinite: boolean): ModelOperation {
  return { kind, a, b, indefinite };
}

/** Why a history with no client operation gets no verdict. */
export const NOTHING_TO_CHECK = 'the history holds no client operation: there is nothing to check';

/**
 * Pairs, interprets and checks a whole history. Err for malformed histories, and for one with no
 * client operation: a verdict of "valid" would vouch for something no one observed.
 */
export function checkHistory(events: readonly HistoryEvent[], options: CheckOptions = {}): Result<CheckResult, string> {
  const paired = pairOperations(events);
  if (!paired.ok) return paired;
  if (paired.value.length === 0)
    return err(events.length === 0 ? `${NOTHING_TO_CHECK} (it is empty)` : `${NOTHING_TO_CHECK} (only ${events.length} non-client events)`);
  return checkOperations(events.length, paired.value, options);
}

function checkOperations(eventCount: number, operations: readonly Operation[], options: CheckOptions = {}): Result<CheckResult, string> {
  const maxSteps = options.maxStepsPerKey ?? DEFAULT_MAX_STEPS_PER_KEY;
  const maxCacheWords = options.maxCacheWordsPerKey ?? DEFAULT_MAX_CACHE_WORDS_PER_KEY;
  if (!(maxSteps >= 0) || !(maxCacheWords >= 0)) return err('search budgets must be non-negative');
  const now = options.now ?? null;
  if (options.timeLimitMs !== undefined && now === null) return err('timeLimitMs needs a clock (now)');
  const deadline = options.timeLimitMs !== undefined && now !== null ? now() + options.timeLimitMs : null;

  // Values become small integers so the search compares numbers; 0 is the missing key (null).
  const values = new ValueTable();
  const groups = new Map<string, KeyGroup>();
  const outcomeCounts = { ok: 0, fail: 0, info: 0 };
  let checkedOperationCount = 0;
  for (const operation of operations) {
    outcomeCounts[operation.outcome]++;
    const keyText = canonicalJson(operation.key);
    let group = groups.get(keyText);
    if (group === undefined) {
      group = { key: operation.key, keyText, operationCount: 0, searchOps: [], sources: [] };
      groups.set(keyText, group);
    }
    group.operationCount++;
    const interpreted = interpretOperation(operation);
    if (!interpreted.ok) return interpreted;
    const modelOperation = interpreted.value;
    if (modelOperation === null) continue;
    checkedOperationCount++;
    group.searchOps.push({
      kind: searchKind(modelOperation),
      a: values.id(modelOperation.a),
      b: values.id(modelOperation.b),
      call: operation.invokeIndex,
      ret: modelOperation.indefinite || operation.completeIndex === null ? -1 : operation.completeIndex,
    });
    group.sources.push(operation);
  }

  const keys: KeyResult[] = [];
  let totalSteps = 0;
  for (const group of groups.values()) {
    const limits: SearchLimits = { maxSteps, maxCacheWords, deadline, now };
    // The search looks at the clock only every few thousand steps: check before each key too,
    // so many small keys cannot outlast the time limit.
    const outOfTime = deadline !== null && now !== null && now() > deadline;
    const outcome = outOfTime ? timedOut() : searchKey(group.searchOps, limits);
    totalSteps += outcome.steps;
    keys.push(keyResultOf(group, outcome, values));
  }
  const verdict: Verdict = keys.some((key) => key.verdict === 'invalid') ? 'invalid' : keys.some((key) => key.verdict === 'unknown') ? 'unknown' : 'valid';
  return ok({
    verdict,
    eventCount,
    operationCount: operations.length,
    outcomeCounts,
    checkedOperationCount,
    keyCount: keys.length,
    steps: totalSteps,
    keys,
  });
}

function timedOut(): SearchOutcome {
  return { verdict: 'unknown', steps: 0, cacheEntries: 0, deepest: 0, unknownReason: 'time', prefix: [], prefixStates: [], blocking: -1 };
}

interface KeyGroup {
  readonly key: JsonValue;
  readonly keyText: string;
  operationCount: number;
  readonly searchOps: SearchOp[];
  /** The operation behind each search op, same positions. */
  readonly sources: Operation[];
}

function keyResultOf(group: KeyGroup, outcome: SearchOutcome, values: ValueTable): KeyResult {
  const source = (index: number): Operation => group.sources[index] as Operation;
  let failure: LinearizabilityFailure | null = null;
  if (outcome.verdict === 'invalid' && outcome.blocking >= 0) {
    const prefix = outcome.prefix.map((index, position) => ({
      operation: source(index),
      stateAfter: values.value(outcome.prefixStates[position] as number),
    }));
    // Pending at the dead end: every checked op outside the prefix invoked before the blocking
    // op's completion, including indefinite ones the search could leave out as useless.
    const inPrefix = new Set(outcome.prefix);
    const deadline = (group.searchOps[outcome.blocking] as SearchOp).ret;
    const concurrent: Operation[] = [];
    group.searchOps.forEach((op, index) => {
      if (index !== outcome.blocking && !inPrefix.has(index) && op.call < deadline) concurrent.push(source(index));
    });
    failure = {
      operation: source(outcome.blocking),
      prefix,
      state: prefix.length === 0 ? null : (prefix[prefix.length - 1] as LinearizedStep).stateAfter,
      concurrent,
    };
  }
  return {
    key: group.key,
    keyText: group.keyText,
    verdict: outcome.verdict,
    operationCount: group.operationCount,
    checkedOperationCount: group.searchOps.length,
    steps: outcome.steps,
    cacheEntries: outcome.cacheEntries,
    deepest: outcome.deepest,
    unknownReason: outcome.unknownReason,
    failure,
  };
}

/** Interns JSON values as integers by canonical text; id 0 is null, the missing key. */
class ValueTable {
  private readonly ids = new Map<string, number>([['null', MISSING]]);
  private readonly byId: JsonValue[] = [null];

  id(value: JsonValue): number {
    const text = canonicalJson(value);
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.byId.length;
      this.ids.set(text, id);
      this.byId.push(value);
    }
    return id;
  }

  value(id: number): JsonValue {
    return this.byId[id] ?? null;
  }
}

/** The search's numbering of what a model operation does. */
function searchKind(operation: ModelOperation): number {
  switch (operation.kind) {
    case 'read':
      return SearchKind.read;
    case 'write':
      return operation.indefinite ? SearchKind.maybeWrite : SearchKind.write;
    case 'cas':
      return operation.indefinite ? SearchKind.maybeCas : SearchKind.cas;
    case 'cas-mismatch-present':
      return SearchKind.casMismatchPresent;
    case 'cas-mismatch':
      return SearchKind.casMismatch;
  }
}
