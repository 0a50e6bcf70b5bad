// Majority arithmetic over the voter set, shared by commitment, elections, read-index rounds and
// check-quorum. Pure functions of their inputs; a quorum is floor(n/2)+1 of the n voters.

import type { NodeId } from './types.js';

export function quorumSize(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/**
 * The largest value that at least a majority of voters have reached: with the voters' match
 * indexes, the index a majority holds (§3.6.2); with acknowledged read rounds, the latest round
 * a majority confirmed (§6.4). Voters missing from `values` count as 0.
 */
export function majorityValue(voters: readonly NodeId[], valueFor: (id: NodeId) => number): number {
  const values = voters.map(valueFor).sort((a, b) => b - a);
  return values[quorumSize(voters.length) - 1] ?? 0;
}

export type VoteResult = 'won' | 'lost' | 'pending';

/** Tally of an election (or pre-election): won with a majority of grants, lost with a majority of refusals. */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  let granted = 0;
  let rejected = 0;
  for (const id of voters) {
    const vote = votes.get(id);
    if (vote === true) granted++;
    else if (vote === false) rejected++;
  }
  const quorum = quorumSize(voters.length);
  if (granted >= quorum) return 'won';
  if (rejected >= quorum) return 'lost';
  return 'pending';
}
