// CI seeds for the 'partitions' fault profile (node count and read mode still vary with the seed).
import { seedRange, simSuite } from './sim_suite.js';

simSuite('whole-node simulation, profile partitions', seedRange(200000, 80), { profile: 'partitions' });
