// The viewer's pages as HTML text: the run list, a test run, a bench, a contention study, a
// directory listing, and error pages. Pure: what the store reader found in, one HTML string out.
// Every text from the store goes through escapeXml and every link through storeUrl, so a file
// name or a log line can never become markup; pages carry no script, and pictures are <img>
// elements (an SVG shown that way runs nothing), loaded at once so a saved or printed page has them.

import { escapeXml } from '../base/xml.js';
import { VERDICT_COLORS, type EntryKind, type EntrySummary, type Page, type Verdict, type VerdictClass } from './entries.js';
import { storeUrl } from './request_path.js';
import type { DirItem } from './run_files.js';

/** Text read from a file, maybe cut: `text` holds the first (or last) bytes of `size`. */
export interface ShownText {
  readonly text: string;
  readonly size: number;
  readonly truncated: boolean;
}

const h = escapeXml;

const STYLE = `
body { font-family: sans-serif; margin: 20px 28px; color: #222; max-width: 1400px; }
nav { font-size: 14px; margin-bottom: 8px; }
nav a { color: #3366aa; }
h1 { font-size: 22px; margin: 6px 0 12px; word-break: break-all; }
h2 { font-size: 18px; margin-top: 28px; border-bottom: 1px solid #ddd; padding-bottom: 3px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f6f6f6; padding: 8px 10px; font-size: 12px; white-space: pre-wrap; word-break: break-word; margin: 6px 0; }
pre.log { max-height: 420px; overflow: auto; }
figure { margin: 12px 0; overflow-x: auto; }
figure img { max-width: none; border: 1px solid #eee; display: block; }
figcaption { font-size: 13px; color: #555; margin-top: 3px; }
.note { color: #666; font-size: 13px; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 3px; font-weight: bold; }
.legend span { display: inline-block; padding: 1px 8px; margin-right: 6px; font-size: 13px; }
iframe { width: 100%; height: 80vh; border: 1px solid #ccc; }
${(Object.keys(VERDICT_COLORS) as VerdictClass[]).map((cls) => `.verdict-${cls} { background: ${VERDICT_COLORS[cls]}; }`).join('\n')}
`;

function layout(title: string, crumbs: readonly string[], body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<nav>${breadcrumbs(crumbs)}</nav>
${body}
</body>
</html>
`;
}

/** "runs / lin-kv / 2026…": the store's run list, then each directory up to `segments`' last, listed. */
function breadcrumbs(segments: readonly string[]): string {
  const links = [`<a href="/">runs</a>`];
  segments.forEach((name, i) => {
    const path = segments.slice(0, i + 1);
    links.push(i === segments.length - 1 ? h(name) : `<a href="${storeUrl('/files/', path, true)}">${h(name)}</a>`);
  });
  return links.join(' / ');
}

function badge(verdict: Verdict): string {
  return `<span class="badge verdict verdict-${verdict.cls}">${h(verdict.text)}</span>`;
}

/** An ISO time as "2026-12-06 22:36:40" (UTC), or "-". */
function shownTime(iso: string | null): string {
  if (iso === null) return '-';
  return iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
}

function entryTime(entry: EntrySummary): string {
  return entry.startedAt === null ? `${shownTime(entry.modifiedAt)} (written)` : shownTime(entry.startedAt);
}

const KIND_NAMES: { readonly [kind in EntryKind]: string } = { test: 'test', bench: 'bench', contention: 'contention study', incomplete: 'test (incomplete)' };

/** The rows of a run list; `relativeTo` shortens the shown paths of entries nested under another. */
function entryTable(entries: readonly EntrySummary[], relativeTo: readonly string[] = []): string {
  const head =
    '<tr><th>started (UTC)</th><th>run</th><th>kind</th><th>workload</th><th>nodes</th><th>nemesis</th><th>seed</th><th>ops</th><th>verdict</th></tr>';
  const rows = entries.map((entry) => {
    const shownPath = entry.segments.slice(relativeTo.length).join('/');
    const problem = entry.problem === undefined ? '' : `<div class="note">${h(entry.problem)}</div>`;
    return (
      `<tr class="run"><td>${h(entryTime(entry))}</td><td><a href="${storeUrl('/run/', entry.segments)}">${h(shownPath)}</a>${problem}</td>` +
      `<td>${h(KIND_NAMES[entry.kind])}</td><td>${h(entry.workload)}</td><td class="num">${h(entry.nodes)}</td><td>${h(entry.nemesis)}</td>` +
      `<td class="num">${h(entry.seed)}</td><td class="num">${h(entry.ops)}</td><td class="verdict verdict-${entry.verdict.cls}">${h(entry.verdict.text)}</td></tr>`
    );
  });
  return `<table class="runs">\n${head}\n${rows.join('\n')}\n</table>`;
}

function verdictLegend(): string {
  const names: { readonly [cls in VerdictClass]: string } = {
    valid: 'valid',
    invalid: 'invalid',
    unknown: 'unknown or incomplete',
    'not-recovered': 'did not recover',
  };
  return `<p class="legend">${(Object.keys(names) as VerdictClass[]).map((cls) => `<span class="verdict-${cls}">${h(names[cls])}</span>`).join('')}</p>`;
}

export interface IndexPageData {
  /** The store directory as the user named it. */
  readonly store: string;
  readonly page: Page<EntrySummary>;
  /** Why the list may be incomplete (the walk stopped at its bound), or undefined. */
  readonly walkNote: string | undefined;
}

export function indexPage(data: IndexPageData): string {
  const { page } = data;
  const pager: string[] = [];
  if (page.page > 1) pager.push(`<a href="/?page=${page.page - 1}">← newer</a>`);
  pager.push(`page ${page.page} of ${page.pageCount}`);
  if (page.page < page.pageCount) pager.push(`<a href="/?page=${page.page + 1}">older →</a>`);
  const shownRange = page.total === 0 ? 'no runs yet' : `${page.total} in all, newest first; ${page.rows.length} on this page`;
  const body = [
    `<h1>Runs in ${h(data.store)}</h1>`,
    `<p class="note">${h(shownRange)}. A run nested in a bench or a study is listed on that bench's or study's page.</p>`,
    verdictLegend(),
    data.walkNote === undefined ? '' : `<p class="note">${h(data.walkNote)}</p>`,
    page.total === 0
      ? '<p>Nothing here yet: run <code>raftkv-test test</code> or <code>raftkv-test bench</code>, whose results go under the store.</p>'
      : entryTable(page.rows),
    `<p class="pager">${pager.join(' · ')}</p>`,
  ];
  return layout(`raftkv runs: ${data.store}`, [], body.join('\n'));
}

/** A link to a file or directory of an entry. */
function fileLink(segments: readonly string[], name: string, text = name): string {
  return `<a href="${storeUrl('/files/', [...segments, name])}">${h(text)}</a>`;
}

function bytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KiB`;
  return `${(size / 1024 / 1024).toFixed(1)} MiB`;
}

function fileTable(segments: readonly string[], items: readonly DirItem[], truncated: boolean): string {
  const rows = items.map((item) => {
    const link =
      item.kind === 'dir'
        ? `<a href="${storeUrl('/files/', [...segments, item.name], true)}">${h(item.name)}/</a>`
        : item.kind === 'file'
          ? fileLink(segments, item.name)
          : item.kind === 'link'
            ? `${fileLink(segments, item.name)} <span class="note">(symbolic link: served only if it leads to a place in the store)</span>`
            : `${h(item.name)} <span class="note">(not a regular file)</span>`;
    return `<tr><td>${link}</td><td class="num">${item.kind === 'file' ? h(bytes(item.size)) : ''}</td></tr>`;
  });
  const more = truncated ? `<p class="note">More entries than a page lists; the directory holds the rest.</p>` : '';
  return `<table class="files">\n<tr><th>file</th><th>size</th></tr>\n${rows.join('\n')}\n</table>${more}`;
}

function cutNote(shown: ShownText, where: 'first' | 'last', link: string): string {
  if (!shown.truncated) return '';
  return `<p class="note">The ${where} ${h(bytes(shown.text.length))} of ${h(bytes(shown.size))}: ${link} has it all.</p>`;
}

function figure(segments: readonly string[], file: string, caption: string): string {
  const url = storeUrl('/files/', [...segments, file]);
  return `<figure><a href="${url}"><img src="${url}" alt="${h(caption)}"></a><figcaption>${h(caption)} (${fileLink(segments, file, 'open alone')}, for the details on hover)</figcaption></figure>`;
}

function factsTable(rows: readonly (readonly [string, string])[]): string {
  return `<table class="facts">\n${rows.map(([name, value]) => `<tr><th>${h(name)}</th><td>${value}</td></tr>`).join('\n')}\n</table>`;
}

/** The top of an entry's page: its path and verdict, what could not be read, and its facts (with the command that ran it, when known). */
function entryHeading(entry: EntrySummary, command: string | null = null): string[] {
  return [
    `<h1>${h(entry.segments.join('/'))} ${badge(entry.verdict)}</h1>`,
    ...(entry.problem === undefined ? [] : [`<p class="note">${h(entry.problem)}</p>`]),
    factsTable([
      ['verdict', badge(entry.verdict)],
      ['started (UTC)', h(entryTime(entry))],
      ['workload', h(entry.workload)],
      ['nodes', h(entry.nodes)],
      ['nemesis', h(entry.nemesis)],
      ['seed', h(entry.seed)],
      ['ops', h(entry.ops)],
      ...(command === null ? [] : [['command', `<code>${h(command)}</code>`] as const]),
    ]),
  ];
}

/** What every entry's page ends with: the files of its directory. */
interface EntryFiles {
  readonly files: readonly DirItem[];
  readonly filesTruncated: boolean;
}

function filesSection(segments: readonly string[], data: EntryFiles): string {
  return `<h2>Files</h2>\n${fileTable(segments, data.files, data.filesTruncated)}`;
}

export interface AnomalyView {
  readonly name: string;
  readonly file: string;
  /** How many the checker found, when results.json says. */
  readonly count: number | null;
  /** The first explanations of this kind. */
  readonly explanations: readonly string[];
  /** Explanations of this kind left out here (explanations.txt has them). */
  readonly more: number;
}

export interface NodeLogView {
  readonly name: string;
  /** The end of the log. */
  readonly tail: ShownText;
}

export interface TestRunPageData extends EntryFiles {
  readonly entry: EntrySummary;
  /** The shell command that ran it, when results.json says. */
  readonly command: string | null;
  /** results.json's reasons for every check that is not valid. */
  readonly why: readonly string[];
  readonly summary: ShownText | null;
  readonly plots: readonly string[];
  readonly anomalies: readonly AnomalyView[];
  /** Explanations of no anomaly picture (a register key's), and how many more the file has. */
  readonly otherExplanations: readonly string[];
  readonly moreOtherExplanations: number;
  /** explanations.txt, when it was cut before all its explanations were read. */
  readonly explanationsCut: boolean;
  readonly pages: readonly string[];
  readonly nodeLogs: readonly NodeLogView[];
  /** Logs not shown (more than the page shows); the node-logs directory lists them. */
  readonly moreNodeLogs: number;
}

export function testRunPage(data: TestRunPageData): string {
  const { entry } = data;
  const seg = entry.segments;
  const body = entryHeading(entry, data.command);
  if (data.why.length > 0) body.push(`<h2>Why it is not valid</h2>\n<ul class="why">${data.why.map((reason) => `<li>${h(reason)}</li>`).join('')}</ul>`);
  if (data.pages.length > 0) body.push(`<p>Pages of this run: ${data.pages.map((name) => fileLink(seg, name)).join(', ')}</p>`);
  body.push('<h2>Summary</h2>');
  body.push(
    data.summary === null
      ? '<p class="note">No summary.txt in this run.</p>'
      : `<pre class="summary">${h(data.summary.text)}</pre>${cutNote(data.summary, 'first', fileLink(seg, 'summary.txt'))}`,
  );
  body.push('<h2>Plots</h2>');
  body.push(data.plots.length === 0 ? '<p class="note">No plots in this run.</p>' : data.plots.map((file) => figure(seg, file, file)).join('\n'));
  if (data.anomalies.length > 0 || data.otherExplanations.length > 0) {
    body.push('<h2>Anomalies</h2>');
    for (const anomaly of data.anomalies) {
      body.push(`<h3 class="anomaly">${h(anomaly.name)}${anomaly.count === null ? '' : ` (${anomaly.count} found)`}</h3>`);
      body.push(figure(seg, anomaly.file, `${anomaly.name}: the first one found`));
      for (const text of anomaly.explanations) body.push(`<pre class="explanation">${h(text)}</pre>`);
      if (anomaly.more > 0) body.push(`<p class="note">${anomaly.more} more ${h(anomaly.name)} explained in ${fileLink(seg, 'explanations.txt')}.</p>`);
    }
    if (data.otherExplanations.length > 0) {
      body.push('<h3>Explanations</h3>');
      for (const text of data.otherExplanations) body.push(`<pre class="explanation">${h(text)}</pre>`);
      if (data.moreOtherExplanations > 0) body.push(`<p class="note">${data.moreOtherExplanations} more in ${fileLink(seg, 'explanations.txt')}.</p>`);
    }
    if (data.explanationsCut)
      body.push(`<p class="note">explanations.txt is long: only its beginning was read here; ${fileLink(seg, 'explanations.txt')} has it all.</p>`);
  }
  body.push('<h2>Node logs</h2>');
  if (data.nodeLogs.length === 0) body.push('<p class="note">No node logs in this run.</p>');
  for (const log of data.nodeLogs) {
    const link = fileLink([...seg, 'node-logs'], log.name);
    body.push(`<h3>${h(log.name)} <span class="note">(${h(bytes(log.tail.size))}; ${link})</span></h3>`);
    body.push(`<pre class="log">${h(log.tail.text)}</pre>${cutNote(log.tail, 'last', link)}`);
  }
  if (data.moreNodeLogs > 0)
    body.push(`<p class="note">${data.moreNodeLogs} more logs in <a href="${storeUrl('/files/', [...seg, 'node-logs'], true)}">node-logs/</a>.</p>`);
  body.push(filesSection(seg, data));
  return layout(`${seg.join('/')}: ${entry.verdict.text}`, seg, body.join('\n'));
}

export interface NestedEntries {
  readonly entries: readonly EntrySummary[];
  /** Why the list may be incomplete, or undefined. */
  readonly note: string | undefined;
}

function nestedSection(title: string, parent: readonly string[], nested: NestedEntries): string {
  if (nested.entries.length === 0 && nested.note === undefined) return '';
  const note = nested.note === undefined ? '' : `<p class="note">${h(nested.note)}</p>`;
  return `<h2>${h(title)}</h2>\n${note}${nested.entries.length === 0 ? '' : entryTable(nested.entries, parent)}`;
}

export interface BenchPageData extends EntryFiles {
  readonly entry: EntrySummary;
  readonly command: string | null;
  readonly hasReport: boolean;
  readonly nested: NestedEntries;
}

export function benchPage(data: BenchPageData): string {
  const { entry } = data;
  const seg = entry.segments;
  const body = entryHeading(entry, data.command);
  body.push(nestedSection('Runs kept by this bench', seg, data.nested));
  body.push('<h2>Report</h2>');
  body.push(
    data.hasReport
      ? `<p>${fileLink(seg, 'report.html', 'report.html')} (open alone for a full window)</p>\n<iframe class="report" title="the bench report" src="${storeUrl('/files/', [...seg, 'report.html'])}"></iframe>`
      : '<p class="note">No report.html in this bench.</p>',
  );
  body.push(filesSection(seg, data));
  return layout(`${seg.join('/')}: bench`, seg, body.join('\n'));
}

export interface ContentionPageData extends EntryFiles {
  readonly entry: EntrySummary;
  readonly markdown: ShownText | null;
  readonly plots: readonly string[];
  readonly nested: NestedEntries;
}

export function contentionPage(data: ContentionPageData): string {
  const { entry } = data;
  const seg = entry.segments;
  const body = entryHeading(entry);
  body.push('<h2>Plots</h2>');
  body.push(data.plots.length === 0 ? '<p class="note">No plots in this study.</p>' : data.plots.map((file) => figure(seg, file, file)).join('\n'));
  body.push('<h2>contention.md</h2>');
  body.push(
    data.markdown === null
      ? '<p class="note">No contention.md.</p>'
      : `<pre class="markdown">${h(data.markdown.text)}</pre>${cutNote(data.markdown, 'first', fileLink(seg, 'contention.md'))}`,
  );
  body.push(nestedSection('Benches of this study', seg, data.nested));
  body.push(filesSection(seg, data));
  return layout(`${seg.join('/')}: contention study`, seg, body.join('\n'));
}

export interface DirectoryPageData {
  readonly segments: readonly string[];
  readonly items: readonly DirItem[];
  readonly truncated: boolean;
  /** When this directory is a run, a bench or a study: its page's kind. */
  readonly entryKind: EntryKind | null;
}

export function directoryPage(data: DirectoryPageData): string {
  const seg = data.segments;
  const body = [`<h1>${h(seg.length === 0 ? 'the store' : `${seg.join('/')}/`)}</h1>`];
  if (data.entryKind !== null) body.push(`<p>This is a ${h(KIND_NAMES[data.entryKind])}: <a href="${storeUrl('/run/', seg)}">see its page</a>.</p>`);
  body.push(fileTable(seg, data.items, data.truncated));
  return layout(seg.join('/') || 'store', seg, body.join('\n'));
}

export function errorPage(status: number, title: string, message: string): string {
  return layout(`${status} ${title}`, [], `<h1>${status} ${h(title)}</h1>\n<p>${h(message)}</p>\n<p><a href="/">Back to the runs</a></p>`);
}
