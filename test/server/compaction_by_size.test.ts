// The log is compacted by the bytes of what it holds as well as by its entry count, so large
// values cannot fill the memory before the count is reached; and no more often than the
// snapshot's own size warrants.
import { describe, expect, it } from 'vitest';
import { InProcessCluster } from '../support/in_process_cluster.js';

const snapshotLines = (cluster: InProcessCluster): string[] => (cluster.logs.get('n0') ?? []).filter((line) => line.startsWith('info snapshot at'));

describe('compaction by size', () => {
  it('snapshots once the applied commands take snapshotEveryBytes, long before snapshotEveryEntries', () => {
    const cluster = new InProcessCluster({ ids: ['n0'], server: { snapshotEveryBytes: 100_000, snapshotEveryEntries: 10_000 } });
    cluster.settle();
    const value = 'v'.repeat(20_000);
    for (let i = 0; i < 12; i++) cluster.await([cluster.send('n0', { type: 'write', key: 'k', value })]);
    // 100 KB of writes: a snapshot after the fifth or sixth, and the log compacted.
    expect(snapshotLines(cluster)).toHaveLength(2);
    expect(cluster.server('n0').raft.firstIndex).toBeGreaterThan(5);
    expect(cluster.await([cluster.send('n0', { type: 'read', key: 'k' })])[0]).toMatchObject({ type: 'read_ok', value });
  });

  it('waits for as many bytes as the last snapshot took, when that is more', () => {
    // No MVCC window, so a snapshot holds the live values only (with one, it also carries the
    // versions the window may read, and grows with the writes of the window).
    const cluster = new InProcessCluster({ ids: ['n0'], server: { snapshotEveryBytes: 10_000, snapshotEveryEntries: 10_000, mvccRetentionEntries: 0 } });
    cluster.settle();
    // 30 keys of 10 KB: then every snapshot holds about 300 KB, so the next waits for about
    // 300 KB of writes (30 of them), not for 10 KB.
    for (let i = 0; i < 150; i++) cluster.await([cluster.send('n0', { type: 'write', key: i % 30, value: `${i}`.padEnd(10_000, 'w') })]);
    const snapshots = snapshotLines(cluster).map((line) => Number(/snapshot at (\d+)/.exec(line)?.[1]));
    const full = snapshots.filter((index) => index > 40);
    expect(full.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < full.length; i++) expect((full[i] as number) - (full[i - 1] as number)).toBeGreaterThanOrEqual(29);
    for (let i = 1; i < full.length; i++) expect((full[i] as number) - (full[i - 1] as number)).toBeLessThanOrEqual(31);
  });
});
