// The occ and si txn modes on the node that receives a txn: serve its reads at a read point the
// read path confirms (read index or lease), run it there with its writes buffered, and commit
// only its writes with a check at that point (occ: the keys it read; si: the keys it writes),
// retrying an aborted txn with jittered backoff within a bound. Never answers a client with a
// definite error while an attempt may still apply: only error 30 (the check failed: a no-op
// everywhere, or seen before anything was proposed) leads to another attempt. Early abort,
// backoff and retries can each be switched off (to measure what they buy). Pure: time is the
// node's tick, randomness its seeded Rng.

import type { Rng } from '../base/rng.js';
import type { CommandOutcome, KvCommand } from '../kv/command_codec.js';
import { KvErrorCode, type KvOutcome, type MicroOp } from '../kv/operations.js';
import { keySlot } from '../kv/kv_store.js';
import { distinctKeys, executeTxn, type TxnCheck } from '../kv/txn.js';
import type { JsonValue } from '../base/json.js';
import type { ClientRequest } from '../protocol/lin_kv.js';
import type { Respond } from './requests.js';

export type OptimisticMode = 'occ' | 'si';

export interface OptimisticHost {
  readonly mode: OptimisticMode;
  readonly rng: Rng;
  /** No attempt starts later than this many ticks after the txn arrived. */
  readonly retryBudgetTicks: number;
  /** Attempts after the first at most (0: a conflict goes to the client at once). */
  readonly maxRetries: number;
  /**
   * The longest backoff before a retry, in ticks; 0: a retry starts at the end of the turn that
   * saw the conflict. Backoff before retry k is drawn uniformly from 1 .. min(2^k, this) ticks.
   */
  readonly backoffTicks: number;
  /** Whether an attempt whose check this node's applied state already fails is refused before it is committed. */
  readonly earlyAbort: boolean;
  now(): number;
  /**
   * Serves a read-only request on this node's read path (at a linearizable read point);
   * `respond` gets the outcome and the applied index it was read at. False when only the
   * leader can serve it.
   */
  read(request: ClientRequest, respond: Respond, mayForward: boolean): boolean;
  /** Commits a prepared command: proposes it on the leader, or forwards it there. */
  commit(request: ClientRequest, respond: Respond): void;
  /** The error 30 a prepared command's check gets against this node's applied state, if it fails there already. */
  conflict(command: KvCommand): KvOutcome | undefined;
}

interface Txn {
  readonly request: ClientRequest;
  readonly ops: readonly MicroOp[];
  readonly respond: Respond;
  readonly deadlineTick: number;
  attempts: number;
}

/** Counters for the log and tests: how txns of these modes ended. */
export interface OptimisticStats {
  committed: number;
  /** Txns answered with error 30 after their last attempt. */
  aborted: number;
  /** Attempts after the first. */
  retries: number;
  /** Attempts whose check this node's applied state failed before they were committed: nothing proposed or forwarded. */
  earlyAborts: number;
}

/** A node's counters (OptimisticStats summed over its groups, early aborts split by where they happened). */
export interface TxnStats {
  readonly committed: number;
  readonly aborted: number;
  readonly retries: number;
  /** Both kinds below together. */
  readonly earlyAborts: number;
  readonly earlyAbortsCoordinating: number;
  /** Txns with a check the leader refused before proposing them (forwarded attempts, client read_index txns). */
  readonly earlyAbortsAsLeader: number;
}

/**
 * The counters line a node logs: words for people, then `txn stats` and the counters as one
 * JSON object ending the line, which tools parse (src/bench/contention.ts reads each node's last).
 */
export function formatTxnStats(mode: OptimisticMode, stats: TxnStats): string {
  const { committed, aborted, retries, earlyAborts } = stats;
  const name = mode === 'si' ? 'si (snapshot isolation, NOT serializable: write skew is allowed)' : mode;
  const words = `${name} txns coordinated here: ${committed} committed, ${aborted} ended in error 30, ${retries} retries, ${earlyAborts} early aborts`;
  return `${words}; txn stats ${JSON.stringify({ mode, ...stats })}`;
}

/** Whether `command` runs optimistically in occ or si mode: a txn with reads and writes and no session (a session txn runs whole in the log, so its recorded outcome is complete). */
export function runsOptimistically(command: KvCommand): boolean {
  if (command.kind !== 'txn' || command.tag !== undefined) return false;
  let reads = false;
  let writes = false;
  for (const op of command.ops) {
    if (op[0] === 'r') reads = true;
    else writes = true;
  }
  return reads && writes;
}

/**
 * The command an attempt commits, prepared from the values read at `readPoint`: the txn's
 * writes, with the check its mode asks for. A client's read_index I adds every key of the txn,
 * checked after min(I, readPoint).
 */
export function preparedCommand(mode: OptimisticMode, command: KvCommand & { readonly kind: 'txn' }, readPoint: number): KvCommand {
  const writes = command.ops.filter((op) => op[0] !== 'r');
  let check: TxnCheck;
  if (command.check !== undefined) check = { after: Math.min(command.check.after, readPoint), keys: command.check.keys };
  else if (mode === 'occ') check = { after: readPoint, keys: distinctKeys(command.ops, (op) => op[0] === 'r') };
  else check = { after: readPoint, keys: distinctKeys(writes, () => true) };
  return { kind: 'txn', ops: writes, check };
}

export class OptimisticTxns {
  /** Txns waiting out their backoff, with the tick their next attempt is due. */
  private backingOff: Array<{ readonly txn: Txn; readonly dueTick: number }> = [];
  /** Attempts whose reads were served, to be committed outside the Ready loop (drain). */
  private readyToCommit: Array<{ readonly txn: Txn; readonly command: KvCommand; readonly reply: JsonValue[] }> = [];
  readonly stats: OptimisticStats = { committed: 0, aborted: 0, retries: 0, earlyAborts: 0 };

  constructor(private readonly host: OptimisticHost) {}

  /** Txns held here between attempts (their reads and commits in flight are counted where they wait). */
  get count(): number {
    return this.backingOff.length + this.readyToCommit.length;
  }

  /** Starts the txn's first attempt; false when its reads can be served only on the leader (the caller forwards it). */
  start(request: ClientRequest, respond: Respond, mayForward: boolean): boolean {
    const { command } = request;
    if (command.kind !== 'txn') return false;
    const txn: Txn = { request, ops: command.ops, respond, deadlineTick: this.host.now() + this.host.retryBudgetTicks, attempts: 0 };
    return this.attempt(txn, mayForward);
  }

  /** Starts the retries that are due, then commits the attempts whose reads were served: called where proposing is safe (outside a Ready). */
  drain(): void {
    // Only retries without backoff are due within the turn that saw their conflict.
    this.startDueRetries(this.host.now());
    while (this.readyToCommit.length > 0) {
      const ready = this.readyToCommit;
      this.readyToCommit = [];
      for (const { txn, command, reply } of ready) {
        const respond: Respond = (outcome, index) => this.onCommitted(txn, reply, outcome, index);
        // Entries applied here since the reads may fail the check already: then nothing is proposed.
        const conflict = this.host.earlyAbort ? this.host.conflict(command) : undefined;
        if (conflict === undefined) this.host.commit({ command, minIndex: 0 }, respond);
        else {
          this.stats.earlyAborts++;
          respond(conflict, 0);
        }
      }
    }
  }

  /** Starts the attempts whose backoff is over. */
  tick(now: number): void {
    this.startDueRetries(now);
  }

  private startDueRetries(now: number): void {
    if (this.backingOff.length === 0) return;
    const due = this.backingOff.filter((item) => item.dueTick <= now);
    if (due.length === 0) return;
    this.backingOff = this.backingOff.filter((item) => item.dueTick > now);
    for (const { txn } of due) {
      this.stats.retries++;
      // A retry is never forwarded: the client has no other node to hear from.
      if (this.attempt(txn, false)) continue;
      this.stats.aborted++;
      txn.respond(conflictAfterRetries(txn, 'this node can no longer serve its reads (no longer leader)'), 0);
    }
  }

  private attempt(txn: Txn, mayForward: boolean): boolean {
    txn.attempts++;
    const ops = distinctKeys(txn.ops, () => true).map((key): MicroOp => ['r', key, null]);
    const probe: ClientRequest = { command: { kind: 'txn', ops }, minIndex: txn.request.minIndex };
    return this.host.read(probe, (outcome, index) => this.onRead(txn, outcome, index), mayForward);
  }

  private onRead(txn: Txn, outcome: CommandOutcome, readPoint: number): void {
    // A read changes nothing, and earlier attempts all failed their checks: any error is definite.
    if (outcome.type !== 'txn_ok') {
      txn.respond(outcome, readPoint);
      return;
    }
    const values = new Map<string, JsonValue>();
    for (const op of outcome.txn) {
      const [, key, value] = op as [string, MicroOp[1], JsonValue];
      if (value !== null) values.set(keySlot(key), value);
    }
    const run = executeTxn(txn.ops, { get: (key) => values.get(keySlot(key)), put: () => {} });
    if (run.type !== 'txn_ok') {
      txn.respond(run, readPoint);
      return;
    }
    this.readyToCommit.push({ txn, command: preparedCommand(this.host.mode, txn.request.command as KvCommand & { kind: 'txn' }, readPoint), reply: run.txn });
  }

  private onCommitted(txn: Txn, reply: JsonValue[], outcome: CommandOutcome, index: number): void {
    if (outcome.type === 'txn_ok') {
      this.stats.committed++;
      txn.respond({ type: 'txn_ok', txn: reply }, index);
      return;
    }
    const now = this.host.now();
    // A client's read_index that failed fails forever (versions only grow): no retry then.
    const retriable =
      outcome.type === 'error' && outcome.code === KvErrorCode.txnConflict && txn.request.command.kind === 'txn' && txn.request.command.check === undefined;
    if (!retriable || txn.attempts > this.host.maxRetries) {
      if (outcome.type === 'error' && outcome.code === KvErrorCode.txnConflict) this.stats.aborted++;
      txn.respond(outcome, index);
      return;
    }
    const backoff = this.host.backoffTicks > 0 ? this.host.rng.int(1, Math.min(2 ** txn.attempts, this.host.backoffTicks)) : 0;
    if (now + backoff > txn.deadlineTick) {
      this.stats.aborted++;
      txn.respond(outcome, index);
      return;
    }
    this.backingOff.push({ txn, dueTick: now + backoff });
  }
}

/** The answer when a retry cannot start: its last attempt failed its check (definite), so does the txn. */
function conflictAfterRetries(txn: Txn, why: string): KvOutcome {
  return {
    type: 'error',
    code: KvErrorCode.txnConflict,
    text: `txn conflict: attempt ${txn.attempts - 1} failed its check and ${why}; the txn changed nothing`,
  };
}
