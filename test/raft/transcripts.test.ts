// Raft scenarios as transcripts (etcd-io/raft's datadriven style): every file in
// test/raft/testdata/ is a prose header, then commands, each followed by '----' and the output
// the Raft core must produce. Commands and their arguments are documented in
// test/raft/transcript/README.md. A difference fails with the file, the command's line and a diff.
//
// To rewrite the golden outputs from the current code (then READ the diff before keeping it):
//   UPDATE_TRANSCRIPTS=1 npx vitest run test/raft/transcripts.test.ts
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffHunks, diffLines, parseTranscript, serializeTranscript } from './transcript/format_file.js';
import { describeMismatches, headerProblems, runTranscript } from './transcript/runner.js';

const TESTDATA = join(import.meta.dirname, 'testdata');
const REWRITE = process.env['UPDATE_TRANSCRIPTS'] === '1';
const files = readdirSync(TESTDATA)
  .filter((name) => name.endsWith('.txt'))
  .sort();

describe('raft transcripts', () => {
  it('has a transcript for each behaviour the suite promises (at least 12)', () => {
    expect(files.length).toBeGreaterThanOrEqual(12);
  });

  for (const name of files) {
    it(name, () => {
      const path = join(TESTDATA, name);
      const file = `test/raft/testdata/${name}`;
      const text = readFileSync(path, 'utf8');
      expect(headerProblems(text, file)).toEqual([]);
      const run = runTranscript(text, file);
      expect(run.commands).toBeGreaterThan(0);
      if (REWRITE) {
        if (run.rewritten !== text) writeFileSync(path, run.rewritten);
        return;
      }
      if (run.mismatches.length > 0) throw new Error(describeMismatches(file, run.mismatches));
    });
  }
});

describe('the transcript interpreter', () => {
  const SOURCE = [
    '# A tiny transcript (§3.4).',
    '# Two lines of header.',
    '',
    'add-nodes 1 preVote=false',
    '----',
    'wrong',
    '',
    'campaign n1',
    '----',
    'n1 is now leader t1 lead=n1',
    '',
  ].join('\n');

  it('reports a wrong golden output with the file, the command line and a diff', () => {
    const run = runTranscript(SOURCE, 'tiny.txt');
    expect(run.mismatches.map((m) => m.block.line)).toEqual([4]);
    const report = describeMismatches('tiny.txt', run.mismatches);
    expect(report).toContain('tiny.txt:4: add-nodes 1 preVote=false');
    expect(report).toContain('    - wrong');
    expect(report).toMatch(/ {4}\+ n1: preVote=false/);
  });

  it('rewrites only the outputs, and the rewritten file then passes', () => {
    const run = runTranscript(SOURCE, 'tiny.txt');
    const again = runTranscript(run.rewritten, 'tiny.txt');
    expect(again.mismatches).toEqual([]);
    expect(run.rewritten.split('\n').slice(0, 5)).toEqual(SOURCE.split('\n').slice(0, 5));
    expect(run.rewritten).toContain('campaign n1\n----\nn1 is now leader t1 lead=n1\n');
  });

  it('fails at the line of a command the transcript gets wrong', () => {
    expect(() => runTranscript('# h (§3.4)\n# h\n\nadd-nodes 2\n----\nok\n\nfly n1\n----\nok\n', 'bad.txt')).toThrow(
      /bad\.txt:8: 'fly n1' failed: unknown command 'fly'/,
    );
    expect(() => runTranscript('# h (§3.4)\n# h\n\nadd-nodes 2 preVot=false\n----\nok\n', 'bad.txt')).toThrow(/bad\.txt:4: .*unknown config option 'preVot'/);
    expect(() => runTranscript('# h (§3.4)\n# h\n\nadd-nodes 2\n----\nok\n\ndeliver too=n1\n----\nok\n', 'bad.txt')).toThrow(
      /bad\.txt:8: .*deliver: unknown argument 'too'/,
    );
  });

  it('round-trips prose, blank lines and outputs', () => {
    const text = '# header §1\n# more\n\ncmd a=1\n----\nx\ny\n\n# note\n\ncmd2\n----\nok\n';
    const blocks = parseTranscript(text, 't');
    const outputs = blocks.flatMap((b) => (b.kind === 'command' ? [b.expected] : []));
    expect(serializeTranscript(blocks, outputs)).toBe(text);
  });

  it('diffs lines by their longest common subsequence, and cuts long unchanged runs', () => {
    expect(diffLines(['a', 'b', 'c'], ['a', 'c', 'd'])).toEqual(['  a', '- b', '  c', '+ d']);
    expect(diffLines(['a', 'x'], ['a', 'y'])).toEqual(['  a', '- x', '+ y']);
    const long = diffLines(['1', '2', '3', '4', '5', '6', 'x'], ['1', '2', '3', '4', '5', '6', 'y']);
    expect(diffHunks(long, 1)).toEqual(['  ...', '  6', '- x', '+ y']);
  });

  it('stops at a safety violation: two nodes that committed different entries at one index', () => {
    const text = [
      '# Conflicting disks (§3.6).',
      '# h',
      '',
      'disk n1 log=1,1 term=1 commit=2',
      '----',
      'ok',
      '',
      'disk n2 log=1,2 term=2 commit=2',
      '----',
      'ok',
      '',
      'add-nodes 2',
      '----',
      'ok',
      '',
    ].join('\n');
    expect(() => runTranscript(text, 'conflict.txt')).toThrow(/conflict\.txt:12: 'add-nodes 2' failed: safety: n1 and n2 committed different entries at 2/);
  });

  it('requires a header citing the thesis', () => {
    expect(headerProblems('add-nodes 1\n----\nok\n', 'x.txt')).toHaveLength(2);
    expect(headerProblems('# what and why\n# §3.4\n\nadd-nodes 1\n----\nok\n', 'x.txt')).toEqual([]);
  });
});
