// The commands a Raft log carries, and their codec. A command is a plain JSON object, so encoding
// is the identity and costs nothing; decoding checks the shape of every field before anything
// is applied, because entries arrive from peers (forwards, appends) and from storage. Decoding is
// deterministic: every replica decides alike about the same entry.

import { isJsonObject, type JsonObject, type JsonValue } from '../base/json.js';
import { err, ok, type Result } from '../base/result.js';
import { isKvFunction, type KvOperation, type KvOutcome, type MicroOp } from './operations.js';
import { txnCheckProblem, txnProblem, type TxnCheck } from './txn.js';

export interface SessionTag {
  readonly session: number;
  readonly seq: number;
}

export type KvCommand =
  | { readonly kind: 'op'; readonly op: KvOperation; readonly tag?: SessionTag | undefined }
  /**
   * A whole transaction, one log entry: `ops` exactly as the client sent them
   * (`{"kind":"txn","ops":[["r",1,null],...]}`). With a `check` it commits only if the check holds
   * at apply (else error 30, and nothing changed): a client's read_index, or an occ or si txn
   * prepared at its read point, whose `ops` are then its writes only (its reads were served there):
   * `{"kind":"txn","ops":[["append",1,5]],"check":{"after":41,"keys":[1,2]}}`.
   */
  | { readonly kind: 'txn'; readonly ops: readonly MicroOp[]; readonly check?: TxnCheck | undefined; readonly tag?: SessionTag | undefined }
  | { readonly kind: 'open_session' };

export type CommandOutcome = KvOutcome | { readonly type: 'open_session_ok'; readonly session: number };

/** The command as an entry's data (and inside a forward). */
export function encodeCommand(command: KvCommand): JsonValue {
  // Every field of a KvCommand is JSON already: the object is its own encoding.
  return command as unknown as JsonValue;
}

/** A command from an entry's data or a forward, or why it is not one. */
export function decodeCommand(data: JsonValue | undefined): Result<KvCommand, string> {
  if (!isJsonObject(data)) return err('a command must be an object');
  const kind = data['kind'];
  if (kind === 'op') {
    const op = data['op'];
    if (!isJsonObject(op)) return err('an op command needs an "op" object');
    const problem = operationProblem(op);
    if (problem !== undefined) return err(problem);
  } else if (kind === 'txn') {
    const problem = txnProblem(data['ops']) ?? (data['check'] === undefined ? undefined : txnCheckProblem(data['check']));
    if (problem !== undefined) return err(problem);
  } else if (kind === 'open_session') {
    return ok({ kind: 'open_session' });
  } else {
    return err(`unknown command kind ${JSON.stringify(kind)}`);
  }
  const tag = data['tag'];
  if (tag === undefined || tag === null) return ok(data as unknown as KvCommand);
  if (!isJsonObject(tag) || !isPositiveInteger(tag['session']) || !isPositiveInteger(tag['seq']))
    return err('"tag" must be {session, seq} of positive integers');
  return ok(data as unknown as KvCommand);
}

function operationProblem(op: JsonObject): string | undefined {
  const f = op['f'];
  if (!isKvFunction(f)) return `unknown operation ${JSON.stringify(f)}`;
  if (op['key'] === undefined) return `${f} needs a key`;
  switch (f) {
    case 'read':
      return undefined;
    case 'write':
      return op['value'] === undefined ? 'write needs a value' : undefined;
    case 'cas':
      if (op['from'] === undefined || op['to'] === undefined) return 'cas needs from and to';
      return typeof op['createIfMissing'] === 'boolean' ? undefined : 'cas needs a boolean createIfMissing';
  }
}

export function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}
