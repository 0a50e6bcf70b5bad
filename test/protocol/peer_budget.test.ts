// The budgets derived from the line limit: the largest message of every kind a node sends to a
// peer, built at its budget with the largest numbers and the longest names, fits in a line the
// peer accepts.
import { describe, expect, it } from 'vitest';
import { encodeBatch, encodeLine } from '../../src/protocol/message.js';
import { peerBudget } from '../../src/protocol/peer_budget.js';

const MAX = Number.MAX_SAFE_INTEGER;

/** A JSON string value whose encoding takes exactly `bytes` bytes (bytes >= 2). */
function stringOfBytes(bytes: number): string {
  return 'x'.repeat(bytes - 2);
}

function lineBytes(src: string, dest: string, body: unknown): number {
  return Buffer.byteLength(encodeLine(src, dest, JSON.stringify(body))) - 1;
}

describe('peer budget', () => {
  for (const maxLineBytes of [1_024, 4_096, 65_536, 1 << 20]) {
    for (const names of [
      ['n0', 'n1', 'n2'],
      ['node-with-a-long-name-0', 'node-with-a-long-name-1'],
      ['\u0001\u0002\u0003a', '\u0001\u0002\u0003b'],
    ]) {
      it(`fits every kind of peer message in ${maxLineBytes} bytes with names ${JSON.stringify(names)}`, () => {
        const budget = peerBudget(maxLineBytes, names);
        const [src, dest] = names as [string, string];
        expect(budget.commandBytes).toBeGreaterThan(0);
        const command = stringOfBytes(budget.commandBytes);
        const entry = { index: MAX, term: MAX, kind: 'normal', data: command };
        const fields = { from: src, to: dest, term: MAX };
        // An append of the largest entry, and one of many small entries filling the budget.
        expect(
          lineBytes(src, dest, { type: 'raft_append', ...fields, prevIndex: MAX, prevTerm: MAX, entries: [entry], commit: MAX, round: MAX }),
        ).toBeLessThanOrEqual(maxLineBytes);
        const small = { index: MAX, term: MAX, kind: 'normal', data: 'd' };
        const smallBytes = Buffer.byteLength(JSON.stringify(small)) + 1;
        const many = Array.from({ length: Math.floor(budget.appendEntriesBytes / smallBytes) }, () => small);
        expect(
          lineBytes(src, dest, { type: 'raft_append', ...fields, prevIndex: MAX, prevTerm: MAX, entries: many, commit: MAX, round: MAX }),
        ).toBeLessThanOrEqual(maxLineBytes);
        // A snapshot chunk of characters that each take six bytes.
        const chunk = '\u0000'.repeat(budget.snapshotChunkChars);
        expect(
          lineBytes(src, dest, { type: 'raft_snapshot', ...fields, snapshotIndex: MAX, snapshotTerm: MAX, offset: MAX, data: chunk, done: false }),
        ).toBeLessThanOrEqual(maxLineBytes);
        // A forward of the largest command, and a result carrying the largest value it can write.
        const forward = `{"type":"kv_forward","epoch":${MAX},"ops":[{"id":${MAX},"command":${JSON.stringify(command)},"minIndex":${MAX}}]}`;
        expect(Buffer.byteLength(encodeLine(src, dest, forward)) - 1).toBeLessThanOrEqual(maxLineBytes);
        const result = { type: 'kv_forward_result', results: [{ id: MAX, epoch: MAX, index: MAX, type: 'read_ok', value: command }] };
        expect(lineBytes(src, dest, result)).toBeLessThanOrEqual(maxLineBytes);
        // A batch of bodies within the peer body budget.
        const bodies = Array.from({ length: 10 }, () => JSON.stringify({ type: 'raft_heartbeat', ...fields, commit: MAX, round: MAX }));
        const fitting: string[] = [];
        let bytes = 26;
        for (const body of bodies) {
          if (bytes + body.length + 1 > budget.peerBodyBytes) break;
          fitting.push(body);
          bytes += body.length + 1;
        }
        if (fitting.length > 1) expect(Buffer.byteLength(encodeBatch(src, dest, fitting)) - 1).toBeLessThanOrEqual(maxLineBytes);
      });
    }
  }

  it('leaves a 1 MiB line nearly whole to a command, and bounds queues by at least 64 MiB', () => {
    const budget = peerBudget(1 << 20, ['n0', 'n1', 'n2']);
    expect(budget.commandBytes).toBeGreaterThan((1 << 20) - 1_000);
    expect(budget.snapshotChunkChars).toBe(128 * 1024);
    expect(budget.uncommittedBytes).toBe(64 << 20);
    expect(peerBudget(1 << 28, ['n0']).uncommittedBytes).toBe(4 << 28);
  });
});
