// Txn workloads against lin-kv in one bench run: each txn cell next to every lin-kv cell with
// its cluster, read mode and load, as the ratio of their medians (committed txns/s over answered
// ops/s) and as the spread of the per-rep ratios (rep k of both ran with the same seed, one right
// after the other). Pure: cell reports in, comparison rows out.

import { isTxnWorkload, type Workload } from '../harness/options.js';
import { comparisonKey, type Cell } from './matrix.js';
import { ratio, spread, type CellReport, type RunRecord, type Spread } from './summary.js';

export interface WorkloadComparison {
  readonly txnWorkload: Workload;
  /** The two cells compared: the same cluster, read mode and load (the lin-kv one has a read share). */
  readonly linKvCell: Cell;
  readonly txnCell: Cell;
  /** lin-kv's answered ops/s over the reps. */
  readonly linKvOpsPerS: Spread;
  /** The txn workload's committed txns/s over the reps. */
  readonly committedTxnsPerS: Spread;
  /** Median committed txns/s over median answered ops/s. */
  readonly ratioOfMedians: number | null;
  /** Per rep where both runs reported figures: committed txns/s over answered ops/s of that rep. */
  readonly pairedRatio: Spread;
  /** How many reps gave a pair. */
  readonly pairs: number;
}

/** Every txn cell against every lin-kv cell that shares its comparison key; empty unless the bench ran both kinds. */
export function compareWorkloads(cells: readonly CellReport[]): WorkloadComparison[] {
  const linKv = cells.filter((report) => !isTxnWorkload(report.cell.workload));
  const txn = cells.filter((report) => isTxnWorkload(report.cell.workload));
  const txnWorkloads = [...new Set(txn.map((report) => report.cell.workload))];
  const rows: WorkloadComparison[] = [];
  for (const txnWorkload of txnWorkloads) {
    for (const linKvReport of linKv) {
      const key = comparisonKey(linKvReport.cell);
      const txnReport = txn.find((report) => report.cell.workload === txnWorkload && comparisonKey(report.cell) === key);
      if (txnReport === undefined) continue;
      const paired = pairedRatios(linKvReport.runs, txnReport.runs);
      rows.push({
        txnWorkload,
        linKvCell: linKvReport.cell,
        txnCell: txnReport.cell,
        linKvOpsPerS: linKvReport.summary.answeredOpsPerS,
        committedTxnsPerS: txnReport.summary.okOpsPerS,
        ratioOfMedians: ratio(txnReport.summary.okOpsPerS.median, linKvReport.summary.answeredOpsPerS.median),
        pairedRatio: spread(paired),
        pairs: paired.length,
      });
    }
  }
  return rows;
}

/** The ratio of each rep that both cells finished with figures, in rep order. */
function pairedRatios(linKvRuns: readonly RunRecord[], txnRuns: readonly RunRecord[]): number[] {
  const ratios: number[] = [];
  for (const linKvRun of linKvRuns) {
    const txnRun = txnRuns.find((run) => run.rep === linKvRun.rep);
    const paired = ratio(txnRun?.metrics?.okOpsPerS ?? null, linKvRun.metrics?.answeredOpsPerS ?? null);
    if (paired !== null) ratios.push(paired);
  }
  return ratios;
}
