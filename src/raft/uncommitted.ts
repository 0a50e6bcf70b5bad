// A leader's uncommitted tail, in bytes: the sizes of the entries it appended in its term and
// that are not committed yet, oldest first. Its entries are contiguous (a leader only appends to
// its own log), so commitment releases a prefix. etcd bounds proposals the same way.

export class UncommittedTail {
  private sizes: number[] = [];
  private head = 0;
  /** The log index of sizes[0]. */
  private firstIndex = 0;
  private total = 0;

  get bytes(): number {
    return this.total;
  }

  get isEmpty(): boolean {
    return this.head === this.sizes.length;
  }

  clear(): void {
    this.sizes = [];
    this.head = 0;
    this.total = 0;
  }

  add(index: number, bytes: number): void {
    if (this.isEmpty) {
      this.sizes = [];
      this.head = 0;
      this.firstIndex = index;
    }
    this.sizes.push(bytes);
    this.total += bytes;
  }

  /** Entries up to `index` are committed: they no longer count. */
  commitTo(index: number): void {
    while (this.head < this.sizes.length && this.firstIndex + this.head <= index) this.total -= this.sizes[this.head++] as number;
    if (this.head > 1_024 && this.head * 2 > this.sizes.length) {
      this.sizes = this.sizes.slice(this.head);
      this.firstIndex += this.head;
      this.head = 0;
    }
  }
}
