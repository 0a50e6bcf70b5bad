// The occ and si coordinator on its own, against a hand-driven host: an attempt reads at the
// read point its read path gives, commits only the writes with a check, and after error 30 retries
// with jittered backoff within a bound of attempts and of time; any other outcome, and above all
// one whose fate is unknown, goes to the client as it is, and nothing is attempted after it.
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/base/json.js';
import { Rng } from '../../src/base/rng.js';
import type { CommandOutcome, KvCommand } from '../../src/kv/command_codec.js';
import type { MicroOp } from '../../src/kv/operations.js';
import { KvStateMachine } from '../../src/kv/state_machine.js';
import type { ClientRequest } from '../../src/protocol/lin_kv.js';
import { OptimisticTxns, runsOptimistically, type OptimisticHost, type OptimisticMode } from '../../src/server/optimistic_txns.js';
import { DEFAULT_TXN_RETRIES } from '../../src/server/options.js';

const MAX_TXN_ATTEMPTS = DEFAULT_TXN_RETRIES + 1;

const RETRY_BUDGET_TICKS = 200;

interface Commit {
  readonly command: KvCommand;
  readonly respond: (outcome: CommandOutcome, index: number) => void;
}

/** A coordinator over one state machine; commits wait in `commits` for the test to answer them. */
/** Longer than the default, so the bound 2^k shows before the cap. */
const BACKOFF_TICKS = 16;

function harness(seed: number, mode: OptimisticMode = 'occ', switches: Partial<Pick<OptimisticHost, 'maxRetries' | 'backoffTicks' | 'earlyAbort'>> = {}) {
  const machine = new KvStateMachine();
  const commits: Commit[] = [];
  const readPoints: number[] = [];
  const clock = { now: 0 };
  const txns = new OptimisticTxns({
    mode,
    rng: new Rng(seed),
    retryBudgetTicks: RETRY_BUDGET_TICKS,
    maxRetries: switches.maxRetries ?? DEFAULT_TXN_RETRIES,
    backoffTicks: switches.backoffTicks ?? BACKOFF_TICKS,
    earlyAbort: switches.earlyAbort ?? true,
    now: () => clock.now,
    read: (request, respond) => {
      readPoints.push(machine.appliedIndex);
      respond(machine.query(request.command), machine.appliedIndex);
      return true;
    },
    commit: (request, respond) => commits.push({ command: request.command, respond }),
    conflict: (command) => machine.checkConflict(command),
  });
  let index = 0;
  const write = (key: number, value: JsonValue) => machine.apply(++index, { kind: 'txn', ops: [['append', key, value]] });
  /** Commits through the state machine, as the log would. */
  const applyCommit = (commit: Commit) => commit.respond(machine.apply(++index, commit.command as unknown as JsonValue) as CommandOutcome, index);
  return { machine, commits, readPoints, clock, txns, write, applyCommit };
}

function start(txns: OptimisticTxns, ops: MicroOp[], drain = true): { outcome?: CommandOutcome; index?: number } {
  const answer: { outcome?: CommandOutcome; index?: number } = {};
  const request: ClientRequest = { command: { kind: 'txn', ops }, minIndex: 0 };
  expect(
    txns.start(
      request,
      (outcome, index) => {
        expect(answer.outcome, 'answered once').toBeUndefined();
        answer.outcome = outcome;
        answer.index = index;
      },
      true,
    ),
  ).toBe(true);
  if (drain) txns.drain();
  return answer;
}

/** Ticks until a commit is waiting (the backoff is over); returns the ticks it took. */
function tickUntilCommit(h: ReturnType<typeof harness>, limit = BACKOFF_TICKS + 1): number {
  for (let ticks = 1; ticks <= limit; ticks++) {
    h.clock.now++;
    h.txns.tick(h.clock.now);
    h.txns.drain();
    if (h.commits.length > 0) return ticks;
  }
  throw new Error(`no retry within ${limit} ticks`);
}

const conflict: CommandOutcome = { type: 'error', code: 30, text: 'txn conflict: test' };

describe('the occ and si coordinator', () => {
  it('runs only txns that read and write, without a session, optimistically', () => {
    expect(
      runsOptimistically({
        kind: 'txn',
        ops: [
          ['r', 1, null],
          ['w', 1, 2],
        ],
      }),
    ).toBe(true);
    expect(runsOptimistically({ kind: 'txn', ops: [['w', 1, 2]] })).toBe(false);
    expect(runsOptimistically({ kind: 'txn', ops: [['r', 1, null]] })).toBe(false);
    expect(
      runsOptimistically({
        kind: 'txn',
        ops: [
          ['r', 1, null],
          ['w', 1, 2],
        ],
        tag: { session: 1, seq: 1 },
      }),
    ).toBe(false);
  });

  it('answers with the reads of its read point after the commit, and a retry after a conflict succeeds with fresh reads', () => {
    const h = harness(1);
    h.write(1, 'a');
    const answer = start(h.txns, [
      ['r', 1, null],
      ['append', 1, 'mine'],
    ]);
    expect(h.commits.map((commit) => commit.command)).toEqual([{ kind: 'txn', ops: [['append', 1, 'mine']], check: { after: 1, keys: [1] } }]);
    // Another txn appends to key 1 first: the commit fails its check at apply.
    h.write(1, 'theirs');
    h.applyCommit(h.commits.shift() as Commit);
    expect(answer.outcome).toBeUndefined();
    tickUntilCommit(h);
    // The retry reads again, after the aborted entry (3, a no-op) applied.
    expect(h.readPoints).toEqual([1, 3]);
    expect(h.commits[0]?.command).toEqual({ kind: 'txn', ops: [['append', 1, 'mine']], check: { after: 3, keys: [1] } });
    h.applyCommit(h.commits.shift() as Commit);
    expect(answer).toEqual({
      outcome: {
        type: 'txn_ok',
        txn: [
          ['r', 1, ['a', 'theirs']],
          ['append', 1, 'mine'],
        ],
      },
      index: 4,
    });
    expect(h.machine.query({ kind: 'txn', ops: [['r', 1, null]] })).toEqual({ type: 'txn_ok', txn: [['r', 1, ['a', 'theirs', 'mine']]] });
    expect(h.txns.stats).toEqual({ committed: 1, aborted: 0, retries: 1, earlyAborts: 0 });
  });

  it('aborts early, committing nothing, when entries applied after its reads already fail its check, and retries', () => {
    const h = harness(8);
    const answer = start(
      h.txns,
      [
        ['r', 1, null],
        ['append', 2, 'mine'],
      ],
      false,
    );
    // Between the reads and the commit (later in the same turn), another txn's write to key 1 applied here.
    h.write(1, 'theirs');
    h.txns.drain();
    expect(h.commits).toEqual([]);
    expect(h.txns.stats).toEqual({ committed: 0, aborted: 0, retries: 0, earlyAborts: 1 });
    tickUntilCommit(h);
    expect(h.commits[0]?.command).toEqual({ kind: 'txn', ops: [['append', 2, 'mine']], check: { after: 1, keys: [1] } });
    h.applyCommit(h.commits.shift() as Commit);
    expect(answer.outcome).toEqual({
      type: 'txn_ok',
      txn: [
        ['r', 1, ['theirs']],
        ['append', 2, 'mine'],
      ],
    });
  });

  it(`retries at most ${MAX_TXN_ATTEMPTS} attempts, each after a jittered backoff within its bound, then answers 30`, () => {
    const delaysBySeed: number[][] = [];
    for (const seed of [1, 2, 3]) {
      const h = harness(seed);
      const answer = start(h.txns, [
        ['r', 1, null],
        ['w', 2, 1],
      ]);
      const delays: number[] = [];
      for (let attempt = 1; attempt < MAX_TXN_ATTEMPTS; attempt++) {
        (h.commits.shift() as Commit).respond(conflict, 0);
        expect(answer.outcome, `seed ${seed}: answered after attempt ${attempt}`).toBeUndefined();
        const delay = tickUntilCommit(h);
        expect(delay, `seed ${seed}: backoff before attempt ${attempt + 1}`).toBeLessThanOrEqual(Math.min(2 ** attempt, BACKOFF_TICKS));
        delays.push(delay);
      }
      (h.commits.shift() as Commit).respond(conflict, 0);
      expect(answer.outcome, `seed ${seed}`).toEqual(conflict);
      expect(h.txns.stats, `seed ${seed}`).toEqual({ committed: 0, aborted: 1, retries: MAX_TXN_ATTEMPTS - 1, earlyAborts: 0 });
      // Nothing more is attempted.
      h.clock.now += 1_000;
      h.txns.tick(h.clock.now);
      h.txns.drain();
      expect(h.commits).toEqual([]);
      expect(h.txns.count).toBe(0);
      delaysBySeed.push(delays);
    }
    // Jittered: the seeds draw different backoffs.
    expect(new Set(delaysBySeed.map((delays) => delays.join())).size).toBeGreaterThan(1);
  });

  it('starts no attempt after its time budget: the last conflict goes to the client', () => {
    const h = harness(4);
    const answer = start(h.txns, [
      ['r', 1, null],
      ['w', 2, 1],
    ]);
    h.clock.now = RETRY_BUDGET_TICKS;
    (h.commits.shift() as Commit).respond(conflict, 0);
    expect(answer.outcome).toEqual(conflict);
    expect(h.txns.count).toBe(0);
  });

  it('answers an attempt whose fate is unknown (leadership lost, a forward timed out) as it is: indefinite, never retried', () => {
    for (const unknown of [
      { type: 'error', code: 13, text: 'leadership was lost while the request was in flight; it may or may not take effect' },
      { type: 'error', code: 0, text: 'the leader did not answer in time; the outcome is unknown' },
    ] as CommandOutcome[]) {
      const h = harness(5);
      const answer = start(h.txns, [
        ['r', 1, null],
        ['w', 2, 1],
      ]);
      // A first attempt aborted, the retry's fate is unknown.
      (h.commits.shift() as Commit).respond(conflict, 0);
      tickUntilCommit(h);
      (h.commits.shift() as Commit).respond(unknown, 0);
      expect(answer.outcome).toEqual(unknown);
      h.clock.now += 1_000;
      h.txns.tick(h.clock.now);
      expect(h.commits).toEqual([]);
    }
  });

  it('never retries a txn whose client read_index failed: it would fail forever', () => {
    const h = harness(6);
    const answer: { outcome?: CommandOutcome } = {};
    const command: KvCommand = {
      kind: 'txn',
      ops: [
        ['r', 1, null],
        ['w', 2, 1],
      ],
      check: { after: 0, keys: [1, 2] },
    };
    h.txns.start({ command, minIndex: 0 }, (outcome) => (answer.outcome = outcome), true);
    h.txns.drain();
    expect(h.commits[0]?.command).toEqual({ kind: 'txn', ops: [['w', 2, 1]], check: { after: 0, keys: [1, 2] } });
    (h.commits.shift() as Commit).respond(conflict, 0);
    expect(answer.outcome).toEqual(conflict);
  });

  it('si checks the keys written, at the snapshot it read', () => {
    const h = harness(7, 'si');
    h.write(1, 'a');
    start(h.txns, [
      ['r', 1, null],
      ['r', 3, null],
      ['append', 2, 'x'],
      ['w', 1, 'y'],
    ]);
    expect(h.commits[0]?.command).toEqual({
      kind: 'txn',
      ops: [
        ['append', 2, 'x'],
        ['w', 1, 'y'],
      ],
      check: { after: 1, keys: [2, 1] },
    });
  });
});

describe('the occ and si coordinator with its helpers switched off', () => {
  it('without early abort, proposes an attempt the applied state already dooms: it fails at apply, and the retry commits', () => {
    const h = harness(9, 'occ', { earlyAbort: false });
    const answer = start(
      h.txns,
      [
        ['r', 1, null],
        ['append', 2, 'mine'],
      ],
      false,
    );
    h.write(1, 'theirs');
    h.txns.drain();
    // The same situation that aborts early above: here the attempt is committed anyway.
    expect(h.commits.map((commit) => commit.command)).toEqual([{ kind: 'txn', ops: [['append', 2, 'mine']], check: { after: 0, keys: [1] } }]);
    h.applyCommit(h.commits.shift() as Commit);
    expect(h.machine.query({ kind: 'txn', ops: [['r', 2, null]] })).toEqual({ type: 'txn_ok', txn: [['r', 2, null]] });
    expect(answer.outcome).toBeUndefined();
    expect(h.txns.stats).toEqual({ committed: 0, aborted: 0, retries: 0, earlyAborts: 0 });
    tickUntilCommit(h);
    h.applyCommit(h.commits.shift() as Commit);
    expect(answer.outcome?.type).toBe('txn_ok');
    expect(h.txns.stats).toEqual({ committed: 1, aborted: 0, retries: 1, earlyAborts: 0 });
  });

  it('without backoff, starts the retry at once: in the drain that follows the conflict, with no tick', () => {
    for (const seed of [1, 2, 3]) {
      const h = harness(seed, 'occ', { backoffTicks: 0 });
      const answer = start(h.txns, [
        ['r', 1, null],
        ['w', 2, 1],
      ]);
      for (let attempt = 1; attempt < MAX_TXN_ATTEMPTS; attempt++) {
        (h.commits.shift() as Commit).respond(conflict, 0);
        expect(h.commits, `seed ${seed}: nothing before the drain`).toEqual([]);
        h.txns.drain();
        expect(h.commits, `seed ${seed}: attempt ${attempt + 1} without a tick`).toHaveLength(1);
      }
      (h.commits.shift() as Commit).respond(conflict, 0);
      expect(answer.outcome, `seed ${seed}`).toEqual(conflict);
      expect(h.clock.now).toBe(0);
      expect(h.txns.stats).toEqual({ committed: 0, aborted: 1, retries: MAX_TXN_ATTEMPTS - 1, earlyAborts: 0 });
    }
  });

  it('with backoff (the default), never retries in the drain that follows the conflict', () => {
    const h = harness(1);
    start(h.txns, [
      ['r', 1, null],
      ['w', 2, 1],
    ]);
    (h.commits.shift() as Commit).respond(conflict, 0);
    h.txns.drain();
    expect(h.commits).toEqual([]);
    expect(tickUntilCommit(h)).toBeGreaterThanOrEqual(1);
  });

  it('with 0 retries, answers a conflict with 30 at once and attempts nothing more', () => {
    const h = harness(10, 'occ', { maxRetries: 0 });
    const answer = start(h.txns, [
      ['r', 1, null],
      ['w', 2, 1],
    ]);
    (h.commits.shift() as Commit).respond(conflict, 0);
    expect(answer.outcome).toEqual(conflict);
    h.clock.now += 1_000;
    h.txns.tick(h.clock.now);
    h.txns.drain();
    expect(h.commits).toEqual([]);
    expect(h.txns.count).toBe(0);
    expect(h.txns.stats).toEqual({ committed: 0, aborted: 1, retries: 0, earlyAborts: 0 });
  });

  it('with 2 retries, makes 3 attempts', () => {
    const h = harness(11, 'occ', { maxRetries: 2 });
    const answer = start(h.txns, [
      ['r', 1, null],
      ['w', 2, 1],
    ]);
    for (let attempt = 1; attempt < 3; attempt++) {
      (h.commits.shift() as Commit).respond(conflict, 0);
      tickUntilCommit(h);
    }
    (h.commits.shift() as Commit).respond(conflict, 0);
    expect(answer.outcome).toEqual(conflict);
    expect(h.txns.stats).toEqual({ committed: 0, aborted: 1, retries: 2, earlyAborts: 0 });
  });
});
