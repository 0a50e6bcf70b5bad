// For the end-to-end runs: the pictures every run writes, read back as XML so a test can count
// what they draw (arrows, op boxes, lines) against the run's own history and results.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { elements, readXml, titles, type XmlNode } from './xml_reader.js';

export interface RunPictures {
  /** Tooltips of the arrows of messages.svg ("n0 → n1 (message 12): delivered ..."). */
  readonly arrows: string[];
  /** The text lines of messages.svg. */
  readonly messageTexts: string[];
  /** The op boxes of timeline.html, and its fault bands and notes. */
  readonly opBoxes: XmlNode[];
  readonly faultBands: XmlNode[];
  readonly timelineNotes: string[];
  /** The lines drawn in rate.svg and latency-quantiles.svg. */
  readonly rateLines: XmlNode[];
  readonly quantileLines: XmlNode[];
}

export function readRunPictures(outDir: string): RunPictures {
  const read = (file: string): XmlNode => readXml(readFileSync(join(outDir, file), 'utf8'));
  const messages = read('messages.svg');
  const timeline = elements(read('timeline.html'));
  const polylines = (file: string): XmlNode[] => elements(read(file)).filter((node) => node.tag === 'polyline');
  return {
    arrows: titles(messages).filter((title) => / → .* \(message \d+\): /.test(title)),
    messageTexts: elements(messages)
      .filter((node) => node.tag === 'text')
      .map((node) => node.text),
    opBoxes: timeline.filter((node) => /^o (ok|info|fail) c\d+$/.test(node.attrs['class'] ?? '')),
    faultBands: timeline.filter((node) => node.attrs['class'] === 'band'),
    timelineNotes: timeline.filter((node) => node.attrs['class'] === 'note').map((node) => node.text),
    rateLines: polylines('rate.svg'),
    quantileLines: polylines('latency-quantiles.svg'),
  };
}
