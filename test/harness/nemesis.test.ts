import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/base/rng.js';
import { NemesisPlanner } from '../../src/harness/nemesis.js';
import { targetSize, type NemesisAction } from '../../src/harness/nemesis_actions.js';

const N5 = ['n0', 'n1', 'n2', 'n3', 'n4'];

describe('nemesis planner', () => {
  it('flip-flops one fault: start, stop, start, ...', () => {
    const planner = new NemesisPlanner(['partition'], N5, 1000, new Rng(1));
    const fs = Array.from({ length: 6 }, () => planner.next().f);
    expect(fs).toEqual(['start-partition', 'stop-partition', 'start-partition', 'stop-partition', 'start-partition', 'stop-partition']);
  });

  it('draws the delay between steps uniformly from [0, 2·interval)', () => {
    const planner = new NemesisPlanner(['partition'], N5, 1000, new Rng(2));
    const delays = Array.from({ length: 5000 }, () => planner.nextDelayMs());
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(2000);
    const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
    expect(mean).toBeGreaterThan(950);
    expect(mean).toBeLessThan(1050);
  });

  it('picks every partition spec, uniformly', () => {
    const planner = new NemesisPlanner(['partition'], N5, 1000, new Rng(3));
    const counts = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      const action = planner.next();
      if (action.f === 'start-partition') counts.set(action.spec, (counts.get(action.spec) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(['majorities-ring', 'majority', 'minority-third', 'one']);
    for (const count of counts.values()) expect(count).toBeGreaterThan(400);
  });

  it("kills and pauses Maelstrom's targets, up to every node, and restarts or resumes exactly those nodes", () => {
    for (const kind of ['kill', 'pause'] as const) {
      const planner = new NemesisPlanner([kind], N5, 1000, new Rng(4));
      const specs = new Set<string>();
      const sizes = new Set<number>();
      for (let i = 0; i < 400; i++) {
        const start = planner.next();
        const stop = planner.next();
        if (start.f !== 'kill' && start.f !== 'pause') throw new Error(`unexpected ${start.f}`);
        specs.add(String(start.spec));
        sizes.add(start.nodes.length);
        expect(new Set(start.nodes).size).toBe(start.nodes.length);
        expect(stop.f).toBe(kind === 'kill' ? 'start' : 'resume');
        expect((stop as { nodes: readonly string[] }).nodes).toEqual(start.nodes);
      }
      expect([...specs].sort()).toEqual(['all', 'majority', 'minority', 'minority-third', 'one', 'some']);
      expect([...sizes].sort()).toEqual([1, 2, 3, 4, 5]);
    }
    expect([1, 3, 5].map((n) => targetSize('minority', n))).toEqual([0, 1, 2]);
    expect([1, 3, 5].map((n) => targetSize('majority', n))).toEqual([1, 2, 3]);
    expect([1, 3, 5].map((n) => targetSize('all', n))).toEqual([1, 3, 5]);
    expect([1, 3, 5].map((n) => targetSize('one', n))).toEqual([1, 1, 1]);
    const rng = new Rng(9);
    const drawn = new Set(Array.from({ length: 200 }, () => targetSize('some', 3, rng)));
    expect([...drawn].sort()).toEqual([1, 2, 3]);
  });

  it('interleaves several faults, each flip-flopping on its own, and heals everything at the end', () => {
    const planner = new NemesisPlanner(['partition', 'kill', 'pause'], N5, 1000, new Rng(5));
    const actions: NemesisAction[] = Array.from({ length: 40 }, () => planner.next());
    const kinds = new Set(actions.map((action) => action.kind));
    expect(kinds).toEqual(new Set(['partition', 'kill', 'pause']));
    for (const kind of kinds) {
      const mine = actions.filter((action) => action.kind === kind).map((action) => action.f);
      for (const [i, f] of mine.entries()) expect(['start-partition', 'kill', 'pause'].includes(f)).toBe(i % 2 === 0);
    }
    const active = new Set(['partition', 'kill', 'pause'].filter((kind) => actions.filter((a) => a.kind === kind).length % 2 === 1));
    const heal = planner.healAll();
    expect(new Set(heal.map((action) => action.kind))).toEqual(active);
    expect(planner.healAll()).toEqual([]);
  });

  it('is deterministic for a seed', () => {
    const run = (): string[] => {
      const planner = new NemesisPlanner(['partition', 'kill'], N5, 1000, new Rng(9));
      return Array.from({ length: 20 }, () =>
        JSON.stringify(planner.next(), (_, v: unknown) => (v instanceof Map ? [...v].map(([k, s]) => [k, [...(s as Set<string>)]]) : v)),
      );
    };
    expect(run()).toEqual(run());
  });
});

describe('nemesis schedule', () => {
  const schedule = (seed: number): string[] => {
    const planner = new NemesisPlanner(['partition', 'kill', 'pause'], N5, 1000, new Rng(seed));
    const steps = Array.from({ length: 60 }, () => {
      const dueMs = planner.nextDueMs();
      return `${dueMs.toFixed(6)} ${JSON.stringify(planner.next())}`;
    });
    return [...steps, JSON.stringify(planner.healAll())];
  };

  it('follows from the seed alone: due times, kinds, targets and partition shapes', () => {
    expect(schedule(31)).toEqual(schedule(31));
    expect(schedule(32)).not.toEqual(schedule(31));
  });

  it('counts due times from the previous due time, not from when a step finished', () => {
    const planner = new NemesisPlanner(['partition'], N5, 1000, new Rng(7));
    const twin = new NemesisPlanner(['partition'], N5, 1000, new Rng(7));
    let due = 0;
    for (let i = 0; i < 50; i++) {
      due += twin.nextDelayMs();
      twin.next();
      const dueMs = planner.nextDueMs();
      planner.next();
      expect(dueMs).toBeCloseTo(due, 9);
    }
  });
});
