// The mutant campaign's fixed CI subset (scripts/mutants.mjs; the full table is docs/mutants.md):
// every patch in test/mutants/ still applies to the tree and opens with a well-formed header, and
// three mutants (a vote sent before it is durable, a lease read that skips the log's tail, occ
// validating the wrong keys: one for each of the simulator's durability checks, linearizability
// and the txn checker) are applied, built and caught by the simulator within a few fixed seeds,
// which the unmodified tree passes. The simulator is deterministic, so the seeds that catch them
// stay the same until the code changes.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/node_process.js';

const SCRIPT = `${REPO_ROOT}scripts/mutants.mjs`;
// Each test's own timeout exceeds the script's: vitest fails a test that outlasts its timeout even
// when the blocking spawnSync it waited on finished in time.

function mutants(args: readonly string[], timeoutMs: number): { status: number | null; stdout: string; stderr: string } {
  // On timeout spawnSync sends SIGTERM, on which the script stops its children and removes its copies.
  const run = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', timeout: timeoutMs, cwd: REPO_ROOT });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const patches = readdirSync(`${REPO_ROOT}test/mutants`).filter((file) => file.endsWith('.patch'));

describe('mutants', () => {
  it('every patch opens with its name, what breaks and when it shows, and still applies to the tree', () => {
    expect(patches.length).toBeGreaterThanOrEqual(15);
    for (const file of patches) {
      const text = readFileSync(`${REPO_ROOT}test/mutants/${file}`, 'utf8');
      expect(text.split('\n')[0]).toMatch(new RegExp(`^Mutant ${file.slice(0, -'.patch'.length)}: \\S`));
      expect(text).toMatch(/^What breaks: /m);
      expect(text).toMatch(/^When it shows: /m);
      expect(text).toMatch(/^diff --git a\/src\//m);
    }
    const checked = mutants(['--check'], 60_000);
    expect(checked.stderr).toBe('');
    expect(checked.stdout).toContain(`mutants: ${patches.length} of ${patches.length} patches apply`);
    expect(checked.status).toBe(0);
  }, 90_000);

  it("gives each mutant's flags to the harness over the campaign's, node arguments last, one family of faults per run", () => {
    const dry = mutants(['--dry-run', 'occ-validation-skipped', 'session-dedup-off'], 20_000);
    expect(dry.status).toBe(0);
    const lines = dry.stdout.split('\n');
    const occ = lines.find((line) => line.includes('bin/raftkv-test') && line.includes('txn-list-append')) ?? '';
    expect(occ).toMatch(/ test --node-count 3 .* -w txn-list-append .* --bin \S+\/bin\/raftkv -- --storage lazy --txn-mode occ$/);
    expect(occ).not.toContain('lin-kv');
    // Three runs, one family of faults each, each with its own seed.
    const runs = lines.filter((line) => line.includes('bin/raftkv-test') && line.includes('txn-list-append'));
    expect(runs.map((line) => /--nemesis (\S+) .*--seed (\d+)/.exec(line)?.slice(1).join(' '))).toEqual([
      'partition-leader,partition-new-leader,partition-election 1',
      'kill,kill-leader 2',
      'partition,delay-spike,duplicate,pause,pause-leader 3',
    ]);
    expect(lines.find((line) => line.includes('raftkv-sim.mjs') && line.includes('--txn-mode occ'))).toMatch(
      /--seeds 500 --from 1 --fail-fast --workload txn-list-append/,
    );
    expect(lines.some((line) => line.includes('bin/raftkv-test') && / -w lin-kv .* --client-sessions -- --storage lazy$/.test(line))).toBe(true);
    expect(mutants(['--dry-run', 'no-such-mutant'], 20_000).status).toBe(2);
  });

  it('the simulator catches three mutants within 10 seeds, and the unmodified tree passes the same seeds', () => {
    const names = ['vote-not-persisted', 'follower-lease-skips-tail', 'occ-validates-writes'];
    const run = mutants([...names, '--sim-only', '--seeds', '10', '--from', '1'], 120_000);
    const rows = new Map(
      run.stdout
        .split('\n')
        .map((line) => line.split(/\s{2,}/))
        .filter((cells) => cells.length >= 3)
        .map((cells) => [cells[0], cells[1]]),
    );
    const why = `${run.stdout}\n${run.stderr}`;
    expect(rows.get('baseline'), why).toMatch(/^passed \(3 flag sets × 10 seeds, [\d.]+ s\)$/);
    for (const name of names) expect(rows.get(name), why).toMatch(/^seed \d+ \(\d+ of 10, [\d.]+ s\)$/);
    expect(run.stdout).toMatch(/^vote-not-persisted \(sim\): InvariantViolation: n\d: granted its vote in term \d+ to n\d before the vote was durable/m);
    expect(run.stdout).toMatch(/^follower-lease-skips-tail \(sim\): linearizability: invalid/m);
    expect(run.stdout).toMatch(/^occ-validates-writes \(sim\): txn check: strict-serializable \(txn mode occ\) invalid .*G2-item/m);
    expect(run.stdout).toContain('baseline: no false alarm');
    expect(run.status, why).toBe(0);
  }, 150_000);
});
