// End-to-end durability: a real bin/raftkv with a data directory is killed with SIGKILL and
// restarted on the same directory; everything it acknowledged must still be there. Also the
// refusal to start on a WAL corrupted before its tail, or on a directory of an earlier format.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrames, parseWalRecord } from '../../src/storage/records.js';
import { NodeProcess, RAFTKV_BIN, requireBuilt, stopAll } from '../support/node_process.js';

const INIT = { src: 'c0', dest: 'n0', body: { type: 'init', msg_id: 1, node_id: 'n0', node_ids: ['n0'] } };
let root: string;

beforeAll(() => {
  requireBuilt('dist/raftkv.mjs');
  root = mkdtempSync(join(tmpdir(), 'raftkv-durability-'));
});
afterEach(stopAll);
afterAll(() => rmSync(root, { recursive: true, force: true }));

function start(dataDir: string, extraArgs: readonly string[] = []): NodeProcess {
  return new NodeProcess(RAFTKV_BIN, ['--data-dir', dataDir, ...extraArgs], { cwd: '/tmp' });
}

async function request(node: NodeProcess, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  node.send({ src: 'c1', dest: 'n0', body });
  const reply = await node.next(10_000);
  expect(reply.body['in_reply_to']).toBe(body['msg_id']);
  return reply.body;
}

async function writeKeys(node: NodeProcess, count: number, firstMsgId: number): Promise<void> {
  for (let key = 0; key < count; key++) {
    expect(await request(node, { type: 'write', msg_id: firstMsgId + key, key, value: key * 10 })).toMatchObject({ type: 'write_ok' });
  }
}

async function expectKeys(node: NodeProcess, count: number, firstMsgId: number): Promise<void> {
  for (let key = 0; key < count; key++) {
    expect(await request(node, { type: 'read', msg_id: firstMsgId + key, key })).toMatchObject({ type: 'read_ok', value: key * 10 });
  }
}

describe('bin/raftkv with a data directory', () => {
  it('keeps every acknowledged write across kill -9 and restart', async () => {
    const dir = join(root, 'kill');
    const first = start(dir);
    first.send(INIT);
    expect((await first.next()).body['type']).toBe('init_ok');
    await writeKeys(first, 20, 100);
    expect(await request(first, { type: 'cas', msg_id: 200, key: 3, from: 30, to: 31 })).toMatchObject({ type: 'cas_ok' });
    first.kill();
    await first.exited;

    const second = start(dir);
    second.send(INIT);
    expect((await second.next()).body['type']).toBe('init_ok');
    expect(await request(second, { type: 'read', msg_id: 300, key: 3 })).toMatchObject({ type: 'read_ok', value: 31 });
    expect(await request(second, { type: 'read', msg_id: 301, key: 19 })).toMatchObject({ type: 'read_ok', value: 190 });
    expect(second.stderr.join('')).toContain(`state is kept under ${dir}`);
  });

  it('snapshots, compacts, and restarts from the snapshot plus the WAL', async () => {
    const dir = join(root, 'snapshot');
    const first = start(dir, ['--snapshot-every', '7']);
    first.send(INIT);
    await first.next();
    await writeKeys(first, 30, 100);
    first.kill();
    await first.exited;
    // The kill may have cut a snapshot write short: its temporary file goes at the next start.
    const files = readdirSync(join(dir, 'n0'))
      .filter((name) => !name.endsWith('.tmp'))
      .sort();
    expect(files).toEqual(['group-0.snapshot', 'segment-0000000001.wal']);
    const segments = files.filter((name) => name.endsWith('.wal'));
    // Every entry is still in the WAL (nothing is rewritten) until whole segments go; the
    // snapshot file holds the store as of its index.
    let entries = 0;
    for (const name of segments) {
      const decoded = decodeFrames(readFileSync(join(dir, 'n0', name)));
      expect(decoded.ok).toBe(true);
      if (!decoded.ok) continue;
      for (const frame of decoded.value.frames) {
        const record = parseWalRecord(frame);
        expect(record).toBeDefined();
        if (record?.type === 'entries') entries += record.entries.length;
      }
    }
    expect(entries).toBeGreaterThanOrEqual(31); // a no-op, then 30 writes

    const second = start(dir, ['--snapshot-every', '7']);
    second.send(INIT);
    await second.next();
    await expectKeys(second, 30, 200);
    expect(second.stderr.join('')).toMatch(/restarted on .*: recovered .*; group 0: a snapshot at [1-9]/);
    expect(readdirSync(join(dir, 'n0')).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('stops with a clear error when the WAL is corrupt before its tail', async () => {
    const dir = join(root, 'corrupt');
    const first = start(dir, ['--snapshot-every', '1000000']);
    first.send(INIT);
    await first.next();
    await writeKeys(first, 5, 100);
    first.kill();
    await first.exited;
    const wal = join(dir, 'n0', 'segment-0000000001.wal');
    const bytes = readFileSync(wal);
    bytes[40] = (bytes[40] as number) ^ 0xff; // inside the first records, far from the tail
    writeFileSync(wal, bytes);

    const second = start(dir);
    second.send(INIT);
    const { code } = await second.exited;
    expect(code).toBe(65);
    expect(second.stderr.join('')).toMatch(/FATAL: cannot recover .*segment-0000000001\.wal: corrupt record at byte/);
  });

  it('refuses a data directory written by an earlier raftkv, saying what to do', async () => {
    const dir = join(root, 'old-format');
    mkdirSync(join(dir, 'n0'), { recursive: true });
    writeFileSync(join(dir, 'n0', 'wal'), Buffer.alloc(64));
    const node = start(dir);
    node.send(INIT);
    const { code } = await node.exited;
    expect(code).toBe(65);
    expect(node.stderr.join('')).toMatch(/FATAL: cannot recover .*written by an earlier raftkv.*start from an empty data directory/);
  });

  it('says whether it starts on a fresh data directory or restarted on one, and what it recovered', async () => {
    const dir = join(root, 'fresh-then-again');
    const first = start(dir);
    first.send(INIT);
    await first.next();
    await writeKeys(first, 3, 100);
    first.kill();
    await first.exited;
    const firstLog = first.stderr.join('');
    expect(firstLog).toContain(`fresh data directory ${join(dir, 'n0')}: nothing to recover`);
    expect(firstLog).not.toMatch(/recovered|restarted/);

    const second = start(dir);
    second.send(INIT);
    await second.next();
    const secondLog = second.stderr.join('');
    expect(secondLog).not.toContain('fresh data directory');
    // A no-op of term 1, then three writes: the log reaches index 4, all of it committed.
    expect(secondLog).toMatch(
      new RegExp(
        `INFO restarted on ${join(dir, 'n0')}: recovered \\d+ WAL records \\(\\d+ bytes\\) in 1 segment; group 0: a snapshot at 0, the log up to index 4, term 1 \\(voted for n0\\), commit 4\n`,
      ),
    );
  });

  it('says on stderr that it keeps state in memory without a data directory', async () => {
    const node = new NodeProcess(RAFTKV_BIN, [], { cwd: '/tmp', env: { ...process.env, RAFTKV_DATA_DIR: undefined } });
    node.send(INIT);
    await node.next();
    expect(node.stderr.join('')).toContain('state is kept in memory only');
  });
});
