// Request paths into the store: every way of climbing out (.., encoded dots, encoded slashes,
// absolute paths, NUL) is refused before any file is touched; the real-path check that catches
// symbolic links; and the Host check that keeps a loopback server to loopback names.
import { describe, expect, it } from 'vitest';
import { hostAllowed, isInside, storePathSegments, storeUrl } from '../../src/viewer/request_path.js';

function refused(path: string): string {
  const result = storePathSegments(path);
  if (result.ok) throw new Error(`${path} was accepted as ${JSON.stringify(result.value)}`);
  return result.error;
}

describe('storePathSegments', () => {
  it('takes plain and percent-encoded names, and a trailing slash for a directory', () => {
    expect(storePathSegments('')).toEqual({ ok: true, value: [] });
    expect(storePathSegments('lin-kv/20261206T165009.803%2B0000/summary.txt')).toEqual({
      ok: true,
      value: ['lin-kv', '20261206T165009.803+0000', 'summary.txt'],
    });
    expect(storePathSegments('node-logs/')).toEqual({ ok: true, value: ['node-logs'] });
    expect(storePathSegments('a%20b/..x/x..')).toEqual({ ok: true, value: ['a b', '..x', 'x..'] });
  });

  it('refuses "..", however its dots are written', () => {
    for (const path of ['..', '../etc/passwd', 'lin-kv/../../etc', '%2e%2e', '%2E%2e/x', '.%2e/x', 'a/%2e%2e/%2e%2e/etc/passwd']) {
      expect(refused(path), path).toMatch(/"\.\." is refused/);
    }
    expect(refused('./x')).toMatch(/"\." is refused/);
    expect(refused('a/%2e')).toMatch(/"\." is refused/);
  });

  it('refuses absolute paths, encoded slashes and backslashes, NUL, empty segments and bad encodings', () => {
    expect(refused('/etc/passwd')).toMatch(/absolute/);
    expect(refused('a/..%2f..%2fetc')).toMatch(/slash/);
    expect(refused('%2Fetc%2Fpasswd')).toMatch(/slash/);
    expect(refused('..%5C..%5Cetc')).toMatch(/slash/);
    expect(refused('a%00b')).toMatch(/NUL/);
    expect(refused('a//b')).toMatch(/empty/);
    expect(refused('%zz')).toMatch(/malformed/);
    expect(refused(`${'a/'.repeat(70)}b`)).toMatch(/deeper/);
    expect(refused('a'.repeat(5000))).toMatch(/longer/);
  });
});

describe('storeUrl', () => {
  it('encodes each segment, so a name cannot add a segment or a query', () => {
    expect(storeUrl('/files/', ['lin-kv', '20261206T165009.803+0000', 'a b?c#d'])).toBe('/files/lin-kv/20261206T165009.803%2B0000/a%20b%3Fc%23d');
    expect(storeUrl('/files/', ['x/y'])).toBe('/files/x%2Fy');
    expect(storeUrl('/files/', ['node-logs'], true)).toBe('/files/node-logs/');
    expect(storeUrl('/run/', [])).toBe('/run/');
  });

  it('round-trips through storePathSegments', () => {
    const segments = ['odd name+', 'é', '%41', '..x'];
    expect(storePathSegments(storeUrl('/files/', segments).slice('/files/'.length))).toEqual({ ok: true, value: segments });
  });
});

describe('isInside', () => {
  it('holds for the root and what lies under it, not for a sibling that shares a prefix or a parent', () => {
    expect(isInside('/srv/store', '/srv/store')).toBe(true);
    expect(isInside('/srv/store', '/srv/store/lin-kv/x')).toBe(true);
    expect(isInside('/srv/store/', '/srv/store/x')).toBe(true);
    expect(isInside('/srv/store', '/srv/store2/x')).toBe(false);
    expect(isInside('/srv/store', '/srv')).toBe(false);
    expect(isInside('/srv/store', '/etc/passwd')).toBe(false);
  });
});

describe('hostAllowed', () => {
  it('answers only loopback names when listening on loopback', () => {
    for (const host of ['localhost:8080', '127.0.0.1:8080', '127.0.0.1', '[::1]:8080', 'LOCALHOST:1']) expect(hostAllowed(host, '127.0.0.1'), host).toBe(true);
    for (const host of ['evil.example:8080', 'evil.example', '10.0.0.1:8080', '127.0.0.1.evil.example'])
      expect(hostAllowed(host, '127.0.0.1'), host).toBe(false);
    expect(hostAllowed(undefined, '127.0.0.1')).toBe(false);
    expect(hostAllowed('evil.example', 'localhost')).toBe(false);
  });

  it('answers any name when listening elsewhere', () => {
    expect(hostAllowed('my-machine:8080', '0.0.0.0')).toBe(true);
    expect(hostAllowed(undefined, '0.0.0.0')).toBe(true);
  });
});
