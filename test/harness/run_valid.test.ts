// End-to-end runs of the harness against nodes that are correct: they must come out valid,
// with sound history, results and plots, and with no process left behind.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { parseJsonLines } from '../../src/check/history.js';
import { parseJepsenHistory } from '../../src/check/jepsen_format.js';
import { liveProcessCount } from '../../src/harness/processes.js';
import { deriveNodeSeed } from '../../src/harness/seeds.js';
import { cleanOutDirs, harnessRun, isRunning, LOCAL_KV, NODES_DIR, readJsonLines, requireLocalKv } from './helpers.js';
import { readRunPictures } from './run_pictures.js';

beforeAll(requireLocalKv);
afterAll(cleanOutDirs);

describe('harness runs of correct nodes', () => {
  it('finds dist/local-kv.mjs with one node valid, and writes the whole results directory', async () => {
    const result = await harnessRun('local-kv 1 node', { bin: LOCAL_KV, nodeCount: 1, concurrency: '2n', rate: 200, timeLimitS: 2, seed: 101 });
    expect(result.valid, result.summary).toBe(true);
    expect(result.exitCode).toBe(0);
    const pictures = ['latency.svg', 'rate.svg', 'latency-quantiles.svg', 'messages.svg', 'timeline.html'];
    for (const file of ['history.jsonl', 'results.json', 'history.edn', 'results.edn', ...pictures, 'summary.txt', 'node-logs/n0.log']) {
      expect(existsSync(join(result.outDir, file)), file).toBe(true);
    }
    expect(existsSync(join(result.outDir, 'timeline.svg'))).toBe(false);
    // The history is in the checker's format, one event per line, indices in order.
    const text = readFileSync(result.historyPath, 'utf8');
    const parsed = parseJsonLines(text);
    expect(parsed.ok).toBe(true);
    const events = readJsonLines(result.historyPath);
    // Every operation and every recovery probe after the run, each an invoke and a completion.
    const recovery = result.results['recovery'] as { checked: boolean; 'probe-ops': number };
    expect(recovery.checked).toBe(true);
    expect(recovery['probe-ops']).toBeGreaterThanOrEqual(3);
    expect(events.length).toBe(2 * (result.stats.count + recovery['probe-ops']));
    for (const [i, event] of events.entries()) expect(event['index']).toBe(i);
    // history.edn holds the same events in Jepsen's format, slices and all.
    const fromEdn = parseJepsenHistory(readFileSync(join(result.outDir, 'history.edn'), 'utf8'));
    if (!fromEdn.ok) throw new Error(`history.edn: ${JSON.stringify(fromEdn.error)}`);
    expect(fromEdn.value).toEqual(parsed.ok ? parsed.value : []);
    expect(readFileSync(join(result.outDir, 'results.edn'), 'utf8')).toMatch(/^\{:valid\? true/);
    const invoke = events.find((event) => event['type'] === 'invoke' && event['f'] === 'read');
    expect(invoke).toMatchObject({ value: null, key: 0 });
    expect(Object.keys(invoke ?? {})).toEqual(['index', 'process', 'type', 'f', 'key', 'value', 'time']);
    const casFail = events.find((event) => event['type'] === 'fail' && event['f'] === 'cas');
    expect(casFail?.['error']).toMatchObject({ code: expect.any(Number) as number, text: expect.any(String) as string });
    // results.json has Maelstrom's sections.
    const results = JSON.parse(readFileSync(result.resultsPath, 'utf8')) as Record<string, Record<string, unknown>>;
    expect(results['valid']).toBe(true);
    expect(Object.keys(results)).toEqual(
      expect.arrayContaining(['workload', 'stats', 'availability', 'net', 'perf', 'nemesis', 'output', 'crashes', 'errors']),
    );
    expect(results['stats']?.['by-f']).toHaveProperty('cas');
    const net = results['net'] as { all: { 'msgs-per-op': number }; servers: { 'msg-count': number } };
    // One node: each op is a request and a reply, plus init and init_ok.
    expect(net.all['msgs-per-op']).toBeGreaterThanOrEqual(2);
    expect(net.all['msgs-per-op']).toBeLessThan(2.1);
    expect(net.servers['msg-count']).toBe(0);
    expect((results['perf'] as { 'latency-ms': { ok: { count: number } } })['latency-ms'].ok.count).toBe(result.stats.okCount);
    expect(result.summary).toContain('seed: 101');
    expect(result.processes.every((record) => !isRunning(record.pid))).toBe(true);
  });

  it('finds a primary-copy 3-node store valid under partitions, pauses and uniform latency', async () => {
    const result = await harnessRun('primary-kv partitions', {
      bin: join(NODES_DIR, 'primary-kv.mjs'),
      nodeCount: 3,
      concurrency: '2n',
      rate: 150,
      timeLimitS: 3,
      latencyMs: 10,
      latencyDist: 'uniform',
      nemesis: ['partition', 'pause'],
      nemesisIntervalS: 0.4,
      seed: 202,
    });
    expect(result.valid, result.summary).toBe(true);
    const results = result.results as unknown as {
      net: { servers: { 'msg-count': number } };
      nemesis: { counts: Record<string, number>; intervals: unknown[] };
    };
    expect(results.net.servers['msg-count']).toBeGreaterThan(0);
    expect(Object.keys(results.nemesis.counts).length).toBeGreaterThan(0);
    // Every fault was undone by the end.
    const events = readJsonLines(result.historyPath).filter((event) => event['process'] === 'nemesis');
    expect(events.length % 2).toBe(0);
    const fs = events.filter((event) => event['type'] === 'info').map((event) => event['f'] as string);
    expect(fs.filter((f) => f === 'start-partition').length).toBe(fs.filter((f) => f === 'stop-partition').length);
    expect(fs.filter((f) => f === 'pause').length).toBe(fs.filter((f) => f === 'resume').length);
    // Each node got its own seed, derived from the run's, and results.json records it.
    const nodeSeeds = (result.results as unknown as { test: { 'node-seeds': Record<string, number[]> } }).test['node-seeds'];
    expect(nodeSeeds).toEqual({ n0: [deriveNodeSeed(202, 0, 0)], n1: [deriveNodeSeed(202, 1, 0)], n2: [deriveNodeSeed(202, 2, 0)] });
    for (const node of ['n0', 'n1', 'n2']) {
      const log = readFileSync(join(result.outDir, 'node-logs', `${node}.log`), 'utf8');
      expect(log).toContain(`${node} started with RAFTKV_SEED=${nodeSeeds[node]?.[0]}\n`);
    }
    // The pictures draw this run: messages between the nodes, every op, the faults, the rates.
    const pictures = readRunPictures(result.outDir);
    expect(pictures.messageTexts).toContain('Window 0.000 s – 2.000 s of test time: the start of the operation phase.');
    expect(pictures.arrows.filter((arrow) => /^n\d → n\d /.test(arrow)).length).toBeGreaterThan(10);
    expect(pictures.arrows.filter((arrow) => /^c\d+ → n\d /.test(arrow)).length).toBeGreaterThan(10);
    const clientOps = readJsonLines(result.historyPath).filter((event) => typeof event['process'] === 'number' && event['type'] === 'invoke');
    expect(pictures.opBoxes).toHaveLength(clientOps.length);
    expect(pictures.faultBands).toHaveLength(results.nemesis.intervals.length);
    expect(pictures.rateLines.length).toBeGreaterThanOrEqual(3);
    expect(pictures.quantileLines.length).toBeGreaterThanOrEqual(4);
    expect(result.processes).toHaveLength(3);
    expect(result.processes.every((record) => !isRunning(record.pid))).toBe(true);
  });

  it('restarts killed nodes with their data directory, and leaves no process behind (even under a wrapper without exec)', async () => {
    // A wrapper that forgets `exec`: the harness must still reach the node it starts.
    const wrapperDir = mkdtempSync(join(tmpdir(), 'raftkv-wrapper-'));
    onTestFinished(() => rmSync(wrapperDir, { recursive: true, force: true }));
    const wrapper = join(wrapperDir, 'no-exec-wrapper.sh');
    writeFileSync(wrapper, `#!/bin/sh\n"${process.execPath}" "${join(NODES_DIR, 'durable-kv.mjs')}"\n`);
    chmodSync(wrapper, 0o755);
    const result = await harnessRun('durable-kv kill', {
      bin: wrapper,
      nodeCount: 1,
      concurrency: '2n',
      rate: 100,
      // Up at least half of the run even when a busy machine slows each restart: with kills
      // every 0.5 s a loaded machine left the node too little time up to answer anything.
      timeLimitS: 4,
      nemesis: ['kill'],
      nemesisIntervalS: 1,
      seed: 303,
    });
    const results = result.results as unknown as { nemesis: { counts: Record<string, number>; restarts: number } };
    expect(results.nemesis.counts['kill'] ?? 0, result.summary).toBeGreaterThan(0);
    expect(results.nemesis.counts['start']).toBe(results.nemesis.counts['kill']);
    expect(results.nemesis.restarts).toBe(results.nemesis.counts['kill']);
    expect(result.processes.length).toBe(1 + results.nemesis.restarts);
    // A durable single node is linearizable across kills (whether every f got an ok in so
    // short a run depends on the seed, so only linearizability is asserted).
    expect(result.workload.valid, result.summary).toBe(true);
    expect(result.stats.okCount).toBeGreaterThan(0);
    const log = readFileSync(join(result.outDir, 'node-logs', 'n0.log'), 'utf8');
    expect(log).toContain('recovered');
    expect(result.dataDir.startsWith(result.outDir)).toBe(true);
    // Every wrapper and every node it started (found through the node's log) is gone.
    const nodePids = [...log.matchAll(/running as pid (\d+)/g)].map((match) => Number(match[1]));
    expect(nodePids.length).toBe(result.processes.length);
    // Every restart is a new incarnation with a seed of its own, passed in RAFTKV_SEED.
    const seedsInLog = [...log.matchAll(/RAFTKV_SEED=(\d+)/g)].map((match) => Number(match[1]));
    const expectedSeeds = result.processes.map((_, incarnation) => deriveNodeSeed(303, 0, incarnation));
    expect(seedsInLog).toEqual(expectedSeeds);
    expect(new Set(expectedSeeds).size).toBe(expectedSeeds.length);
    expect((result.results as unknown as { test: { 'node-seeds': Record<string, number[]> } }).test['node-seeds']).toEqual({ n0: expectedSeeds });
    expect(result.processes.map((record) => record.incarnation)).toEqual(expectedSeeds.map((_, incarnation) => incarnation));
    for (const pid of [...result.processes.map((record) => record.pid), ...nodePids]) expect(isRunning(pid), `pid ${pid}`).toBe(false);
    expect(liveProcessCount()).toBe(0);
  });

  it('runs no operations at rate 0, and calls that unknown (nothing was checked), saying why', async () => {
    const result = await harnessRun('rate 0', { bin: LOCAL_KV, nodeCount: 2, concurrency: '2n', rate: 0, timeLimitS: 0.5, seed: 404 });
    expect(result.stats.count).toBe(0);
    expect(result.valid, result.summary).toBe('unknown');
    expect(result.exitCode).toBe(2);
    expect(result.results['why']).toEqual([
      { check: 'stats', valid: 'unknown', reason: 'no client operation was performed (--rate is 0): nothing was checked' },
    ]);
    expect(result.summary).toContain('UNKNOWN (stats): no client operation was performed (--rate is 0): nothing was checked');
    expect(result.processes.every((record) => !isRunning(record.pid))).toBe(true);
  });
});
