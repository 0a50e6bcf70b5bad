import { describe, expect, it } from 'vitest';
import { readXml, titles } from './xml_reader.js';

describe('the XML reader the picture tests use', () => {
  it.each([
    ['<svg><g></svg></g>', '</svg> closes <g>'],
    ['<svg><text>a < b</text></svg>', 'malformed tag'],
    ['<svg><text>fish & chips</text></svg>', 'bare &'],
    ['<svg x="1" x="2"/>', 'attribute x twice'],
    ['<svg x=1/>', 'malformed tag'],
    ['<svg title="a<b"/>', 'malformed tag'],
    ['<svg/><svg/>', 'not exactly one root'],
    ['<svg><g>', 'never closed'],
  ])('rejects %s', (document, message) => {
    expect(() => readXml(document)).toThrow(message);
  });

  it('reads an XHTML page and an SVG, entities decoded', () => {
    const page = readXml(
      '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/></head><body><div title="a&#10;b &#60;c&#62;">x &amp; y</div></body></html>',
    );
    const div = page.children[1]?.children[0];
    expect(div?.attrs['title']).toBe('a\nb <c>');
    expect(div?.text).toBe('x & y');
    expect(titles(readXml('<?xml version="1.0"?>\n<svg><g><title>n0 → n1</title></g></svg>'))).toEqual(['n0 → n1']);
  });
});
