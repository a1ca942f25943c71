import { describe, expect, it } from 'vitest';
import { randomMatrix } from '../testing/fixtures.js';
import { Matrix } from './matrix.js';
import { relu, reluBackward, sigmoid, sigmoidBackward, softmaxCrossEntropy, sumColumns } from './ops.js';
import { ReferenceBackend } from './reference-backend.js';

describe('ops', () => {
  it('softmax cross-entropy gradient matches finite differences', () => {
    const logits = randomMatrix(3, 5, 'l', -2, 2);
    const labels = [0, 3, 4];
    const { grad } = softmaxCrossEntropy(logits, labels);
    const h = 1e-2;
    for (let k = 0; k < logits.data.length; k++) {
      const up = logits.clone();
      const down = logits.clone();
      up.data[k]! += h;
      down.data[k]! -= h;
      const numeric = (softmaxCrossEntropy(up, labels).loss - softmaxCrossEntropy(down, labels).loss) / (2 * h);
      expect(grad.data[k]).toBeCloseTo(numeric, 3);
    }
  });

  it('cross-entropy of uniform logits is log(classes) and stays finite for huge logits', () => {
    expect(softmaxCrossEntropy(new Matrix(2, 10), [1, 2]).loss).toBeCloseTo(Math.log(10), 6);
    const big = Matrix.from([[1e4, 0, -1e4]]);
    expect(softmaxCrossEntropy(big, [0]).loss).toBeCloseTo(0, 6);
    expect(softmaxCrossEntropy(big, [2]).loss).toBeCloseTo(2e4, 0);
  });

  it('activation derivatives match finite differences', () => {
    const x = randomMatrix(2, 7, 'x', -3, 3);
    const dy = randomMatrix(2, 7, 'dy');
    const ds = sigmoidBackward(sigmoid(x), dy);
    const dr = reluBackward(x, dy);
    for (let k = 0; k < x.data.length; k++) {
      const v = x.data[k]!;
      const s = (t: number) => 1 / (1 + Math.exp(-t));
      expect(ds.data[k]).toBeCloseTo(dy.data[k]! * ((s(v + 1e-4) - s(v - 1e-4)) / 2e-4), 4);
      expect(dr.data[k]).toBe(v > 0 ? dy.data[k] : 0);
    }
    expect(Math.min(...relu(x).data)).toBe(0);
  });

  it('reference GEMM handles every transpose combination', () => {
    const a = Matrix.from([[1, 2], [3, 4], [5, 6]]);
    const b = Matrix.from([[1, 0, 2], [0, 1, 3]]);
    const be = new ReferenceBackend();
    const c = new Matrix(3, 3);
    be.gemm(a, b, c);
    expect(c.toArrays()).toEqual([[1, 2, 8], [3, 4, 18], [5, 6, 28]]);
    const ct = new Matrix(3, 3);
    be.gemm(a.transpose(), b.transpose(), ct, { transA: true, transB: true, alpha: 2 });
    expect(ct.toArrays()).toEqual([[2, 4, 16], [6, 8, 36], [10, 12, 56]]);
    be.gemm(a, b, ct, { beta: -0.5 });
    expect(ct.get(0, 2)).toBe(8 - 8);
    expect(Array.from(sumColumns(a))).toEqual([9, 12]);
  });
});
