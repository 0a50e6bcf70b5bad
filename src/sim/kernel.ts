// The simulation kernel both simulators run on (the whole-node one in simulator.ts, the Raft-core
// one in raft_sim.ts): one virtual clock in microseconds, one event heap in which events due at
// the same instant come out in the order they were scheduled, one trace hash, and a bound on the
// events of a run. It knows nothing of nodes, messages or faults. Pure: no clock, no randomness.
// Invariants: time never goes backwards (nothing is scheduled in the past); a run handles at
// most maxEvents events, so a runaway fails loudly instead of spinning.

import { assert } from '../base/assert.js';
import { DeadlineHeap } from '../harness/heap.js';

export class SimKernel<E> {
  private readonly heap = new DeadlineHeap<E>();
  private sequence = 0;
  private nowUs = 0;
  private handled = 0;
  /** Everything a simulator folds into its run's fingerprint (see TraceHash). */
  readonly trace = new TraceHash();

  constructor(private readonly maxEvents: number) {}

  /** Virtual microseconds since the run began. */
  get now(): number {
    return this.nowUs;
  }

  /** Events taken off the heap so far. */
  get eventCount(): number {
    return this.handled;
  }

  schedule(atUs: number, event: E): void {
    assert(atUs >= this.nowUs, () => `scheduled at ${atUs} µs, before now (${this.nowUs} µs)`);
    this.heap.push({ deadline: atUs, sequence: this.sequence++, item: event });
  }

  after(delayUs: number, event: E): void {
    this.schedule(this.nowUs + delayUs, event);
  }

  /** When the next event is due; undefined when none is left. */
  nextTime(): number | undefined {
    return this.heap.peek()?.deadline;
  }

  /** Takes the next event off the heap and moves the clock to its time. */
  next(): E | undefined {
    const top = this.heap.pop();
    if (top === undefined) return undefined;
    this.handled++;
    assert(this.handled <= this.maxEvents, () => `more than ${this.maxEvents} events: a runaway, not a long run`);
    this.nowUs = top.deadline;
    return top.item;
  }
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * FNV-1a over what a run did: equal hashes mean (almost surely) equal runs, so a replay can be
 * compared with the original at a glance. Integers are folded in as two 32-bit halves.
 */
export class TraceHash {
  private state = FNV_OFFSET;

  text(text: string): void {
    this.state = fnvText(this.state, text);
  }

  ints(a: number, b: number, c: number): void {
    this.state = fnvInt(fnvInt(fnvInt(this.state, a), b), c);
  }

  get hex(): string {
    return toHex(this.state);
  }
}

function fnvText(hash: number, text: string): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

function fnvInt(hash: number, value: number): number {
  let h = hash ^ (value | 0);
  h = Math.imul(h, FNV_PRIME);
  h ^= Math.floor(value / 4294967296);
  return Math.imul(h, FNV_PRIME) >>> 0;
}

/** The FNV-1a hash of a list of lines (history fingerprints). */
export function hashLines(lines: Iterable<string>): string {
  let hash = FNV_OFFSET;
  for (const line of lines) hash = fnvText(hash, line);
  return toHex(hash);
}

function toHex(hash: number): string {
  return (hash >>> 0).toString(16).padStart(8, '0');
}
