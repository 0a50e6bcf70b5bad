// The Raft core's public surface: what the server, the storage and the simulators import.
// Everything here is pure (no I/O, no clock); see raft.ts for the Ready contract the application
// loop must follow.

export { RAFT_DEFAULTS, makeRaftConfig, type RaftConfig } from './config.js';
export { RAFT_MESSAGE_TYPES, describeMessage, vouchesForStorage, isRaftMessageType, parseRaftMessage, type RaftMessage } from './messages.js';
export { RaftNode, type Ready } from './raft.js';
export { MemoryStorage, type LogPosition, type Storage } from './storage.js';
export { EMPTY_HARD_STATE, type Command, type Entry, type HardState, type NodeId, type Role, type Snapshot } from './types.js';
