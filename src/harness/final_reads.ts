// The final reads of the txn workloads, as a plan: after the faults are healed and the last txns
// have finished, every key ever written is read, up to batchSize keys per read-only txn, each
// batch sent again after a fail or info until it commits or runs out of attempts (with a growing
// pause between attempts, so a cluster still electing a leader is not hammered). Pure: the
// harness feeds it the clock and runs the txns. Invariants: a batch is in flight at most once at a
// time; every key is in exactly one batch; the plan is finished when no batch waits or runs.

export interface FinalReadLimits {
  /** Attempts per batch before its keys are given up. */
  readonly maxAttempts: number;
  /** Pause before the first retry, doubled for each further one up to maxRetryDelayMs. */
  readonly retryDelayMs: number;
  readonly maxRetryDelayMs: number;
}

const FINAL_READ_LIMITS: FinalReadLimits = { maxAttempts: 8, retryDelayMs: 100, maxRetryDelayMs: 1000 };
/** Wall-clock budget for starting final reads; those in flight then finish or time out. */
export const FINAL_READS_TIME_LIMIT_MS = 20_000;

export interface FinalReadBatch {
  readonly id: number;
  readonly keys: readonly number[];
  attempts: number;
  /** Not to be sent before this time. */
  readyAt: number;
  state: 'waiting' | 'running' | 'read' | 'given-up';
}

export interface FinalReadSummary {
  readonly keys: number;
  readonly batches: number;
  /** Txns sent (every attempt counts). */
  readonly attempts: number;
  readonly keysRead: number;
  /** Keys whose batch never committed (out of attempts, or the time budget ran out). */
  readonly keysUnread: readonly number[];
}

export class FinalReads {
  private readonly batches: FinalReadBatch[] = [];
  private running = 0;

  constructor(
    keys: readonly number[],
    batchSize: number,
    private readonly limits: FinalReadLimits = FINAL_READ_LIMITS,
  ) {
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`FinalReads: batch size ${batchSize}`);
    for (let start = 0; start < keys.length; start += batchSize) {
      this.batches.push({ id: this.batches.length, keys: keys.slice(start, start + batchSize), attempts: 0, readyAt: 0, state: 'waiting' });
    }
  }

  /** Nothing waits and nothing runs. */
  get finished(): boolean {
    return this.running === 0 && !this.batches.some((batch) => batch.state === 'waiting');
  }

  /** The next batch due at `now`, marked running; undefined when none is due. */
  take(now: number): FinalReadBatch | undefined {
    const batch = this.batches.find((candidate) => candidate.state === 'waiting' && candidate.readyAt <= now);
    if (batch === undefined) return undefined;
    batch.state = 'running';
    batch.attempts++;
    this.running++;
    return batch;
  }

  /** When the earliest waiting batch becomes due; undefined when none waits. */
  nextReadyAt(): number | undefined {
    let earliest: number | undefined;
    for (const batch of this.batches) if (batch.state === 'waiting' && (earliest === undefined || batch.readyAt < earliest)) earliest = batch.readyAt;
    return earliest;
  }

  /** A batch's txn completed: read when ok, else due again after a pause, unless out of attempts. */
  completed(batch: FinalReadBatch, type: 'ok' | 'fail' | 'info', now: number): void {
    if (batch.state !== 'running') throw new Error(`final read batch ${batch.id} completed while ${batch.state}`);
    this.running--;
    if (type === 'ok') {
      batch.state = 'read';
      return;
    }
    if (batch.attempts >= this.limits.maxAttempts) {
      batch.state = 'given-up';
      return;
    }
    batch.state = 'waiting';
    batch.readyAt = now + Math.min(this.limits.maxRetryDelayMs, this.limits.retryDelayMs * 2 ** (batch.attempts - 1));
  }

  /** The time budget ran out: no waiting batch is started any more. */
  stop(): void {
    for (const batch of this.batches) if (batch.state === 'waiting') batch.state = 'given-up';
  }

  summary(): FinalReadSummary {
    const keysUnread: number[] = [];
    let keys = 0;
    let keysRead = 0;
    let attempts = 0;
    for (const batch of this.batches) {
      keys += batch.keys.length;
      attempts += batch.attempts;
      if (batch.state === 'read') keysRead += batch.keys.length;
      else keysUnread.push(...batch.keys);
    }
    return { keys, batches: this.batches.length, attempts, keysRead, keysUnread };
  }
}
