// Which consistency models each anomaly rules out: the table of ../shared/transactions-and-regions.md
// (section 2, after Elle's consistency_model.clj), plus repeatable-read, which that table leaves
// out. Pure data. Invariant: every anomaly name maps to the models that forbid it, strongest
// first; a model forbids everything a weaker model forbids.

import type { AnomalyName, ConsistencyModel, CycleAnomaly } from './types.js';
import { CONSISTENCY_MODELS } from './types.js';

const ALL: readonly ConsistencyModel[] = CONSISTENCY_MODELS;
const READ_COMMITTED_AND_UP: readonly ConsistencyModel[] = ['strict-serializable', 'serializable', 'snapshot-isolation', 'repeatable-read', 'read-committed'];
const REPEATABLE_READ_AND_SNAPSHOT_UP: readonly ConsistencyModel[] = ['strict-serializable', 'serializable', 'snapshot-isolation', 'repeatable-read'];
const SNAPSHOT_AND_UP: readonly ConsistencyModel[] = ['strict-serializable', 'serializable', 'snapshot-isolation'];
const SERIALIZABLE_REPEATABLE: readonly ConsistencyModel[] = ['strict-serializable', 'serializable', 'repeatable-read'];
const STRICT_ONLY: readonly ConsistencyModel[] = ['strict-serializable'];

/**
 * Repeatable read (Adya's PL-2.99), decided as Elle decides it: PL-2.99 forbids G1 and G2-item
 * and lost updates, and implies read committed and read uncommitted. Every anti-dependency this
 * checker infers is on one key (an item, never a predicate), so each G-single and G-nonadjacent
 * it finds is Elle's G-single-item / G-nonadjacent-item, which imply G2-item: repeatable read
 * forbids them. It does not forbid `internal` (Elle has serializable and snapshot isolation forbid
 * it through Cerone's INT axiom, which repeatable read does not imply), nor the process and
 * real-time variants (only strict serializable adds real time; process order implies real time).
 */
const CYCLE_FORBIDDERS: Readonly<Record<CycleAnomaly, readonly ConsistencyModel[]>> = {
  G0: ALL,
  G1c: READ_COMMITTED_AND_UP,
  'G-single': REPEATABLE_READ_AND_SNAPSHOT_UP,
  'G-nonadjacent': REPEATABLE_READ_AND_SNAPSHOT_UP,
  'G2-item': SERIALIZABLE_REPEATABLE,
};

const FORBIDDEN_BY: ReadonlyMap<AnomalyName, readonly ConsistencyModel[]> = new Map<AnomalyName, readonly ConsistencyModel[]>([
  ...(Object.entries(CYCLE_FORBIDDERS) as [CycleAnomaly, readonly ConsistencyModel[]][]),
  // A cycle that needs a process or a real-time edge breaks only what orders txns in time.
  ...(Object.keys(CYCLE_FORBIDDERS) as CycleAnomaly[]).flatMap((name): [AnomalyName, readonly ConsistencyModel[]][] => [
    [`${name}-process`, STRICT_ONLY],
    [`${name}-realtime`, STRICT_ONLY],
  ]),
  ['duplicate-elements', ALL],
  ['cyclic-versions', ALL],
  // A value nobody wrote cannot be read under any model (Adya's histories cannot even express
  // it), so like duplicate elements it rules out read uncommitted too.
  ['garbage-read', ALL],
  ['G1a', READ_COMMITTED_AND_UP],
  ['G1b', READ_COMMITTED_AND_UP],
  ['incompatible-order', READ_COMMITTED_AND_UP],
  ['dirty-update', READ_COMMITTED_AND_UP],
  ['future-read', READ_COMMITTED_AND_UP],
  ['internal', SNAPSHOT_AND_UP],
  ['lost-update', REPEATABLE_READ_AND_SNAPSHOT_UP],
]);

/** The models that a history showing this anomaly cannot satisfy. */
export function modelsViolatedBy(anomaly: AnomalyName): readonly ConsistencyModel[] {
  return FORBIDDEN_BY.get(anomaly) ?? [];
}

export function forbiddenBy(model: ConsistencyModel, anomaly: AnomalyName): boolean {
  return modelsViolatedBy(anomaly).includes(model);
}

export function isConsistencyModel(name: string): name is ConsistencyModel {
  return (CONSISTENCY_MODELS as readonly string[]).includes(name);
}

const CYCLE_SEVERITY: readonly CycleAnomaly[] = ['G0', 'G1c', 'G-single', 'G-nonadjacent', 'G2-item'];

/**
 * Every anomaly name, worst first (as Elle orders its searches): the non-cycle anomalies that
 * break even read uncommitted, then the data cycles, then the rest, then the cycles that need
 * process order, then those that need real time.
 */
export const ANOMALY_SEVERITY: readonly AnomalyName[] = [
  'garbage-read',
  'duplicate-elements',
  'cyclic-versions',
  'G0',
  'incompatible-order',
  'G1a',
  'G1b',
  'dirty-update',
  'future-read',
  'G1c',
  'internal',
  'lost-update',
  'G-single',
  'G-nonadjacent',
  'G2-item',
  ...CYCLE_SEVERITY.map((name): AnomalyName => `${name}-process`),
  ...CYCLE_SEVERITY.map((name): AnomalyName => `${name}-realtime`),
];
