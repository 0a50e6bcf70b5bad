// The node's once-a-minute memory line: the figures scripts/memory_soak.mjs reports, in MB.

import { describe, expect, it } from 'vitest';
import { memoryLine } from '../../src/runtime/stdio_node.js';

describe('the memory log line', () => {
  it('names each part of the memory in MB with one decimal', () => {
    const mib = 2 ** 20;
    const line = memoryLine({ rss: 150.25 * mib, heapTotal: 80 * mib, heapUsed: 61.5 * mib, external: 3.04 * mib, arrayBuffers: 1 * mib });
    expect(line).toBe('memory: rss 150.3 MB, heap used 61.5 of 80.0 MB, external 3.0 MB (array buffers 1.0 MB)');
  });
});
