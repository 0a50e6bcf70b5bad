// txn-list-append: every read of a list shows the whole order of the appends before it, so the
// version order of a key is its longest committed read, every other read must be a prefix of it,
// and no read may show one txn's appends out of the order it made them. From that order come the
// ww, wr and rw edges between txns, and the non-cycle anomalies.
// Pure. Invariants: values appended to a key are unique (else the history is refused); only ok
// txns' reads are known; an info txn is in the graph only once one of its appends was read.

import type { Result } from '../../base/result.js';
import { err, ok } from '../../base/result.js';
import type { WorkloadAnalysis } from './checker.js';
import type { Findings, TxnNamer } from './explain.js';
import { formatRead } from './explain.js';
import type { EdgeList } from './graph.js';
import { RW, WR, WW } from './graph.js';
import type { MicroOp, Txn, TxnKey } from './types.js';
import { entryOf, recordWrite, type WrittenValues } from './writes.js';

/** The version before a key's first append: read as nil or []. */
const INITIAL = Symbol('initial');
type Version = number | typeof INITIAL;

interface KeyState extends WrittenValues {
  /** For a txn that appends to this key more than once: each of its values -> its place among them (0, 1, ...). */
  appendRank: Map<number, number> | undefined;
  /** The longest committed read, and who read it. */
  longest: readonly number[];
  longestReader: number;
  incompatible: boolean;
  /** The version order: the longest read's distinct values, and each one's place in it. */
  order: number[];
  position: Map<number, number>;
  /** Committed readers of each version, by the read's last value. */
  readonly readers: Map<number, number[]>;
  readonly initialReaders: number[];
}

function newKeyState(): KeyState {
  return {
    writers: new Map(),
    intermediate: undefined,
    appendRank: undefined,
    longest: [],
    longestReader: -1,
    incompatible: false,
    order: [],
    position: new Map(),
    readers: new Map(),
    initialReaders: [],
  };
}

function readList(op: MicroOp): readonly number[] {
  return op.value === null ? [] : (op.value as readonly number[]);
}

function isPrefix(shorter: readonly number[], longer: readonly number[]): boolean {
  if (shorter.length > longer.length) return false;
  for (let i = 0; i < shorter.length; i++) if (shorter[i] !== longer[i]) return false;
  return true;
}

export function analyzeListAppend(txns: readonly Txn[], findings: Findings, edges: EdgeList): Result<WorkloadAnalysis, string> {
  const keys = new Map<TxnKey, KeyState>();
  const stateOf = (key: TxnKey): KeyState => entryOf(keys, key, newKeyState);

  // Who appended what, and the shape of every micro-op.
  for (const txn of txns) {
    const ops = txn.ops;
    let appendsSoFar: Map<TxnKey, number> | undefined;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i] as MicroOp;
      if (op.f === 'w') return err(`event ${txn.invokeIndex}: micro-op ${i} is a register write "w" in a txn-list-append history`);
      if (op.f === 'r') {
        if (txn.outcome === 'ok' && op.value !== null && !Array.isArray(op.value)) {
          return err(`event ${txn.completeIndex}: micro-op ${i} reads ${op.value}, not a list or null`);
        }
        continue;
      }
      const state = stateOf(op.key);
      const recorded = recordWrite(state, txns, txn, i);
      if (!recorded.ok) return recorded;
      const followed = recorded.value;
      appendsSoFar ??= new Map();
      const rank = appendsSoFar.get(op.key) ?? 0;
      appendsSoFar.set(op.key, rank + 1);
      if (rank > 0 || followed) {
        state.appendRank ??= new Map();
        state.appendRank.set(op.value, rank);
      }
    }
  }

  // What committed txns read: who they read from, and the longest read of each key.
  const observed = new Uint8Array(txns.length);
  const seenInRead = new Map<number, number>();
  let readStamp = 0;
  for (const txn of txns) {
    if (txn.outcome !== 'ok') continue;
    for (const op of txn.ops) {
      if (op.f !== 'r') continue;
      const state = stateOf(op.key);
      const list = readList(op);
      if (list.length === 0) {
        state.initialReaders.push(txn.id);
        continue;
      }
      const last = list[list.length - 1] as number;
      entryOf(state.readers, last, () => []).push(txn.id);
      if (list.length > state.longest.length) {
        state.longest = list;
        state.longestReader = txn.id;
      }
      readStamp++;
      let duplicate: number | undefined;
      let garbage: number | undefined;
      const failedWriters: number[] = [];
      // Per txn appending to the key more than once: its latest append seen so far in this read.
      let latestSeen: Map<number, { rank: number; value: number }> | undefined;
      let reversed: { writer: number; earlier: number; later: number }[] | undefined;
      for (const value of list) {
        const repeated = seenInRead.get(value) === readStamp;
        if (repeated) duplicate ??= value;
        seenInRead.set(value, readStamp);
        const writer = state.writers.get(value);
        if (writer === undefined) {
          garbage ??= value;
          continue;
        }
        const outcome = (txns[writer] as Txn).outcome;
        if (outcome === 'info') observed[writer] = 1;
        else if (outcome === 'fail' && !failedWriters.includes(writer)) failedWriters.push(writer);
        const rank = repeated ? undefined : state.appendRank?.get(value);
        if (rank === undefined) continue;
        latestSeen ??= new Map();
        const latest = latestSeen.get(writer);
        if (latest === undefined || latest.rank < rank) latestSeen.set(writer, { rank, value });
        else if (!(reversed ?? []).some((found) => found.writer === writer)) (reversed ??= []).push({ writer, earlier: value, later: latest.value });
      }
      for (const { writer, earlier, later } of reversed ?? []) {
        // No edge joins a txn to itself, so no cycle can show this: it is checked here.
        const involved = writer === txn.id ? [writer] : [writer, txn.id];
        findings.add('incompatible-order', involved, () => {
          const reader = writer === txn.id ? 'then T1 itself' : 'T2';
          return `T1 appended ${earlier} then ${later} to key ${op.key}, but ${reader} read key ${op.key} = ${formatRead(list)}, with ${later} before ${earlier}: a txn's appends to a key can only be seen in the order it made them.`;
        });
      }
      if (duplicate !== undefined) {
        const value = duplicate;
        findings.add('duplicate-elements', [txn.id], () => `T1 read key ${op.key} = ${formatRead(list)}, in which ${value} appears more than once.`);
      }
      if (garbage !== undefined) {
        const value = garbage;
        findings.add('garbage-read', [txn.id], () => `T1 read key ${op.key} = ${formatRead(list)}, but no txn ever appended ${value} to key ${op.key}.`);
      }
      for (const writer of failedWriters) {
        findings.add('G1a', [txn.id, writer], () => {
          const failedValues = list.filter((value) => state.writers.get(value) === writer);
          return `T1 read key ${op.key} = ${formatRead(list)}, which holds ${failedValues.join(' ')} appended by T2, and T2 failed: it did not happen.`;
        });
      }
    }
  }

  // Version orders, and reads that no single order explains.
  for (const state of keys.values()) {
    for (const value of state.longest) {
      if (!state.position.has(value)) {
        state.position.set(value, state.order.length);
        state.order.push(value);
      }
    }
  }
  for (const txn of txns) {
    if (txn.outcome !== 'ok') continue;
    for (const op of txn.ops) {
      if (op.f !== 'r') continue;
      const state = keys.get(op.key) as KeyState;
      const list = readList(op);
      if (state.incompatible || isPrefix(list, state.longest)) continue;
      state.incompatible = true;
      const longest = state.longest;
      // Both reads may be one txn's: it is listed once.
      const sameTxn = state.longestReader === txn.id;
      findings.add(
        'incompatible-order',
        sameTxn ? [txn.id] : [txn.id, state.longestReader],
        () =>
          `T1 read key ${op.key} = ${formatRead(list)} and ${sameTxn ? 'also' : 'T2'} read key ${op.key} = ${formatRead(longest)}: the first is not a prefix of the second, so the appends to key ${op.key} had no single order. The checker infers no ww or rw edge on key ${op.key}.`,
      );
    }
  }

  const inGraph = new Uint8Array(txns.length);
  for (const txn of txns) if (txn.outcome === 'ok' || observed[txn.id] === 1) inGraph[txn.id] = 1;

  // Anomalies within one committed txn, or between a committed txn and its writers.
  const lostUpdates = new Map<string, number[]>();
  for (const txn of txns) {
    if (txn.outcome !== 'ok') continue;
    checkIntermediateReads(txn, keys, findings);
    checkInternal(txn, findings);
    checkFutureReads(txn, findings);
    collectReadThenAppend(txn, lostUpdates);
  }
  for (const [version, group] of lostUpdates) {
    if (group.length < 2) continue;
    const [key, read] = version.split(' ', 2) as [string, string];
    findings.add('lost-update', group.slice(0, 4), () => {
      const more = group.length > 4 ? ` (and ${group.length - 4} more txns)` : '';
      return `T1, T2${group.length > 2 ? ', ...' : ''} each read key ${key} = ${read} and then appended to it${more}: each append was made on a state that did not hold the others.`;
    });
  }
  for (const [key, state] of keys) checkDirtyUpdates(key, state, txns, inGraph, findings);

  // Dependency edges between txns of the graph.
  let unreadAppends = 0;
  for (const txn of txns) {
    if (inGraph[txn.id] !== 1) continue;
    for (const op of txn.ops) {
      const state = keys.get(op.key) as KeyState;
      if (op.f === 'r') {
        if (txn.outcome !== 'ok') continue;
        const list = readList(op);
        if (list.length === 0) continue;
        const writer = state.writers.get(list[list.length - 1] as number);
        if (writer !== undefined && inGraph[writer] === 1) edges.add(writer, txn.id, WR);
        continue;
      }
      if (!state.position.has(op.value)) unreadAppends++;
      if (state.incompatible) continue;
      const previous = previousVersion(state, op.value);
      if (previous !== INITIAL) {
        const writer = state.writers.get(previous);
        if (writer !== undefined && inGraph[writer] === 1) edges.add(writer, txn.id, WW);
      }
      const readers = previous === INITIAL ? state.initialReaders : (state.readers.get(previous) ?? []);
      for (const reader of readers) edges.add(reader, txn.id, RW);
    }
  }

  const notes: string[] = [];
  if (unreadAppends > 0) {
    notes.push(
      `${unreadAppends} appends of committed txns were never read: each is placed only after the last value read of its key, so edges between such appends are unseen.`,
    );
  }
  return ok({ inGraph, notes, explainDataEdge: (from, to, kind, name) => explainEdge(keys, txns, from, to, kind, name) });
}

/** The version an append was made on: the value before it in the order, or if it was never read, the last value read. */
function previousVersion(state: KeyState, value: number): Version {
  const at = state.position.get(value);
  if (at === undefined) return state.order.length === 0 ? INITIAL : (state.order[state.order.length - 1] as number);
  return at === 0 ? INITIAL : (state.order[at - 1] as number);
}

function checkIntermediateReads(txn: Txn, keys: Map<TxnKey, KeyState>, findings: Findings): void {
  for (const op of txn.ops) {
    if (op.f !== 'r') continue;
    const list = readList(op);
    if (list.length === 0) continue;
    const state = keys.get(op.key) as KeyState;
    const last = list[list.length - 1] as number;
    if (state.intermediate?.has(last) !== true) continue;
    const writer = state.writers.get(last) as number;
    if (writer === txn.id) continue;
    findings.add(
      'G1b',
      [txn.id, writer],
      () => `T1 read key ${op.key} = ${formatRead(list)}, ending with ${last}, but T2 appended more to key ${op.key} after ${last}: T1 saw T2 half done.`,
    );
  }
}

/** Elle's INT axiom: a read must show what the txn's own earlier reads and appends imply. */
function checkInternal(txn: Txn, findings: Findings): void {
  const expected = new Map<TxnKey, { knownPrefix: boolean; values: number[] }>();
  for (let i = 0; i < txn.ops.length; i++) {
    const op = txn.ops[i] as MicroOp;
    const state = expected.get(op.key);
    if (op.f === 'append') {
      if (state === undefined) expected.set(op.key, { knownPrefix: false, values: [op.value] });
      else state.values.push(op.value);
      continue;
    }
    const list = readList(op);
    if (state !== undefined) {
      const matches = state.knownPrefix
        ? state.values.length === list.length && isPrefix(state.values, list)
        : list.length >= state.values.length && state.values.every((value, at) => list[list.length - state.values.length + at] === value);
      if (!matches) {
        const wanted = state.knownPrefix ? formatRead(state.values) : `a list ending with ${state.values.join(' ')}`;
        findings.add('internal', [txn.id], () => `T1's micro-op ${i} read key ${op.key} = ${formatRead(list)}, but its own earlier micro-ops imply ${wanted}.`);
        return;
      }
    }
    expected.set(op.key, { knownPrefix: true, values: [...list] });
  }
}

function checkFutureReads(txn: Txn, findings: Findings): void {
  const ops = txn.ops;
  for (let j = 0; j < ops.length; j++) {
    const append = ops[j] as MicroOp;
    if (append.f !== 'append') continue;
    for (let i = 0; i < j; i++) {
      const read = ops[i] as MicroOp;
      if (read.f !== 'r' || read.key !== append.key || !readList(read).includes(append.value)) continue;
      findings.add(
        'future-read',
        [txn.id],
        () => `T1's micro-op ${i} read key ${read.key} = ${formatRead(read.value)}, which holds ${append.value}, appended only later by T1's micro-op ${j}.`,
      );
      return;
    }
  }
}

/** Groups committed txns by the version they first read of a key they then appended to. */
function collectReadThenAppend(txn: Txn, groups: Map<string, number[]>): void {
  const ops = txn.ops;
  for (let i = 0; i < ops.length; i++) {
    const read = ops[i] as MicroOp;
    if (read.f !== 'r') continue;
    let touchedBefore = false;
    let appendsAfter = false;
    for (let j = 0; j < ops.length; j++) {
      const other = ops[j] as MicroOp;
      if (other.key !== read.key || j === i) continue;
      if (j < i) touchedBefore = true;
      else if (other.f === 'append') appendsAfter = true;
    }
    // Only the first touch of the key counts: after its own append a txn reads its own state.
    if (touchedBefore || !appendsAfter) continue;
    const version = `${read.key} ${formatRead(readList(read))}`;
    let group = groups.get(version);
    if (group === undefined) {
      group = [];
      groups.set(version, group);
    }
    group.push(txn.id);
  }
}

/** Elle's dirty update: along a key's order, a committed append right after failed ones. */
function checkDirtyUpdates(key: TxnKey, state: KeyState, txns: readonly Txn[], inGraph: Uint8Array, findings: Findings): void {
  let failedRun: number[] = [];
  for (const value of state.order) {
    const writer = state.writers.get(value);
    if (writer === undefined) continue;
    if ((txns[writer] as Txn).outcome === 'fail') {
      if (!failedRun.includes(writer)) failedRun.push(writer);
      continue;
    }
    if (failedRun.length > 0 && inGraph[writer] === 1) {
      const failed = failedRun;
      findings.add('dirty-update', [...failed, writer], () => {
        const last = `T${failed.length + 1}`;
        const names = failed.map((_, at) => `T${at + 1}`).join(', ');
        return `On key ${key}, ${last} appended ${value} right after values appended by ${names}, which failed: a committed write was made on top of writes that did not happen.`;
      });
    }
    failedRun = [];
  }
}

function explainEdge(
  keys: Map<TxnKey, KeyState>,
  txns: readonly Txn[],
  from: number,
  to: number,
  kind: number,
  name: TxnNamer,
): { key: TxnKey; reason: string } | undefined {
  const source = txns[from] as Txn;
  const target = txns[to] as Txn;
  if (kind === WR) {
    for (const op of target.ops) {
      if (op.f !== 'r') continue;
      const list = readList(op);
      const last = list[list.length - 1];
      if (last === undefined || keys.get(op.key)?.writers.get(last) !== from) continue;
      return { key: op.key, reason: `${name(to)} read ${formatRead(list)} from key ${op.key}, ending with ${last}, which ${name(from)} appended` };
    }
    return undefined;
  }
  for (const op of target.ops) {
    if (op.f !== 'append') continue;
    const state = keys.get(op.key) as KeyState;
    if (state.incompatible) continue;
    const previous = previousVersion(state, op.value);
    const unread = !state.position.has(op.value);
    if (kind === WW) {
      if (previous === INITIAL || state.writers.get(previous) !== from) continue;
      const where = unread ? `after ${previous} (no read shows ${op.value}, so it comes after every value read)` : `right after ${previous}`;
      return { key: op.key, reason: `${name(to)} appended ${op.value} to key ${op.key} ${where}, which ${name(from)} appended` };
    }
    for (const read of source.ops) {
      if (read.f !== 'r' || read.key !== op.key) continue;
      const list = readList(read);
      const readVersion = list.length === 0 ? INITIAL : (list[list.length - 1] as number);
      if (readVersion !== previous) continue;
      if (previous === INITIAL) {
        const first = unread ? `appended ${op.value} to it (no read shows ${op.value})` : `appended ${op.value}, its first value`;
        return { key: op.key, reason: `${name(from)} read key ${op.key} = ${formatRead(read.value)} (nothing appended yet), and ${name(to)} ${first}` };
      }
      const after = unread ? `appended ${op.value} later (no read shows it, so it comes after every value read)` : `appended ${op.value} right after`;
      return { key: op.key, reason: `${name(from)} read key ${op.key} = ${formatRead(list)}, and ${name(to)} ${after}` };
    }
  }
  return undefined;
}
