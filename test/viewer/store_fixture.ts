// A store for the viewer's tests, laid out as the harness lays one out, from the recorded run
// directories in test/fixtures/viewer, plus what a store can also hold: a run that did not
// recover, a run still being written, a file type the viewer does not know, a large node log,
// and symbolic links both inside the store and out of it. Each call makes a fresh copy in a
// temporary directory; cleanup() removes it.

import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/node_process.js';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'viewer');

export interface FixtureStore {
  /** The store directory. */
  readonly root: string;
  /** A directory beside the store, holding secret.txt, that no request may reach. */
  readonly outside: string;
  /** Paths of the runs, relative to the store. */
  readonly runs: {
    readonly linKv: string;
    readonly txn: string;
    readonly unknown: string;
    readonly notRecovered: string;
    readonly bench: string;
    readonly benchRun: string;
    readonly incomplete: string;
  };
  /** The first and last lines of the not-recovered run's n0.log, which is larger than the page shows. */
  readonly bigLog: { readonly first: string; readonly last: string };
  cleanup(): void;
}

export const SECRET = 'the secret outside the store';

export function makeFixtureStore(): FixtureStore {
  const base = mkdtempSync(join(tmpdir(), 'raftkv-viewer-'));
  const root = join(base, 'store');
  const outside = join(base, 'outside');
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(outside, 'secret.txt'), `${SECRET}\n`);
  const runs = {
    linKv: 'lin-kv/20261206T223640.962+0000',
    txn: 'txn-list-append/20261206T223645.789+0000',
    unknown: 'unknown-run',
    notRecovered: 'not-recovered',
    bench: 'bench/20261206T224502.519+0000',
    benchRun: 'bench/20261206T224502.519+0000/runs/n3-l0-r0.5-default-c2n-rep1',
    incomplete: 'incomplete',
  };
  const copy = (fixture: string, to: string): void => cpSync(join(FIXTURES, fixture), join(root, to), { recursive: true });
  copy('lin-kv-valid', runs.linKv);
  copy('txn-invalid', runs.txn);
  copy('unknown', runs.unknown);
  copy('bench', runs.bench);
  copy('lin-kv-valid', runs.notRecovered);
  // As the harness links the newest run of a workload.
  symlinkSync('20261206T223640.962+0000', join(root, 'lin-kv', 'latest'));
  symlinkSync(runs.txn, join(root, 'latest'));

  const notRecovered = join(root, runs.notRecovered);
  const results = JSON.parse(readFileSync(join(notRecovered, 'results.json'), 'utf8')) as { verdict: string; valid: boolean; test: { 'started-at': string } };
  results.verdict = 'not-recovered';
  results.valid = false;
  results.test['started-at'] = '2026-12-06T22:50:00.000Z';
  writeFileSync(join(notRecovered, 'results.json'), JSON.stringify(results, null, 2));
  const first = 'FIRST LINE of a long log';
  const last = 'LAST LINE of a long log';
  const middle = Array.from({ length: 4000 }, (_, i) => `2026-12-06T22:37:01.000Z n0 INFO line ${i} of filler to make the log long`).join('\n');
  writeFileSync(join(notRecovered, 'node-logs', 'n0.log'), `${first}\n${middle}\n${last}\n`);

  // A file type the viewer has never heard of, as the harness may add (Jepsen's EDN, say).
  writeFileSync(join(root, runs.txn, 'history.edn'), '{:type :invoke, :f :txn, :value [[:r 1 nil]], :process 0, :index 0}\n');
  // A link out of the store, inside a run's logs, and one at the top.
  symlinkSync(join(outside, 'secret.txt'), join(root, runs.txn, 'node-logs', 'leak.log'));
  symlinkSync(outside, join(root, 'escape'));

  // A run still being written: a history, no results.json yet; older than the others.
  mkdirSync(join(root, runs.incomplete), { recursive: true });
  writeFileSync(join(root, runs.incomplete, 'history.jsonl'), '');
  const old = new Date('2026-12-06T20:00:00.000Z');
  utimesSync(join(root, runs.incomplete, 'history.jsonl'), old, old);

  return { root, outside, runs, bigLog: { first, last }, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}

/** A store of `count` minimal test runs, run-000 the oldest, for the run list's pages. */
export function makeManyRunsStore(count: number): { root: string; cleanup(): void } {
  const root = mkdtempSync(join(tmpdir(), 'raftkv-viewer-many-'));
  for (let i = 0; i < count; i++) {
    const dir = join(root, `run-${String(i).padStart(3, '0')}`);
    mkdirSync(dir);
    const startedAt = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
    writeFileSync(join(dir, 'results.json'), JSON.stringify({ verdict: 'valid', valid: true, test: { workload: 'lin-kv', 'started-at': startedAt } }));
  }
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
