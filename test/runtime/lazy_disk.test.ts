// LazyDisk keeps appends in the process until their file's sync: what reached the disk below it
// is exactly what a SIGKILL would leave, and a sync, a clean close or the byte bound write it
// through in order.
import { describe, expect, it } from 'vitest';
import { LazyDisk, MAX_PENDING_BYTES } from '../../src/runtime/lazy_disk.js';
import type { Disk } from '../../src/storage/disk.js';

/** The disk below: what was handed to it, per file, and the syncs asked of it. */
class RecordingDisk implements Disk {
  readonly written = new Map<string, string>();
  readonly calls: string[] = [];
  list(): readonly string[] {
    return [...this.written.keys()];
  }
  read(name: string): Uint8Array {
    return Buffer.from(this.written.get(name) ?? '');
  }
  makeDurable(name: string, bytes: number): void {
    this.calls.push(`makeDurable ${name} ${bytes}`);
  }
  append(name: string, data: Uint8Array): void {
    this.calls.push(`append ${name} ${data.length}`);
    this.written.set(name, (this.written.get(name) ?? '') + Buffer.from(data).toString());
  }
  sync(name: string, done: () => void): void {
    this.calls.push(`sync ${name}`);
    done();
  }
  writeAtomically(name: string, data: Uint8Array, done: () => void): void {
    this.calls.push(`writeAtomically ${name}`);
    this.written.set(name, Buffer.from(data).toString());
    done();
  }
  remove(name: string): void {
    this.calls.push(`remove ${name}`);
    this.written.delete(name);
  }
  close(): void {
    this.calls.push('close');
  }
}

describe('LazyDisk', () => {
  it('holds appends until their file is synced, then writes them through in order before the sync', () => {
    const below = new RecordingDisk();
    const disk = new LazyDisk(below);
    disk.append('wal', Buffer.from('ab'));
    disk.append('wal', Buffer.from('cd'));
    disk.append('other', Buffer.from('x'));
    expect(below.written.size).toBe(0);
    let synced = false;
    disk.sync('wal', () => {
      synced = true;
    });
    expect(synced).toBe(true);
    expect(below.written.get('wal')).toBe('abcd');
    expect(below.written.has('other')).toBe(false);
    expect(below.calls).toEqual(['append wal 4', 'sync wal']);
    disk.append('wal', Buffer.from('e'));
    expect(below.written.get('wal')).toBe('abcd');
  });

  it('drops what a removed file held, writes everything through on a clean close, and passes atomic writes on', () => {
    const below = new RecordingDisk();
    const disk = new LazyDisk(below);
    disk.append('gone', Buffer.from('lost'));
    disk.remove('gone');
    disk.append('kept', Buffer.from('kept'));
    let written = false;
    disk.writeAtomically('snap', Buffer.from('state'), () => {
      written = true;
    });
    expect(written).toBe(true);
    disk.close();
    expect(below.calls).toEqual(['remove gone', 'writeAtomically snap', 'append kept 4', 'close']);
    expect(below.written.get('kept')).toBe('kept');
    expect(below.written.get('snap')).toBe('state');
  });

  it('writes a file through, unsynced, once it holds more than its byte bound', () => {
    const below = new RecordingDisk();
    const disk = new LazyDisk(below);
    const chunk = Buffer.alloc(MAX_PENDING_BYTES / 4, 'z');
    for (let i = 0; i < 4; i++) disk.append('wal', chunk);
    expect(below.calls).toEqual([]);
    disk.append('wal', Buffer.from('!'));
    expect(below.calls).toEqual([`append wal ${MAX_PENDING_BYTES + 1}`]);
  });
});
