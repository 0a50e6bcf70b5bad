// Maelstrom's txn request (txn-list-append and txn-rw-register) and its txn_ok reply. A request
// {"type":"txn","txn":[["r",k,null],["append",k,v],["w",k,v]]} becomes a txn command carrying the
// micro-ops exactly as sent; the reply {"type":"txn_ok","txn":[...]} is the state machine's
// outcome as it is (reads filled in), so nothing is re-encoded. Every bad shape is refused here,
// naming the fault, before anything is done; only an append to a non-list waits for apply.
// Extensions, only when asked for: "at_index": I (a snapshot read of a read-only txn at exactly
// index I), "read_index": I (commit only if no key the txn reads or writes changed after I: a
// check in the command, so it travels with it and is decided at apply) and "return_index": true
// (the reply carries "index").

import { previewJson, type JsonObject, type JsonValue } from '../base/json.js';
import { err, ok } from '../base/result.js';
import type { KvOutcome, MicroOp } from '../kv/operations.js';
import { distinctKeys, isReadOnlyTxn, isTxnKey, MAX_TXN_MICRO_OPS, microOpProblem } from '../kv/txn.js';
import { optionalBoolean, optionalNonNegativeInteger, type FieldResult } from './fields.js';
import { clientRequest, uncarriable, type ClientRequest } from './lin_kv.js';
import type { Body } from './message.js';

/**
 * A client request with the txn extensions; a plain ClientRequest is one with neither (both
 * fields are optional), so whatever serves requests can take this type.
 */
export interface TxnRequest extends ClientRequest {
  /** A snapshot read: the read-only txn sees exactly the state after this log index. */
  readonly atIndex?: number | undefined;
  /** The reply carries "index": the index the txn committed at, or the state it read. */
  readonly returnIndex?: boolean | undefined;
}

/** A txn request: its micro-ops, with the optional session tag (session, seq) and min_index of any request, and the txn extensions. */
export function parseTxnRequest(body: Body): FieldResult<TxnRequest> {
  const txn = body['txn'];
  if (txn === undefined) return err({ field: 'txn', problem: 'is missing' });
  if (!Array.isArray(txn)) return err({ field: 'txn', problem: `must be a list of micro-ops [f, key, value]; got ${previewJson(txn, 60)}` });
  if (txn.length === 0) return err({ field: 'txn', problem: 'must hold at least one micro-op' });
  if (txn.length > MAX_TXN_MICRO_OPS) return err({ field: 'txn', problem: `holds ${txn.length} micro-ops, over the bound of ${MAX_TXN_MICRO_OPS}` });
  for (let i = 0; i < txn.length; i++) {
    const op = txn[i] as JsonValue;
    const problem = microOpProblem(op);
    if (problem !== undefined) return err({ field: 'txn', problem: `has a bad micro-op at ${i}, ${previewJson(op, 60)}: it ${problem}` });
    const [f, key, value] = op as MicroOp;
    // The key passed (an integer or a string); its value must read back as sent.
    const bad = f === 'r' ? undefined : uncarriable(value, 'txn', 2);
    if (bad !== undefined) return err({ field: 'txn', problem: `has a bad micro-op at ${i} (${f} on key ${previewJson(key)}): its value ${bad.problem}` });
  }
  const readIndex = optionalNonNegativeInteger(body, 'read_index');
  if (!readIndex.ok) return readIndex;
  const ops = txn as MicroOp[];
  const check = readIndex.value === undefined ? undefined : { after: readIndex.value, keys: distinctKeys(ops, () => true) };
  const request = clientRequest(body, check === undefined ? { kind: 'txn', ops } : { kind: 'txn', ops, check });
  if (!request.ok) return request;
  const returnIndex = optionalBoolean(body, 'return_index');
  if (!returnIndex.ok) return returnIndex;
  const atIndex = optionalNonNegativeInteger(body, 'at_index');
  if (!atIndex.ok) return atIndex;
  if (atIndex.value === undefined) return returnIndex.value === true ? ok({ ...request.value, returnIndex: true }) : request;
  if (check !== undefined)
    return err({ field: 'read_index', problem: 'cannot go with at_index: a snapshot read sees exactly the state at at_index, which nothing changes' });
  if (!isReadOnlyTxn(txn as MicroOp[])) return err({ field: 'at_index', problem: 'is for a txn of reads only: a snapshot read writes nothing' });
  if (request.value.minIndex > atIndex.value)
    return err({
      field: 'min_index',
      problem: `is ${request.value.minIndex}, beyond at_index ${atIndex.value}: a snapshot read sees exactly the state at at_index`,
    });
  return ok({ ...request.value, atIndex: atIndex.value, ...(returnIndex.value === true ? { returnIndex: true } : {}) });
}

/** A txn_ok outcome relayed by a peer (a forward's result), checked as any input is; undefined if malformed. */
export function parseTxnOk(item: JsonObject): KvOutcome | undefined {
  const txn = item['txn'];
  if (!Array.isArray(txn)) return undefined;
  for (const op of txn) {
    if (!Array.isArray(op) || op.length !== 3 || (op[0] !== 'r' && op[0] !== 'w' && op[0] !== 'append') || !isTxnKey(op[1])) return undefined;
  }
  return { type: 'txn_ok', txn };
}
