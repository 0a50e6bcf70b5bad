#!/usr/bin/env node
// Read-mode benchmark: drives bin/raftkv with bin/raftkv-test, closed loop, for each read mode,
// read share and cluster size, and reports answered ops/s, latency and messages per op as a
// Markdown table (stdout and docs/bench-read-modes.md) and a bar plot (docs/bench-read-modes.svg).
// Each cell is the median of --reps runs. Figures are measurements, never assertions.
//
//   npm run bench -- [--modes log,read-index,lease,follower] [--reads 0.5,0.9,0.99] [--nodes 3,5]
//                    [--time-limit 5] [--concurrency 10n] [--latency 0] [--reps 1] [--nemesis none]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const list = (text, fallback) => (text ?? fallback).split(',').filter(Boolean);
const modes = list(args.modes, 'log,read-index,lease,follower');
const readShares = list(args.reads, '0.5,0.9,0.99').map(Number);
const nodeCounts = list(args.nodes, '3,5').map(Number);
const timeLimit = args['time-limit'] ?? '5';
const concurrency = args.concurrency ?? '10n';
const latency = args.latency ?? '0';
const reps = Number(args.reps ?? '1');
const nemesis = args.nemesis ?? 'none';

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
};

function runCell(mode, readShare, nodes, seed) {
  const out = mkdtempSync(`${tmpdir()}/raftkv-bench-`);
  try {
    const result = spawnSync(
      `${root}bin/raftkv-test`,
      ['test', '-w', 'lin-kv', '--bin', `${root}bin/raftkv`, '--node-count', String(nodes), '--time-limit', timeLimit,
        '--rate', '1000000', '--concurrency', concurrency, '--latency', latency, '--read-fraction', String(readShare),
        '--nemesis', nemesis, '--seed', String(seed), '--progress-interval', '0', '--out', out, '--', '--read-mode', mode],
      { encoding: 'utf8', timeout: (Number(timeLimit) + 120) * 1000 },
    );
    const results = JSON.parse(readFileSync(`${out}/results.json`, 'utf8'));
    const stats = results.stats;
    const answered = (stats['ok-count'] + stats['fail-count']) / results.perf['op-phase-s'];
    const read = results.perf['latency-ms'].read ?? {};
    return {
      valid: results.valid,
      answered,
      readP50: read.p50 ?? NaN,
      readP99: read.p99 ?? NaN,
      okP50: results.perf['latency-ms'].ok?.p50 ?? NaN,
      okP99: results.perf['latency-ms'].ok?.p99 ?? NaN,
      serverMsgsPerOp: results.net.servers['msgs-per-op'],
      status: result.status,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const rows = [];
for (const nodes of nodeCounts) {
  for (const readShare of readShares) {
    for (const mode of modes) {
      const runs = Array.from({ length: reps }, (_, rep) => runCell(mode, readShare, nodes, 1000 + rep));
      const row = {
        nodes, readShare, mode,
        valid: runs.every((run) => run.valid === true) ? 'valid' : runs.map((run) => run.valid).join('/'),
        answered: median(runs.map((run) => run.answered)),
        readP50: median(runs.map((run) => run.readP50)),
        readP99: median(runs.map((run) => run.readP99)),
        okP99: median(runs.map((run) => run.okP99)),
        serverMsgsPerOp: median(runs.map((run) => run.serverMsgsPerOp)),
      };
      rows.push(row);
      process.stderr.write(`bench: ${nodes} nodes, reads ${readShare}, ${mode}: ${Math.round(row.answered)} ops/s, ${row.valid}\n`);
    }
  }
}

const header = '| nodes | reads | read mode | answered ops/s | read p50 ms | read p99 ms | all p99 ms | server msgs/op | verdict |';
const lines = [header, '|---:|---:|---|---:|---:|---:|---:|---:|---|'];
for (const row of rows) {
  lines.push(`| ${row.nodes} | ${Math.round(row.readShare * 100)}% | ${row.mode} | ${Math.round(row.answered)} | ${row.readP50.toFixed(2)} | ${row.readP99.toFixed(2)} | ${row.okP99.toFixed(2)} | ${row.serverMsgsPerOp.toFixed(3)} | ${row.valid} |`);
}
const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
const table = `${lines.join('\n')}\n\nClosed loop (rate unbounded), concurrency ${concurrency}, ${timeLimit} s per run, latency ${latency} ms, nemesis ${nemesis}, median of ${reps} run(s). Command: \`${command}\`.\n`;
process.stdout.write(table);

mkdirSync(`${root}docs`, { recursive: true });
writeFileSync(`${root}docs/bench-read-modes.md`, `# Read modes: benchmark\n\n${table}\n![answered ops/s by read mode](bench-read-modes.svg)\n`);
writeFileSync(`${root}docs/bench-read-modes.svg`, barChart(rows));

function barChart(data) {
  const colors = { log: '#8c8c8c', 'read-index': '#3b7dd8', lease: '#2a9d5c', follower: '#d8873b', 'bounded-staleness': '#c0392b' };
  const groups = [...new Set(data.map((row) => `${row.nodes} nodes, ${Math.round(row.readShare * 100)}% reads`))];
  const modesSeen = [...new Set(data.map((row) => row.mode))];
  const width = 900, height = 420, left = 70, bottom = 90, top = 40;
  const plotWidth = width - left - 160, plotHeight = height - top - bottom;
  const max = Math.max(...data.map((row) => row.answered), 1);
  const groupWidth = plotWidth / groups.length, barWidth = (groupWidth * 0.8) / modesSeen.length;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="22" font-size="15" font-weight="bold">raftkv: answered ops/s by read mode (closed loop)</text>`,
    `<line x1="${left}" y1="${top + plotHeight}" x2="${left + plotWidth}" y2="${top + plotHeight}" stroke="#333"/>`];
  for (let i = 0; i <= 4; i++) {
    const value = (max * i) / 4, y = top + plotHeight - (plotHeight * i) / 4;
    parts.push(`<line x1="${left}" y1="${y}" x2="${left + plotWidth}" y2="${y}" stroke="#ddd"/><text x="${left - 6}" y="${y + 4}" text-anchor="end">${Math.round(value)}</text>`);
  }
  groups.forEach((group, g) => {
    const x0 = left + g * groupWidth + groupWidth * 0.1;
    modesSeen.forEach((mode, m) => {
      const row = data.find((r) => `${r.nodes} nodes, ${Math.round(r.readShare * 100)}% reads` === group && r.mode === mode);
      if (!row) return;
      const h = (plotHeight * row.answered) / max;
      parts.push(`<rect x="${x0 + m * barWidth}" y="${top + plotHeight - h}" width="${barWidth - 2}" height="${h}" fill="${colors[mode] ?? '#666'}"><title>${mode}: ${Math.round(row.answered)} ops/s</title></rect>`);
    });
    parts.push(`<text transform="translate(${x0 + groupWidth * 0.4},${top + plotHeight + 14}) rotate(25)" font-size="11">${group}</text>`);
  });
  modesSeen.forEach((mode, m) => {
    parts.push(`<rect x="${width - 150}" y="${top + m * 20}" width="12" height="12" fill="${colors[mode] ?? '#666'}"/><text x="${width - 132}" y="${top + m * 20 + 10}">${mode}</text>`);
  });
  parts.push('</svg>\n');
  return parts.join('\n');
}
