#!/usr/bin/env node
// The architecture's layers, checked: each folder of src/ may import only the layers below it,
// nothing but the composition roots (src/main_*.ts) imports src/runtime/, and the pure layers
// use no clock, no randomness, no timers and no I/O of their own (only the runtime, the harness,
// the bench and the checker's command line may). Exits 1 and names every breach.
//
//   node scripts/check_layers.mjs [ROOT]        (ROOT: the checkout, by default this one)
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What each layer may import besides itself. The roots (src/*.ts) may import anything. */
export const ALLOWED = {
  base: [],
  raft: ['base'],
  kv: ['base'],
  protocol: ['base', 'kv'],
  storage: ['base', 'raft'],
  server: ['base', 'kv', 'protocol', 'raft', 'storage'],
  check: ['base', 'protocol'],
  harness: ['base', 'check', 'protocol'],
  bench: ['base', 'harness'],
  sim: ['base', 'check', 'harness', 'kv', 'protocol', 'raft', 'server', 'storage'],
  runtime: ['base', 'protocol', 'server', 'storage'],
  viewer: ['base', 'check', 'harness', 'bench'],
};

/** Layers that must stay pure, and the files in them allowed to touch the world. */
const PURE = ['base', 'raft', 'kv', 'protocol', 'storage', 'server', 'sim', 'check', 'viewer'];
// The viewer's pages are pure; its file reading, HTTP server and command line are not.
const IMPURE_FILES = new Set(['src/check/cli.ts', 'src/viewer/cli.ts', 'src/viewer/server.ts', 'src/viewer/store_reader.ts']);
const IMPURE_USES = [
  [/\bfrom\s+'node:(?!assert)[^']+'/, 'a Node.js module (I/O belongs to src/runtime)'],
  [/\bDate\.now\(/, 'the wall clock (time comes in as ticks or an injected clock)'],
  [/\bnew Date\(/, 'the wall clock'],
  [/\bperformance\.now\(/, 'the wall clock'],
  [/\bMath\.random\(/, 'Math.random (randomness comes from an injected seeded Rng)'],
  [/\b(setTimeout|setInterval|setImmediate|queueMicrotask)\(/, 'a timer (the runtime drives the turns)'],
  [/\bprocess\.(?!env\b)/, 'the process (stdin, stdout, exit belong to the runtime)'],
];

function* sourceFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (entry.name.endsWith('.ts')) yield path;
  }
}

/** The layer of a path under src/: its first folder, or 'root' for a file directly in src/. */
function layerOf(srcDir, path) {
  const parts = relative(srcDir, path).split(sep);
  return parts.length === 1 ? 'root' : parts[0];
}

export function checkLayers(root) {
  const srcDir = join(root, 'src');
  const problems = [];
  for (const file of sourceFiles(srcDir)) {
    const layer = layerOf(srcDir, file);
    const shown = relative(root, file).split(sep).join('/');
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      const where = `${shown}:${i + 1}`;
      const code = line.replace(/\/\/.*$/, '');
      if (code.trimStart().startsWith('*')) return; // a comment line of a block comment
      for (const match of code.matchAll(/(?:from\s+|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
        const target = resolve(dirname(file), match[1]);
        const targetLayer = layerOf(srcDir, target);
        if (targetLayer === layer || layer === 'root') continue;
        if (targetLayer === 'runtime')
          problems.push(`${where}: ${layer} imports ${match[1]}: only the composition roots (src/main_*.ts) may import src/runtime/`);
        else if (!(ALLOWED[layer] ?? []).includes(targetLayer)) {
          problems.push(
            `${where}: ${layer} imports ${match[1]} (${targetLayer}): ${layer} may import only ${(ALLOWED[layer] ?? []).join(', ') || 'nothing outside itself'}`,
          );
        }
      }
      if (PURE.includes(layer) && !IMPURE_FILES.has(shown)) {
        for (const [pattern, what] of IMPURE_USES) if (pattern.test(code)) problems.push(`${where}: ${layer} is pure but uses ${what}`);
      }
    });
  }
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = resolve(process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url)));
  const problems = checkLayers(root);
  for (const problem of problems) console.error(problem);
  console.log(
    problems.length === 0
      ? 'layers: every import points down, and the pure layers are pure'
      : `layers: ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
  );
  process.exit(problems.length === 0 ? 0 : 1);
}
