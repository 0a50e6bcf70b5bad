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
    expect(parseSimArgs(['--seeds', '0'])).toMatch(/--seeds needs a positive integer \(0 runs would check nothing\)/);
  });

  it('runs a range of seeds and prints a summary', () => {
    let out = '';
    const code = runSimCli(['--seeds', '3', '--from', '10'], (text) => (out += text), () => 0);
    expect(code).toBe(0);
    expect(out).toMatch(/^sim: 3 runs \(seeds 10\.\.12; .*\), 0 failed; virtual [\d.]+ s, wall 0\.0 s/m);
  });

  it('says how far a long run got, every few seconds of wall time', () => {
    let out = '';
    let clockMs = 0;
    // Each look at the clock finds 3 s more: a progress line after every second run.
    const code = runSimCli(['--seeds', '6', '--profile', 'clean'], (text) => (out += text), () => (clockMs += 3_000));
    expect(code).toBe(0);
    const progress = out.split('\n').filter((line) => line.startsWith('... '));
    expect(progress).toHaveLength(2);
    expect(progress[0]).toMatch(/^\.\.\. \d\/6 runs \(\d+%\), 0 failed, [\d.]+ s, about \d+ s left$/);
    expect(out.trimEnd().split('\n').at(-1)).toMatch(/^sim: 6 runs/);
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
