import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/base/rng.js';
import { type Delivery, type LatencyDist, sampleLatencyMs, SimNetwork } from '../../src/harness/network.js';
import { completeGrudge } from '../../src/harness/partition.js';

function makeNetwork(latencyMs: number, latencyDist: LatencyDist = 'constant', seed = 1): { net: SimNetwork<string>; delivered: Delivery<string>[] } {
  const delivered: Delivery<string>[] = [];
  const net = new SimNetwork<string>({ latencyMs, latencyDist, rng: new Rng(seed) }, (d) => delivered.push(d));
  for (const node of ['n0', 'n1', 'n2']) net.register(node, 'node');
  net.register('c1', 'client');
  return { net, delivered };
}

describe('simulated network (fake clock)', () => {
  it('delays node-to-node messages by the latency and delivers them in deadline order', () => {
    const { net, delivered } = makeNetwork(10);
    net.send('n0', 'n1', 'a', 0);
    net.send('n2', 'n1', 'b', 3);
    expect(delivered).toEqual([]);
    expect(net.nextDeadline()).toBe(10);
    expect(net.deliverDue(9.9)).toBe(0);
    net.deliverDue(10);
    expect(delivered.map((d) => d.payload)).toEqual(['a']);
    net.deliverDue(20);
    expect(delivered.map((d) => d.payload)).toEqual(['a', 'b']);
    expect(net.nextDeadline()).toBeUndefined();
  });

  it('never delays or cuts client traffic', () => {
    const { net, delivered } = makeNetwork(50);
    net.setGrudge(completeGrudge([['n0'], ['n1', 'n2']]));
    net.send('c1', 'n0', 'request', 0);
    net.send('n0', 'c1', 'reply', 0);
    expect(delivered.map((d) => d.payload)).toEqual(['request', 'reply']);
  });

  it('judges a partition when the message reaches the head of the queue, not when it is sent', () => {
    const { net, delivered } = makeNetwork(10);
    // Sent before the partition, dequeued during it: dropped.
    net.send('n0', 'n1', 'in flight when cut', 0);
    net.setGrudge(completeGrudge([['n0'], ['n1', 'n2']]));
    // Sent during the partition, dequeued after the heal: delivered.
    net.send('n0', 'n1', 'sent while cut', 5);
    net.deliverDue(10);
    net.heal();
    net.deliverDue(15);
    expect(delivered.map((d) => d.payload)).toEqual(['sent while cut']);
    expect(net.stats().droppedByPartition).toBe(1);
  });

  it('honours one-way grudges', () => {
    const { net, delivered } = makeNetwork(0);
    net.setGrudge(new Map([['n1', new Set(['n0'])]]));
    net.send('n0', 'n1', 'dropped', 0);
    net.send('n1', 'n0', 'delivered', 0);
    expect(delivered.map((d) => d.payload)).toEqual(['delivered']);
  });

  it('loses messages to a node that is down, and a restarted node starts with an empty queue', () => {
    const { net, delivered } = makeNetwork(10);
    net.send('n0', 'n1', 'queued before the kill', 0);
    net.setDown('n1', true);
    net.send('n0', 'n1', 'sent while down', 1);
    net.send('c1', 'n1', 'client request while down', 1);
    net.deliverDue(20);
    net.setDown('n1', false);
    net.send('n0', 'n1', 'after restart', 20);
    net.deliverDue(30);
    expect(delivered.map((d) => d.payload)).toEqual(['after restart']);
    expect(net.stats().droppedNodeDown).toBe(3);
  });

  it('counts messages sent and delivered, split into client and server traffic', () => {
    const { net } = makeNetwork(0);
    net.send('c1', 'n0', 'x', 0);
    net.send('n0', 'c1', 'x', 0);
    net.send('n0', 'n1', 'x', 0);
    net.setGrudge(completeGrudge([['n0'], ['n1', 'n2']]));
    net.send('n0', 'n2', 'x', 0);
    const stats = net.stats();
    expect(stats.clients).toEqual({ sendCount: 2, recvCount: 2 });
    expect(stats.servers).toEqual({ sendCount: 2, recvCount: 1 });
    expect(stats.all).toEqual({ sendCount: 4, recvCount: 3 });
  });

  it('gives each message a distinct, increasing id', () => {
    const { net, delivered } = makeNetwork(0);
    net.send('c1', 'n0', 'a', 0);
    net.send('c1', 'n0', 'b', 0);
    expect(delivered.map((d) => d.id)).toEqual([0, 1]);
  });

  it('reorders messages with uniform latency, each delivered within [0, 2·mean) of its send', () => {
    const { net, delivered } = makeNetwork(10, 'uniform', 7);
    for (let i = 0; i < 50; i++) net.send('n0', 'n1', String(i), i);
    for (let t = 0; t <= 100; t++) {
      const before = delivered.length;
      net.deliverDue(t);
      for (const d of delivered.slice(before)) {
        expect(t - d.sentAtMs).toBeGreaterThanOrEqual(0);
        expect(t - d.sentAtMs).toBeLessThan(20);
      }
    }
    expect(delivered).toHaveLength(50);
    const order = delivered.map((d) => Number(d.payload));
    expect(order).not.toEqual([...order].sort((a, b) => a - b));
  });
});

describe('latency distributions', () => {
  const draws = (dist: LatencyDist, mean: number, count = 20_000): number[] => {
    const rng = new Rng(42);
    return Array.from({ length: count }, () => sampleLatencyMs(dist, mean, rng));
  };
  const average = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

  it('constant is exactly the mean', () => {
    expect(new Set(draws('constant', 25, 100))).toEqual(new Set([25]));
  });

  it('uniform draws integers in [0, 2·mean) with the right mean', () => {
    const values = draws('uniform', 10);
    expect(values.every((v) => Number.isInteger(v) && v >= 0 && v < 20)).toBe(true);
    expect(new Set(values).size).toBe(20);
    expect(average(values)).toBeGreaterThan(9);
    expect(average(values)).toBeLessThan(10);
  });

  it('exponential is positive with the given mean', () => {
    const values = draws('exponential', 10);
    expect(values.every((v) => v >= 0)).toBe(true);
    expect(average(values)).toBeGreaterThan(9.5);
    expect(average(values)).toBeLessThan(10.5);
  });

  it('a mean of zero is zero latency', () => {
    expect(draws('uniform', 0, 10)).toEqual(new Array(10).fill(0));
  });
});

describe('delay spikes and duplication (fake clock)', () => {
  it('slows what is sent on a spiked link, so what is sent later overtakes it, and leaves other links and clients alone', () => {
    const { net, delivered } = makeNetwork(10);
    net.setLinkDelays(new Map([['n0', new Map([['n1', 100]])]]));
    net.send('n0', 'n1', 'slowed', 0);
    net.send('n2', 'n1', 'other link', 1);
    net.send('c1', 'n1', 'client', 2);
    net.setLinkDelays(new Map());
    net.send('n0', 'n1', 'after the spike', 5);
    net.deliverDue(50);
    expect(delivered.map((d) => d.payload)).toEqual(['client', 'other link', 'after the spike']);
    net.deliverDue(110);
    expect(delivered.map((d) => d.payload)).toEqual(['client', 'other link', 'after the spike', 'slowed']);
    expect(net.stats().delayedBySpike).toBe(1);
  });

  it('delivers a duplicated message twice with the same id, the copy no earlier, and only between nodes', () => {
    const { net, delivered } = makeNetwork(10);
    net.setDuplication({ probability: 1, maxDelayMs: 40, rng: new Rng(3) });
    net.send('n0', 'n1', 'twice', 0);
    net.send('c1', 'n1', 'client once', 0);
    net.setDuplication(null);
    net.send('n0', 'n2', 'once', 0);
    net.deliverDue(60);
    const twice = delivered.filter((d) => d.payload === 'twice');
    expect(twice).toHaveLength(2);
    expect(twice[0]?.id).toBe(twice[1]?.id);
    expect(delivered.filter((d) => d.payload === 'once' || d.payload === 'client once')).toHaveLength(2);
    expect(net.stats()).toMatchObject({ duplicated: 1 });
    expect(net.stats().servers.sendCount).toBe(2);
  });

  it('duplicates about the share asked for, and a node going down loses the copies queued for it', () => {
    const { net } = makeNetwork(10);
    net.setDuplication({ probability: 0.25, maxDelayMs: 1000, rng: new Rng(4) });
    for (let i = 0; i < 2000; i++) net.send('n0', 'n1', `m${i}`, i);
    const duplicated = net.stats().duplicated;
    expect(duplicated).toBeGreaterThan(400);
    expect(duplicated).toBeLessThan(600);
    net.setDown('n1', true);
    expect(net.nextDeadline()).toBeUndefined();
  });
});
