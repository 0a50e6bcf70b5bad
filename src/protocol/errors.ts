// Maelstrom's error table as data. A *definite* error promises the operation did not and never
// will take effect; everything else (and every code not in the table) is indefinite. Once a
// request may be in the Raft log, only indefinite errors may be returned for it.

export const ErrorCode = {
  timeout: 0,
  nodeNotFound: 1,
  notSupported: 10,
  temporarilyUnavailable: 11,
  malformedRequest: 12,
  crash: 13,
  abort: 14,
  keyDoesNotExist: 20,
  keyAlreadyExists: 21,
  preconditionFailed: 22,
  txnConflict: 30,
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ErrorInfo {
  readonly code: ErrorCode;
  readonly name: string;
  readonly definite: boolean;
  readonly meaning: string;
}

export const ERROR_TABLE: readonly ErrorInfo[] = [
  { code: 0, name: 'timeout', definite: false, meaning: 'the operation did not finish in time' },
  { code: 1, name: 'node-not-found', definite: true, meaning: 'the request went to a node that does not exist' },
  { code: 10, name: 'not-supported', definite: true, meaning: 'the request type is not supported' },
  { code: 11, name: 'temporarily-unavailable', definite: true, meaning: 'cannot serve now, and nothing was done' },
  { code: 12, name: 'malformed-request', definite: true, meaning: 'the request could not be understood' },
  { code: 13, name: 'crash', definite: false, meaning: 'an indefinite failure: the operation may or may not take effect' },
  { code: 14, name: 'abort', definite: true, meaning: 'a definite failure: the operation did not take effect' },
  { code: 20, name: 'key-does-not-exist', definite: true, meaning: 'the key has never been written' },
  { code: 21, name: 'key-already-exists', definite: true, meaning: 'the key exists already' },
  { code: 22, name: 'precondition-failed', definite: true, meaning: 'the current value differs from the expected one' },
  { code: 30, name: 'txn-conflict', definite: true, meaning: 'the transaction was aborted by a conflict' },
];

const BY_CODE = new Map<number, ErrorInfo>(ERROR_TABLE.map((info) => [info.code, info]));

/** Codes outside the table (custom codes 1000 and up included) are indefinite, as in Maelstrom. */
export function isDefiniteError(code: number): boolean {
  return BY_CODE.get(code)?.definite ?? false;
}

export function errorName(code: number): string {
  return BY_CODE.get(code)?.name ?? 'unknown';
}
