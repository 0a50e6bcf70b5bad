// Carries out the planner's decisions (nemesis.ts) on the processes and the simulated network at
// the planner's times, records each step in the history and as fault intervals, feeds the planner
// the node-to-node traffic and polls it while a reaction may be due. Decides nothing itself.
// Invariants: healAll closes every fault; restarts touch only nodes it killed that did not crash;
// the network's partition is the union of every partition kind's grudge in force.

import type { JsonValue } from '../base/json.js';
import { Rng } from '../base/rng.js';
import type { HistoryRecorder } from './client_model.js';
import type { Cluster } from './cluster.js';
import type { NemesisPlanner } from './nemesis.js';
import { actionOutcomeValue, actionValue, linkName, type NemesisAction, type NemesisKind } from './nemesis_actions.js';
import type { SimNetwork } from './network.js';
import type { Link } from './nemesis_targets.js';
import { unionGrudges, type Grudge } from './partition.js';
import type { FaultInterval } from './results.js';
import type { Payload } from './routing.js';
import type { RunContext } from './run_context.js';

export class NemesisExecutor {
  readonly faults: FaultInterval[] = [];
  readonly openFaults = new Map<NemesisKind, FaultInterval>();
  readonly faultCounts: { [f: string]: number } = {};
  restarts = 0;
  /** Each partition kind's grudge in force. */
  private readonly grudges = new Map<NemesisKind, Grudge>();
  private running = false;
  private sleep: { timer: NodeJS.Timeout; wake: () => void } | null = null;

  constructor(
    private readonly ctx: RunContext,
    private readonly planner: NemesisPlanner,
    private readonly cluster: Cluster,
    private readonly network: SimNetwork<Payload>,
    private readonly history: HistoryRecorder,
  ) {
    ctx.onAbort(() => this.stopLoop());
  }

  /** Runs the planner's schedule until stopLoop(); resolves once the step under way has ended. */
  async loop(): Promise<void> {
    if (!this.planner.enabled) return;
    this.running = true;
    // The planner's due times follow from the seed; a step is late only when the one before
    // it (a restart waiting for init_ok) ran past its time.
    let dueMs = this.planner.nextDueMs();
    while (this.running && !this.ctx.aborted) {
      const wakeMs = Math.min(dueMs, this.planner.wakeAtMs(this.ctx.nowMs()));
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, Math.max(0, wakeMs - this.ctx.nowMs()));
        this.sleep = { timer, wake };
      });
      if (this.sleep !== null) clearTimeout(this.sleep.timer);
      this.sleep = null;
      if (!this.running || this.ctx.aborted) break;
      const nowMs = this.ctx.nowMs();
      if (nowMs >= dueMs) {
        await this.perform(this.planner.next(nowMs));
        dueMs = this.planner.nextDueMs();
        continue;
      }
      for (const action of this.planner.poll(nowMs)) await this.perform(action);
    }
  }

  /** A node sent a message to another node (the router reports every one while the planner watches traffic). */
  nodeTraffic(src: string, dest: string): void {
    this.planner.sent(src, dest, this.ctx.nowMs());
  }

  get watchesTraffic(): boolean {
    return this.planner.watchesTraffic;
  }

  /** No step starts after this; a sleeping loop wakes at once. */
  stopLoop(): void {
    this.running = false;
    this.sleep?.wake();
  }

  /** Undoes every fault still in force. */
  async healAll(): Promise<void> {
    for (const action of this.planner.healAll()) await this.perform(action);
  }

  /** Closes what is still open at `endMs` (an interrupted run). */
  closeOpenFaults(endMs: number): void {
    for (const fault of this.openFaults.values()) fault.endMs = endMs;
  }

  private async perform(action: NemesisAction): Promise<void> {
    this.history.record('nemesis', 'invoke', action.f, undefined, actionValue(action), this.ctx.nowMs());
    this.faultCounts[action.f] = (this.faultCounts[action.f] ?? 0) + 1;
    switch (action.f) {
      case 'start-partition':
        this.setGrudge(action.kind, action.grudge);
        this.openFault(
          action.kind,
          action.leader === undefined ? action.spec : `isolate ${action.leader.node}${action.leader.judged ? '' : ' (no leader seen)'}`,
        );
        break;
      case 'move-partition':
        this.setGrudge(action.kind, action.grudge);
        this.closeFault(action.kind);
        this.openFault(action.kind, `moved: ${action.why}`);
        break;
      case 'stop-partition':
        this.setGrudge(action.kind, null);
        this.closeFault(action.kind);
        break;
      case 'start-delay-spike':
        this.network.setLinkDelays(linkDelays(action.links, action.extraMs));
        this.openFault(action.kind, `${action.links.map(linkName).join(',')} +${action.extraMs} ms`);
        break;
      case 'stop-delay-spike':
        this.network.setLinkDelays(new Map());
        this.closeFault(action.kind);
        break;
      case 'start-duplicate':
        this.network.setDuplication({ probability: action.probability, maxDelayMs: action.maxDelayMs, rng: new Rng(action.seed) });
        this.openFault(action.kind, `p ${action.probability}, copies up to ${action.maxDelayMs} ms late`);
        break;
      case 'stop-duplicate':
        this.network.setDuplication(null);
        this.closeFault(action.kind);
        break;
      case 'kill':
        this.openFault(action.kind, action.nodes.join(','));
        await Promise.all(action.nodes.map((id) => this.cluster.kill(this.cluster.slot(id))));
        break;
      case 'start':
        await this.restart(action.nodes);
        this.closeFault(action.kind);
        break;
      case 'pause':
        this.openFault(action.kind, action.nodes.join(','));
        for (const id of action.nodes) this.cluster.pause(this.cluster.slot(id));
        break;
      case 'resume':
        for (const id of action.nodes) this.cluster.resume(this.cluster.slot(id));
        this.closeFault(action.kind);
        break;
    }
    this.history.record('nemesis', 'info', action.f, undefined, actionOutcomeValue(action) as JsonValue, this.ctx.nowMs());
  }

  /** Starts the killed nodes again and waits for each one's init_ok. */
  private async restart(nodes: readonly string[]): Promise<void> {
    const restarted: string[] = [];
    for (const id of nodes) {
      const slot = this.cluster.slot(id);
      if (!slot.down || slot.crashed || this.ctx.aborted) continue;
      this.cluster.spawn(slot);
      restarted.push(id);
      this.restarts++;
    }
    const problems = await Promise.all(restarted.map((id) => this.cluster.initNode(id)));
    for (const problem of problems) {
      if (problem === null) continue;
      if (problem.exit !== undefined && 'spawnError' in problem.exit) {
        // The harness could not run the binary again: nothing the node did.
        this.ctx.harnessErrors.push(`after a restart: ${problem.message}`);
        this.ctx.log(`raftkv-test: harness error after a restart: ${problem.message}`);
        continue;
      }
      this.cluster.nodeProblems.push(`after a restart: ${problem.message}`);
      this.ctx.log(`raftkv-test: NODE PROBLEM after a restart: ${problem.message}`);
    }
  }

  /** Sets one kind's grudge (null: none) and gives the network the union of all. */
  private setGrudge(kind: NemesisKind, grudge: Grudge | null): void {
    if (grudge === null) this.grudges.delete(kind);
    else this.grudges.set(kind, grudge);
    if (this.grudges.size === 0) this.network.heal();
    else this.network.setGrudge(unionGrudges(this.grudges.values()));
  }

  private openFault(kind: NemesisKind, description: string): void {
    const fault: FaultInterval = { kind, description, startMs: this.ctx.nowMs(), endMs: null };
    this.faults.push(fault);
    this.openFaults.set(kind, fault);
  }

  private closeFault(kind: NemesisKind): void {
    const fault = this.openFaults.get(kind);
    if (fault !== undefined) fault.endMs = this.ctx.nowMs();
    this.openFaults.delete(kind);
  }
}

function linkDelays(links: readonly Link[], extraMs: number): Map<string, Map<string, number>> {
  const delays = new Map<string, Map<string, number>>();
  for (const { src, dest } of links) {
    let out = delays.get(src);
    if (out === undefined) delays.set(src, (out = new Map()));
    out.set(dest, extraMs);
  }
  return delays;
}
