// Bodies of the lin-kv workload (read, write, cas) and their replies. Reply bodies carry only
// the documented fields: Maelstrom validates them as closed schemas.

import type { JsonValue } from '../base/json.js';
import { ok } from '../base/result.js';
import { optionalBoolean, requireValue, type FieldResult } from './fields.js';
import type { Body } from './message.js';

export type KvOperation =
  | { readonly f: 'read'; readonly key: JsonValue }
  | { readonly f: 'write'; readonly key: JsonValue; readonly value: JsonValue }
  | { readonly f: 'cas'; readonly key: JsonValue; readonly from: JsonValue; readonly to: JsonValue; readonly createIfMissing: boolean };

export const KV_REQUEST_TYPES = ['read', 'write', 'cas'] as const;
export type KvRequestType = (typeof KV_REQUEST_TYPES)[number];

export function isKvRequestType(type: string): type is KvRequestType {
  return type === 'read' || type === 'write' || type === 'cas';
}

export function parseKvOperation(type: KvRequestType, body: Body): FieldResult<KvOperation> {
  const key = requireValue(body, 'key');
  if (!key.ok) return key;
  switch (type) {
    case 'read':
      return ok({ f: 'read', key: key.value });
    case 'write': {
      const value = requireValue(body, 'value');
      if (!value.ok) return value;
      return ok({ f: 'write', key: key.value, value: value.value });
    }
    case 'cas': {
      const from = requireValue(body, 'from');
      if (!from.ok) return from;
      const to = requireValue(body, 'to');
      if (!to.ok) return to;
      const create = optionalBoolean(body, 'create_if_not_exists');
      if (!create.ok) return create;
      return ok({ f: 'cas', key: key.value, from: from.value, to: to.value, createIfMissing: create.value ?? false });
    }
  }
}
