// CI seeds with everything chosen by the seed: profile (and its fault rates), node count, Raft groups per node, read mode, client sessions,
// workload (a third run txn-list-append or txn-rw-register).
import { seedRange, simSuite } from './sim_suite.js';

simSuite('whole-node simulation, setup chosen per seed', seedRange(1, 100));

// Nodes of two Raft groups (keys split by a hash), over the profiles the seeds pick: every group
// of every node on the simulated disk, each group checked on its own, sessions off.
simSuite('whole-node simulation, two Raft groups per node', seedRange(600000, 40), { groupCount: 2 });
