// A simulated Disk for the whole-node simulator: a directory in memory on virtual time. Appends
// are volatile until a sync issued after them completes; syncs and atomic file writes take
// virtual time (the host's scheduler) and complete in any order across files. crash() is a
// power cut: every unsynced byte is lost, except that a random prefix of a file's unsynced
// bytes may survive (pages written back early, the last record torn); a file whose name no
// directory sync covered may vanish, a removal no directory sync covered may be undone, and an
// atomic write not yet done never happened. Deterministic: every choice comes from the Rng.

import { assert } from '../base/assert.js';
import type { Rng } from '../base/rng.js';
import type { Disk } from '../storage/disk.js';

export interface SimScheduler {
  /** Runs `fn` after `delayUs` microseconds of virtual time. */
  schedule(delayUs: number, fn: () => void): void;
}

export interface SimDiskOptions {
  /** How long an fdatasync takes, drawn uniformly from [min, max] microseconds. */
  readonly syncUs: readonly [number, number];
  /** An atomic file write takes a sync's time plus this many microseconds per MiB. */
  readonly writeUsPerMiB: number;
  /** The chance that a crash keeps a random prefix of a file's unsynced bytes (else none). */
  readonly keepUnsyncedChance: number;
}

const DEFAULT_SIM_DISK_OPTIONS: SimDiskOptions = { syncUs: [100, 3_000], writeUsPerMiB: 2_000, keepUnsyncedChance: 0.5 };

interface SimFile {
  bytes: Uint8Array;
  length: number;
  /** Bytes a completed sync covers: a crash keeps at least these. */
  durableLength: number;
  /** Whether the file's name survives a crash (a sync of it, or an atomic write, completed). */
  nameDurable: boolean;
}

export class SimDisk implements Disk {
  private readonly files = new Map<string, SimFile>();
  private readonly options: SimDiskOptions;
  /** Files removed since the directory was last synced: a crash may bring them back. */
  private readonly removedSinceDirectorySync = new Map<string, SimFile>();
  /** Bumped by crash(): callbacks of an earlier life never run. */
  private life = 0;
  /**
   * Counts for tests and traces. lostBytes: unsynced bytes crashes threw away; crashesLosingWrites:
   * crashes that threw away any; removals: files deleted.
   */
  readonly stats = { syncs: 0, atomicWrites: 0, crashes: 0, tornFiles: 0, resurrectedFiles: 0, lostBytes: 0, crashesLosingWrites: 0, removals: 0 };

  constructor(
    private readonly scheduler: SimScheduler,
    private readonly rng: Rng,
    options: Partial<SimDiskOptions> = {},
  ) {
    this.options = { ...DEFAULT_SIM_DISK_OPTIONS, ...options };
  }

  /**
   * A power cut. Whatever the node had in flight is gone; the disk keeps only what was durable
   * (plus, per file, maybe a random prefix of what was not). The next store opened on this
   * disk recovers from what is left; the old one must not be used again.
   */
  crash(): void {
    this.life++;
    this.stats.crashes++;
    const lostBefore = this.stats.lostBytes;
    for (const [name, file] of this.files) {
      let keep = file.durableLength;
      if (file.length > keep && this.rng.chance(this.options.keepUnsyncedChance)) {
        keep = this.rng.int(keep, file.length);
        if (keep < file.length) this.stats.tornFiles++;
      }
      if (!file.nameDurable && (keep === 0 || this.rng.chance(0.5))) {
        this.stats.lostBytes += file.length;
        this.files.delete(name);
        continue;
      }
      this.stats.lostBytes += file.length - keep;
      file.length = keep;
      file.durableLength = keep;
      file.nameDurable = true;
    }
    if (this.stats.lostBytes > lostBefore) this.stats.crashesLosingWrites++;
    for (const [name, file] of this.removedSinceDirectorySync) {
      if (this.files.has(name) || !this.rng.chance(0.5)) continue;
      file.length = file.durableLength;
      this.files.set(name, file);
      this.stats.resurrectedFiles++;
    }
    this.removedSinceDirectorySync.clear();
  }

  /** The names and contents of the files (for tests and invariant checks). */
  snapshotFiles(): Map<string, Uint8Array> {
    return new Map([...this.files].map(([name, file]) => [name, file.bytes.slice(0, file.length)]));
  }

  /** Bytes of `name` no crash can take away. */
  durableBytes(name: string): number {
    return this.files.get(name)?.durableLength ?? 0;
  }

  // ---- Disk

  list(): readonly string[] {
    return [...this.files.keys()].sort();
  }

  read(name: string): Uint8Array {
    const file = this.files.get(name);
    assert(file !== undefined, () => `sim disk: read of missing file ${name}`);
    return file.bytes.slice(0, file.length);
  }

  makeDurable(name: string, bytes: number): void {
    const file = this.files.get(name);
    assert(file !== undefined && bytes <= file.length, () => `sim disk: makeDurable(${name}, ${bytes}) beyond the file`);
    file.length = bytes;
    file.durableLength = bytes;
    this.directorySynced();
  }

  append(name: string, data: Uint8Array): void {
    let file = this.files.get(name);
    if (file === undefined) {
      file = { bytes: new Uint8Array(Math.max(1024, data.length)), length: 0, durableLength: 0, nameDurable: false };
      this.files.set(name, file);
    }
    if (file.length + data.length > file.bytes.length) {
      const grown = new Uint8Array(Math.max(file.bytes.length * 2, file.length + data.length));
      grown.set(file.bytes.subarray(0, file.length));
      file.bytes = grown;
    }
    file.bytes.set(data, file.length);
    file.length += data.length;
  }

  sync(name: string, done: () => void): void {
    const file = this.files.get(name);
    assert(file !== undefined, () => `sim disk: sync of missing file ${name}`);
    const covered = file.length;
    const life = this.life;
    this.stats.syncs++;
    this.scheduler.schedule(this.syncUs(), () => {
      if (life !== this.life) return;
      // Removed meanwhile, or cut by a crash since: nothing to make durable.
      if (this.files.get(name) === file && covered <= file.length) {
        file.durableLength = Math.max(file.durableLength, covered);
        // A new file's first sync syncs its directory too (as FsDisk does).
        if (!file.nameDurable) this.directorySynced();
      }
      done();
    });
  }

  writeAtomically(name: string, data: Uint8Array, done: () => void): void {
    const copy = data.slice();
    const life = this.life;
    this.stats.atomicWrites++;
    this.scheduler.schedule(this.syncUs() + Math.ceil((copy.length / (1 << 20)) * this.options.writeUsPerMiB), () => {
      if (life !== this.life) return;
      this.files.set(name, { bytes: copy, length: copy.length, durableLength: copy.length, nameDurable: true });
      this.removedSinceDirectorySync.delete(name);
      this.directorySynced();
      done();
    });
  }

  remove(name: string): void {
    const file = this.files.get(name);
    if (file === undefined) return;
    this.files.delete(name);
    this.stats.removals++;
    if (file.nameDurable) this.removedSinceDirectorySync.set(name, file);
  }

  close(): void {
    // Nothing is open: a store opened later on this disk reads what is here.
  }

  /** Every name in the directory, and every removal from it, is now durable. */
  private directorySynced(): void {
    for (const file of this.files.values()) file.nameDurable = true;
    this.removedSinceDirectorySync.clear();
  }

  private syncUs(): number {
    return this.rng.int(this.options.syncUs[0], this.options.syncUs[1]);
  }
}
