// What a crash keeps of one Raft group of one simulated node, modelled apart from the store: the
// log terms and the term and vote a crash cannot take away. It learns what the group wrote from
// each Ready (before the group acts on it), which generation each turn's writes went to, and how
// far the store reports durability; on a restart it checks the recovered state against itself
// (nothing durable lost), then starts again from what was recovered. The cluster checker reads
// it as the node's durable view, so "committed means durable on a majority" is judged by this
// model, and the model's trust in the store's reports is judged by every recovery.
// Pure. Invariants: durable state only grows by writes whose generation a sync covered, and
// changes otherwise only at a recovery that kept it.

import type { HardState, Ready, Storage } from '../raft/index.js';
import type { DurableView } from '../raft/testing/invariants.js';

/** One Ready's writes that matter to a crash: a new term or vote, an installed snapshot, entries. */
interface ReadyWrite {
  readonly hardState: Pick<HardState, 'term' | 'vote'> | undefined;
  readonly snapshot: { readonly index: number; readonly term: number } | undefined;
  /** Index of the first entry and the terms from there on. */
  readonly entries: { readonly first: number; readonly terms: readonly number[] } | undefined;
}

export class DurableLogModel implements DurableView {
  /** Index and term of the durable snapshot point (0 without one). */
  private snapshotIndex = 0;
  private snapshotTerm = 0;
  /** terms[i] is the term of the durable entry at snapshotIndex + 1 + i. */
  private terms: number[] = [];
  private hard: Pick<HardState, 'term' | 'vote'> = { term: 0, vote: null };
  /** The term and vote as last written (a Ready that changes only the commit index writes nothing a crash must keep). */
  private written: Pick<HardState, 'term' | 'vote'> = { term: 0, vote: null };
  /** Writes of the turn under way, not yet given to the store. */
  private turn: ReadyWrite[] = [];
  /** Writes handed to the store, by the generation a sync must cover to make them durable. */
  private pending: Array<{ readonly generation: number; readonly writes: readonly ReadyWrite[] }> = [];

  // ---- DurableView

  holds(index: number, term: number): boolean {
    return index <= this.snapshotIndex || this.termAt(index) === term;
  }

  /** Whether a crash now keeps this node's vote for `candidate` in `term` (or a later durable term, which replaced it). */
  holdsVote(term: number, candidate: string): boolean {
    return this.hard.term > term || (this.hard.term === term && this.hard.vote === candidate);
  }

  // ---- what the group does

  /** A Ready the group is about to act on (save it, install its snapshot). */
  onReady(rd: Ready): void {
    let hardState: ReadyWrite['hardState'];
    if (rd.hardState !== undefined && (rd.hardState.term !== this.written.term || rd.hardState.vote !== this.written.vote)) {
      hardState = { term: rd.hardState.term, vote: rd.hardState.vote };
      this.written = hardState;
    }
    const snapshot = rd.snapshot === undefined ? undefined : { index: rd.snapshot.index, term: rd.snapshot.term };
    const first = rd.entries[0];
    const entries = first === undefined ? undefined : { first: first.index, terms: rd.entries.map((entry) => entry.term) };
    if (hardState !== undefined || snapshot !== undefined || entries !== undefined) this.turn.push({ hardState, snapshot, entries });
  }

  /** Whether the turn under way wrote anything a crash must not lose once synced. */
  get wroteThisTurn(): boolean {
    return this.turn.length > 0;
  }

  /** The turn ended and the store put its writes in `generation`. */
  endTurn(generation: number): void {
    if (this.turn.length === 0) return;
    this.pending.push({ generation, writes: this.turn });
    this.turn = [];
  }

  /** The store reports every generation up to `generation` durable. */
  durableThrough(generation: number): void {
    while (this.pending.length > 0 && (this.pending[0] as { generation: number }).generation <= generation) {
      for (const write of (this.pending.shift() as { writes: readonly ReadyWrite[] }).writes) this.apply(write);
    }
  }

  /**
   * The node restarted and its store recovered `recovered`. Returns what it lost of the durable
   * state, or undefined when it kept it all. Unsynced writes may have survived in part (a torn
   * tail keeps a prefix of records), so entries at or after the first index they touched may
   * differ; before it, every durable entry must be there with its term, or under a snapshot.
   * Either way the model then starts again from what was recovered (all of it durable now).
   */
  recovered(recovered: Storage): string | undefined {
    const problem = this.lostDurableState(recovered);
    const state = recovered.initialState();
    this.snapshotIndex = recovered.firstIndex() - 1;
    this.snapshotTerm = recovered.term(this.snapshotIndex) ?? 0;
    this.terms = [];
    for (let index = this.snapshotIndex + 1; index <= recovered.lastIndex(); index++) this.terms.push(recovered.term(index) as number);
    this.hard = { term: state.term, vote: state.vote };
    this.written = this.hard;
    this.turn = [];
    this.pending = [];
    return problem;
  }

  /** For failure reports. */
  describe(): string {
    return `durable: snapshot ${this.snapshotIndex} (term ${this.snapshotTerm}), log to ${this.lastIndex}, term ${this.hard.term}, vote ${String(this.hard.vote)}; ${this.pending.length} turns unsynced`;
  }

  private get lastIndex(): number {
    return this.snapshotIndex + this.terms.length;
  }

  private termAt(index: number): number | undefined {
    if (index === this.snapshotIndex) return this.snapshotTerm;
    return this.terms[index - this.snapshotIndex - 1];
  }

  private lostDurableState(recovered: Storage): string | undefined {
    const state = recovered.initialState();
    if (state.term < this.hard.term) return `recovered term ${state.term}, but term ${this.hard.term} was durable`;
    if (state.term === this.hard.term && this.hard.vote !== null && state.vote !== this.hard.vote) {
      return `recovered vote ${String(state.vote)} in term ${state.term}, but the vote for ${this.hard.vote} was durable`;
    }
    const recoveredSnapshot = recovered.firstIndex() - 1;
    if (recoveredSnapshot < this.snapshotIndex) return `recovered a snapshot at ${recoveredSnapshot}, but one at ${this.snapshotIndex} was durable`;
    // Unsynced writes may have reached the disk, in part: from where they begin, anything goes.
    let intact = this.lastIndex;
    for (const { writes } of this.pending) {
      for (const write of writes) {
        if (write.entries !== undefined) intact = Math.min(intact, write.entries.first - 1);
        if (write.snapshot !== undefined)
          intact = Math.min(intact, this.termAt(write.snapshot.index) === write.snapshot.term ? write.snapshot.index : this.snapshotIndex);
      }
    }
    if (recoveredSnapshot >= intact) return undefined;
    if (recovered.lastIndex() < intact) return `recovered the log to ${recovered.lastIndex()}, but it was durable to ${intact}`;
    for (let index = recoveredSnapshot; index <= intact; index++) {
      if (index <= this.snapshotIndex) continue;
      const term = recovered.term(index);
      if (term !== this.termAt(index)) return `recovered term ${String(term)} at ${index}, but term ${String(this.termAt(index))} was durable there`;
    }
    return undefined;
  }

  /** A durable write: the same changes MemoryStorage makes. */
  private apply(write: ReadyWrite): void {
    if (write.hardState !== undefined) this.hard = write.hardState;
    const snapshot = write.snapshot;
    if (snapshot !== undefined) {
      // The entries after it stay only if the log agrees with the snapshot at its index.
      this.terms =
        this.termAt(snapshot.index) === snapshot.term && snapshot.index >= this.snapshotIndex ? this.terms.slice(snapshot.index - this.snapshotIndex) : [];
      this.snapshotIndex = snapshot.index;
      this.snapshotTerm = snapshot.term;
    }
    const entries = write.entries;
    if (entries !== undefined) {
      // Entries at or below the snapshot are already covered by it (a WAL replayed over a newer snapshot).
      const skip = Math.max(0, this.snapshotIndex + 1 - entries.first);
      const first = entries.first + skip;
      if (first > this.lastIndex + 1) throw new Error(`durable model: entries from ${first} leave a gap after ${this.lastIndex}`);
      this.terms.length = Math.max(0, first - this.snapshotIndex - 1);
      for (let i = skip; i < entries.terms.length; i++) this.terms.push(entries.terms[i] as number);
    }
  }
}
