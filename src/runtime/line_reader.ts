// Splits a byte stream into lines without ever holding more than one line's worth of bytes
// beyond the limit: an over-long line is dropped (reported once) while the rest of it streams
// past, so a hostile or broken peer cannot exhaust memory.

export interface LineSink {
  line(text: string): void;
  oversized(byteCount: number): void;
}

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** True while discarding the remainder of an over-long line. */
  private skipping = false;
  private skippedBytes = 0;

  constructor(
    private readonly maxLineBytes: number,
    private readonly sink: LineSink,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(10, start);
      const end = newline === -1 ? chunk.length : newline;
      this.take(chunk.subarray(start, end));
      if (newline === -1) return;
      this.endLine();
      start = newline + 1;
    }
  }

  /** The stream ended: a final line without a newline still counts. */
  finish(): void {
    if (this.pendingBytes > 0 || this.skipping) this.endLine();
  }

  private take(piece: Buffer): void {
    if (piece.length === 0) return;
    if (this.skipping) {
      this.skippedBytes += piece.length;
      return;
    }
    if (this.pendingBytes + piece.length > this.maxLineBytes) {
      this.skipping = true;
      this.skippedBytes = this.pendingBytes + piece.length;
      this.pending = [];
      this.pendingBytes = 0;
      return;
    }
    this.pending.push(piece);
    this.pendingBytes += piece.length;
  }

  private endLine(): void {
    if (this.skipping) {
      this.sink.oversized(this.skippedBytes);
      this.skipping = false;
      this.skippedBytes = 0;
      return;
    }
    const bytes = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    let text = bytes.toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.trim().length > 0) this.sink.line(text);
  }
}
