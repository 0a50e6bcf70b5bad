import { describe, expect, it } from 'vitest';
import { renderLatencyPlot } from '../../src/harness/latency_plot.js';
import { latencyQuantileSeries, rateSeries, renderLatencyQuantilesPlot, renderRatePlot } from '../../src/harness/rate_plot.js';
import type { FaultInterval, OpRecord, OutcomeType } from '../../src/harness/results.js';
import { elements, readXml, titles, type XmlNode } from './xml_reader.js';

function op(type: OutcomeType, invokeMs: number, completeMs: number, extra: Partial<OpRecord> = {}): OpRecord {
  return { process: 0, f: 'read', type, invokeMs, completeMs, error: undefined, ...extra };
}

const PARTITION: FaultInterval = { kind: 'partition', description: 'majority', startMs: 2000, endMs: 3000 };

/** Every label stays inside the picture: none starts left of it or (at about 0.55 em a character) runs off its right edge. */
function expectLabelsInside(svg: XmlNode): void {
  const width = Number(svg.attrs['width']);
  for (const text of elements(svg).filter((node) => node.tag === 'text')) {
    const x = Number(text.attrs['x']);
    const anchor = text.attrs['text-anchor'] ?? 'start';
    const length = text.text.length * Number(text.attrs['font-size'] ?? 12) * 0.55;
    const [left, right] = anchor === 'end' ? [x - length, x] : anchor === 'middle' ? [x - length / 2, x + length / 2] : [x, x + length];
    if (text.attrs['transform'] === undefined) expect([left >= 0, right <= width], text.text).toEqual([true, true]);
  }
}

describe('rate.svg', () => {
  it('counts completions per second of each outcome per bucket, leaving out final reads and probes', () => {
    const ops = [
      op('ok', 0, 100),
      op('ok', 0, 900),
      op('fail', 0, 1500),
      op('info', 500, 1999),
      op('ok', 3000, 3999),
      op('ok', 4100, 4200, { final: true }),
      op('ok', 3100, 3200, { probe: true }),
    ];
    const { buckets, rates } = rateSeries(ops, { title: 't', durationMs: 4000, buckets: 4 });
    expect(buckets.widthMs).toBe(1000);
    expect(rates).toEqual({ ok: [2, 0, 0, 1], info: [0, 1, 0, 0], fail: [0, 1, 0, 0] });
    // A last bucket shorter than the rest counts per second of its own length.
    expect(rateSeries([op('ok', 0, 2100)], { title: 't', durationMs: 2200, buckets: 2 }).rates.ok).toEqual([0, 5]);
  });

  it('draws a line per outcome with a legend, labelled axes, shaded faults and notes inside the picture', () => {
    const ops = Array.from({ length: 200 }, (_, i) => op(i % 10 === 0 ? 'fail' : 'ok', i * 25, i * 25 + 3));
    ops.push(op('ok', 4000, 4010, { final: true }));
    const svg = readXml(renderRatePlot(ops, [PARTITION], { title: 'throughput', durationMs: 5000 }));
    const texts = elements(svg)
      .filter((node) => node.tag === 'text')
      .map((node) => node.text);
    expect(texts).toEqual(
      expect.arrayContaining(['throughput', 'time (s)', 'completions per second', 'ok', 'info', 'fail', 'partition', '(final reads left out)']),
    );
    expect(elements(svg).filter((node) => node.tag === 'polyline')).toHaveLength(3);
    expect(titles(svg)).toContain('partition: majority (2.00 s – 3.00 s)');
    expectLabelsInside(svg);
  });
});

describe('latency-quantiles.svg', () => {
  it('gives p50, p95, p99 and max of ok ops per bucket of invocation time, with a gap where none was ok', () => {
    const ops = [
      ...Array.from({ length: 100 }, (_, i) => op('ok', 10, 10 + i + 1)),
      op('fail', 1500, 1600),
      op('ok', 2500, 2502),
      op('ok', 2600, 2610, { final: true }),
    ];
    const { series } = latencyQuantileSeries(ops, { title: 't', durationMs: 3000, buckets: 3 });
    expect(Object.fromEntries(series.map((line) => [line.name, line.values]))).toEqual({
      p50: [50, null, 2],
      p95: [95, null, 2],
      p99: [99, null, 2],
      max: [100, null, 2],
    });
    const svg = readXml(renderLatencyQuantilesPlot(ops, [PARTITION], { title: 'quantiles', durationMs: 3000, buckets: 3 }));
    // Two runs of points in each line: the gap splits it.
    expect(elements(svg).filter((node) => node.tag === 'polyline')).toHaveLength(8);
    const texts = elements(svg)
      .filter((node) => node.tag === 'text')
      .map((node) => node.text);
    expect(texts).toEqual(expect.arrayContaining(['latency of ok ops (ms, log scale)', 'p50', 'p95', 'p99', 'max', 'partition', 'a gap: no ok op then']));
    expect(titles(svg)).toContain('p99 0 ms–1 s: 99');
    expectLabelsInside(svg);
  });

  it('shares its frame with latency.svg: the same axes and fault shading', () => {
    const ops = [op('ok', 10, 20), op('info', 100, 1100)];
    const latency = readXml(renderLatencyPlot(ops, [PARTITION], { title: 'latency', durationMs: 3000 }));
    const quantiles = readXml(renderLatencyQuantilesPlot(ops, [PARTITION], { title: 'latency', durationMs: 3000 }));
    // The shaded fault and the time axis's labels (the row of text under the plot) are the same in both.
    const frame = (svg: XmlNode): string[] =>
      elements(svg)
        .filter((node) => (node.tag === 'rect' && node.attrs['opacity'] !== undefined) || (node.tag === 'text' && node.attrs['y'] === '447'))
        .map((node) => `${JSON.stringify(node.attrs)} ${node.text}`);
    expect(frame(latency).length).toBeGreaterThan(5);
    expect(frame(quantiles)).toEqual(frame(latency));
    expectLabelsInside(latency);
  });
});
