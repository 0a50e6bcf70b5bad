// What a node says at the default level about leadership: the election it won, the leader it
// follows from a new term on, and its step-down, each once (no line per heartbeat).
import { describe, expect, it } from 'vitest';
import { InProcessCluster } from '../support/in_process_cluster.js';

const info = (cluster: InProcessCluster, id: string): string[] =>
  (cluster.logs.get(id) ?? []).filter((line) => line.startsWith('info ') && !line.includes('initialized as'));

describe('leadership in the log', () => {
  it('logs an election won, the new term and leader on the others, then a step-down and the next leader, once each', () => {
    const cluster = new InProcessCluster();
    const first = cluster.settle();
    const others = cluster.ids.filter((id) => id !== first);
    expect(info(cluster, first)).toEqual(['info term 1 began (was 0): campaigning', 'info became leader of term 1']);
    // Another node may have campaigned in term 1 too (a split vote in the first round), or not.
    for (const id of others) {
      expect(info(cluster, id)).toEqual([
        expect.stringMatching(/^info term 1 began \(was 0\): (no leader known yet|campaigning)$/),
        `info following ${first} in term 1`,
      ]);
    }
    // Quiet while nothing changes: no line per heartbeat.
    for (let i = 0; i < 200; i++) cluster.turn();
    expect(cluster.ids.map((id) => info(cluster, id).length)).toEqual([2, 2, 2]);

    cluster.isolated.add(first);
    cluster.turnUntil(() => cluster.leader() !== undefined && cluster.leader() !== first, 500, 'a second leader');
    const second = cluster.leader() as string;
    const secondTerm = cluster.server(second).raft.term;
    // Cut off from a majority, the first leader steps down (check-quorum) without a new term.
    expect(info(cluster, first)).toContain('info stepped down as leader of term 1: now follower in term 1, no leader known yet');
    expect(info(cluster, second)).toContain(`info became leader of term ${secondTerm}`);
    cluster.isolated.delete(first);
    cluster.settle();
    expect(info(cluster, first).slice(-1)).toEqual([
      expect.stringMatching(new RegExp(`^info term ${secondTerm} began \\(was 1\\): (following ${second}|no leader known yet)$`)),
    ]);
    cluster.turnUntil(() => info(cluster, first).some((line) => line.includes(`following ${second}`)), 100, 'the first leader following the second');
    for (const id of cluster.ids) expect(info(cluster, id).length).toBeLessThanOrEqual(6);
  });
});
