#!/usr/bin/env node
// Reads a Maelstrom results.edn, prints the verdict and the key figures, and exits 0 when the
// run is valid, 1 when invalid, 2 when unknown or unreadable. A small EDN reader (maps,
// vectors, lists, sets, keywords, strings, numbers, booleans, nil, tagged values) is enough.
import { readFileSync } from 'node:fs';

class EdnReader {
  constructor(text) {
    this.text = text;
    this.at = 0;
  }
  skip() {
    for (;;) {
      const ch = this.text[this.at];
      if (ch === undefined) return;
      if (ch === ';') {
        while (this.at < this.text.length && this.text[this.at] !== '\n') this.at++;
      } else if (/[\s,]/.test(ch)) this.at++;
      else if (ch === '#' && this.text[this.at + 1] === '_') {
        this.at += 2;
        this.read();
      } else return;
    }
  }
  read() {
    this.skip();
    const ch = this.text[this.at];
    if (ch === undefined) throw new Error('unexpected end of input');
    if (ch === '{') return this.readMap();
    if (ch === '[' || ch === '(') return this.readSeq(ch === '[' ? ']' : ')');
    if (ch === '#' && this.text[this.at + 1] === '{') {
      this.at++;
      return new Set(this.readSeq('}'));
    }
    if (ch === '#') {
      this.at++;
      this.readToken();
      return this.read();
    }
    if (ch === '"') return this.readString();
    return this.atom(this.readToken());
  }
  readMap() {
    this.at++;
    const map = new Map();
    for (;;) {
      this.skip();
      if (this.text[this.at] === '}') {
        this.at++;
        return map;
      }
      const key = this.read();
      map.set(typeof key === 'object' && key !== null ? JSON.stringify([...(key.entries?.() ?? [])]) : key, this.read());
    }
  }
  readSeq(close) {
    this.at++;
    const items = [];
    for (;;) {
      this.skip();
      if (this.text[this.at] === close) {
        this.at++;
        return items;
      }
      items.push(this.read());
    }
  }
  readString() {
    let out = '';
    this.at++;
    while (this.at < this.text.length && this.text[this.at] !== '"') {
      if (this.text[this.at] === '\\') this.at++;
      out += this.text[this.at++];
    }
    this.at++;
    return out;
  }
  readToken() {
    const start = this.at;
    while (this.at < this.text.length && !/[\s,{}[\]()"]/.test(this.text[this.at])) this.at++;
    if (this.at === start) throw new Error(`unexpected character ${JSON.stringify(this.text[this.at])} at ${this.at}`);
    return this.text.slice(start, this.at);
  }
  atom(token) {
    if (token === 'nil') return null;
    if (token === 'true') return true;
    if (token === 'false') return false;
    if (/^[-+]?\d+(\.\d+)?([eE][-+]?\d+)?N?M?$/.test(token)) return Number(token.replace(/[NM]$/, ''));
    if (/^[-+]?\d+\/\d+$/.test(token)) {
      const [n, d] = token.split('/').map(Number);
      return n / d;
    }
    return token; // keywords keep their colon: ":valid?"
  }
}

const get = (value, ...path) => path.reduce((node, key) => (node instanceof Map ? node.get(key) : undefined), value);
const show = (value) => (value === undefined ? '-' : typeof value === 'number' ? String(Math.round(value * 1000) / 1000) : String(value));

const file = process.argv[2];
if (!file) {
  console.error('usage: summarize_results.mjs results.edn');
  process.exit(2);
}
let results;
try {
  results = new EdnReader(readFileSync(file, 'utf8')).read();
} catch (error) {
  console.error(`cannot read ${file}: ${error.message}`);
  process.exit(2);
}
const valid = get(results, ':valid?');
const verdict = valid === true ? 'valid' : valid === false ? 'INVALID' : 'unknown';
const stats = get(results, ':stats');
console.log(`verdict:          ${verdict}`);
console.log(
  `operations:       ${show(get(stats, ':count'))} (ok ${show(get(stats, ':ok-count'))}, fail ${show(get(stats, ':fail-count'))}, info ${show(get(stats, ':info-count'))})`,
);
console.log(`availability:     ${show(get(results, ':availability', ':ok-fraction'))} of operations ok`);
console.log(
  `msgs per op:      ${show(get(results, ':net', ':all', ':msgs-per-op'))} all, ${show(get(results, ':net', ':servers', ':msgs-per-op'))} between servers`,
);
const failures = get(results, ':workload', ':failures');
if (Array.isArray(failures) && failures.length > 0) console.log(`keys not linearizable: ${failures.join(', ')}`);
for (const [name, part] of results instanceof Map ? results : []) {
  if (part instanceof Map && part.get(':valid?') !== true && name !== ':valid?') console.log(`checker ${name}: valid? ${show(part.get(':valid?'))}`);
}
console.log(`results:          ${file}`);
process.exit(valid === true ? 0 : valid === false ? 1 : 2);
