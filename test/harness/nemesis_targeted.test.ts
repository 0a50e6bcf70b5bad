// The targeted nemeses' decisions, pure: whom they pick from a traffic sample, when they react,
// what spikes and duplication they draw, and that traffic never shifts the seed's schedule.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/base/rng.js';
import { MAX_CHASE_MOVES, MAX_ELECTION_MOVES, NemesisPlanner, POLL_MS } from '../../src/harness/nemesis.js';
import { actionOutcomeValue, NEMESIS_GROUPS, TARGETED_NEMESIS_KINDS, type NemesisKind } from '../../src/harness/nemesis_actions.js';
import {
  DEFAULT_FAILOVER_MS,
  DUPLICATE_MAX_DELAY_MS,
  DUPLICATE_MAX_PROBABILITY,
  DUPLICATE_MIN_DELAY_MS,
  DUPLICATE_MIN_PROBABILITY,
  drawDuplication,
  drawSpike,
  SPIKE_MAX_MS,
  SPIKE_MIN_MS,
  SPIKE_SPECS,
} from '../../src/harness/nemesis_targets.js';
import { describeGrudge, type Grudge } from '../../src/harness/partition.js';

const N3 = ['n0', 'n1', 'n2'];
const N5 = ['n0', 'n1', 'n2', 'n3', 'n4'];

function planner(kinds: readonly NemesisKind[], seed: number, nodes = N3): NemesisPlanner {
  return new NemesisPlanner(kinds, nodes, 1000, new Rng(seed), { targetRng: new Rng(seed + 1000) });
}

/** Raft-like traffic: every 10 ms the leader sends to each other node and each follower answers. */
function lead(p: NemesisPlanner, leader: string, nodes: readonly string[], fromMs: number, toMs: number, silent: readonly string[] = []): void {
  for (let t = fromMs; t < toMs; t += 10) {
    for (const node of nodes) if (node !== leader) p.sent(leader, node, t);
    for (const node of nodes) if (node !== leader && !silent.includes(node)) p.sent(node, leader, t + 1);
  }
}

function isolated(grudge: Grudge): string[] {
  // The node cut off alone drops everyone; the others drop only it.
  const described = describeGrudge(grudge);
  return Object.keys(described).filter((dest) => (described[dest] ?? []).length === Object.keys(described).length - 1);
}

describe('leader-targeted nemeses', () => {
  it('partition-leader, kill-leader and pause-leader take the node that sent the most', () => {
    for (const kind of ['partition-leader', 'kill-leader', 'pause-leader'] as const) {
      const p = planner([kind], 1, N5);
      lead(p, 'n3', N5, 0, 1000);
      const action = p.next(1000);
      expect(action.kind).toBe(kind);
      if (action.f === 'start-partition') expect(isolated(action.grudge)).toEqual(['n3']);
      else if (action.f === 'kill' || action.f === 'pause') expect(action.nodes).toEqual(['n3']);
      else throw new Error(`unexpected ${action.f}`);
      const outcome = actionOutcomeValue(action) as { messages: number; 'to-each': number };
      // The leader sends to four followers alike; each follower answers it alone.
      expect(outcome).toMatchObject({ 'likely-leader': 'n3', judged: true, 'runner-up': 0 });
      expect(outcome.messages).toBe(4 * outcome['to-each']);
      // The next step of the kind undoes it.
      expect(p.next(2000).f).toBe(kind === 'partition-leader' ? 'stop-partition' : kind === 'kill-leader' ? 'start' : 'resume');
    }
  });

  it('draws a node when the traffic names none, and says so', () => {
    const p = planner(['kill-leader'], 2);
    const action = p.next(0);
    if (action.f !== 'kill') throw new Error(`unexpected ${action.f}`);
    expect(N3).toContain(action.nodes[0]);
    expect(action.leader?.judged).toBe(false);
  });

  it('passes over the nodes the nemesis itself killed or paused', () => {
    // A seed whose first two steps are a kill-leader, then a partition-leader.
    const seed = Array.from({ length: 100 }, (_, i) => i).find((candidate) => {
      const probe = planner(['kill-leader', 'partition-leader'], candidate);
      return probe.next(0).f === 'kill' && probe.next(0).f === 'start-partition';
    });
    if (seed === undefined) throw new Error('no seed starts with a kill-leader and a partition-leader');
    const p = planner(['kill-leader', 'partition-leader'], seed);
    lead(p, 'n0', N3, 0, 1000);
    expect(p.next(1000)).toMatchObject({ f: 'kill', nodes: ['n0'] });
    // n1 leads now; n0's earlier sends are still in the window, but n0 is down.
    lead(p, 'n1', ['n1', 'n2'], 1000, 1200);
    const partition = p.next(1200);
    expect(partition.f === 'start-partition' && isolated(partition.grudge)).toEqual(['n1']);
  });
});

describe('partition-new-leader', () => {
  it('cuts off each new leader as soon as the traffic shows it, and never a node while unclear', () => {
    const p = planner(['partition-new-leader'], 4);
    lead(p, 'n0', N3, 0, 1000);
    const start = p.next(1000);
    expect(start.f === 'start-partition' && isolated(start.grudge)).toEqual(['n0']);
    expect(p.wakeAtMs(1000)).toBe(1000 + POLL_MS);
    // An election: n1 and n2 send alike; no reaction.
    for (let t = 1000; t < 1200; t += 10) for (const node of N3) for (const peer of N3) if (peer !== node) p.sent(node, peer, t);
    expect(p.poll(1200)).toEqual([]);
    // n2 wins: it sends to n0 (cut off) and n1; n1 answers only n2.
    lead(p, 'n2', N3, 1200, 1500, ['n0']);
    const [move] = p.poll(1500);
    expect(move?.f).toBe('move-partition');
    if (move?.f !== 'move-partition') throw new Error('no move');
    expect(isolated(move.grudge)).toEqual(['n2']);
    expect(move.why).toMatch(/^new likely leader n2 .* after n0 was cut off$/);
    // Nothing new since the move: no second one.
    expect(p.poll(1510)).toEqual([]);
    // The stop heals and the reactions end.
    expect(p.next(2000).f).toBe('stop-partition');
    expect(p.wakeAtMs(2000)).toBe(Infinity);
    expect(p.poll(2000)).toEqual([]);
  });

  it(`moves at most ${MAX_CHASE_MOVES} times per fault`, () => {
    const p = planner(['partition-new-leader'], 5);
    lead(p, 'n0', N3, 0, 1000);
    p.next(1000);
    let cutOff = 'n0';
    let moves = 0;
    for (let round = 1; round <= 2 * MAX_CHASE_MOVES; round++) {
      const t = 1000 + round * 300;
      // The node after the one cut off wins each election.
      const winner = N3[(N3.indexOf(cutOff) + 1) % N3.length] as string;
      lead(p, winner, N3, t - 200, t, [cutOff]);
      if (p.poll(t).length === 0) continue;
      moves++;
      cutOff = winner;
    }
    expect(moves).toBe(MAX_CHASE_MOVES);
  });
});

describe('partition-election', () => {
  it('re-partitions 1 to 3 times while the election runs, each 0.2 to 1 failover times after the last change', () => {
    for (let seed = 0; seed < 30; seed++) {
      const p = planner(['partition-election'], seed);
      lead(p, 'n1', N3, 0, 1000);
      const start = p.next(1000);
      expect(start.f === 'start-partition' && isolated(start.grudge)).toEqual(['n1']);
      const moves: number[] = [];
      for (let t = 1000; t <= 5000; t += 5) {
        for (const action of p.poll(t)) {
          expect(action).toMatchObject({ f: 'move-partition', kind: 'partition-election' });
          moves.push(t);
        }
      }
      expect(moves.length, `seed ${seed}`).toBeGreaterThanOrEqual(1);
      expect(moves.length, `seed ${seed}`).toBeLessThanOrEqual(MAX_ELECTION_MOVES);
      let last = 1000;
      for (const at of moves) {
        expect(at - last, `seed ${seed}`).toBeGreaterThanOrEqual(0.2 * DEFAULT_FAILOVER_MS);
        expect(at - last, `seed ${seed}`).toBeLessThanOrEqual(DEFAULT_FAILOVER_MS + 5);
        last = at;
      }
      expect(p.next(6000).f).toBe('stop-partition');
    }
  });

  it('learns how long elections take here and times its re-partitions by it', () => {
    const kinds = ['partition-leader', 'partition-election'] as const;
    // A seed whose first step starts a partition-leader.
    const seed = Array.from({ length: 100 }, (_, i) => i).find((candidate) => planner(kinds, candidate).next(0).kind === 'partition-leader');
    if (seed === undefined) throw new Error('no seed starts with a partition-leader');
    const p = planner(kinds, seed);
    expect(p.failover.ms).toBe(DEFAULT_FAILOVER_MS);
    lead(p, 'n0', N3, 0, 1000);
    expect(p.next(1000)).toMatchObject({ kind: 'partition-leader', f: 'start-partition' });
    // n2 leads from 1200 on, clearly by 1300.
    lead(p, 'n2', N3, 1200, 1300, ['n0']);
    p.poll(1300);
    expect(p.failover.ms).toBe(300);
    expect(p.failover.count).toBe(1);
    // Until a partition-election starts (after the partition-leader stops); its first move comes 60-300 ms later.
    let t = 2000;
    for (let action = p.next(t); !(action.kind === 'partition-election' && action.f === 'start-partition') && t < 10_000; action = p.next(t)) t += 10;
    let moved = t;
    while (p.poll(moved).length === 0 && moved < t + 2000) moved += 1;
    expect(moved - t).toBeGreaterThanOrEqual(60);
    expect(moved - t).toBeLessThanOrEqual(300);
  });
});

describe('delay spikes and duplication', () => {
  it('draw links of every shape and delays within bounds, the leader-out spike from the leader', () => {
    const rng = new Rng(7);
    const specs = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const spike = drawSpike(rng, N5, 'n2');
      specs.add(spike.spec);
      expect(spike.extraMs).toBeGreaterThanOrEqual(SPIKE_MIN_MS);
      expect(spike.extraMs).toBeLessThanOrEqual(SPIKE_MAX_MS);
      for (const link of spike.links) expect(link.src).not.toBe(link.dest);
      if (spike.spec === 'link') expect(spike.links).toHaveLength(1);
      if (spike.spec === 'leader-out') expect(spike.links.map((link) => link.src)).toEqual(['n2', 'n2', 'n2', 'n2']);
      if (spike.spec === 'node') expect(spike.links).toHaveLength(8);
    }
    expect([...specs].sort()).toEqual([...SPIKE_SPECS].sort());
    for (let i = 0; i < 500; i++) {
      const duplication = drawDuplication(rng);
      expect(duplication.probability).toBeGreaterThanOrEqual(DUPLICATE_MIN_PROBABILITY);
      expect(duplication.probability).toBeLessThanOrEqual(DUPLICATE_MAX_PROBABILITY);
      expect(duplication.maxDelayMs).toBeGreaterThanOrEqual(DUPLICATE_MIN_DELAY_MS);
      expect(duplication.maxDelayMs).toBeLessThanOrEqual(DUPLICATE_MAX_DELAY_MS);
    }
  });

  it('flip-flop like every kind, and are healed at the end', () => {
    const p = planner(['delay-spike', 'duplicate'], 8);
    const actions = Array.from({ length: 9 }, (_, i) => p.next(i * 100));
    for (const kind of ['delay-spike', 'duplicate'] as const) {
      const fs = actions.filter((action) => action.kind === kind).map((action) => action.f);
      for (const [i, f] of fs.entries()) expect(f.startsWith('start-')).toBe(i % 2 === 0);
    }
    const healed = p.healAll();
    expect(healed.every((action) => action.f.startsWith('stop-'))).toBe(true);
    expect(p.healAll()).toEqual([]);
  });
});

describe('the targeted schedule', () => {
  const stringify = (value: unknown): string =>
    JSON.stringify(value, (_, v: unknown) => (v instanceof Map ? [...v].map(([k, s]) => [k, [...(s as Set<string>)]]) : v instanceof Set ? [...v] : v));

  const run = (seed: number, leader: string): { schedule: string[]; actions: string[] } => {
    const p = planner(NEMESIS_GROUPS['all'] ?? [], seed, N5);
    const schedule: string[] = [];
    const actions: string[] = [];
    for (let step = 0; step < 40; step++) {
      const due = p.nextDueMs();
      lead(p, leader, N5, due - 300, due);
      const action = p.next(due);
      schedule.push(`${due.toFixed(6)} ${action.kind} ${action.f}`);
      actions.push(stringify(action));
      actions.push(stringify(p.poll(due + 50)));
    }
    return { schedule, actions };
  };

  it('repeats for the same seed and traffic, and its due times and kinds never depend on the traffic', () => {
    expect(run(41, 'n1')).toEqual(run(41, 'n1'));
    const other = run(41, 'n4');
    expect(other.schedule).toEqual(run(41, 'n1').schedule);
    expect(other.actions).not.toEqual(run(41, 'n1').actions);
  });

  it('names every targeted kind in the targeted group', () => {
    expect(NEMESIS_GROUPS['targeted']).toEqual(TARGETED_NEMESIS_KINDS);
  });
});
