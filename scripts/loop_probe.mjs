// Preloaded into a node process (NODE_OPTIONS=--import=<this file>) by scripts/snapshot_stall.mjs:
// records how long the event loop was blocked (perf_hooks' event-loop delay histogram) and
// writes the figures to $RAFTKV_LOOP_PROBE_FILE every 100 ms, so a SIGKILLed node leaves them
// too. It changes nothing in the node, so one probe measures any build the same way.
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.RAFTKV_LOOP_PROBE_FILE;
if (file !== undefined && file !== '') {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const report = () => {
    const ms = (ns) => Math.round(ns / 1e4) / 100;
    writeFileSync(
      file,
      JSON.stringify({ maxMs: ms(histogram.max), p99Ms: ms(histogram.percentile(99)), meanMs: ms(histogram.mean), samples: histogram.count }),
    );
  };
  setInterval(report, 100).unref();
  process.on('exit', report);
}
