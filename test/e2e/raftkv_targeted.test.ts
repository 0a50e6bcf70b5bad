// bin/raftkv under every targeted nemesis at once (the likely leader cut off, chased, killed and
// paused, re-partitioned during elections, delay spikes, duplicated messages): it must stay
// valid, every node must serve every type again after healing, and the harness's traffic-only
// judgement of the leader must name the leader the nodes' own logs name. The seed is fixed; a
// failure prints the command that replays it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanOutDirs, harnessRun, readJsonLines } from '../harness/helpers.js';
import { RAFTKV_BIN, requireBuilt } from '../support/node_process.js';

beforeAll(() => requireBuilt('dist/raftkv.mjs'));
afterAll(cleanOutDirs);

interface LeaderEvent {
  readonly atMs: number;
  readonly node: string;
  /** The term it became leader of; null when it stopped leading (stepped down or killed). */
  readonly term: number | null;
}

/** Who led, by the nodes' logs (`became leader of term T`, `stepped down`) and the kills, in test time. */
function leaderEvents(outDir: string, opPhaseStartedAt: string, history: Record<string, unknown>[]): LeaderEvent[] {
  const t0 = Date.parse(opPhaseStartedAt);
  const events: LeaderEvent[] = [];
  for (const file of readdirSync(join(outDir, 'node-logs'))) {
    for (const line of readFileSync(join(outDir, 'node-logs', file), 'utf8').split('\n')) {
      const match = /^(\S+Z) (n\d+) \w+ (?:became leader of term (\d+)|stepped down as leader)/.exec(line);
      if (match !== null)
        events.push({ atMs: Date.parse(match[1] as string) - t0, node: match[2] as string, term: match[3] === undefined ? null : Number(match[3]) });
    }
  }
  for (const event of history) {
    if (event['f'] !== 'kill' || event['type'] !== 'info') continue;
    for (const node of (event['value'] as { killed: string[] }).killed) events.push({ atMs: (event['time'] as number) / 1e6, node, term: null });
  }
  return events.sort((a, b) => a.atMs - b.atMs);
}

/** The leader of the highest term that had not stopped leading at `atMs`, or null. */
function leaderAt(events: readonly LeaderEvent[], atMs: number): string | null {
  const leading = new Map<string, number>();
  for (const event of events) {
    if (event.atMs > atMs) break;
    if (event.term === null) leading.delete(event.node);
    else leading.set(event.node, event.term);
  }
  let best: [string, number] | null = null;
  for (const entry of leading) if (best === null || entry[1] > best[1]) best = entry;
  return best?.[0] ?? null;
}

describe('bin/raftkv under the targeted nemeses', () => {
  it('is valid and recovers, and the traffic names the leader the logs name', async () => {
    const seed = 14;
    const result = await harnessRun('raftkv targeted', {
      bin: RAFTKV_BIN,
      nodeCount: 3,
      concurrency: '2n',
      rate: 150,
      timeLimitS: 5,
      nemesis: ['partition-leader', 'partition-new-leader', 'partition-election', 'kill-leader', 'pause-leader', 'delay-spike', 'duplicate'],
      nemesisIntervalS: 0.5,
      seed,
    });
    const replay = `replay: bin/raftkv-test test -w lin-kv --bin bin/raftkv --node-count 3 --concurrency 2n --rate 150 --time-limit 5 --nemesis targeted --nemesis-interval 0.5 --seed ${seed}`;
    expect(result.verdict, `${result.summary}\n${replay}`).toBe('valid');
    expect((result.results['recovery'] as { checked: boolean }).checked).toBe(true);
    const history = readJsonLines(result.historyPath);
    const nemesis = history.filter((event) => event['process'] === 'nemesis' && event['type'] === 'info');
    const count = (f: string): number => nemesis.filter((event) => event['f'] === f).length;
    expect(count('start-partition'), replay).toBeGreaterThan(0);
    expect(count('start-partition')).toBe(count('stop-partition'));
    expect(count('kill')).toBe(count('start'));
    expect(count('pause')).toBe(count('resume'));
    // Each step that took the likely leader, at a moment the logs show one: mostly the same node.
    const startedAt = (result.results['test'] as { 'op-phase-started-at': string })['op-phase-started-at'];
    const events = leaderEvents(result.outDir, startedAt, history);
    const judged = nemesis
      .map((event) => ({ atMs: (event['time'] as number) / 1e6, value: event['value'] as { 'likely-leader'?: string; judged?: boolean } }))
      .filter(({ value }) => value['likely-leader'] !== undefined && value.judged === true)
      .map(({ atMs, value }) => ({ atMs, target: value['likely-leader'], leader: leaderAt(events, atMs - 1) }))
      .filter(({ leader }) => leader !== null);
    const hits = judged.filter(({ target, leader }) => target === leader).length;
    expect(judged.length, `${JSON.stringify(judged)}\n${replay}`).toBeGreaterThanOrEqual(2);
    expect(hits / judged.length, `${JSON.stringify(judged)}\n${replay}`).toBeGreaterThanOrEqual(0.5);
  }, 60_000);
});
