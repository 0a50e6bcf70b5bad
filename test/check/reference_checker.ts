// A deliberately naive linearizability checker for small register histories, used as an oracle
// for the real search: depth-first over sets of linearized operations with a memo of failed
// (set, state) pairs, no list tricks, no pruning rules. Exponential; keep histories tiny.

import type { SearchOp } from '../../src/check/register_search.js';
import { SearchKind } from '../../src/check/register_search.js';

const { read: READ, write: WRITE, cas: CAS, casMismatchPresent: CAS_MISMATCH_PRESENT, casMismatch: CAS_MISMATCH } = SearchKind;
const { maybeWrite: MAYBE_WRITE, maybeCas: MAYBE_CAS } = SearchKind;

/** True when some order of the ops (indefinite ones optional) explains every observation. */
export function referenceLinearizable(ops: readonly SearchOp[]): boolean {
  const failed = new Set<string>();
  const done = new Array<boolean>(ops.length).fill(false);
  const definiteLeft = (): number => ops.filter((op, i) => op.ret >= 0 && !done[i]).length;

  const step = (op: SearchOp, state: number): number | undefined => {
    switch (op.kind) {
      case READ:
        return state === op.a ? state : undefined;
      case WRITE:
      case MAYBE_WRITE:
        return op.a;
      case CAS:
        return state === op.a ? op.b : undefined;
      case CAS_MISMATCH_PRESENT:
        return state !== op.a && state !== 0 ? state : undefined;
      case CAS_MISMATCH:
        return state !== op.a ? state : undefined;
      case MAYBE_CAS:
        return state === op.a ? op.b : state;
      default:
        throw new Error(`kind ${op.kind}`);
    }
  };

  const search = (state: number): boolean => {
    if (definiteLeft() === 0) return true;
    const memoKey = `${done.map((d) => (d ? 1 : 0)).join('')}/${state}`;
    if (failed.has(memoKey)) return false;
    let deadline = Infinity;
    ops.forEach((op, i) => {
      if (!done[i] && op.ret >= 0 && op.ret < deadline) deadline = op.ret;
    });
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i] as SearchOp;
      if (done[i] || op.call > deadline) continue;
      const after = step(op, state);
      if (after === undefined) continue;
      done[i] = true;
      const found = search(after);
      done[i] = false;
      if (found) return true;
    }
    failed.add(memoKey);
    return false;
  };
  return search(0);
}
