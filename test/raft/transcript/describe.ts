// One-line descriptions of what transcripts print: entries, messages, the parts of a Ready,
// node status. Output must be deterministic and free of blank lines (a blank line ends an
// output block in a transcript file); long entry lists are summarized by term runs so a
// transcript stays readable.

import { describeMessage, type RaftMessage, type RaftNode, type Ready } from '../../../src/raft/index.js';
import type { Entry } from '../../../src/raft/index.js';

/** `3/2 "x"`, or `3/2 noop`. */
function entryText(entry: Entry): string {
  return entry.kind === 'noop' ? `${entry.index}/${entry.term} noop` : `${entry.index}/${entry.term} ${JSON.stringify(entry.data)}`;
}

/** Entries one by one when few, else as runs of one term: `1..5 t1, 6..55 t2`. */
export function entriesText(entries: readonly Entry[], maxListed = 6): string {
  if (entries.length <= maxListed) return entries.map(entryText).join(', ');
  const runs: string[] = [];
  let start = entries[0] as Entry;
  let prev = start;
  const close = (): void => {
    runs.push(`${start.index}..${prev.index} t${start.term}`);
  };
  for (const entry of entries.slice(1)) {
    if (entry.term !== start.term) {
      close();
      start = entry;
    }
    prev = entry;
  }
  close();
  return `${entries.length} entries: ${runs.join(', ')}`;
}

/** describeMessage, plus what it leaves out: the entries of an append, and a read round riding on one. */
export function messageText(m: RaftMessage): string {
  let text = describeMessage(m);
  if ((m.type === 'raft_append' || m.type === 'raft_append_resp') && m.round !== undefined) text += ` round=${m.round}`;
  if (m.type === 'raft_append' && m.entries.length > 0) text += ` [${entriesText(m.entries, 4)}]`;
  return text;
}

/**
 * The parts of a Ready, one line each (messages are printed by the caller, which knows whether
 * each one leaves now or waits for a sync).
 */
export function readyLines(rd: Ready): string[] {
  const out: string[] = [];
  if (rd.softState !== undefined) out.push(`soft: ${rd.softState.role} lead=${rd.softState.leaderId ?? '-'}`);
  if (rd.hardState !== undefined) out.push(`hard: term=${rd.hardState.term} vote=${rd.hardState.vote ?? '-'} commit=${rd.hardState.commit}`);
  if (rd.snapshot !== undefined) out.push(`snapshot: ${rd.snapshot.index}/${rd.snapshot.term} (${rd.snapshot.data.length} chars)`);
  if (rd.entries.length > 0) out.push(`entries: ${entriesText(rd.entries)}`);
  if (rd.committedEntries.length > 0) out.push(`apply: ${entriesText(rd.committedEntries)}`);
  for (const read of rd.readStates) out.push(`read ready: ctx=${read.ctx} index=${read.index}`);
  for (const read of rd.droppedReads) out.push(`read dropped: ctx=${read.ctx} (${read.reason})`);
  return out;
}

/** role, term and leader: what transcripts report as a node's state changes. */
export function roleText(node: RaftNode): string {
  return `${node.role} t${node.term} lead=${node.leaderId ?? '-'}`;
}
