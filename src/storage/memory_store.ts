// MemoryNodeStore: a node's storage with no disk (--storage memory, no data directory, tests).
// Every group is a MemoryStorage, so everything is durable the moment it is recorded: the
// generations never differ, no output is ever held, and a crash loses everything.

import { MemoryStorage } from '../raft/index.js';
import type { GroupId, GroupStorage, NodeStore } from './types.js';

export class MemoryNodeStore implements NodeStore {
  private readonly groups = new Map<GroupId, MemoryStorage>();
  readonly requiredGeneration = 0;
  readonly durableGeneration = 0;

  group(group: GroupId): GroupStorage {
    let found = this.groups.get(group);
    if (found === undefined) {
      found = new MemoryStorage();
      this.groups.set(group, found);
    }
    return found;
  }

  endTurn(): void {
    // Nothing to write.
  }

  startSync(done: () => void): void {
    done();
  }

  close(done: () => void): void {
    done();
  }
}
