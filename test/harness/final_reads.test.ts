// The final reads' plan: keys in batches of up to max-txn-length, each batch retried after a fail
// or info with a growing pause until it commits or runs out of attempts, and a stop for the
// time budget.
import { describe, expect, it } from 'vitest';
import { FinalReads } from '../../src/harness/final_reads.js';

const LIMITS = { maxAttempts: 3, retryDelayMs: 100, maxRetryDelayMs: 150 };

describe('final reads', () => {
  it('reads every key once, in batches of at most the batch size', () => {
    const plan = new FinalReads([5, 1, 9, 3, 7], 2, LIMITS);
    const batches = [plan.take(0), plan.take(0), plan.take(0)];
    expect(batches.map((batch) => batch?.keys)).toEqual([[5, 1], [9, 3], [7]]);
    expect(plan.take(0)).toBeUndefined();
    expect(plan.finished).toBe(false);
    for (const batch of batches) if (batch !== undefined) plan.completed(batch, 'ok', 10);
    expect(plan.finished).toBe(true);
    expect(plan.summary()).toEqual({ keys: 5, batches: 3, attempts: 3, keysRead: 5, keysUnread: [] });
  });

  it('tries a batch again after fail or info, after a growing pause, and gives it up after the last attempt', () => {
    const plan = new FinalReads([1, 2], 4, LIMITS);
    const batch = plan.take(0);
    if (batch === undefined) throw new Error('a batch is due');
    plan.completed(batch, 'fail', 10);
    expect(plan.take(109)).toBeUndefined();
    expect(plan.nextReadyAt()).toBe(110);
    expect(plan.take(110)).toBe(batch);
    plan.completed(batch, 'info', 200);
    // The pause doubles, up to the cap.
    expect(plan.nextReadyAt()).toBe(350);
    expect(plan.take(350)?.attempts).toBe(3);
    plan.completed(batch, 'fail', 400);
    expect(plan.finished).toBe(true);
    expect(plan.nextReadyAt()).toBeUndefined();
    expect(plan.summary()).toEqual({ keys: 2, batches: 1, attempts: 3, keysRead: 0, keysUnread: [1, 2] });
  });

  it('stops starting batches when the time budget runs out; those running still finish', () => {
    const plan = new FinalReads([1, 2, 3], 1, LIMITS);
    const running = plan.take(0);
    if (running === undefined) throw new Error('a batch is due');
    plan.stop();
    expect(plan.take(0)).toBeUndefined();
    expect(plan.finished).toBe(false);
    plan.completed(running, 'ok', 5);
    expect(plan.finished).toBe(true);
    expect(plan.summary()).toMatchObject({ keysRead: 1, keysUnread: [2, 3] });
    expect(() => plan.completed(running, 'ok', 6)).toThrow(/completed while read/);
  });

  it('has nothing to do without keys, and refuses a batch size below 1', () => {
    expect(new FinalReads([], 4).finished).toBe(true);
    expect(() => new FinalReads([1], 0)).toThrow(/batch size/);
  });
});
