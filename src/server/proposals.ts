// The proposals one group's leader made and has not answered yet, by log index. Owns the rule for
// answering each exactly once: by the entry that took its index (its outcome if the terms match;
// a definite failure if another term's entry took the index, since only one entry per index
// ever commits), as unknown when a snapshot covered it unseen, and as unknown when leadership
// was lost (it may still commit under the next leader). Pure bookkeeping: no I/O, no clock.

import { assert } from '../base/assert.js';
import type { CommandOutcome } from '../kv/command_codec.js';
import { notProposed, outcomeUnknown, type Respond } from './requests.js';

export class Proposals {
  /** By log index; the term tells ours apart from an entry that replaced it. */
  private readonly byIndex = new Map<number, { readonly term: number; readonly respond: Respond }>();

  get size(): number {
    return this.byIndex.size;
  }

  add(index: number, term: number, respond: Respond): void {
    this.byIndex.set(index, { term, respond });
  }

  /**
   * The entry at `index` of `term` was applied with `outcome` (undefined for an entry that
   * carries no command): answers our proposal at that index, if we made one.
   */
  applied(index: number, term: number, outcome: CommandOutcome | undefined): void {
    const proposal = this.byIndex.get(index);
    if (proposal === undefined) return;
    this.byIndex.delete(index);
    if (proposal.term !== term) {
      proposal.respond(notProposed('leadership changed before the request committed; it did not take effect'), index);
      return;
    }
    assert(outcome !== undefined, () => `our proposal at ${index} applied as an entry without a command`);
    proposal.respond(outcome, index);
  }

  /** A snapshot up to `index` replaced the log: our proposals it covers were decided without us seeing how. */
  coveredBySnapshot(index: number): void {
    for (const [proposed, proposal] of this.byIndex) {
      if (proposed > index) continue;
      this.byIndex.delete(proposed);
      proposal.respond(outcomeUnknown('the node caught up from a snapshot; the request may or may not have taken effect'), index);
    }
  }

  /** Leadership was lost: each may still commit under the next leader, so its outcome is unknown. */
  leadershipLost(appliedIndex: number): void {
    for (const [index, proposal] of this.byIndex) {
      this.byIndex.delete(index);
      proposal.respond(outcomeUnknown('leadership was lost while the request was in flight; it may or may not take effect'), appliedIndex);
    }
  }
}
