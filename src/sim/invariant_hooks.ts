// Connects the Raft core's cluster invariant checker (src/raft/testing/invariants.ts) to real
// KvNode nodes: the server's RaftNode gets its ready() and readIndex() wrapped, so every Ready
// is checked before the server acts on it: persisted entries (log matching), applied entries
// (state machine safety: the entries the KvStore applies), read points. Observation only: the
// wrappers return exactly what the node would have returned.

import type { Ready } from '../raft/index.js';
import { ClusterChecker, type CheckedHost } from '../raft/testing/invariants.js';
import type { KvNode } from '../server/kv_node.js';

export class InvariantHooks {
  readonly checker = new ClusterChecker();

  /**
   * Attaches to a freshly created server (call before it handles anything). `onReady` sees each
   * Ready after the checks, before the server acts on it (the simulator's targeted crashes).
   */
  attach(host: CheckedHost, server: KvNode, onReady?: (rd: Ready) => void): void {
    const raft = server.raft;
    const checker = this.checker;
    const ready = raft.ready.bind(raft);
    raft.ready = (): Ready => {
      const rd = ready();
      checker.onReady(host, rd);
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

  crashed(host: CheckedHost): void {
    this.checker.forgetReads(host);
  }

  checkCluster(hosts: readonly CheckedHost[]): void {
    this.checker.checkCluster(hosts);
  }
}
