// The durability options of bin/raftkv: where the data lives and whether it is used.
import { describe, expect, it } from 'vitest';
import { NODE_USAGE, parseNodeOptions } from '../../src/runtime/node_options.js';

function run(argv: string[], env: Record<string, string> = {}): Record<string, unknown> | string {
  const parsed = parseNodeOptions(argv, env);
  if (!parsed.ok) return parsed.error;
  return parsed.value.kind === 'run' ? { ...parsed.value.options } : 'help';
}

describe('node options: durability', () => {
  it('takes the data directory from the flag or the environment, the flag first', () => {
    expect(run([])).toMatchObject({ dataDir: undefined, storage: 'auto', snapshotEveryEntries: 10_000 });
    expect(run([], { RAFTKV_DATA_DIR: '/d/env' })).toMatchObject({ dataDir: '/d/env' });
    expect(run(['--data-dir', '/d/flag'], { RAFTKV_DATA_DIR: '/d/env' })).toMatchObject({ dataDir: '/d/flag' });
    expect(run(['--snapshot-every=500'])).toMatchObject({ snapshotEveryEntries: 500 });
  });

  it('ignores the data directory with --storage memory, and requires one with disk or lazy', () => {
    expect(run(['--storage', 'memory'], { RAFTKV_DATA_DIR: '/d' })).toMatchObject({ dataDir: undefined, storage: 'memory' });
    expect(run(['--storage', 'disk'])).toMatch(/--storage disk needs a data directory/);
    expect(run(['--storage', 'disk', '--data-dir', '/d'])).toMatchObject({ dataDir: '/d', storage: 'disk' });
    expect(run(['--storage', 'lazy'])).toMatch(/--storage lazy needs a data directory/);
    expect(run(['--storage', 'lazy'], { RAFTKV_DATA_DIR: '/d' })).toMatchObject({ dataDir: '/d', storage: 'lazy' });
  });

  it('refuses bad values', () => {
    expect(run(['--data-dir', ''])).toMatch(/must not be empty/);
    expect(run(['--storage', 'tape'])).toMatch(/--storage must be one of auto, memory, disk/);
    expect(run(['--snapshot-every', '0'])).toMatch(/--snapshot-every/);
  });
});

describe('node options: messages about bad values', () => {
  it('names the flag when the value came from a flag', () => {
    expect(run(['--tick-ms', 'x'])).toBe('--tick-ms must be an integer from 1 to 1000; got "x"');
    expect(run(['--read-mode=fast'], { RAFTKV_READ_MODE: 'lease' })).toBe(
      '--read-mode must be one of log, read-index, lease, follower, bounded-staleness; got "fast"',
    );
    expect(run(['--log-level', 'loud'])).toBe('--log-level must be one of debug, info, warn, error; got "loud"');
    expect(run(['--storage', 'disk'])).toBe('--storage disk needs a data directory (--data-dir or RAFTKV_DATA_DIR)');
  });

  it('names the environment variable when the value came from one', () => {
    expect(run([], { RAFTKV_TICK_MS: 'x' })).toBe('RAFTKV_TICK_MS must be an integer from 1 to 1000; got "x"');
    expect(run([], { RAFTKV_MAX_LINE_BYTES: '12' })).toBe('RAFTKV_MAX_LINE_BYTES must be an integer from 1024 to 268435456; got "12"');
    expect(run([], { RAFTKV_LOG_LEVEL: 'loud' })).toBe('RAFTKV_LOG_LEVEL must be one of debug, info, warn, error; got "loud"');
    expect(run([], { RAFTKV_DATA_DIR: '' })).toBe('RAFTKV_DATA_DIR must not be empty');
    expect(run([], { RAFTKV_STORAGE: 'disk' })).toBe('RAFTKV_STORAGE disk needs a data directory (--data-dir or RAFTKV_DATA_DIR)');
    // A flag given wins over a bad variable, which is then never read.
    expect(run(['--tick-ms', '5'], { RAFTKV_TICK_MS: 'x' })).toMatchObject({ tickMs: 5 });
  });

  it('takes integers only as decimal digits: an empty value is not 0, nor is 0x10 sixteen', () => {
    expect(run([], { RAFTKV_SEED: '' })).toBe('RAFTKV_SEED must be an integer from 0 to 4294967295; got ""');
    expect(run(['--seed', ' '])).toBe('--seed must be an integer from 0 to 4294967295; got " "');
    expect(run(['--tick-ms', '0x10'])).toMatch(/^--tick-ms must be an integer/);
    expect(run(['--tick-ms', '1e1'])).toMatch(/^--tick-ms must be an integer/);
    expect(run(['--seed', '42'])).toMatchObject({ seed: 42 });
  });
});

describe('node options: Raft groups', () => {
  it('hosts one group unless told, takes a count from the flag or RAFTKV_GROUPS, and refuses 0 or too many', () => {
    expect(run([])).toMatchObject({ groupCount: 1 });
    expect(run(['--groups', '2'])).toMatchObject({ groupCount: 2 });
    expect(run([], { RAFTKV_GROUPS: '3' })).toMatchObject({ groupCount: 3 });
    expect(run(['--groups', '0'])).toBe('--groups must be an integer from 1 to 64; got "0"');
    expect(run([], { RAFTKV_GROUPS: '65' })).toBe('RAFTKV_GROUPS must be an integer from 1 to 64; got "65"');
  });
});

describe('node options: txn mode', () => {
  it('runs txns in batch mode unless told, takes batch, occ or si from the flag or RAFTKV_TXN_MODE, and refuses others', () => {
    expect(run([])).toMatchObject({ txnMode: 'batch' });
    expect(run(['--txn-mode', 'batch'])).toMatchObject({ txnMode: 'batch' });
    expect(run([], { RAFTKV_TXN_MODE: 'batch' })).toMatchObject({ txnMode: 'batch' });
    expect(run(['--txn-mode', 'occ'])).toMatchObject({ txnMode: 'occ' });
    expect(run([], { RAFTKV_TXN_MODE: 'si' })).toMatchObject({ txnMode: 'si' });
    expect(run(['--txn-mode', 'locking'])).toBe('--txn-mode must be one of batch, occ, si; got "locking"');
  });

  it('says in its help that si is not serializable', () => {
    expect(NODE_USAGE).toMatch(/si +snapshot isolation[\s\S]*NOT serializable \(write skew\)/);
    expect(NODE_USAGE).toMatch(/occ +optimistic[\s\S]*strict-serializable/);
  });
});

describe('node options: MVCC retention', () => {
  it('keeps 10,000 entries of versions unless told, takes a count from the flag or RAFTKV_MVCC_RETENTION, 0 included, and refuses a negative one', () => {
    expect(run([])).toMatchObject({ mvccRetentionEntries: 10_000 });
    expect(run(['--mvcc-retention', '5'])).toMatchObject({ mvccRetentionEntries: 5 });
    expect(run([], { RAFTKV_MVCC_RETENTION: '0' })).toMatchObject({ mvccRetentionEntries: 0 });
    expect(run(['--mvcc-retention', '-1'])).toEqual(expect.stringContaining('--mvcc-retention must be an integer from 0'));
  });
});

describe('node options: txn early abort, backoff and retries', () => {
  it('keeps early abort and backoff on and 7 retries unless told', () => {
    expect(run([])).toMatchObject({ txnEarlyAbort: true, txnBackoffTicks: 2, txnRetries: 7 });
  });

  it('switches early abort and backoff with on or off, or 1 or 0 for early abort (as the environment says it), the flag first', () => {
    expect(run(['--txn-early-abort', 'off'])).toMatchObject({ txnEarlyAbort: false, txnBackoffTicks: 2 });
    expect(run([], { RAFTKV_TXN_EARLY_ABORT: '0' })).toMatchObject({ txnEarlyAbort: false });
    expect(run([], { RAFTKV_TXN_EARLY_ABORT: '1' })).toMatchObject({ txnEarlyAbort: true });
    expect(run(['--txn-backoff=off'])).toMatchObject({ txnBackoffTicks: 0, txnEarlyAbort: true });
    expect(run([], { RAFTKV_TXN_BACKOFF: '0' })).toMatchObject({ txnBackoffTicks: 0 });
    expect(run(['--txn-backoff', 'on'], { RAFTKV_TXN_BACKOFF: '0' })).toMatchObject({ txnBackoffTicks: 2 });
    expect(run(['--txn-early-abort', 'no'])).toBe('--txn-early-abort must be on, off, 1 or 0; got "no"');
  });

  it('takes the longest backoff in ticks, 0 being off, and refuses anything else', () => {
    expect(run(['--txn-backoff', '16'])).toMatchObject({ txnBackoffTicks: 16 });
    expect(run([], { RAFTKV_TXN_BACKOFF: '1' })).toMatchObject({ txnBackoffTicks: 1 });
    expect(run([], { RAFTKV_TXN_BACKOFF: 'false' })).toBe('RAFTKV_TXN_BACKOFF must be on, off or a number of ticks from 0 to 1000; got "false"');
    expect(run(['--txn-backoff', '1001'])).toBe('--txn-backoff must be on, off or a number of ticks from 0 to 1000; got "1001"');
  });

  it('takes retries after the first attempt from the flag or RAFTKV_TXN_RETRIES, 0 included, and refuses others', () => {
    expect(run(['--txn-retries', '3'])).toMatchObject({ txnRetries: 3 });
    expect(run([], { RAFTKV_TXN_RETRIES: '0' })).toMatchObject({ txnRetries: 0 });
    expect(run(['--txn-retries', '-1'])).toBe('--txn-retries must be an integer from 0 to 1000; got "-1"');
    expect(run([], { RAFTKV_TXN_RETRIES: '1001' })).toBe('RAFTKV_TXN_RETRIES must be an integer from 0 to 1000; got "1001"');
  });

  it('names each switch and its environment variable in the help (the contention study looks for them there)', () => {
    for (const name of ['--txn-early-abort', 'RAFTKV_TXN_EARLY_ABORT', '--txn-backoff', 'RAFTKV_TXN_BACKOFF', '--txn-retries', 'RAFTKV_TXN_RETRIES']) {
      expect(NODE_USAGE).toContain(name);
    }
  });
});
