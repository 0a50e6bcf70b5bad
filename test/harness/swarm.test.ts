// Swarm runs, pure: each seed draws its own fault mix, interval, rate and latency, within the
// documented ranges, and the replay command runs exactly that test again.
import { describe, expect, it } from 'vitest';
import { NEMESIS_KINDS } from '../../src/harness/nemesis_actions.js';
import { parseTestArgs, type SwarmSettings, type TestOptions } from '../../src/harness/options.js';
import { describeDraw, drawSwarm, replayCommand } from '../../src/harness/swarm.js';

const EVERYTHING: SwarmSettings = { nemesisPool: NEMESIS_KINDS, drawRate: true, drawLatency: true, drawInterval: true };
const BASE = { nemesisIntervalS: 10, rate: 5, latencyMs: 0, latencyDist: 'constant' } as const;

function parse(args: readonly string[]): TestOptions {
  const parsed = parseTestArgs(args, () => 1);
  if (!parsed.ok || parsed.value.kind !== 'run') throw new Error(parsed.ok ? 'help' : parsed.error);
  return parsed.value.options;
}

describe('swarm draws', () => {
  it('follow from the seed alone and differ between seeds', () => {
    expect(drawSwarm(77, EVERYTHING, BASE)).toEqual(drawSwarm(77, EVERYTHING, BASE));
    const draws = new Set(Array.from({ length: 20 }, (_, seed) => describeDraw(drawSwarm(seed, EVERYTHING, BASE))));
    expect(draws.size).toBe(20);
  });

  it('stay within their ranges and cover every kind, alone and mixed', () => {
    const seen = new Set<string>();
    const sizes = new Set<number>();
    let noLatency = 0;
    for (let seed = 0; seed < 400; seed++) {
      const draw = drawSwarm(seed, EVERYTHING, BASE);
      sizes.add(draw.nemesis.length);
      for (const kind of draw.nemesis) seen.add(kind);
      expect(draw.nemesis.length).toBeGreaterThanOrEqual(1);
      expect(draw.nemesis.length).toBeLessThanOrEqual(4);
      expect(draw.nemesisIntervalS).toBeGreaterThanOrEqual(0.3);
      expect(draw.nemesisIntervalS).toBeLessThanOrEqual(4);
      expect(draw.rate).toBeGreaterThanOrEqual(20);
      expect(draw.rate).toBeLessThanOrEqual(400);
      if (draw.latencyMs === 0) {
        noLatency++;
        expect(draw.latencyDist).toBe('constant');
      } else {
        expect(draw.latencyMs).toBeGreaterThanOrEqual(1);
        expect(draw.latencyMs).toBeLessThanOrEqual(30);
      }
    }
    expect([...seen].sort()).toEqual([...NEMESIS_KINDS].sort());
    expect([...sizes].sort()).toEqual([1, 2, 3, 4]);
    expect(noLatency).toBeGreaterThan(80);
    expect(noLatency).toBeLessThan(160);
  });

  it('keep what was given, and draw the mix from the pool only', () => {
    const settings: SwarmSettings = { nemesisPool: ['kill', 'duplicate'], drawRate: false, drawLatency: false, drawInterval: false };
    for (let seed = 0; seed < 50; seed++) {
      const draw = drawSwarm(seed, settings, { nemesisIntervalS: 2, rate: 50, latencyMs: 5, latencyDist: 'uniform' });
      expect(draw).toMatchObject({ nemesisIntervalS: 2, rate: 50, latencyMs: 5, latencyDist: 'uniform' });
      for (const kind of draw.nemesis) expect(['kill', 'duplicate']).toContain(kind);
    }
    // Kept values do not shift the mix drawn for a seed.
    expect(drawSwarm(9, { ...settings, drawRate: true }, BASE).nemesis).toEqual(drawSwarm(9, settings, BASE).nemesis);
  });
});

describe('the replay command', () => {
  it('gives back the options of the run, drawn values spelt out, without --swarm or --test-count', () => {
    const base = parse([
      '-w',
      'lin-kv',
      '--bin',
      'bin/raftkv',
      '--node-count',
      '3',
      '--concurrency',
      '2n',
      '--swarm',
      '--test-count',
      '5',
      '--',
      '--read-mode',
      'lease',
    ]);
    const options: TestOptions = { ...base, ...drawSwarm(31, base.swarm ?? EVERYTHING, base), seed: 31, swarm: null, testCount: 1 };
    const command = replayCommand(options);
    expect(command).not.toMatch(/--swarm|--test-count/);
    const words = command.split(' ');
    expect(words.slice(0, 2)).toEqual(['bin/raftkv-test', 'test']);
    expect(parse(words.slice(2))).toEqual(options);
  });

  it('spells out the txn settings and quotes what the shell would split', () => {
    const options = parse([
      '-w',
      'txn-list-append',
      '--bin',
      'my node.sh',
      '--node-count',
      '3',
      '--no-final-reads',
      '--consistency-models',
      'serializable',
      '--recovery-timeout',
      '3',
    ]);
    const command = replayCommand(options);
    expect(command).toContain("--bin 'my node.sh'");
    expect(command).toContain(
      '--consistency-models serializable --key-count 10 --max-txn-length 4 --max-writes-per-key 16 --key-dist exponential --no-final-reads',
    );
    expect(command).toContain('--recovery-timeout 3');
  });
});
