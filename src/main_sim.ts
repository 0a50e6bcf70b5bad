// Composition root of the whole-node simulator CLI (`npm run sim -- --help`): argv, stdout,
// the wall clock for timing. Everything else lives in src/sim/.

import { performance } from 'node:perf_hooks';
import { runSimCli } from './sim/cli.js';

process.exitCode = runSimCli(process.argv.slice(2), (text) => process.stdout.write(text), () => performance.now());
