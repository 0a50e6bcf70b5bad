import { describe, expect, it } from 'vitest';
import { explainKey, formatSummary, renderTimelineSvg, renderTimelinesSvg } from '../../src/check/report.js';
import { check, history } from './helpers.js';

const STALE_READ = history(`1 invoke write 1
                            1 ok write 1
                            1 invoke write 2
                            3 invoke cas [2,5]
                            3 info cas [2,5]
                            1 ok write 2
                            2 invoke read
                            2 ok read 1`);

describe('text reports', () => {
  it('explain the failure: the op, what it needed, the prefix with states, the concurrent ops', () => {
    const result = check(STALE_READ);
    const key = result.keys[0];
    if (key === undefined) throw new Error('no key');
    const text = explainKey(key);
    expect(text).toContain('key 0: 4 ops, 4 checked');
    expect(text).toContain('NOT linearizable');
    expect(text).toContain('cannot linearize: p2 r 1 ok [#6..#7]');
    expect(text).toContain('it read 1; the longest linearizable prefix leaves 2 in the register');
    expect(text).toContain('   1. p1 w 1 ok [#0..#1] -> 1');
    expect(text).toContain('   2. p1 w 2 ok [#2..#5] -> 2');
    expect(text).toContain('p3 cas 2→5 info [#3..∞]');
  });

  it('summarize counts and verdicts', () => {
    const summary = formatSummary(check(STALE_READ));
    expect(summary).toContain('operations: 4 (ok 3, fail 0, info 1) from 8 events; 4 constrain the register');
    expect(summary).toContain('verdict: invalid; 1 key not linearizable');
  });

  it('say an unknown key needs a bigger budget', () => {
    const result = check(
      history(`1 invoke write 1
               2 invoke write 2
               1 ok write 1
               2 ok write 2
               3 invoke read
               3 ok read 1`),
      { maxStepsPerKey: 1 },
    );
    const key = result.keys[0];
    if (key === undefined) throw new Error('no key');
    expect(explainKey(key)).toContain('UNKNOWN, the search ran out of steps');
    expect(formatSummary(result)).toContain('verdict: unknown; 1 key undecided');
  });

  it('shorten long prefixes', () => {
    const lines = ['1 invoke write 0', '1 ok write 0'];
    for (let i = 1; i <= 30; i++) lines.push(`1 invoke write ${i}`, `1 ok write ${i}`);
    lines.push('2 invoke read', '2 ok read 0');
    const key = check(history(lines.join('\n'))).keys[0];
    if (key === undefined) throw new Error('no key');
    const text = explainKey(key, { prefixLines: 5 });
    expect(text).toContain('longest linearizable prefix: 31 ops (last 5 shown)');
    expect(text).toContain('... 26 earlier ops');
    expect(text).toContain('  31. p1 w 30 ok');
  });
});

describe('SVG timelines', () => {
  it('draw one lane per process, colored bars with labels, the culprit outlined', () => {
    const key = check(STALE_READ).keys[0];
    if (key === undefined) throw new Error('no key');
    const svg = renderTimelineSvg(key);
    expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    for (const lane of ['>p1<', '>p2<', '>p3<']) expect(svg).toContain(lane);
    for (const label of ['>w 1<', '>w 2<', '>r 1<', '>cas 2→5<']) expect(svg).toContain(label);
    expect(svg).toContain('stroke="#d00000" stroke-width="3"');
    expect(svg).toContain('stroke-dasharray'); // the info cas is open-ended
    // Self-contained: no scripts, no external references.
    expect(svg).not.toMatch(/<script|href=|url\(/);
    // Balanced tags, a cheap well-formedness check.
    const opened = (svg.match(/<(svg|g|text|title)\b/g) ?? []).length;
    const closed = (svg.match(/<\/(svg|g|text|title)>/g) ?? []).length;
    expect(opened).toBe(closed);
  });

  it('escape text and stack several keys', () => {
    const keyed = history(`1 invoke write 1 key="<a&b>"
                           1 ok write 1 key="<a&b>"
                           2 invoke read key="<a&b>"
                           2 ok read 2 key="<a&b>"
                           1 invoke read key=7
                           1 ok read 3 key=7`);
    const result = check(keyed);
    const svg = renderTimelinesSvg(result.keys);
    expect(svg).not.toContain('<a&b>');
    expect(svg).toContain('&#60;a&#38;b&#62;');
    expect(svg.match(/<svg x="0"/g)).toHaveLength(2);
  });

  it('say so when there is nothing to draw', () => {
    expect(renderTimelinesSvg(check(history('1 invoke read\n1 ok read null')).keys)).toContain('no invalid key');
  });
});
