// The recovery check's plan, pure: probes per node and type, retries with growing pauses, the
// deadline, and the words of its verdict.
import { describe, expect, it } from 'vitest';
import { RecoveryPlan, recoveryFailureText, recoveryLine, recoveryValidity } from '../../src/harness/recovery.js';

const limits = { retryDelayMs: 10, maxRetryDelayMs: 40, maxAttempts: 100 };

describe('the recovery plan', () => {
  it('probes every type on every node once at the heal, and is finished when all are served', () => {
    const plan = new RecoveryPlan(['n0', 'n1'], ['read', 'write'], 1000, 2000, [], limits);
    const first = plan.take(1000);
    expect(first.map((probe) => `${probe.node} ${probe.f}`)).toEqual(['n0 read', 'n0 write', 'n1 read', 'n1 write']);
    expect(plan.take(1000)).toEqual([]);
    for (const probe of first) plan.completed(probe, { served: true }, 1020);
    expect(plan.finished).toBe(true);
    const summary = plan.summary(false);
    expect(summary.failures).toEqual([]);
    expect(summary.served).toEqual({ n0: { read: 20, write: 20 }, n1: { read: 20, write: 20 } });
    expect(recoveryValidity(summary)).toBe(true);
    expect(recoveryLine(summary)).toBe('recovery: every node served read, write within 20 ms of healing (slowest: n0 read; bound 2 s)');
  });

  it('tries again after a pause that doubles up to its bound, and never starts a probe after the deadline', () => {
    const plan = new RecoveryPlan(['n0'], ['write'], 0, 200, [], limits);
    const starts: number[] = [];
    let now = 0;
    while (!plan.finished) {
      for (const probe of plan.take(now)) {
        starts.push(now);
        plan.completed(probe, { served: false, answer: 'error 11' }, now + 1);
      }
      const wake = plan.nextWakeAt();
      if (wake === undefined) break;
      now = Math.max(now + 1, wake);
    }
    expect(starts.slice(0, 5)).toEqual([0, 11, 32, 73, 114]);
    expect(Math.max(...starts)).toBeLessThan(200);
    const summary = plan.summary(false);
    expect(recoveryValidity(summary)).toBe(false);
    expect(summary.failures).toEqual([{ node: 'n0', f: 'write', attempts: starts.length, lastAnswer: 'error 11' }]);
    expect(summary.served).toEqual({ n0: { write: null } });
  });

  it('does not count a service that came after the deadline', () => {
    const plan = new RecoveryPlan(['n0'], ['read'], 0, 100, [], limits);
    const [probe] = plan.take(0);
    if (probe === undefined) throw new Error('no probe');
    plan.completed(probe, { served: true }, 150);
    expect(plan.finished).toBe(true);
    expect(plan.summary(false).failures).toEqual([{ node: 'n0', f: 'read', attempts: 1, lastAnswer: 'served too late' }]);
  });

  it('leaves out the nodes it was told to skip, and is unknown when interrupted', () => {
    const plan = new RecoveryPlan(['n0', 'n1'], ['txn'], 0, 100, ['n1'], limits);
    expect(plan.probes.map((probe) => probe.node)).toEqual(['n0']);
    plan.take(0);
    const summary = plan.summary(true);
    expect(summary.skipped).toEqual(['n1']);
    expect(recoveryValidity(summary)).toBe('unknown');
    expect(recoveryLine(summary)).toBe('recovery: not judged (the run was interrupted)');
  });

  it('says, node by node, which types went unserved and what the last attempt got', () => {
    const plan = new RecoveryPlan(['n0', 'n1', 'n2'], ['read', 'write', 'cas'], 0, 10_000, [], limits);
    for (const probe of plan.take(0)) {
      if (probe.node === 'n2' && probe.f !== 'read') plan.completed(probe, { served: false, answer: 'timeout' }, 10_000);
      else plan.completed(probe, { served: true }, 5);
    }
    expect(plan.finished).toBe(true);
    const summary = plan.summary(false);
    expect(recoveryFailureText(summary)).toBe(
      'node n2 served no write, cas within 10 s after healing (last: write timeout after 1 attempt; cas timeout after 1 attempt)',
    );
    expect(recoveryLine(summary)).toMatch(/^recovery: NOT RECOVERED: node n2 served no write, cas within 10 s after healing/);
  });
});
