// Raft messages from a node outside the cluster are ignored, and the node says so (once per
// sender): such messages mean the nodes were started with different node lists.
import { describe, expect, it } from 'vitest';
import { InProcessCluster } from '../support/in_process_cluster.js';

describe('raft messages from outside the cluster', () => {
  it('are ignored with one warning per sender', () => {
    const cluster = new InProcessCluster();
    const leader = cluster.settle();
    const term = cluster.server(leader).raft.term;
    const shell = cluster.shells.get(leader);
    for (let i = 0; i < 3; i++) {
      shell?.receiveLine(
        JSON.stringify({ src: 'n9', dest: leader, body: { type: 'raft_vote', from: 'n9', to: leader, term: term + 5, lastIndex: 100, lastTerm: term + 4 } }),
      );
    }
    expect(cluster.server(leader).raft.term).toBe(term);
    const warnings = (cluster.logs.get(leader) ?? []).filter((line) => line.includes('from n9'));
    expect(warnings).toEqual([`warn ignoring raft_vote from n9, which is not another node of [${cluster.ids.join(', ')}]`]);
  });
});
