// A Disk that keeps appended bytes in the process until their file is synced, as Jepsen's lazyfs
// keeps them in its own cache below a database: a SIGKILL then loses every append not yet synced,
// exactly what a power loss does to the page cache. A kill of a process on a real file system
// loses nothing it wrote, so without this a test tool that kills nodes cannot tell a node that
// acknowledges before its fsync from one that waits. For fault tests only (`--storage lazy`).
//
// What it does not model: a power loss may also keep part of the unsynced bytes, or tear a write;
// the simulator's disk does both. Bounded: past MAX_PENDING_BYTES a file's bytes go on to the real
// disk without a sync, as an operating system may write dirty pages back at any time.

import type { Disk } from '../storage/disk.js';

/** Unsynced bytes held per file before they are written through (still unsynced). */
export const MAX_PENDING_BYTES = 64 << 20;

interface Pending {
  chunks: Uint8Array[];
  bytes: number;
}

export class LazyDisk implements Disk {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly disk: Disk) {}

  list(): readonly string[] {
    return this.disk.list();
  }

  read(name: string): Uint8Array {
    return this.disk.read(name);
  }

  makeDurable(name: string, bytes: number): void {
    this.disk.makeDurable(name, bytes);
  }

  append(name: string, data: Uint8Array): void {
    let file = this.pending.get(name);
    if (file === undefined) {
      file = { chunks: [], bytes: 0 };
      this.pending.set(name, file);
    }
    file.chunks.push(data);
    file.bytes += data.length;
    if (file.bytes > MAX_PENDING_BYTES) this.writeThrough(name);
  }

  sync(name: string, done: () => void): void {
    this.writeThrough(name);
    this.disk.sync(name, done);
  }

  writeAtomically(name: string, data: Uint8Array, done: () => void): void {
    this.disk.writeAtomically(name, data, done);
  }

  remove(name: string): void {
    this.pending.delete(name);
    this.disk.remove(name);
  }

  /** A clean shutdown keeps what was written, as closing files on a real file system does. */
  close(): void {
    for (const name of [...this.pending.keys()]) this.writeThrough(name);
    this.disk.close();
  }

  private writeThrough(name: string): void {
    const file = this.pending.get(name);
    if (file === undefined || file.bytes === 0) return;
    this.pending.delete(name);
    this.disk.append(name, file.chunks.length === 1 ? (file.chunks[0] as Uint8Array) : Buffer.concat(file.chunks, file.bytes));
  }
}
