// Composition root of the simulators' command line (`npm run sim -- --help`): argv, stdout,
// the wall clock for timing. Everything else lives in src/sim/.

import { performance } from 'node:perf_hooks';
import { runSimCli } from './sim/cli.js';

// A trace piped into `head` closes stdout early: stop quietly instead of dying on EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});
process.exitCode = runSimCli(
  process.argv.slice(2),
  (text) => process.stdout.write(text),
  () => performance.now(),
);
