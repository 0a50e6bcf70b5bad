// --bursts end to end against raftkv itself: with its leader cut off again and again, the traffic
// shows new nodes sending to every peer, each starting a burst of reads and writes by fresh clients
// at every node; their ops reach the history and the checker but not the statistics, and the
// cluster stays valid. Every process started is gone afterwards.
import { describe, afterAll, beforeAll, expect, it } from 'vitest';
import { liveProcessCount } from '../../src/harness/processes.js';
import { RAFTKV_BIN } from '../support/node_process.js';
import { cleanOutDirs, harnessRun, isRunning, readJsonLines, requireLocalKv } from './helpers.js';

beforeAll(requireLocalKv);
afterAll(cleanOutDirs);

const BURST_PROCESS_BASE = 500_000;
const PROBE_PROCESS_BASE = 1_000_000;

describe('op bursts, end to end', () => {
  it('bursts at every change of leader, checks their ops with the history and leaves them out of the statistics', async () => {
    const result = await harnessRun('raftkv bursts', {
      bin: RAFTKV_BIN,
      nodeCount: 3,
      concurrency: '2n',
      rate: 100,
      latencyMs: 2,
      timeLimitS: 4,
      nemesis: ['partition-leader'],
      nemesisIntervalS: 0.5,
      bursts: true,
      seed: 7,
    });
    expect(result.verdict, result.summary).toBe('valid');
    const bursts = result.results['bursts'] as { count: number; 'op-count': number };
    expect(bursts.count, result.summary).toBeGreaterThanOrEqual(1);
    expect(result.summary).toMatch(/^bursts: \d+ \(a new node sending to every peer\), \d+ ops by burst clients/m);
    const events = readJsonLines(result.historyPath);
    const isBurst = (process: unknown): boolean => typeof process === 'number' && process >= BURST_PROCESS_BASE && process < PROBE_PROCESS_BASE;
    const burstCompletions = events.filter((event) => isBurst(event['process']) && event['type'] !== 'invoke');
    expect(burstCompletions.length).toBe(bursts['op-count']);
    const okFunctions = new Set(burstCompletions.filter((event) => event['type'] === 'ok').map((event) => event['f']));
    expect([...okFunctions].sort()).toEqual(['read', 'write']);
    // Statistics count the workers' ops only.
    const workerCompletions = events.filter(
      (event) => typeof event['process'] === 'number' && (event['process'] as number) < BURST_PROCESS_BASE && event['type'] !== 'invoke',
    );
    expect((result.results['stats'] as { count: number }).count).toBe(workerCompletions.length);
    expect(result.processes.every((record) => !isRunning(record.pid))).toBe(true);
    expect(liveProcessCount()).toBe(0);
  }, 60_000);
});
