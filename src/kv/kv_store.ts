// The key-value state machine: applies lin-kv operations to a map of JSON keys to JSON values,
// and is the store transactions run against (get, put). Pure and deterministic: the same
// operations in the same order give the same replies and the same state on every replica. Keys
// are compared by JSON equality, as Maelstrom compares them. Values are never changed in place.

import { canonicalJson, isJsonObject, jsonEqual, previewJson, type JsonValue } from '../base/json.js';
import { KvErrorCode, type KvOperation, type KvOutcome } from './operations.js';
import type { TxnStore } from './txn.js';

const SNAPSHOT_VERSION = 1;

export class KvStore implements TxnStore {
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
            code: KvErrorCode.preconditionFailed,
            // Previews: an error travels between nodes and is remembered by sessions, so it stays small.
            text: `expected ${previewJson(operation.from)}, but the value is ${previewJson(current)}`,
          };
        }
        this.entries.set(slot, operation.to);
        return { type: 'cas_ok' };
      }
    }
  }

  /**
   * A deterministic image of the store: the same state gives the same text on every replica
   * (entries sorted by their canonical key), so snapshots can be compared byte for byte.
   */
  snapshot(): string {
    const slots = [...this.entries.keys()].sort();
    const entries: JsonValue[] = slots.map((slot) => [slot, this.entries.get(slot) as JsonValue]);
    return JSON.stringify({ version: SNAPSHOT_VERSION, entries });
  }

  /** Replaces the whole state with a snapshot() image; throws on text that is not one. */
  restore(text: string): void {
    const parsed = JSON.parse(text) as JsonValue;
    if (!isJsonObject(parsed) || parsed['version'] !== SNAPSHOT_VERSION || !Array.isArray(parsed['entries'])) {
      throw new Error('not a key-value store snapshot');
    }
    const restored = new Map<string, JsonValue>();
    for (const item of parsed['entries']) {
      if (!Array.isArray(item) || item.length !== 2 || typeof item[0] !== 'string') throw new Error('malformed key-value snapshot entry');
      restored.set(item[0], item[1] as JsonValue);
    }
    this.entries.clear();
    for (const [slot, value] of restored) this.entries.set(slot, value);
  }

  /** The key's value, or undefined when it is missing. */
  get(key: JsonValue): JsonValue | undefined {
    return this.entries.get(keySlot(key));
  }

  put(key: JsonValue, value: JsonValue): void {
    this.entries.set(keySlot(key), value);
  }

  /** Read without applying anything: for reads served outside the log. */
  read(key: JsonValue): KvOutcome {
    return this.apply({ f: 'read', key });
  }
}

/** Whether two keys name the same entry of the store. */
export function sameKey(a: JsonValue, b: JsonValue): boolean {
  return a === b || keySlot(a) === keySlot(b);
}

/**
 * A key's canonical form: two keys name the same entry exactly when their slots are equal.
 * Integers and strings are by far the common keys; give them a cheap one.
 */
export function keySlot(key: JsonValue): string {
  if (typeof key === 'number') return `n${key}`;
  if (typeof key === 'string') return `s${key}`;
  return `j${canonicalJson(key)}`;
}

function missingKey(key: JsonValue): KvOutcome {
  return { type: 'error', code: KvErrorCode.keyDoesNotExist, text: `key ${previewJson(key)} does not exist` };
}
