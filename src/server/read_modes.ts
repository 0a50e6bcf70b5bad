// Which read path serves each read mode, composed from the paths in read_paths.ts and
// lease_reads.ts. The one place that knows how the modes map to paths.

import { LeaseReads } from './lease_reads.js';
import type { ReadMode } from './options.js';
import { AppliedReads, LocalReads, ReadIndexReads, type ReadHost, type ReadPath } from './read_paths.js';

/** The path of a read mode; undefined for 'log', whose reads are commands like any other. */
export function createReadPath(mode: ReadMode, host: ReadHost): ReadPath | undefined {
  switch (mode) {
    case 'log':
      return undefined;
    case 'read-index':
      return new ReadIndexReads(host, new AppliedReads(host), false);
    case 'follower':
      return new ReadIndexReads(host, new AppliedReads(host), true);
    case 'lease': {
      const applied = new AppliedReads(host);
      return new LeaseReads(host, applied, new ReadIndexReads(host, applied, false));
    }
    case 'bounded-staleness':
      return new LocalReads(host, new AppliedReads(host));
  }
}
