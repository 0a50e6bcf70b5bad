import { describe, expect, it } from 'vitest';
import { formatHistory } from '../../../src/check/history.js';
import { checkTxnHistory } from '../../../src/check/txn/checker.js';
import { firstAnomaly } from '../../../src/check/txn/report.js';
import { EDGE_STYLES, MAX_TXNS_DRAWN, compactOps, renderAnomalySvg } from '../../../src/check/txn/svg.js';
import type { AnomalyReport, EdgeKind, Txn } from '../../../src/check/txn/types.js';
import { checkTxns, TxnHistory } from './helpers.js';
import { randomTxnHistory } from './random_histories.js';
import { INTERNAL, STALE, TXNS, WRITE_SKEW } from './report_fixtures.js';

interface XmlElement {
  readonly name: string;
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: XmlElement[];
  text: string;
}

const ENTITY = /&(#\d+|#x[0-9a-fA-F]+|amp|lt|gt|quot|apos);/y;

/** Text without markup: every & starts an entity, and no < at all. */
function checkText(text: string, where: string): string {
  if (text.includes('<')) throw new Error(`raw < in ${where}`);
  for (let at = text.indexOf('&'); at !== -1; at = text.indexOf('&', at + 1)) {
    ENTITY.lastIndex = at;
    if (!ENTITY.test(text)) throw new Error(`bare & in ${where}: ${text.slice(at, at + 12)}`);
  }
  return text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replace(/&amp;/g, '&');
}

/**
 * A strict little XML reader, enough to prove an SVG well-formed: one root, every tag closed in
 * order, attributes quoted and unique, text and attribute values properly escaped.
 */
function parseXml(document: string): XmlElement {
  let rest = document.replace(/^<\?xml [^?]*\?>\s*/, '');
  const root: XmlElement = { name: '#document', attributes: new Map(), children: [], text: '' };
  const stack: XmlElement[] = [root];
  while (rest.length > 0) {
    const top = stack[stack.length - 1] as XmlElement;
    const lt = rest.indexOf('<');
    if (lt !== 0) {
      const text = lt === -1 ? rest : rest.slice(0, lt);
      top.text += checkText(text, `text of <${top.name}>`);
      rest = lt === -1 ? '' : rest.slice(lt);
      continue;
    }
    const close = /^<\/([\w:-]+)\s*>/.exec(rest);
    if (close !== null) {
      if (close[1] !== top.name) throw new Error(`</${close[1]}> closes <${top.name}>`);
      stack.pop();
      rest = rest.slice(close[0].length);
      continue;
    }
    const open = /^<([\w:-]+)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>/.exec(rest);
    if (open === null) throw new Error(`malformed tag at: ${rest.slice(0, 60)}`);
    const attributes = new Map<string, string>();
    for (const [, name, value] of (open[2] as string).matchAll(/([\w:-]+)="([^"]*)"/g)) {
      if (attributes.has(name as string)) throw new Error(`attribute ${name} twice in <${open[1]}>`);
      attributes.set(name as string, checkText(value as string, `attribute ${name}`));
    }
    const element: XmlElement = { name: open[1] as string, attributes, children: [], text: '' };
    top.children.push(element);
    if (open[3] !== '/') stack.push(element);
    rest = rest.slice(open[0].length);
  }
  if (stack.length !== 1) throw new Error(`unclosed <${(stack[stack.length - 1] as XmlElement).name}>`);
  const elements = root.children;
  if (elements.length !== 1 || root.text.trim() !== '') throw new Error('not exactly one root element');
  return elements[0] as XmlElement;
}

function* walk(element: XmlElement): Generator<XmlElement> {
  yield element;
  for (const child of element.children) yield* walk(child);
}

function allText(element: XmlElement): string[] {
  return [...walk(element)].filter((node) => node.name === 'text').map((node) => node.text);
}

describe('the XML reader used by these tests', () => {
  it.each([
    ['<svg><g></svg></g>', 'closes'],
    ['<svg>a < b</svg>', 'malformed tag'],
    ['<svg>fish & chips</svg>', 'bare &'],
    ['<svg x="1" x="2"/>', 'twice'],
    ['<svg x=1/>', 'malformed tag'],
    ['<svg/><svg/>', 'one root'],
    ['<svg><g>', 'unclosed'],
  ])('rejects %s', (document, message) => {
    expect(() => parseXml(document)).toThrow(message);
  });
});

describe('the picture of an anomaly', () => {
  it('is well-formed XML with a box and a label per txn and an arrow per edge, styled by kind', () => {
    const svg = renderAnomalySvg(WRITE_SKEW, TXNS);
    const root = parseXml(svg);
    expect(root.name).toBe('svg');
    expect(root.attributes.get('xmlns')).toBe('http://www.w3.org/2000/svg');
    const texts = allText(root);
    expect(texts).toContain('T1');
    expect(texts).toContain('T2');
    expect(texts).toContain('r 1 nil, append 2 1');
    expect(texts).toContain('r 2 nil, append 1 1');
    expect(texts).toContain('p0 ok');
    const arrows = [...walk(root)].filter((node) => node.name === 'path' && node.attributes.get('marker-end') !== undefined);
    expect(arrows).toHaveLength(2);
    for (const arrow of arrows) {
      expect(arrow.attributes.get('stroke')).toBe(EDGE_STYLES.rw.color);
      expect(arrow.attributes.get('stroke-dasharray')).toBe(EDGE_STYLES.rw.dash);
      expect(arrow.attributes.get('marker-end')).toBe('url(#arrow-rw)');
    }
    expect(texts.filter((text) => text === 'rw k1' || text === 'rw k2').sort()).toEqual(['rw k1', 'rw k2']);
    // Each edge's reason, in words, under the legend.
    expect(texts).toContain('T1 → T2 rw on key 1: T1 read key 1 empty, and T2 appended 1 to it');
    expect(texts).toContain('T2 → T1 rw on key 2: T2 read key 2 empty, and T1 appended 1 to it');
    // The header keeps the anomaly's meaning but not the lines the lanes and arrows show.
    expect(texts[0]).toBe('G2-item: 2 txns');
    expect(texts[1]).toBe('G2-item: a cycle with two or more read-write anti-dependencies (write skew).');
    expect(texts).not.toContain('T1 = txn 0 (process 0, ok): r 1 nil, append 2 1');
    // Self-contained: no scripts and no links out.
    expect(svg).not.toMatch(/<script|href=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('gives every edge kind its own colour and dash, and a legend entry for the kinds drawn', () => {
    const looks = new Set(Object.values(EDGE_STYLES).map((style) => `${style.color}/${style.dash}`));
    expect(looks.size).toBe(5);
    const kinds: EdgeKind[] = ['ww', 'wr', 'rw', 'realtime', 'process'];
    const txns: Txn[] = kinds.map((_, id) => ({ ...(TXNS[0] as Txn), id, invokeTime: id * 10, completeTime: id * 10 + 5 }));
    const cycle: AnomalyReport = {
      name: 'G1c-process',
      txns: txns.map((txn) => txn.id),
      edges: kinds.map((kind, at) => ({
        from: at,
        to: (at + 1) % kinds.length,
        kind,
        ...(kind === 'realtime' || kind === 'process' ? {} : { key: at }),
        reason: `edge ${at}`,
      })),
      explanation: 'G1c-process: five edges',
    };
    const root = parseXml(renderAnomalySvg(cycle, txns));
    const arrows = [...walk(root)].filter((node) => node.name === 'path' && node.attributes.has('marker-end') && node.attributes.get('fill') === 'none');
    expect(arrows.map((arrow) => arrow.attributes.get('marker-end'))).toEqual(kinds.map((kind) => `url(#arrow-${kind})`));
    const legendLines = [...walk(root)].filter((node) => node.name === 'line' && node.attributes.has('marker-end'));
    expect(legendLines).toHaveLength(5);
    const texts = allText(root);
    for (const kind of kinds) expect(texts).toContain(EDGE_STYLES[kind].meaning);
    // Every marker an arrow names is defined.
    const markers = new Set([...walk(root)].filter((node) => node.name === 'marker').map((node) => node.attributes.get('id')));
    for (const kind of kinds) expect(markers.has(`arrow-${kind}`)).toBe(true);
  });

  it('escapes every text it draws', () => {
    const nasty: AnomalyReport = { ...STALE, explanation: 'G-single-realtime: <script>alert("x")</script> & more\nT1 -realtime-> T2: drawn' };
    const txns: Txn[] = TXNS.map((txn) => ({ ...txn, error: { code: 13, text: '<crash & burn>' } }));
    const svg = renderAnomalySvg(
      { ...nasty, edges: [{ ...(STALE.edges[0] as AnomalyReport['edges'][0]), reason: 'a < b & c > "d"' }, ...STALE.edges.slice(1)] },
      txns,
    );
    const root = parseXml(svg);
    const texts = allText(root);
    expect(texts).toContain('G-single-realtime: <script>alert("x")</script> & more');
    expect(texts.some((text) => text.includes('a < b & c > "d"'))).toBe(true);
    expect(svg).not.toContain('<script>');
    // A non-cycle anomaly keeps its whole explanation in the header (nothing else shows its facts).
    expect(allText(parseXml(renderAnomalySvg(INTERNAL, TXNS)))).toContain('internal: T1 read 3 after writing 7 <& "quoted">');
  });

  it('draws an info txn that never completed as open-ended, to the right edge', () => {
    const lateInfo: AnomalyReport = { ...INTERNAL, txns: [0, 2] };
    const root = parseXml(renderAnomalySvg(lateInfo, TXNS));
    const boxes = [...walk(root)].filter((node) => node.name === 'rect' && node.attributes.get('rx') === '3' && node.attributes.get('height') === '18');
    expect(boxes).toHaveLength(2);
    const [ok, info] = boxes as [XmlElement, XmlElement];
    expect(ok.attributes.has('stroke-dasharray')).toBe(false);
    expect(info.attributes.get('stroke-dasharray')).toBe('4 2');
    const end = (box: XmlElement): number => Number(box.attributes.get('x')) + Number(box.attributes.get('width'));
    expect(end(info)).toBeGreaterThan(end(ok));
    expect(end(info)).toBeLessThanOrEqual(Number(root.attributes.get('width')));
  });

  it('stays bounded for a huge anomaly: at most MAX_TXNS_DRAWN lanes, labels cut, the rest counted', () => {
    const size = 200;
    const longRead = Array.from({ length: 5000 }, (_, i) => i);
    const txns: Txn[] = Array.from({ length: size }, (_, id) => ({
      ...(TXNS[0] as Txn),
      id,
      ops: [
        { f: 'r', key: 1, value: longRead },
        { f: 'append', key: id, value: id },
      ],
      invokeTime: id * 1000,
      completeTime: id * 1000 + 500,
    }));
    const huge: AnomalyReport = {
      name: 'G0',
      txns: txns.map((txn) => txn.id),
      edges: txns.map((txn) => ({ from: txn.id, to: (txn.id + 1) % size, kind: 'ww' as const, key: txn.id, reason: 'x'.repeat(10_000) })),
      explanation: `G0: ${'long '.repeat(10_000)}`,
    };
    const svg = renderAnomalySvg(huge, txns);
    const root = parseXml(svg);
    expect(Number(root.attributes.get('width'))).toBeLessThanOrEqual(1000);
    expect(Number(root.attributes.get('height'))).toBeLessThan(2000);
    expect(svg.length).toBeLessThan(60_000);
    const texts = allText(root);
    expect(texts.filter((text) => /^T\d+$/.test(text))).toHaveLength(MAX_TXNS_DRAWN);
    expect(texts).toContain(`${size - MAX_TXNS_DRAWN} more txns of this anomaly not drawn (the text report lists them)`);
    // Long reads show their ends and their length.
    expect(texts).toContain('r 1 [0 1 2 … 4997 4998 4999] (5000), append 0 0');
  });

  it('draws a txn once when an incompatible order is all its own: one lane, no arrows, the facts in the header', () => {
    const h = new TxnHistory();
    h.ok(1, [['append', 7, 1]]);
    h.ok(2, [['append', 7, 2]]);
    h.ok(3, [
      ['r', 7, [1, 2]],
      ['r', 7, [2, 1]],
    ]);
    const result = checkTxns(h.events, 'txn-list-append');
    const report = result.anomalies.get('incompatible-order')?.[0] as AnomalyReport;
    const root = parseXml(renderAnomalySvg(report, result.txns));
    const texts = allText(root);
    expect(texts[0]).toBe('incompatible-order: 1 txn');
    expect(texts.filter((text) => /^T\d+$/.test(text))).toEqual(['T1']);
    expect(texts).toContain('r 7 [1 2], r 7 [2 1]');
    expect(texts.some((text) => text.startsWith('T1 read key 7 = [2 1] and also read key 7 = [1 2]'))).toBe(true);
    const boxes = [...walk(root)].filter((node) => node.name === 'rect' && node.attributes.get('height') === '18');
    expect(boxes).toHaveLength(1);
    expect([...walk(root)].filter((node) => node.name === 'path' && node.attributes.get('fill') === 'none')).toHaveLength(0);
  });

  it('draws the worst anomaly of real checks, every txn and edge of it', () => {
    let drawn = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const { events } = randomTxnHistory(seed, seed % 2 === 0 ? 'txn-list-append' : 'txn-rw-register');
      const workload = seed % 2 === 0 ? 'txn-list-append' : 'txn-rw-register';
      const checked = checkTxnHistory(events, { workload, models: ['strict-serializable'] });
      if (!checked.ok) throw new Error(`seed ${seed}: ${checked.error}\n${formatHistory(events)}`);
      const anomaly = firstAnomaly(checked.value);
      if (anomaly === undefined) continue;
      drawn++;
      const root = parseXml(renderAnomalySvg(anomaly, checked.value.txns));
      const texts = allText(root);
      anomaly.txns.forEach((_, at) => {
        expect(texts, `seed ${seed}`).toContain(`T${at + 1}`);
      });
      const arrows = [...walk(root)].filter((node) => node.name === 'path' && node.attributes.get('fill') === 'none');
      expect(arrows, `seed ${seed}`).toHaveLength(anomaly.edges.length);
    }
    expect(drawn).toBeGreaterThan(40);
  });
});

describe('compact micro-ops', () => {
  it('print as the explanations do, long list reads cut to their ends', () => {
    expect(
      compactOps([
        { f: 'r', key: 3, value: null },
        { f: 'w', key: 4, value: 5 },
        { f: 'r', key: 5, value: [1, 2, 3, 4, 5, 6, 7] },
        { f: 'r', key: 5, value: [1, 2, 3, 4, 5, 6, 7, 8] },
      ]),
    ).toBe('r 3 nil, w 4 5, r 5 [1 2 3 4 5 6 7], r 5 [1 2 3 … 6 7 8] (8)');
  });
});
