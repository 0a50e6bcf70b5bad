// A binary min-heap ordered by (deadline, sequence): the delivery queue of one destination.
// Ties on the deadline keep insertion order, so constant latency delivers in send order.
// Pure data structure; no clock.

export interface Scheduled<T> {
  readonly deadline: number;
  readonly sequence: number;
  readonly item: T;
}

export class DeadlineHeap<T> {
  private readonly entries: Scheduled<T>[] = [];

  get size(): number {
    return this.entries.length;
  }

  peek(): Scheduled<T> | undefined {
    return this.entries[0];
  }

  push(entry: Scheduled<T>): void {
    const entries = this.entries;
    entries.push(entry);
    let index = entries.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentEntry = entries[parent] as Scheduled<T>;
      if (!before(entry, parentEntry)) break;
      entries[index] = parentEntry;
      index = parent;
    }
    entries[index] = entry;
  }

  pop(): Scheduled<T> | undefined {
    const entries = this.entries;
    const top = entries[0];
    if (top === undefined) return undefined;
    const last = entries.pop() as Scheduled<T>;
    if (entries.length === 0) return top;
    let index = 0;
    const length = entries.length;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      if (right < length && before(entries[right] as Scheduled<T>, entries[left] as Scheduled<T>)) child = right;
      const childEntry = entries[child] as Scheduled<T>;
      if (!before(childEntry, last)) break;
      entries[index] = childEntry;
      index = child;
    }
    entries[index] = last;
    return top;
  }

  clear(): number {
    const dropped = this.entries.length;
    this.entries.length = 0;
    return dropped;
  }
}

function before<T>(a: Scheduled<T>, b: Scheduled<T>): boolean {
  return a.deadline < b.deadline || (a.deadline === b.deadline && a.sequence < b.sequence);
}
