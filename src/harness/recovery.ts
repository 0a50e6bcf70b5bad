// Liveness after healing, as a pure plan: each node must serve each operation type that succeeded
// during the run (one that never did fails Jepsen's stats rule already) within a bound. One probe
// per (node, type), sent again after each answer that is not service, with a growing pause.
// Invariants: a probe is in flight at most once; none starts after the deadline; attempts are
// bounded; finished when every probe is served, or none runs and the deadline has passed.

export interface RecoveryLimits {
  /** Pause before the first retry, doubled for each further one up to maxRetryDelayMs. */
  readonly retryDelayMs: number;
  readonly maxRetryDelayMs: number;
  readonly maxAttempts: number;
}

const RECOVERY_LIMITS: RecoveryLimits = { retryDelayMs: 25, maxRetryDelayMs: 400, maxAttempts: 1000 };
/** --recovery-timeout's default, in seconds. */
export const DEFAULT_RECOVERY_TIMEOUT_S = 10;

export interface Probe {
  readonly id: number;
  readonly node: string;
  readonly f: string;
  attempts: number;
  readyAt: number;
  state: 'waiting' | 'running' | 'served' | 'given-up';
  /** Test ms of the first service. */
  servedAt: number | null;
  /** What the last attempt that was not served got back ("timeout", "error 11", ...). */
  lastAnswer: string | null;
}

/** What a probe's attempt ended with. */
export type ProbeOutcome = { readonly served: true } | { readonly served: false; readonly answer: string };

interface RecoveryFailure {
  readonly node: string;
  readonly f: string;
  readonly attempts: number;
  readonly lastAnswer: string | null;
}

export interface RecoverySummary {
  readonly timeoutMs: number;
  /** Test ms at which every fault had been healed. */
  readonly healedAtMs: number;
  /** Per node, per operation type: ms after healing of the first service, or null. */
  readonly served: { readonly [node: string]: { readonly [f: string]: number | null } };
  readonly failures: readonly RecoveryFailure[];
  /** Nodes not probed: they crashed, or their stdout broke the protocol (each a finding of its own). */
  readonly skipped: readonly string[];
  /** Operations the probes sent (each in the history). */
  readonly attempts: number;
  /** The run was stopped before the probes ended: nothing can be concluded. */
  readonly interrupted: boolean;
}

export class RecoveryPlan {
  readonly probes: Probe[] = [];
  private running = 0;
  readonly deadline: number;

  constructor(
    nodes: readonly string[],
    functions: readonly string[],
    readonly healedAtMs: number,
    readonly timeoutMs: number,
    private readonly skipped: readonly string[] = [],
    private readonly limits: RecoveryLimits = RECOVERY_LIMITS,
  ) {
    this.deadline = healedAtMs + timeoutMs;
    for (const node of nodes) {
      if (skipped.includes(node)) continue;
      for (const f of functions) {
        this.probes.push({ id: this.probes.length, node, f, attempts: 0, readyAt: healedAtMs, state: 'waiting', servedAt: null, lastAnswer: null });
      }
    }
  }

  /** Every probe served, or given up with none left running. */
  get finished(): boolean {
    return this.running === 0 && !this.probes.some((probe) => probe.state === 'waiting');
  }

  /** The probes due at `now`, marked running; after the deadline, every waiting probe is given up instead. */
  take(now: number): Probe[] {
    this.giveUpIfLate(now);
    const due: Probe[] = [];
    for (const probe of this.probes) {
      if (probe.state !== 'waiting' || probe.readyAt > now) continue;
      probe.state = 'running';
      probe.attempts++;
      this.running++;
      due.push(probe);
    }
    return due;
  }

  /** When the earliest waiting probe is due (or the deadline, to give up); undefined when none waits. */
  nextWakeAt(): number | undefined {
    let earliest: number | undefined;
    for (const probe of this.probes) if (probe.state === 'waiting' && (earliest === undefined || probe.readyAt < earliest)) earliest = probe.readyAt;
    return earliest === undefined ? undefined : Math.min(earliest, this.deadline);
  }

  completed(probe: Probe, outcome: ProbeOutcome, now: number): void {
    if (probe.state !== 'running') throw new Error(`recovery probe ${probe.id} completed while ${probe.state}`);
    this.running--;
    if (outcome.served && now <= this.deadline) {
      probe.state = 'served';
      probe.servedAt = now;
      return;
    }
    probe.lastAnswer = outcome.served ? 'served too late' : outcome.answer;
    if (now >= this.deadline || probe.attempts >= this.limits.maxAttempts) {
      probe.state = 'given-up';
      return;
    }
    probe.state = 'waiting';
    probe.readyAt = Math.min(this.deadline, now + Math.min(this.limits.maxRetryDelayMs, this.limits.retryDelayMs * 2 ** (probe.attempts - 1)));
  }

  summary(interrupted: boolean): RecoverySummary {
    const served: { [node: string]: { [f: string]: number | null } } = {};
    const failures: RecoveryFailure[] = [];
    let attempts = 0;
    for (const probe of this.probes) {
      attempts += probe.attempts;
      (served[probe.node] ??= {})[probe.f] = probe.servedAt === null ? null : probe.servedAt - this.healedAtMs;
      if (probe.state !== 'served') failures.push({ node: probe.node, f: probe.f, attempts: probe.attempts, lastAnswer: probe.lastAnswer });
    }
    return { timeoutMs: this.timeoutMs, healedAtMs: this.healedAtMs, served, failures, skipped: this.skipped, attempts, interrupted };
  }

  private giveUpIfLate(now: number): void {
    if (now < this.deadline) return;
    for (const probe of this.probes) if (probe.state === 'waiting') probe.state = 'given-up';
  }
}

/** The recovery check's verdict: unknown when interrupted, false when some probe was never served. */
export function recoveryValidity(summary: RecoverySummary): boolean | 'unknown' {
  if (summary.interrupted) return 'unknown';
  return summary.failures.length === 0;
}

/** Why the cluster did not recover, node by node: "node n2 served no write, cas within 10 s after healing (last: write timeout ×9, ...)". */
export function recoveryFailureText(summary: RecoverySummary): string {
  const byNode = new Map<string, RecoveryFailure[]>();
  for (const failure of summary.failures) byNode.set(failure.node, [...(byNode.get(failure.node) ?? []), failure]);
  const seconds = formatDuration(summary.timeoutMs);
  return [...byNode]
    .map(([node, failures]) => {
      const fs = failures.map((failure) => failure.f).join(', ');
      const last = failures.map(
        (failure) => `${failure.f} ${failure.lastAnswer ?? 'never answered'} after ${failure.attempts} attempt${failure.attempts === 1 ? '' : 's'}`,
      );
      return `node ${node} served no ${fs} within ${seconds} after healing (last: ${last.join('; ')})`;
    })
    .join('; ');
}

/** One line for the summary: how fast every node served every type, or which did not. */
export function recoveryLine(summary: RecoverySummary): string {
  if (summary.interrupted) return 'recovery: not judged (the run was interrupted)';
  const skipped = summary.skipped.length === 0 ? '' : `; ${summary.skipped.join(', ')} not probed (crashed, or stdout no longer read)`;
  if (summary.failures.length > 0) return `recovery: NOT RECOVERED: ${recoveryFailureText(summary)}${skipped}`;
  let slowest: { node: string; f: string; ms: number } | null = null;
  const functions = new Set<string>();
  for (const [node, byF] of Object.entries(summary.served)) {
    for (const [f, ms] of Object.entries(byF)) {
      functions.add(f);
      if (ms !== null && (slowest === null || ms > slowest.ms)) slowest = { node, f, ms };
    }
  }
  if (slowest === null) return `recovery: nothing to probe (no node, or no operation type succeeded during the run)${skipped}`;
  return `recovery: every node served ${[...functions].join(', ')} within ${formatDuration(slowest.ms)} of healing (slowest: ${slowest.node} ${slowest.f}; bound ${formatDuration(summary.timeoutMs)})${skipped}`;
}

/** 7 ms, 420 ms, 1.5 s, 10 s. */
function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return ms >= 10_000 ? `${(ms / 1000).toFixed(0)} s` : `${(ms / 1000).toFixed(2).replace(/\.?0+$/, '')} s`;
}
