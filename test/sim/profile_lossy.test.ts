// CI seeds for the 'lossy' fault profile (node count, Raft groups per node, read mode, client sessions and workload still vary with the seed).
import { seedRange, simSuite } from './sim_suite.js';

simSuite('whole-node simulation, profile lossy', seedRange(300000, 80), { profile: 'lossy' });
