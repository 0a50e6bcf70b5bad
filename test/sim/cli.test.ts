// The sim command's argument parsing, summary and exit codes (the wall clock is injected).
import { describe, expect, it } from 'vitest';
import { parseSimArgs, runSimCli } from '../../src/sim/cli.js';

describe('sim CLI', () => {
  it('parses its options and rejects bad ones', () => {
    expect(parseSimArgs(['--seeds', '10', '--from', '5', '--profile', 'chaos'])).toMatchObject({ seeds: 10, from: 5, profile: 'chaos', trace: false });
    expect(parseSimArgs(['--seed', '3', '--trace', '--nodes', '5', '--read-mode', 'lease'])).toMatchObject({ seed: 3, trace: true, nodeCount: 5, readMode: 'lease' });
    expect(parseSimArgs(['--profile', 'nope'])).toMatch(/--profile must be one of clean/);
    expect(parseSimArgs(['--seeds', 'x'])).toMatch(/--seeds needs/);
    expect(parseSimArgs(['--bogus'])).toMatch(/unknown argument --bogus/);
  });

  it('runs a range of seeds and prints a summary', () => {
    let out = '';
    const code = runSimCli(['--seeds', '3', '--from', '10'], (text) => (out += text), () => 0);
    expect(code).toBe(0);
    expect(out).toMatch(/^sim: 3 runs \(seeds 10\.\.12; .*\), 0 failed; virtual [\d.]+ s, wall 0\.0 s/m);
  });

  it('exits non-zero and prints the replay command of a failing seed', () => {
    let out = '';
    const code = runSimCli(['--seed', '1', '--profile', 'clean', '--read-mode', 'bounded-staleness'], (text) => (out += text), () => 0);
    expect(code).toBe(1);
    expect(out).toContain('seed 1 FAILED (clean): linearizability: invalid');
    expect(out).toContain('npm run sim -- --seed 1 --profile clean');
    expect(out).toMatch(/1 failed/);
  });
});
