// scripts/check_layers.mjs: imports point down the layers, only the composition roots import the
// runtime, and the pure layers stay pure. It passes on this checkout and names each breach of a
// tree made to break every rule.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/node_process.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function check(root: string): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [`${REPO_ROOT}scripts/check_layers.mjs`, root], { encoding: 'utf8', timeout: 20_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'raftkv-layers-'));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('scripts/check_layers.mjs', () => {
  it('passes this checkout', () => {
    const run = check(REPO_ROOT);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('names every import that points up, every import of the runtime, and every impure use in a pure layer', () => {
    const root = tree({
      'src/raft/core.ts': "import { serve } from '../server/node.js';\nimport { clamp } from '../base/math.js';\n",
      'src/sim/world.ts': "import { disk } from '../runtime/fs_disk.js';\n",
      'src/kv/store.ts': '// Date.now() in a comment is fine\nexport const stamp = (): number => Date.now();\n',
      'src/server/node.ts': "import { readFileSync } from 'node:fs';\nexport const seed = Math.random();\n",
      'src/main_node.ts': "import { disk } from './runtime/fs_disk.js';\nimport { now } from './runtime/clock.js';\n",
      'src/runtime/clock.ts': 'export const now = (): number => Date.now();\n',
    });
    const run = check(root);
    expect(run.status).toBe(1);
    expect(new Set(run.stderr.trim().split('\n'))).toEqual(
      new Set([
        'src/kv/store.ts:2: kv is pure but uses the wall clock (time comes in as ticks or an injected clock)',
        'src/raft/core.ts:1: raft imports ../server/node.js (server): raft may import only base',
        'src/server/node.ts:1: server is pure but uses a Node.js module (I/O belongs to src/runtime)',
        'src/server/node.ts:2: server is pure but uses Math.random (randomness comes from an injected seeded Rng)',
        'src/sim/world.ts:1: sim imports ../runtime/fs_disk.js: only the composition roots (src/main_*.ts) may import src/runtime/',
      ]),
    );
    expect(run.stdout).toContain('layers: 5 problems');
  });
});
