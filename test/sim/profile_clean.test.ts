// CI seeds for the 'clean' fault profile (each seed draws its own rates within it; node count, Raft groups per node, read mode, client sessions and workload vary with the seed too).
import { seedRange, simSuite } from './sim_suite.js';

// 60 seeds, not 80 as for the other profiles: clean runs are the longest (every op succeeds)
// and vary least from seed to seed. The 10,000 seeds of a release run cover the rest.
simSuite('whole-node simulation, profile clean', seedRange(100000, 60), { profile: 'clean' });
