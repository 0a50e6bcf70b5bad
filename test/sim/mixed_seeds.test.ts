// CI seeds with everything chosen by the seed: profile (and its fault rates), node count, read mode, client sessions.
import { seedRange, simSuite } from './sim_suite.js';

simSuite('whole-node simulation, setup chosen per seed', seedRange(1, 80));
