// `raftkv-test serve [--port P] [--host H] [STORE_DIR]`: parses the options, opens the store,
// serves it until the signal given aborts (Ctrl-C, SIGTERM), then closes every connection and
// returns. Exit status: 0 stopped, 2 could not listen, 254 bad arguments or no store there.

import { resolve } from 'node:path';
import { scanFlags } from '../base/flags.js';
import { err, ok, type Result } from '../base/result.js';
import { EXIT_BAD_ARGUMENTS, type CommandIo } from '../harness/cli.js';
import { isLoopbackName } from './request_path.js';
import { startViewer } from './server.js';
import { errorCode, StoreReader } from './store_reader.js';

const EXIT_STOPPED = 0;
const EXIT_CANNOT_SERVE = 2;

const SERVE_USAGE = `usage: raftkv-test serve [--port P] [--host H] [STORE_DIR]

Serves a web page over STORE_DIR (default: store, where test and bench write their runs): every
run, bench and contention study, newest first, coloured by verdict (valid green, invalid red,
unknown orange, did not recover purple), 50 to a page; a page per run with its summary, plots,
anomalies with their explanations and pictures, the end of each node log and every file; a
bench's page shows its report. Only files inside STORE_DIR are served.
  --port P     TCP port (default 8080; 0 picks a free one, printed at start)
  --host H     address to listen on (default 127.0.0.1: loopback, this machine only; 0.0.0.0
               serves every machine that can reach this one: the store is then theirs to read)
Ctrl-C or SIGTERM stops it. Exit status: 0 stopped, 2 could not listen, 254 bad arguments.
`;

interface ServeOptions {
  readonly port: number;
  readonly host: string;
  readonly storeDir: string;
}

function parseServeArgs(argv: readonly string[]): Result<ServeOptions | 'help', string> {
  const scanned = scanFlags(argv, { values: { '--port': 'port', '-p': 'port', '--host': 'host' }, booleans: new Set(), positional: 'pass-through' });
  if (!scanned.ok) return scanned;
  if (scanned.value.kind === 'help') return ok('help');
  const { values, rest } = scanned.value;
  if (rest.length > 1) return err(`one store directory at most, got ${rest.length}: ${rest.map((word) => JSON.stringify(word)).join(' ')}`);
  const portText = values.get('port') ?? '8080';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65_535) return err(`--port must be a whole number from 0 to 65535, got ${JSON.stringify(portText)}`);
  const host = values.get('host') ?? '127.0.0.1';
  if (host === '') return err('--host must not be empty');
  return ok({ port, host, storeDir: rest[0] ?? 'store' });
}

function listenError(error: unknown, options: ServeOptions): string {
  const code = errorCode(error);
  if (code === 'EADDRINUSE') return `port ${options.port} is in use on ${options.host}: give another with --port (0 picks a free one)`;
  if (code === 'EACCES') return `not allowed to listen on port ${options.port}: ports under 1024 need privileges; give another with --port`;
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return `${options.host} is not an address of this machine: give another with --host`;
  return `cannot listen on ${options.host}:${options.port}: ${error instanceof Error ? error.message : String(error)}`;
}

/** `argv` is what follows the word `serve`; serving ends when `signal` aborts. */
export async function runServeCommand(argv: readonly string[], io: CommandIo, signal: AbortSignal): Promise<number> {
  const parsed = parseServeArgs(argv);
  if (!parsed.ok) {
    io.stderr(`raftkv-test serve: ${parsed.error}\n(raftkv-test serve --help lists the options)\n`);
    return EXIT_BAD_ARGUMENTS;
  }
  if (parsed.value === 'help') {
    io.stdout(SERVE_USAGE);
    return 0;
  }
  const options = parsed.value;
  const store = await StoreReader.open(options.storeDir);
  if (!store.ok) {
    io.stderr(
      `raftkv-test serve: ${store.error} (${resolve(options.storeDir)}): give the store directory (raftkv-test test and bench write under store/ by default)\n`,
    );
    return EXIT_BAD_ARGUMENTS;
  }
  let viewer: Awaited<ReturnType<typeof startViewer>>;
  try {
    viewer = await startViewer({
      store: store.value,
      storeLabel: options.storeDir,
      host: options.host,
      port: options.port,
      log: (line) => io.stderr(`${line}\n`),
    });
  } catch (error) {
    io.stderr(`raftkv-test serve: ${listenError(error, options)}\n`);
    return EXIT_CANNOT_SERVE;
  }
  const reach = isLoopbackName(options.host) ? 'loopback only' : `listening on ${options.host}`;
  io.stdout(`raftkv-test serve: serving ${store.value.root} at ${viewer.url} (${reach}); Ctrl-C stops\n`);
  await new Promise<void>((done) => {
    if (signal.aborted) done();
    else signal.addEventListener('abort', () => done(), { once: true });
  });
  await viewer.close();
  io.stderr('raftkv-test serve: stopped\n');
  return EXIT_STOPPED;
}
