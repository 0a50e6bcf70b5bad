// Where a run's results go, and when the store's `latest` link follows them.
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestOptions, type TestOptions } from '../../src/harness/options.js';
import { prepareOutDir } from '../../src/harness/out_dir.js';

let root = '';
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'raftkv-out-dir-test-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function options(given: Partial<TestOptions>): TestOptions {
  const made = makeTestOptions({ bin: 'node.mjs', nodeCount: 1, concurrency: '2n', seed: 1, storeRoot: join(root, 'store'), ...given });
  if (!made.ok) throw new Error(made.error);
  return made.value;
}

describe('the results directory', () => {
  it('is a fresh timestamped directory by default, linked from store/latest and store/lin-kv/latest', () => {
    const out = prepareOutDir(options({}), new Date(2025, 0, 2, 3, 4, 5, 678));
    expect(out.startsWith(join(root, 'store', 'lin-kv', '20250102T030405.678'))).toBe(true);
    expect(readlinkSync(join(root, 'store', 'latest'))).toBe(join('lin-kv', out.slice(out.lastIndexOf('/') + 1)));
    expect(existsSync(join(root, 'store', 'lin-kv', 'latest'))).toBe(true);
  });

  it('with --out inside the store, becomes store/latest when the command line asks', () => {
    const given = options({ outDir: join(root, 'store', 'demo') });
    prepareOutDir(given, new Date(), false);
    expect(existsSync(join(root, 'store', 'latest'))).toBe(false);
    prepareOutDir(given, new Date(), true);
    expect(readlinkSync(join(root, 'store', 'latest'))).toBe('demo');
  });

  it('with --out outside the store, or the store itself, or store/latest, leaves store/latest as it was', () => {
    const store = join(root, 'store');
    mkdirSync(join(store, 'lin-kv', 'run-a'), { recursive: true });
    symlinkSync(join('lin-kv', 'run-a'), join(store, 'latest'));
    for (const outDir of [join(root, 'elsewhere'), store, join(store, 'latest')]) {
      prepareOutDir(options({ outDir }), new Date(), true);
      expect(lstatSync(join(store, 'latest')).isSymbolicLink(), outDir).toBe(true);
      expect(readlinkSync(join(store, 'latest')), outDir).toBe(join('lin-kv', 'run-a'));
    }
  });
});
