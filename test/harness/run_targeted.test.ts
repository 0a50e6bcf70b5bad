// End-to-end runs of the targeted nemeses and the recovery check against small test nodes: a
// primary-copy store (n0 holds the data; the others forward to it, so n0 sends to everyone) must
// be judged the leader, stay valid and recover; duplicated messages reach the nodes as the same
// message twice; and a store whose followers give up on a primary they lost once is safe but
// never recovers: its own verdict and exit status. Every process started is gone afterwards.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveProcessCount } from '../../src/harness/processes.js';
import { cleanOutDirs, harnessRun, isRunning, NODES_DIR, readJsonLines, requireLocalKv } from './helpers.js';

beforeAll(requireLocalKv);
afterAll(cleanOutDirs);

const PRIMARY_KV = join(NODES_DIR, 'primary-kv.mjs');

interface Recovery {
  valid: unknown;
  checked: boolean;
  'served-after-s': Record<string, Record<string, number | null>>;
  failures: { node: string; f: string }[];
}

function nemesisEvents(historyPath: string): Record<string, unknown>[] {
  return readJsonLines(historyPath).filter((event) => event['process'] === 'nemesis' && event['type'] === 'info');
}

describe('targeted faults and the recovery check, end to end', () => {
  it('judges the primary the leader, and finds the primary-copy store valid and recovered under the leader-targeted faults', async () => {
    // Seed 4: the first step (a partition-election, at 0.29 s) comes after some traffic, and all five kinds act.
    const result = await harnessRun('primary-kv targeted', {
      bin: PRIMARY_KV,
      nodeCount: 3,
      concurrency: '2n',
      rate: 150,
      timeLimitS: 2.5,
      nemesis: ['partition-leader', 'partition-new-leader', 'partition-election', 'pause-leader', 'delay-spike'],
      nemesisIntervalS: 0.15,
      recoveryTimeoutS: 5,
      seed: 4,
    });
    expect(result.verdict, result.summary).toBe('valid');
    expect(result.exitCode).toBe(0);
    const recovery = result.results['recovery'] as Recovery;
    expect(recovery).toMatchObject({ valid: true, checked: true, failures: [] });
    for (const node of ['n0', 'n1', 'n2']) expect(Object.keys(recovery['served-after-s'][node] ?? {})).toEqual(['read', 'write', 'cas']);
    const events = nemesisEvents(result.historyPath);
    const first = events[0]?.['value'] as Record<string, unknown> | undefined;
    expect(first, JSON.stringify(events[0])).toMatchObject({ 'likely-leader': 'n0', judged: true });
    const kinds = new Set((result.results['nemesis'] as { intervals: { kind: string }[] }).intervals.map((interval) => interval.kind));
    expect([...kinds].sort()).toEqual(['delay-spike', 'partition-election', 'partition-leader', 'partition-new-leader', 'pause-leader']);
    // Every fault was undone by the end.
    const count = (f: string): number => events.filter((event) => event['f'] === f).length;
    expect(count('start-partition')).toBe(count('stop-partition'));
    expect(count('pause')).toBe(count('resume'));
    expect(count('start-delay-spike')).toBe(count('stop-delay-spike'));
    expect(result.processes.every((record) => !isRunning(record.pid))).toBe(true);
    expect(liveProcessCount()).toBe(0);
  });

  it('delivers duplicated node-to-node messages twice under duplicate, the copy as the same message', async () => {
    const result = await harnessRun('primary-kv duplicate', {
      bin: PRIMARY_KV,
      nodeCount: 3,
      concurrency: '2n',
      rate: 150,
      timeLimitS: 2,
      nemesis: ['duplicate'],
      nemesisIntervalS: 0.3,
      seed: 3,
    });
    const duplicated = (result.results['net'] as { duplicated: number }).duplicated;
    expect(duplicated, result.summary).toBeGreaterThan(0);
    expect(result.summary).toContain(`; duplicated ${duplicated}`);
    // The nodes saw it: the same envelope id twice (this store applies a forward as often as it arrives).
    const logs = ['n0', 'n1', 'n2'].map((node) => readFileSync(join(result.outDir, 'node-logs', `${node}.log`), 'utf8')).join('');
    expect(logs).toMatch(/got message id \d+ \(forward(_ok)?\) twice/);
    const events = nemesisEvents(result.historyPath);
    expect(events.filter((event) => event['f'] === 'start-duplicate').length).toBe(events.filter((event) => event['f'] === 'stop-duplicate').length);
  });

  it('calls a safe store whose followers never forward again after losing the primary "valid but did not recover", with exit status 3', async () => {
    const result = await harnessRun('primary-kv gives up', {
      bin: PRIMARY_KV,
      binArgs: ['--give-up-after-ms', '200'],
      nodeCount: 3,
      concurrency: '2n',
      rate: 150,
      timeLimitS: 2,
      nemesis: ['partition-leader'],
      nemesisIntervalS: 0.4,
      recoveryTimeoutS: 1,
      seed: 5,
    });
    expect(result.verdict, result.summary).toBe('not-recovered');
    expect(result.exitCode).toBe(3);
    expect(result.valid).toBe(false);
    expect(result.workload.valid).toBe(true);
    expect(result.stats.valid).toBe(true);
    const recovery = result.results['recovery'] as Recovery;
    expect(recovery.valid).toBe(false);
    // n0 holds the data and serves; the others refuse everything once they gave up.
    expect(recovery['served-after-s']['n0']).toMatchObject({ read: expect.any(Number), write: expect.any(Number), cas: expect.any(Number) });
    expect(new Set(recovery.failures.map((failure) => failure.node))).toEqual(new Set(['n1', 'n2']));
    expect(result.summary).toMatch(/node n1 served no read, write, cas within 1 s after healing \(last: read error 11/);
    expect(result.summary.split('\n').at(-1)).toBe('VERDICT: valid but did not recover (why: above)');
  });
});
