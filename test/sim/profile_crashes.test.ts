// CI seeds for the 'crashes' fault profile (node count and read mode still vary with the seed).
import { seedRange, simSuite } from './sim_suite.js';

simSuite('whole-node simulation, profile crashes', seedRange(400000, 80), { profile: 'crashes' });
