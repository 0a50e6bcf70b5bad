// Shared builders for Raft tests: logs from term lists, pre-filled disks.

import { MemoryStorage } from '../../src/raft/storage.js';
import type { Entry, HardState } from '../../src/raft/types.js';

/** Entries 1..n where entry i has term terms[i-1]; data names the index and term. */
export function logOf(terms: readonly number[]): Entry[] {
  return terms.map((term, i) => ({ index: i + 1, term, kind: 'normal', data: `i${i + 1}t${term}` }));
}

/** n copies of term, for building term lists: [...run(1, 5), ...run(2, 3)]. */
export function run(term: number, count: number): number[] {
  return Array.from({ length: count }, () => term);
}

export function disk(terms: readonly number[], hardState: Partial<HardState> = {}): MemoryStorage {
  const lastTerm = terms[terms.length - 1] ?? 0;
  return new MemoryStorage({ hardState: { term: lastTerm, vote: null, commit: 0, ...hardState }, entries: logOf(terms) });
}
