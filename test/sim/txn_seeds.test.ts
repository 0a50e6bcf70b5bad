// The txn workloads in the whole-node simulator: CI seeds of each, in every txn mode (every profile, drawn per seed),
// the seed's workload draw, final reads, replay, and a node that serves read-only txns from stale
// state (the bounded-staleness read mode), which the txn check must catch as a realtime anomaly.

import { describe, expect, it } from 'vitest';
import { runSimulation, workloadForSeed } from '../../src/sim/simulator.js';
import { seedRange, simSuite } from './sim_suite.js';

simSuite('whole-node simulation, txn-list-append', seedRange(700000, 40), { workload: 'txn-list-append' });
simSuite('whole-node simulation, txn-rw-register', seedRange(710000, 40), { workload: 'txn-rw-register' });
// The optimistic modes, each checked against the model it promises (occ: strict-serializable;
// si: snapshot-isolation): every profile, both workloads.
simSuite('whole-node simulation, occ, txn-list-append', seedRange(720000, 15), { workload: 'txn-list-append', txnMode: 'occ' });
simSuite('whole-node simulation, occ, txn-rw-register', seedRange(721000, 15), { workload: 'txn-rw-register', txnMode: 'occ' });
simSuite('whole-node simulation, si, txn-list-append', seedRange(722000, 15), { workload: 'txn-list-append', txnMode: 'si' });
simSuite('whole-node simulation, si, txn-rw-register', seedRange(723000, 15), { workload: 'txn-rw-register', txnMode: 'si' });

describe('txn workloads in the simulator', () => {
  it('are drawn by a third of the seeds, both of them, from a stream of the seed apart from the run', () => {
    const drawn = Array.from({ length: 600 }, (_, i) => workloadForSeed(i + 1));
    const count = (name: string): number => drawn.filter((workload) => workload === name).length;
    expect(count('lin-kv')).toBeGreaterThan(340);
    expect(count('lin-kv')).toBeLessThan(460);
    expect(count('txn-list-append')).toBeGreaterThan(70);
    expect(count('txn-rw-register')).toBeGreaterThan(70);
    expect(new Set(Array.from({ length: 50 }, (_, i) => workloadForSeed(i + 1, ['txn-rw-register', 'lin-kv'])))).toEqual(
      new Set(['txn-rw-register', 'lin-kv']),
    );
    // A lin-kv seed's run is the same whether the seed drew lin-kv or was told it.
    const seed = Array.from({ length: 20 }, (_, i) => i + 1).find((s) => workloadForSeed(s) === 'lin-kv') as number;
    expect(runSimulation({ seed, profile: 'lossy' }).traceHash).toBe(runSimulation({ seed, profile: 'lossy', workload: 'lin-kv' }).traceHash);
  });

  it('run txns only, end with final reads of every key written, and pass the txn check', () => {
    const result = runSimulation({ seed: 31, profile: 'chaos', nodeCount: 3, workload: 'txn-list-append' });
    const replay = result.failure === undefined ? '' : `seed 31 failed: ${result.failure}\nreplay: ${result.replay}`;
    expect(replay).toBe('');
    expect(result.groupCount).toBe(1);
    expect(result.clientSessions).toBe(false);
    expect(result.history.every((event) => event.f === 'txn')).toBe(true);
    expect(result.history.some((event) => event.type === 'ok' && JSON.stringify(event.value).includes('"append"'))).toBe(true);
    const finals = result.finalReads;
    expect(finals).toBeDefined();
    expect(finals?.keys).toBeGreaterThan(0);
    expect(finals?.keysRead).toBe(finals?.keys);
    expect(finals?.keysUnread).toEqual([]);
    // The last ops of the history are the final reads: read-only txns that committed.
    const last = result.history.at(-1);
    expect(last?.type).toBe('ok');
    expect(((last?.value ?? []) as unknown[][]).every((micro) => micro[0] === 'r')).toBe(true);
  });

  it('replay exactly, and naming the seed-chosen setup replays the run', () => {
    const run = (): { trace: string[]; result: ReturnType<typeof runSimulation> } => {
      const trace: string[] = [];
      const result = runSimulation({ seed: 4243, profile: 'chaos', workload: 'txn-rw-register', trace: (line) => trace.push(line) });
      return { trace, result };
    };
    const first = run();
    const second = run();
    expect(first.result.failure).toBeUndefined();
    expect(second.result.traceHash).toBe(first.result.traceHash);
    expect(second.result.historyHash).toBe(first.result.historyHash);
    expect(second.trace).toEqual(first.trace);
    expect(first.trace[0]).toMatch(/, workload txn-rw-register \(txn mode batch, checked strict-serializable\)$/);

    const seed = Array.from({ length: 40 }, (_, i) => i + 1).find((s) => workloadForSeed(s) === 'txn-list-append') as number;
    const auto = runSimulation({ seed });
    expect(auto.workload).toBe('txn-list-append');
    expect(auto.replay).toBe(
      `npm run sim -- --seed ${seed} --profile ${auto.profile} --nodes ${auto.nodeCount} --groups 1 --read-mode ${auto.readMode} --workload txn-list-append --txn-mode batch --trace`,
    );
    const named = runSimulation({
      seed,
      profile: auto.profile,
      nodeCount: auto.nodeCount,
      groupCount: 1,
      readMode: auto.readMode,
      workload: 'txn-list-append',
      txnMode: 'batch',
    });
    expect(named.traceHash).toBe(auto.traceHash);
    expect(named.historyHash).toBe(auto.historyHash);
  });

  it.each(['txn-list-append', 'txn-rw-register'] as const)('catch read-only txns served from stale state (%s, bounded-staleness reads)', (workload) => {
    const result = runSimulation({ seed: 1, profile: 'clean', readMode: 'bounded-staleness', workload });
    expect(result.failure).toMatch(
      /^txn check: strict-serializable \(txn mode batch\) invalid \(\d+ ok, \d+ fail, \d+ info txns\): .*G-single-realtime \(\d+\)/,
    );
    // The worst anomaly comes explained: the txns of its cycle and the edges between them.
    expect(result.failure).toMatch(/\n {6}G-single(-process|-realtime)?: .*\n {6}T1 = txn \d+ /);
    expect(result.replay).toContain(`--read-mode bounded-staleness --workload ${workload} --txn-mode batch`);
  });

  it('refuse several groups and client sessions, which txns do not use', () => {
    expect(() => runSimulation({ seed: 1, workload: 'txn-list-append', groupCount: 2 })).toThrow(/one Raft group per node without client sessions/);
    expect(() => runSimulation({ seed: 1, workload: 'txn-rw-register', clientSessions: true })).toThrow(/one Raft group per node without client sessions/);
    // Forcing either keeps a seed that would draw a txn workload on lin-kv.
    const seed = Array.from({ length: 40 }, (_, i) => i + 1).find((s) => workloadForSeed(s) !== 'lin-kv') as number;
    expect(runSimulation({ seed, profile: 'clean', safetyUs: 300_000, groupCount: 2 }).workload).toBe('lin-kv');
  });
});
