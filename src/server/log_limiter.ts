// Logs events that input can cause (requests we cannot answer, lines we skip) without letting a
// flood of such input flood stderr: the first few of each kind are logged in full, later ones
// only counted, and the count is logged at most once per period (in ticks), with the latest.

import type { LogLevel } from './node_app.js';

interface KindState {
  seen: number;
  /** Counted since the last line about this kind, not logged. */
  unreported: number;
  latest: string;
  level: LogLevel;
  lastReportTick: number;
}

export interface LogLimits {
  /** Events of one kind logged in full before counting starts. */
  readonly inFull: number;
  /** Ticks between two count lines of one kind. */
  readonly reportEveryTicks: number;
}

const DEFAULT_LOG_LIMITS: LogLimits = { inFull: 10, reportEveryTicks: 1_000 };

export class LogLimiter {
  private readonly kinds = new Map<string, KindState>();

  constructor(
    private readonly log: (level: LogLevel, text: string) => void,
    private readonly limits: LogLimits = DEFAULT_LOG_LIMITS,
  ) {}

  /** One event of `kind` (a fixed phrase naming what happened, plural: "requests answered without msg_id"). */
  note(kind: string, level: LogLevel, text: string, tick: number): void {
    let state = this.kinds.get(kind);
    if (state === undefined) this.kinds.set(kind, (state = { seen: 0, unreported: 0, latest: '', level, lastReportTick: tick }));
    state.seen++;
    if (state.seen <= this.limits.inFull) {
      const more = state.seen === this.limits.inFull ? ` (further ${kind} are counted, not each logged)` : '';
      this.log(level, `${text}${more}`);
      state.lastReportTick = tick;
      return;
    }
    state.unreported++;
    state.latest = text;
    state.level = level;
    if (tick - state.lastReportTick >= this.limits.reportEveryTicks) this.report(kind, state, tick);
  }

  /** Logs the counts that are due; call once per tick. */
  tick(tick: number): void {
    for (const [kind, state] of this.kinds) {
      if (state.unreported > 0 && tick - state.lastReportTick >= this.limits.reportEveryTicks) this.report(kind, state, tick);
    }
  }

  private report(kind: string, state: KindState, tick: number): void {
    this.log(state.level, `${state.unreported} more ${kind} (${state.seen} in all); the latest: ${state.latest}`);
    state.unreported = 0;
    state.lastReportTick = tick;
  }
}
