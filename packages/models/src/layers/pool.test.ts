import { describe, expect, it } from 'vitest';
import { Matrix, Rng } from '@txsim/core';
import { AvgPool2dLayer, MaxPool2dLayer } from './pool.js';

/** Distinct inputs 0.05 apart in random order, so a ±1e-2 nudge never changes which input of a window is largest. */
function spacedInput(rows: number, cols: number, seed: string): Matrix {
  const order = Uint32Array.from({ length: rows * cols }, (_, i) => i);
  new Rng(seed).shuffle(order);
  const m = new Matrix(rows, cols);
  for (let i = 0; i < order.length; i++) m.data[i] = order[i]! * 0.05 - 1;
  return m;
}

/** L = Σ r·y; returns the analytic dL/dx and central differences of L for every input. */
function check(layer: MaxPool2dLayer | AvgPool2dLayer, x: Matrix, seed: string, eps = 1e-2) {
  const y0 = layer.forward(x, true);
  const r = new Rng(seed).fillUniform(new Float32Array(y0.data.length), -1, 1) as Float32Array;
  const analytic = layer.backward(new Matrix(y0.rows, y0.cols, r)).data;
  const loss = (m: Matrix) => layer.forward(m, false).data.reduce((s, v, i) => s + v * r[i]!, 0);
  const numeric = new Float64Array(x.data.length);
  for (let i = 0; i < x.data.length; i++) {
    const p = x.clone();
    const q = x.clone();
    p.data[i]! += eps;
    q.data[i]! -= eps;
    numeric[i] = (loss(p) - loss(q)) / (2 * eps);
  }
  return { analytic, numeric };
}

describe('pooling gradients against finite differences', () => {
  const shape = { channels: 3, height: 6, width: 7 };
  it('max pooling 2×2 (width 7: the last column is dropped, and gets no gradient)', () => {
    const pool = new MaxPool2dLayer('pool', shape);
    expect(pool.out).toEqual({ channels: 3, height: 3, width: 3 });
    const { analytic, numeric } = check(pool, spacedInput(2, 126, 'x'), 'r');
    for (let i = 0; i < numeric.length; i++) expect(analytic[i]).toBeCloseTo(numeric[i]!, 3);
    // Exactly one input per window receives gradient.
    expect(Array.from(analytic).filter((v) => v !== 0).length).toBe(2 * 27);
  });

  it('max pooling 3×3 with stride 2 (overlapping windows add their gradients)', () => {
    const pool = new MaxPool2dLayer('pool', shape, 3, 2);
    expect(pool.out).toEqual({ channels: 3, height: 2, width: 3 });
    const { analytic, numeric } = check(pool, spacedInput(2, 126, 'x2'), 'r2');
    for (let i = 0; i < numeric.length; i++) expect(analytic[i]).toBeCloseTo(numeric[i]!, 3);
  });

  it('average pooling 2×2 and global average pooling', () => {
    for (const pool of [new AvgPool2dLayer('avg', shape), new AvgPool2dLayer('gap', { channels: 2, height: 4, width: 4 }, 4)]) {
      const cols = pool.input.channels * pool.input.height * pool.input.width;
      const x = new Matrix(3, cols, new Rng('a').fillUniform(new Float32Array(3 * cols), -1, 1) as Float32Array);
      const { analytic, numeric } = check(pool, x, 'ra');
      for (let i = 0; i < numeric.length; i++) expect(analytic[i]).toBeCloseTo(numeric[i]!, 3);
    }
  });

  it('computes the window maxima and means', () => {
    const x = Matrix.from([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]]);
    expect(Array.from(new MaxPool2dLayer('m', { channels: 1, height: 4, width: 4 }).forward(x, false).data)).toEqual([6, 8, 14, 16]);
    expect(Array.from(new AvgPool2dLayer('a', { channels: 1, height: 4, width: 4 }).forward(x, false).data)).toEqual([3.5, 5.5, 11.5, 13.5]);
  });
});
