// The node's txn counters and the switches the contention study turns off, through real nodes
// (NodeShell + KvNode): early aborts are counted where they happen (an occ or si coordinator, a
// leader refusing a txn with a check) and logged with the rest as one `txn stats {json}` line per
// node, at most once per interval and only when changed; with early abort off a doomed txn is
// proposed and fails at apply instead, with the same answer. Seeds are fixed and named on failure.
import { describe, expect, it } from 'vitest';
import type { KvServerOptions } from '../../src/server/options.js';
import { InProcessCluster } from '../support/in_process_cluster.js';

function settled(server: Partial<KvServerOptions>, seed = 1): { cluster: InProcessCluster; leader: string } {
  const cluster = new InProcessCluster({ server, seed });
  return { cluster, leader: cluster.settle() };
}

/** The counters in a node's last `txn stats` line, or undefined without one. */
function loggedStats(cluster: InProcessCluster, id: string): Record<string, unknown> | undefined {
  const line = (cluster.logs.get(id) ?? []).filter((text) => text.includes('txn stats ')).at(-1);
  return line === undefined ? undefined : (JSON.parse(line.slice(line.indexOf('txn stats ') + 'txn stats '.length)) as Record<string, unknown>);
}

/** Turns until `done` holds; returns how many it took, and fails after `maxTurns`. */
function turnsUntil(cluster: InProcessCluster, done: () => boolean, maxTurns: number, what: string): number {
  for (let turns = 0; turns <= maxTurns; turns++) {
    if (done()) return turns;
    cluster.turn();
  }
  throw new Error(`${what}: not within ${maxTurns} turns`);
}

/**
 * Each node gets two txns on one hot key every turn, for `turns` turns; then the cluster runs
 * until every reply is in and nothing is in flight on any node. Returns the turns it ran.
 */
function contend(cluster: InProcessCluster, turns: number): number {
  const sent: Array<{ id: number; client: string }> = [];
  let value = 0;
  for (let turn = 0; turn < turns; turn++) {
    for (const node of cluster.ids) {
      for (const client of ['c1', 'c2']) {
        const txn = [
          ['r', 'hot', null],
          ['append', 'hot', ++value],
        ];
        sent.push({ id: cluster.send(node, { type: 'txn', txn }, client), client });
      }
    }
    cluster.turn();
  }
  const answered = turnsUntil(cluster, () => sent.every(({ id, client }) => cluster.reply(id, client) !== undefined), 600, 'every txn answered');
  // A client whose forward timed out heard first: the leader may still be running its txn.
  const idle = turnsUntil(cluster, () => cluster.ids.every((id) => cluster.server(id).pendingRequestCount === 0), 600, 'nothing in flight on any node');
  return turns + answered + idle;
}

describe('txn counters', () => {
  it('counts the early aborts a leader makes for attempts followers coordinated (follower reads), and logs them in its txn stats line', () => {
    const seed = 3;
    const { cluster, leader } = settled({ txnMode: 'occ', readMode: 'follower', txnStatsEveryTicks: 10 }, seed);
    contend(cluster, 20);
    // One more interval with nothing new: the last line holds the final counters.
    for (let turn = 0; turn < 12; turn++) cluster.turn();
    const stats = cluster.server(leader).txnStats;
    expect(stats.earlyAbortsAsLeader, `seed ${seed}`).toBeGreaterThan(0);
    expect(stats.earlyAborts).toBe(stats.earlyAbortsAsLeader + stats.earlyAbortsCoordinating);
    for (const id of cluster.ids) {
      expect(loggedStats(cluster, id), `seed ${seed}, ${id}`).toEqual({ mode: 'occ', ...cluster.server(id).txnStats });
    }
  });

  it('logs at most once per interval, and nothing while the counters stand still', () => {
    const seed = 4;
    const { cluster, leader } = settled({ txnMode: 'occ', txnStatsEveryTicks: 10 }, seed);
    const linesOf = () => (cluster.logs.get(leader) ?? []).filter((text) => text.includes('txn stats ')).length;
    expect(linesOf()).toBe(0);
    const turns = contend(cluster, 30);
    const active = linesOf();
    // A tick a turn here: one line per 10 ticks at most.
    expect(active, `seed ${seed}`).toBeGreaterThan(1);
    expect(active, `seed ${seed}`).toBeLessThanOrEqual(Math.ceil(turns / 10));
    for (let turn = 0; turn < 15; turn++) cluster.turn();
    const settledLines = linesOf();
    expect(settledLines - active).toBeLessThanOrEqual(1);
    for (let turn = 0; turn < 50; turn++) cluster.turn();
    expect(linesOf()).toBe(settledLines);
  });
});

describe('early abort switched off', () => {
  for (const mode of ['batch', 'occ'] as const) {
    it(`${mode}: a read_index txn the applied state already dooms is proposed and fails at apply, answered 30 as with early abort`, () => {
      for (const earlyAbort of [true, false]) {
        const { cluster, leader } = settled({ txnMode: mode, txnEarlyAbort: earlyAbort });
        const [written] = cluster.await([cluster.send(leader, { type: 'txn', txn: [['append', 'a', 1]], return_index: true })]);
        const index = written?.['index'] as number;
        cluster.await([cluster.send(leader, { type: 'txn', txn: [['append', 'a', 2]] })]);
        const raft = cluster.server(leader).groups[0]?.raft;
        const lastIndex = raft?.lastIndex as number;
        const [refused] = cluster.await([
          cluster.send(leader, {
            type: 'txn',
            txn: [
              ['r', 'a', null],
              ['append', 'b', 3],
            ],
            read_index: index,
          }),
        ]);
        expect(refused, `early abort ${earlyAbort}`).toMatchObject({ type: 'error', code: 30 });
        // With early abort nothing entered the log; without, the doomed txn took an entry (a no-op at apply).
        expect(raft?.lastIndex, `early abort ${earlyAbort}`).toBe(earlyAbort ? lastIndex : lastIndex + 1);
        // occ refuses it where it runs it (here: on the leader), batch as the leader.
        expect(cluster.server(leader).txnStats.earlyAborts, `early abort ${earlyAbort}`).toBe(earlyAbort ? 1 : 0);
        expect(cluster.server(leader).store.get('b')).toBeUndefined();
      }
    });
  }
});
