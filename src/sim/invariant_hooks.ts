// Connects the Raft core's cluster invariant checker (src/raft/testing/invariants.ts) to real
// KvServer nodes. The checker was written for the core-level NodeHost; here each simulated node
// gets a host view, and the observe hook wraps its RaftNode's ready() and readIndex() so every
// Ready is checked before the server acts on it: persisted entries (log matching), applied
// entries (state machine safety: the entries the KvStore applies), read points. Observation
// only: the wrappers return exactly what the node would have returned.

import type { MemoryStorage, RaftNode, Ready } from '../raft/index.js';
import { ClusterChecker } from '../raft/testing/invariants.js';
import type { NodeHost } from '../raft/testing/node_host.js';
import type { KvServer } from '../server/kv_server.js';

/** The part of a NodeHost the checker reads: id, up, raft, storage. */
export interface HostView {
  readonly id: string;
  readonly up: boolean;
  readonly raft: RaftNode;
  readonly storage: MemoryStorage;
}

export class InvariantHooks {
  readonly checker = new ClusterChecker();

  /**
   * Attaches to a freshly created server (call from the observe hook). `onReady` sees each
   * Ready after the checks, before the server acts on it (the simulator's targeted crashes).
   */
  attach(view: HostView, server: KvServer, onReady?: (rd: Ready) => void): void {
    const raft = server.raft;
    const host = asHost(view);
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

  crashed(view: HostView): void {
    this.checker.forgetReads(asHost(view));
  }

  checkCluster(views: readonly HostView[]): void {
    this.checker.checkCluster(views.map(asHost));
  }
}

/**
 * The checker's parameter type is the NodeHost class, whose private fields make it nominal;
 * it only reads the four members of HostView, so the view stands in for it.
 */
function asHost(view: HostView): NodeHost {
  return view as unknown as NodeHost;
}
