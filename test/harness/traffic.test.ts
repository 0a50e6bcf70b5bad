// The likely leader judged from traffic alone: per pair of nodes, the sends in a sliding window;
// the leader is the node that sent the most to the peer it sent least to. And who fanned out last.
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAFFIC_WINDOW, FanOutWatch, LeaderTracker } from '../../src/harness/traffic.js';

const N3 = ['n0', 'n1', 'n2'];

/** Raft-like traffic: every `periodMs` the leader sends to each other node and each follower (not `silent`) answers. */
function raftTraffic(tracker: LeaderTracker, leader: string, fromMs: number, toMs: number, silent: readonly string[] = [], periodMs = 10): void {
  for (let t = fromMs; t < toMs; t += periodMs) {
    for (const node of N3) if (node !== leader) tracker.sent(leader, node, t);
    for (const node of N3) if (node !== leader && !silent.includes(node)) tracker.sent(node, leader, t + 1);
  }
}

describe('LeaderTracker', () => {
  it('names the node that sent the most to each of its peers in the last second, and calls its lead clear', () => {
    const tracker = new LeaderTracker(N3);
    raftTraffic(tracker, 'n1', 0, 500);
    expect(tracker.judge(500)).toMatchObject({ node: 'n1', messages: 100, toEach: 50, runnerUp: 0, total: 200, clear: true });
  });

  it('never ranks a busy follower above the leader: a follower sends to its leader only', () => {
    const tracker = new LeaderTracker(N3);
    raftTraffic(tracker, 'n0', 0, 500);
    // n2 forwards a flood of client requests to n0: more messages than n0 sent, all to one peer.
    for (let t = 0; t < 500; t += 2) tracker.sent('n2', 'n0', t);
    const judged = tracker.judge(500);
    expect(judged).toMatchObject({ node: 'n0', toEach: 50, clear: true });
    expect(judged.messages).toBeLessThan(300);
  });

  it('forgets what fell out of the window', () => {
    const tracker = new LeaderTracker(N3);
    raftTraffic(tracker, 'n1', 0, 500);
    raftTraffic(tracker, 'n2', 1500, 1800);
    const judged = tracker.judge(1800);
    expect(judged.node).toBe('n2');
    // Only the last second counts.
    expect(judged.total).toBe(120);
    expect(tracker.judge(5000)).toMatchObject({ node: null, messages: 0, total: 0, clear: false });
  });

  it('counts only what followed `sinceMs`, passes over excluded nodes, and does not ask a leader to send to nodes down', () => {
    const tracker = new LeaderTracker(N3);
    raftTraffic(tracker, 'n0', 0, 400);
    // n0 is cut off at 400 and keeps sending into the void; n2 wins and leads n1, still sending to n0.
    for (let t = 400; t < 600; t += 10) for (const peer of ['n1', 'n2']) tracker.sent('n0', peer, t);
    raftTraffic(tracker, 'n2', 600, 800, ['n0']);
    expect(tracker.judge(800).node).toBe('n0');
    expect(tracker.judge(800, { sinceMs: 400, exclude: new Set(['n0']) })).toMatchObject({ node: 'n2', toEach: 20, clear: true });
    // n2 leads n1 alone, n0 being down: it sends nothing to n0, and is still the leader.
    const alone = new LeaderTracker(N3);
    for (let t = 0; t < 200; t += 10) {
      alone.sent('n2', 'n1', t);
      alone.sent('n1', 'n2', t + 1);
    }
    expect(alone.judge(200, { exclude: new Set(['n0']), down: new Set(['n0']) }).toEach).toBe(20);
    expect(alone.judge(200, { exclude: new Set(['n0']) }).toEach).toBe(0);
  });

  it('is not clear during an election, for a lone sender, for a burst, or with too few messages', () => {
    // Candidates n1 and n2 each ask both peers once.
    const election = new LeaderTracker(N3);
    for (const node of ['n1', 'n2']) for (const peer of N3) if (peer !== node) election.sent(node, peer, 10);
    expect(election.judge(20)).toMatchObject({ node: 'n1', toEach: 1, runnerUp: 1, clear: false });
    // A candidate whose peers are all cut off or dead: nobody answers.
    const lone = new LeaderTracker(N3);
    for (let t = 0; t < 1000; t += 100) for (const peer of ['n1', 'n2']) lone.sent('n0', peer, t);
    expect(lone.judge(1000)).toMatchObject({ node: 'n0', runnerUp: 0, clear: false });
    // Twenty to each peer in two buckets, answered: a burst, not a leader.
    const burst = new LeaderTracker(N3);
    for (const t of [0, 100]) for (let i = 0; i < 10; i++) for (const peer of ['n1', 'n2']) burst.sent('n0', peer, t);
    burst.sent('n1', 'n0', 5);
    expect(burst.judge(200)).toMatchObject({ node: 'n0', toEach: 20, clear: false });
    burst.sent('n0', 'n1', 150);
    burst.sent('n0', 'n2', 150);
    expect(burst.judge(200).clear).toBe(true);
    // One short of the minimum to each peer.
    const few = new LeaderTracker(N3);
    for (let i = 0; i < DEFAULT_TRAFFIC_WINDOW.clearMinToEach - 1; i++) for (const peer of ['n1', 'n2']) few.sent('n0', peer, i * 25);
    few.sent('n1', 'n0', 30);
    expect(few.judge(200)).toMatchObject({ node: 'n0', clear: false });
    for (const peer of ['n1', 'n2']) few.sent('n0', peer, 190);
    expect(few.judge(200).clear).toBe(true);
  });

  it('forgets what a node sent while it was cut off', () => {
    const tracker = new LeaderTracker(N3);
    raftTraffic(tracker, 'n0', 0, 500);
    for (let t = 500; t < 800; t += 5) for (const peer of ['n1', 'n2']) tracker.sent('n0', peer, t);
    raftTraffic(tracker, 'n2', 800, 900);
    expect(tracker.judge(900).node).toBe('n0');
    tracker.forget('n0');
    expect(tracker.judge(900)).toMatchObject({ node: 'n2' });
  });

  it('ignores senders and receivers that are not nodes', () => {
    const tracker = new LeaderTracker(N3);
    for (let t = 0; t < 100; t++) {
      tracker.sent('c4', 'n0', t);
      tracker.sent('n0', 'c4', t);
      tracker.sent('n0', 'n0', t);
    }
    expect(tracker.judge(100).total).toBe(0);
  });
});

describe('FanOutWatch', () => {
  /** Every `periodMs` from `fromMs` to `toMs`, `leader` sends to each peer and the others answer it; the times a new node fanned out. */
  function steady(watch: FanOutWatch, leader: string, fromMs: number, toMs: number, periodMs = 30): number[] {
    const fired: number[] = [];
    for (let t = fromMs; t < toMs; t += periodMs) {
      for (const node of N3) if (node !== leader && watch.sent(leader, node, t)) fired.push(t);
      for (const node of N3) if (node !== leader && watch.sent(node, leader, t + 1)) fired.push(t + 1);
    }
    return fired;
  }

  it('fires once when a leader first reaches every peer, and not again while it alone fans out', () => {
    const watch = new FanOutWatch(N3, 100);
    expect(watch.source).toBeNull();
    expect(steady(watch, 'n1', 0, 2000)).toEqual([0]);
    expect(watch.source).toBe('n1');
  });

  it('fires at each alternation while a deposed leader and a new one both send to every peer', () => {
    const watch = new FanOutWatch(N3, 100);
    steady(watch, 'n0', 0, 300);
    // n0 is cut off but keeps sending; n1 campaigns and leads; both fan out every 30 ms.
    const fired: string[] = [];
    for (let t = 300; t < 420; t += 30) {
      for (const leader of ['n1', 'n0']) {
        for (const node of N3) if (node !== leader && watch.sent(leader, node, t)) fired.push(`${leader}@${t}`);
      }
    }
    expect(fired).toEqual(['n1@300', 'n0@300', 'n1@330', 'n0@330', 'n1@360', 'n0@360', 'n1@390', 'n0@390']);
    // n0 stepped down and answers n1: its last heartbeat to n2 still counts for one span...
    const settling = steady(watch, 'n1', 420, 1000);
    expect(settling[0]).toBe(420);
    expect(Math.max(...settling)).toBeLessThan(390 + 100 + 30);
    // ...and then n1 fans out alone.
    expect(steady(watch, 'n1', 1000, 3000)).toEqual([]);
  });

  it('does not count sends older than the span, nor a node talking to itself or to strangers', () => {
    const watch = new FanOutWatch(N3, 100);
    expect(watch.sent('n2', 'n0', 0)).toBe(false);
    expect(watch.sent('n2', 'n1', 150)).toBe(false); // n2 -> n0 was 150 ms ago
    expect(watch.sent('n2', 'n2', 160)).toBe(false);
    expect(watch.sent('n2', 'c7', 160)).toBe(false);
    expect(watch.sent('n2', 'n0', 200)).toBe(true);
    expect(new FanOutWatch(['n0'], 100).sent('n0', 'n0', 0)).toBe(false);
  });
});
