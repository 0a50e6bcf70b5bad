// End-to-end runs of the harness with the txn workloads: a correct single-copy txn node is valid
// under strict-serializable for both workloads (also under partitions), with the history, the
// results and the final reads as documented; a node with no replication is invalid and gets its
// anomalies explained and drawn; a node that refuses every txn gives "nothing committed"
// (unknown), and one that answers with other micro-ops gives malformed responses. Short runs: CI
// is one busy 2-core machine.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseJsonLines } from '../../src/check/history.js';
import { liveProcessCount } from '../../src/harness/processes.js';
import { cleanOutDirs, harnessRun, isRunning, NODES_DIR, readJsonLines } from './helpers.js';

afterAll(cleanOutDirs);

const SINGLE_COPY = join(NODES_DIR, 'txn-single-copy.mjs');
const fakeDir = mkdtempSync(join(tmpdir(), 'raftkv-txn-fakes-'));
afterAll(() => rmSync(fakeDir, { recursive: true, force: true }));

/** A node that answers init and gives every txn the reply `answer(body)` returns. */
function fakeNode(name: string, answer: string): string {
  const path = join(fakeDir, `${name}.mjs`);
  writeFileSync(
    path,
    `#!/usr/bin/env node
import { createInterface } from 'node:readline';
let id = null;
const answer = ${answer};
createInterface({ input: process.stdin }).on('line', (line) => {
  const { src, body } = JSON.parse(line);
  if (body.type === 'init') id = body.node_id;
  const reply = body.type === 'init' ? { type: 'init_ok' } : answer(body);
  process.stdout.write(JSON.stringify({ src: id, dest: src, body: { ...reply, in_reply_to: body.msg_id } }) + '\\n');
});
`,
  );
  chmodSync(path, 0o755);
  return path;
}

interface TxnResults {
  test: { workload: string; 'consistency-models': string[]; 'final-reads': boolean; 'key-count': number };
  workload: {
    valid: unknown;
    'consistency-models': Record<string, { 'valid?': unknown }>;
    'final-reads'?: { keys: number; 'keys-read': number; txns: number };
    pictures: string[];
  };
  stats: { 'by-f': Record<string, { count: number }>; 'error-codes': Record<string, number> };
  perf: { 'latency-ms': { txn: { count: number } }; 'abort-rate': number };
}

describe('harness runs of the txn workloads', () => {
  it('finds the single-copy node valid under strict-serializable with txn-list-append, with the history, results and final reads', async () => {
    const result = await harnessRun('txn-list-append single copy', {
      bin: SINGLE_COPY,
      workload: 'txn-list-append',
      nodeCount: 3,
      concurrency: '2n',
      rate: 150,
      timeLimitS: 2,
      seed: 1601,
    });
    expect(result.valid, result.summary).toBe(true);
    expect(result.exitCode).toBe(0);
    expect(result.workload.kind).toBe('txn');
    const results = result.results as unknown as TxnResults;
    expect(results.test).toMatchObject({ workload: 'txn-list-append', 'consistency-models': ['strict-serializable'], 'final-reads': true, 'key-count': 10 });
    expect(results.workload['consistency-models']).toEqual({ 'strict-serializable': { 'valid?': true, 'violated-by': [] } });
    expect(Object.keys(results.stats['by-f'])).toEqual(['txn']);
    // Every client event is a txn, its value the micro-op list: reads null in invocations,
    // filled in (a list or null) in ok completions.
    expect(parseJsonLines(readFileSync(result.historyPath, 'utf8')).ok).toBe(true);
    const events = readJsonLines(result.historyPath);
    // Every txn, final read and recovery probe, each an invoke and a completion.
    const probeOps = (result.results['recovery'] as { 'probe-ops': number })['probe-ops'];
    expect(probeOps).toBeGreaterThanOrEqual(3);
    expect(events.length).toBe(2 * (result.stats.count + probeOps));
    for (const event of events) {
      expect(event['f']).toBe('txn');
      expect(event).not.toHaveProperty('key');
      const ops = event['value'] as [string, number, unknown][];
      expect(ops.length).toBeGreaterThanOrEqual(1);
      for (const [f, key, value] of ops) {
        expect(['r', 'append']).toContain(f);
        expect(Number.isSafeInteger(key)).toBe(true);
        if (f === 'r' && event['type'] === 'invoke') expect(value).toBeNull();
        if (f === 'r' && event['type'] === 'ok') expect(value === null || Array.isArray(value)).toBe(true);
        if (f === 'append') expect(Number.isSafeInteger(value)).toBe(true);
      }
    }
    // Final reads: every key ever written read by read-only txns after the op phase, not counted in latency.
    const finalReads = results.workload['final-reads'];
    expect(finalReads?.keys).toBeGreaterThan(0);
    expect(finalReads?.['keys-read']).toBe(finalReads?.keys);
    const written = new Set(
      events
        .filter((event) => event['type'] === 'invoke')
        .flatMap((event) => (event['value'] as [string, number][]).filter(([f]) => f === 'append').map(([, key]) => key)),
    );
    expect(finalReads?.keys).toBe(written.size);
    expect(results.perf['latency-ms'].txn.count).toBe(result.stats.okCount - (finalReads?.txns ?? 0));
    expect(result.summary).toContain('committed txns/s');
    expect(result.summary).toMatch(/final reads: (\d+) of \1 keys read/);
    expect(result.summary.split('\n').at(-1)).toMatch(/^VERDICT: valid \(no anomaly found in \d+ txns over \d+ keys; strict-serializable\)$/);
    // The latency plot draws txns (a diamond each) and lists txn in its legend.
    const svg = readFileSync(join(result.outDir, 'latency.svg'), 'utf8');
    expect(svg).toContain('>txn</text>');
    expect(existsSync(join(result.outDir, 'timeline.svg'))).toBe(false);
    expect(results.workload.pictures).toEqual([]);
    expect(result.processes.every((record) => !isRunning(record.pid))).toBe(true);
  });

  it('finds the single-copy node valid under every model with txn-rw-register', async () => {
    const result = await harnessRun('txn-rw-register single copy', {
      bin: SINGLE_COPY,
      workload: 'txn-rw-register',
      nodeCount: 2,
      concurrency: 4,
      rate: 150,
      timeLimitS: 2,
      consistencyModels: ['strict-serializable', 'serializable', 'snapshot-isolation', 'repeatable-read', 'read-committed', 'read-uncommitted'],
      seed: 1602,
    });
    expect(result.valid, result.summary).toBe(true);
    const results = result.results as unknown as TxnResults;
    expect(Object.values(results.workload['consistency-models']).map((model) => model['valid?'])).toEqual([true, true, true, true, true, true]);
    const fs = new Set(readJsonLines(result.historyPath).flatMap((event) => (event['value'] as [string][]).map(([f]) => f)));
    expect(fs).toEqual(new Set(['r', 'w']));
  });

  it('finds the single-copy node valid under partitions, every fault healed before the final reads', async () => {
    const result = await harnessRun('txn-list-append partitions', {
      bin: SINGLE_COPY,
      workload: 'txn-list-append',
      nodeCount: 3,
      concurrency: '2n',
      rate: 150,
      timeLimitS: 2,
      latencyMs: 5,
      nemesis: ['partition'],
      nemesisIntervalS: 0.4,
      seed: 1603,
    });
    expect(result.valid, result.summary).toBe(true);
    const events = readJsonLines(result.historyPath);
    const nemesis = events.filter((event) => event['process'] === 'nemesis' && event['type'] === 'info').map((event) => event['f']);
    expect(nemesis.filter((f) => f === 'start-partition').length, result.summary).toBeGreaterThan(0);
    expect(nemesis.filter((f) => f === 'start-partition').length).toBe(nemesis.filter((f) => f === 'stop-partition').length);
    // The last stop-partition comes before the first final read (the reads of every key written).
    const lastHeal = events.map((event) => event['f']).lastIndexOf('stop-partition');
    const finalReads = (result.results as unknown as TxnResults).workload['final-reads'];
    expect(finalReads?.['keys-read']).toBe(finalReads?.keys);
    const readOnly = events.filter((event, index) => index > lastHeal && event['type'] === 'invoke');
    expect(readOnly.length).toBeGreaterThanOrEqual(finalReads?.txns ?? 1);
    expect(liveProcessCount()).toBe(0);
  });

  it('finds a node without replication invalid, explains its anomalies and draws them', async () => {
    const result = await harnessRun('txn no replication', {
      bin: join(NODES_DIR, 'txn-no-replication.mjs'),
      workload: 'txn-list-append',
      nodeCount: 2,
      concurrency: '2n',
      rate: 200,
      timeLimitS: 2,
      seed: 1604,
    });
    expect(result.valid, result.summary).toBe(false);
    expect(result.exitCode).toBe(1);
    const workload = result.workload;
    if (workload.kind !== 'txn') throw new Error('a txn run has a txn verdict');
    expect(workload.pictures.length).toBeGreaterThan(0);
    for (const picture of workload.pictures) {
      expect(picture.file).toMatch(/^anomaly-[A-Za-z0-9-]+\.svg$/);
      expect(readFileSync(join(result.outDir, picture.file), 'utf8')).toContain('<svg');
    }
    expect(readFileSync(join(result.outDir, 'explanations.txt'), 'utf8')).toBe(`${workload.fullExplanations.join('\n\n')}\n`);
    expect(result.summary).toMatch(/\n {2}INVALID \(workload\): not strict-serializable: /);
    expect(result.summary).toContain(`drawn in ${workload.pictures[0]?.file}`);
  });

  it('calls a run in which a node refused every txn (definitely) unknown: nothing committed, never a crash', async () => {
    const refusing = fakeNode('refuses-txn', `(body) => ({ type: 'error', code: 10, text: 'txn is not supported' })`);
    const result = await harnessRun('txn refused', {
      bin: refusing,
      workload: 'txn-list-append',
      nodeCount: 1,
      concurrency: 2,
      rate: 100,
      timeLimitS: 1,
      seed: 1605,
    });
    expect(result.valid, result.summary).toBe('unknown');
    expect(result.exitCode).toBe(2);
    expect(result.stats.count).toBeGreaterThan(0);
    expect(result.stats.failCount).toBe(result.stats.count);
    const why = result.results['why'] as { check: string; valid: unknown; reason: string }[];
    expect(why).toContainEqual({
      check: 'stats',
      valid: 'unknown',
      reason: expect.stringMatching(
        /^nothing committed: none of the \d+ txns succeeded \(\d+ failed, 0 indeterminate; error 10 \(not-supported\) ×\d+\), so there is nothing to check/,
      ) as string,
    });
    expect(why.some((reason) => reason.valid === false)).toBe(false);
    expect((result.results as unknown as TxnResults).stats['error-codes']).toEqual({ '10': result.stats.count });
    // No final reads when nothing committed.
    expect((result.results as unknown as TxnResults).workload['final-reads']).toBeUndefined();
    expect(result.summary.split('\n').at(-1)).toBe('VERDICT: unknown (the run could not be judged; why: above)');
  });

  it('records a txn_ok with other micro-ops than the request as a malformed response (info), and fails the run: it answers another txn', async () => {
    // Drops the last micro-op of every txn.
    const dropping = fakeNode('drops-micro-op', `(body) => ({ type: 'txn_ok', txn: body.txn.slice(0, -1) })`);
    const result = await harnessRun('txn malformed', {
      bin: dropping,
      workload: 'txn-rw-register',
      nodeCount: 1,
      concurrency: 2,
      rate: 100,
      timeLimitS: 1,
      seed: 1606,
    });
    expect(result.stats.infoCount).toBe(result.stats.count);
    const output = result.results['output'] as { 'malformed-response-count': number; 'malformed-response-examples': string[] };
    expect(output['malformed-response-count']).toBe(result.stats.count);
    expect(output['malformed-response-examples'][0]).toMatch(/^n0: txn_ok's "txn" has \d micro-ops where \d were sent/);
    expect(result.summary).toContain('malformed response: n0: ');
    expect(result.summary).toContain(`${result.stats.count} malformed responses (${result.stats.count} answering another request)`);
    expect(result.valid, result.summary).toBe(false);
    expect(result.summary).toMatch(/^ {2}INVALID \(output\): \d+ replies answered another request \(n0: txn_ok's "txn" has \d micro-ops where \d were sent/m);
  });
});
