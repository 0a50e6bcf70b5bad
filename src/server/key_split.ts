// Which of a node's Raft groups holds a key: a fixed split by a hash of the key's canonical JSON,
// the same on every node (a cluster's nodes must run with the same group count). Ranges of keys
// per group, split and merged as they grow, are the regions to come; this is their simplest
// stand-in, enough to run several groups side by side.

import { canonicalJson, type JsonValue } from '../base/json.js';

export function groupOfKey(key: JsonValue, groupCount: number): number {
  if (groupCount === 1) return 0;
  const text = typeof key === 'number' ? `n${key}` : typeof key === 'string' ? `s${key}` : canonicalJson(key);
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % groupCount;
}
