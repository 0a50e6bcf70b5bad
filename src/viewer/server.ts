// The viewer's HTTP server: GET and HEAD to pages and files of the store, with their content
// types and a content security policy under which no page or stored file runs a script. It never
// crashes on a request: 400 for a bad path, 403 out of the store, 404 missing, 500 otherwise, each
// a page. Bounded: connections, header and request times, bytes sent of any one file.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { benchPage, contentionPage, directoryPage, errorPage, indexPage, testRunPage } from './pages.js';
import { pageOf } from './entries.js';
import { hostAllowed, storePathSegments, storeUrl } from './request_path.js';
import { contentTypeOf, isTextType } from './run_files.js';
import type { StoreReader } from './store_reader.js';

/** Runs per page of the run list. */
export const RUNS_PER_PAGE = 50;
/** The most bytes of one file sent; a longer text file is cut there, a longer other file refused. */
const MAX_FILE_BYTES = 256 * 1024 * 1024;
const MAX_CONNECTIONS = 64;

const PAGE_POLICY =
  "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'";
// Stored files run nothing either: a report.html or an SVG opened alone is sandboxed.
const FILE_POLICY = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; frame-ancestors 'self'";

export interface ViewerOptions {
  readonly store: StoreReader;
  /** The store as the user named it, for the pages. */
  readonly storeLabel: string;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Where the server reports its own errors (a line each). */
  readonly log: (line: string) => void;
  /** The most bytes of one file sent (default MAX_FILE_BYTES). */
  readonly maxFileBytes?: number;
}

export interface RunningViewer {
  readonly url: string;
  readonly port: number;
  /** Stops listening and ends every open connection. */
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
  ) {
    super(message);
  }
}

function sendPage(req: IncomingMessage, res: ServerResponse, status: number, html: string): void {
  const body = Buffer.from(html, 'utf8');
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': body.length,
    'Content-Security-Policy': PAGE_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

async function route(options: ViewerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { store } = options;
  const target = req.url ?? '/';
  const queryAt = target.indexOf('?');
  const path = queryAt < 0 ? target : target.slice(0, queryAt);
  const query = new URLSearchParams(queryAt < 0 ? '' : target.slice(queryAt + 1));
  if (path === '/') {
    const found = await store.findEntries(store.root, []);
    const page = pageOf(found.entries, Number(query.get('page') ?? '1'), RUNS_PER_PAGE);
    return sendPage(req, res, 200, indexPage({ store: options.storeLabel, page, walkNote: found.note }));
  }
  const routeName = path.startsWith('/run/') ? '/run/' : path.startsWith('/files/') || path === '/files' ? '/files/' : null;
  if (routeName === null) throw new HttpError(404, 'Not found', `no page at ${path}`);
  const segments = storePathSegments(path.slice(routeName.length));
  if (!segments.ok) throw new HttpError(400, 'Bad path', segments.error);
  const resolved = await store.resolve(segments.value);
  if (!resolved.ok) throw new HttpError(resolved.status, resolved.status === 403 ? 'Forbidden' : 'Not found', resolved.message);
  if (routeName === '/run/') {
    const entry = resolved.isDirectory ? await store.entryAt(resolved.real, segments.value) : null;
    if (entry === null) {
      res.writeHead(302, { Location: storeUrl('/files/', segments.value, resolved.isDirectory) });
      res.end();
      return;
    }
    const html =
      entry.kind === 'bench'
        ? benchPage(await store.benchPage(entry, resolved.real))
        : entry.kind === 'contention'
          ? contentionPage(await store.contentionPage(entry, resolved.real))
          : testRunPage(await store.testRunPage(entry, resolved.real));
    return sendPage(req, res, 200, html);
  }
  if (resolved.isDirectory) {
    const { items, truncated } = await store.listDir(resolved.real);
    const entryKind = await store.entryKindOf(resolved.real);
    return sendPage(req, res, 200, directoryPage({ segments: segments.value, items, truncated, entryKind }));
  }
  if (!resolved.isFile) throw new HttpError(404, 'Not found', `${segments.value.join('/')} is not a regular file`);
  await sendFile(req, res, store, resolved.real, segments.value[segments.value.length - 1] ?? '', options.maxFileBytes ?? MAX_FILE_BYTES);
}

async function sendFile(req: IncomingMessage, res: ServerResponse, store: StoreReader, real: string, name: string, maxBytes: number): Promise<void> {
  const contentType = contentTypeOf(name);
  const handle = await store.openFile(real);
  let handedOver = false;
  try {
    const size = (await handle.stat()).size;
    const cut = size > maxBytes;
    if (cut && !isTextType(contentType)) {
      throw new HttpError(413, 'Too large', `${name} holds ${size} bytes, more than the ${maxBytes} the viewer sends: read it from the store directly`);
    }
    res.writeHead(200, {
      'Content-Type': contentType,
      ...(cut ? {} : { 'Content-Length': size }),
      'Content-Security-Policy': FILE_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-cache',
    });
    if (req.method === 'HEAD' || size === 0) {
      res.end();
      return;
    }
    const stream = handle.createReadStream({ start: 0, end: Math.min(size, maxBytes) - 1, autoClose: true });
    handedOver = true;
    stream.on('error', () => res.destroy());
    res.on('close', () => stream.destroy());
    stream.pipe(res, { end: !cut });
    if (cut) stream.on('end', () => res.end(`\n[cut by raftkv-test serve: the first ${maxBytes} of ${size} bytes; the whole file is in the store]\n`));
  } finally {
    if (!handedOver) await handle.close();
  }
}

export async function startViewer(options: ViewerOptions): Promise<RunningViewer> {
  const server = createServer((req, res) => {
    const handle = async (): Promise<void> => {
      if (!hostAllowed(req.headers.host, options.host)) {
        throw new HttpError(403, 'Forbidden', 'this server answers only requests addressed to this machine (loopback); see --host');
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        throw new HttpError(405, 'Method not allowed', 'the viewer only reads: GET and HEAD');
      }
      await route(options, req, res);
    };
    handle().catch((error: unknown) => {
      if (!(error instanceof HttpError))
        options.log(`raftkv-test serve: ${req.method} ${req.url}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const status = error instanceof HttpError ? error.status : 500;
      const title = error instanceof HttpError ? error.title : 'Server error';
      const message = error instanceof HttpError ? error.message : 'the viewer failed on this request; its log says why';
      sendPage(req, res, status, errorPage(status, title, message));
    });
  });
  server.maxConnections = MAX_CONNECTIONS;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  // A server on every address is reached from this machine at loopback.
  const shownHost = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  const hostInUrl = shownHost.includes(':') ? `[${shownHost}]` : shownHost;
  return {
    url: `http://${hostInUrl}:${address.port}/`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
