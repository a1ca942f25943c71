import { describe, expect, it } from 'vitest';
import { aggregate, resultsCsv, type PointOutcome } from './aggregate.js';
import { sweepPlot } from './sweep-plot.js';

const run = (id: string, seed: number, testAccuracy: number[], wallSeconds = 1, status: 'completed' | 'diverged' = 'completed') =>
  ({ id, seed, summary: { testAccuracy, wallSeconds, status } });

const points: PointOutcome[] = [
  { id: 'v=0.01_rows=32', values: ['0.01', '32'], numeric: [0.01, 32], runs: [run('a1', 1, [0.5, 0.8, 0.7], 2), run('a2', 2, [0.6, 0.9], 4), run('a3', 3, [0.3, 0.5, 0.6], 6)] },
  { id: 'v=1_rows=32', values: ['1', '32'], numeric: [1, 32], runs: [run('b1', 1, [0.2]), run('b2', 2, [0.1, Number.NaN], 1, 'diverged'), { id: 'b3', seed: 3 }] },
  { id: 'v=0.01_rows=64', values: ['0.01', '64'], numeric: [0.01, 64], runs: [{ id: 'c1', seed: 1 }] },
  { id: 'v=1_rows=64', values: ['1', '64'], numeric: [1, 64], runs: [run('d1', 1, [0.4], 3), run('d2', 2, [0.45], 5)] },
];

/** Sample standard deviation, written out independently of the implementation. */
function sampleStd(xs: number[]): number {
  const m = xs.reduce((s, x) => s + x, 0) / xs.length;
  return Math.sqrt(xs.map((x) => (x - m) * (x - m)).reduce((s, x) => s + x, 0) / (xs.length - 1));
}

describe('aggregate', () => {
  const rows = aggregate(points);

  it('gives mean and sample std over seeds of the final and the best accuracy', () => {
    const finals = [0.7, 0.9, 0.6];
    const bests = [0.8, 0.9, 0.6];
    expect(rows[0]!.seeds).toEqual([1, 2, 3]);
    expect(rows[0]!.finalAccuracy.mean).toBeCloseTo((0.7 + 0.9 + 0.6) / 3, 12);
    expect(rows[0]!.finalAccuracy.std).toBeCloseTo(sampleStd(finals), 12);
    expect(rows[0]!.bestAccuracy.mean).toBeCloseTo((0.8 + 0.9 + 0.6) / 3, 12);
    expect(rows[0]!.bestAccuracy.std).toBeCloseTo(sampleStd(bests), 12);
    expect(rows[0]!.wallSeconds).toBeCloseTo(4, 12);
    expect(rows[0]!.runs.map((r) => [r.seed, r.finalAccuracy, r.bestAccuracy])).toEqual([[1, 0.7, 0.8], [2, 0.9, 0.9], [3, 0.6, 0.6]]);
  });

  it('leaves diverged and unfinished runs out of the statistics, and a single seed has std 0', () => {
    expect(rows[1]!.seeds).toEqual([1]);
    expect(rows[1]!.diverged).toEqual([2]);
    expect(rows[1]!.finalAccuracy).toEqual({ mean: 0.2, std: 0 });
    expect(rows[1]!.runs.map((r) => r.status)).toEqual(['completed', 'diverged', 'pending']);
    expect(rows[2]!.finalAccuracy).toEqual({ mean: null, std: null });
    expect(rows[3]!.finalAccuracy.std).toBeCloseTo(Math.SQRT1_2 * 0.05, 12);
  });

  it('writes one CSV row per grid point under a header of the varied paths', () => {
    const csv = resultsCsv(['crossbar.nonidealities.update-nonlinearity.v', 'crossbar.tile.rows'], rows).trimEnd().split('\n');
    expect(csv).toHaveLength(5);
    expect(csv[0]).toBe('crossbar.nonidealities.update-nonlinearity.v,crossbar.tile.rows,seeds,diverged,final_accuracy_mean,final_accuracy_std,best_accuracy_mean,best_accuracy_std,wall_seconds_mean');
    const cells = csv[1]!.split(',');
    expect(cells.slice(0, 4)).toEqual(['0.01', '32', '1 2 3', '']);
    expect(Number(cells[4])).toBeCloseTo(0.7333333333, 9);
    expect(csv[3]).toBe('0.01,64,,,,,,,');
    // A value with a comma is quoted.
    expect(resultsCsv(['x'], aggregate([{ id: 'q', values: ['[1, 2]'], numeric: [null], runs: [] }])).split('\n')[1]).toBe('"[1, 2]",,,,,,,');
  });
});

describe('sweepPlot', () => {
  it('draws one series per combination of the other params, with ± std error bars', () => {
    const svg = sweepPlot('study', ['v', 'rows'], aggregate(points));
    const series = [...svg.matchAll(/<g class="series" data-label="([^"]*)">/g)].map((m) => m[1]);
    expect(series).toEqual(['rows=32', 'rows=64']);
    // rows=32: both points have a completed run; rows=64: only v=1 has.
    const groups = svg.split('<g class="series"').slice(1);
    expect(groups[0]!.match(/<circle/g)).toHaveLength(2);
    expect(groups[1]!.match(/<circle/g)).toHaveLength(1);
    // Error bars only where the std is > 0: v=0.01,rows=32 (3 seeds) and v=1,rows=64 (2 seeds).
    expect(groups[0]!.match(/class="error-bar"/g)).toHaveLength(1);
    expect(groups[1]!.match(/class="error-bar"/g)).toHaveLength(1);
    // 0.01…1 spans 100×: log axis with a tick per swept value, labelled as typed.
    expect(svg).toContain('>0.01</text>');
    expect(svg).toContain('>1</text>');
    expect(svg).toContain('final test accuracy (%)');
  });

  it('spaces non-numeric values as categories', () => {
    const svg = sweepPlot('presets', ['preset'], aggregate([
      { id: 'a', values: ['ideal-crossbar'], numeric: [null], runs: [run('x', 1, [0.9])] },
      { id: 'b', values: ['txsim-agsi-reram'], numeric: [null], runs: [run('y', 1, [0.8])] },
    ]));
    expect(svg).toContain('>ideal-crossbar</text>');
    expect(svg).toContain('>txsim-agsi-reram</text>');
  });
});
