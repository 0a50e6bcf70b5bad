// A test stand-in for the application loop around one RaftNode: a MemoryStorage as its disk,
// the Ready contract followed to the letter (persist, then send, then apply, then advance),
// and a record of what it applied and which reads completed. Crash drops everything but the
// storage; restart rebuilds the node from it, as the real runtime will from its WAL.

import { assert } from '../../base/assert.js';
import type { RaftConfig } from '../config.js';
import type { RaftMessage } from '../messages.js';
import { RaftNode, type Ready } from '../raft.js';
import { MemoryStorage } from '../storage.js';
import type { DroppedRead, Entry, NodeId, ReadState, SoftState } from '../types.js';

/** Called for each Ready before the host acts on it (invariant checkers hook in here). */
export interface ReadyObserver {
  onReady(host: NodeHost, rd: Ready): void;
  onApply(host: NodeHost, entry: Entry): void;
  onReadState(host: NodeHost, read: ReadState): void;
  onDroppedRead(host: NodeHost, read: DroppedRead): void;
}

export class NodeHost {
  readonly id: NodeId;
  /** The durable part: survives crashes. */
  readonly storage: MemoryStorage;
  private node: RaftNode | undefined;
  /** Entries applied by the current incarnation, applied[i - 1] is index i. */
  applied: Entry[] = [];
  readStates: ReadState[] = [];
  droppedReads: DroppedRead[] = [];
  softStates: SoftState[] = [];
  incarnation = 0;

  constructor(
    private readonly makeConfig: (incarnation: number) => RaftConfig,
    storage: MemoryStorage = new MemoryStorage(),
  ) {
    this.storage = storage;
    this.node = new RaftNode(makeConfig(0), storage);
    this.id = this.node.id;
  }

  get up(): boolean {
    return this.node !== undefined;
  }

  /** The running node; fails when crashed. */
  get raft(): RaftNode {
    assert(this.node !== undefined, () => `${this.id} is down`);
    return this.node;
  }

  crash(): void {
    this.node = undefined;
  }

  restart(): void {
    assert(this.node === undefined, () => `${this.id} is already up`);
    this.incarnation++;
    this.node = new RaftNode(this.makeConfig(this.incarnation), this.storage);
    this.applied = [];
  }

  /** Runs the application loop until the node has nothing more; returns the messages to send. */
  handleReady(observer?: ReadyObserver): RaftMessage[] {
    const node = this.raft;
    const out: RaftMessage[] = [];
    for (let rounds = 1; node.hasReady(); rounds++) {
      // Each Ready drains what the node had; a node that always has more is broken.
      assert(rounds <= 1000, () => `${this.id}: the Ready loop does not converge: ${node.describe()}`);
      const rd = node.ready();
      observer?.onReady(this, rd);
      this.storage.save(rd.hardState, rd.entries); // 1. durable first
      out.push(...rd.messages); // 2. then sent
      for (const entry of rd.committedEntries) {
        assert(entry.index === this.applied.length + 1, () => `${this.id}: applying ${entry.index} after ${this.applied.length}`);
        this.applied.push(entry);
        observer?.onApply(this, entry);
      }
      for (const read of rd.readStates) {
        observer?.onReadState(this, read);
        this.readStates.push(read);
      }
      for (const read of rd.droppedReads) {
        observer?.onDroppedRead(this, read);
        this.droppedReads.push(read);
      }
      if (rd.softState !== undefined) this.softStates.push(rd.softState);
      node.advance(rd);
    }
    return out;
  }
}
