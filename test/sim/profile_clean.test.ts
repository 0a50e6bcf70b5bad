// CI seeds for the 'clean' fault profile (node count and read mode still vary with the seed).
import { seedRange, simSuite } from './sim_suite.js';

simSuite('whole-node simulation, profile clean', seedRange(100000, 80), { profile: 'clean' });
