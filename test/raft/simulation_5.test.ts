import { seedRange, simulationSuite } from './simulation_suite.js';

// A separate file so vitest runs it in parallel with the 3-node seeds.
simulationSuite(5, seedRange(1, 140));
