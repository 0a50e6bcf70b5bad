// For the tests of the run's pictures: proves an SVG (or an HTML page written as XHTML) well-formed
// and returns its elements, so a test can count arrows, boxes and labels instead of matching text.
// Strict where a browser is lenient: every tag closed in order, attributes quoted and unique, no raw
// `<` or bare `&` in text or attribute values, exactly one root element.

export interface XmlNode {
  readonly tag: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlNode[];
  /** The text directly inside, entities decoded. */
  text: string;
}

const TOKEN = /<!--[\s\S]*?-->|<\?[^?]*\?>|<!DOCTYPE[^>]*>|<\/([A-Za-z][\w:.-]*)\s*>|<([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*"[^"<]*")*)\s*(\/?)>|<|[^<]+/gy;
const ATTRIBUTE = /([\w:.-]+)\s*=\s*"([^"]*)"/g;

function decode(raw: string, where: string): string {
  if (/&(?!(?:#\d+|#x[\da-fA-F]+|amp|lt|gt|quot|apos);)/.test(raw)) throw new Error(`bare & in ${where}: ${raw.slice(0, 40)}`);
  return raw
    .replace(/&#x([\da-fA-F]+);/g, (_, hex: string) => String.fromCodePoint(Number.parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[name] as string);
}

export function readXml(document: string): XmlNode {
  const top: XmlNode = { tag: '#document', attrs: {}, children: [], text: '' };
  const open: XmlNode[] = [top];
  TOKEN.lastIndex = 0;
  for (let match = TOKEN.exec(document); match !== null && match[0] !== ''; match = TOKEN.exec(document)) {
    const [token, closing, opening, attributeText, selfClosing] = match;
    const current = open[open.length - 1] as XmlNode;
    if (token.startsWith('<!') || token.startsWith('<?')) continue;
    if (token === '<') throw new Error(`malformed tag at: ${document.slice(match.index, match.index + 60)}`);
    if (closing !== undefined) {
      if (closing !== current.tag) throw new Error(`</${closing}> closes <${current.tag}>`);
      open.pop();
    } else if (opening !== undefined) {
      const attrs: Record<string, string> = {};
      for (const [, name, value] of (attributeText ?? '').matchAll(ATTRIBUTE)) {
        if ((name as string) in attrs) throw new Error(`attribute ${name} twice in <${opening}>`);
        attrs[name as string] = decode(value as string, `attribute ${name} of <${opening}>`);
      }
      const node: XmlNode = { tag: opening, attrs, children: [], text: '' };
      current.children.push(node);
      if (selfClosing !== '/') open.push(node);
    } else {
      current.text += decode(token, `the text of <${current.tag}>`);
    }
  }
  if (open.length !== 1) throw new Error(`<${(open[open.length - 1] as XmlNode).tag}> is never closed`);
  if (top.children.length !== 1 || top.text.trim() !== '') throw new Error('not exactly one root element');
  return top.children[0] as XmlNode;
}

/** Every element below (and including) `node`, in document order. */
export function elements(node: XmlNode): XmlNode[] {
  return [node, ...node.children.flatMap(elements)];
}

/** The text of every <title> (an SVG tooltip) below `node`. */
export function titles(node: XmlNode): string[] {
  return elements(node)
    .filter((element) => element.tag === 'title')
    .map((element) => element.text);
}
