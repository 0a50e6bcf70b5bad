// CI seeds for the 'lossy' fault profile (node count, read mode and client sessions still vary with the seed).
import { seedRange, simSuite } from './sim_suite.js';

simSuite('whole-node simulation, profile lossy', seedRange(300000, 80), { profile: 'lossy' });

// Seed 102376 (lossy, 3 nodes, log reads) once made the invariant checker wrongly ask a stale
// leader, elected by a delayed vote after a newer term had committed, for the newer entries. The
// swarm rates changed that seed's run, and 16,000 seeds of the new mixes do not reproduce it, so
// the case lives on as a hand-driven scenario (test/raft/cluster_checker.test.ts); the seed
// stays here as one more lossy run.
simSuite('whole-node simulation, regression seeds', [102376], { profile: 'lossy', nodeCount: 3, readMode: 'log' });
