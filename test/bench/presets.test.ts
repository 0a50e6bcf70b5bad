// The bench presets behind `npm run bench*`: they write under store/ only, unless a bare --docs
// asks for their file under docs/; and a reproducing command always carries its seed.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../../src/bench/options.js';
import { BENCH_PRESETS, expandPresets, withSeed } from '../../src/bench/presets.js';
import { REPO_ROOT } from '../support/node_process.js';

function expand(argv: string[]): string[] {
  const expanded = expandPresets(argv);
  if (!expanded.ok) throw new Error(expanded.error);
  return expanded.value;
}

function optionsOf(argv: string[]): { docsPath: string | undefined; reps: number; title: string; binArgs: readonly string[] } {
  const parsed = parseBenchArgs(expand(argv), () => 1);
  if (!parsed.ok || parsed.value.kind !== 'run') throw new Error(`not a run: ${JSON.stringify(parsed)}`);
  return parsed.value.options;
}

describe('bench presets', () => {
  it('every preset parses, and writes no docs file unless asked', () => {
    for (const [name, preset] of Object.entries(BENCH_PRESETS)) {
      expect(preset.args).not.toContain('--docs');
      const options = optionsOf(['--preset', name]);
      expect(options.docsPath, name).toBeUndefined();
      expect(options.title).toBe(preset.title);
      expect(optionsOf(['--preset', name, '--docs']).docsPath).toBe(preset.docs);
    }
  });

  it('a bare --docs may come before or after the preset, or be followed by other options', () => {
    expect(optionsOf(['--docs', '--preset', 'matrix']).docsPath).toBe('docs/bench-matrix.md');
    expect(optionsOf(['--preset=saturation', '--docs', '--reps', '1'])).toMatchObject({ docsPath: 'docs/bench-saturation.md', reps: 1 });
    expect(optionsOf(['--preset', 'matrix', '--docs', 'elsewhere.md']).docsPath).toBe('elsewhere.md');
  });

  it('later arguments override the preset, and node arguments pass through', () => {
    expect(optionsOf(['--preset', 'read-modes', '--reps', '2', '--', '--storage', 'memory'])).toMatchObject({ reps: 2, binArgs: ['--storage', 'memory'] });
  });

  it('refuses an unknown preset, a repeated one, and a bare --docs without a preset', () => {
    expect(expandPresets(['--preset', 'fastest'])).toEqual({ ok: false, error: '--preset must be one of read-modes, matrix, saturation; got "fastest"' });
    expect(expandPresets(['--preset', 'matrix', '--preset', 'matrix'])).toMatchObject({ ok: false, error: '--preset may be given once' });
    expect(expandPresets(['--nodes', '3', '--docs'])).toMatchObject({ ok: false, error: expect.stringContaining('--docs needs a FILE.md') });
  });

  it('package.json runs every bench preset through --preset, without --docs, and the demo into the store', () => {
    const scripts = (JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts;
    const benches = Object.entries(scripts).filter(([name]) => name.startsWith('bench'));
    expect(benches.length).toBeGreaterThanOrEqual(4);
    for (const [name, command] of benches) {
      expect(command, name).not.toContain('--docs');
      if (command.includes('raftkv-test bench')) expect(command, name).toMatch(/--preset [a-z-]+$/);
    }
    // With --out the harness would not update store/latest, which the README's next command reads.
    expect(scripts['demo']).not.toContain('--out');
  });

  it('withSeed adds the seed to a command that has none, before the node arguments', () => {
    expect(withSeed(['--nodes', '3', '--', '--storage', 'memory'], 77)).toEqual(['--nodes', '3', '--seed', '77', '--', '--storage', 'memory']);
    expect(withSeed(['--seed', '5'], 77)).toEqual(['--seed', '5']);
    expect(withSeed(['--seed=5'], 77)).toEqual(['--seed=5']);
    // A --seed meant for the node is not the bench's.
    expect(withSeed(['--', '--seed', '5'], 77)).toEqual(['--seed', '77', '--', '--seed', '5']);
  });

  it('the durability bench writes under docs/ only with --docs', () => {
    const dryRun = (...args: string[]): string => {
      const run = spawnSync(process.execPath, [`${REPO_ROOT}scripts/bench_durability.mjs`, '--dry-run', ...args], { encoding: 'utf8', timeout: 10_000 });
      expect(run.status, run.stderr).toBe(0);
      return run.stdout;
    };
    expect(dryRun()).toContain('would write store/bench-durability/durability.md (and nothing under docs/: give --docs for that)');
    expect(dryRun('--docs')).toContain('would write store/bench-durability/durability.md and docs/bench-durability.md');
  });
});
