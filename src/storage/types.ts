// The contract between a node's Raft groups and the one owner of its durability. Each group's
// Ready loop writes through its GroupStorage slice; the node's store gathers every group's
// records of an event-loop turn into one write and one fdatasync (group commit across groups),
// and reports how far durability has come, so output that vouches for storage is held until
// then. Nothing here touches a file: implementations do their I/O through an injected Disk.

import type { Entry, HardState, LogPosition, Snapshot, Storage } from '../raft/index.js';

/** A Raft group's name within its node: 0 for a node with one group. */
export type GroupId = number;

/** One Raft group's slice of the node's storage, as the group's Ready loop drives it. */
export interface GroupStorage extends Storage {
  /**
   * Records one Ready's entries (replacing any stored suffix from entries[0].index on) and its
   * hard state. Visible to reads at once; durable once a sync covering this turn completes.
   */
  save(hardState: HardState | undefined, entries: readonly Entry[]): void;
  /**
   * Replaces the group's state with a snapshot received from its leader (Ready.snapshot). It is
   * part of the turn's durable work: output of this turn that vouches for storage waits for it.
   */
  applySnapshot(snapshot: Snapshot): void;
  /**
   * The state machine's image at the applied `index` (at or below the commit index): the log up
   * to `index` may go once the image is durable, which happens in the background.
   */
  compact(index: number, data: string): void;
  /**
   * The last log position whose entry, and the log before it, a crash can no longer take away.
   * A leader counts its own entries toward commitment only up to here.
   */
  durablePoint(): LogPosition;
}

/** Everything one node keeps, for all of its groups. */
export interface NodeStore {
  /** Group `group`'s slice; the first call for a group a fresh store never saw creates it empty. */
  group(group: GroupId): GroupStorage;
  /**
   * The event-loop turn is over: every group's records of the turn go to the disk in one write.
   * Output the turn made that vouches for storage may leave once durableGeneration reaches the
   * requiredGeneration read after this call.
   */
  endTurn(): void;
  readonly requiredGeneration: number;
  readonly durableGeneration: number;
  /**
   * Makes every turn ended so far durable (one fdatasync; two when the WAL moves on to a new
   * segment), then runs `done`: durableGeneration covers those turns by then. One at a time: a
   * second call before `done` throws, since a caller joining a running sync would take it for
   * one covering its own later turns. The turn driver (server/node_runner.ts) is the only caller.
   */
  startSync(done: () => void): void;
  /** Makes everything recorded durable, then releases the files (shutdown). */
  close(done: () => void): void;
}
