// The benchmark presets behind `npm run bench*`: named argument lists, each with the docs file it
// may refresh. Trying a preset writes only under store/; its docs file is written only when
// asked with a bare `--docs`, so running a preset leaves the checkout clean. Pure: argv in, argv
// out.

import { err, ok, type Result } from '../base/result.js';

export interface BenchPreset {
  readonly title: string;
  /** The bench arguments; any given after `--preset NAME` override them (the last value wins). */
  readonly args: readonly string[];
  /** What a bare `--docs` writes. */
  readonly docs: string;
}

export const BENCH_PRESETS: { readonly [name: string]: BenchPreset } = {
  'read-modes': {
    title: 'Read modes: benchmark',
    args: [
      '--nodes',
      '3,5',
      '--latency',
      '0',
      '--reads',
      '0.5,0.9,0.99',
      '--read-modes',
      'log,read-index,lease,follower',
      '--clients',
      '10n',
      '--reps',
      '1',
      '--time-limit',
      '5',
      '--seed',
      '1000',
    ],
    docs: 'docs/bench-read-modes.md',
  },
  matrix: {
    title: 'raftkv: performance matrix',
    args: [
      '--nodes',
      '3,5,7',
      '--latency',
      '0,10',
      '--reads',
      '0.5',
      '--clients',
      '10n,30n',
      '--rates',
      '100',
      '--rate-clients',
      '2n',
      '--reps',
      '3',
      '--time-limit',
      '5',
      '--seed',
      '7000',
    ],
    docs: 'docs/bench-matrix.md',
  },
  saturation: {
    title: 'raftkv: throughput up to saturation',
    args: ['--nodes', '3,5', '--latency', '0', '--reads', '0.5', '--clients', '10n,30n,60n,100n', '--reps', '3', '--time-limit', '5', '--seed', '9100'],
    docs: 'docs/bench-saturation.md',
  },
};

/**
 * Expands `--preset NAME` into the preset's arguments (with its title) followed by the other
 * arguments, and a bare `--docs` (last argument, or followed by another flag) into the preset's
 * docs file. Arguments after `--` are the node's and are left alone.
 */
export function expandPresets(argv: readonly string[]): Result<string[], string> {
  const dash = argv.indexOf('--');
  const own = dash === -1 ? [...argv] : argv.slice(0, dash);
  const passThrough = dash === -1 ? [] : argv.slice(dash);
  let preset: BenchPreset | undefined;
  const rest: string[] = [];
  for (let i = 0; i < own.length; i++) {
    const arg = own[i] as string;
    if (arg === '--preset' || arg.startsWith('--preset=')) {
      const name = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : own[++i];
      const found = name === undefined ? undefined : BENCH_PRESETS[name];
      if (found === undefined) return err(`--preset must be one of ${Object.keys(BENCH_PRESETS).join(', ')}; got ${JSON.stringify(name ?? '')}`);
      if (preset !== undefined) return err('--preset may be given once');
      preset = found;
      continue;
    }
    const next = own[i + 1];
    if (arg === '--docs' && (next === undefined || next.startsWith('-'))) {
      if (preset === undefined && !own.slice(i + 1).some((later) => later === '--preset' || later.startsWith('--preset='))) {
        return err('--docs needs a FILE.md, or a --preset whose docs file it then writes');
      }
      rest.push('--docs', DOCS_OF_PRESET);
      continue;
    }
    rest.push(arg);
  }
  const expanded = preset === undefined ? rest : ['--title', preset.title, ...preset.args, ...rest.map((arg) => (arg === DOCS_OF_PRESET ? preset.docs : arg))];
  return ok([...expanded, ...passThrough]);
}

/** Stands for the preset's docs file until the preset is known (it may come later in argv). */
const DOCS_OF_PRESET = '\u0000preset-docs';

/** The arguments with `--seed S` added when they have none, so the command repeats the run. */
export function withSeed(argv: readonly string[], seed: number): string[] {
  const dash = argv.indexOf('--');
  const own = dash === -1 ? [...argv] : argv.slice(0, dash);
  if (own.some((arg) => arg === '--seed' || arg.startsWith('--seed='))) return [...argv];
  return [...own, '--seed', String(seed), ...(dash === -1 ? [] : argv.slice(dash))];
}
