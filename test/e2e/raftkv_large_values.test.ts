// End-to-end: three real bin/raftkv nodes under concurrent writes of ~900 KB values, every
// node-to-node line routed (and measured) by the test. Every line a node writes must fit the
// line limit its peers accept (1 MiB by default): appends, forwards and their results are cut
// by bytes, so no input line is refused, the writes succeed, reads see the last ones, and the
// first leader keeps its leadership throughout.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requireBuilt, stopAll } from '../support/node_process.js';
import { RoutedCluster } from '../support/routed_cluster.js';

beforeAll(() => requireBuilt('dist/raftkv.mjs'));
afterEach(stopAll);

const IDS = ['n0', 'n1', 'n2'];
const LINE_LIMIT = 1 << 20;
const VALUE_BYTES = 900_000;
const CLIENTS = 12;
const KEYS = ['a', 'b', 'c'];
const LOAD_MS = 4_000;
const REQUEST_TIMEOUT_MS = 5_000;

function bigValue(tag: string): string {
  return `${tag}:`.padEnd(VALUE_BYTES, 'x');
}

describe('bin/raftkv with large values', () => {
  it('keeps every line to a peer within the line limit under concurrent 900 KB writes, with one leader throughout', { timeout: 40_000 }, async () => {
    const seed = Number(process.env['LARGE_VALUES_SEED'] ?? 7_301);
    // 25 ms ticks (elections after 0.5-1 s): the test shares two cores with the three nodes.
    const cluster = new RoutedCluster({ nodeIds: IDS, args: (i) => ['--seed', String(seed + i), '--tick-ms', '25'] });
    const context = (): string =>
      `seed ${seed} (LARGE_VALUES_SEED=${seed})\n${IDS.map((id) => `--- ${id} stderr:\n${cluster.stderr(id).slice(-4_000)}`).join('\n')}`;
    await cluster.init();
    const leaderLines = (): string[] =>
      IDS.flatMap((id) =>
        cluster
          .stderr(id)
          .split('\n')
          .filter((line) => line.includes('became leader of term')),
      );
    await RoutedCluster.until(() => leaderLines().length > 0, 10_000, 'a leader');
    const leader = IDS.find((id) => cluster.stderr(id).includes('became leader of term')) as string;
    await RoutedCluster.until(
      () => IDS.every((id) => id === leader || cluster.stderr(id).includes(`following ${leader}`)),
      10_000,
      `every node following ${leader}`,
    );
    // From here on, no node may see another term or leader.
    const settled = new Map(IDS.map((id) => [id, cluster.stderr(id).length]));

    // Clients spread over the three nodes, so writes also travel as forwards to the leader.
    const attempts = new Map<string, string[]>(KEYS.map((key) => [key, []]));
    const outcomes: string[] = [];
    const deadline = Date.now() + LOAD_MS;
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        const client = `c${c + 1}`;
        const node = IDS[c % IDS.length] as string;
        for (let seq = 0; Date.now() < deadline; seq++) {
          const key = KEYS[(c + seq) % KEYS.length] as string;
          const value = bigValue(`${client}-${seq}`);
          (attempts.get(key) as string[]).push(value);
          const reply = await cluster.request(node, client, { type: 'write', key, value }, REQUEST_TIMEOUT_MS);
          outcomes.push(
            reply === undefined ? 'timeout' : reply['type'] === 'error' ? `error ${String(reply['code'])}: ${String(reply['text'])}` : String(reply['type']),
          );
        }
      }),
    );
    const okCount = outcomes.filter((outcome) => outcome === 'write_ok').length;
    expect(outcomes.length, context()).toBeGreaterThanOrEqual(10);
    expect(
      okCount / outcomes.length,
      `${outcomes
        .filter((o) => o !== 'write_ok')
        .slice(0, 5)
        .join('; ')}\n${context()}`,
    ).toBeGreaterThanOrEqual(0.8);

    // Whatever a node serves is one of the values written to that key; then a last write to
    // each key is what every node reads back (reads at followers travel back from the leader).
    for (const key of KEYS) {
      for (const id of IDS) {
        const read = await cluster.request(id, 'c9', { type: 'read', key }, REQUEST_TIMEOUT_MS);
        expect(read?.['type'], context()).toBe('read_ok');
        expect(attempts.get(key), context()).toContain(read?.['value']);
      }
      const last = bigValue(`last-${key}`);
      expect((await cluster.request('n1', 'c9', { type: 'write', key, value: last }, REQUEST_TIMEOUT_MS))?.['type'], context()).toBe('write_ok');
      for (const id of IDS) {
        const read = await cluster.request(id, 'c9', { type: 'read', key }, REQUEST_TIMEOUT_MS);
        expect(read?.['value'] === last, `read of ${key} at ${id}: ${JSON.stringify(read).slice(0, 200)}\n${context()}`).toBe(true);
      }
    }

    for (const id of IDS) {
      expect(cluster.longestLine.get(id), `${id}\n${context()}`).toBeLessThanOrEqual(LINE_LIMIT);
      expect(cluster.stderr(id), context()).not.toMatch(/refused an input line|dropped a message/);
      expect(cluster.stderr(id).slice(settled.get(id)), context()).not.toMatch(/stepped down|term \d+ began|became leader|following/);
    }
    expect(leaderLines(), context()).toHaveLength(1);
  });
});
