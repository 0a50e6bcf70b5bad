// CI seeds for the 'chaos' fault profile (node count and read mode still vary with the seed).
import { seedRange, simSuite } from './sim_suite.js';

simSuite('whole-node simulation, profile chaos', seedRange(500000, 80), { profile: 'chaos' });
