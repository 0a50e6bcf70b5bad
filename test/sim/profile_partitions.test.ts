// CI seeds for the 'partitions' fault profile (each seed draws its own rates within it; node count, Raft groups per node, read mode, client sessions and workload vary with the seed too).
import { seedRange, simSuite } from './sim_suite.js';

simSuite('whole-node simulation, profile partitions', seedRange(200000, 80), { profile: 'partitions' });
