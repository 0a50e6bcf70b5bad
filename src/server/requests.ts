// What travels between the parts of a node while a client request is in flight: the callback
// that answers it, and the outcomes the node itself decides (as opposed to the state machine's).
// Error discipline: a definite error (11) only while a request surely was not proposed; once it
// may be in the log, only an indefinite one (13, or 0 on a timeout). Reads change nothing, so
// any failure of a read may be definite.

import type { CommandOutcome } from '../kv/command_codec.js';
import { ErrorCode } from '../protocol/errors.js';

/**
 * Delivers an outcome with the log position it reflects: the entry's index for a command, the
 * read point for a read (session clients use it for read-your-writes). Called once.
 */
export type Respond = (outcome: CommandOutcome, index: number) => void;

/** Definite: the request was not proposed, and never will be. */
export function notProposed(why: string): CommandOutcome {
  return { type: 'error', code: ErrorCode.temporarilyUnavailable, text: why };
}

/** Indefinite: the request may be in the log and may still take effect. */
export function outcomeUnknown(why: string): CommandOutcome {
  return { type: 'error', code: ErrorCode.crash, text: why };
}

/** Indefinite, and Maelstrom's timeout code. */
export function timedOut(why: string): CommandOutcome {
  return { type: 'error', code: ErrorCode.timeout, text: why };
}
