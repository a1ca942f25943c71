import { describe, expect, it } from 'vitest';
import { Matrix, Rng } from '@txsim/core';
import { BatchNorm2dLayer } from './batch-norm.js';

const shape = { channels: 3, height: 2, width: 3 };
const cols = 18;
const batch = 4;

function setup() {
  const rng = new Rng('bn');
  const x = new Matrix(batch, cols, rng.fillUniform(new Float32Array(batch * cols), -2, 3) as Float32Array);
  const r = rng.fillUniform(new Float32Array(batch * cols), -1, 1) as Float32Array;
  const bn = new BatchNorm2dLayer('bn', shape);
  bn.gamma.set([1.5, -0.7, 0.9]);
  bn.beta.set([0.2, -0.1, 0.4]);
  return { x, r, bn };
}

/** L = Σ r·y with batch statistics (training mode), in float64. */
const loss = (bn: BatchNorm2dLayer, x: Matrix, r: Float32Array) => bn.forward(x, true).data.reduce((s, v, i) => s + v * r[i]!, 0);

describe('BatchNorm2dLayer', () => {
  it('normalises each channel over batch and positions (mean β, standard deviation |γ|)', () => {
    const { x, bn } = setup();
    const y = bn.forward(x, true);
    for (let c = 0; c < 3; c++) {
      const v: number[] = [];
      for (let n = 0; n < batch; n++) for (let p = 0; p < 6; p++) v.push(y.data[n * cols + c * 6 + p]!);
      const mean = v.reduce((a, b) => a + b) / v.length;
      const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
      expect(mean).toBeCloseTo(bn.beta[c]!, 5);
      expect(sd).toBeCloseTo(Math.abs(bn.gamma[c]!), 3);
    }
  });

  it('input, γ and β gradients match central differences', () => {
    const { x, r, bn } = setup();
    bn.forward(x, true);
    const dx = bn.backward(new Matrix(batch, cols, r)).data;
    const eps = 1e-3;
    for (let i = 0; i < x.data.length; i++) {
      const p = x.clone();
      const q = x.clone();
      p.data[i]! += eps;
      q.data[i]! -= eps;
      expect(dx[i]).toBeCloseTo((loss(bn, p, r) - loss(bn, q, r)) / (2 * eps), 2);
    }
    // Parameter gradients: read them through one SGD step of size 1 from a fresh layer.
    for (const which of ['gamma', 'beta'] as const) {
      for (let c = 0; c < 3; c++) {
        const f = setup();
        const base = f.bn[which][c]!;
        f.bn[which][c] = base + eps;
        const up = loss(f.bn, x, r);
        f.bn[which][c] = base - eps;
        const down = loss(f.bn, x, r);
        f.bn[which][c] = base;
        f.bn.forward(x, true);
        f.bn.backward(new Matrix(batch, cols, r));
        f.bn.update(1);
        expect(base - f.bn[which][c]!).toBeCloseTo((up - down) / (2 * eps), 2);
      }
    }
  });

  it('evaluates with running statistics and keeps them in its state', () => {
    const { x, bn } = setup();
    bn.forward(x, true);
    // After one batch from (mean 0, var 1): running = 0.9·initial + 0.1·batch (unbiased variance).
    const c = 1;
    const v: number[] = [];
    for (let n = 0; n < batch; n++) for (let p = 0; p < 6; p++) v.push(x.data[n * cols + c * 6 + p]!);
    const mean = v.reduce((a, b) => a + b) / v.length;
    const unbiased = v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1);
    expect(bn.runningMean[c]).toBeCloseTo(0.1 * mean, 5);
    expect(bn.runningVar[c]).toBeCloseTo(0.9 + 0.1 * unbiased, 5);
    const y = bn.forward(x, false);
    const k = 2 * cols + c * 6 + 4;
    expect(y.data[k]).toBeCloseTo(bn.gamma[c]! * (x.data[k]! - bn.runningMean[c]!) / Math.sqrt(bn.runningVar[c]! + 1e-5) + bn.beta[c]!, 5);
    const restored = new BatchNorm2dLayer('bn', shape);
    restored.restore(bn.state());
    expect(Array.from(restored.forward(x, false).data)).toEqual(Array.from(y.data));
  });
});
