// What the files of a run directory are for the viewer: plots, anomaly pictures, pages of their
// own, node logs; which explanation belongs to which anomaly; and the content type each file is
// served with. Pure: names and texts in, groupings out. Any file not recognized here is still
// listed and served (as bytes), so new files of the harness show up without a change here.

/** A directory entry as the viewer lists it. */
export interface DirItem {
  readonly name: string;
  readonly kind: 'file' | 'dir' | 'link' | 'other';
  /** Bytes, for files; 0 otherwise. */
  readonly size: number;
}

export interface RunFileGroups {
  /** Pictures of the whole run (latency.svg first), by file name. */
  readonly plots: readonly string[];
  /** One picture per anomaly kind: anomaly-<name>.svg. */
  readonly anomalies: readonly { readonly name: string; readonly file: string }[];
  /** HTML pages the run wrote (a timeline, say). */
  readonly pages: readonly string[];
}

const PICTURE = /\.(svg|png)$/i;
const ANOMALY = /^anomaly-(.+)\.svg$/i;

export function groupRunFiles(items: readonly DirItem[]): RunFileGroups {
  const files = items.filter((item) => item.kind === 'file').map((item) => item.name);
  const anomalies = files.flatMap((name) => {
    const match = ANOMALY.exec(name);
    return match === null ? [] : [{ name: match[1] as string, file: name }];
  });
  const plots = files.filter((name) => PICTURE.test(name) && !ANOMALY.test(name));
  // The latency plot is the one every run has; it comes first.
  plots.sort((a, b) => Number(b === 'latency.svg') - Number(a === 'latency.svg') || a.localeCompare(b));
  return { plots, anomalies, pages: files.filter((name) => /\.html?$/i.test(name)) };
}

/** explanations.txt's explanations: blocks separated by blank lines. */
export function explanationBlocks(text: string): string[] {
  return text
    .split(/\n[ \t]*\n/)
    .map((block) => block.replace(/\s+$/, ''))
    .filter((block) => block.trim() !== '');
}

/**
 * The explanations of each anomaly kind ("G2-item #1 of 11 ..." belongs to G2-item, not to
 * G2-item-process), in order, and those of no kind asked for (a register key's, say).
 */
export function explanationsByAnomaly(blocks: readonly string[], names: readonly string[]): { byName: Map<string, string[]>; others: string[] } {
  const byName = new Map<string, string[]>(names.map((name) => [name, []]));
  const others: string[] = [];
  for (const block of blocks) {
    const name = names.find((candidate) => block.startsWith(`${candidate} #`));
    if (name === undefined) others.push(block);
    else byName.get(name)?.push(block);
  }
  return { byName, others };
}

const CONTENT_TYPES: { readonly [extension: string]: string } = {
  svg: 'image/svg+xml',
  png: 'image/png',
  json: 'application/json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  htm: 'text/html; charset=utf-8',
  // JSON lines, EDN, logs and Markdown are text to read in the browser, not to download.
  jsonl: 'text/plain; charset=utf-8',
  edn: 'text/plain; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  log: 'text/plain; charset=utf-8',
  md: 'text/plain; charset=utf-8',
  csv: 'text/plain; charset=utf-8',
};

/** The content type a file is served with, from its extension; bytes when unknown. */
export function contentTypeOf(name: string): string {
  const dot = name.lastIndexOf('.');
  const extension = dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
  return (Object.hasOwn(CONTENT_TYPES, extension) ? CONTENT_TYPES[extension] : undefined) ?? 'application/octet-stream';
}

/** Whether a file is text, so a cut copy of it can end with a note saying so. */
export function isTextType(contentType: string): boolean {
  return contentType.startsWith('text/plain') || contentType.startsWith('application/json');
}
