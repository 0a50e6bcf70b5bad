// End-to-end runs of the harness against deliberately broken nodes (test/nodes/): each must be
// reported, and the run must not pass. Every process started is gone afterwards.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveProcessCount } from '../../src/harness/processes.js';
import { initTimeoutMessage } from '../../src/harness/cluster.js';
import { cleanOutDirs, harnessRun, isRunning, NODES_DIR, requireLocalKv } from './helpers.js';
import { readRunPictures } from './run_pictures.js';

beforeAll(requireLocalKv);
afterAll(cleanOutDirs);

const BAD_OUTPUT = join(NODES_DIR, 'bad-output.mjs');
const FAILS_AT_START = join(NODES_DIR, 'fails-at-start.mjs');

interface Sections {
  output: { valid: boolean; 'bad-line-count': number; 'bad-lines': { node: string; reason: string }[]; 'malformed-response-count': number };
  stats: { valid: boolean; 'by-f': { write: { 'ok-count': number; 'info-count': number } } };
  crashes: { valid: boolean; nodes: { node: string; code: number | null; 'log-tail': string }[] };
  errors: string[];
}

describe('harness runs of broken nodes', () => {
  it('finds local reads on 3 nodes not linearizable', async () => {
    const result = await harnessRun('local-reads', {
      bin: join(NODES_DIR, 'local-reads.mjs'),
      nodeCount: 3,
      concurrency: '2n',
      rate: 150,
      timeLimitS: 3,
      latencyMs: 20,
      seed: 11,
    });
    const workload = result.workload;
    if (workload.kind !== 'lin-kv') throw new Error('a lin-kv run has a lin-kv verdict');
    expect(workload.valid, result.summary).toBe(false);
    expect(workload.failures.length).toBeGreaterThan(0);
    expect(result.workload.explanations.join('\n')).toContain('NOT linearizable');
    expect(result.exitCode).toBe(1);
    expect(result.summary).toContain('not linearizable');
    expect(result.summary).toMatch(/\n {2}INVALID \(workload\): not linearizable: keys? /);
    // Every explanation, in full, is in explanations.txt, and the summary says so.
    const explanationsPath = join(result.outDir, 'explanations.txt');
    expect(existsSync(explanationsPath)).toBe(true);
    expect(readFileSync(explanationsPath, 'utf8')).toBe(`${result.workload.fullExplanations.join('\n\n')}\n`);
    expect(workload.fullExplanations).toHaveLength(workload.failures.length);
    expect(result.summary).toContain('explanations.txt');
    // The message diagram and the timeline centre on the first op that cannot be linearized.
    const anomaly = workload.firstAnomaly;
    expect(anomaly?.what).toMatch(/^key \d+: p\d+ .* cannot be linearized$/);
    const pictures = readRunPictures(result.outDir);
    expect(pictures.messageTexts.join(' ')).toContain(`around the first anomaly: ${anomaly?.what}`);
    expect(pictures.messageTexts).toContain('anomaly');
    expect(pictures.arrows.length).toBeGreaterThan(0);
    expect(pictures.timelineNotes.join(' ')).toContain(`First anomaly (outlined in red): ${anomaly?.what}`);
  });

  it('finds writes acknowledged before they are applied not linearizable', async () => {
    const result = await harnessRun('ack-writes-early', {
      bin: join(NODES_DIR, 'primary-kv.mjs'),
      binArgs: ['--ack-writes-early'],
      nodeCount: 3,
      concurrency: '2n',
      rate: 150,
      timeLimitS: 3,
      latencyMs: 20,
      seed: 12,
    });
    expect(result.workload.valid, result.summary).toBe(false);
    expect(result.valid).toBe(false);
    expect(result.exitCode).toBe(1);
  });

  it('counts replies with an extra key as malformed, records those ops as info, and fails the run', async () => {
    const result = await harnessRun('extra-key', {
      bin: BAD_OUTPUT,
      binArgs: ['--mode', 'extra-key'],
      nodeCount: 1,
      concurrency: '2n',
      rate: 150,
      timeLimitS: 2,
      seed: 13,
    });
    const sections = result.results as unknown as Sections;
    expect(sections.output['malformed-response-count'], result.summary).toBeGreaterThan(0);
    expect(sections.stats['by-f'].write['ok-count']).toBe(0);
    expect(sections.stats['by-f'].write['info-count']).toBe(sections.output['malformed-response-count']);
    expect(sections.stats.valid).toBe(false);
    expect(result.valid).toBe(false);
    expect(result.summary).toContain('disallowed key "leader"');
  });

  for (const [mode, reason] of [
    ['bad-line', /not valid JSON/],
    ['unknown-dest', /invalid dest "n99"/],
  ] as const) {
    it(`reports a node that prints ${mode === 'bad-line' ? 'a log line' : 'a message to an unknown node'} on stdout, and stops reading it`, async () => {
      const result = await harnessRun(mode, {
        bin: BAD_OUTPUT,
        binArgs: ['--mode', mode],
        nodeCount: 1,
        concurrency: '2n',
        rate: 150,
        timeLimitS: 2,
        seed: 14,
      });
      const sections = result.results as unknown as Sections;
      expect(sections.output['bad-line-count'], result.summary).toBe(1);
      expect(sections.output['bad-lines'][0]?.reason).toMatch(reason);
      expect(sections.output.valid).toBe(false);
      expect(result.valid).toBe(false);
      expect(result.exitCode).toBe(1);
      expect(result.summary).toContain('BAD LINE from n0');
      // Once muted, the node's answers are never read again: operations after that time out.
      expect(result.stats.failCount + result.stats.infoCount).toBeGreaterThan(0);
    });
  }

  it('reports a node that exits on its own as crashed, with its exit code and log', async () => {
    const result = await harnessRun('crash', {
      bin: BAD_OUTPUT,
      binArgs: ['--mode', 'crash'],
      nodeCount: 1,
      concurrency: '2n',
      rate: 150,
      timeLimitS: 1.5,
      seed: 15,
    });
    const sections = result.results as unknown as Sections;
    expect(sections.crashes.valid, result.summary).toBe(false);
    expect(sections.crashes.nodes[0]).toMatchObject({ node: 'n0', code: 3 });
    expect(sections.crashes.nodes[0]?.['log-tail']).toContain('crashing on purpose');
    expect(result.valid).toBe(false);
    expect(result.summary).toContain('NODE CRASHED: n0');
  });

  it('reports nodes that reject their options as failed starts: their own error line, verdict unknown, not a crash', async () => {
    const result = await harnessRun(
      'fails-at-start',
      { bin: FAILS_AT_START, nodeCount: 3, concurrency: '2n', rate: 100, timeLimitS: 5, seed: 18 },
      { initTimeoutMs: 5_000 },
    );
    const sections = result.results as unknown as Sections;
    expect(result.valid, result.summary).toBe('unknown');
    expect(result.exitCode).toBe(2);
    expect(sections.crashes).toEqual({ valid: true, nodes: [] });
    const logPath = join(result.outDir, 'node-logs', 'n0.log');
    expect(sections.errors[0]).toBe(
      `node n0 failed to start: fails-at-start: unknown option "--frobnicate" (it exited with code 2 before answering init; its stderr is in ${logPath})`,
    );
    expect(sections.errors[1]).toBe('nodes n1, n2 failed the same way (their stderr is each in the same directory)');
    expect(result.summary).toContain(`ERROR: node n0 failed to start: fails-at-start: unknown option "--frobnicate"`);
    expect(result.summary).not.toContain('--option-40');
    expect(result.summary).not.toContain('INVALID');
    expect(result.summary.split('\n').at(-1)).toBe('VERDICT: unknown (the run could not be judged; why: above)');
    expect(readFileSync(logPath, 'utf8')).toContain('--option-40');
    expect(result.processes).toHaveLength(3);
    expect(result.processes.every((record) => !isRunning(record.pid))).toBe(true);
  });

  it('reports a node that dies of an exception before init_ok by the exception, not the stack around it', async () => {
    const result = await harnessRun(
      'throw-on-init',
      { bin: FAILS_AT_START, binArgs: ['--throw-on-init'], nodeCount: 1, concurrency: '2n', timeLimitS: 5, seed: 19 },
      { initTimeoutMs: 5_000 },
    );
    const sections = result.results as unknown as Sections;
    expect(result.valid, result.summary).toBe('unknown');
    expect(sections.crashes.nodes).toEqual([]);
    expect(sections.errors[0]).toMatch(
      /^node n0 failed to start: Error: fails-at-start: cannot open the state directory \/nonexistent\/state \(it exited with code 1 before answering init; /,
    );
  });

  it("fails setup with Maelstrom's message when a node does not answer init", async () => {
    const result = await harnessRun(
      'no-init',
      { bin: BAD_OUTPUT, binArgs: ['--mode', 'no-init'], nodeCount: 3, concurrency: '2n', rate: 100, timeLimitS: 5, seed: 16 },
      { initTimeoutMs: 300 },
    );
    const sections = result.results as unknown as Sections;
    expect(sections.errors).toContain(initTimeoutMessage('n0'));
    expect(result.valid).toBe('unknown');
    expect(result.exitCode).toBe(2);
    expect(result.stats.count).toBe(0);
    expect(result.processes).toHaveLength(3);
    expect(result.processes.every((record) => !isRunning(record.pid))).toBe(true);
  });

  it('stops every node and reports an unknown verdict when the run is aborted', async () => {
    const result = await harnessRun(
      'abort',
      {
        bin: join(NODES_DIR, 'primary-kv.mjs'),
        nodeCount: 3,
        concurrency: '2n',
        rate: 100,
        timeLimitS: 60,
        nemesis: ['pause'],
        nemesisIntervalS: 0.2,
        seed: 17,
      },
      { signal: AbortSignal.timeout(1500) },
    );
    expect(result.valid).toBe('unknown');
    expect((result.results as unknown as Sections).errors.join('\n')).toContain('interrupted');
    expect(result.processes.every((record) => !isRunning(record.pid))).toBe(true);
    expect(liveProcessCount()).toBe(0);
  });
});
