// The only way the storage layer touches files: a flat directory of named files behind an
// interface that the runtime implements over node:fs and the simulator over virtual time.
// Recovery reads synchronously; everything after it is fire-and-forget or completes through a
// callback, run to completion, so the store has no promises and works under either host.
// A disk that fails a write or a sync cannot be trusted to hold anything: implementations stop
// the node (throw) rather than report an error the store could ignore.

export interface Disk {
  // ---- recovery (synchronous, before the node serves)

  /** Names of the files in the directory. */
  list(): readonly string[];
  /** The whole content of `name` (which list() returned). */
  read(name: string): Uint8Array;
  /**
   * Cuts `name` to `bytes` and makes its content, and every entry of the directory, durable
   * before returning: what recovery read may have come from the page cache of a process that
   * was killed before its fdatasync, and must be on disk before anything is built on it.
   */
  makeDurable(name: string, bytes: number): void;

  // ---- while serving

  /**
   * Appends `data` to `name`, creating the file if needed. Appends to one file land in call
   * order; none is durable before a sync of that file issued after it completes.
   */
  append(name: string, data: Uint8Array): void;
  /**
   * `done` runs once every append to `name` issued before this call is durable, and so is the
   * file's directory entry (a new file counts only once its directory is synced too).
   */
  sync(name: string, done: () => void): void;
  /**
   * Replaces `name` by a file holding exactly `data`, atomically: a crash leaves the old file or
   * the new one, never a mix. `done` runs once the new file, and its name, are durable.
   */
  writeAtomically(name: string, data: Uint8Array, done: () => void): void;
  /** Deletes `name` (no append or sync of it may be outstanding). */
  remove(name: string): void;
  /** Releases open files. Nothing may be outstanding but atomic writes, which may be lost. */
  close(): void;
}
