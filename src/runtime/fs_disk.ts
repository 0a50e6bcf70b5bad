// The real Disk: one directory on the file system. fdatasync, snapshot writes (temporary file,
// fsync, rename, directory fsync) and large appends run on libuv's thread pool, so the event
// loop never waits for the disk; a small append is one write(2) into the page cache, as cheap
// as queueing it. Appends to one file are applied in call order, and a sync waits for the
// appends before it. WAL files grow in zero-filled steps ahead of their records, so most
// fdatasyncs have no file-size change to commit. An I/O error throws: the node stops.

import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import type { Disk } from '../storage/disk.js';
import type { Checksum } from '../storage/records.js';

/** Files grow in steps of this many zero bytes, written ahead of the records. */
export const PREALLOCATE_BYTES = 4 << 20;
/** Appends up to this size are written at once; larger ones (an installed snapshot) on the thread pool. */
const DIRECT_WRITE_BYTES = 256 << 10;
const ZEROS = Buffer.alloc(1 << 20);
const TEMPORARY_SUFFIX = '.tmp';

/** zlib's CRC-32 (the same polynomial as base/crc32, several times faster) where Node has it. */
export const nativeCrc32: Checksum | undefined =
  typeof zlib.crc32 === 'function' ? (bytes, start, end) => zlib.crc32(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end)) : undefined;

type QueuedOperation = { readonly kind: 'write'; readonly data: Uint8Array; readonly position: number } | { readonly kind: 'sync'; readonly done: () => void };

interface OpenFile {
  readonly fd: number;
  /** Where the next append lands. */
  end: number;
  /** Bytes that exist (records and zeros). */
  allocated: number;
  /** Created since the directory was last synced: its name is not durable yet. */
  directoryDirty: boolean;
  /** Operations waiting for one on the thread pool; the first is running. */
  readonly queue: QueuedOperation[];
  /** Writes among them. */
  queuedWrites: number;
}

export class FsDisk implements Disk {
  private readonly files = new Map<string, OpenFile>();

  /** Opens (creating it if needed) `dir`, and removes what an interrupted atomic write left. */
  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    for (const name of fs.readdirSync(dir)) if (name.endsWith(TEMPORARY_SUFFIX)) fs.rmSync(this.path(name), { force: true });
  }

  list(): readonly string[] {
    return fs.readdirSync(this.dir);
  }

  read(name: string): Uint8Array {
    return fs.readFileSync(this.path(name));
  }

  makeDurable(name: string, bytes: number): void {
    const fd = fs.openSync(this.path(name), 'r+');
    try {
      if (fs.fstatSync(fd).size !== bytes) fs.ftruncateSync(fd, bytes);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    syncDirectory(this.dir);
  }

  append(name: string, data: Uint8Array): void {
    const file = this.open(name);
    const position = file.end;
    file.end += data.length;
    if (file.end > file.allocated) {
      // Real zeros ahead of the records, not a hole: writing into a hole would allocate blocks
      // (a metadata change) at every sync. Only the space past this append needs them, and no
      // queued write reaches it, so they are written now, in order with nothing.
      file.allocated = file.end;
      const size = file.end + PREALLOCATE_BYTES;
      while (file.allocated < size) {
        const length = Math.min(ZEROS.length, size - file.allocated);
        writeFully(file.fd, ZEROS.subarray(0, length), file.allocated);
        file.allocated += length;
      }
    }
    // A sync in flight does not hold a write back: fdatasync covers what was written before it
    // began, and a write meanwhile goes into the next one (group commit). Waiting for it would
    // add a sync and a thread-pool round trip to every turn (write p50 at 5 nodes: +1.4 ms).
    // Only a queued write does: appends reach the file in order, so a crash never leaves a
    // hole of zeros with records after it, which recovery would take for corruption.
    if (file.queuedWrites === 0 && data.length <= DIRECT_WRITE_BYTES) writeFully(file.fd, data, position);
    else this.enqueue(file, { kind: 'write', data, position });
  }

  sync(name: string, done: () => void): void {
    this.enqueue(this.open(name), { kind: 'sync', done });
  }

  writeAtomically(name: string, data: Uint8Array, done: () => void): void {
    const target = this.path(name);
    const temporary = `${target}${TEMPORARY_SUFFIX}`;
    fs.open(temporary, 'w', (openError, fd) => {
      check(openError, `open ${temporary}`);
      writeAll(fd, data, 0, () =>
        fs.fsync(fd, (syncError) => {
          check(syncError, `fsync ${temporary}`);
          fs.close(fd, (closeError) => {
            check(closeError, `close ${temporary}`);
            fs.rename(temporary, target, (renameError) => {
              check(renameError, `rename ${temporary}`);
              syncDirectoryInBackground(this.dir, done);
            });
          });
        }),
      );
    });
  }

  remove(name: string): void {
    const file = this.files.get(name);
    if (file !== undefined) {
      if (file.queue.length > 0) throw new Error(`${this.path(name)}: removed with I/O outstanding`);
      this.files.delete(name);
      fs.closeSync(file.fd);
    }
    fs.unlink(this.path(name), (error) => {
      if (error !== null && error.code !== 'ENOENT') throw new Error(`cannot remove ${this.path(name)}: ${error.message}`);
    });
  }

  close(): void {
    for (const file of this.files.values()) fs.closeSync(file.fd);
    this.files.clear();
  }

  private path(name: string): string {
    return `${this.dir}/${name}`;
  }

  private open(name: string): OpenFile {
    let file = this.files.get(name);
    if (file === undefined) {
      const path = this.path(name);
      const created = !fs.existsSync(path);
      const fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT);
      // Recovery cut the file to its records (makeDurable): appends continue at its end.
      const size = fs.fstatSync(fd).size;
      file = { fd, end: size, allocated: size, directoryDirty: created, queue: [], queuedWrites: 0 };
      this.files.set(name, file);
    }
    return file;
  }

  private enqueue(file: OpenFile, operation: QueuedOperation): void {
    if (operation.kind === 'write') file.queuedWrites++;
    file.queue.push(operation);
    if (file.queue.length === 1) this.runNext(file);
  }

  private runNext(file: OpenFile): void {
    const operation = file.queue[0];
    if (operation === undefined) return;
    const next = (): void => {
      file.queue.shift();
      this.runNext(file);
    };
    if (operation.kind === 'write') {
      writeAll(file.fd, operation.data, operation.position, () => {
        file.queuedWrites--;
        next();
      });
      return;
    }
    fs.fdatasync(file.fd, (error) => {
      // A failed fsync leaves the file in an unknown state: nothing may be acknowledged.
      check(error, 'fdatasync of the write-ahead log');
      const finish = (): void => {
        next();
        operation.done();
      };
      if (!file.directoryDirty) {
        finish();
        return;
      }
      file.directoryDirty = false;
      syncDirectoryInBackground(this.dir, finish);
    });
  }
}

function check(error: NodeJS.ErrnoException | null, what: string): void {
  if (error !== null) throw new Error(`${what} failed: ${error.message}`);
}

function writeFully(fd: number, data: Uint8Array, position: number): void {
  let written = 0;
  while (written < data.length) written += fs.writeSync(fd, data, written, data.length - written, position + written);
}

/** Writes all of `data` at `position` on the thread pool, then `done`. */
function writeAll(fd: number, data: Uint8Array, position: number, done: () => void): void {
  const from = (offset: number): void => {
    fs.write(fd, data, offset, data.length - offset, position + offset, (error, written) => {
      check(error, 'write');
      if (offset + written < data.length) from(offset + written);
      else done();
    });
  };
  if (data.length === 0) done();
  else from(0);
}

function syncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function syncDirectoryInBackground(dir: string, done: () => void): void {
  fs.open(dir, 'r', (openError, fd) => {
    check(openError, `open ${dir}`);
    fs.fsync(fd, (syncError) => {
      check(syncError, `fsync ${dir}`);
      fs.close(fd, (closeError) => {
        check(closeError, `close ${dir}`);
        done();
      });
    });
  });
}
