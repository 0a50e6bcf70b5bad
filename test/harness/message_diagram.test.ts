import { describe, expect, it } from 'vitest';
import { chooseWindow, renderMessageDiagram, selectArrows, type MessageDiagramOptions } from '../../src/harness/message_diagram.js';
import { JOURNAL_BOUNDS, MessageJournal, type MessageLog } from '../../src/harness/message_journal.js';
import type { FaultInterval } from '../../src/harness/results.js';
import { elements, readXml, titles, type XmlNode } from './xml_reader.js';

const NODES = ['n0', 'n1', 'n2'];
const PARTITION: FaultInterval = { kind: 'partition', description: 'majority', startMs: 3000, endMs: 4000 };

/** Records a message as the router would: nodes' bodies come parsed, clients' only as text. */
function send(journal: MessageJournal, id: number, src: string, dest: string, body: Record<string, unknown>, atMs: number): void {
  const text = JSON.stringify({ src, dest, body });
  journal.recordSend(id, src, dest, text, src.startsWith('n') ? (body as { type: string }) : null, atMs);
}

function logOf(build: (journal: MessageJournal) => void, bounds = JOURNAL_BOUNDS): MessageLog {
  const journal = new MessageJournal(bounds);
  build(journal);
  return journal.snapshot(0);
}

function draw(log: MessageLog, options: Partial<MessageDiagramOptions> = {}): XmlNode {
  return readXml(renderMessageDiagram(log, { title: 'messages', nodes: NODES, faults: [], ...options }));
}

interface DrawnArrow {
  readonly hover: string;
  /** The arrow's colour (its line's). */
  readonly color: string;
  /** The colour of the cross it ends in, if it does not reach the receiver. */
  readonly cross: string | null;
}

/** Each message drawn: a group whose tooltip names sender → receiver. */
function arrowsOf(svg: XmlNode): DrawnArrow[] {
  return elements(svg)
    .filter((node) => node.tag === 'g' && node.children[0]?.tag === 'title' && / → .* \(message \d+\)/.test(node.children[0].text))
    .map((group) => {
      const line = group.children.find((child) => child.tag === 'line' || child.tag === 'path') as XmlNode;
      const dashed = line.attrs['stroke-dasharray'] !== undefined;
      return {
        hover: (group.children[0] as XmlNode).text,
        color: (group.attrs['stroke'] ?? line.attrs['stroke']) as string,
        cross: dashed ? ((group.children[group.children.length - 1] as XmlNode).attrs['stroke'] as string) : null,
      };
    });
}

function textsOf(svg: XmlNode): string[] {
  return elements(svg)
    .filter((node) => node.tag === 'text')
    .map((node) => node.text);
}

describe('messages.svg', () => {
  it('draws one arrow per message from sender to receiver, coloured by body type, with a legend and the message on hover', () => {
    const log = logOf((journal) => {
      send(journal, 0, 'c4', 'n0', { type: 'write', msg_id: 1, key: 0, value: 3 }, 1);
      journal.recordArrival('deliver', 0, 'c4', 'n0', 1);
      for (const [id, dest] of [
        [1, 'n1'],
        [2, 'n2'],
        [3, 'n1'],
      ] as const) {
        send(journal, id, 'n0', dest, { type: 'append', term: 1 }, 2 + id);
        journal.recordArrival('deliver', id, 'n0', dest, 12 + id);
      }
      send(journal, 4, 'n1', 'n0', { type: 'append_ok', term: 1 }, 20);
      journal.recordArrival('deliver', 4, 'n1', 'n0', 30);
      send(journal, 5, 'n0', 'c4', { type: 'error', in_reply_to: 1, code: 11 }, 31);
      journal.recordArrival('deliver', 5, 'n0', 'c4', 31);
    });
    const svg = draw(log);
    const arrows = arrowsOf(svg);
    expect(arrows).toHaveLength(6);
    expect(arrows.every((arrow) => arrow.cross === null)).toBe(true);
    const colorOf = (type: string): string[] => [...new Set(arrows.filter((arrow) => arrow.hover.includes(`"type":"${type}"`)).map((arrow) => arrow.color))];
    expect(colorOf('append')).toHaveLength(1);
    expect(new Set([colorOf('append')[0], colorOf('write')[0], colorOf('append_ok')[0]]).size).toBe(3);
    expect(colorOf('error')).toEqual(['#d62728']);
    expect(textsOf(svg)).toEqual(expect.arrayContaining(['append (3)', 'write (1)', 'error (1)', 'n0', 'n1', 'n2', 'c4']));
    const write = arrows.find((arrow) => arrow.hover.includes('"type":"write"'));
    expect(write?.hover).toMatch(/^c4 → n0 \(message 0\): delivered\nsent 0\.001000 s, delivered 0\.001000 s \(0\.000 ms\)\n\{"src":"c4"/);
    expect(textsOf(svg)).toContain('6 messages drawn, every one sent in the window (bound: 2,000).');
  });

  it('ends a message cut by a partition in a red cross, one lost to a down node or never delivered in a grey one', () => {
    const log = logOf((journal) => {
      send(journal, 0, 'n0', 'n1', { type: 'append' }, 1);
      journal.recordArrival('drop-partition', 0, 'n0', 'n1', 11);
      send(journal, 1, 'n0', 'n2', { type: 'append' }, 2);
      journal.recordArrival('drop-down', 1, 'n0', 'n2', 12);
      send(journal, 2, 'n1', 'n2', { type: 'vote' }, 3);
      send(journal, 3, 'n2', 'n1', { type: 'vote' }, 4);
      journal.recordArrival('deliver', 3, 'n2', 'n1', 14);
    });
    const arrows = arrowsOf(draw(log));
    expect(arrows.map((arrow) => [arrow.hover.split('\n')[0], arrow.cross])).toEqual([
      ['n0 → n1 (message 0): cut by a partition', '#d62728'],
      ['n0 → n2 (message 1): lost: the receiver was down', '#555555'],
      ['n1 → n2 (message 2): never delivered (lost to a crash or restart, or in flight at the end)', '#555555'],
      ['n2 → n1 (message 3): delivered', null],
    ]);
  });

  it('does not call a message lost when the journal did not keep what followed its send', () => {
    const journal = new MessageJournal({ ...JOURNAL_BOUNDS, startEvents: 1, latestEvents: 1 });
    send(journal, 0, 'n0', 'n1', { type: 'append' }, 1);
    journal.recordArrival('deliver', 0, 'n0', 'n1', 11);
    send(journal, 1, 'n1', 'n0', { type: 'append_ok' }, 12);
    journal.recordArrival('deliver', 1, 'n1', 'n0', 22);
    const arrows = arrowsOf(draw(journal.snapshot(0)));
    expect(arrows[0]?.hover.split('\n')[0]).toBe('n0 → n1 (message 0): delivery not kept by the journal');
  });

  it('draws a batch as one arrow labelled with its count, in its parts colour when they share a type', () => {
    const log = logOf((journal) => {
      send(journal, 0, 'n0', 'n1', { type: 'append', term: 2 }, 1);
      send(journal, 1, 'n0', 'n2', { type: 'batch', msgs: [{ type: 'append' }, { type: 'append' }, { type: 'append' }] }, 2);
      send(journal, 2, 'n1', 'n0', { type: 'batch', msgs: [{ type: 'append_ok' }, { type: 'vote' }] }, 3);
      for (const id of [0, 1, 2]) journal.recordArrival('deliver', id, 'n', 'n', 5 + id);
    });
    const svg = draw(log);
    const arrows = arrowsOf(svg);
    expect(arrows).toHaveLength(3);
    expect(arrows[1]?.color).toBe(arrows[0]?.color);
    expect(arrows[1]?.hover).toContain('batch of 3: append ×3');
    expect(arrows[2]?.color).not.toBe(arrows[0]?.color);
    expect(arrows[2]?.hover).toContain('batch of 2: append_ok, vote');
    const labels = elements(svg)
      .filter((node) => node.attrs['class'] === 'lb')
      .map((node) => node.text);
    expect(labels).toEqual(expect.arrayContaining(['append ×3', 'batch ×2']));
    expect(textsOf(svg)).toEqual(expect.arrayContaining(['append (2)', 'batch (mixed) (1)']));
  });

  it('gives each client a lane up to eight, then one lane for all', () => {
    const withClients = (count: number): string[] => {
      const log = logOf((journal) => {
        for (let i = 0; i < count; i++) {
          send(journal, i, `c${i + 4}`, 'n0', { type: 'read' }, i);
          journal.recordArrival('deliver', i, `c${i + 4}`, 'n0', i);
        }
      });
      return elements(draw(log))
        .filter((node) => node.attrs['class'] === 'lane')
        .map((node) => node.text);
    };
    expect(withClients(8)).toEqual(['n0', 'n1', 'n2', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9', 'c10', 'c11']);
    expect(withClients(9)).toEqual(['n0', 'n1', 'n2', '9 clients']);
  });

  it('labels arrows only where the label keeps apart from the others', () => {
    const nodes = ['n0', 'n1', 'n2', 'n3', 'n4'];
    const log = logOf((journal) => {
      for (let i = 0; i < 400; i++) {
        const src = nodes[i % 5] as string;
        const dest = nodes[(i * 3 + 1) % 5] as string;
        send(journal, i, src, dest, { type: i % 2 === 0 ? 'raft_append_entries_response' : 'kv_forward_result' }, i * 0.2);
        journal.recordArrival('deliver', i, src, dest, i * 0.2 + 0.1);
      }
    });
    const svg = draw(log, { nodes });
    const boxes = elements(svg)
      .filter((node) => node.attrs['class'] === 'lb' || node.attrs['class'] === 'lane')
      .map((node) => {
        const size = node.attrs['class'] === 'lb' ? 9 : 12;
        const [x, y, half] = [Number(node.attrs['x']), Number(node.attrs['y']), (node.text.length * size * 0.6) / 2];
        return { text: node.text, left: x - half, right: x + half, top: y - size, bottom: y };
      });
    expect(boxes.filter((box) => box.text.includes('×') || box.text.length > 3).length).toBeGreaterThan(20);
    for (const [i, a] of boxes.entries()) {
      for (const b of boxes.slice(i + 1))
        expect(a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom, `${a.text} and ${b.text}`).toBe(false);
    }
  });

  it('cuts a long message to a bound on hover', () => {
    const log = logOf((journal) => {
      send(journal, 0, 'n0', 'n1', { type: 'snapshot', data: 'x'.repeat(10_000) }, 1);
      journal.recordArrival('deliver', 0, 'n0', 'n1', 2);
    });
    const [arrow] = arrowsOf(draw(log));
    expect(arrow?.hover.length).toBeLessThan(700);
    expect(arrow?.hover).toMatch(/… \(100\d\d chars\)$/);
  });
});

describe('the window of messages.svg', () => {
  /** One message a millisecond from -500 ms to 20 s, each delivered 1 ms later, all kept. */
  const steady = logOf(
    (journal) => {
      for (let ms = -500; ms < 20_000; ms++) {
        send(journal, ms + 500, 'n0', 'n1', { type: 'ping' }, ms);
        journal.recordArrival('deliver', ms + 500, 'n0', 'n1', ms + 1);
      }
    },
    { ...JOURNAL_BOUNDS, startEvents: 100_000, startBytes: 100_000_000 },
  );
  /** The same, but the journal kept only two stretches: 0–1 s and 10–11 s. */
  const gappy: MessageLog = {
    ...steady,
    events: steady.events.filter((event) => (event.atMs >= 0 && event.atMs <= 1000) || (event.atMs >= 10_000 && event.atMs <= 11_000)),
    spans: [
      { fromMs: 0, toMs: 1000, reachesEnd: false },
      { fromMs: 10_000, toMs: 11_000, reachesEnd: true },
    ],
  };

  it('is the start of the operation phase for a valid run, even with faults', () => {
    const window = chooseWindow(steady, { faults: [PARTITION] });
    expect(window).toMatchObject({ fromMs: 0, toMs: 2000, reason: 'the start of the operation phase' });
  });

  it('centres on the first anomaly of an invalid run, a quarter of the bound before it', () => {
    const anomaly = { startMs: 5000, endMs: 5100, what: 'key 0: p3 r 2 ok cannot be linearized' };
    const window = chooseWindow(steady, { faults: [PARTITION], invalid: true, anomaly });
    expect(window.fromMs).toBe(4750);
    expect(window.reason).toBe(`around the first anomaly: ${anomaly.what}`);
    const { arrows, leftOutBefore, leftOutAfter, sendsInWindow } = selectArrows(steady, window, 100);
    expect(arrows).toHaveLength(100);
    expect(arrows[0]?.send.atMs).toBe(4975);
    expect(leftOutBefore + leftOutAfter + 100).toBe(sendsInWindow);
    const svg = draw(steady, { faults: [PARTITION], invalid: true, anomaly, maxArrows: 100 });
    const texts = textsOf(svg);
    expect(texts.join(' ')).toContain(
      `100 of the ${sendsInWindow.toLocaleString('en-US')} messages sent in the window drawn (bound: 100); left out: 225 earlier,`,
    );
    expect(texts).toContain('anomaly');
    expect(titles(svg)).toContain(`first anomaly: ${anomaly.what}`);
  });

  it('falls back to the first fault when the journal kept nothing around the anomaly, and says so', () => {
    const anomaly = { startMs: 5000, endMs: 5100, what: 'G2-item: txns 4, 9' };
    const fault: FaultInterval = { ...PARTITION, startMs: 10_200, endMs: 10_700 };
    const window = chooseWindow(gappy, { faults: [fault], invalid: true, anomaly });
    expect(window.anchorMs).toBe(10_200);
    expect(window.fromMs).toBe(10_000);
    expect(window.toMs).toBe(11_000);
    expect(window.passedOver).toEqual(['the first anomaly at 5.000 s: the journal kept nothing around it']);
    const svg = draw(gappy, { faults: [fault], invalid: true, anomaly });
    expect(textsOf(svg).join(' ')).toContain('Not centred on the first anomaly at 5.000 s: the journal kept nothing around it.');
    // The fault is shaded, with its times on hover.
    expect(titles(svg)).toContain('partition: majority (10.20 s – 10.70 s)');
  });

  it('is around the first fault for an invalid run without an anomaly to centre on', () => {
    expect(chooseWindow(steady, { faults: [PARTITION], invalid: true })).toMatchObject({ fromMs: 2750, anchorMs: 3000, toMs: 5000 });
  });

  it('keeps the bound, says how many it left out, and keeps every header line within the picture', () => {
    const svgText = renderMessageDiagram(steady, { title: 'messages', nodes: NODES, faults: [], maxArrows: 300 });
    const svg = readXml(svgText);
    expect(arrowsOf(svg)).toHaveLength(300);
    const texts = textsOf(svg);
    expect(texts.join(' ')).toContain('300 of the 2,001 messages sent in the window drawn (bound: 300); left out: 0 earlier, 1,701 later.');
    expect(texts).toContain('… 1,701 later messages of the window left out (bound: 300 messages).');
    const width = Number(svg.attrs['width']);
    for (const line of elements(svg).filter((node) => node.tag === 'text' && node.attrs['font-size'] === '12' && node.attrs['x'] === '12')) {
      expect(12 + line.text.length * 6.8, line.text).toBeLessThanOrEqual(width);
    }
  });

  it('is the start of the run when the operation phase never began', () => {
    const setUpOnly = logOf((journal) => {
      send(journal, 0, 'c1', 'n0', { type: 'init' }, -900);
      journal.recordArrival('deliver', 0, 'c1', 'n0', -900);
    });
    expect(chooseWindow(setUpOnly, { faults: [] })).toMatchObject({
      fromMs: -900,
      toMs: -900,
      reason: 'the start of the run (the operation phase never began)',
    });
  });

  it('says so when nothing was recorded', () => {
    const svg = draw(logOf(() => {}));
    expect(arrowsOf(svg)).toHaveLength(0);
    expect(textsOf(svg)).toContain('No message was sent in this window.');
  });
});
