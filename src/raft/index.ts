// The Raft core's public surface: what the server and the simulators import. Everything here is
// pure (no I/O, no clock); see raft.ts for the Ready contract the application loop must follow.

export { RAFT_DEFAULTS, makeRaftConfig, validateRaftConfig, type RaftConfig, type RaftConfigInput } from './config.js';
export {
  RAFT_MESSAGE_TYPES,
  describeMessage,
  isFromLeader,
  vouchesForStorage,
  isRaftMessageType,
  parseRaftMessage,
  type AppendRequest,
  type AppendResponse,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type RaftMessage,
  type RaftMessageType,
  type ReadIndexRequest,
  type ReadIndexResponse,
  type SnapshotRequest,
  type SnapshotResponse,
  type VoteRequest,
  type VoteResponse,
} from './messages.js';
export { RaftNode, type ProgressView, type Refusal, type Proposed, type Ready } from './raft.js';
export { MemoryStorage, type LogPosition, type Storage, type StorageContents } from './storage.js';
export {
  EMPTY_HARD_STATE,
  type Command,
  type DropReason,
  type DroppedRead,
  type Entry,
  type EntryKind,
  type HardState,
  type NodeId,
  type ReadState,
  type Role,
  type Snapshot,
  type SoftState,
} from './types.js';
