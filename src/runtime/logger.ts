// The stderr logger. Every line carries the node id; levels below the threshold cost one
// comparison. stdout is never used for logs: it is the protocol.

import type { LogLevel } from '../server/node_app.js';

const LEVEL_RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export class StderrLogger {
  private name = '-';

  constructor(
    private readonly threshold: LogLevel,
    private readonly writeLine: (line: string) => void = (line) => process.stderr.write(line),
  ) {}

  setName(name: string): void {
    this.name = name;
  }

  enabled(level: LogLevel): boolean {
    return LEVEL_RANK[level] >= LEVEL_RANK[this.threshold];
  }

  log(level: LogLevel, text: string): void {
    if (!this.enabled(level)) return;
    this.writeLine(`${new Date().toISOString()} ${this.name} ${level.toUpperCase()} ${text}\n`);
  }
}
