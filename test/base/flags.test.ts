import { describe, expect, it } from 'vitest';
import { scanFlags, type FlagSpec } from '../../src/base/flags.js';

const SPEC: FlagSpec = {
  values: { '-w': '--workload', '--workload': '--workload', '--rate': '--rate' },
  booleans: new Set(['--dry-run']),
  positional: 'pass-through',
};

describe('scanFlags', () => {
  it('takes values both ways, maps aliases, keeps the last of a repeated flag, and passes the rest through', () => {
    expect(scanFlags(['-w', 'lin-kv', '--rate=5', 'x', '--rate', '7', '--dry-run', '--', '--rate', '9'], SPEC)).toEqual({
      ok: true,
      value: {
        kind: 'flags',
        values: new Map([
          ['--workload', 'lin-kv'],
          ['--rate', '7'],
        ]),
        booleans: new Set(['--dry-run']),
        rest: ['x', '--rate', '9'],
      },
    });
  });

  it('stops at help', () => {
    expect(scanFlags(['--rate', '1', '-h', '--bogus'], SPEC)).toEqual({ ok: true, value: { kind: 'help' } });
  });

  it('refuses unknown flags, missing values, values on booleans, and positional words when told to', () => {
    expect(scanFlags(['--bogus'], SPEC)).toEqual({ ok: false, error: 'unknown option "--bogus" (see --help)' });
    expect(scanFlags(['--rate'], SPEC)).toEqual({ ok: false, error: 'option --rate needs a value' });
    expect(scanFlags(['--dry-run=yes'], SPEC)).toEqual({ ok: false, error: '--dry-run takes no value' });
    expect(scanFlags(['x'], { ...SPEC, positional: 'refuse' })).toEqual({ ok: false, error: 'unexpected argument "x": node arguments go after --' });
  });
});
