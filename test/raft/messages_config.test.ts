import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/base/rng.js';
import { makeRaftConfig } from '../../src/raft/config.js';
import { RAFT_MESSAGE_TYPES, parseRaftMessage, type RaftMessage } from '../../src/raft/messages.js';

const SAMPLES: RaftMessage[] = [
  { type: 'raft_vote', from: 'n1', to: 'n2', term: 3, lastIndex: 10, lastTerm: 2 },
  { type: 'raft_prevote', from: 'n1', to: 'n2', term: 4, lastIndex: 10, lastTerm: 2 },
  { type: 'raft_vote_resp', from: 'n2', to: 'n1', term: 3, granted: true },
  { type: 'raft_prevote_resp', from: 'n2', to: 'n1', term: 4, granted: false },
  {
    type: 'raft_append',
    from: 'n1',
    to: 'n2',
    term: 3,
    prevIndex: 4,
    prevTerm: 2,
    entries: [
      { index: 5, term: 3, kind: 'noop', data: null },
      { index: 6, term: 3, kind: 'normal', data: { op: 'write', key: [1, 'k'], value: { nested: true } } },
    ],
    commit: 4,
  },
  { type: 'raft_append_resp', from: 'n2', to: 'n1', term: 3, reject: true, index: 4, hintIndex: 2, hintTerm: 1 },
  { type: 'raft_heartbeat', from: 'n1', to: 'n2', term: 3, commit: 4, round: 17 },
  { type: 'raft_heartbeat_resp', from: 'n2', to: 'n1', term: 3, round: 17 },
  { type: 'raft_snapshot', from: 'n1', to: 'n2', term: 3, snapshotIndex: 40, snapshotTerm: 2, offset: 8, data: '{"a":1}', done: true },
  { type: 'raft_snapshot_resp', from: 'n2', to: 'n1', term: 3, snapshotIndex: 40, offset: 15 },
  { type: 'raft_read_index', from: 'n2', to: 'n1', term: 3, ctx: 99 },
  { type: 'raft_read_index_resp', from: 'n1', to: 'n2', term: 3, ctx: 99, reject: false, index: 6 },
];

describe('raft messages', () => {
  it('has a sample of every type', () => {
    expect(new Set(SAMPLES.map((m) => m.type))).toEqual(new Set(RAFT_MESSAGE_TYPES));
  });

  it('survive a JSON round trip and parse back to themselves (extra body fields ignored)', () => {
    for (const message of SAMPLES) {
      const body = JSON.parse(JSON.stringify({ ...message, msg_id: 12 })) as unknown;
      expect(parseRaftMessage(body)).toEqual({ ok: true, value: message });
    }
  });

  it('refuses malformed bodies with a reason', () => {
    const append = SAMPLES[4] as RaftMessage & { type: 'raft_append' };
    const cases: Array<[unknown, RegExp]> = [
      ['nope', /object/],
      [{ type: 'raft_nope' }, /not a raft message type/],
      [{ ...SAMPLES[0], term: -1 }, /"term"/],
      [{ ...SAMPLES[0], from: '' }, /"from"/],
      [{ ...SAMPLES[2], granted: 'yes' }, /"granted"/],
      [{ ...append, entries: [append.entries[1]] }, /expected 5/],
      [{ ...append, entries: [{ index: 5, term: 3, kind: 'weird', data: 1 }] }, /kind/],
      [{ ...append, entries: 'x' }, /list/],
    ];
    for (const [body, reason] of cases) {
      const parsed = parseRaftMessage(body);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.error).toMatch(reason);
    }
  });
});

describe('raft config', () => {
  const base = { id: 'a', peers: ['a', 'b', 'c'], rng: new Rng(1) };

  it('fills defaults', () => {
    const config = makeRaftConfig(base);
    expect([config.electionTimeoutTicks, config.heartbeatTicks, config.preVote, config.checkQuorum]).toEqual([20, 3, true, true]);
  });

  it('rejects bad combinations', () => {
    expect(() => makeRaftConfig({ ...base, peers: ['b', 'c'] })).toThrow(/must include id/);
    expect(() => makeRaftConfig({ ...base, peers: ['a', 'a'] })).toThrow(/repeat/);
    expect(() => makeRaftConfig({ ...base, electionTimeoutTicks: 3, heartbeatTicks: 3 })).toThrow(/must exceed heartbeatTicks/);
    expect(() => makeRaftConfig({ ...base, maxInflightAppends: 0 })).toThrow(/maxInflightAppends/);
    expect(() => makeRaftConfig({ ...base, leaseReads: true, checkQuorum: false })).toThrow(/requires checkQuorum/);
  });
});
