// Shared by the storage and runner tests: a virtual clock whose events a test runs explicitly,
// a simulated disk on it, and a store opened on that disk (failing the test if it cannot open).
import { Rng } from '../../src/base/rng.js';
import type { JsonValue } from '../../src/base/json.js';
import type { Entry } from '../../src/raft/index.js';
import { SimDisk, type SimDiskOptions, type SimScheduler } from '../../src/sim/sim_disk.js';
import { DurableNodeStore, type DurableStoreOptions, type RecoveryReport } from '../../src/storage/durable_store.js';

export const entry = (index: number, term: number, data: JsonValue = index): Entry => ({ index, term, kind: 'normal', data });
export const range = (lo: number, hi: number, term: number): Entry[] => Array.from({ length: hi - lo + 1 }, (_, i) => entry(lo + i, term));

/** Virtual time that moves only when the test runs events. */
export class ManualScheduler implements SimScheduler {
  nowUs = 0;
  private events: Array<{ readonly atUs: number; readonly seq: number; readonly fn: () => void }> = [];
  private seq = 0;

  schedule(delayUs: number, fn: () => void): void {
    this.events.push({ atUs: this.nowUs + delayUs, seq: this.seq++, fn });
    this.events.sort((a, b) => a.atUs - b.atUs || a.seq - b.seq);
  }

  get pending(): number {
    return this.events.length;
  }

  /** Runs the earliest event; false when there is none. */
  runNext(): boolean {
    const event = this.events.shift();
    if (event === undefined) return false;
    this.nowUs = event.atUs;
    event.fn();
    return true;
  }

  /** Runs events (and those they schedule) until none is left; bounded. */
  runAll(maxEvents = 100_000): void {
    for (let i = 0; i < maxEvents; i++) if (!this.runNext()) return;
    throw new Error(`still ${this.events.length} events after ${maxEvents}`);
  }

  /** Drops every pending event (what a crash does to callbacks in flight). */
  clear(): void {
    this.events = [];
  }
}

export function simDisk(seed = 1, options: Partial<SimDiskOptions> = {}): { readonly disk: SimDisk; readonly clock: ManualScheduler } {
  const clock = new ManualScheduler();
  return { disk: new SimDisk(clock, new Rng(seed), options), clock };
}

export function openStore(disk: SimDisk, options: DurableStoreOptions = {}): { readonly store: DurableNodeStore; readonly recovery: RecoveryReport } {
  const opened = DurableNodeStore.open(disk, options);
  if (!opened.ok) throw new Error(opened.error);
  return opened.value;
}

/** Starts a sync and runs the clock until it completes. */
export function syncNow(store: DurableNodeStore, clock: ManualScheduler): void {
  let done = false;
  store.startSync(() => {
    done = true;
  });
  while (!done) if (!clock.runNext()) throw new Error('the sync never completed');
}

/** A disk holding exactly `files`, all durable (to recover from crafted or damaged files). */
export function diskWith(files: ReadonlyMap<string, Uint8Array>, seed = 1): { readonly disk: SimDisk; readonly clock: ManualScheduler } {
  const made = simDisk(seed);
  for (const [name, bytes] of files) {
    made.disk.append(name, bytes);
    made.disk.makeDurable(name, bytes.length);
  }
  return made;
}
