// The state machine's store, multi-versioned: each key keeps its values by the index of the entry
// that wrote them, so a read at index I sees exactly the state after entry I, while lin-kv and
// batch txns read and write the newest. Pure and deterministic: apply's replies, and every read at
// or above oldestReadableIndex, agree on every replica. Superseded versions are collected at apply,
// oldest first, O(1) each, once outside the retention window (in entries, and in bytes).

import { assert } from '../base/assert.js';
import { approximateJsonBytes, canonicalJson, isJsonObject, jsonEqual, previewJson, type JsonValue } from '../base/json.js';
import { KvErrorCode, type KvOperation, type KvOutcome } from './operations.js';
import type { TxnStore } from './txn.js';

/** Entries behind the newest for which superseded versions stay readable (--mvcc-retention). */
export const DEFAULT_MVCC_RETENTION_ENTRIES = 10_000;

/** About how many bytes superseded versions may take (approximateJsonBytes) before the window shrinks. */
const DEFAULT_MVCC_RETENTION_BYTES = 8 << 20;

/** Version 1: plain values (earlier builds); version 2: versions newer than the image's floor. */
const PLAIN_SNAPSHOT_VERSION = 1;
const SNAPSHOT_VERSION = 2;

/**
 * The queue of superseded versions is compacted once this many of its front slots are spent
 * (and they are at least half of it), so dropping stays O(1) amortized with no shift().
 */
const MIN_SPENT_TO_COMPACT = 1_024;
/** The same for one key's superseded versions. */
const MIN_SPENT_TO_COMPACT_CHAIN = 64;

export interface KvStoreOptions {
  /** Log entries behind the newest at which reads stay possible; 0 keeps the newest state only. */
  readonly retentionEntries: number;
  /**
   * ... and at most about this many bytes of superseded values: past it the oldest are collected
   * at once and the floor rises (even above a pinned index), so memory stays bounded by bytes.
   */
  readonly retentionBytes: number;
}

/**
 * One key's versions. The newest is inline, and so is the one it superseded, so a key that is
 * rarely overwritten costs one small object and no array. Versions older still sit in two
 * parallel arrays (no object per version), ascending by index; those before `start` are
 * collected. A version is visible to reads from its index up to the next version's.
 */
class VersionChain {
  value: JsonValue;
  index: number;
  /** The newest superseded version; previousIndex -1: none. */
  previousValue: JsonValue = null;
  previousIndex = -1;
  olderIndexes: number[] | undefined = undefined;
  olderValues: JsonValue[] | undefined = undefined;
  start = 0;

  constructor(value: JsonValue, index: number) {
    this.value = value;
    this.index = index;
  }

  /** The value a read at `index` sees (undefined: the key did not exist then). */
  valueAt(index: number): JsonValue | undefined {
    if (this.index <= index) return this.value;
    if (this.previousIndex < 0) return undefined;
    if (this.previousIndex <= index) return this.previousValue;
    const indexes = this.olderIndexes;
    if (indexes === undefined) return undefined;
    // The last version written at or before `index`: the first one after it, less one.
    let low = this.start;
    let high = indexes.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((indexes[middle] as number) <= index) low = middle + 1;
      else high = middle;
    }
    return low === this.start ? undefined : (this.olderValues as JsonValue[])[low - 1];
  }

  /** `value` replaces the newest version at `index`, which is kept as superseded. */
  supersede(value: JsonValue, index: number): void {
    if (this.previousIndex >= 0) {
      (this.olderIndexes ??= []).push(this.previousIndex);
      (this.olderValues ??= []).push(this.previousValue);
    }
    this.previousValue = this.value;
    this.previousIndex = this.index;
    this.value = value;
    this.index = index;
  }

  /** Calls `visit` on each superseded version, oldest first, with the index that superseded it. */
  forEachSuperseded(visit: (index: number, value: JsonValue, supersededAt: number) => void): void {
    if (this.previousIndex < 0) return;
    const indexes = this.olderIndexes;
    if (indexes !== undefined) {
      const values = this.olderValues as JsonValue[];
      for (let k = this.start; k < indexes.length; k++)
        visit(indexes[k] as number, values[k] as JsonValue, k + 1 < indexes.length ? (indexes[k + 1] as number) : this.previousIndex);
    }
    visit(this.previousIndex, this.previousValue, this.index);
  }

  /** The index that superseded the oldest superseded version (there is one). */
  oldestSupersededAt(): number {
    const indexes = this.olderIndexes;
    if (indexes === undefined || this.start === indexes.length) return this.index;
    return this.start + 1 < indexes.length ? (indexes[this.start + 1] as number) : this.previousIndex;
  }

  /** Drops the oldest superseded version; returns its value. */
  dropOldest(): JsonValue {
    const indexes = this.olderIndexes;
    if (indexes === undefined || this.start === indexes.length) {
      const dropped = this.previousValue;
      this.previousIndex = -1;
      this.previousValue = null;
      return dropped;
    }
    const values = this.olderValues as JsonValue[];
    const dropped = values[this.start] as JsonValue;
    values[this.start] = null; // let the value go now, not at the next compaction
    this.start++;
    if (this.start === indexes.length) {
      indexes.length = 0;
      values.length = 0;
      this.start = 0;
    } else if (this.start >= MIN_SPENT_TO_COMPACT_CHAIN && this.start * 2 >= indexes.length) {
      indexes.splice(0, this.start);
      values.splice(0, this.start);
      this.start = 0;
    }
    return dropped;
  }

  /** Restores superseded versions, ascending (from a snapshot image). */
  restoreSuperseded(indexes: number[], values: JsonValue[]): void {
    if (indexes.length === 0) return;
    this.previousIndex = indexes.pop() as number;
    this.previousValue = values.pop() as JsonValue;
    if (indexes.length === 0) return;
    this.olderIndexes = indexes;
    this.olderValues = values;
  }
}

/** The store as of one index: lin-kv keys are any JSON, txn keys integers or strings. */
interface StoreState extends TxnStore {
  get(key: JsonValue): JsonValue | undefined;
}

export class KvStore implements TxnStore {
  private readonly entries = new Map<string, VersionChain>();
  private readonly retentionEntries: number;
  private readonly retentionBytes: number;
  /** The entry being applied, or the last one applied: writes are versions at this index. */
  private writeIndex = 0;
  /** Reads at this index or later see exactly the state after it; older versions may be gone. */
  private floorIndex = 0;
  /**
   * Superseded versions in the order they become collectible, by their chain: each key's are
   * superseded in order, so a key's first entry here is always its oldest version, and the
   * chain itself says when that one was superseded (no second array to fill on every write).
   */
  private collectChains: VersionChain[] = [];
  /** The approximate bytes of the queued versions' values (measured again as each is dropped). */
  private supersededBytes = 0;
  private collectStart = 0;
  /** Indexes readers hold (with counts): the horizon stays at or below the lowest. */
  private readonly pins = new Map<number, number>();
  private lowestPin = Number.POSITIVE_INFINITY;

  constructor(options: Partial<KvStoreOptions> = {}) {
    const retention = options.retentionEntries ?? DEFAULT_MVCC_RETENTION_ENTRIES;
    assert(Number.isSafeInteger(retention) && retention >= 0, () => `the MVCC retention must be a non-negative integer; got ${retention}`);
    this.retentionEntries = retention;
    const bytes = options.retentionBytes ?? DEFAULT_MVCC_RETENTION_BYTES;
    assert(Number.isSafeInteger(bytes) && bytes >= 0, () => `the MVCC retention in bytes must be a non-negative integer; got ${bytes}`);
    this.retentionBytes = bytes;
  }

  /** Keys in the store. */
  get size(): number {
    return this.entries.size;
  }

  /** The lowest index a read at an index may ask for: versions below it may be collected. */
  get oldestReadableIndex(): number {
    return this.floorIndex;
  }

  /** Superseded versions still kept (memory is bounded by the writes of the retention window). */
  get supersededVersionCount(): number {
    return this.collectChains.length - this.collectStart;
  }

  /** About how many bytes the superseded versions' values take (at most about retentionBytes). */
  get supersededVersionBytes(): number {
    return this.supersededBytes;
  }

  /**
   * The state machine is about to apply entry `index` (every entry, in order, no-ops included):
   * its writes become versions at `index`, and what no read in the window can see is collected.
   */
  beginEntry(index: number): void {
    // No closure for the message on this path: it runs for every entry.
    if (index < this.writeIndex) assert(false, `the store went back from entry ${this.writeIndex} to ${index}`);
    this.writeIndex = index;
    const horizon = index - this.retentionEntries;
    this.collect(Math.min(horizon, this.lowestPin));
  }

  apply(operation: KvOperation): KvOutcome {
    const slot = keySlot(operation.key);
    switch (operation.f) {
      case 'read': {
        const chain = this.entries.get(slot);
        return chain === undefined ? missingKey(operation.key) : { type: 'read_ok', value: chain.value };
      }
      case 'write':
        this.write(slot, operation.value);
        return { type: 'write_ok' };
      case 'cas': {
        const current = this.entries.get(slot)?.value;
        if (current === undefined) {
          if (!operation.createIfMissing) return missingKey(operation.key);
          this.write(slot, operation.to);
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
        this.write(slot, operation.to);
        return { type: 'cas_ok' };
      }
    }
  }

  /** The key's newest value, or undefined when it is missing. */
  get(key: JsonValue): JsonValue | undefined {
    return this.entries.get(keySlot(key))?.value;
  }

  /**
   * The index of the entry that wrote the key's newest value (0: never written). Exact on every
   * replica, also after a snapshot restore, so txn checks at apply decide alike everywhere.
   */
  versionOf(key: JsonValue): number {
    return this.entries.get(keySlot(key))?.index ?? 0;
  }

  /** Writes the key's value as of the entry being applied. */
  put(key: JsonValue, value: JsonValue): void {
    this.write(keySlot(key), value);
  }

  /** Read without applying anything: for reads served outside the log. */
  read(key: JsonValue): KvOutcome {
    return this.apply({ f: 'read', key });
  }

  /**
   * The state exactly after entry `index` (at most the entry applied), for reads only; undefined
   * when `index` is below oldestReadableIndex. Valid until the next entry is applied, unless
   * `index` is pinned.
   */
  at(index: number): StoreState | undefined {
    assert(index <= this.writeIndex, () => `a read at ${index}, beyond the entry applied (${this.writeIndex})`);
    if (index < this.floorIndex) return undefined;
    return {
      get: (key) => this.entries.get(keySlot(key))?.valueAt(index),
      put: () => assert(false, 'a snapshot read wrote to the store'),
    };
  }

  /** A reader will read at `index` later: versions it sees are kept until unpin (replica-local: reads see no difference). */
  pin(index: number): void {
    this.pins.set(index, (this.pins.get(index) ?? 0) + 1);
    if (index < this.lowestPin) this.lowestPin = index;
  }

  unpin(index: number): void {
    const count = this.pins.get(index);
    assert(count !== undefined, () => `unpinned ${index}, which is not pinned`);
    if (count > 1) {
      this.pins.set(index, count - 1);
      return;
    }
    this.pins.delete(index);
    if (index !== this.lowestPin) return;
    this.lowestPin = Number.POSITIVE_INFINITY;
    for (const pinned of this.pins.keys()) if (pinned < this.lowestPin) this.lowestPin = pinned;
  }

  /**
   * A deterministic image of the store at the entry applied: keys sorted by their canonical
   * form, and of each key the versions a read within the retention window can see, so the same
   * history gives the same text on every replica with the same retention, whatever its readers
   * pinned. A key with one version the window sees entirely is `[slot, value, index]` (the
   * index that wrote it, which txn checks compare); otherwise
   * `[slot, value, index, [[index, value], ...]]` (superseded versions ascending).
   */
  snapshot(): string {
    const floor = Math.max(this.floorIndex, this.writeIndex - this.retentionEntries);
    const slots = [...this.entries.keys()].sort();
    const entries: JsonValue[] = new Array(slots.length);
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i] as string;
      const chain = this.entries.get(slot) as VersionChain;
      if (chain.index <= floor) {
        entries[i] = [slot, chain.value, chain.index];
        continue;
      }
      const older: JsonValue[] = [];
      chain.forEachSuperseded((index, value, supersededAt) => {
        if (supersededAt > floor) older.push([index, value]);
      });
      entries[i] = [slot, chain.value, chain.index, older];
    }
    return JSON.stringify({ version: SNAPSHOT_VERSION, floor, entries });
  }

  /**
   * Replaces the whole state with a snapshot() image taken after entry `snapshotIndex`; throws
   * on text that is not one. An image of an earlier build (plain values) has one version per
   * key, at the snapshot's index: reads below it are refused.
   */
  restore(text: string, snapshotIndex: number): void {
    const parsed = JSON.parse(text) as JsonValue;
    if (!isJsonObject(parsed) || !Array.isArray(parsed['entries'])) throw new Error('not a key-value store snapshot');
    const version = parsed['version'];
    let floor: number;
    if (version === PLAIN_SNAPSHOT_VERSION) floor = snapshotIndex;
    else if (version === SNAPSHOT_VERSION) {
      const given = parsed['floor'];
      if (typeof given !== 'number' || !Number.isSafeInteger(given) || given < 0 || given > snapshotIndex)
        throw new Error(`a key-value snapshot at ${snapshotIndex} with a bad floor ${JSON.stringify(given)}`);
      floor = given;
    } else throw new Error(`a key-value snapshot of unknown version ${JSON.stringify(version)}`);
    const restored = new Map<string, VersionChain>();
    const superseded: { readonly at: number; readonly chain: VersionChain; readonly bytes: number }[] = [];
    for (const item of parsed['entries']) {
      const chain = restoredChain(item, floor, snapshotIndex);
      restored.set((item as JsonValue[])[0] as string, chain);
      chain.forEachSuperseded((_index, value, at) => superseded.push({ at, chain, bytes: approximateJsonBytes(value) }));
    }
    // Each key's versions are superseded in ascending order, so the queue's order by index
    // keeps "the front entry of a key is its oldest version".
    superseded.sort((a, b) => a.at - b.at);
    this.entries.clear();
    for (const [slot, chain] of restored) this.entries.set(slot, chain);
    this.collectChains = superseded.map((item) => item.chain);
    this.supersededBytes = 0;
    for (const item of superseded) this.supersededBytes += item.bytes;
    this.collectStart = 0;
    this.writeIndex = snapshotIndex;
    this.floorIndex = floor;
    this.collect(Math.min(snapshotIndex - this.retentionEntries, this.lowestPin));
  }

  private write(slot: string, value: JsonValue): void {
    const chain = this.entries.get(slot);
    const index = this.writeIndex;
    if (chain === undefined) {
      this.entries.set(slot, new VersionChain(value, index));
      return;
    }
    if (chain.index === index || this.floorIndex >= index) {
      // No read the store still serves can see the value replaced.
      chain.value = value;
      chain.index = index;
      return;
    }
    // The value replaced stays visible to reads at [chain.index, index) until the horizon passes index.
    const replaced = chain.value;
    const bytes = typeof replaced === 'number' ? 8 : approximateJsonBytes(replaced);
    chain.supersede(value, index);
    this.collectChains.push(chain);
    this.supersededBytes += bytes;
    if (this.supersededBytes > this.retentionBytes) this.collectOverBudget();
  }

  /** Drops every version no read at `horizon` or later can see, and raises the floor to it. */
  private collect(horizon: number): void {
    if (horizon > this.floorIndex) this.floorIndex = horizon;
    const chains = this.collectChains;
    if (this.collectStart === chains.length || (chains[this.collectStart] as VersionChain).oldestSupersededAt() > horizon) return;
    while (this.collectStart < chains.length && (chains[this.collectStart] as VersionChain).oldestSupersededAt() <= horizon) this.dropFront();
    this.compactQueue();
  }

  /** Drops the oldest versions until the rest fit retentionBytes; reads below what they covered are refused from now on. */
  private collectOverBudget(): void {
    while (this.supersededBytes > this.retentionBytes && this.collectStart < this.collectChains.length) {
      const supersededAt = (this.collectChains[this.collectStart] as VersionChain).oldestSupersededAt();
      if (supersededAt > this.floorIndex) this.floorIndex = supersededAt;
      this.dropFront();
    }
    this.compactQueue();
  }

  private dropFront(): void {
    const front = this.collectStart++;
    // A spent slot keeps its chain until compactQueue: chains live as long as their key.
    this.supersededBytes -= approximateJsonBytes((this.collectChains[front] as VersionChain).dropOldest());
  }

  private compactQueue(): void {
    const start = this.collectStart;
    if (start === this.collectChains.length) {
      this.collectChains.length = 0;
      this.collectStart = 0;
    } else if (start >= MIN_SPENT_TO_COMPACT && start * 2 >= this.collectChains.length) {
      this.collectChains.splice(0, start);
      this.collectStart = 0;
    }
  }
}

/** One entry of a snapshot image as a chain, checked; throws on a malformed one. */
function restoredChain(item: JsonValue, floor: number, snapshotIndex: number): VersionChain {
  if (!Array.isArray(item) || typeof item[0] !== 'string' || item[1] === undefined) throw new Error('malformed key-value snapshot entry');
  // An image of an earlier build: the index that wrote the value is not known, only that it is at most the floor.
  if (item.length === 2) return new VersionChain(item[1], floor);
  const [, value, index, older] = item;
  if (item.length === 3) {
    if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0 || index > floor)
      throw new Error(`malformed version of key ${item[0]} in a key-value snapshot`);
    return new VersionChain(value as JsonValue, index);
  }
  if (item.length !== 4 || typeof index !== 'number' || !Number.isSafeInteger(index) || index <= floor || index > snapshotIndex || !Array.isArray(older))
    throw new Error(`malformed versions of key ${item[0]} in a key-value snapshot`);
  const chain = new VersionChain(value as JsonValue, index);
  if (older.length === 0) return chain;
  const indexes: number[] = [];
  const values: JsonValue[] = [];
  for (const version of older) {
    const at = Array.isArray(version) ? version[0] : undefined;
    if (
      !Array.isArray(version) ||
      version.length !== 2 ||
      typeof at !== 'number' ||
      !Number.isSafeInteger(at) ||
      at < 0 ||
      at <= (indexes.at(-1) ?? -1) ||
      at >= index
    )
      throw new Error(`malformed versions of key ${item[0]} in a key-value snapshot`);
    indexes.push(at);
    values.push(version[1] as JsonValue);
  }
  chain.restoreSuperseded(indexes, values);
  return chain;
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
