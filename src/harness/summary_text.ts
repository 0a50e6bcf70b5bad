// The one-screen console summary of a run, from its facts and its results document: what ran,
// ops by outcome, throughput and latency, messages, faults, output problems and crashes, the
// recovery check, the checker's own words, and under `why:` every check that is not valid, then
// the verdict line. Wherever it shows less than there is, it says so and where the rest is.
// Pure: values in, text out.

import { join } from 'node:path';
import { describeOptions, isTxnWorkload } from './options.js';
import { recoveryLine } from './recovery.js';
import {
  computeStats,
  EXPLANATIONS_FILE,
  functionsOf,
  listSome,
  mergeValidity,
  percent,
  plural,
  RUN_PICTURES,
  type LatencyQuantiles,
  type Reason,
  type ResultsDocument,
  type RunFacts,
  type Validity,
} from './results.js';
const ms = (value: number | null): string => (value === null ? '-' : value < 10 ? `${value.toFixed(2)} ms` : `${value.toFixed(0)} ms`);

/** Lines of each explanation shown on screen, and how many keys are explained there. */
const SCREEN_EXPLANATION_LINES = 14;
const SCREEN_EXPLAINED_KEYS = 3;
const SCREEN_BAD_LINES = 5;
const SCREEN_MALFORMED_EXAMPLES = 3;
const SCREEN_NODE_PROBLEMS = 5;
const SCREEN_CRASH_LOG_LINES = 8;
/** Lines of the transactional check's own summary shown on screen. */
const SCREEN_TXN_SUMMARY_LINES = 12;

/** The one-screen console summary: wherever it shows less than there is, it says so and where the rest is. */
export function formatSummary(facts: RunFacts, results: ResultsDocument): string {
  const lines: string[] = [];
  const { options } = facts;
  const explanationsPath = join(facts.outDir, EXPLANATIONS_FILE);
  lines.push(`raftkv-test ${describeOptions(options)}`);
  const stats = computeStats(facts.ops, options.workload);
  const txn = isTxnWorkload(options.workload);
  const byF = functionsOf(options.workload).map((f) => {
    const s = stats.byF[f];
    return s === undefined ? `${f} -` : `${f} ${s.count} (ok ${s.okCount}, fail ${s.failCount}, info ${s.infoCount})${s.okCount === 0 ? ' NO OK' : ''}`;
  });
  const finalOps = facts.ops.filter((op) => op.final === true).length;
  const finalReads = facts.finalReads;
  const finalNote =
    finalReads === undefined || finalReads === null
      ? ''
      : `; final reads: ${finalReads.keysRead} of ${plural(finalReads.keys, 'key')} read in ${plural(finalOps, 'txn')}` +
        (finalReads.keysUnread.length > 0 ? `, ${finalReads.keysUnread.length} not read (results.json, workload, final-reads)` : '');
  lines.push(`ops: ${stats.count} (ok ${stats.okCount}, fail ${stats.failCount}, info ${stats.infoCount}); ${byF.join('; ')}${finalNote}`);
  const perf = results['perf'] as { 'ok-ops-per-s': number | null; 'latency-ms': { ok: LatencyQuantiles }; 'abort-rate'?: number | null };
  const q = perf['latency-ms'].ok;
  if (txn) {
    const abortRate = perf['abort-rate'];
    lines.push(
      `throughput: ${perf['ok-ops-per-s'] ?? '-'} committed txns/s; abort rate (30 txn-conflict) ${abortRate === null || abortRate === undefined ? '-' : percent(abortRate)}; ` +
        `latency of committed txns: p50 ${ms(q.p50)}, p95 ${ms(q.p95)}, p99 ${ms(q.p99)}, max ${ms(q.max)}`,
    );
  } else {
    lines.push(
      `throughput: ${perf['ok-ops-per-s'] ?? '-'} ok ops/s; latency of ok ops: p50 ${ms(q.p50)}, p95 ${ms(q.p95)}, p99 ${ms(q.p99)}, max ${ms(q.max)}`,
    );
  }
  const net = results['net'] as { all: { 'msg-count': number; 'msgs-per-op': number | null }; servers: { 'msg-count': number; 'msgs-per-op': number | null } };
  const per = txn ? 'txn' : 'op';
  lines.push(
    `network: ${net.all['msg-count']} messages (${net.all['msgs-per-op'] ?? '-'} per ${per}), server-to-server ${net.servers['msg-count']} ` +
      `(${net.servers['msgs-per-op'] ?? '-'} per ${per}); dropped by partitions ${facts.net.droppedByPartition}, to down nodes ${facts.net.droppedNodeDown}` +
      (facts.net.duplicated > 0 ? `; duplicated ${facts.net.duplicated}` : '') +
      (facts.net.delayedBySpike > 0 ? `; slowed by delay spikes ${facts.net.delayedBySpike}` : ''),
  );
  if (options.nemesis.length > 0) {
    const counts = Object.entries(facts.faultCounts).map(([f, count]) => `${f} ×${count}`);
    // Not a verdict (Jepsen has none), but a run under a nemesis that never acted must not read as one that withstood it.
    const none = `none injected: the first step was not due within the run (raise --time-limit or lower --nemesis-interval)`;
    lines.push(
      `faults: ${counts.length > 0 ? counts.join(', ') : facts.harnessErrors.length > 0 ? 'none injected' : none}${facts.restarts > 0 ? `; ${facts.restarts} restarts` : ''}`,
    );
  }
  if (facts.bursts !== undefined && facts.bursts !== null) {
    const { bursts, ops } = facts.bursts;
    lines.push(`bursts: ${bursts} (a new node sending to every peer), ${ops} ops by burst clients (checked, not counted above)`);
  }
  const output = facts.output;
  lines.push(
    `output: ${output.badLines.length} bad stdout line${output.badLines.length === 1 ? '' : 's'}, ${output.malformedResponses} malformed response${output.malformedResponses === 1 ? '' : 's'}` +
      (output.answersToAnother > 0 ? ` (${output.answersToAnother} answering another request)` : '') +
      (output.spoofedSrc > 0 ? `, ${output.spoofedSrc} messages with another id as src` : '') +
      (output.sessionRetries > 0 ? `, ${output.sessionRetries} session retries` : ''),
  );
  for (const bad of output.badLines.slice(0, SCREEN_BAD_LINES)) lines.push(`  BAD LINE from ${bad.node} (${bad.reason}): ${bad.line}`);
  if (output.badLines.length > SCREEN_BAD_LINES)
    lines.push(`  ... ${output.badLines.length - SCREEN_BAD_LINES} more bad lines in results.json (output, bad-lines)`);
  for (const example of output.malformedExamples.slice(0, SCREEN_MALFORMED_EXAMPLES)) lines.push(`  malformed response: ${example}`);
  if (output.malformedResponses > SCREEN_MALFORMED_EXAMPLES) {
    const kept = Math.min(output.malformedExamples.length, output.malformedResponses);
    lines.push(
      `  ... ${output.malformedResponses - SCREEN_MALFORMED_EXAMPLES} more malformed responses (the first ${kept} in results.json, output, malformed-response-examples; every one is an info op in history.jsonl)`,
    );
  }
  for (const problem of output.nodeProblems.slice(0, SCREEN_NODE_PROBLEMS)) lines.push(`  NODE PROBLEM: ${problem}`);
  if (output.nodeProblems.length > SCREEN_NODE_PROBLEMS)
    lines.push(`  ... ${output.nodeProblems.length - SCREEN_NODE_PROBLEMS} more node problems in results.json (output, node-problems)`);
  for (const crash of facts.crashes) {
    const tail = crash.logTail.split('\n').filter((line) => line.trim() !== '');
    const shown = tail.slice(-SCREEN_CRASH_LOG_LINES);
    const logPath = join(facts.outDir, 'node-logs', `${crash.node}.log`);
    lines.push(
      `  NODE CRASHED: ${crash.node} exited on its own (code ${crash.code ?? '-'}, signal ${crash.signal ?? '-'}) at ${(crash.atMs / 1000).toFixed(1)} s; ` +
        `${shown.length === 0 ? `its log is empty (${logPath})` : `the last ${shown.length === 1 ? 'line' : `${shown.length} lines`} of ${logPath}:`}`,
    );
    for (const line of shown) lines.push(`    ${line}`);
  }
  for (const error of facts.harnessErrors) lines.push(`  ERROR: ${error}`);
  if (facts.recovery !== undefined && facts.recovery !== null) lines.push(recoveryLine(facts.recovery));
  const workload = facts.workload;
  const avail = results['availability'] as { valid: Validity; 'ok-fraction': number | null };
  const availabilityText =
    options.availability === undefined
      ? `not required (ok fraction ${avail['ok-fraction'] ?? '-'})`
      : `${verdictWord(avail.valid)} (ok fraction ${avail['ok-fraction'] ?? '-'})`;
  if (workload.kind === 'lin-kv') {
    lines.push(
      `check: workload ${verdictWord(workload.valid)} (${workload.keyCount} key${workload.keyCount === 1 ? '' : 's'}` +
        (workload.failures.length > 0 ? `, not linearizable: ${listSome(workload.failures)}` : '') +
        (workload.undecided.length > 0 ? `, undecided: ${listSome(workload.undecided)}` : '') +
        `, ${workload.elapsedMs.toFixed(0)} ms); stats ${verdictWord(stats.valid)}; availability ${availabilityText}`,
    );
  } else {
    lines.push(
      `check: workload ${verdictWord(workload.valid)} (transactional check of ${options.consistencyModels.join(', ')}, ${workload.elapsedMs.toFixed(0)} ms); ` +
        `stats ${verdictWord(stats.valid)}; availability ${availabilityText}`,
    );
    for (const line of workload.summaryLines.slice(0, SCREEN_TXN_SUMMARY_LINES)) lines.push(`  ${line}`);
    if (workload.summaryLines.length > SCREEN_TXN_SUMMARY_LINES) {
      lines.push(`  ... ${workload.summaryLines.length - SCREEN_TXN_SUMMARY_LINES} more lines in results.json (workload)`);
    }
  }
  if (workload.error !== undefined) lines.push(`  checker: ${workload.error}`);
  for (const explanation of workload.explanations.slice(0, SCREEN_EXPLAINED_KEYS)) {
    const explanationLines = explanation.split('\n');
    for (const line of explanationLines.slice(0, SCREEN_EXPLANATION_LINES)) lines.push(`  ${line}`);
    if (explanationLines.length > SCREEN_EXPLANATION_LINES) {
      lines.push(`  (cut after ${SCREEN_EXPLANATION_LINES} of ${explanationLines.length} lines; full text in ${explanationsPath})`);
    }
  }
  if (workload.explanations.length > SCREEN_EXPLAINED_KEYS) {
    const more = workload.explanations.length - SCREEN_EXPLAINED_KEYS;
    const what = workload.kind === 'lin-kv' ? `key${more === 1 ? '' : 's'}` : `anomal${more === 1 ? 'y' : 'ies'}`;
    lines.push(`  ... ${more} more ${what} explained in ${explanationsPath}`);
  }
  const pictures = workload.kind === 'lin-kv' ? (workload.timelineSvg === null ? [] : ['timeline.svg']) : workload.pictures.map((picture) => picture.file);
  const files = [
    'history.jsonl',
    'results.json',
    'history.edn',
    'results.edn',
    'summary.txt',
    ...RUN_PICTURES,
    ...pictures,
    ...(workload.fullExplanations.length === 0 ? [] : [EXPLANATIONS_FILE]),
    'node-logs/',
  ];
  lines.push(`results: ${facts.outDir} (${files.join(', ')})`);
  lines.push(`seed: ${options.seed} (repeat with --seed ${options.seed}; raftkv-test test --help says what a seed repeats)`);
  const reasons = results['why'] as readonly Reason[];
  if (reasons.length > 0) {
    lines.push('why:');
    for (const reason of reasons) lines.push(`  ${verdictWord(reason.valid)} (${reason.check}): ${reason.reason}`);
  }
  const safety = mergeValidity(reasons.filter((reason) => reason.check !== 'recovery').map((reason) => reason.valid));
  if (results.verdict === 'not-recovered') lines.push(notRecoveredBanner(safety));
  else if (workload.kind === 'lin-kv') lines.push(verdictBanner(results.valid, `${plural(stats.count, 'operation')} on ${plural(workload.keyCount, 'key')}`));
  else lines.push(verdictBanner(results.valid, `${plural(stats.count, 'txn')} over ${plural(facts.keysUsed, 'key')}; ${options.consistencyModels.join(', ')}`));
  return lines.join('\n');
}

function verdictWord(valid: Validity): string {
  return valid === true ? 'valid' : valid === false ? 'INVALID' : 'UNKNOWN';
}

function notRecoveredBanner(safety: Validity): string {
  if (safety === true) return 'VERDICT: valid but did not recover (why: above)';
  return 'VERDICT: did not recover, and the run could not be judged in full (why: above)';
}

function verdictBanner(valid: Validity, checked: string): string {
  if (valid === true) return `VERDICT: valid (no anomaly found in ${checked})`;
  if (valid === false) return 'VERDICT: INVALID (why: above)';
  return 'VERDICT: unknown (the run could not be judged; why: above)';
}
