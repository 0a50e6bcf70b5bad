// The one place where the harness meets the linearizability checker (src/check): it hands the
// recorded history over and turns the checker's answer into the workload section of the
// results, with explanations and the timeline SVG of invalid keys. A checker that rejects the
// history or throws makes the workload verdict unknown, never valid; so does a history in which
// nothing could be checked (no client operation, or none that constrains the register).

import { performance } from 'node:perf_hooks';
import type { JsonValue } from '../base/json.js';
import { checkHistory, type CheckOptions, type KeyResult } from '../check/linearizability.js';
import { isClientEvent, type HistoryEvent } from '../check/history.js';
import { explainKey, renderTimelinesSvg } from '../check/report.js';

export interface WorkloadVerdict {
  readonly valid: boolean | 'unknown';
  readonly keyCount: number;
  /** Keys found not linearizable. */
  readonly failures: readonly JsonValue[];
  /** Keys the search could not decide within its budget. */
  readonly undecided: readonly JsonValue[];
  /** Per key, Maelstrom-style: {"0": {"valid": true, "linearizable": {...}}}. */
  readonly results: { readonly [key: string]: unknown };
  /** Human explanations of invalid and undecided keys (the checker's, a screenful each). */
  readonly explanations: readonly string[];
  /** The same explanations with every op of the prefix and every concurrent op listed. */
  readonly fullExplanations: readonly string[];
  /** The checker's timeline of the invalid keys, or null when none is invalid. */
  readonly timelineSvg: string | null;
  readonly error?: string;
  readonly elapsedMs: number;
}

/** Why a run without client operations has no workload verdict. */
export const NO_CLIENT_OPERATION = 'no client operation in the history: nothing to check';

export interface VerdictOptions {
  /** Wall-clock budget of the whole check; undefined: the checker's own step budgets only. */
  readonly timeLimitS?: number | undefined;
}

export function checkWorkload(events: readonly HistoryEvent[], options: VerdictOptions = {}): WorkloadVerdict {
  const startedAt = performance.now();
  const checkOptions: CheckOptions = {
    now: () => performance.now(),
    ...(options.timeLimitS === undefined ? {} : { timeLimitMs: options.timeLimitS * 1000 }),
  };
  const clientOps = events.filter((event) => isClientEvent(event) && event.type === 'invoke').length;
  if (clientOps === 0) return unknown(NO_CLIENT_OPERATION, startedAt);
  let checked: ReturnType<typeof checkHistory>;
  try {
    checked = checkHistory(events, checkOptions);
  } catch (error) {
    return unknown(`the checker failed: ${(error as Error).stack ?? String(error)}`, startedAt);
  }
  if (!checked.ok) return unknown(`the checker rejected the history: ${checked.error}`, startedAt);
  const result = checked.value;
  if (result.checkedOperationCount === 0) {
    return unknown(
      `${result.operationCount} client operation${result.operationCount === 1 ? '' : 's'}, none of which could have changed or observed the register: nothing to check`,
      startedAt,
    );
  }
  const results: { [key: string]: unknown } = {};
  for (const key of result.keys) results[key.keyText] = keySummary(key);
  const invalid = result.keys.filter((key) => key.verdict === 'invalid');
  const undecided = result.keys.filter((key) => key.verdict === 'unknown');
  let timelineSvg: string | null = null;
  if (invalid.length > 0) {
    try {
      timelineSvg = renderTimelinesSvg(invalid.slice(0, 10));
    } catch (error) {
      timelineSvg = null;
      results['timeline-error'] = String(error);
    }
  }
  return {
    valid: result.verdict === 'valid' ? true : result.verdict === 'invalid' ? false : 'unknown',
    keyCount: result.keyCount,
    failures: invalid.map((key) => key.key),
    undecided: undecided.map((key) => key.key),
    results,
    explanations: [...invalid, ...undecided].map((key) => explainKey(key)),
    fullExplanations: [...invalid, ...undecided].map((key) => explainKey(key, { prefixLines: Infinity, concurrentLines: Infinity })),
    timelineSvg,
    elapsedMs: performance.now() - startedAt,
  };
}

function keySummary(key: KeyResult): unknown {
  const valid = key.verdict === 'valid' ? true : key.verdict === 'invalid' ? false : 'unknown';
  return {
    valid,
    linearizable: {
      valid,
      'op-count': key.operationCount,
      'checked-op-count': key.checkedOperationCount,
      steps: key.steps,
      ...(key.unknownReason === null ? {} : { 'unknown-reason': key.unknownReason }),
      ...(key.verdict === 'valid' ? {} : { explanation: explainKey(key) }),
    },
  };
}

function unknown(error: string, startedAt: number): WorkloadVerdict {
  return {
    valid: 'unknown',
    keyCount: 0,
    failures: [],
    undecided: [],
    results: {},
    explanations: [],
    fullExplanations: [],
    timelineSvg: null,
    error,
    elapsedMs: performance.now() - startedAt,
  };
}
