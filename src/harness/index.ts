// The harness's public API, for the CLI and for scripts (benchmarks) that drive test runs.

export { runTest, resolveBin, initTimeoutMessage, type RunHooks, type TestResult } from './run_test.js';
export { DEFAULT_TEST_OPTIONS, describeOptions, makeTestOptions, parseTestArgs, TEST_USAGE, type TestOptions } from './options.js';
export type { ResultsDocument, Stats, Validity } from './results.js';
export type { WorkloadVerdict } from './verdict.js';
export { killAllLiveProcesses, type ProcessRecord } from './processes.js';
export { runTestCommand } from './cli.js';
