// Command-line flags as the tools take them: `--flag value` or `--flag=value`, boolean flags
// without a value, `-h`/`--help`, and everything after `--` handed through untouched. Pure: argv
// in, flags or a one-line error out.

import { err, ok, type Result } from './result.js';

export interface FlagSpec {
  /** Flags that take a value, each mapped to its canonical name (so `-w` can mean `--workload`). */
  readonly values: { readonly [flag: string]: string };
  readonly booleans: ReadonlySet<string>;
  /** A word that is no flag: an argument passed through (like those after `--`), or a mistake. */
  readonly positional: 'pass-through' | 'refuse';
}

export type ScannedFlags =
  | { readonly kind: 'help' }
  | {
      readonly kind: 'flags';
      /** By canonical name; a flag given twice keeps its last value. */
      readonly values: ReadonlyMap<string, string>;
      readonly booleans: ReadonlySet<string>;
      /** Words passed through: positional ones (with 'pass-through') and all after `--`. */
      readonly rest: readonly string[];
    };

export function scanFlags(argv: readonly string[], spec: FlagSpec): Result<ScannedFlags, string> {
  const values = new Map<string, string>();
  const booleans = new Set<string>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') return ok({ kind: 'help' });
    if (!arg.startsWith('-') || arg === '-') {
      if (spec.positional === 'refuse') return err(`unexpected argument ${JSON.stringify(arg)}: node arguments go after --`);
      rest.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (spec.booleans.has(flag)) {
      if (eq > 0) return err(`${flag} takes no value`);
      booleans.add(flag);
      continue;
    }
    const name = spec.values[flag];
    if (name === undefined) return err(`unknown option ${JSON.stringify(arg)} (see --help)`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) return err(`option ${flag} needs a value`);
    values.set(name, value);
  }
  return ok({ kind: 'flags', values, booleans, rest });
}
