// `bin/raftkv-test serve` as users run it: help, bad arguments and a missing store (status 254),
// a port already taken (status 2), and a server that starts on a free port, answers, and stops
// cleanly (status 0) on SIGTERM and on SIGINT.
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requireBuilt, withTimeout } from '../support/node_process.js';
import { RAFTKV_TEST_BIN, startServe, stopAllServes } from './serve_process.js';
import { makeFixtureStore, type FixtureStore } from './store_fixture.js';

let store: FixtureStore;

beforeAll(() => {
  requireBuilt('dist/raftkv-test.mjs');
  store = makeFixtureStore();
});
afterEach(stopAllServes);
afterAll(() => store?.cleanup());

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(RAFTKV_TEST_BIN, args, { encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('raftkv-test serve', () => {
  it('prints its help, with the loopback default, and is listed in the tool help', () => {
    const help = run(['serve', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: raftkv-test serve [--port P] [--host H] [STORE_DIR]');
    expect(help.stdout).toContain('default 127.0.0.1: loopback');
    expect(run(['help']).stdout).toContain('serve [--port P] [STORE_DIR]');
  });

  it('refuses bad arguments and a missing store with status 254 and a message', () => {
    for (const [args, message] of [
      [['--port', 'eighty'], '--port must be a whole number from 0 to 65535'],
      [['--port', '70000'], '--port must be a whole number'],
      [['--frobnicate'], 'unknown option'],
      [['a', 'b'], 'one store directory at most'],
      [[join(store.root, 'no-such-dir')], 'there is no directory'],
      [[join(store.root, 'lin-kv', 'latest', 'summary.txt')], 'is not a directory'],
    ] as const) {
      const result = run(['serve', ...args]);
      expect(result.status, args.join(' ')).toBe(254);
      expect(result.stderr, args.join(' ')).toContain(message);
    }
  });

  it('says so, with status 2, when the port is taken', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as { port: number }).port;
      const result = run(['serve', '--port', String(port), store.root]);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(`port ${port} is in use`);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`serves the store on a free loopback port and stops cleanly on ${signal}`, async () => {
      const serve = await startServe(['--port', '0', store.root]);
      expect(serve.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const reply = await withTimeout(fetch(serve.url), 10_000, 'GET /');
      expect(reply.status).toBe(200);
      expect(await reply.text()).toContain('verdict-invalid');
      serve.child.kill(signal);
      expect(await withTimeout(serve.exit, 10_000, `exit after ${signal}`)).toBe(0);
      expect(serve.stderr()).toContain('raftkv-test serve: stopped');
    });
  }
});
