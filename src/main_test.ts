// Composition root of bin/raftkv-test: `test` runs the Maelstrom-compatible harness, `check`
// runs a checker on a history file, `bench` runs a benchmark matrix, `serve` serves a web page
// over the store's runs. Ctrl-C and SIGTERM stop the run and every node it started, or the
// server; any unexpected exception kills the nodes too before exiting with status 2.

import { fileURLToPath } from 'node:url';
import { runBenchCommand } from './bench/cli.js';
import { runCheckCommand } from './check/cli.js';
import { runTestCommand } from './harness/cli.js';
import { killAllLiveProcesses } from './harness/processes.js';
import { runServeCommand } from './viewer/cli.js';

const USAGE = `usage: raftkv-test <command> [options]

commands:
  test -w WORKLOAD --bin FILE [options] run a node binary as a cluster under a Maelstrom workload:
                                        lin-kv, txn-list-append or txn-rw-register
  check FILE [options]                  check a recorded history (JSON lines or a Jepsen log)
  bench [options] [-- node arguments]   benchmark a node binary over a matrix, against the local-map ceiling
  serve [--port P] [STORE_DIR]          browse the runs under store/ in a web browser (loopback only by default)
  help                                  print this help

raftkv-test <command> --help describes each command's options.
`;

const io = {
  stdout: (text: string): void => void process.stdout.write(text),
  stderr: (text: string): void => void process.stderr.write(text),
};

function die(error: unknown): never {
  killAllLiveProcesses();
  process.stderr.write(`raftkv-test: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(2);
}

// The same path from src/ (under vitest) and from dist/ (the bundle): both sit one level down.
const repoFile = (path: string): string => fileURLToPath(new URL(`../${path}`, import.meta.url));

/** The first signal aborts the run (its nodes are killed, results written) or stops the server; a second quits at once. */
function abortOnSignals(what = 'the run'): AbortSignal {
  const controller = new AbortController();
  let interrupts = 0;
  const interrupt = (signal: NodeJS.Signals): void => {
    interrupts++;
    if (interrupts > 1) {
      killAllLiveProcesses();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    process.stderr.write(`raftkv-test: ${signal}: stopping ${what} (again to quit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  process.on('SIGHUP', interrupt);
  return controller.signal;
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'test':
      return runTestCommand(rest, io, abortOnSignals());
    case 'bench':
      return runBenchCommand(rest, io, { defaultBin: repoFile('bin/raftkv'), ceilingBin: repoFile('dist/local-kv.mjs') }, abortOnSignals());
    case 'check':
      return runCheckCommand(rest, io);
    case 'serve':
      return runServeCommand(rest, io, abortOnSignals('the server'));
    case undefined:
    case 'help':
    case '-h':
    case '--help':
      io.stdout(USAGE);
      return command === undefined ? 254 : 0;
    default:
      io.stderr(`raftkv-test: unknown command ${JSON.stringify(command)}\n${USAGE}`);
      return 254;
  }
}

process.on('uncaughtException', die);
process.on('unhandledRejection', die);
main(process.argv.slice(2)).then((status) => {
  // Let stdout drain before exiting (a pipe may be slow).
  process.stdout.write('', () => process.exit(status));
}, die);
