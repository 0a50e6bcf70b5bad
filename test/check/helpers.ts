// Small histories written by hand for the checker's tests, one event per line:
//   PROCESS TYPE F [VALUE] [key=K] [err=CODE]
// e.g. `1 invoke cas [1,2]`, `1 fail cas [1,2] err=22`, `2 ok read null key=7`. VALUE is JSON;
// a read invoke needs none. Events get consecutive indices and times in line order.

import type { JsonValue } from '../../src/base/json.js';
import type { EventType, HistoryEvent } from '../../src/check/history.js';
import { checkHistory } from '../../src/check/linearizability.js';
import type { CheckOptions, CheckResult } from '../../src/check/linearizability.js';

export function history(text: string): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const words = line.split(/\s+/);
    const [processText, type, f, ...rest] = words as [string, EventType, string, ...string[]];
    let key: JsonValue | undefined;
    let code: number | undefined;
    const valueWords: string[] = [];
    for (const word of rest) {
      if (word.startsWith('key=')) key = JSON.parse(word.slice(4)) as JsonValue;
      else if (word.startsWith('err=')) code = Number(word.slice(4));
      else valueWords.push(word);
    }
    const process: number | string = /^\d+$/.test(processText) ? Number(processText) : processText;
    const value = valueWords.length === 0 ? null : (JSON.parse(valueWords.join(' ')) as JsonValue);
    events.push({
      index: events.length,
      process,
      type,
      f,
      ...(key === undefined ? {} : { key }),
      value,
      time: events.length * 1000,
      ...(code === undefined ? {} : { error: { code, text: `error ${code}` } }),
    });
  }
  return events;
}

/** Checks a history that must be well formed; throws otherwise. */
export function check(events: readonly HistoryEvent[], options: CheckOptions = {}): CheckResult {
  const result = checkHistory(events, options);
  if (!result.ok) throw new Error(`malformed test history: ${result.error}`);
  return result.value;
}
