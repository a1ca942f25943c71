import { describe, expect, it } from 'vitest';
import { Matrix, Rng, tileGeometry, type UpdateRuleModel } from '@txsim/core';
import { pluginContext } from '@txsim/core/testing';
import { pulseCount } from './pulse-count.js';

const G = tileGeometry(6, 5, 4, 4); // padded 8 × 8
const N = G.paddedRows * G.paddedCols;
const SPW = 2e-6;
const STEP = 5e-9;
const ETA = 0.05;

function make(opts: object, seed = 'pc'): UpdateRuleModel {
  return pulseCount.create(pluginContext(seed, G), pulseCount.meta.params.parse(opts));
}

function apply(r: UpdateRuleModel, grad: Float32Array, eta = ETA, siemensPerWeight = SPW, pulseStep = STEP) {
  const out = { want: new Float64Array(N), up: new Float32Array(N).fill(NaN), down: new Float32Array(N).fill(NaN) };
  const x = new Matrix(1, G.rows);
  const d = new Matrix(1, G.cols);
  expect(r.update({ grad, x, d, learningRate: eta, siemensPerWeight, pulseStep, coincidenceStep: 2 * pulseStep, geometry: G }, out)).toBe('pulses');
  return out;
}

/** The wanted weight change −η·∇W in pulse pairs: each pair changes G+ − G− by 2·pulseStep. */
const wantedPulses = (g: number, eta = ETA) => (-eta * g * SPW) / (2 * STEP);

describe('pulse-count', () => {
  const grad = new Rng('grad').fillUniform(new Float32Array(N), -2, 2) as Float32Array;

  it('rounds |Δw|·s/(2·pulseStep) to the nearest count, raising the weight against the gradient', () => {
    const out = apply(make({}), grad);
    for (let k = 0; k < N; k++) {
      const w = wantedPulses(grad[k]!);
      const n = Math.floor(Math.abs(w) + 0.5);
      expect([out.up[k], out.down[k]]).toEqual(w > 0 ? [n, 0] : [0, n]);
    }
    expect(out.up.some((v) => v > 0) && out.down.some((v) => v > 0)).toBe(true);
  });

  it('rounds halves away from zero and keeps signs on exact cases', () => {
    // η = 0.5, s = 1 S, pulseStep = 0.25 S: −η·g·s/(2·step) = −g exactly, so g = −2.5 wants +2.5 pulses.
    const g = new Float32Array(N);
    g[0] = -2.5;
    g[1] = 2.5;
    g[2] = 1.49;
    g[3] = -3.5;
    const out = apply(make({}), g, 0.5, 1, 0.25);
    expect(Array.from(out.up.subarray(0, 5))).toEqual([3, 0, 0, 4, 0]);
    expect(Array.from(out.down.subarray(0, 5))).toEqual([0, 3, 1, 0, 0]);
  });

  it('caps the count at maxPulses', () => {
    const out = apply(make({ maxPulses: 3 }), grad);
    for (let k = 0; k < N; k++) {
      const n = Math.min(3, Math.round(Math.abs(wantedPulses(grad[k]!))));
      expect(out.up[k]! + out.down[k]!).toBe(n);
    }
    expect(Math.max(...out.up, ...out.down)).toBe(3);
  });

  it('rounds stochastically to a neighbouring count with the fraction as the chance of rounding up', () => {
    const r = make({ rounding: 'stochastic' });
    const reps = 4000;
    const sum = new Float64Array(N);
    for (let t = 0; t < reps; t++) {
      const out = apply(r, grad);
      for (let k = 0; k < N; k++) {
        const w = Math.abs(wantedPulses(grad[k]!));
        const n = out.up[k]! + out.down[k]!;
        if (n !== Math.floor(w) && n !== Math.ceil(w)) expect(n, `cell ${k}: ${w} wanted`).toBe(Math.floor(w));
        sum[k]! += n;
      }
    }
    for (let k = 0; k < N; k++) {
      const w = Math.abs(wantedPulses(grad[k]!));
      const frac = w - Math.floor(w);
      const sd = Math.sqrt((frac * (1 - frac)) / reps);
      expect(Math.abs(sum[k]! / reps - w)).toBeLessThanOrEqual(5 * sd + 1e-9);
    }
  });

  it('sends nothing for a zero gradient or learning rate', () => {
    const zero = apply(make({}), new Float32Array(N));
    expect(zero.up.every((v) => v === 0) && zero.down.every((v) => v === 0)).toBe(true);
    const still = apply(make({}), grad, 0);
    expect(still.up.every((v) => v === 0) && still.down.every((v) => v === 0)).toBe(true);
  });
});
