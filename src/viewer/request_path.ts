// Turns the path of a request into names of directories and files inside the store, or refuses
// it. Pure: no file system here (the server resolves real paths and checks them with isInside).
// Invariant: a path accepted here has no empty, '.' or '..' segment and no separator or NUL
// inside a segment, however it was percent-encoded, so joining it under the store cannot climb
// out; only symbolic links can, and those are the server's to refuse.

import { err, ok, type Result } from '../base/result.js';

/** Longest request path taken, in characters: deeper paths than any store holds are refused. */
const MAX_PATH_CHARS = 4096;
const MAX_SEGMENTS = 64;

/**
 * The segments of `encoded`, the part of a request path after its route (`/files/`), still
 * percent-encoded. A trailing slash is allowed (a directory); an empty path means the store itself.
 */
export function storePathSegments(encoded: string): Result<string[], string> {
  if (encoded.length > MAX_PATH_CHARS) return err(`path longer than ${MAX_PATH_CHARS} characters`);
  if (encoded === '' || encoded === '/') return ok([]);
  if (encoded.startsWith('/')) return err('absolute paths are refused: paths are relative to the store');
  const raw = (encoded.endsWith('/') ? encoded.slice(0, -1) : encoded).split('/');
  if (raw.length > MAX_SEGMENTS) return err(`path deeper than ${MAX_SEGMENTS} directories`);
  const segments: string[] = [];
  for (const part of raw) {
    let name: string;
    try {
      name = decodeURIComponent(part);
    } catch {
      return err(`malformed percent-encoding in ${JSON.stringify(part)}`);
    }
    if (name === '') return err('empty path segment (two slashes in a row)');
    if (name === '.' || name === '..') return err(`"${name}" is refused: paths stay inside the store`);
    if (name.includes('/') || name.includes('\\')) return err(`a segment may not hold a slash: ${JSON.stringify(name)}`);
    if (name.includes('\0')) return err('a segment may not hold a NUL character');
    segments.push(name);
  }
  return ok(segments);
}

/** The URL path of `segments` (relative to the store) under `route`, each segment percent-encoded. */
export function storeUrl(route: '/run/' | '/files/', segments: readonly string[], directory = false): string {
  const path = segments.map(encodeURIComponent).join('/');
  return `${route}${path}${directory && path !== '' ? '/' : ''}`;
}

/** Whether the real path `candidate` is `root` or lies under it (both absolute, symbolic links resolved). */
export function isInside(root: string, candidate: string): boolean {
  const base = root.endsWith('/') ? root.slice(0, -1) : root;
  return candidate === base || candidate.startsWith(`${base}/`);
}

/** Whether a host name or address names this machine's loopback. */
export function isLoopbackName(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Whether a request's Host header may be answered. A server listening on loopback only answers
 * only loopback names, so a web page elsewhere cannot read the store through a domain name made
 * to point at 127.0.0.1 (DNS rebinding); one listening on other addresses answers any name.
 */
export function hostAllowed(hostHeader: string | undefined, listenHost: string): boolean {
  if (!isLoopbackName(listenHost)) return true;
  if (hostHeader === undefined) return false;
  const name = hostHeader.startsWith('[') ? hostHeader.slice(0, hostHeader.indexOf(']') + 1) : (hostHeader.split(':')[0] ?? '');
  return isLoopbackName(name.toLowerCase());
}
