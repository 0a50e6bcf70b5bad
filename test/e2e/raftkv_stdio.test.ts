// End-to-end: the real bin/raftkv over stdio, started from an unrelated working directory as
// Maelstrom starts it.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NodeProcess, RAFTKV_BIN, requireBuilt, stopAll, withTimeout } from '../support/node_process.js';

const INIT = { src: 'c0', dest: 'n0', body: { type: 'init', msg_id: 1, node_id: 'n0', node_ids: ['n0'] } };

beforeAll(() => requireBuilt('dist/raftkv.mjs'));
afterEach(stopAll);

describe('bin/raftkv over stdio', () => {
  it('answers init, survives garbage, and answers bad requests with the right errors', async () => {
    const node = new NodeProcess(RAFTKV_BIN, [], { cwd: '/tmp' });
    node.send({ src: 'c1', dest: 'n0', body: { type: 'read', msg_id: 1, key: 0 } });
    expect((await node.next()).body).toMatchObject({ type: 'error', code: 11, in_reply_to: 1 });

    node.send(INIT);
    expect(await node.next()).toEqual({ src: 'n0', dest: 'c0', body: { type: 'init_ok', in_reply_to: 1 } });

    node.send('not json at all');
    node.send('{"src":"c1","dest":"n0","body":"a string"}');
    node.send('[]');
    node.send({ src: 'c1', dest: 'n0', body: { type: 'write', msg_id: 2, key: 0 } });
    const malformed = await node.next();
    expect(malformed).toMatchObject({ src: 'n0', dest: 'c1', body: { type: 'error', code: 12, in_reply_to: 2 } });
    expect(malformed.body['text']).toContain('"value"');

    node.send({ src: 'c1', dest: 'n0', body: { type: 'teleport', msg_id: 3 } });
    expect((await node.next()).body).toMatchObject({ type: 'error', code: 10, in_reply_to: 3 });

    node.send({ src: 'c1', dest: 'n0', body: { type: 'cas', msg_id: 4, key: 0, from: 1, to: 2 } });
    expect((await node.next()).body).toMatchObject({ type: 'error', code: 20, in_reply_to: 4 });

    expect(node.alive).toBe(true);
    expect(node.stderr.join('')).toContain('skipped an input line (not valid JSON)');
  });

  it('answers a request on a line over 1 MiB with error 12 naming the size and the limit, and keeps serving', async () => {
    const node = new NodeProcess(RAFTKV_BIN);
    node.send(INIT);
    await node.next();
    // msg_id after the value: only a scan of the whole line finds it.
    const huge = JSON.stringify({ src: 'c1', dest: 'n0', body: { type: 'write', key: 0, value: 'x'.repeat(3 << 20), msg_id: 2 } });
    node.send(huge);
    node.send({ src: 'c1', dest: 'n0', body: { type: 'frob', msg_id: 3 } });
    expect(await node.next()).toEqual({
      src: 'n0',
      dest: 'c1',
      body: {
        type: 'error',
        code: 12,
        text: `the request's line of ${huge.length} bytes is over this node's input line limit of 1048576 bytes (--max-line-bytes, RAFTKV_MAX_LINE_BYTES); it was not read`,
        in_reply_to: 2,
      },
    });
    expect((await node.next()).body).toMatchObject({ type: 'error', code: 10, in_reply_to: 3 });
    expect(node.stderr.join('')).toMatch(/refused an input line of \d+ bytes \(limit 1048576\) from c1 \(write\): answered with error 12/);
  });

  it('refuses numbers JSON cannot carry instead of acknowledging a value it would read back changed', async () => {
    const node = new NodeProcess(RAFTKV_BIN);
    node.send(INIT);
    await node.next();
    node.send('{"src":"c1","dest":"n0","body":{"type":"write","msg_id":2,"key":1,"value":1e400}}');
    expect((await node.next()).body).toMatchObject({ type: 'error', code: 12, in_reply_to: 2, text: expect.stringContaining('field "value"') as string });
    node.send('{"src":"c1","dest":"n0","body":{"type":"write","msg_id":3,"key":1,"value":12345678901234567891}}');
    expect((await node.next()).body).toMatchObject({ type: 'error', code: 12, in_reply_to: 3, text: expect.stringContaining('send it as a string') as string });
    node.send(`{"src":"c1","dest":"n0","body":{"type":"write","msg_id":4,"key":1,"value":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`);
    expect((await node.next()).body).toMatchObject({ type: 'error', code: 12, in_reply_to: 4, text: expect.stringContaining('nests deeper') as string });
    node.send('{"src":"c1","dest":"n0","body":{"type":"read","msg_id":5,"key":1}}');
    expect((await node.next(10_000)).body).toMatchObject({ type: 'error', code: 20, in_reply_to: 5 });
    expect(node.alive).toBe(true);
  });

  it('exits 0 at the end of stdin, after flushing its replies', async () => {
    const node = new NodeProcess(RAFTKV_BIN);
    node.send(INIT);
    node.child.stdin.end();
    expect((await node.next()).body).toMatchObject({ type: 'init_ok' });
    expect(await withTimeout(node.exited, 5_000, 'exit after stdin EOF')).toEqual({ code: 0, signal: null });
  });

  it('exits 0 on SIGTERM', async () => {
    const node = new NodeProcess(RAFTKV_BIN);
    node.send(INIT);
    await node.next();
    node.child.kill('SIGTERM');
    expect(await withTimeout(node.exited, 5_000, 'exit after SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('rejects a bad flag with two lines, the problem and where to find the options, and status 2', async () => {
    const node = new NodeProcess(RAFTKV_BIN, ['--tick-ms', 'soon']);
    expect(await withTimeout(node.exited, 5_000, 'exit on a bad option')).toEqual({ code: 2, signal: null });
    expect(node.stderr.join('')).toBe(`raftkv: --tick-ms must be an integer from 1 to 1000; got "soon"\nraftkv: run 'raftkv --help' for the options\n`);
  });

  it('names the environment variable a bad value came from', async () => {
    const node = new NodeProcess(RAFTKV_BIN, [], { env: { ...process.env, RAFTKV_TICK_MS: 'x' } });
    expect(await withTimeout(node.exited, 5_000, 'exit on a bad variable')).toEqual({ code: 2, signal: null });
    expect(node.stderr.join('')).toBe(`raftkv: RAFTKV_TICK_MS must be an integer from 1 to 1000; got "x"\nraftkv: run 'raftkv --help' for the options\n`);
  });
});

describe('bin/raftkv without a build', () => {
  it('says how to build, on stderr, and exits non-zero', async () => {
    const { mkdtempSync, copyFileSync, mkdirSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const root = mkdtempSync(`${tmpdir()}/raftkv-nobuild-`);
    try {
      mkdirSync(`${root}/bin`);
      copyFileSync(RAFTKV_BIN, `${root}/bin/raftkv`);
      const node = new NodeProcess('bash', [`${root}/bin/raftkv`]);
      const exit = await withTimeout(node.exited, 5_000, 'exit without a build');
      expect(exit.code).not.toBe(0);
      expect(node.stderr.join('')).toMatch(/dist\/raftkv\.mjs is missing; build it first: .*npm run build/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('client sessions over stdio', () => {
  it('opens a session, runs a repeated (session, seq) once, and carries indexes for read-your-writes', async () => {
    const node = new NodeProcess(RAFTKV_BIN);
    node.send(INIT);
    await node.next();
    const send = (body: Record<string, unknown>) => node.send({ src: 'c1', dest: 'n0', body });
    send({ type: 'open_session', msg_id: 2 });
    const opened = (await node.next(10_000)).body;
    expect(opened).toMatchObject({ type: 'open_session_ok', in_reply_to: 2 });
    const session = opened['session'] as number;
    send({ type: 'write', msg_id: 3, key: 'a', value: 1, session, seq: 1 });
    const written = (await node.next()).body;
    expect(written).toMatchObject({ type: 'write_ok', in_reply_to: 3, index: expect.any(Number) as number });
    send({ type: 'write', msg_id: 4, key: 'a', value: 2 });
    expect((await node.next()).body).toEqual({ type: 'write_ok', in_reply_to: 4 });
    // The retry of seq 1 is answered from the session table and does not write 1 again.
    send({ type: 'write', msg_id: 5, key: 'a', value: 1, session, seq: 1 });
    const retried = (await node.next()).body;
    expect(retried).toMatchObject({ type: 'write_ok', in_reply_to: 5 });
    // The retry is a log entry of its own: its index is later, never earlier, than the write's.
    expect(retried['index']).toBeGreaterThan(written['index'] as number);
    send({ type: 'read', msg_id: 6, key: 'a', min_index: written['index'] });
    const read = (await node.next()).body;
    expect(read).toMatchObject({ type: 'read_ok', value: 2, in_reply_to: 6 });
    expect(read['index']).toBeGreaterThan(written['index'] as number);
    // An id past the log's end may still be opened: unknown. One the log passed, never opened: definite.
    send({ type: 'write', msg_id: 7, key: 'a', value: 1, session: 999_999, seq: 1 });
    expect((await node.next()).body).toMatchObject({ type: 'error', code: 13, in_reply_to: 7 });
    send({ type: 'write', msg_id: 9, key: 'a', value: 1, session: session + 1, seq: 1 });
    expect((await node.next()).body).toEqual({
      type: 'error',
      code: 12,
      text: `session ${session + 1} was never opened: open one with open_session`,
      in_reply_to: 9,
    });
    send({ type: 'write', msg_id: 8, key: 'a', value: 1, session });
    expect((await node.next()).body).toMatchObject({ type: 'error', code: 12, in_reply_to: 8 });
  });
});
