// What a transactional check says to people and to files: the text summary (the check
// command's output and the harness's summary section), the explanation of each anomaly, and the
// results.json section, shaped like Elle's result map ("valid?", "anomaly-types", "anomalies",
// "not", "also-not"). Pure: results in, text and JSON values out. Invariants: anomalies are
// listed worst first; nothing the checker found is dropped silently (what is not shown is counted).

import type { JsonValue } from '../../base/json.js';
import { REPORTS_PER_KIND, describeAnomaly } from './explain.js';
import { ANOMALY_SEVERITY, modelsViolatedBy } from './models.js';
import type { AnomalyName, AnomalyReport, ConsistencyModel, ExplainedEdge, MicroOp, Txn, TxnCheckResult } from './types.js';
import { CONSISTENCY_MODELS } from './types.js';

/** Anomalies explained in full on screen; the rest are counted and left to the files. */
const SCREEN_EXPLAINED_ANOMALIES = 3;

type Validity = boolean | 'unknown';

/**
 * Which of the six models each one implies (all weaker ones): strict serializable implies
 * serializable, which implies snapshot isolation and repeatable read, each of which implies
 * read committed, which implies read uncommitted (Elle's model graph, restricted to these six).
 */
const WEAKER_MODELS: Readonly<Record<ConsistencyModel, readonly ConsistencyModel[]>> = {
  'strict-serializable': ['serializable', 'snapshot-isolation', 'repeatable-read', 'read-committed', 'read-uncommitted'],
  serializable: ['snapshot-isolation', 'repeatable-read', 'read-committed', 'read-uncommitted'],
  'snapshot-isolation': ['read-committed', 'read-uncommitted'],
  'repeatable-read': ['read-committed', 'read-uncommitted'],
  'read-committed': ['read-uncommitted'],
  'read-uncommitted': [],
};

function severityRank(name: AnomalyName): number {
  const rank = ANOMALY_SEVERITY.indexOf(name);
  return rank === -1 ? ANOMALY_SEVERITY.length : rank;
}

/** The kinds of anomaly found, worst first. */
export function anomalyNames(result: TxnCheckResult): AnomalyName[] {
  return [...result.anomalies.keys()].sort((a, b) => severityRank(a) - severityRank(b) || a.localeCompare(b));
}

/** How many of one kind were found (at least the reports kept). */
function anomalyCount(result: TxnCheckResult, name: AnomalyName): number {
  return Math.max(result.anomalyCounts?.get(name) ?? 0, result.anomalies.get(name)?.length ?? 0);
}

/**
 * The count as text. When the checker did not count, the reports are all there is to go by, and
 * as many as it keeps of a kind (REPORTS_PER_KIND) may be only the first: "3+".
 */
function countText(result: TxnCheckResult, name: AnomalyName): string {
  const count = anomalyCount(result, name);
  const uncounted = result.anomalyCounts?.get(name) === undefined && count >= REPORTS_PER_KIND;
  return uncounted ? `${count}+` : String(count);
}

/** The anomaly kinds that some model checked forbids, worst first. */
export function forbiddenAnomalyNames(result: TxnCheckResult): AnomalyName[] {
  const forbidden = new Set(result.models.flatMap((verdict) => verdict.violatedBy));
  return anomalyNames(result).filter((name) => forbidden.has(name));
}

/**
 * The models the anomalies found rule out, whether or not they were asked for, as Elle's
 * boundary: `not` the weakest of them, `alsoNot` the stronger rest. Both in CONSISTENCY_MODELS order.
 */
export function ruledOutModels(result: TxnCheckResult): { readonly not: ConsistencyModel[]; readonly alsoNot: ConsistencyModel[] } {
  const ruledOut = new Set<ConsistencyModel>();
  for (const name of result.anomalies.keys()) for (const model of modelsViolatedBy(name)) ruledOut.add(model);
  const ordered = CONSISTENCY_MODELS.filter((model) => ruledOut.has(model));
  const not = ordered.filter((model) => !WEAKER_MODELS[model].some((weaker) => ruledOut.has(weaker)));
  return { not, alsoNot: ordered.filter((model) => !not.includes(model)) };
}

/** The anomaly to draw: the worst one a model checked forbids, else the worst found, else none. */
export function firstAnomaly(result: TxnCheckResult): AnomalyReport | undefined {
  const names = forbiddenAnomalyNames(result);
  const name = names[0] ?? anomalyNames(result)[0];
  return name === undefined ? undefined : result.anomalies.get(name)?.[0];
}

function validityWord(valid: Validity): string {
  return valid === true ? 'valid' : valid === false ? 'invalid' : 'unknown';
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function listAnomalies(result: TxnCheckResult, names: readonly AnomalyName[]): string {
  return names.map((name) => `${name} (${countText(result, name)})`).join(', ');
}

export interface TxnSummaryOptions {
  /**
   * Anomalies explained in full after the summary lines (default SCREEN_EXPLAINED_ANOMALIES).
   * With 0 the summary ends after its notes: the caller shows the explanations its own way.
   */
  readonly explained?: number;
  /** Where the reports left out can be read (a file, or "the --json output"), to say so. */
  readonly moreReportsIn?: string;
}

/**
 * The summary: txn counts, the verdict per model, the anomalies counted, notes, and the first few
 * explained, each after a blank line, then how many reports were left out (if any were shown).
 */
export function formatTxnSummary(result: TxnCheckResult, options: TxnSummaryOptions = {}): string {
  const explained = options.explained ?? SCREEN_EXPLAINED_ANOMALIES;
  const { counts } = result;
  const total = counts.ok + counts.fail + counts.info;
  const lines = [`txns: ${total} (ok ${counts.ok}, fail ${counts.fail}, info ${counts.info})`, `verdict: ${result.verdict}`];
  for (const verdict of result.models) {
    const why =
      verdict.violatedBy.length > 0
        ? `: ${listAnomalies(
            result,
            [...verdict.violatedBy].sort((a, b) => severityRank(a) - severityRank(b)),
          )}`
        : '';
    lines.push(`  ${verdict.model} ${validityWord(verdict.valid)}${why}`);
  }
  const { not, alsoNot } = ruledOutModels(result);
  if (not.length > 0) lines.push(`not ${not.join(', ')}${alsoNot.length > 0 ? `; so also not ${alsoNot.join(', ')}` : ''}`);
  const forbidden = forbiddenAnomalyNames(result);
  const allowed = anomalyNames(result).filter((name) => !forbidden.includes(name));
  if (forbidden.length > 0) {
    lines.push(`anomalies: ${listAnomalies(result, forbidden)}`);
    for (const name of forbidden) lines.push(`  ${name}: ${describeAnomaly(name)}`);
  }
  if (allowed.length > 0) lines.push(`also found, allowed by every model checked: ${listAnomalies(result, allowed)}`);
  for (const note of result.notes) lines.push(`note: ${note}`);

  if (explained <= 0) return lines.join('\n');
  const explanations = txnExplanations(result);
  for (const explanation of explanations.slice(0, explained)) lines.push('', explanation);
  if (explanations.length > explained) {
    const where = options.moreReportsIn === undefined ? '' : ` in ${options.moreReportsIn}`;
    lines.push('', `... ${plural(explanations.length - explained, 'more anomaly report')}${where}`);
  }
  return lines.join('\n');
}

/**
 * Every anomaly report kept, each as a block of text: a heading (kind, which one of how many,
 * and which models it rules out), then the checker's explanation. Forbidden kinds first.
 */
export function txnExplanations(result: TxnCheckResult): string[] {
  const forbidden = forbiddenAnomalyNames(result);
  const ordered = [...forbidden, ...anomalyNames(result).filter((name) => !forbidden.includes(name))];
  const blocks: string[] = [];
  for (const name of ordered) {
    const reports = result.anomalies.get(name) ?? [];
    const count = countText(result, name);
    const rules = modelsViolatedBy(name);
    reports.forEach((report, at) => {
      const heading = `${name} #${at + 1} of ${count}${rules.length > 0 ? ` (rules out ${rules.join(', ')})` : ''}`;
      blocks.push([heading, ...report.explanation.split('\n').map((line) => `  ${line}`)].join('\n'));
    });
  }
  return blocks;
}

function microOpJson(op: MicroOp): JsonValue {
  const value: JsonValue = op.value === null ? null : typeof op.value === 'number' ? op.value : [...op.value];
  return [op.f, op.key, value];
}

/** A txn as Elle prints an op: the completion's index, type and value, plus where it began. */
function txnJson(txn: Txn): { [key: string]: JsonValue } {
  return {
    id: txn.id,
    index: txn.completeIndex ?? txn.invokeIndex,
    'invoke-index': txn.invokeIndex,
    process: txn.process,
    type: txn.outcome,
    f: 'txn',
    value: txn.ops.map(microOpJson),
    time: txn.completeTime ?? txn.invokeTime,
    'invoke-time': txn.invokeTime,
    ...(txn.error === undefined ? {} : { error: { code: txn.error.code, text: txn.error.text } }),
  };
}

function stepJson(edge: ExplainedEdge): { [key: string]: JsonValue } {
  return { type: edge.kind, from: edge.from, to: edge.to, ...(edge.key === undefined ? {} : { key: edge.key }), explanation: edge.reason };
}

/** One report, Elle-style: a cycle (first txn repeated at the end) with its steps, or the txns involved. */
function anomalyJson(report: AnomalyReport, txns: readonly Txn[]): { [key: string]: JsonValue } {
  const byId = new Map(txns.map((txn) => [txn.id, txn]));
  const involved = report.txns.flatMap((id) => {
    const txn = byId.get(id);
    return txn === undefined ? [] : [txnJson(txn)];
  });
  const shape: { [key: string]: JsonValue } =
    report.edges.length > 0 ? { cycle: [...involved, ...involved.slice(0, 1)], steps: report.edges.map(stepJson) } : { txns: involved };
  return { type: report.name, ...shape, explanation: report.explanation };
}

/**
 * The workload section of results.json. Like Elle's check result: "anomaly-types" and
 * "anomalies" hold what the models checked forbid; "not" and "also-not" are the models every
 * anomaly found rules out (checked or not). Beyond Elle: the verdict per model, the count of
 * each kind, anomalies found that every model checked allows, txn counts and the notes.
 */
export function txnResultsJson(result: TxnCheckResult): { [key: string]: JsonValue } {
  const forbidden = forbiddenAnomalyNames(result);
  const allowed = anomalyNames(result).filter((name) => !forbidden.includes(name));
  const reportsOf = (names: readonly AnomalyName[]): { [key: string]: JsonValue } =>
    Object.fromEntries(names.map((name) => [name, (result.anomalies.get(name) ?? []).map((report) => anomalyJson(report, result.txns))]));
  const { not, alsoNot } = ruledOutModels(result);
  const valid: Validity = result.verdict === 'valid' ? true : result.verdict === 'invalid' ? false : 'unknown';
  return {
    'valid?': valid,
    'anomaly-types': [...forbidden].sort(),
    anomalies: reportsOf(forbidden),
    not,
    'also-not': alsoNot,
    'consistency-models': Object.fromEntries(
      result.models.map((verdict) => [verdict.model, { 'valid?': verdict.valid, 'violated-by': [...verdict.violatedBy].sort() }]),
    ),
    // Only when the checker counted every kind: a count of the reports kept would understate.
    ...(result.anomalyCounts === undefined
      ? {}
      : { 'anomaly-counts': Object.fromEntries(anomalyNames(result).map((name) => [name, anomalyCount(result, name)])) }),
    'allowed-anomaly-types': [...allowed].sort(),
    'allowed-anomalies': reportsOf(allowed),
    'txn-count': result.counts.ok + result.counts.fail + result.counts.info,
    'ok-count': result.counts.ok,
    'fail-count': result.counts.fail,
    'info-count': result.counts.info,
    notes: [...result.notes],
  };
}
