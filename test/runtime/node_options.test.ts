// The durability options of bin/raftkv: where the data lives and whether it is used.
import { describe, expect, it } from 'vitest';
import { parseNodeOptions } from '../../src/runtime/node_options.js';

function run(argv: string[], env: Record<string, string> = {}): Record<string, unknown> | string {
  const parsed = parseNodeOptions(argv, env);
  if (!parsed.ok) return parsed.error;
  return parsed.value.kind === 'run' ? { ...parsed.value.options } : 'help';
}

describe('node options: durability', () => {
  it('takes the data directory from the flag or the environment, the flag first', () => {
    expect(run([])).toMatchObject({ dataDir: undefined, storage: 'auto', snapshotEveryEntries: 10_000 });
    expect(run([], { RAFTKV_DATA_DIR: '/d/env' })).toMatchObject({ dataDir: '/d/env' });
    expect(run(['--data-dir', '/d/flag'], { RAFTKV_DATA_DIR: '/d/env' })).toMatchObject({ dataDir: '/d/flag' });
    expect(run(['--snapshot-every=500'])).toMatchObject({ snapshotEveryEntries: 500 });
  });

  it('ignores the data directory with --storage memory, and requires one with disk', () => {
    expect(run(['--storage', 'memory'], { RAFTKV_DATA_DIR: '/d' })).toMatchObject({ dataDir: undefined, storage: 'memory' });
    expect(run(['--storage', 'disk'])).toMatch(/--storage disk needs --data-dir/);
    expect(run(['--storage', 'disk', '--data-dir', '/d'])).toMatchObject({ dataDir: '/d', storage: 'disk' });
  });

  it('refuses bad values', () => {
    expect(run(['--data-dir', ''])).toMatch(/must not be empty/);
    expect(run(['--storage', 'tape'])).toMatch(/--storage must be one of auto, memory, disk/);
    expect(run(['--snapshot-every', '0'])).toMatch(/--snapshot-every/);
  });
});
