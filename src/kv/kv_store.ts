// The key-value state machine: applies lin-kv operations to a map of JSON keys to JSON values.
// Pure and deterministic: the same operations in the same order give the same replies and the
// same state on every replica. Keys are compared by JSON equality, as Maelstrom compares them.

import { canonicalJson, jsonEqual, type JsonValue } from '../base/json.js';
import { ErrorCode } from '../protocol/errors.js';
import type { KvOperation } from '../protocol/lin_kv.js';

export type KvOutcome =
  | { readonly type: 'read_ok'; readonly value: JsonValue }
  | { readonly type: 'write_ok' }
  | { readonly type: 'cas_ok' }
  | { readonly type: 'error'; readonly code: ErrorCode; readonly text: string };

export class KvStore {
  private readonly entries = new Map<string, JsonValue>();

  get size(): number {
    return this.entries.size;
  }

  apply(operation: KvOperation): KvOutcome {
    const slot = keySlot(operation.key);
    switch (operation.f) {
      case 'read': {
        const value = this.entries.get(slot);
        return value === undefined ? missingKey(operation.key) : { type: 'read_ok', value };
      }
      case 'write':
        this.entries.set(slot, operation.value);
        return { type: 'write_ok' };
      case 'cas': {
        const current = this.entries.get(slot);
        if (current === undefined) {
          if (!operation.createIfMissing) return missingKey(operation.key);
          this.entries.set(slot, operation.to);
          return { type: 'cas_ok' };
        }
        if (!jsonEqual(current, operation.from)) {
          return {
            type: 'error',
            code: ErrorCode.preconditionFailed,
            text: `expected ${JSON.stringify(operation.from)}, but the value is ${JSON.stringify(current)}`,
          };
        }
        this.entries.set(slot, operation.to);
        return { type: 'cas_ok' };
      }
    }
  }

  /** Read without applying anything: for reads served outside the log. */
  read(key: JsonValue): KvOutcome {
    return this.apply({ f: 'read', key });
  }
}

/** Integers and strings are by far the common keys; give them a cheap canonical form. */
function keySlot(key: JsonValue): string {
  if (typeof key === 'number') return `n${key}`;
  if (typeof key === 'string') return `s${key}`;
  return `j${canonicalJson(key)}`;
}

function missingKey(key: JsonValue): KvOutcome {
  return { type: 'error', code: ErrorCode.keyDoesNotExist, text: `key ${JSON.stringify(key)} does not exist` };
}
