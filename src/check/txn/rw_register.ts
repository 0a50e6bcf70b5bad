// txn-rw-register: a read shows one value, not a history, so the version order of a key is
// inferred only as Elle infers it by default: every value follows the initial nil, and a
// committed txn that read v and then wrote v' puts v before v' (writes follow reads). Nothing
// else is assumed. Pure. Invariants: written values are unique per key (else the history is
// refused); only ok txns' reads are known; an info txn is in the graph once one of its writes was read.

import type { Result } from '../../base/result.js';
import { err, ok } from '../../base/result.js';
import type { WorkloadAnalysis } from './checker.js';
import type { Findings, TxnNamer } from './explain.js';
import { formatRead } from './explain.js';
import type { EdgeList } from './graph.js';
import { RW, WR, WW } from './graph.js';
import type { MicroOp, Txn, TxnKey } from './types.js';
import { entryOf, recordWrite, type WrittenValues } from './writes.js';

/** One inferred step of a key's version order, and the txn that justifies it. */
interface VersionStep {
  readonly to: number;
  readonly source: number;
}

interface KeyState extends WrittenValues {
  /** Committed txns whose first touch of the key read nil, or read each value. */
  readonly nilReaders: number[];
  readonly readers: Map<number, number[]>;
  /** Value -> the values inferred to follow it directly (writes follow reads). */
  readonly next: Map<number, VersionStep[]>;
  cyclic: boolean;
}

function newKeyState(): KeyState {
  return { writers: new Map(), intermediate: undefined, nilReaders: [], readers: new Map(), next: new Map(), cyclic: false };
}

/** A txn's external read of a key: its first touch of the key, if that is a read. */
function externalRead(ops: readonly MicroOp[], key: TxnKey): MicroOp | undefined {
  for (const op of ops) if (op.key === key) return op.f === 'r' ? op : undefined;
  return undefined;
}

/** A txn's external write of a key: its last write of it. */
function externalWrite(ops: readonly MicroOp[], key: TxnKey): MicroOp | undefined {
  for (let i = ops.length - 1; i >= 0; i--) {
    const op = ops[i] as MicroOp;
    if (op.key === key && op.f === 'w') return op;
  }
  return undefined;
}

export function analyzeRwRegister(txns: readonly Txn[], findings: Findings, edges: EdgeList): Result<WorkloadAnalysis, string> {
  const keys = new Map<TxnKey, KeyState>();
  const stateOf = (key: TxnKey): KeyState => entryOf(keys, key, newKeyState);

  for (const txn of txns) {
    const ops = txn.ops;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i] as MicroOp;
      if (op.f === 'append') return err(`event ${txn.invokeIndex}: micro-op ${i} is an "append" in a txn-rw-register history`);
      if (op.f === 'r') {
        if (txn.outcome === 'ok' && op.value !== null && typeof op.value !== 'number') {
          return err(`event ${txn.completeIndex}: micro-op ${i} reads ${formatRead(op.value)}, not an integer or null`);
        }
        stateOf(op.key);
        continue;
      }
      const recorded = recordWrite(stateOf(op.key), txns, txn, i);
      if (!recorded.ok) return recorded;
    }
  }

  // Whom committed reads read from.
  const observed = new Uint8Array(txns.length);
  for (const txn of txns) {
    if (txn.outcome !== 'ok') continue;
    for (const op of txn.ops) {
      if (op.f !== 'r' || op.value === null) continue;
      const value = op.value as number;
      const state = keys.get(op.key) as KeyState;
      const writer = state.writers.get(value);
      if (writer === undefined) {
        findings.add('garbage-read', [txn.id], () => `T1 read key ${op.key} = ${value}, but no txn ever wrote ${value} to key ${op.key}.`);
        continue;
      }
      const outcome = (txns[writer] as Txn).outcome;
      if (outcome === 'info') observed[writer] = 1;
      if (outcome === 'fail') {
        findings.add('G1a', [txn.id, writer], () => `T1 read key ${op.key} = ${value}, which T2 wrote, and T2 failed: it did not happen.`);
      } else if (writer !== txn.id && state.intermediate?.has(value) === true) {
        findings.add('G1b', [txn.id, writer], () => `T1 read key ${op.key} = ${value}, but T2 wrote key ${op.key} again after ${value}: T1 saw T2 half done.`);
      }
    }
  }
  const inGraph = new Uint8Array(txns.length);
  for (const txn of txns) if (txn.outcome === 'ok' || observed[txn.id] === 1) inGraph[txn.id] = 1;

  // Within committed txns; and the version order their reads and writes justify.
  const lostUpdates = new Map<string, number[]>();
  for (const txn of txns) {
    if (txn.outcome !== 'ok') continue;
    checkInternal(txn, findings);
    checkFutureReads(txn, findings);
    const touched = new Set<TxnKey>();
    for (const op of txn.ops) {
      if (touched.has(op.key)) continue;
      touched.add(op.key);
      if (op.f !== 'r') continue;
      const state = keys.get(op.key) as KeyState;
      if (op.value === null) state.nilReaders.push(txn.id);
      else {
        entryOf(state.readers, op.value as number, () => []).push(txn.id);
      }
      const write = externalWrite(txn.ops, op.key);
      if (write === undefined) continue;
      const group = `${op.key} ${formatRead(op.value)}`;
      lostUpdates.set(group, [...(lostUpdates.get(group) ?? []), txn.id]);
      if (op.value !== null && op.value !== write.value) {
        const from = op.value as number;
        let steps = state.next.get(from);
        if (steps === undefined) {
          steps = [];
          state.next.set(from, steps);
        }
        steps.push({ to: write.value as number, source: txn.id });
      }
    }
  }
  for (const [group, readers] of lostUpdates) {
    if (readers.length < 2) continue;
    const [key, value] = group.split(' ', 2) as [string, string];
    findings.add('lost-update', readers.slice(0, 4), () => {
      const more = readers.length > 4 ? ` (and ${readers.length - 4} more txns)` : '';
      return `T1, T2${readers.length > 2 ? ', ...' : ''} each read key ${key} = ${value} and then wrote it${more}: each write was made without seeing the others.`;
    });
  }
  for (const [key, state] of keys) {
    const cycle = findVersionCycle(state.next);
    if (cycle === undefined) continue;
    state.cyclic = true;
    const sources = [...new Set(cycle.map((step) => step.source))];
    findings.add('cyclic-versions', sources, () => {
      const values = cycle.map((step) => step.from);
      const steps = cycle.map((step) => `${namerOf(sources)(step.source)} read ${step.from} and then wrote ${step.to}`);
      return `On key ${key} the inferred order ${[...values, values[0]].join(' < ')} is a circle: ${steps.join('; ')}. The checker infers no ww or rw edge on key ${key} beyond the initial nil.`;
    });
  }

  // Dependency edges between txns of the graph.
  const finalWriter = (state: KeyState, value: number): number | undefined => {
    const writer = state.writers.get(value);
    if (writer === undefined || inGraph[writer] !== 1 || state.intermediate?.has(value) === true) return undefined;
    return writer;
  };
  let writtenValues = 0;
  let orderedValues = 0;
  for (const state of keys.values()) {
    for (const [value, readers] of state.readers) {
      const writer = finalWriter(state, value);
      if (writer !== undefined) for (const reader of readers) edges.add(writer, reader, WR);
    }
    const writersOfKey: number[] = [];
    for (const value of state.writers.keys()) {
      const writer = finalWriter(state, value);
      if (writer === undefined) continue;
      writersOfKey.push(writer);
      writtenValues++;
    }
    // Every value follows the initial nil: whoever read nil comes before every writer.
    for (const reader of state.nilReaders) for (const writer of writersOfKey) edges.add(reader, writer, RW);
    if (state.cyclic) continue;
    const followers = new Set<number>();
    for (const [from, steps] of state.next) {
      const before = finalWriter(state, from);
      const readers = state.readers.get(from) ?? [];
      for (const step of steps) {
        followers.add(step.to);
        const after = finalWriter(state, step.to);
        if (after === undefined) continue;
        if (before !== undefined) edges.add(before, after, WW);
        for (const reader of readers) edges.add(reader, after, RW);
      }
    }
    orderedValues += followers.size;
  }

  const notes = [
    `txn-rw-register shows far less than txn-list-append: a key's version order is known only from the initial nil and from txns that read a value and then wrote the key; ${orderedValues} of ${writtenValues} values written by committed txns are ordered after another value, the rest only after nil, so edges between blind writes, and the cycles they would close, are unseen.`,
  ];
  return ok({ inGraph, notes, explainDataEdge: (from, to, kind, name) => explainEdge(keys, txns, from, to, kind, name) });
}

function namerOf(ids: readonly number[]): TxnNamer {
  return (id) => `T${ids.indexOf(id) + 1}`;
}

function checkInternal(txn: Txn, findings: Findings): void {
  const expected = new Map<TxnKey, number | null>();
  for (let i = 0; i < txn.ops.length; i++) {
    const op = txn.ops[i] as MicroOp;
    if (op.f === 'r' && expected.has(op.key) && expected.get(op.key) !== op.value) {
      const wanted = expected.get(op.key) as number | null;
      findings.add(
        'internal',
        [txn.id],
        () => `T1's micro-op ${i} read key ${op.key} = ${formatRead(op.value)}, but its own earlier micro-ops imply ${formatRead(wanted)}.`,
      );
      return;
    }
    expected.set(op.key, op.value as number | null);
  }
}

function checkFutureReads(txn: Txn, findings: Findings): void {
  const ops = txn.ops;
  for (let j = 0; j < ops.length; j++) {
    const write = ops[j] as MicroOp;
    if (write.f !== 'w') continue;
    for (let i = 0; i < j; i++) {
      const read = ops[i] as MicroOp;
      if (read.f !== 'r' || read.key !== write.key || read.value !== write.value) continue;
      findings.add('future-read', [txn.id], () => `T1's micro-op ${i} read key ${read.key} = ${write.value}, which T1 writes only later, in micro-op ${j}.`);
      return;
    }
  }
}

/** A circle in a key's inferred order, as its steps; depth-first without recursion. */
function findVersionCycle(next: Map<number, VersionStep[]>): { from: number; to: number; source: number }[] | undefined {
  const color = new Map<number, 1 | 2>();
  for (const root of next.keys()) {
    if (color.has(root)) continue;
    const path: { value: number; step: number; via: VersionStep | undefined }[] = [{ value: root, step: 0, via: undefined }];
    color.set(root, 1);
    while (path.length > 0) {
      const top = path[path.length - 1] as { value: number; step: number; via: VersionStep | undefined };
      const steps = next.get(top.value) ?? [];
      if (top.step === steps.length) {
        color.set(top.value, 2);
        path.pop();
        continue;
      }
      const step = steps[top.step++] as VersionStep;
      const seen = color.get(step.to);
      if (seen === 1) {
        const start = path.findIndex((entry) => entry.value === step.to);
        const cycle = path.slice(start + 1).map((entry) => entry.via as VersionStep);
        cycle.push(step);
        return cycle.map((link, at) => ({ from: at === 0 ? step.to : (cycle[at - 1] as VersionStep).to, to: link.to, source: link.source }));
      }
      if (seen === undefined) {
        color.set(step.to, 1);
        path.push({ value: step.to, step: 0, via: step });
      }
    }
  }
  return undefined;
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
  // The writer of `after` is the txn that read `before` first: values are unique per key.
  const justify = (state: KeyState, before: number, after: number): string | undefined => {
    const step = state.next.get(before)?.find((candidate) => candidate.to === after);
    return step === undefined ? undefined : `${name(step.source)} read ${before} before writing ${after}`;
  };
  for (const key of new Set(target.ops.map((op) => op.key))) {
    const state = keys.get(key) as KeyState;
    if (kind === WR) {
      const read = externalRead(target.ops, key);
      const write = externalWrite(source.ops, key);
      if (read === undefined || write === undefined || read.value !== write.value) continue;
      return { key, reason: `${name(to)} read key ${key} = ${write.value}, which ${name(from)} wrote` };
    }
    const write = externalWrite(target.ops, key);
    if (write === undefined) continue;
    if (kind === WW) {
      const earlier = externalWrite(source.ops, key);
      if (earlier === undefined || state.cyclic) continue;
      const why = justify(state, earlier.value as number, write.value as number);
      if (why === undefined) continue;
      return { key, reason: `${name(from)} wrote key ${key} = ${earlier.value} and ${name(to)} wrote ${write.value}, which follows ${earlier.value}: ${why}` };
    }
    const read = externalRead(source.ops, key);
    if (read === undefined) continue;
    if (read.value === null) {
      return { key, reason: `${name(from)} read key ${key} = nil, and ${name(to)} wrote ${write.value}: every value follows the initial nil` };
    }
    if (state.cyclic) continue;
    const why = justify(state, read.value as number, write.value as number);
    if (why === undefined) continue;
    return { key, reason: `${name(from)} read key ${key} = ${read.value}, and ${name(to)} wrote ${write.value}, which follows ${read.value}: ${why}` };
  }
  return undefined;
}
