// Randomized: a store with several groups on the simulated disk takes random Raft-shaped writes
// (terms, votes, appends that replace suffixes, commits, compactions, installed snapshots),
// random turn ends, syncs, disk progress and crashes (which tear tails and undo removals of
// segments no directory sync covered). After every crash, each group must come
// back exactly as it was after some write at or after the last one a completed sync covered:
// nothing acknowledged is lost, and a torn tail leaves a state the node really passed through.
// Replay a failure with STORAGE_CRASH_SEED=<seed>; soak with STORAGE_CRASH_SEEDS=<count>.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/base/rng.js';
import { MemoryStorage, type Entry } from '../../src/raft/index.js';
import { SimDisk } from '../../src/sim/sim_disk.js';
import type { DurableNodeStore } from '../../src/storage/durable_store.js';
import type { GroupStorage } from '../../src/storage/types.js';
import { ManualScheduler, openStore } from './helpers.js';

const GIVEN_SEED = process.env['STORAGE_CRASH_SEED'];
const SEED_COUNT = Number(process.env['STORAGE_CRASH_SEEDS'] ?? 40);
const SEEDS = GIVEN_SEED === undefined ? Array.from({ length: SEED_COUNT }, (_, i) => 1000 + i) : [Number(GIVEN_SEED)];
const STEPS = 700;

function copyOf(storage: GroupStorage): MemoryStorage {
  const snapshot = storage.snapshot();
  const entries = storage.entries(storage.firstIndex(), storage.lastIndex() + 1);
  return new MemoryStorage({ hardState: storage.initialState(), entries, ...(snapshot === undefined ? {} : { snapshot }) });
}

/** Why `recovered` is not the state `model` describes, or undefined when it is. */
function difference(recovered: GroupStorage, model: MemoryStorage): string | undefined {
  const [r, m] = [recovered.initialState(), model.initialState()];
  if (r.term !== m.term || r.vote !== m.vote || r.commit !== m.commit) return `hard state ${JSON.stringify(r)} vs ${JSON.stringify(m)}`;
  if (recovered.lastIndex() !== model.lastIndex()) return `last index ${recovered.lastIndex()} vs ${model.lastIndex()}`;
  const from = Math.max(recovered.firstIndex(), model.firstIndex()) - 1;
  if (recovered.term(from) !== model.term(from)) return `term at ${from}: ${String(recovered.term(from))} vs ${String(model.term(from))}`;
  const a = JSON.stringify(recovered.entries(from + 1, recovered.lastIndex() + 1));
  const b = JSON.stringify(model.entries(from + 1, model.lastIndex() + 1));
  if (a !== b) return `entries after ${from} differ`;
  const snapshot = recovered.snapshot();
  if (snapshot !== undefined && snapshot.data !== snapshotData(snapshot.index, snapshot.term)) return `snapshot data ${snapshot.data} at ${snapshot.index}`;
  return undefined;
}

const snapshotData = (index: number, term: number): string => `s${index}t${term}`;

interface ModelGroup {
  readonly id: number;
  model: MemoryStorage;
  /** The model after each write since the last recovery: states[0] is what recovery gave. */
  states: MemoryStorage[];
  /** Writes a completed sync covers. */
  durableWrites: number;
  /** Writes of the turns ended so far (what a sync started now covers), and the log end then. */
  endedWrites: number;
  endedPosition: { readonly index: number; readonly term: number };
  installedThisTurn: boolean;
}

function run(seed: number): { crashes: number; torn: number; resurrected: number; segmentsDeleted: boolean } {
  const rng = new Rng(seed);
  const clock = new ManualScheduler();
  const disk = new SimDisk(clock, rng.fork(), { keepUnsyncedChance: 0.6 });
  const segmentBytes = rng.int(300, 3000);
  let store: DurableNodeStore = openStore(disk, { segmentBytes }).store;
  const groups: ModelGroup[] = [0, 1, 2].slice(0, rng.int(1, 3)).map((id) => ({
    id,
    model: new MemoryStorage(),
    states: [new MemoryStorage()],
    durableWrites: 0,
    endedWrites: 0,
    endedPosition: { index: 0, term: 0 },
    installedThisTurn: false,
  }));
  let syncing = false;
  let crashes = 0;
  let segmentsDeleted = false;
  const fail = (why: string): never => {
    throw new Error(`seed ${seed}: ${why}\nreplay: STORAGE_CRASH_SEED=${seed} npx vitest run test/storage/crash_recovery.test.ts`);
  };

  const write = (group: ModelGroup): void => {
    const storage = store.group(group.id);
    const m = group.model;
    const hard = m.initialState();
    const snap = m.firstIndex() - 1;
    const last = m.lastIndex();
    const options: Array<() => void> = [];
    const apply = (f: (s: GroupStorage) => void): void => {
      f(storage);
      f(m);
      group.states.push(copyOf(m));
    };
    // Every random choice is drawn once, outside apply(): the store and the model see the same write.
    if (!group.installedThisTurn) {
      options.push(() => {
        const next = { term: hard.term + 1, vote: rng.pick([null, 'n1', 'n2']), commit: hard.commit };
        apply((s) => s.save(next, []));
      });
    }
    if (hard.term > 0) {
      options.push(() => {
        const from = rng.int(Math.max(hard.commit, snap) + 1, last + 1);
        const entries: Entry[] = Array.from({ length: rng.int(1, 3) }, (_, i) => ({
          index: from + i,
          term: hard.term,
          kind: 'normal',
          data: { g: group.id, r: rng.int(0, 999) },
        }));
        apply((s) => s.save(undefined, entries));
      });
    }
    if (last > hard.commit) {
      options.push(() => {
        const next = { ...hard, commit: rng.int(hard.commit + 1, last) };
        apply((s) => s.save(next, []));
      });
    }
    if (hard.commit > snap) {
      options.push(() => {
        const index = rng.int(snap + 1, hard.commit);
        apply((s) => s.compact(index, snapshotData(index, m.term(index) as number)));
      });
    }
    if (hard.term > 0) {
      options.push(() => {
        const index = rng.int(Math.max(hard.commit, snap) + 1, last + 3);
        const term = index <= last && rng.chance(0.5) ? (m.term(index) as number) : hard.term;
        apply((s) => s.applySnapshot({ index, term, data: snapshotData(index, term) }));
        group.installedThisTurn = true;
      });
    }
    rng.pick(options)();
  };

  const endTurn = (): void => {
    store.endTurn();
    for (const group of groups) {
      group.installedThisTurn = false;
      group.endedWrites = group.states.length - 1;
      group.endedPosition = group.model.durablePoint();
    }
  };

  const recoverAndCheck = (label: string): void => {
    const opened = openStore(disk, { segmentBytes });
    store = opened.store;
    syncing = false;
    for (const group of groups) {
      const recovered = store.group(group.id);
      let matched = -1;
      const reasons: string[] = [];
      for (let k = group.states.length - 1; k >= group.durableWrites; k--) {
        const why = difference(recovered, group.states[k] as MemoryStorage);
        if (why === undefined) {
          matched = k;
          break;
        }
        if (reasons.length < 3) reasons.push(`after write ${k}: ${why}`);
      }
      if (matched < 0)
        fail(
          `${label}: group ${group.id} recovered a state it never had at or after write ${group.durableWrites} of ${group.states.length - 1}: ${reasons.join('; ')}`,
        );
      group.model = copyOf(recovered);
      group.states = [copyOf(recovered)];
      group.durableWrites = 0;
      group.endedWrites = 0;
      group.endedPosition = recovered.durablePoint();
      group.installedThisTurn = false;
      const point = recovered.durablePoint();
      if (point.index !== recovered.lastIndex())
        fail(`${label}: group ${group.id} recovered durable point ${point.index}, not its last index ${recovered.lastIndex()}`);
    }
  };

  for (let step = 0; step < STEPS; step++) {
    const roll = rng.float();
    if (roll < 0.5) {
      write(rng.pick(groups));
    } else if (roll < 0.65) {
      endTurn();
    } else if (roll < 0.75) {
      if (!syncing) {
        syncing = true;
        const covered = groups.map((group) => group.endedWrites);
        const positions = groups.map((group) => group.endedPosition);
        const current = store;
        current.startSync(() => {
          syncing = false;
          groups.forEach((group, i) => {
            group.durableWrites = Math.max(group.durableWrites, covered[i] as number);
            const point = current.group(group.id).durablePoint();
            const expected = positions[i] as { index: number; term: number };
            if (point.index !== expected.index || point.term !== expected.term)
              fail(`group ${group.id}: durable point ${JSON.stringify(point)} after a sync, expected ${JSON.stringify(expected)}`);
          });
        });
      }
    } else if (roll < 0.985) {
      const before = store.segmentCount;
      clock.runNext();
      if (store.segmentCount < before) segmentsDeleted = true;
    } else {
      disk.crash();
      crashes++;
      recoverAndCheck(`crash ${crashes} at step ${step}`);
    }
  }
  // A clean close makes every write durable: the crash after it loses nothing.
  let closed = false;
  store.close(() => (closed = true));
  clock.runAll();
  if (!closed) fail('close did not complete');
  for (const group of groups) group.durableWrites = group.states.length - 1;
  disk.crash();
  recoverAndCheck('after close');
  return { crashes, torn: disk.stats.tornFiles, resurrected: disk.stats.resurrectedFiles, segmentsDeleted };
}

describe('DurableNodeStore under random writes and crashes', () => {
  it(`recovers a state each group really had, no older than its last sync (${SEEDS.length} seeds)`, () => {
    let crashes = 0;
    let torn = 0;
    let deletions = 0;
    let resurrected = 0;
    for (const seed of SEEDS) {
      const result = run(seed);
      crashes += result.crashes;
      torn += result.torn;
      resurrected += result.resurrected;
      if (result.segmentsDeleted) deletions++;
    }
    // The seeds exercise what they claim to: crashes, torn tails, segment deletion, undone removals.
    if (GIVEN_SEED === undefined) {
      expect(crashes).toBeGreaterThan(SEEDS.length * 3);
      expect(torn).toBeGreaterThan(SEEDS.length);
      expect(deletions).toBeGreaterThan(SEEDS.length / 4);
      expect(resurrected).toBeGreaterThan(0);
    }
  });
});
