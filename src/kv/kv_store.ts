// The key-value state machine: applies lin-kv operations to a map of JSON keys to JSON values.
// Pure and deterministic: the same operations in the same order give the same replies and the
// same state on every replica. Keys are compared by JSON equality, as Maelstrom compares them.

import { canonicalJson, isJsonObject, jsonEqual, previewJson, type JsonValue } from '../base/json.js';
import { KvErrorCode, type KvOperation, type KvOutcome } from './operations.js';

const SNAPSHOT_VERSION = 1;

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

  /** Read without applying anything: for reads served outside the log. */
  read(key: JsonValue): KvOutcome {
    return this.apply({ f: 'read', key });
  }
}

/** Whether two keys name the same entry of the store. */
export function sameKey(a: JsonValue, b: JsonValue): boolean {
  return a === b || keySlot(a) === keySlot(b);
}

/** Integers and strings are by far the common keys; give them a cheap canonical form. */
function keySlot(key: JsonValue): string {
  if (typeof key === 'number') return `n${key}`;
  if (typeof key === 'string') return `s${key}`;
  return `j${canonicalJson(key)}`;
}

function missingKey(key: JsonValue): KvOutcome {
  return { type: 'error', code: KvErrorCode.keyDoesNotExist, text: `key ${previewJson(key)} does not exist` };
}
