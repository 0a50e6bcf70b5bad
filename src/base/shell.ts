// Command lines as a POSIX shell reads them back: for the reproducing commands the harness, the
// bench and the viewer print. Pure.

/** A command line a POSIX shell reads back as the same argv. */
export function shellQuote(argv: readonly string[]): string {
  return argv.map((arg) => (/^[A-Za-z0-9_\-.,/=:@%+]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}
