import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../src/check/history.js';
import type { FaultInterval } from '../../src/harness/results.js';
import { DEFAULT_MAX_OPS, pairOps, renderTimelinePage } from '../../src/harness/timeline_page.js';
import { elements, readXml, type XmlNode } from './xml_reader.js';

/** A history from [process, type, f, value, ms] rows (key 0 for lin-kv ops, none for txns). */
function history(
  rows: readonly (readonly [number | string, HistoryEvent['type'], string, HistoryEvent['value'], number, HistoryEvent['error']?])[],
): HistoryEvent[] {
  return rows.map(([process, type, f, value, ms, error], index) => ({
    index,
    process,
    type,
    f,
    ...(f === 'txn' || process === 'nemesis' ? {} : { key: 0 }),
    value,
    time: Math.round(ms * 1e6),
    ...(error === undefined ? {} : { error }),
  }));
}

/** The page as XHTML: the op boxes, the fault bands and the notes. */
function page(
  events: readonly HistoryEvent[],
  faults: readonly FaultInterval[] = [],
  options: Parameters<typeof renderTimelinePage>[2] = { title: 't' },
): {
  readonly html: string;
  readonly boxes: XmlNode[];
  readonly bands: XmlNode[];
  readonly notes: string[];
} {
  const html = renderTimelinePage(events, faults, options);
  const root = readXml(html);
  const all = elements(root);
  return {
    html,
    boxes: all.filter((node) => /^o (ok|info|fail) c\d+$/.test(node.attrs['class'] ?? '')),
    bands: all.filter((node) => node.attrs['class'] === 'band'),
    notes: all.filter((node) => node.attrs['class'] === 'note').map((node) => node.text),
  };
}

const top = (node: XmlNode): number => Number(/top:(\d+)px/.exec(node.attrs['style'] ?? '')?.[1]);
const height = (node: XmlNode): number => Number(/height:(\d+)px/.exec(node.attrs['style'] ?? '')?.[1]);
const column = (node: XmlNode): string => (node.attrs['class'] ?? '').split(' ')[2] as string;

describe('timeline.html', () => {
  it('draws every op as a box from invocation to completion, coloured by outcome, the op on hover', () => {
    const events = history([
      [0, 'invoke', 'write', 3, 1],
      [1, 'invoke', 'read', null, 2],
      [0, 'ok', 'write', 3, 3],
      [1, 'fail', 'read', null, 4, { code: 20, text: 'key does not exist' }],
      [2, 'invoke', 'cas', [3, 4], 5],
      [2, 'info', 'cas', [3, 4], 1005],
      [0, 'invoke', 'read', null, 6],
    ]);
    const { boxes } = page(events);
    expect(boxes.map((box) => [box.attrs['class']?.split(' ')[1], box.text])).toEqual([
      ['ok', '0 write 0 3'],
      ['fail', '1 read 0'],
      ['info', '2 cas 0 [3,4]'],
      ['info', '0 read 0'],
    ]);
    // Rows follow the history: the write spans rows 0-2, the read 1-3.
    expect(top(boxes[1] as XmlNode) - top(boxes[0] as XmlNode)).toBe(14);
    expect(height(boxes[0] as XmlNode)).toBe(3 * 14 - 2);
    expect(boxes[1]?.attrs['title']).toBe(
      'process 1, read key 0: fail\ninvoked 0.002000 s, completed 0.004000 s (2.00 ms)\nvalue: null\nerror: 20 key does not exist',
    );
    // An op that never completed runs to the end and says so.
    expect(boxes[3]?.attrs['title']).toContain('process 0, read key 0: info (never completed)');
    expect(top(boxes[3] as XmlNode) + height(boxes[3] as XmlNode)).toBeGreaterThan(Math.max(...boxes.slice(0, 3).map((box) => top(box) + height(box))));
  });

  it('shows a txn by its micro-ops, the reads filled in', () => {
    const invoked: HistoryEvent['value'] = [
      ['r', 8, null],
      ['append', 9, 1],
    ];
    const completed: HistoryEvent['value'] = [
      ['r', 8, [1, 2]],
      ['append', 9, 1],
    ];
    const events = history([
      [0, 'invoke', 'txn', invoked, 1],
      [0, 'ok', 'txn', completed, 2],
    ]);
    const [box] = page(events).boxes;
    expect(box?.text).toBe('0 txn r 8 [1,2], append 9 1');
    expect(box?.attrs['title']).toContain('\nvalue: [["r",8,null],["append",9,1]]\nresult: [["r",8,[1,2]],["append",9,1]]');
  });

  it('puts processes that never overlap in one column, and concurrent ones apart', () => {
    const events = history([
      [0, 'invoke', 'read', null, 1],
      [1, 'invoke', 'read', null, 2],
      [0, 'info', 'read', null, 3],
      [2, 'invoke', 'read', null, 4], // thread 0's next process
      [1, 'ok', 'read', 1, 5],
      [2, 'ok', 'read', 1, 6],
    ]);
    const { boxes, html } = page(events);
    expect(boxes.map(column)).toEqual(['c0', 'c1', 'c0']);
    expect(html).toContain('>p 0, 2</div>');
  });

  it('shades each fault across the columns, with its times on hover', () => {
    const events = history([
      [0, 'invoke', 'read', null, 100],
      [0, 'ok', 'read', null, 200],
      [0, 'invoke', 'read', null, 1500],
      [0, 'ok', 'read', null, 1600],
      [0, 'invoke', 'read', null, 2500],
      [0, 'ok', 'read', null, 2600],
    ]);
    const faults: FaultInterval[] = [
      { kind: 'partition', description: 'majority', startMs: 1000, endMs: 2000 },
      { kind: 'kill', description: 'n1', startMs: 5000, endMs: 6000 },
    ];
    const { bands, boxes } = page(events, faults);
    expect(bands).toHaveLength(1);
    expect(bands[0]?.attrs['title']).toBe('partition: majority (1.00 s – 2.00 s)');
    // From the first event after its start to the first after its end: rows 2 to 4.
    expect(top(bands[0] as XmlNode)).toBe(top(boxes[1] as XmlNode));
    expect(top(bands[0] as XmlNode) + height(bands[0] as XmlNode)).toBe(top(boxes[2] as XmlNode));
  });

  it('stays a few MB for a 300 s run at 1,000 ops/s: a bounded stretch around the anomaly, and says what it left out', () => {
    const events: HistoryEvent[] = [];
    const longValue = Array.from({ length: 4 }, (_, i) => ['append', i, 1000 + i]);
    for (let op = 0; op < 300_000; op++) {
      const ms = op;
      events.push({ index: events.length, process: op % 50, type: 'invoke', f: 'txn', value: longValue, time: ms * 1e6 });
      events.push({ index: events.length, process: op % 50, type: 'ok', f: 'txn', value: longValue, time: (ms + 0.5) * 1e6 });
    }
    expect(pairOps(events)).toHaveLength(300_000);
    const focus = { startMs: 150_000, endMs: 150_010, what: 'G2-item: txns 150000, 150001' };
    const { html, boxes, notes } = page(events, [], { title: 'long', focus });
    expect(boxes).toHaveLength(DEFAULT_MAX_OPS);
    expect(html.length).toBeLessThan(4 * 1024 * 1024);
    const before = 150_000 - DEFAULT_MAX_OPS / 4;
    expect(notes).toContain(
      `Bounded at ${DEFAULT_MAX_OPS.toLocaleString('en-US')} ops: showing those invoked ${(before / 1000).toFixed(3)}–${((before + DEFAULT_MAX_OPS - 1) / 1000).toFixed(3)} s, around the first anomaly; ` +
        `${before.toLocaleString('en-US')} earlier and ${(300_000 - before - DEFAULT_MAX_OPS).toLocaleString('en-US')} later ops left out (every op is in history.jsonl).`,
    );
    expect(notes).toContain('First anomaly (outlined in red): G2-item: txns 150000, 150001, 150.000–150.010 s.');
    expect(html).toContain('class="anomaly"');
  });
});
