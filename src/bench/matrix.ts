// The benchmark matrix: the product of the axes (workloads included) as cells, the ceiling
// points the lin-kv cells are compared with, which cells of different workloads are compared
// with each other, and the order of the runs. Pure: options in, cells and harness options out.

import { err, ok, type Result } from '../base/result.js';
import { isTxnWorkload, makeTestOptions, type TestOptions, type Workload } from '../harness/options.js';
import { clientThreads, closedLoopThreadCounts, formatClients, readSharesOf, type BenchOptions, type ClientsSpec } from './options.js';

/** The harness's rate for a closed loop: far above what any client thread can issue. */
export const CLOSED_LOOP_RATE = 1_000_000;

export type Load = { readonly kind: 'closed'; readonly clients: ClientsSpec } | { readonly kind: 'rate'; readonly rate: number; readonly clients: ClientsSpec };

export interface Cell {
  /** Unique, file-name safe: names the runs' directories. Starts with the workload when there are several. */
  readonly id: string;
  readonly workload: Workload;
  readonly nodeCount: number;
  readonly latencyMs: number;
  /** lin-kv's read share; null in the txn workloads, which have none. */
  readonly readFraction: number | null;
  /** null: no --read-mode flag, the node's own default. */
  readonly readMode: string | null;
  readonly load: Load;
  /** Client threads of this cell. */
  readonly concurrency: number;
}

export interface CeilingPoint {
  /** `ceiling-r<read share>-t<threads>`. */
  readonly id: string;
  readonly readFraction: number;
  /** Client threads, the same absolute number as the closed-loop cells compared with it. */
  readonly concurrency: number;
}

export interface PlannedRun {
  /** The cell's or the ceiling point's id. */
  readonly id: string;
  readonly target: { readonly kind: 'cell'; readonly cell: Cell } | { readonly kind: 'ceiling'; readonly point: CeilingPoint };
  readonly rep: number;
  readonly seed: number;
  readonly options: TestOptions;
}

export function loadLabel(load: Load): string {
  return load.kind === 'closed' ? `closed ${formatClients(load.clients)}` : `rate ${load.rate}/s, ${formatClients(load.clients)}`;
}

/** Every cell, workload by workload in the order given; within one workload as a one-workload bench has them. */
export function expandCells(options: BenchOptions): Cell[] {
  const loads: Load[] = [
    ...options.clients.map((clients): Load => ({ kind: 'closed', clients })),
    ...options.rates.map((rate): Load => ({ kind: 'rate', rate, clients: options.rateClients })),
  ];
  const readModes: readonly (string | null)[] = options.readModes.length === 0 ? [null] : options.readModes;
  // One workload keeps the ids it always had, so existing scripts and reports still match.
  const idPrefix = (workload: Workload): string => (options.workloads.length === 1 ? '' : `${workload}-`);
  const cells: Cell[] = [];
  for (const workload of options.workloads) {
    for (const nodeCount of options.nodeCounts) {
      for (const latencyMs of options.latenciesMs) {
        for (const readFraction of readSharesOf(options, workload)) {
          for (const readMode of readModes) {
            for (const load of loads) {
              const loadId = load.kind === 'closed' ? `c${formatClients(load.clients)}` : `r${load.rate}-c${formatClients(load.clients)}`;
              cells.push({
                id: `${idPrefix(workload)}n${nodeCount}-l${latencyMs}${readFraction === null ? '' : `-r${readFraction}`}-${readMode ?? 'default'}-${loadId}`,
                workload,
                nodeCount,
                latencyMs,
                readFraction,
                readMode,
                load,
                concurrency: clientThreads(load.clients, nodeCount),
              });
            }
          }
        }
      }
    }
  }
  return cells;
}

/**
 * What cells of different workloads must share to be compared: the cluster, the read mode and
 * the load (and so the client threads); the seed is shared by every cell of a rep anyway.
 */
export function comparisonKey(cell: Cell): string {
  return JSON.stringify([cell.nodeCount, cell.latencyMs, cell.readMode, cell.load]);
}

/**
 * The cells in the order rep `rep` runs them. One workload: as expanded. Several: the cells the
 * comparison sets side by side run one right after the other, so each pair sees nearly the same
 * load of the machine, not the load of minutes apart; and every other rep in reverse, so running
 * second (after the other's disk writes, in a warmer or busier machine) favours no workload.
 */
function cellRunOrder(cells: readonly Cell[], rep: number): Cell[] {
  if (new Set(cells.map((cell) => cell.workload)).size <= 1) return [...cells];
  const byKey = new Map<string, Cell[]>();
  for (const cell of cells) {
    const key = comparisonKey(cell);
    byKey.set(key, [...(byKey.get(key) ?? []), cell]);
  }
  return [...byKey.values()].flatMap((group) => (rep % 2 === 0 ? group : [...group].reverse()));
}

/**
 * One ceiling point per read share and distinct closed-loop thread count of the cells: a cell of
 * `Nn` on k nodes runs N × k threads, and its ceiling runs the same N × k threads on 1 node, so
 * both are measured at the same offered load. lin-kv on 1 node takes any even thread count, and
 * every closed-loop count is even (Nn needs an even N, absolute counts are multiples of 2 × nodes).
 */
export function expandCeiling(options: BenchOptions): CeilingPoint[] {
  if (!options.ceiling) return [];
  const points: CeilingPoint[] = [];
  for (const readFraction of options.readFractions) {
    for (const threads of closedLoopThreadCounts(options)) {
      points.push({ id: `ceiling-r${readFraction}-t${threads}`, readFraction, concurrency: threads });
    }
  }
  return points;
}

/** The ceiling point a closed-loop cell is compared with (same read share, same thread count); fixed-rate cells have none. */
export function ceilingKey(readFraction: number | null, threads: number): string {
  return `${readFraction}|${threads}`;
}

export interface BenchPaths {
  /** The node binary (already resolved). */
  readonly bin: string;
  readonly ceilingBin: string;
  /** Where each run's harness directory goes: `<runsDir>/<id>-rep<k>`. */
  readonly runsDir: string;
}

/**
 * Every run in order. Rep-major: all cells of every workload once, then all again, so slow drift
 * in the machine's load spreads over every cell instead of biasing the cells that happen to run
 * last; within a rep, the ceiling points first, then the cells in cellRunOrder.
 */
export function planRuns(options: BenchOptions, paths: BenchPaths): Result<PlannedRun[], string> {
  // What differs between targets; every run adds the duration, its seed and its directory.
  const ceilingTargets = expandCeiling(options).map((point) => ({
    target: { kind: 'ceiling', point } as const,
    id: point.id,
    shape: { bin: paths.ceilingBin, nodeCount: 1, latencyMs: 0, readFraction: point.readFraction, rate: CLOSED_LOOP_RATE, concurrency: point.concurrency },
  }));
  const cellTarget = (cell: Cell) => ({
    target: { kind: 'cell', cell } as const,
    id: cell.id,
    shape: {
      bin: paths.bin,
      binArgs: [...options.binArgs, ...(cell.readMode === null ? [] : ['--read-mode', cell.readMode])],
      nodeCount: cell.nodeCount,
      latencyMs: cell.latencyMs,
      ...(cell.readFraction === null ? {} : { readFraction: cell.readFraction }),
      rate: cell.load.kind === 'closed' ? CLOSED_LOOP_RATE : cell.load.rate,
      concurrency: cell.concurrency,
      // A txn cell measures the op phase: no final reads after it.
      ...(isTxnWorkload(cell.workload) ? { workload: cell.workload, ...options.txn, finalReads: false } : {}),
    },
  });
  const cells = expandCells(options);
  const runs: PlannedRun[] = [];
  for (let rep = 0; rep < options.reps; rep++) {
    const seed = (options.seed + rep) >>> 0;
    for (const { target, id, shape } of [...ceilingTargets, ...cellRunOrder(cells, rep).map(cellTarget)]) {
      const made = makeTestOptions({ ...shape, timeLimitS: options.timeLimitS, seed, outDir: `${paths.runsDir}/${id}-rep${rep + 1}`, progressIntervalS: 0 });
      if (!made.ok) return err(`${target.kind} ${id}: ${made.error}`);
      runs.push({ id, target, rep, seed, options: made.value });
    }
  }
  return ok(runs);
}

/** Rough wall time: the op phase plus start-up, drain and check (measured: about 1.5 s a run). */
export function estimateSeconds(runCount: number, timeLimitS: number): number {
  return runCount * (timeLimitS + 1.5);
}
