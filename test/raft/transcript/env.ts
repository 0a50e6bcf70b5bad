// The world a Raft transcript runs in: RaftNodes over MemoryStorage disks that keep only what was
// synced, a network that holds every message until a command delivers or drops it, link cuts,
// crashes and restarts. It owns no Raft logic: every decision is the core's, and this file only
// follows the Ready contract (src/raft/raft.ts) and prints what happened. After every command it
// checks election safety, committed-log agreement and state machine agreement, so a transcript
// cannot enshrine a safety bug silently. Deterministic: no clock, no unseeded randomness.

import { assert } from '../../../src/base/assert.js';
import { Rng } from '../../../src/base/rng.js';
import {
  MemoryStorage,
  RAFT_DEFAULTS,
  RaftNode,
  isRaftMessageType,
  makeRaftConfig,
  vouchesForStorage,
  type Command,
  type Entry,
  type HardState,
  type NodeId,
  type RaftConfig,
  type RaftMessage,
  type Snapshot,
} from '../../../src/raft/index.js';
import { entriesText, messageText, readyLines, roleText } from './describe.js';
import { parseCommand, type ParsedCommand } from './format_file.js';

/** A mistake in the transcript itself (unknown command, bad argument): fails the test at its line. */
class TranscriptError extends Error {}

function usage(condition: unknown, message: string): asserts condition {
  if (!condition) throw new TranscriptError(message);
}

type Tunable = Exclude<keyof typeof RAFT_DEFAULTS, 'appliedIndex'>;
type ConfigBase = Omit<RaftConfig, 'id' | 'peers' | 'rng' | 'appliedIndex'>;

/** Timing sized for short transcripts; everything else is the product's default. */
const TRANSCRIPT_DEFAULTS = { electionTimeoutTicks: 10, heartbeatTicks: 2 } as const;
/** The switches add-nodes always prints, so each transcript says which Raft it runs. */
const SWITCHES = ['preVote', 'checkQuorum', 'leaseReads', 'followerLeases', 'asyncStorageWrites'] as const;
/** A livelock guard for stabilize: a correct cluster settles in a few rounds. */
const MAX_STABILIZE_ROUNDS = 100;
const MAX_READIES_PER_TURN = 100;

/**
 * Election timeouts chosen by the transcript, not drawn: the core draws each election period's
 * timeout from [T, 2T) with rng.int(T, 2T - 1), and this returns the node's scripted value for
 * that draw (every other draw, like a lease nonce, stays seeded-random).
 */
class ScriptedTimeoutRng extends Rng {
  constructor(
    seed: number,
    private readonly base: number,
    private readonly timeout: number,
  ) {
    super(seed);
  }

  override int(low: number, high: number): number {
    return low === this.base && high === 2 * this.base - 1 ? this.timeout : super.int(low, high);
  }
}

/** A write the node's Ready made, durable only after a sync. */
type Write =
  | { readonly kind: 'save'; readonly hardState: HardState | undefined; readonly entries: readonly Entry[] }
  | { readonly kind: 'snapshot'; readonly snapshot: Snapshot };

class Member {
  raft: RaftNode | undefined;
  incarnation = 0;
  /** What the node reads: every write, synced or not. */
  written: MemoryStorage;
  /** What survives a crash. */
  durable: MemoryStorage;
  pending: Write[] = [];
  /** Messages vouching for writes not yet synced (asynchronous storage writes). */
  held: RaftMessage[] = [];
  /** The state machine: the data of every applied entry, index i at [i - 1]. */
  stateMachine: Command[] = [];
  /** The last role and lease state printed, to report changes once. */
  seenRole = '';
  seenLease = '';
  /** Per incarnation: the commit index never goes back. */
  maxCommit = 0;

  constructor(
    readonly id: NodeId,
    disk: MemoryStorage,
    readonly timeout: number,
  ) {
    this.durable = disk;
    this.written = copyOf(disk);
  }

  get node(): RaftNode {
    usage(this.raft !== undefined, `${this.id} is down`);
    return this.raft;
  }
}

type Sink = (line: string, isEvent: boolean) => void;

export class TranscriptEnv {
  private readonly members = new Map<NodeId, Member>();
  private ids: NodeId[] = [];
  private base: ConfigBase | undefined;
  private readonly disks = new Map<NodeId, MemoryStorage>();
  /** Sent and neither delivered nor dropped, in send order. */
  private network: RaftMessage[] = [];
  private readonly cut = new Set<string>();
  /** Election safety: the one leader each term ever had. */
  private readonly leaders = new Map<number, NodeId>();
  private out: string[] = [];
  private sink: Sink = (line) => this.out.push(line);
  /** During `run`: messages lost on cut links, counted by type and link (printed once at the end). */
  private lostOnCuts: Map<string, number> | undefined;

  /** Runs one command line; returns its output lines (never empty, never holding a blank line). */
  execute(text: string): string[] {
    this.out = [];
    const command = parseCommand(text);
    this.dispatch(command);
    this.checkInvariants();
    const out = this.out.length === 0 ? ['ok'] : this.out;
    for (const line of out) assert(line.trim() !== '', () => `transcript: '${text}' printed a blank line`);
    return out;
  }

  private dispatch(c: ParsedCommand): void {
    switch (c.name) {
      case 'disk':
        return this.cmdDisk(c);
      case 'add-nodes':
        return this.cmdAddNodes(c);
      case 'campaign':
        return this.forNodes(c, (m) => {
          m.node.campaign();
          this.observe(m, '');
        });
      case 'propose':
        return this.cmdPropose(c);
      case 'read-index':
        return this.cmdReadIndex(c);
      case 'tick':
        return this.cmdTick(c);
      case 'run':
        return this.cmdRun(c);
      case 'process-ready':
        return this.forNodes(
          c,
          (m) => {
            if (m.raft === undefined) this.print(`${m.id} is down`);
            else if (!this.processReady(m, '')) this.print(`${m.id} has no Ready`);
          },
          true,
        );
      case 'deliver':
        return this.cmdDeliver(c, false);
      case 'drop':
        return this.cmdDeliver(c, true);
      case 'stabilize':
        return this.cmdStabilize(c);
      case 'sync':
        return this.forNodes(c, (m) => this.sync(m, ''));
      case 'crash':
        return this.cmdCrash(c);
      case 'restart':
        return this.forNodes(c, (m) => this.restart(m));
      case 'partition':
        return this.cmdPartition(c);
      case 'isolate':
        return this.cmdIsolate(c);
      case 'heal':
        onlyArgs(c, []);
        usage(c.words.length === 0, 'usage: heal');
        this.cut.clear();
        this.print('all links healed');
        return;
      case 'compact':
        return this.cmdCompact(c);
      case 'status':
        return this.forNodes(c, (m) => this.status(m), true);
      case 'log':
        return this.forNodes(c, (m) => this.printLog(m), true);
      case 'state':
        return this.forNodes(c, (m) => this.print(`${m.id} state: ${JSON.stringify(m.stateMachine)}`), true);
      default:
        throw new TranscriptError(`unknown command '${c.name}'`);
    }
  }

  // ---------------------------------------------------------------- setup

  /** `disk n3 log=1x5,2x3 term=3 vote=n1 commit=5`: a node's disk before add-nodes. */
  private cmdDisk(c: ParsedCommand): void {
    usage(this.base === undefined, 'disk must come before add-nodes');
    onlyArgs(c, ['log', 'term', 'vote', 'commit']);
    const [id] = c.words;
    usage(id !== undefined && c.words.length === 1, 'usage: disk <id> log=<term>x<count>,... [term=T] [vote=id] [commit=C]');
    const terms = parseTerms(c.args.get('log') ?? '');
    const entries: Entry[] = terms.map((term, i) => ({ index: i + 1, term, kind: 'normal', data: `i${i + 1}t${term}` }));
    const hardState: HardState = {
      term: intArg(c, 'term', terms[terms.length - 1] ?? 0),
      vote: c.args.get('vote') ?? null,
      commit: intArg(c, 'commit', 0),
    };
    this.disks.set(id, new MemoryStorage({ hardState, entries }));
    this.print(
      `${id} disk: ${entries.length === 0 ? 'empty log' : entriesText(entries)}; term=${hardState.term} vote=${hardState.vote ?? '-'} commit=${hardState.commit}`,
    );
  }

  /** `add-nodes 3 preVote=false maxInflightAppends=2 timeouts=10,15,12`: the cluster, once. */
  private cmdAddNodes(c: ParsedCommand): void {
    usage(this.base === undefined, 'add-nodes may be used once');
    const count = Number(c.words[0]);
    usage(c.words.length === 1 && Number.isSafeInteger(count) && count >= 1 && count <= 9, 'usage: add-nodes <1-9> [config=value ...] [timeouts=t1,t2,...]');
    const overrides: Partial<Record<Tunable, number | boolean>> = {};
    for (const [key, value] of c.args) {
      if (key === 'timeouts') continue;
      usage(key in RAFT_DEFAULTS && key !== 'appliedIndex', `unknown config option '${key}' (use a RaftConfig field name)`);
      const name = key as Tunable;
      overrides[name] = typeof RAFT_DEFAULTS[name] === 'boolean' ? parseBool(key, value) : parseCount(key, value);
    }
    const base = { ...RAFT_DEFAULTS, ...TRANSCRIPT_DEFAULTS, ...overrides } as ConfigBase;
    this.ids = Array.from({ length: count }, (_, i) => `n${i + 1}`);
    for (const id of this.disks.keys()) usage(this.ids.includes(id), `disk for ${id}, which add-nodes does not create`);
    const t = base.electionTimeoutTicks;
    // Node k times out after T + k - 1 ticks unless told otherwise: n1 first, no ties.
    const timeouts = c.args.has('timeouts')
      ? (c.args.get('timeouts') as string).split(',').map((v) => parseCount('timeouts', v))
      : this.ids.map((_, i) => Math.min(t + i, 2 * t - 1));
    usage(timeouts.length === count, `timeouts: ${timeouts.length} values for ${count} nodes`);
    for (const value of timeouts) usage(value >= t && value <= 2 * t - 1, `timeouts must lie in [${t}, ${2 * t - 1}], got ${value}`);
    this.base = base;
    this.ids.forEach((id, i) => {
      const member = new Member(id, this.disks.get(id) ?? new MemoryStorage(), timeouts[i] as number);
      this.members.set(id, member);
      this.startNode(member);
    });
    this.print(`${this.ids.join(' ')}: ${SWITCHES.map((name) => `${name}=${String(base[name])}`).join(' ')}`);
    this.print(
      `electionTimeoutTicks=${t} heartbeatTicks=${base.heartbeatTicks} election timeouts: ${this.ids.map((id, i) => `${id}=${timeouts[i]}`).join(' ')}`,
    );
    const limits = Object.keys(overrides).filter(
      (key) => !(SWITCHES as readonly string[]).includes(key) && key !== 'electionTimeoutTicks' && key !== 'heartbeatTicks',
    );
    if (limits.length > 0) this.print(limits.map((key) => `${key}=${String(base[key as Tunable])}`).join(' '));
  }

  private startNode(m: Member): void {
    const base = this.base as ConfigBase;
    const snapshot = m.durable.snapshot();
    m.written = copyOf(m.durable);
    m.pending = [];
    m.held = [];
    m.stateMachine = restoreStateMachine(snapshot);
    const position = this.ids.indexOf(m.id);
    const config = makeRaftConfig({
      ...base,
      id: m.id,
      peers: this.ids,
      appliedIndex: snapshot?.index ?? 0,
      rng: new ScriptedTimeoutRng(1000 * (position + 1) + m.incarnation, base.electionTimeoutTicks, m.timeout),
    });
    m.raft = new RaftNode(config, m.written);
    m.maxCommit = m.raft.commitIndex;
    m.seenRole = roleText(m.raft);
    m.seenLease = this.leaseText(m.raft);
  }

  // ---------------------------------------------------------------- client inputs

  /** `propose n1 a b c`: one proposal per word, in order. */
  private cmdPropose(c: ParsedCommand): void {
    const [id, ...values] = c.words;
    onlyArgs(c, []);
    usage(id !== undefined && values.length > 0, 'usage: propose <id> <value> [<value> ...]');
    const m = this.member(id);
    for (const value of values) {
      const result = m.node.propose(value);
      if (result.ok) this.print(`${id} proposed ${result.value.index}/${result.value.term} ${JSON.stringify(value)}`);
      else
        this.print(
          `${id} refused ${JSON.stringify(value)}: ${result.error.reason}${result.error.reason === 'not-leader' ? ` (lead=${result.error.leaderId ?? '-'})` : ''}`,
        );
    }
  }

  /** `read-index n1 ctx=1,2`: one readIndex call per ctx. */
  private cmdReadIndex(c: ParsedCommand): void {
    const [id] = c.words;
    onlyArgs(c, ['ctx']);
    const ctxs = (c.args.get('ctx') ?? '')
      .split(',')
      .filter((v) => v !== '')
      .map((v) => parseCount('ctx', v));
    usage(id !== undefined && c.words.length === 1 && ctxs.length > 0, 'usage: read-index <id> ctx=<n>[,<n>...]');
    const m = this.member(id);
    for (const ctx of ctxs) {
      const result = m.node.readIndex(ctx);
      if (result.ok) this.print(`${id} read ctx=${ctx} pending`);
      else
        this.print(
          `${id} read ctx=${ctx} refused: ${result.error.reason}${result.error.reason === 'not-leader' ? ` (lead=${result.error.leaderId ?? '-'})` : ''}`,
        );
    }
  }

  // ---------------------------------------------------------------- time

  /** `tick <ids|all> [n=K]`: ticks only; the Readies wait for process-ready or stabilize. */
  private cmdTick(c: ParsedCommand): void {
    onlyArgs(c, ['n']);
    usage(c.words.length > 0, 'usage: tick <id>... | all [n=<count>]');
    const times = intArg(c, 'n', 1);
    const targets = this.targets(c.words);
    for (let i = 0; i < times; i++) {
      for (const m of targets) {
        if (m.raft === undefined) continue;
        m.raft.tick();
        this.observe(m, '');
      }
    }
  }

  /**
   * `run ticks=K`: K times, tick every live node once and stabilize; prints only what changed
   * (roles, terms, leaders, leases, commit indexes), each line prefixed by its tick.
   */
  private cmdRun(c: ParsedCommand): void {
    onlyArgs(c, ['ticks']);
    const ticks = intArg(c, 'ticks', 0);
    usage(ticks >= 1 && c.words.length === 0, 'usage: run ticks=<n>');
    const outer = this.sink;
    let prefix = '';
    this.sink = (line, isEvent) => {
      if (isEvent) outer(`${prefix}${line.trim()}`, true);
    };
    const lost = new Map<string, number>();
    this.lostOnCuts = lost;
    try {
      for (let t = 1; t <= ticks; t++) {
        prefix = `tick ${t}: `;
        const commits = new Map(this.live().map((m) => [m.id, m.node.commitIndex]));
        for (const m of this.live()) {
          m.node.tick();
          this.observe(m, '');
        }
        this.stabilize(this.ids);
        for (const m of this.live()) {
          const before = commits.get(m.id);
          if (before !== undefined && m.node.commitIndex !== before) outer(`${prefix}${m.id} commit=${m.node.commitIndex}`, true);
        }
        this.checkInvariants();
      }
    } finally {
      this.sink = outer;
      this.lostOnCuts = undefined;
    }
    const byLink = new Map<string, string[]>();
    for (const [key, count] of lost) {
      const [link, type] = key.split(' ') as [string, string];
      byLink.set(link, [...(byLink.get(link) ?? []), `${type} x${count}`]);
    }
    for (const [link, counts] of [...byLink].sort(([a], [b]) => a.localeCompare(b))) this.print(`lost on cut link ${link}: ${counts.join(', ')}`);
  }

  // ---------------------------------------------------------------- the Ready loop

  /** Handles every Ready the node has, per the contract; returns whether there was one. */
  private processReady(m: Member, indent: string): boolean {
    const node = m.node;
    if (!node.hasReady()) return false;
    const asyncWrites = (this.base as ConfigBase).asyncStorageWrites;
    for (let round = 1; node.hasReady(); round++) {
      assert(round <= MAX_READIES_PER_TURN, () => `${m.id}: the Ready loop does not converge: ${node.describe()}`);
      const rd = node.ready();
      this.print(`${indent}> ${m.id} ready`);
      const lines = readyLines(rd);
      // hasReady() promised something; say so when the Ready holds nothing at all.
      if (lines.length === 0 && rd.messages.length === 0) this.print(`${indent}  (empty)`);
      for (const line of lines) this.print(`${indent}  ${line}`);
      // 1. persist: the snapshot, then entries and hard state (synced now unless asynchronous).
      if (rd.snapshot !== undefined) {
        this.write(m, { kind: 'snapshot', snapshot: rd.snapshot });
        m.stateMachine = restoreStateMachine(rd.snapshot);
      }
      if (rd.hardState !== undefined || rd.entries.length > 0) this.write(m, { kind: 'save', hardState: rd.hardState, entries: rd.entries });
      if (!asyncWrites) this.makeDurable(m);
      // 2. send: with asynchronous writes a message vouching for unsynced state waits.
      for (const message of rd.messages) {
        if (asyncWrites && vouchesForStorage(message) && (m.pending.length > 0 || m.held.length > 0)) {
          m.held.push(message);
          this.print(`${indent}  hold: ${messageText(message)}`);
        } else {
          this.network.push(message);
          this.print(`${indent}  send: ${messageText(message)}`);
        }
      }
      // 3. apply.
      for (const entry of rd.committedEntries) {
        assert(entry.index === m.stateMachine.length + 1, () => `${m.id}: applying ${entry.index} after ${m.stateMachine.length}`);
        m.stateMachine.push(entry.data);
      }
      node.advance(rd);
    }
    this.observe(m, indent);
    return true;
  }

  private write(m: Member, change: Write): void {
    applyWrite(m.written, change);
    m.pending.push(change);
  }

  private makeDurable(m: Member): void {
    for (const change of m.pending) applyWrite(m.durable, change);
    m.pending = [];
  }

  /** Asynchronous storage writes: an fdatasync of everything written completes. */
  private sync(m: Member, indent: string): void {
    const node = m.node;
    if (m.pending.length === 0 && m.held.length === 0) {
      this.print(`${indent}${m.id} has nothing to sync`);
      return;
    }
    const commit = node.commitIndex;
    this.makeDurable(m);
    const last = m.durable.lastIndex();
    const term = m.durable.term(last) as number;
    this.print(`${indent}> ${m.id} synced up to ${last}/${term}`);
    for (const message of m.held) {
      this.network.push(message);
      this.print(`${indent}  send: ${messageText(message)}`);
    }
    m.held = [];
    node.persisted(last, term);
    if (node.commitIndex !== commit) this.print(`${indent}  ${m.id} commit=${node.commitIndex}`);
  }

  // ---------------------------------------------------------------- the network

  /** `deliver|drop [from=id] [to=id] [type=append,vote_resp,...] [n=K]`: the first K matching, in send order. */
  private cmdDeliver(c: ParsedCommand, drop: boolean): void {
    usage(c.words.length === 0, `usage: ${c.name} [from=<id>] [to=<id>] [type=<type>[,<type>...]] [n=<count>]`);
    const from = c.args.get('from');
    const to = c.args.get('to');
    const types = c.args
      .get('type')
      ?.split(',')
      .map((type) => (type.startsWith('raft_') ? type : `raft_${type}`));
    for (const type of types ?? []) usage(isRaftMessageType(type), `unknown message type '${type}'`);
    onlyArgs(c, ['from', 'to', 'type', 'n']);
    const limit = intArg(c, 'n', Number.MAX_SAFE_INTEGER);
    const matches = (m: RaftMessage): boolean =>
      (from === undefined || m.from === from) && (to === undefined || m.to === to) && (types === undefined || types.includes(m.type));
    const chosen = this.network.filter(matches).slice(0, limit);
    this.network = this.network.filter((m) => !chosen.includes(m));
    if (chosen.length === 0) this.print('no messages match');
    for (const message of chosen) {
      if (drop) this.print(`dropped: ${messageText(message)}`);
      else this.deliverOne(message, '');
    }
  }

  private deliverOne(message: RaftMessage, indent: string): void {
    const target = this.member(message.to);
    if (this.cut.has(linkKey(message.from, message.to))) {
      const key = `${message.from}->${message.to} ${message.type}`;
      this.lostOnCuts?.set(key, (this.lostOnCuts.get(key) ?? 0) + 1);
      this.print(`${indent}lost (link cut): ${messageText(message)}`);
      return;
    }
    if (target.raft === undefined) {
      this.print(`${indent}lost (${target.id} down): ${messageText(message)}`);
      return;
    }
    this.print(`${indent}${messageText(message)}`);
    target.raft.step(message);
    this.observe(target, `${indent}  `);
  }

  /** `stabilize [ids...] [quiet]`: Readies, syncs and deliveries among `ids` until nothing moves. */
  private cmdStabilize(c: ParsedCommand): void {
    onlyArgs(c, []);
    const quiet = c.words.includes('quiet');
    const ids = this.targets(c.words.filter((w) => w !== 'quiet')).map((m) => m.id);
    const outer = this.sink;
    if (quiet) this.sink = () => {};
    try {
      this.stabilize(ids);
    } finally {
      this.sink = outer;
    }
  }

  private stabilize(ids: readonly NodeId[]): void {
    const asyncWrites = (this.base as ConfigBase).asyncStorageWrites;
    for (let round = 1; ; round++) {
      if (round > MAX_STABILIZE_ROUNDS) throw new Error(`stabilize: still busy after ${MAX_STABILIZE_ROUNDS} rounds (livelock?)`);
      let moved = false;
      for (const id of ids) {
        const m = this.member(id);
        if (m.raft !== undefined && this.processReady(m, '')) moved = true;
      }
      if (asyncWrites) {
        for (const id of ids) {
          const m = this.member(id);
          if (m.raft !== undefined && (m.pending.length > 0 || m.held.length > 0)) {
            this.sync(m, '');
            moved = true;
          }
        }
      }
      for (const id of ids) {
        const inbound = this.network.filter((message) => message.to === id && ids.includes(message.from));
        if (inbound.length === 0) continue;
        this.network = this.network.filter((message) => !inbound.includes(message));
        this.print(`> ${id} receives`);
        for (const message of inbound) this.deliverOne(message, '  ');
        moved = true;
      }
      if (!moved) return;
    }
  }

  /** `partition n1,n2 n3`: cuts every link between different groups (both ways). */
  private cmdPartition(c: ParsedCommand): void {
    onlyArgs(c, []);
    const groups = c.words.map((word) => word.split(','));
    usage(groups.length >= 2, 'usage: partition <id>,<id>... <id>,<id>...');
    const groupOf = new Map<NodeId, number>();
    for (const [index, group] of groups.entries()) {
      for (const id of group) {
        this.member(id);
        usage(!groupOf.has(id), `${id} is in two groups`);
        groupOf.set(id, index);
      }
    }
    for (const id of this.ids) usage(groupOf.has(id), `partition must place every node; ${id} is missing`);
    this.cutLinks((a, b) => groupOf.get(a) !== groupOf.get(b));
  }

  private cmdIsolate(c: ParsedCommand): void {
    const [id] = c.words;
    onlyArgs(c, []);
    usage(id !== undefined && c.words.length === 1, 'usage: isolate <id>');
    this.member(id);
    this.cutLinks((a, b) => a === id || b === id);
  }

  private cutLinks(separate: (a: NodeId, b: NodeId) => boolean): void {
    const pairs: string[] = [];
    for (const a of this.ids) {
      for (const b of this.ids) {
        if (a === b || !separate(a, b)) continue;
        this.cut.add(linkKey(a, b));
        if (a < b) pairs.push(`${a}-${b}`);
      }
    }
    this.print(`cut: ${pairs.join(' ')}`);
  }

  // ---------------------------------------------------------------- crashes and storage

  /** `crash <id> [keep-unsynced]`: the node stops; unsynced writes are lost unless kept. */
  private cmdCrash(c: ParsedCommand): void {
    const [id, flag] = c.words;
    onlyArgs(c, []);
    usage(id !== undefined && c.words.length <= 2 && (flag === undefined || flag === 'keep-unsynced'), 'usage: crash <id> [keep-unsynced]');
    const m = this.member(id);
    usage(m.raft !== undefined, `${id} is already down`);
    const held = m.held.length;
    if (flag === 'keep-unsynced') {
      this.print(
        m.pending.length === 0
          ? `${id} crashed (nothing unsynced)`
          : `${id} crashed; its ${plural(m.pending.length, 'unsynced write')} reached the disk anyway:`,
      );
      for (const change of m.pending) this.print(`  kept ${writeText(change)}`);
      this.makeDurable(m);
    } else {
      this.print(m.pending.length === 0 ? `${id} crashed (nothing unsynced)` : `${id} crashed and lost ${plural(m.pending.length, 'unsynced write')}:`);
      for (const change of m.pending) this.print(`  lost ${writeText(change)}`);
      m.pending = [];
    }
    if (held > 0) this.print(`  ${plural(held, 'held message')} never sent`);
    m.held = [];
    m.raft = undefined;
  }

  private restart(m: Member): void {
    usage(m.raft === undefined, `${m.id} is already up`);
    m.incarnation++;
    this.startNode(m);
    const node = m.node;
    const hard = node.hardState();
    this.print(
      `${m.id} restarted: term=${hard.term} vote=${hard.vote ?? '-'} commit=${hard.commit} last=${node.lastIndex}/${node.lastTerm}${node.firstIndex > 1 ? ` snapshot=${node.firstIndex - 1}` : ''} applied=${node.appliedIndex}`,
    );
  }

  /** `compact <id> index=<i>`: snapshot the state machine at i and drop the log up to it. */
  private cmdCompact(c: ParsedCommand): void {
    const [id] = c.words;
    onlyArgs(c, ['index']);
    const index = intArg(c, 'index', 0);
    usage(id !== undefined && c.words.length === 1 && index >= 1, 'usage: compact <id> index=<i>');
    const m = this.member(id);
    usage(m.raft !== undefined, `${id} is down`);
    usage(index <= m.stateMachine.length, `${id} has applied only ${m.stateMachine.length} entries`);
    usage(index <= m.durable.initialState().commit, `${id}: ${index} is not durably committed yet (sync first)`);
    const data = JSON.stringify(m.stateMachine.slice(0, index));
    // A snapshot file is written and synced at once.
    m.written.compact(index, data);
    m.durable.compact(index, data);
    this.print(
      `${id} compacted up to ${index}/${m.written.term(index) as number}: snapshot of ${data.length} chars, log now ${m.written.firstIndex()}..${m.written.lastIndex()}`,
    );
  }

  // ---------------------------------------------------------------- printing state

  private status(m: Member): void {
    if (m.raft === undefined) {
      const hard = m.durable.initialState();
      this.print(`${m.id} down (disk: term=${hard.term} vote=${hard.vote ?? '-'} commit=${hard.commit} last=${m.durable.lastIndex()})`);
      return;
    }
    const node = m.raft;
    const lease = this.leaseText(node);
    const snapshot = node.firstIndex > 1 ? ` snapshot=${node.firstIndex - 1}` : '';
    this.print(
      `${m.id} ${node.role} t${node.term} lead=${node.leaderId ?? '-'} vote=${node.vote ?? '-'} last=${node.lastIndex}/${node.lastTerm} commit=${node.commitIndex} applied=${node.appliedIndex}${snapshot} ticks=${node.tickCount}${lease === '' ? '' : ` ${lease}`}`,
    );
    if (node.role !== 'leader') return;
    for (const id of this.ids) {
      const pr = node.progressOf(id);
      if (pr === undefined) continue;
      if (id === m.id) {
        this.print(`  ${id} (self) match=${pr.match}`);
        continue;
      }
      const flags = [pr.paused ? 'paused' : '', pr.recentActive ? 'active' : ''].filter((f) => f !== '');
      this.print(`  ${id} ${pr.state} match=${pr.match} next=${pr.next} inflight=${pr.inflight}${flags.length > 0 ? ` ${flags.join(' ')}` : ''}`);
    }
  }

  private printLog(m: Member): void {
    const node = m.node;
    const entries = node.logEntries(node.firstIndex, node.lastIndex + 1);
    const start = node.firstIndex > 1 ? `snapshot ${node.firstIndex - 1}/${node.logTerm(node.firstIndex - 1) as number}` : '';
    const body = [start, entries.length === 0 ? '' : entriesText(entries, 8)].filter((part) => part !== '').join(', then ');
    this.print(`${m.id} log: ${body === '' ? 'empty' : body}`);
    if ((this.base as ConfigBase).asyncStorageWrites) {
      const last = m.durable.lastIndex();
      this.print(`${m.id} durable up to ${last}/${m.durable.term(last) as number}`);
    }
  }

  /** With lease reads: `lease=on|off` on a leader, `read-point=N|none` on a follower with follower leases. */
  private leaseText(node: RaftNode): string {
    const base = this.base as ConfigBase;
    if (!base.leaseReads) return '';
    if (node.role === 'leader') return `lease=${node.leaseValid() ? 'on' : 'off'}`;
    if (!base.followerLeases) return '';
    return `read-point=${node.followerReadPoint() ?? 'none'}`;
  }

  /** Prints a change of role, term, leader or lease since the last look (an event). */
  private observe(m: Member, indent: string): void {
    if (m.raft === undefined) return;
    const role = roleText(m.raft);
    if (role !== m.seenRole) {
      m.seenRole = role;
      this.sink(`${indent}${m.id} is now ${role}`, true);
    }
    const lease = this.leaseText(m.raft);
    if (lease !== m.seenLease) {
      m.seenLease = lease;
      if (lease !== '') this.sink(`${indent}${m.id} ${lease}`, true);
    }
  }

  private print(line: string): void {
    this.sink(line, false);
  }

  // ---------------------------------------------------------------- safety

  /**
   * Election safety (one leader per term, ever), log matching over committed prefixes, state
   * machine safety (applied sequences are prefixes of one another), and commit monotonicity.
   */
  private checkInvariants(): void {
    const live = this.live();
    for (const m of live) {
      const node = m.node;
      if (node.role === 'leader') {
        const known = this.leaders.get(node.term);
        assert(known === undefined || known === m.id, () => `safety: two leaders in term ${node.term}: ${known} and ${m.id}`);
        this.leaders.set(node.term, m.id);
      }
      assert(node.commitIndex >= m.maxCommit, () => `safety: ${m.id} commit went back from ${m.maxCommit} to ${node.commitIndex}`);
      m.maxCommit = node.commitIndex;
    }
    for (const a of live) {
      for (const b of live) {
        if (a.id >= b.id) continue;
        const from = Math.max(a.node.firstIndex, b.node.firstIndex);
        const to = Math.min(a.node.commitIndex, b.node.commitIndex);
        for (let i = from; i <= to; i++) {
          assert(a.node.logTerm(i) === b.node.logTerm(i), () => `safety: ${a.id} and ${b.id} committed different entries at ${i}`);
        }
        const common = Math.min(a.stateMachine.length, b.stateMachine.length);
        for (let i = 0; i < common; i++) {
          assert(
            JSON.stringify(a.stateMachine[i]) === JSON.stringify(b.stateMachine[i]),
            () => `safety: ${a.id} and ${b.id} applied different commands at ${i + 1}`,
          );
        }
      }
    }
  }

  // ---------------------------------------------------------------- helpers

  private member(id: NodeId): Member {
    const m = this.members.get(id);
    usage(m !== undefined, this.base === undefined ? 'add-nodes first' : `no node ${id}`);
    return m;
  }

  private live(): Member[] {
    return this.ids.map((id) => this.member(id)).filter((m) => m.raft !== undefined);
  }

  /** Node ids from words ('all' or none: every node). */
  private targets(words: readonly string[]): Member[] {
    usage(this.base !== undefined, 'add-nodes first');
    if (words.length === 0 || (words.length === 1 && words[0] === 'all')) return this.ids.map((id) => this.member(id));
    return words.map((id) => this.member(id));
  }

  /** Runs `action` on each named node (at least one; all when `allByDefault` and none named). */
  private forNodes(c: ParsedCommand, action: (m: Member) => void, allByDefault = false): void {
    onlyArgs(c, []);
    usage(allByDefault || c.words.length > 0, `usage: ${c.name} <id> [<id> ...]`);
    for (const m of this.targets(c.words)) action(m);
  }
}

function plural(count: number, noun: string): string {
  return count === 1 ? `1 ${noun}` : `${count} ${noun}s`;
}

function linkKey(from: NodeId, to: NodeId): string {
  return `${from}>${to}`;
}

function applyWrite(storage: MemoryStorage, change: Write): void {
  if (change.kind === 'snapshot') storage.applySnapshot(change.snapshot);
  else storage.save(change.hardState, change.entries);
}

function writeText(change: Write): string {
  if (change.kind === 'snapshot') return `snapshot ${change.snapshot.index}/${change.snapshot.term}`;
  const parts: string[] = [];
  if (change.entries.length > 0) parts.push(`entries ${entriesText(change.entries)}`);
  if (change.hardState !== undefined)
    parts.push(`hard state term=${change.hardState.term} vote=${change.hardState.vote ?? '-'} commit=${change.hardState.commit}`);
  return parts.join(' and ');
}

function copyOf(storage: MemoryStorage): MemoryStorage {
  const snapshot = storage.snapshot();
  return new MemoryStorage({ hardState: storage.initialState(), ...(snapshot === undefined ? {} : { snapshot }), entries: storage.allEntries() });
}

function restoreStateMachine(snapshot: Snapshot | undefined): Command[] {
  if (snapshot === undefined) return [];
  const state = JSON.parse(snapshot.data) as Command[];
  assert(Array.isArray(state) && state.length === snapshot.index, () => `snapshot at ${snapshot.index} holds ${String(state.length)} commands`);
  return state;
}

/** `1x5,2x3` (five entries of term 1, three of term 2) or `1,1,2`. */
function parseTerms(spec: string): number[] {
  if (spec === '') return [];
  const terms: number[] = [];
  for (const part of spec.split(',')) {
    const [term, count] = part.split('x');
    const times = count === undefined ? 1 : parseCount('log', count);
    for (let i = 0; i < times; i++) terms.push(parseCount('log', term ?? ''));
  }
  return terms;
}

function parseCount(key: string, value: string): number {
  const n = Number(value);
  usage(/^\d+$/.test(value) && Number.isSafeInteger(n), `${key}: '${value}' is not a non-negative integer`);
  return n;
}

function parseBool(key: string, value: string): boolean {
  usage(value === 'true' || value === 'false', `${key}: '${value}' is not true or false`);
  return value === 'true';
}

/** A typo in an argument name must fail, not be ignored. */
function onlyArgs(c: ParsedCommand, allowed: readonly string[]): void {
  for (const key of c.args.keys())
    usage(allowed.includes(key), `${c.name}: unknown argument '${key}'${allowed.length > 0 ? ` (takes ${allowed.join(', ')})` : ''}`);
}

function intArg(c: ParsedCommand, key: string, fallback: number): number {
  const value = c.args.get(key);
  return value === undefined ? fallback : parseCount(key, value);
}
