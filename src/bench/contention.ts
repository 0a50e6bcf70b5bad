// The contention study (`npm run bench:contention`): which `raftkv-test bench` invocations it
// runs (txn modes and their switched-off variants × key count × key distribution × reps), the
// node's own txn counters read from its log, and the figures as tables, plots and findings in
// docs/contention.md. Pure: the plan and the runs' figures in, argv, Markdown and SVG out; the
// script scripts/bench_contention.mjs runs the invocations and writes the files.

import { barChart } from './charts.js';
import { shellQuote } from '../base/shell.js';
import { spread, type RunMetrics, type Spread } from './summary.js';
import { withSpread } from './table_rows.js';

/** A txn mode as run, or one of its switches turned off through the node's environment. */
export interface ContentionVariant {
  /** Unique and shown: `occ`, `occ, no early abort`. */
  readonly name: string;
  readonly mode: string;
  /** Set in the environment of the harness, which the nodes inherit. */
  readonly env: Readonly<Record<string, string>>;
  /** Only the key counts (and exponential keys) it runs: the switched variants run the hot cells only. */
  readonly keyCounts: readonly number[] | null;
}

/** The consistency model each mode promises, and so the model its runs are checked against. */
function promisedModel(mode: string): string {
  return mode === 'si' ? 'snapshot-isolation' : 'strict-serializable';
}

export interface ContentionConfig {
  readonly variants: readonly ContentionVariant[];
  readonly keyCounts: readonly number[];
  readonly keyDists: readonly string[];
  /** Bench client specs, few then many: `2n`, `10n`. */
  readonly clients: readonly string[];
  readonly nodes: number;
  readonly latencyMs: number;
  readonly reps: number;
  readonly timeLimitS: number;
  readonly seed: number;
  /** Arguments for every node, after the mode's own. */
  readonly nodeArgs: readonly string[];
}

export interface Invocation {
  readonly variant: ContentionVariant;
  readonly keyCount: number;
  readonly keyDist: string;
  readonly rep: number;
  readonly seed: number;
  /** Relative to the study's output directory. */
  readonly dir: string;
  /** What follows `raftkv-test`. */
  readonly args: readonly string[];
}

/** A file- and shell-safe form of a variant's name. */
function variantSlug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/**
 * Every bench invocation, rep-major and with the variants interleaved inside each rep: the
 * machine's load drifts (others share its cores), and this spreads the drift over every variant
 * instead of biasing whichever would run last. Each invocation runs both client counts once.
 */
export function planInvocations(config: ContentionConfig): Invocation[] {
  const invocations: Invocation[] = [];
  for (let rep = 0; rep < config.reps; rep++) {
    const seed = (config.seed + rep) >>> 0;
    for (const keyDist of config.keyDists) {
      for (const keyCount of config.keyCounts) {
        for (const variant of config.variants) {
          if (variant.keyCounts !== null && (keyDist !== 'exponential' || !variant.keyCounts.includes(keyCount))) continue;
          const dir = `runs/${variantSlug(variant.name)}/k${keyCount}-${keyDist}/rep${rep + 1}`;
          const args = [
            'bench',
            '-w',
            'txn-list-append',
            '--nodes',
            String(config.nodes),
            '--latency',
            String(config.latencyMs),
            '--clients',
            config.clients.join(','),
            '--key-count',
            String(keyCount),
            '--key-dist',
            keyDist,
            '--consistency-models',
            promisedModel(variant.mode),
            '--reps',
            '1',
            '--time-limit',
            String(config.timeLimitS),
            '--seed',
            String(seed),
            '--keep-runs',
            '--title',
            `contention: ${variant.name}, ${keyCount} keys ${keyDist}, rep ${rep + 1}`,
            '--out',
            dir,
            '--',
            '--txn-mode',
            variant.mode,
            ...config.nodeArgs,
          ];
          invocations.push({ variant, keyCount, keyDist, rep, seed, dir, args });
        }
      }
    }
  }
  return invocations;
}

/** The node's cumulative txn counters (a line `txn stats {json}` in its log), summed over nodes. */
export type TxnNodeStats = Readonly<Record<string, number>>;

/** What precedes the counters' JSON on the line (src/server/optimistic_txns.ts, formatTxnStats). */
const STATS_MARK = 'txn stats ';

/**
 * The last counters line of one node's log, `... txn stats {...}`: the node logs its counters
 * since it started, so the last line holds them all (up to the last line's time: the harness ends
 * a run with SIGKILL). Only finite numeric fields are kept; null when the log has no such line.
 */
export function parseTxnStats(logText: string): TxnNodeStats | null {
  const lines = logText.split('\n');
  // Bounded by the log's lines; the newest line is found first.
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] as string;
    const at = line.indexOf(STATS_MARK);
    if (at === -1) continue;
    try {
      const parsed: unknown = JSON.parse(line.slice(at + STATS_MARK.length));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) continue;
      const numbers: Record<string, number> = {};
      for (const [name, value] of Object.entries(parsed)) if (typeof value === 'number' && Number.isFinite(value)) numbers[name] = value;
      return numbers;
    } catch {
      // A torn last line (killed mid-write): an earlier one still holds counters.
    }
  }
  return null;
}

/** Each counter summed over the nodes that logged any; null when none did. */
export function sumTxnStats(perNode: readonly (TxnNodeStats | null)[]): TxnNodeStats | null {
  const present = perNode.filter((stats): stats is TxnNodeStats => stats !== null);
  if (present.length === 0) return null;
  const sum: Record<string, number> = {};
  for (const stats of present) for (const [name, value] of Object.entries(stats)) sum[name] = (sum[name] ?? 0) + value;
  return sum;
}

/** Node retries per txn the nodes finished (`committed` + `aborted`); null without those counters or without txns. */
export function retriesPerTxn(stats: TxnNodeStats | null): number | null {
  const retries = stats?.['retries'];
  const committed = stats?.['committed'];
  const aborted = stats?.['aborted'];
  if (retries === undefined || committed === undefined || aborted === undefined || committed + aborted <= 0) return null;
  return retries / (committed + aborted);
}

/** One harness run of the study. */
export interface ContentionRun {
  readonly variant: string;
  readonly keyCount: number;
  readonly keyDist: string;
  /** The bench's client spec (`2n`) and the threads it makes. */
  readonly clients: string;
  readonly threads: number;
  readonly rep: number;
  readonly seed: number;
  /** null: the harness reported nothing (an error). */
  readonly metrics: RunMetrics | null;
  readonly nodeStats: TxnNodeStats | null;
  /** Where the run's files were kept when it was not valid. */
  readonly keptDir: string | null;
}

export interface ContentionRow {
  readonly variant: string;
  readonly keyCount: number;
  readonly keyDist: string;
  readonly clients: string;
  readonly threads: number;
  readonly committedPerS: Spread;
  readonly abortRate: Spread;
  readonly retriesPerTxn: Spread;
  readonly p50Ms: Spread;
  readonly p99Ms: Spread;
  readonly msgsPerTxn: Spread;
  readonly runs: number;
  readonly valid: number;
  readonly invalid: number;
  readonly keptDirs: readonly string[];
}

/** Medians over reps per (variant, key count, distribution, clients), in the order first seen. */
export function aggregate(runs: readonly ContentionRun[]): ContentionRow[] {
  const groups = new Map<string, ContentionRun[]>();
  for (const run of runs) {
    const key = JSON.stringify([run.variant, run.keyCount, run.keyDist, run.clients]);
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0] as ContentionRun;
    const of = (pick: (m: RunMetrics) => number | null | undefined): Spread =>
      spread(group.map((run) => (run.metrics === null ? null : (pick(run.metrics) ?? null))));
    return {
      variant: first.variant,
      keyCount: first.keyCount,
      keyDist: first.keyDist,
      clients: first.clients,
      threads: first.threads,
      committedPerS: of((m) => m.okOpsPerS),
      abortRate: of((m) => m.abortRate),
      retriesPerTxn: spread(group.map((run) => retriesPerTxn(run.nodeStats))),
      p50Ms: of((m) => m.txnP50Ms),
      p99Ms: of((m) => m.txnP99Ms),
      msgsPerTxn: of((m) => m.serverMsgsPerOp),
      runs: group.length,
      valid: group.filter((run) => run.metrics?.valid === true).length,
      invalid: group.filter((run) => run.metrics?.valid === false).length,
      keptDirs: group.flatMap((run) => (run.keptDir === null ? [] : [run.keptDir])),
    };
  });
}

/** What the node said when a mode or a switch could not be run. */
interface Unavailable {
  readonly name: string;
  readonly reason: string;
}

export interface ContentionReport {
  readonly config: ContentionConfig;
  readonly rows: readonly ContentionRow[];
  readonly unavailable: readonly Unavailable[];
  /** The argv that reproduces the study, starting with the script. */
  readonly command: readonly string[];
  readonly startedAt: string;
  readonly finishedAt: string;
  /** The machine: cores, and the 1-minute load average seen before each invocation. */
  readonly cores: number;
  readonly load: Spread;
  /** How long the study took, s. */
  readonly wallS: number;
  /** What was measured: the commit and when the node was built. */
  readonly build: string;
  /** Hand-written analysis kept from the previous document (between the markers), if any. */
  readonly analysis: string | null;
}

const ANALYSIS_START = '<!-- analysis: written by hand, kept when the script rewrites this file -->';
const ANALYSIS_END = '<!-- end of analysis -->';
const NO_ANALYSIS = '(not written yet)';

/** The hand-written block of an earlier document, so a rerun keeps it. */
export function keptAnalysis(previous: string | null): string | null {
  if (previous === null) return null;
  const start = previous.indexOf(ANALYSIS_START);
  const end = previous.indexOf(ANALYSIS_END);
  if (start === -1 || end < start) return null;
  const text = previous.slice(start + ANALYSIS_START.length, end).trim();
  return text === '' || text === NO_ANALYSIS ? null : text;
}

function figure(value: number | null, digits = 0): string {
  if (value === null) return '–';
  return digits === 0 ? Math.round(value).toLocaleString('en-US') : value.toFixed(digits);
}

function percent(value: number | null): string {
  if (value === null) return '–';
  return `${(value * 100).toFixed(value > 0 && value < 0.001 ? 2 : 1)}%`;
}

function verdictText(row: ContentionRow): string {
  if (row.valid === row.runs) return `${row.runs} valid`;
  const parts = [`${row.valid}/${row.runs} valid`];
  if (row.invalid > 0) parts.push(`**${row.invalid} INVALID**`);
  return parts.join(', ');
}

/** Rows of one distribution, by key count, then clients, then variant in the study's order. */
function rowsOf(report: ContentionReport, keyDist: string): ContentionRow[] {
  const order = report.config.variants.map((variant) => variant.name);
  const clientsOrder = report.config.clients;
  return report.rows
    .filter((row) => row.keyDist === keyDist)
    .sort(
      (a, b) =>
        a.keyCount - b.keyCount || clientsOrder.indexOf(a.clients) - clientsOrder.indexOf(b.clients) || order.indexOf(a.variant) - order.indexOf(b.variant),
    );
}

function fullTable(rows: readonly ContentionRow[], withRetries: boolean): string {
  const header = [
    'keys',
    'clients',
    'mode',
    'committed txns/s',
    'abort rate',
    ...(withRetries ? ['retries/txn'] : []),
    'p50 ms',
    'p99 ms',
    'server msgs/txn',
    'runs',
  ];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i < 3 ? '---' : '---:')).join('|')}|`];
  for (const row of rows) {
    lines.push(
      `| ${[
        String(row.keyCount),
        `${row.clients} (${row.threads})`,
        row.variant,
        withSpread(row.committedPerS, (v) => figure(v)),
        withSpread(row.abortRate, percent),
        ...(withRetries ? [withSpread(row.retriesPerTxn, (v) => figure(v, 2))] : []),
        figure(row.p50Ms.median, 1),
        figure(row.p99Ms.median, 1),
        figure(row.msgsPerTxn.median, 1),
        verdictText(row),
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

/** The plots, one per distribution and figure: name (without directory) and SVG text. */
export function contentionCharts(report: ContentionReport, prefix: string): { readonly file: string; readonly svg: string; readonly caption: string }[] {
  const charts: { file: string; svg: string; caption: string }[] = [];
  const variants = report.config.variants.map((variant) => variant.name);
  for (const keyDist of report.config.keyDists) {
    const rows = rowsOf(report, keyDist);
    if (rows.length === 0) continue;
    const groupKeys = [...new Set(rows.map((row) => `${row.keyCount}|${row.clients}`))];
    const groups = (pick: (row: ContentionRow) => number | null) =>
      groupKeys.map((key) => {
        const [keyCount, clients] = key.split('|') as [string, string];
        const threads = rows.find((row) => `${row.keyCount}|${row.clients}` === key)?.threads ?? 0;
        return {
          label: `${keyCount} keys, ${clients} (${threads})`,
          values: variants.map((name) => {
            const row = rows.find((r) => r.variant === name && `${r.keyCount}|${r.clients}` === key);
            return row === undefined ? null : pick(row);
          }),
        };
      });
    charts.push({
      file: `${prefix}-${keyDist}-txns.svg`,
      caption: `committed txns/s, ${keyDist} keys`,
      svg: barChart({
        title: `Committed txns/s by key count and client threads (${keyDist} keys)`,
        yLabel: 'committed txns/s (median)',
        series: variants,
        groups: groups((row) => row.committedPerS.median),
        format: (value) => `${Math.round(value)} txns/s`,
      }),
    });
    charts.push({
      file: `${prefix}-${keyDist}-aborts.svg`,
      caption: `abort rate, ${keyDist} keys`,
      svg: barChart({
        title: `Abort rate (share refused with 30) by key count and client threads (${keyDist} keys)`,
        yLabel: 'abort rate, % (median)',
        series: variants,
        groups: groups((row) => (row.abortRate.median === null ? null : row.abortRate.median * 100)),
        format: (value) => `${value.toFixed(1)}%`,
      }),
    });
    // The node retries conflicts itself, so its retries show contention the abort rate hides.
    if (rows.some((row) => row.retriesPerTxn.median !== null))
      charts.push({
        file: `${prefix}-${keyDist}-retries.svg`,
        caption: `node retries per txn, ${keyDist} keys`,
        svg: barChart({
          title: `Node retries per txn by key count and client threads (${keyDist} keys)`,
          yLabel: 'retries per txn (median)',
          series: variants,
          groups: groups((row) => row.retriesPerTxn.median),
          format: (value) => `${value.toFixed(2)} retries/txn`,
        }),
      });
  }
  return charts;
}

function findRow(report: ContentionReport, variant: string, keyCount: number, keyDist: string, clients: string): ContentionRow | undefined {
  return report.rows.find((row) => row.variant === variant && row.keyCount === keyCount && row.keyDist === keyDist && row.clients === clients);
}

/**
 * Each measured variant against the batch baseline, cell by cell: throughput as a share of
 * batch's, and the abort rate. The question users ask about hot keys, answered in one table.
 */
function comparisonTable(report: ContentionReport): string | null {
  const measured = new Set(report.rows.map((row) => row.variant));
  const others = report.config.variants.filter((variant) => variant.name !== 'batch' && variant.keyCounts === null && measured.has(variant.name));
  if (others.length === 0 || !report.config.variants.some((variant) => variant.name === 'batch')) return null;
  const header = ['keys', 'clients', 'batch txns/s', ...others.flatMap((variant) => [`${variant.name} / batch`, `${variant.name} aborts`])];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`];
  for (const keyDist of report.config.keyDists) {
    for (const keyCount of report.config.keyCounts) {
      for (const clients of report.config.clients) {
        const batch = findRow(report, 'batch', keyCount, keyDist, clients);
        if (batch === undefined) continue;
        const cells = others.flatMap((variant) => {
          const row = findRow(report, variant.name, keyCount, keyDist, clients);
          const share =
            row?.committedPerS.median == null || batch.committedPerS.median === null || batch.committedPerS.median <= 0
              ? '–'
              : `${Math.round((100 * row.committedPerS.median) / batch.committedPerS.median)}%`;
          return [share, percent(row?.abortRate.median ?? null)];
        });
        lines.push(`| ${keyCount} ${keyDist} | ${clients} (${batch.threads}) | ${figure(batch.committedPerS.median)} | ${cells.join(' | ')} |`);
      }
    }
  }
  return lines.join('\n');
}

/** Statements read off the figures, so the document never claims what the run did not show. */
export function findings(report: ContentionReport): string[] {
  const lines: string[] = [];
  const measured = new Set(report.rows.map((row) => row.variant));
  const batchRows = report.rows.filter((row) => row.variant === 'batch');
  if (batchRows.length > 0) {
    const worstAbort = Math.max(...batchRows.map((row) => row.abortRate.max ?? 0));
    const rates = batchRows.map((row) => row.committedPerS.median).filter((v): v is number => v !== null);
    const hottest = batchRows.filter((row) => row.keyCount === Math.min(...report.config.keyCounts) && row.keyDist === 'exponential');
    const coolest = batchRows.filter((row) => row.keyCount === Math.max(...report.config.keyCounts) && row.keyDist === 'uniform');
    const pairs = report.config.clients
      .map((clients) => [hottest.find((r) => r.clients === clients), coolest.find((r) => r.clients === clients)] as const)
      .filter(([hot, cool]) => hot?.committedPerS.median != null && cool?.committedPerS.median != null)
      .map(([hot, cool]) => `${figure(hot?.committedPerS.median ?? null)} vs ${figure(cool?.committedPerS.median ?? null)} txns/s at ${hot?.clients}`);
    lines.push(
      `**batch** (the zero-abort baseline): the highest abort rate of any batch run is ${percent(worstAbort)}; ` +
        `committed txns/s range from ${figure(Math.min(...rates))} to ${figure(Math.max(...rates))} over the cells` +
        (pairs.length > 0
          ? `; on the hottest cell (${Math.min(...report.config.keyCounts)} keys, exponential) against the coolest (${Math.max(...report.config.keyCounts)} keys, uniform): ${pairs.join('; ')}`
          : '') +
        '.',
    );
  }
  for (const { name, reason } of report.unavailable) lines.push(`**${name}**: not measured: ${reason}.`);
  for (const variant of report.config.variants) {
    if (!measured.has(variant.name)) lines.push(`**${variant.name}**: not measured: no run of it finished.`);
  }
  const shareOfBatch = (row: ContentionRow): number | null => {
    const batch = findRow(report, 'batch', row.keyCount, row.keyDist, row.clients);
    if (batch?.committedPerS.median == null || row.committedPerS.median === null || batch.committedPerS.median <= 0) return null;
    return row.committedPerS.median / batch.committedPerS.median;
  };
  const where = (row: ContentionRow): string => `${row.keyCount} keys ${row.keyDist}, ${row.clients} (${row.threads} threads)`;
  for (const variant of report.config.variants) {
    if (variant.name === 'batch' || !measured.has(variant.name)) continue;
    const rows = report.rows.filter((row) => row.variant === variant.name);
    const parts: string[] = [];
    const aborting = rows.filter((row) => row.abortRate.median !== null);
    if (aborting.length > 0) {
      const worst = aborting.reduce((a, b) => ((b.abortRate.median ?? 0) > (a.abortRate.median ?? 0) ? b : a));
      const best = aborting.reduce((a, b) => ((b.abortRate.median ?? 0) < (a.abortRate.median ?? 0) ? b : a));
      parts.push(
        (worst.abortRate.max ?? 0) === 0
          ? `no txn of any run ended in error 30 (${aborting.length} cell${aborting.length === 1 ? '' : 's'})`
          : `abort rate highest at ${where(worst)}: ${percent(worst.abortRate.median)}; lowest at ${where(best)}: ${percent(best.abortRate.median)}`,
      );
    }
    const shared = rows.filter((row) => shareOfBatch(row) !== null);
    if (shared.length > 0) {
      const low = shared.reduce((a, b) => ((shareOfBatch(b) ?? 0) < (shareOfBatch(a) ?? 0) ? b : a));
      const high = shared.reduce((a, b) => ((shareOfBatch(b) ?? 0) > (shareOfBatch(a) ?? 0) ? b : a));
      parts.push(
        `committed txns/s from ${Math.round(100 * (shareOfBatch(low) ?? 0))}% of batch's (${where(low)}) to ${Math.round(100 * (shareOfBatch(high) ?? 0))}% (${where(high)})`,
      );
    }
    const retrying = rows.filter((row) => row.retriesPerTxn.median !== null);
    if (retrying.length > 0) {
      const most = retrying.reduce((a, b) => ((b.retriesPerTxn.median ?? 0) > (a.retriesPerTxn.median ?? 0) ? b : a));
      parts.push(`most node retries at ${where(most)}: ${figure(most.retriesPerTxn.median, 2)} per txn`);
    }
    if (parts.length > 0) lines.push(`**${variant.name}**: ${parts.join('; ')}.`);
  }
  const invalid = report.rows.filter((row) => row.invalid > 0);
  if (invalid.length > 0)
    lines.push(
      `**Invalid runs** (the checker found an anomaly the mode promises to prevent): ${invalid
        .map((row) => `${row.variant} ${row.keyCount} keys ${row.keyDist} ${row.clients} (kept: ${row.keptDirs.join(', ')})`)
        .join('; ')}.`,
    );
  return lines;
}

/** The rows of the cells the switched variants ran, for them and for the modes they switch. */
function switchedRows(report: ContentionReport): ContentionRow[] {
  const switchedVariants = report.config.variants.filter((variant) => variant.keyCounts !== null);
  const measured = switchedVariants.filter((variant) => report.rows.some((row) => row.variant === variant.name));
  if (measured.length === 0) return [];
  const names = new Set([...measured.map((variant) => variant.name), ...measured.map((variant) => variant.mode)]);
  const keyCounts = new Set(measured.flatMap((variant) => variant.keyCounts ?? []));
  return rowsOf(report, 'exponential').filter((row) => names.has(row.variant) && keyCounts.has(row.keyCount));
}

/** docs/contention.md. */
export function contentionMarkdown(report: ContentionReport, chartFiles: readonly { readonly file: string; readonly caption: string }[]): string {
  const { config } = report;
  const withRetries = report.rows.some((row) => row.retriesPerTxn.median !== null);
  const seeds = config.reps === 1 ? `seed ${config.seed}` : `seeds ${config.seed}..${config.seed + config.reps - 1}`;
  const sections: string[] = [
    '# raftkv under contention: batch, OCC and snapshot isolation on hot keys',
    `${config.nodes} nodes, latency ${config.latencyMs} ms, durable storage (WAL, \`fdatasync\` before an append is acknowledged), ` +
      `txn-list-append (Maelstrom's generator: 1–4 micro-ops, reads and appends at equal odds, a fresh key after 16 appends), ` +
      `closed loop with ${config.clients.join(' and ')} client threads (\`Nn\` = N per node), key counts ${config.keyCounts.join(', ')}, ` +
      `picked ${config.keyDists.map((d) => (d === 'exponential' ? 'exponentially (each key twice as likely as the next: the hottest gets about half of all micro-ops)' : 'uniformly')).join(' or ')}. ` +
      `Each cell: median of ${config.reps} run${config.reps === 1 ? '' : 's'} of ${config.timeLimitS} s (${seeds}), min–max in parentheses. ` +
      `Every run is checked against the model its mode promises (batch and occ: strict-serializable; si: snapshot-isolation).`,
    `Measured ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC, ${(report.wallS / 60).toFixed(1)} min in all, on a machine with ${report.cores} cores that the harness, ` +
      `every node and other work share (1-minute load average before each invocation: median ${figure(report.load.median, 1)}, ${figure(report.load.min, 1)}–${figure(report.load.max, 1)}): ` +
      `compare cells with each other, not with other machines. Node: ${report.build}.`,
    'Columns: committed txns/s = txns answered `txn_ok` per second of the op phase; abort rate = the share of txns refused with 30 txn-conflict ' +
      "(after the node's own retries); " +
      (withRetries
        ? "retries/txn = the node's retries over the txns it finished, from the last counters line in each node's log (the node logs them every few seconds, so this samples the run up to that line); "
        : '') +
      'p50/p99 = latency of committed txns; server msgs/txn = node-to-node messages per txn.' +
      (withRetries ? '' : ' Retries per txn: not reported by the node (no counters line in its log), so not shown.'),
  ];
  const unavailable = report.unavailable.map((u) => `- **${u.name}**: ${u.reason}`);
  if (unavailable.length > 0) sections.push(`Not measured:\n\n${unavailable.join('\n')}`);
  const comparison = comparisonTable(report);
  if (comparison !== null) sections.push(`## Hot keys at a glance: each mode against batch\n\n${comparison}`);
  const switched = switchedRows(report);
  if (switched.length > 0)
    sections.push(
      `## What early abort, backoff and retries buy (hot exponential keys)\n\nEach mode next to its variants with a helper switched off, on the same cells and seeds.\n\n${fullTable(switched, withRetries)}`,
    );
  sections.push(
    `## Findings (read off the figures by the script)\n\n${findings(report)
      .map((line) => `- ${line}`)
      .join('\n')}`,
  );
  sections.push(`## Analysis\n\n${ANALYSIS_START}\n${report.analysis ?? NO_ANALYSIS}\n${ANALYSIS_END}`);
  for (const keyDist of config.keyDists) {
    const rows = rowsOf(report, keyDist);
    if (rows.length === 0) continue;
    const plots = chartFiles.filter((chart) => chart.caption.endsWith(`${keyDist} keys`)).map((chart) => `![${chart.caption}](${chart.file})`);
    sections.push(
      `## ${keyDist === 'exponential' ? 'Exponential keys (hot keys)' : 'Uniform keys'}\n\n${fullTable(rows, withRetries)}\n\n${plots.join('\n\n')}`,
    );
  }
  sections.push(`Reproduce (after \`npm run build\`): \`${shellQuote(report.command)}\`.`);
  return `${sections.join('\n\n')}\n`;
}
