import type { Dataset } from '@txsim/core';
import { describe, expect, it } from 'vitest';
import { syntheticDataset } from './synthetic.js';

const options = { shape: [1, 6, 6] as const, classes: 4, trainSize: 400, testSize: 200, seed: 7 };

/** Softmax regression by plain full-batch gradient descent, written here from the textbook formula. */
function linearClassifierAccuracy(train: Dataset, test: Dataset, classes: number, steps: number): number {
  const d = train.inputs.cols;
  const w = new Float64Array((d + 1) * classes);
  const scores = (x: Float32Array, row: number) => {
    const s = new Float64Array(classes);
    for (let c = 0; c < classes; c++) {
      let v = w[d * classes + c]!;
      for (let k = 0; k < d; k++) v += x[row * d + k]! * w[k * classes + c]!;
      s[c] = v;
    }
    return s;
  };
  const n = train.labels.length;
  for (let step = 0; step < steps; step++) {
    const grad = new Float64Array(w.length);
    for (let i = 0; i < n; i++) {
      const s = scores(train.inputs.data, i);
      const top = Math.max(...s);
      let z = 0;
      for (let c = 0; c < classes; c++) z += (s[c] = Math.exp(s[c]! - top));
      for (let c = 0; c < classes; c++) {
        const g = s[c]! / z - (train.labels[i] === c ? 1 : 0);
        for (let k = 0; k < d; k++) grad[k * classes + c]! += g * train.inputs.data[i * d + k]!;
        grad[d * classes + c]! += g;
      }
    }
    for (let k = 0; k < w.length; k++) w[k]! -= (0.5 / n) * grad[k]!;
  }
  let correct = 0;
  for (let i = 0; i < test.labels.length; i++) {
    const s = scores(test.inputs.data, i);
    if (s.indexOf(Math.max(...s)) === test.labels[i]) correct++;
  }
  return correct / test.labels.length;
}

describe('synthetic data', () => {
  it('is a function of the seed alone', () => {
    const a = syntheticDataset(options);
    const b = syntheticDataset(options);
    expect(a.train.data.inputs.data).toEqual(b.train.data.inputs.data);
    expect(a.test.data.labels).toEqual(b.test.data.labels);
    const c = syntheticDataset({ ...options, seed: 8 });
    expect(c.train.data.inputs.data).not.toEqual(a.train.data.inputs.data);
  });

  it('draws the test set independently of the training set size (and any prefix is the smaller set)', () => {
    const a = syntheticDataset(options);
    const b = syntheticDataset({ ...options, trainSize: 50, testSize: 20 });
    expect(b.test.data.inputs.data).toEqual(a.test.data.inputs.data.subarray(0, 20 * 36));
    expect(b.train.data.inputs.data).toEqual(a.train.data.inputs.data.subarray(0, 50 * 36));
  });

  it('has the planned shape, balanced labels and pixels in [0, 1]', () => {
    const { train, test } = syntheticDataset(options);
    expect(train.shape).toEqual([1, 6, 6]);
    expect(train.data.inputs.rows).toBe(400);
    expect(test.data.inputs.cols).toBe(36);
    const counts = [0, 0, 0, 0];
    for (const l of train.data.labels) counts[l]!++;
    expect(counts).toEqual([100, 100, 100, 100]);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of train.data.inputs.data) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(1);
    expect(hi - lo).toBeGreaterThan(0.5);
  });

  it('is separable: a linear classifier trained a little beats chance clearly, and fails on shuffled labels', () => {
    const { train, test } = syntheticDataset(options);
    const accuracy = linearClassifierAccuracy(train.data, test.data, 4, 60);
    expect(accuracy).toBeGreaterThan(0.8); // chance is 0.25
    // The same classifier on labels that carry no information stays near chance: the test can fail.
    const shuffled = { inputs: train.data.inputs, labels: train.data.labels.map((_, i) => (i * 7 + (i >> 2)) % 4) };
    expect(linearClassifierAccuracy(shuffled, test.data, 4, 60)).toBeLessThan(0.45);
  });
});
