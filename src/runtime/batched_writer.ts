// Collects output lines and writes them with one write per event-loop turn: a turn that
// answers a hundred requests costs one system call, not a hundred.

import type { Writable } from 'node:stream';

export class BatchedWriter {
  private buffered: string[] = [];
  private flushScheduled = false;

  /** onBackpressure(true) when the stream's buffer is full, (false) once it drains. */
  constructor(
    private readonly stream: Writable,
    private readonly onBackpressure: (full: boolean) => void = () => {},
  ) {}

  write(line: string): void {
    this.buffered.push(line);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.flushScheduled = false;
    if (this.buffered.length === 0) return;
    const text = this.buffered.length === 1 ? (this.buffered[0] as string) : this.buffered.join('');
    this.buffered = [];
    if (!this.stream.write(text)) {
      this.onBackpressure(true);
      this.stream.once('drain', () => this.onBackpressure(false));
    }
  }

  /** Flushes what is buffered and resolves once the stream has taken it all (bounded by timeoutMs). */
  async close(timeoutMs: number): Promise<void> {
    this.flush();
    if (this.stream.writableLength === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.stream.once('drain', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
