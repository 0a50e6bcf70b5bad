// What both workloads index first, before any read is looked at: which txn wrote each value of a
// key, and which values their own txn overwrote later in itself (a read of one is G1b). Pure.
// Invariant: a value is written to a key by one txn only; a second writer makes the history
// unreadable (the version order would be ambiguous), as Elle refuses it too.

import type { Result } from '../../base/result.js';
import { err, ok } from '../../base/result.js';
import type { MicroOp, Txn } from './types.js';

export interface WrittenValues {
  /** Written value -> the txn that wrote it, whatever its outcome. */
  readonly writers: Map<number, number>;
  /** Values that are not their txn's last write to this key. */
  intermediate: Set<number> | undefined;
}

/**
 * Records micro-op `i` of `txn`, a write (`append` or `w`) to `state`'s key; ok(true) when the
 * same txn writes the key again later.
 */
export function recordWrite(state: WrittenValues, txns: readonly Txn[], txn: Txn, i: number): Result<boolean, string> {
  const op = txn.ops[i] as MicroOp & { readonly value: number };
  const other = state.writers.get(op.value);
  if (other !== undefined) {
    const verb = op.f === 'append' ? 'appends' : 'writes';
    return err(
      `event ${txn.invokeIndex}: ${verb} ${op.value} to key ${op.key}, as txn ${other} (event ${(txns[other] as Txn).invokeIndex}) did: the checker needs unique values per key`,
    );
  }
  state.writers.set(op.value, txn.id);
  for (let j = i + 1; j < txn.ops.length; j++) {
    const later = txn.ops[j] as MicroOp;
    if (later.f === op.f && later.key === op.key) {
      state.intermediate ??= new Set();
      state.intermediate.add(op.value);
      return ok(true);
    }
  }
  return ok(false);
}

/** The value under `key`, made and stored first if there is none. */
export function entryOf<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}
