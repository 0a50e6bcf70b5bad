// CI seeds for the 'crashes' fault profile (each seed draws its own rates within it; node count, Raft groups per node, read mode, client sessions and workload vary with the seed too).
import { seedRange, simSuite } from './sim_suite.js';

simSuite('whole-node simulation, profile crashes', seedRange(400000, 80), { profile: 'crashes' });
