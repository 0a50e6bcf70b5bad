// Connects the Raft core's cluster invariant checker (src/raft/testing/invariants.ts) to real
// KvNode nodes, one checker per Raft group: each group's RaftNode gets its ready() and
// readIndex() wrapped, so every Ready is checked before the group acts on it: written entries
// (log matching), applied entries (state machine safety), read points; the group's durable
// model (durable_model.ts) learns what the Ready writes. After every step each group is checked
// across the cluster, its durable views included. Observation only: the wrappers return
// exactly what the node would have returned.

import type { Ready } from '../raft/index.js';
import { ClusterChecker } from '../raft/testing/invariants.js';
import type { KvNode } from '../server/kv_node.js';
import type { SimGroupHost, SimNode } from './sim_node.js';

export class InvariantHooks {
  /** checkers[g] checks Raft group g. */
  readonly checkers: readonly ClusterChecker[];
  private hostsByGroup: SimGroupHost[][] | undefined;

  constructor(groupCount: number) {
    this.checkers = Array.from({ length: groupCount }, () => new ClusterChecker());
  }

  /**
   * Attaches to a freshly created server (call before it handles anything). `onReady` sees each
   * Ready after the checks, before the group acts on it (the simulator's targeted crashes).
   */
  attach(node: SimNode, server: KvNode, onReady?: (rd: Ready) => void): void {
    for (const group of server.groups) {
      const host = node.groups[group.id];
      const checker = this.checkers[group.id];
      if (host === undefined || checker === undefined) throw new Error(`${node.id} runs group ${group.id}, beyond the ${this.checkers.length} checked`);
      const raft = group.raft;
      const ready = raft.ready.bind(raft);
      raft.ready = (): Ready => {
        const rd = ready();
        checker.onReady(host, rd);
        host.durable.onReady(rd);
        for (const entry of rd.committedEntries) checker.onApply(host, entry);
        for (const read of rd.readStates) checker.onReadState(host, read);
        for (const read of rd.droppedReads) checker.onDroppedRead(host, read);
        onReady?.(rd);
        return rd;
      };
      const readIndex = raft.readIndex.bind(raft);
      raft.readIndex = (ctx) => {
        checker.readIssued(host, ctx);
        const result = readIndex(ctx);
        // A refused read never produces a ReadState or a DroppedRead: forget its floor again.
        if (!result.ok) checker.onDroppedRead(host, { ctx, reason: 'leadership-lost' });
        return result;
      };
    }
  }

  crashed(node: SimNode): void {
    for (const [group, host] of node.groups.entries()) this.checkers[group]?.forgetReads(host);
  }

  /** After every step; `nodes` is always the same cluster. */
  checkCluster(nodes: readonly SimNode[]): void {
    this.hostsByGroup ??= this.checkers.map((_, group) => nodes.map((node) => node.groups[group] as SimGroupHost));
    for (let group = 0; group < this.checkers.length; group++)
      (this.checkers[group] as ClusterChecker).checkCluster(this.hostsByGroup[group] as SimGroupHost[]);
  }

  /** Entries committed, per group. */
  get committedByGroup(): number[] {
    return this.checkers.map((checker) => checker.committedCount);
  }

  get leaderTermCount(): number {
    return this.checkers.reduce((sum, checker) => sum + checker.leaderTermCount, 0);
  }
}
