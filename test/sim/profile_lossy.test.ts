// CI seeds for the 'lossy' fault profile (node count and read mode still vary with the seed).
import { seedRange, simSuite } from './sim_suite.js';

simSuite('whole-node simulation, profile lossy', seedRange(300000, 80), { profile: 'lossy' });
