// Runs a transcript through a fresh TranscriptEnv and compares each command's output with the
// golden one, or produces the rewritten file. A command that throws (a transcript mistake, or an
// assertion or safety violation in the Raft core) stops the run with the file and line: nothing
// after a broken invariant is worth comparing.

import { TranscriptEnv } from './env.js';
import { diffHunks, diffLines, headerOf, parseTranscript, serializeTranscript, type CommandBlock } from './format_file.js';

interface Mismatch {
  readonly block: CommandBlock;
  readonly actual: readonly string[];
}

interface TranscriptRun {
  readonly mismatches: readonly Mismatch[];
  /** The file with every output replaced by what the code printed now. */
  readonly rewritten: string;
  readonly commands: number;
}

/** Runs `text` (the contents of `file`); throws on a command that fails, naming file:line. */
export function runTranscript(text: string, file: string): TranscriptRun {
  const blocks = parseTranscript(text, file);
  const env = new TranscriptEnv();
  const outputs: string[][] = [];
  const mismatches: Mismatch[] = [];
  for (const block of blocks) {
    if (block.kind !== 'command') continue;
    let actual: string[];
    try {
      actual = env.execute(block.text);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${file}:${block.line}: '${block.text}' failed: ${message}`, { cause: error });
    }
    outputs.push(actual);
    if (actual.join('\n') !== block.expected.join('\n')) mismatches.push({ block, actual });
  }
  return { mismatches, rewritten: serializeTranscript(blocks, outputs), commands: outputs.length };
}

/** What a failing transcript prints: each differing command with its line and a line diff. */
export function describeMismatches(file: string, mismatches: readonly Mismatch[], maxShown = 5): string {
  const parts = mismatches.slice(0, maxShown).map(({ block, actual }) => {
    const diff = diffHunks(diffLines(block.expected, actual)).map((line) => `    ${line}`);
    return [`${file}:${block.line}: ${block.text}`, '  output differs (- expected, + got):', ...diff].join('\n');
  });
  if (mismatches.length > maxShown) parts.push(`... and ${mismatches.length - maxShown} more commands differ`);
  parts.push('If the new output is right, rewrite the golden files: UPDATE_TRANSCRIPTS=1 npx vitest run test/raft/transcripts.test.ts (then read the diff).');
  return parts.join('\n');
}

/** Problems with the prose header every transcript opens with (empty when fine). */
export function headerProblems(text: string, file: string): string[] {
  const header = headerOf(parseTranscript(text, file));
  const problems: string[] = [];
  if (header.length < 2) problems.push(`${file}: must open with a prose header ('#' lines) saying what it shows and why it matters`);
  if (!header.some((line) => /§\d/.test(line))) problems.push(`${file}: the header must cite the Raft thesis section it exercises (§N.N)`);
  return problems;
}
