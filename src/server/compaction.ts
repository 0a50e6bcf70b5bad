// When one group snapshots its state machine and compacts its log: after a count of entries, or
// once the commands applied since the last snapshot take about as many bytes as the larger of a
// bound and that snapshot (so a large state is not rewritten for every few bytes of log). Pure:
// it counts what it is told.

import { approximateJsonBytes, type JsonValue } from '../base/json.js';

export class CompactionTrigger {
  /** About how many bytes the commands applied since the last snapshot take. */
  private appliedBytes = 0;
  private lastSnapshotChars = 0;

  constructor(
    private readonly everyEntries: number,
    private readonly everyBytes: number,
  ) {}

  applied(command: JsonValue): void {
    this.appliedBytes += approximateJsonBytes(command);
  }

  /** A snapshot of `chars` characters was taken or installed. */
  snapshotTaken(chars: number): void {
    this.appliedBytes = 0;
    this.lastSnapshotChars = chars;
  }

  due(appliedIndex: number, snapshotIndex: number): boolean {
    if (appliedIndex - snapshotIndex >= this.everyEntries) return true;
    return appliedIndex > snapshotIndex && this.appliedBytes >= Math.max(this.everyBytes, this.lastSnapshotChars);
  }
}
