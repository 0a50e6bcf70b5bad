// What both simulators share: the kernel (the clock and event order, the event bound, the trace
// hash), the fault mechanics (links, partition shapes, the nemesis), and swarm testing: each seed
// draws its own fault rates within its profile's bounds. The draws stay in bounds, a fault a
// profile does not name is never on, one profile's seeds cover many mixes, and the rates are a
// function of (seed, profile) alone, so naming the profile replays them.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/base/rng.js';
import { canHear, type Grudge } from '../../src/harness/partition.js';
import { hashLines, SimKernel, TraceHash } from '../../src/sim/kernel.js';
import { LinkFaults } from '../../src/sim/links.js';
import { bridgeGrudge, drawPartition, SimNemesis, type NemesisTarget } from '../../src/sim/nemesis.js';
import {
  drawFaultRates,
  findProfile,
  NEMESES,
  PROFILES,
  ratesForSeed,
  type FaultBound,
  type FaultProfile,
  type FaultRates,
  type Range,
} from '../../src/sim/profiles.js';
import { runSimulation, setupForSeed } from '../../src/sim/simulator.js';

describe('the simulation kernel', () => {
  it('pops events by time, and events due at the same instant in the order they were scheduled', () => {
    const kernel = new SimKernel<string>(100);
    kernel.schedule(20, 'late');
    kernel.schedule(10, 'a');
    kernel.schedule(10, 'b');
    kernel.schedule(5, 'first');
    kernel.schedule(10, 'c');
    const order: [number, string][] = [];
    for (let event = kernel.next(); event !== undefined; event = kernel.next()) {
      order.push([kernel.now, event]);
      if (event === 'a') kernel.after(0, 'scheduled at 10 while at 10');
    }
    expect(order).toEqual([
      [5, 'first'],
      [10, 'a'],
      [10, 'b'],
      [10, 'c'],
      [10, 'scheduled at 10 while at 10'],
      [20, 'late'],
    ]);
    expect(kernel.eventCount).toBe(6);
    expect(kernel.nextTime()).toBeUndefined();
  });

  it('refuses to schedule in the past and stops a runaway at its event bound', () => {
    const kernel = new SimKernel<number>(3);
    kernel.schedule(10, 1);
    kernel.next();
    expect(() => kernel.schedule(9, 2)).toThrow(/before now/);
    for (let i = 0; i < 5; i++) kernel.after(1, i);
    kernel.next();
    kernel.next();
    expect(() => kernel.next()).toThrow(/more than 3 events/);
  });

  it('hashes what a run did: equal inputs, equal hashes; any difference shows', () => {
    const hash = (parts: readonly (string | number)[]): string => {
      const trace = new TraceHash();
      for (const part of parts)
        if (typeof part === 'string') trace.text(part);
        else trace.ints(part, 1, 2);
      return trace.hex;
    };
    expect(hash(['a', 5, 'b'])).toBe(hash(['a', 5, 'b']));
    expect(hash(['a', 5, 'b'])).not.toBe(hash(['a', 6, 'b']));
    expect(hash([2 ** 40])).not.toBe(hash([2 ** 41]));
    expect(hashLines(['x', 'y'])).toMatch(/^[0-9a-f]{8}$/);
    expect(hashLines(['x', 'y'])).not.toBe(hashLines(['y', 'x']));
  });
});

function rates(overrides: Partial<FaultRates>): FaultRates {
  return { ...drawFaultRates(findProfile('clean') as FaultProfile, new Rng(1)), ...overrides };
}

describe('faulty links', () => {
  it('loses, duplicates and delays within the rates, and does none of it once healed', () => {
    const links = new LinkFaults(rates({ lossChance: 0.3, duplicateChance: 0.2, delayUs: [100, 200], slowChance: 0 }), new Rng(3));
    const counts = { lost: 0, one: 0, two: 0 };
    for (let i = 0; i < 2_000; i++) {
      const arrivals = links.arrivals('n0', 'n1', 1_000);
      for (const at of arrivals) expect(at).toBeGreaterThanOrEqual(1_100);
      for (const at of arrivals) expect(at).toBeLessThanOrEqual(1_200);
      counts[arrivals.length === 0 ? 'lost' : arrivals.length === 1 ? 'one' : 'two']++;
    }
    expect(counts.lost / 2_000).toBeGreaterThan(0.25);
    expect(counts.lost / 2_000).toBeLessThan(0.35);
    expect(counts.two).toBeGreaterThan(0);
    expect(links.stats).toMatchObject({ lost: counts.lost, duplicated: counts.two });
    links.partition(new Map([['n1', new Set(['n0'])]]));
    expect(links.canHear('n1', 'n0')).toBe(false);
    expect(links.canHear('n0', 'n1')).toBe(true);
    links.healAll();
    expect(links.canHear('n1', 'n0')).toBe(true);
    for (let i = 0; i < 500; i++) expect(links.arrivals('n0', 'n1', 5_000)).toHaveLength(1);
  });

  it('holds a clogged link back until the clog ends', () => {
    const links = new LinkFaults(rates({ delayUs: [10, 10] }), new Rng(1));
    links.clog(['n0>n1'], 50_000);
    expect(links.arrivals('n0', 'n1', 1_000)).toEqual([50_010]);
    expect(links.arrivals('n1', 'n0', 1_000)).toEqual([1_010]);
    expect(links.arrivals('n0', 'n1', 60_000)).toEqual([60_010]);
    expect(links.stats.clogs).toBe(1);
  });
});

describe('partition shapes', () => {
  const ids = ['n0', 'n1', 'n2', 'n3', 'n4'];
  const reachable = (grudge: Grudge, dest: string, src: string): boolean => canHear(grudge, dest, src);

  it('joins two halves only through the bridge node', () => {
    const grudge = bridgeGrudge(ids);
    for (const other of ids.slice(1)) expect(reachable(grudge, 'n0', other) && reachable(grudge, other, 'n0')).toBe(true);
    expect(reachable(grudge, 'n1', 'n2')).toBe(true);
    expect(reachable(grudge, 'n1', 'n3')).toBe(false);
    expect(reachable(grudge, 'n4', 'n2')).toBe(false);
  });

  it('draws every kind of shape, and never cuts a node off from itself', () => {
    const rng = new Rng(5);
    const shapes = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const { shape, grudge } = drawPartition(ids, rng);
      shapes.add(shape);
      for (const id of ids) expect(reachable(grudge, id, id)).toBe(true);
    }
    expect([...shapes].sort()).toEqual(['bridge', 'majorities-ring', 'majority', 'minority-third', 'one', 'one-way', 'random-2', 'random-3']);
  });
});

describe('the nemesis', () => {
  /** Five nodes; the test plays the simulator: crashes mark nodes down until restored by hand. */
  function setUp(overrides: Partial<FaultRates>) {
    const up = [true, true, true, true, true];
    const notes: string[] = [];
    const target: NemesisTarget = {
      nodeIds: ['n0', 'n1', 'n2', 'n3', 'n4'],
      isUp: (node) => up[node] === true,
      isLeader: (node) => node === 2 && up[2] === true,
      crash: (node) => {
        expect(up[node]).toBe(true);
        up[node] = false;
      },
      note: (text) => notes.push(text),
    };
    const faultRates = rates({ nemesisWeights: { partition: 0, crash: 0, clog: 0 }, ...overrides });
    const links = new LinkFaults(faultRates, new Rng(2));
    return { nemesis: new SimNemesis(faultRates, new Rng(9), links, target), up, notes, links };
  }

  it('does nothing when no nemesis is on', () => {
    const { nemesis, notes, links } = setUp({});
    for (let i = 0; i < 50; i++) nemesis.step(i);
    expect(notes).toEqual([]);
    expect(links.partitioned).toBe(false);
  });

  it('mostly keeps a majority up, now and then takes more down, and aims at the leader as often as it drew', () => {
    const { nemesis, up, notes } = setUp({ nemesisWeights: { partition: 0, crash: 1, clog: 0 }, leaderCrashChance: 1 });
    let majorityDown = 0;
    for (let round = 0; round < 300; round++) {
      nemesis.step(round);
      if (up.filter((isUp) => !isUp).length > 2) majorityDown++;
      // Restore everyone now and then, as restarts would.
      if (round % 3 === 2) up.fill(true);
    }
    expect(majorityDown).toBeGreaterThan(0);
    expect(majorityDown).toBeLessThan(100);
    // With the leader up, a leader crash chance of 1 always picks it first.
    expect(notes.filter((note) => note.includes('(the leader)')).length).toBeGreaterThan(50);
  });

  it('never takes down more than a minority with targeted crashes', () => {
    const { nemesis, up } = setUp({ voteCrashChance: 1, appendCrashChance: 1 });
    expect(nemesis.targetedCrashDelayUs(false, false)).toBeUndefined();
    const delay = nemesis.targetedCrashDelayUs(true, false);
    expect(delay).toBeGreaterThanOrEqual(0);
    expect(delay).toBeLessThanOrEqual(3_000);
    up[0] = false;
    up[1] = false;
    expect(nemesis.targetedCrashDelayUs(true, true)).toBeUndefined();
  });
});

const within = (value: number, [low, high]: Range): boolean => value >= low && value <= high;
const drawnWithin = (value: number, bound: FaultBound): boolean => value === 0 || within(value, bound.range);

describe('swarm-drawn fault rates', () => {
  it.each(PROFILES.map((profile) => [profile.name, profile] as const))(
    '%s: every draw lies within the bounds, and what the profile does not name stays off',
    (_name, profile: FaultProfile) => {
      for (let seed = 1; seed <= 500; seed++) {
        const rates = drawFaultRates(profile, new Rng(seed));
        const context = `seed ${seed}: ${JSON.stringify(rates)}`;
        expect(within(rates.delayUs[0], profile.delayUs.low), context).toBe(true);
        expect(rates.delayUs[1] >= rates.delayUs[0] && rates.delayUs[1] <= Math.max(profile.delayUs.high[1], rates.delayUs[0]), context).toBe(true);
        expect(drawnWithin(rates.lossChance, profile.loss), context).toBe(true);
        expect(drawnWithin(rates.duplicateChance, profile.duplicate), context).toBe(true);
        expect(drawnWithin(rates.slowChance, profile.slow), context).toBe(true);
        if (profile.loss.on === 0) expect(rates.lossChance).toBe(0);
        if (profile.loss.on === 1) expect(rates.lossChance).toBeGreaterThan(0);
        if (profile.duplicate.on === 0) expect(rates.duplicateChance).toBe(0);
        for (const kind of NEMESES) {
          const weight = rates.nemesisWeights[kind];
          if (profile.nemeses[kind] === 0) expect(weight, `${kind}, ${context}`).toBe(0);
          if (profile.nemeses[kind] === 1) expect(weight, `${kind}, ${context}`).toBeGreaterThan(0);
          expect(weight === 0 || (weight >= 1 && weight <= 4)).toBe(true);
        }
        const [low, high] = rates.nemesisIntervalUs;
        expect(within((low + high) / 2, profile.nemesisMeanUs), context).toBe(true);
        if (rates.nemesisWeights.crash === 0) {
          expect([rates.leaderCrashChance, rates.voteCrashChance, rates.appendCrashChance, rates.crashBeforeSyncChance], context).toEqual([0, 0, 0, 0]);
        } else {
          expect(drawnWithin(rates.voteCrashChance, profile.voteCrash) && drawnWithin(rates.crashBeforeSyncChance, profile.crashBeforeSync), context).toBe(
            true,
          );
        }
        expect(rates.syncDelayUs[0]).toBe(0);
        expect(rates.syncDelayUs[1] === 0 || within(rates.syncDelayUs[1], profile.syncDelayUs.range), context).toBe(true);
      }
    },
  );

  it('gives the seeds of one profile many different mixes, faults on and off among them', () => {
    const chaos = PROFILES.find((profile) => profile.name === 'chaos') as FaultProfile;
    const mixes = new Set<string>();
    const lossRates = new Set<number>();
    let lossOff = 0;
    for (let seed = 1; seed <= 1_000; seed++) {
      const rates = ratesForSeed(seed, chaos);
      mixes.add(NEMESES.map((kind) => (rates.nemesisWeights[kind] > 0 ? kind : '-')).join(','));
      lossRates.add(rates.lossChance);
      if (rates.lossChance === 0) lossOff++;
    }
    // Every subset of the three nemeses, none of them included.
    expect(mixes.size).toBe(8);
    expect(lossRates.size).toBeGreaterThan(500);
    expect(lossOff).toBeGreaterThan(200);
    expect(lossOff).toBeLessThan(600);
  });

  it('draws the rates from the seed and the profile alone: a named profile replays the rates its seed chose', () => {
    for (const seed of [3, 17, 4242]) {
      const setup = setupForSeed(seed);
      expect(ratesForSeed(seed, setup.profile)).toEqual(ratesForSeed(seed, setup.profile));
      const auto = runSimulation({ seed, safetyUs: 300_000 });
      const named = runSimulation({ seed, profile: setup.profile.name, safetyUs: 300_000 });
      expect(auto.rates).toEqual(ratesForSeed(seed, setup.profile));
      expect(named.rates).toEqual(auto.rates);
      expect(named.traceHash).toBe(auto.traceHash);
    }
  });
});

describe('fault profiles in the whole-node simulator', () => {
  type Counter = 'messagesLost' | 'messagesDuplicated' | 'messagesCut' | 'crashes' | 'restarts' | 'partitions' | 'clogs';
  it.each(PROFILES.map((profile) => profile.name))('%s: a fault the seed turned off never happens; one turned on does', (profile) => {
    // Seed 19 turns clogs alone on in lossy and chaos, seed 15 crashes alone in chaos.
    for (const [seed, nodeCount] of [
      [19, 5],
      [15, 3],
    ] as const) {
      const result = runSimulation({ seed, profile, nodeCount, safetyUs: 1_000_000 });
      expect(result.failure).toBeUndefined();
      const { rates, stats } = result;
      const context = `seed ${seed}: ${JSON.stringify(rates)}`;
      const expectOnOff = (on: boolean, counters: readonly Counter[]): void => {
        for (const counter of counters) {
          if (on) expect(stats[counter], `${counter}, ${context}`).toBeGreaterThan(0);
          else expect(stats[counter], `${counter}, ${context}`).toBe(0);
        }
      };
      expectOnOff(rates.lossChance > 0, ['messagesLost']);
      expectOnOff(rates.duplicateChance > 0, ['messagesDuplicated']);
      if (rates.nemesisWeights.partition === 0) expectOnOff(false, ['partitions', 'messagesCut']);
      if (rates.nemesisWeights.crash === 0) expectOnOff(false, ['crashes', 'restarts']);
      if (rates.nemesisWeights.clog === 0) expectOnOff(false, ['clogs']);
      // A nemesis that is the only one on strikes at every step.
      const on = NEMESES.filter((kind) => rates.nemesisWeights[kind] > 0);
      if (on.length === 1 && on[0] === 'partition') expectOnOff(true, ['partitions', 'messagesCut']);
      if (on.length === 1 && on[0] === 'crash') expectOnOff(true, ['crashes', 'restarts']);
      if (on.length === 1 && on[0] === 'clog') expectOnOff(true, ['clogs']);
    }
  });
});
