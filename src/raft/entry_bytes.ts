// The size of a log entry as it travels: the UTF-8 bytes of its JSON in an append's entry list.
// Appends and the leader's uncommitted tail are bounded by it. A leader knows the size of what
// it proposes (from the command's size, which its caller measured or bounded); EntrySizes keeps
// those of recent entries by index and term, so an append measures only entries it never saw
// proposed (a follower's catch-up after a leader change).

import { jsonBytes } from '../base/json.js';
import type { Entry, EntryKind } from './types.js';

/**
 * The size of `{"index":I,"term":T,"kind":"K","data":D}` (fields in that order, as entries are
 * built) from the size of D: exact when dataBytes is, an upper bound when it is one.
 */
export function entryBytesFromData(index: number, term: number, kind: EntryKind, dataBytes: number): number {
  return 36 + String(index).length + String(term).length + kind.length + dataBytes;
}

/**
 * Sizes of recent entries in a ring of fixed size, by index and term (by log matching, one
 * index and term name one entry). A miss measures the entry and keeps its size.
 */
export class EntrySizes {
  private readonly indexes: Float64Array;
  private readonly terms: Float64Array;
  private readonly sizes: Float64Array;

  constructor(private readonly capacity = 8_192) {
    this.indexes = new Float64Array(capacity);
    this.terms = new Float64Array(capacity);
    this.sizes = new Float64Array(capacity);
  }

  remember(index: number, term: number, bytes: number): void {
    const slot = index % this.capacity;
    this.indexes[slot] = index;
    this.terms[slot] = term;
    this.sizes[slot] = bytes;
  }

  /** The entry's size: as remembered, or measured (JSON.stringify) and remembered. */
  of(entry: Entry): number {
    const slot = entry.index % this.capacity;
    if (this.indexes[slot] === entry.index && this.terms[slot] === entry.term) return this.sizes[slot] as number;
    const bytes = jsonBytes(entry);
    this.remember(entry.index, entry.term, bytes);
    return bytes;
  }

  /** The longest prefix of `entries` within `maxBytes` (a comma after each entry), one entry at least. */
  within(entries: Entry[], maxBytes: number): Entry[] {
    let bytes = 0;
    for (let i = 0; i < entries.length; i++) {
      bytes += this.of(entries[i] as Entry) + 1;
      if (bytes > maxBytes && i > 0) return entries.slice(0, i);
    }
    return entries;
  }
}
