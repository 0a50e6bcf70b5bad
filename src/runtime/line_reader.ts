// Splits a byte stream into lines without ever holding more than one line's worth of bytes
// beyond the limit: an over-long line is dropped (reported once) while the rest of it streams
// past, so a hostile or broken peer cannot exhaust memory. The dropped bytes go through a
// bounded scan that recovers who sent the line and its msg_id, so it can still be answered.

import { OversizedLineScanner, type OversizedLineFacts } from '../protocol/oversized_line.js';

export interface LineSink {
  line(text: string): void;
  oversized(byteCount: number, facts: OversizedLineFacts): void;
}

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** True while discarding the remainder of an over-long line. */
  private skipping = false;
  private skippedBytes = 0;
  private scanner: OversizedLineScanner | undefined;

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
      this.scanner?.push(piece);
      return;
    }
    if (this.pendingBytes + piece.length > this.maxLineBytes) {
      this.skipping = true;
      this.skippedBytes = this.pendingBytes + piece.length;
      const scanner = new OversizedLineScanner();
      for (const held of this.pending) scanner.push(held);
      scanner.push(piece);
      this.scanner = scanner;
      this.pending = [];
      this.pendingBytes = 0;
      return;
    }
    this.pending.push(piece);
    this.pendingBytes += piece.length;
  }

  private endLine(): void {
    if (this.skipping) {
      const facts = (this.scanner as OversizedLineScanner).finish();
      this.scanner = undefined;
      this.skipping = false;
      const byteCount = this.skippedBytes;
      this.skippedBytes = 0;
      this.sink.oversized(byteCount, facts);
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
