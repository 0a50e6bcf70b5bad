// The order in which a node's output leaves when some of it must wait for the disk. A turn's
// 'now' lines leave at the end of the turn. Its 'after-sync' lines vouch for what the turn
// wrote (a vote, an append acknowledgement): they wait until the store's durable generation
// reaches the generation the store required after that turn, and no held line ever overtakes
// an earlier held one. Pure: the turn driver feeds it generations and writes what it returns.

import { assert } from '../base/assert.js';

interface HeldBatch {
  readonly generation: number;
  readonly lines: readonly string[];
}

export class HeldOutput {
  private readonly batches: HeldBatch[] = [];
  private lineCount = 0;
  private charCount = 0;
  private lastGeneration = 0;

  /**
   * The end of a turn: returns the lines that leave now, in order: earlier turns' held lines
   * that became durable, this turn's 'now' lines, then its 'after-sync' lines if nothing held
   * is ahead of them and the disk already covers `requiredGeneration`.
   */
  endTurn(now: readonly string[], afterSync: readonly string[], requiredGeneration: number, durableGeneration: number): string[] {
    assert(requiredGeneration >= this.lastGeneration, () => `held output: required generation went back from ${this.lastGeneration} to ${requiredGeneration}`);
    this.lastGeneration = requiredGeneration;
    const out = this.release(durableGeneration);
    for (const line of now) out.push(line);
    if (afterSync.length === 0) return out;
    if (this.batches.length === 0 && requiredGeneration <= durableGeneration) {
      for (const line of afterSync) out.push(line);
      return out;
    }
    this.batches.push({ generation: requiredGeneration, lines: afterSync });
    this.lineCount += afterSync.length;
    for (const line of afterSync) this.charCount += line.length;
    return out;
  }

  /** The held lines whose generation the disk now covers, oldest first. */
  release(durableGeneration: number): string[] {
    const out: string[] = [];
    while (this.batches.length > 0 && (this.batches[0] as HeldBatch).generation <= durableGeneration) this.take(this.batches.shift() as HeldBatch, out);
    return out;
  }

  /** Every held line, oldest first (once the store is closed, everything is durable). */
  releaseAll(): string[] {
    const out: string[] = [];
    for (const batch of this.batches.splice(0)) this.take(batch, out);
    return out;
  }

  get heldLines(): number {
    return this.lineCount;
  }

  /** Characters of the held lines (UTF-16 code units, a byte count to within a factor of 3). */
  get heldChars(): number {
    return this.charCount;
  }

  private take(batch: HeldBatch, out: string[]): void {
    for (const line of batch.lines) {
      out.push(line);
      this.charCount -= line.length;
    }
    this.lineCount -= batch.lines.length;
  }
}
