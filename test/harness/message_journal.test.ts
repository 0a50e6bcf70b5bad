import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../src/check/history.js';
import { MessageJournal, opensFault, type JournalBounds } from '../../src/harness/message_journal.js';

const SMALL: JournalBounds = {
  startEvents: 10,
  startBytes: 1_000_000,
  opPhaseEvents: 20,
  opPhaseBytes: 1_000_000,
  faultWindows: 2,
  faultLeadEvents: 5,
  faultEvents: 10,
  faultBytes: 1_000_000,
  latestEvents: 30,
  latestBytes: 1_000_000,
};

/** Sends message i at time i ms from n0 to n1 and delivers it at once: two events per message. */
function traffic(journal: MessageJournal, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    journal.recordSend(i, 'n0', 'n1', `{"src":"n0","dest":"n1","body":{"type":"ping","n":${i}}}`, { type: 'ping' }, i);
    journal.recordArrival('deliver', i, 'n0', 'n1', i);
  }
}

describe('the message journal', () => {
  it('keeps a short run whole, in order, with times shifted to test time and the type when the body was at hand', () => {
    const journal = new MessageJournal(SMALL);
    journal.recordSend(0, 'c1', 'n0', '{"src":"c1","dest":"n0","body":{"type":"read"}}', null, 100);
    journal.recordArrival('deliver', 0, 'c1', 'n0', 100);
    journal.recordSend(1, 'n0', 'n1', '{"src":"n0","dest":"n1","body":{"type":"append"}}', { type: 'append' }, 101);
    journal.recordArrival('drop-partition', 1, 'n0', 'n1', 111);
    const log = journal.snapshot(100);
    expect(log.events.map((event) => [event.kind, event.id, event.atMs, event.type])).toEqual([
      ['send', 0, 0, undefined],
      ['deliver', 0, 0, undefined],
      ['send', 1, 1, 'append'],
      ['drop-partition', 1, 11, undefined],
    ]);
    expect(log.spans).toEqual([{ fromMs: 0, toMs: 11, reachesEnd: true }]);
    expect(log.recordedEvents).toBe(4);
  });

  it('is bounded: the start, the op phase, each fault window with its lead-up, and the latest events, each a whole span', () => {
    const journal = new MessageJournal(SMALL);
    traffic(journal, 0, 50); // events 0..99: the start keeps 0..9
    journal.markOpPhase();
    traffic(journal, 50, 200); // the op phase keeps events 100..119
    journal.markFault(); // lead-up: the 5 events before (395..399), then 10 more (400..409)
    traffic(journal, 200, 400);
    journal.markFault();
    journal.markFault();
    journal.markFault(); // only the first two faults get a window
    traffic(journal, 400, 1000);
    const log = journal.snapshot(0);
    expect(log.recordedEvents).toBe(2000);
    const bound = SMALL.startEvents + SMALL.opPhaseEvents + SMALL.faultWindows * (SMALL.faultLeadEvents + SMALL.faultEvents) + SMALL.latestEvents;
    expect(log.events.length).toBeLessThanOrEqual(bound);
    // Spans in event numbers: [0,9] [100,119] [395,409] [795,809] [1970,1999].
    const spansAsMessages = log.spans.map((span) => [span.fromMs, span.toMs, span.reachesEnd]);
    expect(spansAsMessages).toEqual([
      [0, 4, false],
      [50, 59, false],
      [197, 204, false],
      [397, 404, false],
      [985, 999, true],
    ]);
    const seqs = log.events.map((event) => event.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(log.bound).toContain('the first 10 events of the run');
  });

  it('is bounded by bytes too: a part closes when its budget is spent, and the latest events forget the oldest', () => {
    const journal = new MessageJournal({ ...SMALL, startEvents: 1000, startBytes: 2_000, latestEvents: 1000, latestBytes: 3_000 });
    const big = 'x'.repeat(700);
    for (let i = 0; i < 10; i++) journal.recordSend(i, 'n0', 'n1', big, null, i);
    const log = journal.snapshot(0);
    // 700 characters and a fixed charge of 120 per event: two fit in the start's 2,000 bytes, three in the latest 3,000.
    expect(log.events.map((event) => event.id)).toEqual([0, 1, 7, 8, 9]);
    expect(log.spans.map((span) => span.reachesEnd)).toEqual([false, true]);
  });

  it('marks only the nemesis steps that begin a fault', () => {
    const event = (process: string | number, type: HistoryEvent['type'], f: string): HistoryEvent => ({ index: 0, process, type, f, value: null, time: 0 });
    expect(['start-partition', 'kill', 'pause', 'start-delay-spike', 'start-duplicate'].every((f) => opensFault(event('nemesis', 'invoke', f)))).toBe(true);
    expect(opensFault(event('nemesis', 'info', 'start-partition'))).toBe(false);
    expect(opensFault(event('nemesis', 'invoke', 'stop-partition'))).toBe(false);
    expect(opensFault(event('nemesis', 'invoke', 'move-partition'))).toBe(false);
    expect(opensFault(event(3, 'invoke', 'kill'))).toBe(false);
  });
});
