// Checks a transactional history: parses txns, lets the workload infer version orders and data
// edges, adds process and real-time edges, searches the cycles, and gives a verdict per
// consistency model. Pure: no clock unless the caller passes one. Never guesses: a model is
// invalid only with an anomaly it forbids in hand, valid only when nothing it forbids can hide.

import { assert } from '../../base/assert.js';
import type { Result } from '../../base/result.js';
import { err, ok } from '../../base/result.js';
import type { HistoryEvent } from '../history.js';
import type { FoundCycle } from './cycles.js';
import { searchCycles } from './cycles.js';
import type { TxnNamer } from './explain.js';
import { cycleReport, Findings, namerFor, REPORTS_PER_KIND } from './explain.js';
import type { TxnTiming } from './graph.js';
import { addOrderEdges, buildGraph, EdgeList, edgeKindName, PROCESS, REALTIME } from './graph.js';
import { analyzeListAppend } from './list_append.js';
import { ANOMALY_SEVERITY, modelsViolatedBy } from './models.js';
import { parseTxnTimeline } from './parse.js';
import { analyzeRwRegister } from './rw_register.js';
import type { AnomalyName, AnomalyReport, ConsistencyModel, ExplainedEdge, ModelVerdict, Txn, TxnCheckResult, TxnKey, TxnWorkload } from './types.js';

export interface TxnCheckOptions {
  readonly workload: TxnWorkload;
  readonly models: readonly ConsistencyModel[]; // at least one
  /** Clock for timeLimitMs (the checker is pure: the caller passes performance.now). */
  readonly now?: () => number;
  readonly timeLimitMs?: number;
  /**
   * Search steps allowed per strongly connected component for the shortest example of each cycle
   * kind (ten components' worth in all). Verdicts never depend on it: each component's worst cycle
   * is found in linear time first; only the time limit can leave a verdict unknown.
   */
  readonly cycleStepBudget?: number;
}

/**
 * Steps of the shortest-example search per component. Enough for every kind in components of
 * thousands of txns; a 100,000-txn component uses it up in well under a second.
 */
const DEFAULT_CYCLE_STEP_BUDGET = 2_000_000;

/** What a workload's analysis hands the checker besides the edges and findings. */
export interface WorkloadAnalysis {
  /** 1 for the txns of the dependency graph: ok ones, and info ones whose writes were read. */
  readonly inGraph: Uint8Array;
  readonly notes: readonly string[];
  /** The fact behind a data edge (ww, wr or rw) between two txns of the graph. */
  explainDataEdge(from: number, to: number, kind: number, name: TxnNamer): { key: TxnKey; reason: string } | undefined;
}

export function checkTxnHistory(events: readonly HistoryEvent[], options: TxnCheckOptions): Result<TxnCheckResult, string> {
  if (options.models.length === 0) return err('no consistency model to check');
  const timeline = parseTxnTimeline(events);
  if (!timeline.ok) return timeline;
  const { txns, invokePositions, completePositions } = timeline.value;
  const counts = { ok: 0, fail: 0, info: 0 };
  for (const txn of txns) counts[txn.outcome]++;

  const findings = new Findings(txns);
  const edges = new EdgeList();
  const analyzed = options.workload === 'txn-list-append' ? analyzeListAppend(txns, findings, edges) : analyzeRwRegister(txns, findings, edges);
  if (!analyzed.ok) return analyzed;
  const analysis = analyzed.value;
  const notes: string[] = [];

  let includedInfo = 0;
  for (const txn of txns) if (txn.outcome === 'info' && analysis.inGraph[txn.id] === 1) includedInfo++;
  if (counts.info > 0) {
    notes.push(
      `${includedInfo} of ${counts.info} info txns are in the dependency graph (one of their writes was read); the others were left out, which can hide an anomaly but never invent one.`,
    );
  }
  notes.push(...analysis.notes);

  const timings: TxnTiming[] = txns.map((txn) => ({
    process: txn.process,
    completedOk: txn.outcome === 'ok',
    invokePosition: invokePositions[txn.id] as number,
    completePosition: completePositions[txn.id] as number,
  }));
  addOrderEdges(timings, analysis.inGraph, events.length, edges);
  const graph = buildGraph(txns.length, edges);

  const deadline = options.now !== undefined && options.timeLimitMs !== undefined ? options.now() + options.timeLimitMs : undefined;
  const now = options.now;
  const timeIsUp = deadline === undefined || now === undefined ? () => false : () => now() > deadline;
  if (options.timeLimitMs !== undefined && options.now === undefined) notes.push('the time limit was ignored: no clock was given');
  const search = searchCycles(graph, {
    stepBudget: options.cycleStepBudget ?? DEFAULT_CYCLE_STEP_BUDGET,
    examplesPerKind: REPORTS_PER_KIND,
    timeIsUp,
  });
  notes.push(...search.notes);

  const anomalies = new Map<AnomalyName, AnomalyReport[]>();
  for (const [name, reports] of findings.reports) anomalies.set(name, reports);
  for (const cycle of search.cycles) {
    const reports = anomalies.get(cycle.name) ?? [];
    reports.push(explainCycle(cycle, txns, analysis));
    anomalies.set(cycle.name, reports);
  }
  const found = new Map<AnomalyName, number>([...findings.counts, ...search.counts]);
  const ordered = new Map<AnomalyName, readonly AnomalyReport[]>();
  const anomalyCounts = new Map<AnomalyName, number>();
  for (const name of ANOMALY_SEVERITY) {
    const reports = anomalies.get(name);
    if (reports === undefined) continue;
    const count = found.get(name) ?? 0;
    assert(count >= reports.length, () => `${name}: ${reports.length} reports kept but ${count} counted`);
    ordered.set(name, reports);
    anomalyCounts.set(name, count);
  }

  // Every model forbids some cycle: if classification did not finish, a valid verdict would be a guess.
  const nothingToCheck = counts.ok === 0;
  if (nothingToCheck) notes.push('no txn committed (none ok): there is nothing to check');
  const models: ModelVerdict[] = options.models.map((model) => {
    const violatedBy = [...ordered.keys()].filter((name) => modelsViolatedBy(name).includes(model));
    const valid = violatedBy.length > 0 ? false : nothingToCheck || !search.complete ? 'unknown' : true;
    return { model, valid, violatedBy };
  });
  const verdict = models.some((m) => m.valid === false) ? 'invalid' : models.some((m) => m.valid === 'unknown') ? 'unknown' : 'valid';
  return ok({ verdict, models, anomalies: ordered, anomalyCounts, txns, counts, notes });
}

function explainCycle(cycle: FoundCycle, txns: readonly Txn[], analysis: WorkloadAnalysis): AnomalyReport {
  const name = namerFor(cycle.nodes);
  const edges: ExplainedEdge[] = cycle.nodes.map((from, at) => {
    const to = cycle.nodes[(at + 1) % cycle.nodes.length] as number;
    const kind = cycle.kinds[at] as number;
    if (kind === REALTIME) {
      const before = txns[from] as Txn;
      const after = txns[to] as Txn;
      return {
        from,
        to,
        kind: 'realtime',
        reason: `${name(from)} completed (event ${before.completeIndex}) before ${name(to)} began (event ${after.invokeIndex})`,
      };
    }
    if (kind === PROCESS) {
      return {
        from,
        to,
        kind: 'process',
        reason: `${name(to)} is the next txn of process ${(txns[from] as Txn).process} after ${name(from)}, which completed ok`,
      };
    }
    const fact = analysis.explainDataEdge(from, to, kind, name);
    if (fact === undefined) throw new Error(`no fact behind the ${edgeKindName(kind)} edge from txn ${from} to txn ${to}`);
    return { from, to, kind: edgeKindName(kind), key: fact.key, reason: fact.reason };
  });
  return cycleReport(cycle.name, txns, cycle.nodes, edges);
}
