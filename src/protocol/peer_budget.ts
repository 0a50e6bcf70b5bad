// How big the messages between nodes may grow, derived in this one place from the line limit
// (--max-line-bytes) and the cluster's node names. Every node of a cluster is assumed to run
// with the same limit: a line one node writes to a peer must be one the peer accepts, so each
// kind of node-to-node message is cut to fit, and a client command that could not travel
// between nodes is refused before anything is done with it.

import { jsonBytes } from '../base/json.js';

export interface PeerBudget {
  /** The longest input line a node accepts, in bytes (newline excluded). */
  readonly maxLineBytes: number;
  /** The body of one line to a peer (a batch, or a lone message), so that the line fits. */
  readonly peerBodyBytes: number;
  /** raft_append: the entries' encodings, a comma after each; an append carries one entry at least. */
  readonly appendEntriesBytes: number;
  /** Characters of snapshot text per raft_snapshot: at most six bytes each once encoded. */
  readonly snapshotChunkChars: number;
  /** kv_forward and kv_forward_result: the items' encodings, a comma after each. */
  readonly forwardItemsBytes: number;
  /** The largest client command (its encoding as a log entry carries it) that fits every message above. */
  readonly commandBytes: number;
  /** A leader stops taking proposals while its uncommitted entries take this many bytes. */
  readonly uncommittedBytes: number;
  /** Client requests waiting on one node, their commands' bytes together. */
  readonly pendingRequestBytes: number;
}

/** `{"src":,"dest":,"body":}`: the envelope around a body, names aside. */
const ENVELOPE_BYTES = 32;
/**
 * Everything of a peer body but its payload (entries, items, snapshot text): the type, the
 * numbers (16 digits at most each), brackets and commas. The largest, raft_append, needs about
 * 200; two names (from, to) are counted separately.
 */
const BODY_FIELDS_BYTES = 512;
/**
 * The fields around a command or a value in one item: a log entry (`{"index":,"term":,
 * "kind":"normal","data":}`, 42 bytes and two numbers), a forwarded request or a forward result.
 */
const ITEM_FIELDS_BYTES = 128;
/** JSON escapes a control character or an unpaired surrogate as \uXXXX: six bytes for one character. */
const MAX_BYTES_PER_ENCODED_CHAR = 6;
/** Snapshot chunks beyond this many characters buy nothing: a follower acknowledges each one. */
const MAX_SNAPSHOT_CHUNK_CHARS = 128 * 1024;
/** Queues of whole requests or entries hold this much at least, however short the line limit. */
const MIN_QUEUE_BYTES = 64 << 20;
/** ... and room for this many of the largest lines. */
const QUEUE_LINES = 4;

export const DEFAULT_MAX_LINE_BYTES = 1 << 20;

export function peerBudget(maxLineBytes: number, nodeIds: readonly string[]): PeerBudget {
  const nameBytes = Math.max(0, ...nodeIds.map((id) => jsonBytes(id)));
  const peerBodyBytes = maxLineBytes - ENVELOPE_BYTES - 2 * nameBytes;
  const payloadBytes = peerBodyBytes - BODY_FIELDS_BYTES - 2 * nameBytes;
  const appendEntriesBytes = Math.max(1, payloadBytes);
  const commandBytes = Math.max(0, payloadBytes - ITEM_FIELDS_BYTES);
  const queueBytes = Math.max(MIN_QUEUE_BYTES, QUEUE_LINES * maxLineBytes);
  return {
    maxLineBytes,
    peerBodyBytes: Math.max(1, peerBodyBytes),
    appendEntriesBytes,
    snapshotChunkChars: Math.max(1, Math.min(MAX_SNAPSHOT_CHUNK_CHARS, Math.floor(payloadBytes / MAX_BYTES_PER_ENCODED_CHAR))),
    forwardItemsBytes: Math.max(1, payloadBytes),
    commandBytes,
    uncommittedBytes: queueBytes,
    pendingRequestBytes: queueBytes,
  };
}
