// The transcript file format: prose and comment lines start with '#', each command is one line
// followed by a '----' line and its golden output, which ends at the next blank line (outputs
// never hold blank lines). Parsing keeps every prose and blank line, so a file rewritten with
// new outputs differs from the original only inside output blocks.

export interface CommandBlock {
  readonly kind: 'command';
  /** 1-based line number of the command in the file. */
  readonly line: number;
  readonly text: string;
  readonly expected: readonly string[];
}

interface ProseBlock {
  readonly kind: 'prose';
  /** Comment and blank lines, verbatim. */
  readonly lines: readonly string[];
}

type Block = CommandBlock | ProseBlock;

const SEPARATOR = '----';

export function parseTranscript(text: string, file: string): Block[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const blocks: Block[] = [];
  let prose: string[] = [];
  const flushProse = (): void => {
    if (prose.length > 0) blocks.push({ kind: 'prose', lines: prose });
    prose = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '' || line.startsWith('#')) {
      prose.push(line);
      continue;
    }
    flushProse();
    if (lines[i + 1] !== SEPARATOR) throw new Error(`${file}:${i + 2}: expected '${SEPARATOR}' after the command '${line}'`);
    const expected: string[] = [];
    let j = i + 2;
    while (j < lines.length && (lines[j] as string).trim() !== '') expected.push(lines[j++] as string);
    blocks.push({ kind: 'command', line: i + 1, text: line.trim(), expected });
    i = j - 1;
  }
  flushProse();
  return blocks;
}

/** The file with each command's output replaced by `outputs` (in command order). */
export function serializeTranscript(blocks: readonly Block[], outputs: readonly (readonly string[])[]): string {
  const out: string[] = [];
  let next = 0;
  for (const block of blocks) {
    if (block.kind === 'prose') {
      out.push(...block.lines);
      continue;
    }
    const output = outputs[next++] ?? block.expected;
    out.push(block.text, SEPARATOR, ...output);
  }
  return `${out.join('\n')}\n`;
}

/** The prose header: the comment lines before the first command. */
export function headerOf(blocks: readonly Block[]): string[] {
  const first = blocks[0];
  if (first === undefined || first.kind !== 'prose') return [];
  return first.lines.filter((line) => line.startsWith('#'));
}

/** A command line split into positional words and key=value arguments. */
export interface ParsedCommand {
  readonly name: string;
  readonly words: readonly string[];
  readonly args: ReadonlyMap<string, string>;
}

export function parseCommand(text: string): ParsedCommand {
  const [name, ...rest] = text.split(/\s+/);
  const words: string[] = [];
  const args = new Map<string, string>();
  for (const token of rest) {
    const eq = token.indexOf('=');
    if (eq > 0) {
      const key = token.slice(0, eq);
      if (args.has(key)) throw new Error(`argument ${key} given twice`);
      args.set(key, token.slice(eq + 1));
    } else words.push(token);
  }
  return { name: name ?? '', words, args };
}

/**
 * A line diff of expected against actual (longest common subsequence; outputs are short),
 * '-' for expected lines missing, '+' for lines that appeared, ' ' for lines in both.
 */
export function diffLines(expected: readonly string[], actual: readonly string[]): string[] {
  const n = expected.length;
  const m = actual.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const row = lcs[i] as number[];
      row[j] =
        expected[i] === actual[j] ? ((lcs[i + 1] as number[])[j + 1] as number) + 1 : Math.max((lcs[i + 1] as number[])[j] as number, row[j + 1] as number);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && expected[i] === actual[j]) {
      out.push(`  ${expected[i]}`);
      i++;
      j++;
    } else if (i < n && (j >= m || ((lcs[i + 1] as number[])[j] as number) >= ((lcs[i] as number[])[j + 1] as number))) {
      out.push(`- ${expected[i]}`);
      i++;
    } else {
      out.push(`+ ${actual[j]}`);
      j++;
    }
  }
  return out;
}

/** Keeps the changed lines of a diffLines() result and `context` lines around each; '...' marks a cut. */
export function diffHunks(diff: readonly string[], context = 3): string[] {
  const keep = diff.map(() => false);
  diff.forEach((line, i) => {
    if (line.startsWith('  ')) return;
    for (let j = Math.max(0, i - context); j <= Math.min(diff.length - 1, i + context); j++) keep[j] = true;
  });
  const out: string[] = [];
  diff.forEach((line, i) => {
    if (keep[i]) out.push(line);
    else if (keep[i - 1] === true || (i === 0 && diff.length > 0)) out.push('  ...');
  });
  return out;
}
