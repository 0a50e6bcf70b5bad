// The key-value server under a line limit: a command too large for any message between nodes
// is refused up front; forwards and their results are cut by bytes, so every line to a peer
// fits what peers accept; and the requests waiting on a node are bounded by bytes too. Real
// nodes in one process, every line through the real codec.
import { describe, expect, it } from 'vitest';
import { peerBudget } from '../../src/protocol/peer_budget.js';
import { InProcessCluster } from '../support/in_process_cluster.js';

const LIMIT = 16 * 1024;

describe('kv server: byte limits on messages between nodes', () => {
  it('refuses a command too large to travel between nodes with error 12 naming its size and the limit, and runs one that fits', () => {
    const cluster = new InProcessCluster({ shell: { maxLineBytes: LIMIT } });
    const leader = cluster.settle();
    const follower = cluster.ids.find((id) => id !== leader) as string;
    const { commandBytes } = peerBudget(LIMIT, cluster.ids);
    // The command wraps the value in {"kind":"op","op":{"f":"write","key":1,"value":"..."}}: 51 bytes.
    const fits = 'f'.repeat(commandBytes - 51);
    const tooLarge = `${fits}x`;
    const [refused, written] = cluster.await([
      cluster.send(follower, { type: 'write', key: 1, value: tooLarge }),
      cluster.send(follower, { type: 'write', key: 1, value: fits }),
    ]);
    expect(refused).toMatchObject({ type: 'error', code: 12 });
    expect(refused?.['text']).toBe(
      `request too large: its command takes ${commandBytes + 1} bytes, over the ${commandBytes} bytes a message between nodes can carry under the line limit of ${LIMIT} bytes (--max-line-bytes); it was not run`,
    );
    expect(written).toMatchObject({ type: 'write_ok' });
    // It reached the leader as a forward and the followers as an append; reads bring it back.
    const reads = cluster.await(cluster.ids.map((id) => cluster.send(id, { type: 'read', key: 1 })));
    for (const read of reads) expect(read).toEqual({ type: 'read_ok', value: fits, in_reply_to: read['in_reply_to'] });
    for (const line of cluster.nodeLines()) expect(line.bytes).toBeLessThanOrEqual(LIMIT);
    expect(Math.max(...cluster.nodeLines().map((line) => line.bytes))).toBeGreaterThan(LIMIT - 1_024); // and not needlessly short
  });

  it('cuts forwards and forward results by bytes, so every line to a peer fits the limit', () => {
    const cluster = new InProcessCluster({ shell: { maxLineBytes: LIMIT } });
    const leader = cluster.settle();
    const follower = cluster.ids.find((id) => id !== leader) as string;
    const value = (i: number): string => `${i}:`.padEnd(3_000, 'é'); // 2 bytes a character
    const writes = Array.from({ length: 20 }, (_, i) => cluster.send(follower, { type: 'write', key: i, value: value(i) }));
    const forwardLines = cluster.turn().filter((line) => line.src === follower && line.dest === leader);
    expect(forwardLines.flatMap(InProcessCluster.bodies).filter((body) => body.type === 'kv_forward').length).toBeGreaterThan(5);
    for (const reply of cluster.await(writes)) expect(reply.type).toBe('write_ok');
    // Twenty reads in one turn: their results carry 6 KB each back from the leader.
    const reads = cluster.await(Array.from({ length: 20 }, (_, i) => cluster.send(follower, { type: 'read', key: i })));
    for (const [i, read] of reads.entries()) expect(read['value']).toBe(value(i));
    const resultBodies = cluster
      .nodeLines()
      .filter((line) => line.src === leader && line.dest === follower)
      .flatMap(InProcessCluster.bodies)
      .filter((body) => body.type === 'kv_forward_result');
    expect(resultBodies.length).toBeGreaterThan(5);
    for (const line of cluster.nodeLines()) expect(line.bytes).toBeLessThanOrEqual(LIMIT);
  });

  it('bounds the requests waiting on a node by their bytes, and releases the bytes as they are answered', () => {
    const maxLineBytes = 1 << 20;
    const cluster = new InProcessCluster({ shell: { maxLineBytes }, server: { leaderWaitTicks: 5 } });
    // No turn has run: no node knows a leader, so every request waits.
    const node = cluster.server('n0');
    const { pendingRequestBytes, commandBytes } = peerBudget(maxLineBytes, cluster.ids);
    const value = 'p'.repeat(commandBytes - 100);
    const count = Math.floor(pendingRequestBytes / commandBytes) + 2;
    const msgIds = Array.from({ length: count }, (_, i) => cluster.send('n0', { type: 'write', key: i, value }));
    expect(node.pendingRequestBytes).toBeLessThanOrEqual(pendingRequestBytes);
    expect(node.pendingRequestBytes).toBeGreaterThan(pendingRequestBytes - commandBytes);
    cluster.turn();
    const refused = msgIds.map((msgId) => cluster.reply(msgId)).filter((reply) => reply !== undefined);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const reply of refused) expect(reply).toMatchObject({ type: 'error', code: 11, text: expect.stringContaining('take too many bytes') as string });
    // Held requests are answered once their wait ends; nothing stays counted.
    cluster.isolated.add('n0');
    for (let i = 0; i < 10; i++) cluster.turn();
    expect(msgIds.every((msgId) => cluster.reply(msgId) !== undefined)).toBe(true);
    expect(node.pendingRequestBytes).toBe(0);
    expect(node.pendingRequestCount).toBe(0);
  });

  it('sends a snapshot to a follower in chunks whose lines fit the limit, however the text encodes', () => {
    const cluster = new InProcessCluster({ shell: { maxLineBytes: 4_096 }, server: { snapshotEveryEntries: 20 } });
    const leader = cluster.settle();
    const behind = cluster.ids.find((id) => id !== leader) as string;
    cluster.isolated.add(behind);
    // Control characters take six bytes each once the snapshot text is encoded in a message.
    const writes = Array.from({ length: 40 }, (_, i) => cluster.send(leader, { type: 'write', key: i, value: `\u0001\u0002"\\${i}`.repeat(20) }));
    cluster.await(writes);
    expect(cluster.server(leader).raft.firstIndex).toBeGreaterThan(20); // compacted: n-behind needs the snapshot
    cluster.isolated.delete(behind);
    cluster.turnUntil(() => cluster.server(behind).lastApplied >= cluster.server(leader).lastApplied, 2_000, 'the follower catching up');
    const chunks = cluster
      .nodeLines()
      .filter((line) => line.dest === behind)
      .flatMap(InProcessCluster.bodies)
      .filter((body) => body.type === 'raft_snapshot');
    expect(chunks.length).toBeGreaterThan(3);
    for (const line of cluster.nodeLines()) expect(line.bytes).toBeLessThanOrEqual(4_096);
    expect(cluster.await([cluster.send(behind, { type: 'read', key: 39 })])[0]).toMatchObject({ type: 'read_ok', value: `\u0001\u0002"\\39`.repeat(20) });
  });
});
