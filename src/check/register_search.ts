// One register's linearization search: Wing & Gong's, as improved by Lowe and used by Porcupine
// (call/return entries in a linked list, lift/unlift, a stack of choices, a cache of explored
// (linearized set, state) pairs), plus pruning rules that each argue why no linearization is
// lost. Integers and typed arrays only (values interned, 0 the missing key; positions are event
// indices); pure, any clock injected. Answers valid, invalid or unknown: never a guess.

import { AssertionFailure, assert } from '../base/assert.js';

export type Verdict = 'valid' | 'invalid' | 'unknown';
export type UnknownReason = 'steps' | 'time' | 'memory';

/** The missing key: the register's initial state. */
export const MISSING = 0;

/**
 * What a search op does. read: the state is `a`. write: it becomes `a`. cas: it is `a` and
 * becomes `b`. casMismatchPresent (refused with 22): it is a value other than `a`.
 * casMismatch (refused, no code): it is anything but `a`. maybeWrite and maybeCas are
 * indefinite: they may take effect any time after their call, or never (`ret` is -1).
 */
export const SearchKind = {
  read: 0,
  write: 1,
  cas: 2,
  casMismatchPresent: 3,
  casMismatch: 4,
  maybeWrite: 5,
  maybeCas: 6,
} as const;

const KIND_READ: number = SearchKind.read;
const KIND_WRITE: number = SearchKind.write;
const KIND_CAS: number = SearchKind.cas;
const KIND_CAS_MISMATCH_PRESENT: number = SearchKind.casMismatchPresent;
const KIND_CAS_MISMATCH: number = SearchKind.casMismatch;
const KIND_MAYBE_WRITE: number = SearchKind.maybeWrite;
const KIND_MAYBE_CAS: number = SearchKind.maybeCas;

/** One operation as the search sees it: positions are event indices, `ret` -1 if indefinite. */
export interface SearchOp {
  readonly kind: number;
  readonly a: number;
  readonly b: number;
  readonly call: number;
  readonly ret: number;
}

export interface SearchLimits {
  readonly maxSteps: number;
  readonly maxCacheWords: number;
  /** Absolute time on `now`'s clock after which the verdict is unknown. */
  readonly deadline: number | null;
  readonly now: (() => number) | null;
}

/**
 * Indices refer to the input array of `searchRegister`. `prefix` is the longest linearizable
 * prefix of an invalid search, or (when asked for) the linearization found or the deepest one.
 */
export interface SearchOutcome {
  readonly verdict: Verdict;
  readonly steps: number;
  readonly cacheEntries: number;
  readonly deepest: number;
  readonly unknownReason: UnknownReason | null;
  readonly prefix: readonly number[];
  readonly prefixStates: readonly number[];
  /** The op whose return the deepest point could not get past, or -1. */
  readonly blocking: number;
}

const CLOCK_CHECK_MASK = 0x3fff;
const ILLEGAL = -1;

// What the search loop is doing at the current node.
const MODE_FORCED_SCAN = 0; // looking for a legal op that leaves the state alone
const MODE_DEFINITE = 1; // branching over definite candidates, in list order
const MODE_INDEFINITE = 2; // branching over indefinite ops invoked before the first return
const MODE_EXHAUSTED = 3; // no candidate left: backtrack

// How a stack entry was chosen: one branch among several, or the node's only needed branch.
const FRAME_CHOICE = 0;
const FRAME_FORCED = 1;

/** Ops that leave the state as they found it wherever they are placed (a cas from v to v too). */
function isPureObservation(op: SearchOp): boolean {
  return op.kind === KIND_READ || op.kind === KIND_CAS_MISMATCH_PRESENT || op.kind === KIND_CAS_MISMATCH || (op.kind === KIND_CAS && op.a === op.b);
}

/** The register's state after the op, or ILLEGAL if the op cannot happen in `state`. */
function nextStateOf(kind: number, a: number, b: number, state: number): number {
  switch (kind) {
    case KIND_READ:
      return state === a ? state : ILLEGAL;
    case KIND_WRITE:
    case KIND_MAYBE_WRITE:
      return a;
    case KIND_CAS:
      return state === a ? b : ILLEGAL;
    case KIND_CAS_MISMATCH_PRESENT:
      return state !== a && state !== MISSING ? state : ILLEGAL;
    case KIND_CAS_MISMATCH:
      return state !== a ? state : ILLEGAL;
    case KIND_MAYBE_CAS:
      // Taking effect is forced only when it matches: not taking effect is the same as being
      // linearized after every definite op, where the search stops, so nothing is lost.
      return state === a ? b : state;
    default:
      throw new AssertionFailure(`unknown search kind ${kind}`);
  }
}

/**
 * Checks one key. A cheap sweep first looks for an op that no linearization can explain (a
 * value read long after it was overwritten for good, say): then the key is invalid for certain,
 * and the search only has to explain what came before it. The search alone would also get
 * there, but must first rule out every order of everything before that op, which for long keys
 * under heavy concurrency can exhaust any budget.
 */
export function searchKey(ops: readonly SearchOp[], limits: SearchLimits): SearchOutcome {
  const impossible = findImpossibleOp(ops);
  if (impossible === -1) return searchRegister(ops, limits);
  const deadline = (ops[impossible] as SearchOp).ret;
  // What happened before: ops invoked before its completion, those still running then being
  // indeterminate (they may or may not have taken effect before it).
  const before: SearchOp[] = [];
  const original: number[] = [];
  ops.forEach((op, index) => {
    if (index === impossible || op.call > deadline) return;
    if (op.ret >= 0 && op.ret < deadline) {
      before.push(op);
    } else {
      const kind = indefiniteKind(op.kind);
      if (kind === ILLEGAL) return;
      before.push({ ...op, kind, ret: -1 });
    }
    original.push(index);
  });
  const earlier = searchRegister(before, limits, true);
  const mapped = (index: number): number => original[index] as number;
  if (earlier.verdict === 'invalid') {
    return { ...earlier, prefix: earlier.prefix.map(mapped), blocking: mapped(earlier.blocking) };
  }
  return {
    verdict: 'invalid',
    steps: earlier.steps,
    cacheEntries: earlier.cacheEntries,
    deepest: earlier.prefix.length,
    unknownReason: null,
    prefix: earlier.prefix.map(mapped),
    prefixStates: earlier.prefixStates,
    blocking: impossible,
  };
}

/**
 * A definite op needing a state (a read, a successful cas) that no linearization can give it,
 * the one completing first; -1 if none is found. Sound, not complete: it proves op R needs
 * value v and every op that could produce v (v being missing: the initial state) either was
 * invoked after R completed or completed before some definite write of another value began,
 * that write itself completing before R began. One sweep over the events, in event order.
 */
export function findImpossibleOp(ops: readonly SearchOp[]): number {
  const NONE = -2; // below every position; the initial state "completes" at -1
  interface Point {
    readonly position: number;
    readonly index: number;
    readonly isCall: boolean;
  }
  const points: Point[] = [];
  ops.forEach((op, index) => {
    points.push({ position: op.call, index, isCall: true });
    if (op.ret >= 0) points.push({ position: op.ret, index, isCall: false });
  });
  points.sort((x, y) => x.position - y.position);

  // Latest invoke among completed definite setters, per value set, with the best two values
  // kept apart so "latest setter of any value but v" is a constant-time question.
  const latestSetterCall = new Map<number, number>();
  let first = { value: -1, call: NONE };
  let second = { value: -1, call: NONE };
  // Latest completion among producers of each value invoked so far (indefinite: +infinity).
  const producerReturn = new Map<number, number>([[MISSING, -1]]);
  // For each op needing a state, the latest setter of another value completed before it began.
  const overwrittenAfter = new Map<number, number>();

  for (const point of points) {
    const op = ops[point.index] as SearchOp;
    const needed = neededState(op);
    if (point.isCall) {
      if (needed !== ILLEGAL) overwrittenAfter.set(point.index, first.value !== needed ? first.call : second.call);
      const produced = producedState(op);
      if (produced !== ILLEGAL) {
        const ret = op.ret < 0 ? Infinity : op.ret;
        producerReturn.set(produced, Math.max(producerReturn.get(produced) ?? NONE, ret));
      }
      continue;
    }
    if (needed !== ILLEGAL) {
      const latestProducer = producerReturn.get(needed) ?? NONE;
      if (latestProducer <= (overwrittenAfter.get(point.index) ?? NONE)) return point.index;
    }
    const set = setState(op);
    if (set === ILLEGAL) continue;
    // `call` only grows per value, so: bump the leader, or overtake it, or bump/overtake second.
    const call = Math.max(latestSetterCall.get(set) ?? NONE, op.call);
    latestSetterCall.set(set, call);
    if (set === first.value) {
      first = { value: set, call };
    } else if (call > first.call) {
      second = first;
      first = { value: set, call };
    } else if (set === second.value || call > second.call) {
      second = { value: set, call };
    }
  }
  return -1;
}

/**
 * The kind an op has when it may or may not have happened: writes and cas become maybe-ones;
 * observations become nothing (ILLEGAL), since an optional observation never helps.
 */
function indefiniteKind(kind: number): number {
  if (kind === KIND_WRITE || kind === KIND_MAYBE_WRITE) return KIND_MAYBE_WRITE;
  if (kind === KIND_CAS || kind === KIND_MAYBE_CAS) return KIND_MAYBE_CAS;
  return ILLEGAL;
}

/** The state a definite op must find, for the ops the impossibility sweep judges. */
function neededState(op: SearchOp): number {
  if (op.ret < 0) return ILLEGAL;
  if (op.kind === KIND_READ) return op.a;
  // A cas from v to v produces what it needs, which the sweep does not untangle: skip it.
  if (op.kind === KIND_CAS && op.a !== op.b) return op.a;
  return ILLEGAL;
}

/** The value an op may leave in the register, definite or not. */
function producedState(op: SearchOp): number {
  switch (op.kind) {
    case KIND_WRITE:
    case KIND_MAYBE_WRITE:
      return op.a;
    case KIND_CAS:
    case KIND_MAYBE_CAS:
      return op.b;
    default:
      return ILLEGAL;
  }
}

/** The value a definite op certainly sets somewhere between its invoke and its completion. */
function setState(op: SearchOp): number {
  if (op.ret < 0) return ILLEGAL;
  if (op.kind === KIND_WRITE || op.kind === KIND_CAS) return producedState(op);
  return ILLEGAL;
}

/**
 * Searches for a linearization of one register's operations, starting from the missing state.
 *
 * Definite operations have a call and a return entry in one list ordered by event position.
 * Indefinite ones only have a call (their return is at +infinity), kept in a second list. The
 * search is done as soon as every definite op is linearized: indefinite ones left over never
 * happened. Plain WGL would branch over every candidate at every node; four rules cut that
 * down without losing a linearization (each is argued where it is applied):
 * - a legal pure observation (read, refused cas) is taken alone, no other branch needed;
 * - indefinite ops are tried only after all definite candidates failed, and only when their
 *   new state makes some candidate possible;
 * - of several identical indefinite ops, only the earliest unused one is tried;
 * - indefinite ops no linearization can need are left out from the start.
 */
export function searchRegister(ops: readonly SearchOp[], limits: SearchLimits, wantWitness = false): SearchOutcome {
  let lastDefiniteReturn = -1;
  for (const op of ops) if (op.ret > lastDefiniteReturn) lastDefiniteReturn = op.ret;
  const byCall = (x: number, y: number): number => (ops[x] as SearchOp).call - (ops[y] as SearchOp).call;
  const useless = uselessIndefiniteOps(ops);
  const definite: number[] = [];
  const indefinite: number[] = [];
  for (let index = 0; index < ops.length; index++) {
    const op = ops[index] as SearchOp;
    if (op.ret >= 0) definite.push(index);
    else assert(indefiniteKind(op.kind) === op.kind, () => `op ${index}: kind ${op.kind} cannot be indefinite`);
    // One invoked after the last definite return can be linearized last, where it changes nothing.
    if (op.ret < 0 && op.call < lastDefiniteReturn && !useless.has(index)) indefinite.push(index);
  }
  definite.sort(byCall);
  indefinite.sort(byCall);
  // Search ids: definite operations 0..D-1 in call order, then indefinite ones D..D+I-1.
  const order = definite.concat(indefinite);
  const definiteCount = definite.length;
  const total = order.length;
  if (definiteCount === 0) {
    return { verdict: 'valid', steps: 0, cacheEntries: 0, deepest: 0, unknownReason: null, prefix: [], prefixStates: [], blocking: -1 };
  }

  const kind = new Int8Array(total);
  const argA = new Int32Array(total);
  const argB = new Int32Array(total);
  const observes = new Int8Array(total);
  for (let id = 0; id < total; id++) {
    const op = ops[order[id] as number] as SearchOp;
    kind[id] = op.kind;
    argA[id] = op.a;
    argB[id] = op.b;
    observes[id] = isPureObservation(op) ? 1 : 0;
  }

  // Main list: entry 2*id is the call of definite op id, 2*id+1 its return; HEAD is the sentinel.
  const head = 2 * definiteCount;
  const next = new Int32Array(head + 1);
  const prev = new Int32Array(head + 1);
  const position = new Int32Array(head);
  for (let id = 0; id < definiteCount; id++) {
    const op = ops[order[id] as number] as SearchOp;
    position[2 * id] = op.call;
    position[2 * id + 1] = op.ret;
  }
  const entries = Array.from({ length: head }, (_, entry) => entry).sort((x, y) => (position[x] as number) - (position[y] as number));
  linkInOrder(entries, head, next, prev);

  // Indefinite list: entry j is the call of search id definiteCount + j; INFO_HEAD its sentinel.
  const infoHead = indefinite.length;
  const infoNext = new Int32Array(infoHead + 1);
  const infoPrev = new Int32Array(infoHead + 1);
  const infoPosition = new Int32Array(infoHead);
  for (let j = 0; j < infoHead; j++) infoPosition[j] = (ops[indefinite[j] as number] as SearchOp).call;
  // Indefinite ops doing the same thing are interchangeable, and an earlier invoke can stand in
  // for a later one anywhere, so only the earliest unused one of each kind is ever tried.
  const previousSameClass = new Int32Array(infoHead);
  const lastOfClass = new Map<string, number>();
  for (let j = 0; j < infoHead; j++) {
    const op = ops[indefinite[j] as number] as SearchOp;
    const signature = `${op.kind}:${op.a}:${op.b}`;
    previousSameClass[j] = lastOfClass.get(signature) ?? -1;
    lastOfClass.set(signature, j);
  }
  linkInOrder(
    Array.from({ length: infoHead }, (_, entry) => entry),
    infoHead,
    infoNext,
    infoPrev,
  );

  const definiteWords = (definiteCount + 31) >>> 5;
  const linearized = new LinearizedSet(definiteWords, (indefinite.length + 31) >>> 5);
  const cache = new StateCache(linearized, limits.maxCacheWords, total);
  const bitOf = (id: number): number => (id < definiteCount ? id : definiteWords * 32 + (id - definiteCount));

  // The stack of choices: the op linearized at each depth, the state before it, and for an
  // indefinite op the node's first return entry (to resume scanning indefinite candidates).
  const stackOp = new Int32Array(total);
  const stackState = new Int32Array(total);
  const stackFrame = new Int8Array(total);
  const stackBlocking = new Int32Array(total);
  // The prefix with the most definite ops so far (indefinite ops only count when needed, so
  // the report does not end on maybe-writes that merely could have happened). Stack entries
  // below `divergeDepth` still equal the best's, so a new best copies only what changed:
  // amortized constant per push.
  const bestOp = new Int32Array(total);
  const bestState = new Int32Array(total);
  let bestDefinite = 0;
  let bestDepth = 0;
  let divergeDepth = 0;
  let failureRecorded = false;
  let blockingOut = -1;

  let state = MISSING;
  let depth = 0;
  let definiteDone = 0;
  let steps = 0;
  let mode = MODE_FORCED_SCAN;
  let entry = next[head] as number;
  let infoEntry = -1;
  // The node's first return entry, once a scan has reached it (MODE_DEFINITE found it).
  let blockingEntry = -1;

  const outcome = (verdict: Verdict, reason: UnknownReason | null): SearchOutcome => {
    const prefix: number[] = [];
    const prefixStates: number[] = [];
    if (verdict === 'invalid' || (verdict === 'unknown' && wantWitness)) {
      for (let i = 0; i < bestDepth; i++) {
        prefix.push(order[bestOp[i] as number] as number);
        prefixStates.push(bestState[i] as number);
      }
    } else if (verdict === 'valid' && wantWitness) {
      for (let i = 0; i < depth; i++) {
        prefix.push(order[stackOp[i] as number] as number);
        prefixStates.push(i + 1 < depth ? (stackState[i + 1] as number) : state);
      }
    }
    return {
      verdict,
      steps,
      cacheEntries: cache.count,
      deepest: verdict === 'valid' ? depth : bestDepth,
      unknownReason: reason,
      prefix,
      prefixStates,
      blocking: verdict === 'invalid' ? blockingOut : -1,
    };
  };

  for (;;) {
    if (definiteDone === definiteCount) return outcome('valid', null);
    if (steps >= limits.maxSteps) return outcome('unknown', 'steps');
    steps++;
    if ((steps & CLOCK_CHECK_MASK) === 0 && limits.deadline !== null && limits.now !== null) {
      if (limits.now() > limits.deadline) return outcome('unknown', 'time');
    }

    let candidate = -1;
    let frame = FRAME_CHOICE;
    if (mode === MODE_FORCED_SCAN) {
      if ((entry & 1) === 1) {
        // Reached the first return without a forced candidate: branch over the others.
        mode = MODE_DEFINITE;
        entry = next[head] as number;
        continue;
      }
      const id = entry >>> 1;
      if (observes[id] === 0 || nextStateOf(kind[id] as number, argA[id] as number, argB[id] as number, state) === ILLEGAL) {
        entry = next[entry] as number;
        continue;
      }
      // A definite pure observation (it never changes the state, wherever it is placed) that
      // is legal here can go first in some linearization if any exists: moving it forward
      // breaks no real-time order, since every op that had to precede it is linearized, and
      // changes no state anyone sees. So this node needs no other branch. (A write of the
      // current value is not one: placed later, it may be the op that restores that value.)
      candidate = id;
      frame = FRAME_FORCED;
    } else if (mode === MODE_DEFINITE) {
      if ((entry & 1) === 0) {
        candidate = entry >>> 1;
      } else {
        // The first return entry: its op had to be linearized by now. Before giving up on
        // this node, try the indefinite ops invoked before that return.
        blockingEntry = entry;
        mode = MODE_INDEFINITE;
        infoEntry = infoNext[infoHead] as number;
        continue;
      }
    } else if (mode === MODE_INDEFINITE) {
      if (infoEntry === -1 || (infoPosition[infoEntry] as number) > (position[blockingEntry] as number)) {
        mode = MODE_EXHAUSTED;
        continue;
      }
      const previous = previousSameClass[infoEntry] as number;
      if (previous !== -1 && !linearized.has(bitOf(definiteCount + previous))) {
        // An identical op invoked earlier is still unused and can stand in for this one.
        infoEntry = infoNext[infoEntry] as number;
        continue;
      }
      if (!enablesSomething(infoEntry)) {
        infoEntry = infoNext[infoEntry] as number;
        continue;
      }
      candidate = definiteCount + infoEntry;
    } else {
      // Every candidate of this node failed: undo the last choice and try its successors.
      if (!failureRecorded && depth === bestDepth && divergeDepth === bestDepth) {
        // First dead end after the deepest point: the stack is the best prefix itself.
        failureRecorded = true;
        const firstReturn = firstReturnEntry();
        blockingOut = order[firstReturn >>> 1] as number;
      }
      if (depth === 0) return outcome('invalid', null);
      depth--;
      if (depth < divergeDepth) divergeDepth = depth;
      const id = stackOp[depth] as number;
      state = stackState[depth] as number;
      linearized.clear(bitOf(id));
      if (id < definiteCount) {
        unlift(2 * id + 1, next, prev);
        unlift(2 * id, next, prev);
        definiteDone--;
        // A forced op failed, so its whole node fails; otherwise try the next candidate.
        mode = stackFrame[depth] === FRAME_FORCED ? MODE_EXHAUSTED : MODE_DEFINITE;
        entry = next[2 * id] as number;
      } else {
        unlift(id - definiteCount, infoNext, infoPrev);
        blockingEntry = stackBlocking[depth] as number;
        mode = MODE_INDEFINITE;
        infoEntry = infoNext[id - definiteCount] as number;
      }
      continue;
    }

    // Try `candidate`: legal in this state, and a (set, state) pair not explored before?
    const nextState = nextStateOf(kind[candidate] as number, argA[candidate] as number, argB[candidate] as number, state);
    if (nextState !== ILLEGAL) {
      const bit = bitOf(candidate);
      linearized.set(bit);
      const inserted = cache.insert(nextState);
      if (inserted === CACHE_FULL) return outcome('unknown', 'memory');
      if (inserted === CACHE_INSERTED) {
        stackOp[depth] = candidate;
        stackState[depth] = state;
        stackFrame[depth] = frame;
        stackBlocking[depth] = blockingEntry;
        depth++;
        state = nextState;
        if (candidate < definiteCount) {
          lift(2 * candidate, next, prev);
          lift(2 * candidate + 1, next, prev);
          definiteDone++;
        } else {
          lift(candidate - definiteCount, infoNext, infoPrev);
        }
        if (definiteDone > bestDefinite) {
          for (let i = divergeDepth; i < depth; i++) {
            bestOp[i] = stackOp[i] as number;
            bestState[i] = i + 1 < depth ? (stackState[i + 1] as number) : state;
          }
          bestDefinite = definiteDone;
          bestDepth = depth;
          divergeDepth = depth;
          failureRecorded = false;
        }
        mode = MODE_FORCED_SCAN;
        entry = next[head] as number;
        continue;
      }
      linearized.clear(bit);
    }
    if (frame === FRAME_FORCED) mode = MODE_EXHAUSTED;
    else if (candidate < definiteCount) entry = next[entry] as number;
    else infoEntry = infoNext[infoEntry] as number;
  }

  /**
   * Whether indefinite op `j` is worth trying at this stuck node: it must change the state to
   * one that makes an illegal definite candidate legal, or that an available maybe-cas starts
   * from. Why nothing is lost: take a solution from here with the fewest indefinite ops before
   * its first definite op D. D is not a write (D first would also solve this node, and that
   * branch failed), so those ops must take the state to one D accepts and it does not accept
   * now; a no-op among them, or one whose result only a later write covers, could be left out
   * (indefinite ops may stay unused). So the first of them changes the state to one D needs,
   * or to the `from` of the maybe-cas after it.
   */
  function enablesSomething(j: number): boolean {
    const id = definiteCount + j;
    const after = nextStateOf(kind[id] as number, argA[id] as number, argB[id] as number, state);
    if (after === state) return false;
    for (let e = next[head] as number; e !== blockingEntry && e !== -1; e = next[e] as number) {
      if ((e & 1) === 1) continue;
      const d = e >>> 1;
      const k = kind[d] as number;
      const a = argA[d] as number;
      const b = argB[d] as number;
      if (nextStateOf(k, a, b, state) === ILLEGAL && nextStateOf(k, a, b, after) !== ILLEGAL) return true;
    }
    const limit = position[blockingEntry] as number;
    for (let other = infoNext[infoHead] as number; other !== -1 && (infoPosition[other] as number) < limit; other = infoNext[other] as number) {
      const otherId = definiteCount + other;
      if (other !== j && kind[otherId] === KIND_MAYBE_CAS && argA[otherId] === after) return true;
    }
    return false;
  }

  function firstReturnEntry(): number {
    let e = next[head] as number;
    while ((e & 1) === 0) e = next[e] as number;
    return e;
  }
}

/**
 * Indefinite ops that no linearization needs, so the search can leave them out (each one left
 * in can double the states explored, and invalid histories must explore them all):
 * - a maybe-cas whose `from` no op ever produces can never take effect;
 * - when the key has no refused cas (those accept any other value), a maybe-write of a value no
 *   read or cas ever asks for (or a maybe-cas to such a value) leaves a state that only a write
 *   can follow. Dropping it from a linearization then changes nothing anyone observed: the ops
 *   between it and that write are maybe-cas that see another state, still legal.
 */
function uselessIndefiniteOps(ops: readonly SearchOp[]): Set<number> {
  const asked = new Set<number>();
  const produced = new Set<number>([MISSING]);
  let refusalsSeen = false;
  for (const op of ops) {
    switch (op.kind) {
      case KIND_READ:
        asked.add(op.a);
        break;
      case KIND_WRITE:
      case KIND_MAYBE_WRITE:
        produced.add(op.a);
        break;
      case KIND_CAS:
      case KIND_MAYBE_CAS:
        asked.add(op.a);
        produced.add(op.b);
        break;
      default:
        refusalsSeen = true;
    }
  }
  const useless = new Set<number>();
  ops.forEach((op, index) => {
    if (op.kind === KIND_MAYBE_CAS && !produced.has(op.a)) useless.add(index);
    if (refusalsSeen) return;
    if (op.kind === KIND_MAYBE_WRITE && !asked.has(op.a)) useless.add(index);
    if (op.kind === KIND_MAYBE_CAS && !asked.has(op.b)) useless.add(index);
  });
  return useless;
}

function linkInOrder(entries: readonly number[], head: number, next: Int32Array, prev: Int32Array): void {
  let last = head;
  prev[head] = -1;
  for (const entry of entries) {
    next[last] = entry;
    prev[entry] = last;
    last = entry;
  }
  next[last] = -1;
}

function lift(entry: number, next: Int32Array, prev: Int32Array): void {
  const before = prev[entry] as number;
  const after = next[entry] as number;
  next[before] = after;
  if (after !== -1) prev[after] = before;
}

/** Exact inverse of `lift`, valid when entries are restored in the reverse order of lifting. */
function unlift(entry: number, next: Int32Array, prev: Int32Array): void {
  const before = prev[entry] as number;
  const after = next[entry] as number;
  next[before] = entry;
  if (after !== -1) prev[after] = entry;
}

/**
 * The set of linearized ops, as bits: definite ops in words [0, definiteWords), indefinite ones
 * after. Definite ops are mostly linearized in call order, so the set is described compactly by
 * the number of leading all-ones words plus the words up to the last nonzero one: that
 * "window" is what the cache stores, which keeps it small even for keys with many operations.
 */
class LinearizedSet {
  readonly words: Int32Array;
  /** Leading definite words whose 32 bits are all set. */
  fullWords = 0;
  /** At least one past the last nonzero definite word; lowered lazily by `windowEnd`. */
  private upperBound = 0;

  constructor(
    readonly definiteWords: number,
    readonly indefiniteWords: number,
  ) {
    this.words = new Int32Array(definiteWords + indefiniteWords);
  }

  set(bit: number): void {
    const word = bit >>> 5;
    this.words[word] = (this.words[word] as number) | (1 << (bit & 31));
    if (word >= this.definiteWords) return;
    if (word >= this.upperBound) this.upperBound = word + 1;
    while (this.fullWords < this.definiteWords && this.words[this.fullWords] === -1) this.fullWords++;
  }

  has(bit: number): boolean {
    return ((this.words[bit >>> 5] as number) & (1 << (bit & 31))) !== 0;
  }

  clear(bit: number): void {
    const word = bit >>> 5;
    this.words[word] = (this.words[word] as number) & ~(1 << (bit & 31));
    if (word < this.fullWords) this.fullWords = word;
  }

  windowEnd(): number {
    while (this.upperBound > this.fullWords && this.words[this.upperBound - 1] === 0) this.upperBound--;
    return Math.max(this.upperBound, this.fullWords);
  }
}

const CACHE_PRESENT = 0;
const CACHE_INSERTED = 1;
const CACHE_FULL = 2;

/**
 * Open-addressing hash set of (linearized set, state), stored flat in one growing Int32Array:
 * [hash, state, fullWords, windowLength, ...window words, ...indefinite words]. The table holds
 * arena offsets + 1 (0 is empty) at load factor at most one half, so probes always end.
 */
class StateCache {
  count = 0;
  private arena: Int32Array;
  private used = 0;
  private table: Int32Array;

  constructor(
    private readonly set: LinearizedSet,
    private readonly maxWords: number,
    expectedEntries: number,
  ) {
    // Sized for a search that walks straight through (one entry per op); grows when it does not.
    const entryWords = 5 + set.indefiniteWords;
    this.arena = new Int32Array(Math.max(16, Math.min(maxWords, expectedEntries * entryWords)));
    let slots = 64;
    while (slots < expectedEntries * 2 && slots < 1 << 30) slots *= 2;
    this.table = new Int32Array(slots);
  }

  insert(state: number): number {
    const set = this.set;
    const words = set.words;
    const low = set.fullWords;
    const high = set.windowEnd();
    const infoStart = set.definiteWords;
    const infoEnd = infoStart + set.indefiniteWords;
    let hash = mixHash(mixHash(0x2545f491, state), low);
    for (let w = low; w < high; w++) hash = mixHash(hash, words[w] as number);
    for (let w = infoStart; w < infoEnd; w++) hash = mixHash(hash, words[w] as number);
    hash = finishHash(hash);
    const windowLength = high - low;

    const arena = this.arena;
    const mask = this.table.length - 1;
    let slot = hash & mask;
    for (let probes = 0; probes <= mask; probes++) {
      const reference = this.table[slot] as number;
      if (reference === 0) break;
      const o = reference - 1;
      if (arena[o] === hash && arena[o + 1] === state && arena[o + 2] === low && arena[o + 3] === windowLength) {
        let same = true;
        let p = o + 4;
        for (let w = low; same && w < high; w++, p++) same = arena[p] === words[w];
        for (let w = infoStart; same && w < infoEnd; w++, p++) same = arena[p] === words[w];
        if (same) return CACHE_PRESENT;
      }
      slot = (slot + 1) & mask;
    }

    const size = 4 + windowLength + set.indefiniteWords;
    if (!this.reserve(size)) return CACHE_FULL;
    const o = this.used;
    const target = this.arena;
    target[o] = hash;
    target[o + 1] = state;
    target[o + 2] = low;
    target[o + 3] = windowLength;
    let p = o + 4;
    for (let w = low; w < high; w++, p++) target[p] = words[w] as number;
    for (let w = infoStart; w < infoEnd; w++, p++) target[p] = words[w] as number;
    this.used += size;
    this.table[slot] = o + 1;
    this.count++;
    if (this.count * 2 > this.table.length) this.rehash();
    return CACHE_INSERTED;
  }

  private reserve(size: number): boolean {
    if (this.used + size <= this.arena.length) return true;
    if (this.used + size > this.maxWords) return false;
    const grown = new Int32Array(Math.min(this.maxWords, Math.max(this.arena.length * 2, this.used + size)));
    grown.set(this.arena.subarray(0, this.used));
    this.arena = grown;
    return true;
  }

  private rehash(): void {
    const table = new Int32Array(this.table.length * 2);
    const mask = table.length - 1;
    const indefiniteWords = this.set.indefiniteWords;
    for (let o = 0; o < this.used; o += 4 + (this.arena[o + 3] as number) + indefiniteWords) {
      let slot = (this.arena[o] as number) & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = o + 1;
    }
    this.table = table;
  }
}

function mixHash(hash: number, value: number): number {
  let k = Math.imul(value, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  let h = hash ^ k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finishHash(hash: number): number {
  let h = hash ^ (hash >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
