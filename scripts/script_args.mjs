// Command-line handling shared by the measurement scripts: `--name value` options, then
// optionally `--` and arguments passed through to the node.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The checkout's root directory. */
export const root = fileURLToPath(new URL('..', import.meta.url));

export function scriptArgs(argv = process.argv.slice(2)) {
  const dash = argv.indexOf('--');
  const own = dash === -1 ? argv : argv.slice(0, dash);
  return {
    /** The script's own arguments, as given (to print a reproducing command). */
    own,
    /** Arguments after `--`, for the node. */
    passThrough: dash === -1 ? [] : argv.slice(dash + 1),
    /** Whether `--name` is given (a flag without a value). */
    flag(name) {
      return own.includes(`--${name}`);
    },
    /**
     * An option whose value may be left out: undefined when absent, `bare` when given without a
     * value (last, or followed by another option), else its value.
     */
    optionalValue(name, bare) {
      const at = own.indexOf(`--${name}`);
      if (at === -1) return undefined;
      const value = own[at + 1];
      return value === undefined || value.startsWith('--') ? bare : value;
    },
    /** The value after `--name`, or `fallback` when the option is absent. */
    option(name, fallback) {
      const at = own.indexOf(`--${name}`);
      if (at === -1) return fallback;
      const value = own[at + 1];
      if (value === undefined || value.startsWith('--')) throw new Error(`--${name} needs a value`);
      return value;
    },
  };
}

/**
 * Imports TypeScript modules that are not an entry of the build: bundles `exportLines` (export
 * statements with paths relative to `srcRoot`) with esbuild, as scripts/build.mjs bundles the
 * binaries, into a temporary file, and imports it.
 */
export async function importSources(exportLines, srcRoot = root) {
  const { build } = await import('esbuild');
  const scratch = mkdtempSync(join(tmpdir(), 'raftkv-script-'));
  try {
    const bundle = join(scratch, 'sources.mjs');
    await build({
      absWorkingDir: srcRoot,
      stdin: { contents: exportLines, resolveDir: srcRoot, loader: 'ts' },
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'warning',
    });
    return await import(pathToFileURL(bundle).href);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
