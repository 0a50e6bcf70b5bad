import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // Tests that spawn clusters of processes share two cores with CI: keep parallelism modest.
    maxWorkers: 2,
    // The JSON report lets CI print a plain 'N passed, N failed' closing line.
    reporters: ['default', ['json', { outputFile: 'coverage/vitest-results.json' }]],
  },
});
