#!/usr/bin/env node
// A node that never gets going, for the harness's tests of failed starts:
//   (default)        rejects its options at once, as a node given a bad flag: one error line,
//                    then a long usage text, on stderr; exit status 2
//   --throw-on-init  reads init, then dies of an uncaught exception (Node.js prints the stack)
import { createInterface } from 'node:readline';

const args = process.argv.slice(2);

if (args.includes('--throw-on-init')) {
  createInterface({ input: process.stdin }).on('line', () => {
    throw new Error('fails-at-start: cannot open the state directory /nonexistent/state');
  });
} else {
  const usage = [
    'usage: fails-at-start [options]',
    '',
    'A node that fails at start-up on purpose. Its options:',
    ...Array.from({ length: 40 }, (_, i) => `  --option-${i + 1} VALUE    what option ${i + 1} would do, if there were such a thing (default ${i})`),
    '  -h, --help           print this help',
  ];
  process.stderr.write(`fails-at-start: unknown option "--frobnicate"\n\n${usage.join('\n')}\n`);
  process.exit(2);
}
