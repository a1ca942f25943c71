import { pluginContext, TEST_RANGE, updateContext } from '@txsim/core/testing';
import { Rng } from '@txsim/core';
import { describe, expect, it } from 'vitest';
import { updateNonlinearity } from './update-nonlinearity.js';

const { gmin, gmax } = TEST_RANGE;
const R = gmax - gmin;

function apply(v: number, g: Float64Array, delta: Float64Array) {
  const dst = new Float64Array(delta.length).fill(NaN);
  updateNonlinearity.create(pluginContext(), { v }).delta!(delta, dst, updateContext(g));
  return dst;
}

/** The asymmetric rule written out directly with Math.exp (the plugin uses expm1). */
function expected(v: number, g: number, d: number): number {
  const w0 = R / (1 - Math.exp(-v));
  if (d > 0) return (gmin + w0 - g) * (1 - Math.exp((-v * d) / R));
  if (d < 0) return (gmax - w0 - g) * (1 - Math.exp((v * d) / R));
  return 0;
}

const rng = new Rng('nl');
const G = rng.fillUniform(new Float64Array(1000), gmin, gmax) as Float64Array;
const D = rng.fillNormal(new Float64Array(1000), 0, 0.05 * R) as Float64Array;

describe('update-nonlinearity', () => {
  for (const v of [0.01, 0.1, 0.5, 1, 3]) {
    it(`follows the asymmetric rule at v = ${v}`, () => {
      const out = apply(v, G, D);
      for (let k = 0; k < D.length; k++) expect(out[k]! / expected(v, G[k]!, D[k]!) - 1).toBeCloseTo(0, 9);
    });
  }

  it('is exactly linear at v = 0 and tends to linear as v → 0', () => {
    expect(apply(0, G, D)).toEqual(D);
    for (const v of [1e-6, 1e-9, 1e-12]) {
      const out = apply(v, G, D);
      // The deviation is first order in v: |ΔG_NL/ΔG − 1| ≲ v (|ΔG|/R + 1).
      for (let k = 0; k < D.length; k++) expect(Math.abs(out[k]! / D[k]! - 1)).toBeLessThan(2 * v + 1e-12);
    }
  });

  it('writes 0 where no change is asked', () => {
    const d = Float64Array.from([0, 1e-8, 0, -1e-8]);
    const out = apply(1, G.subarray(0, 4), d);
    expect(out[0]).toBe(0);
    expect(out[2]).toBe(0);
  });

  // txsim-paper.md §3: gain of a small step relative to linear at each end of the range.
  // Rows: v, up at gmin, up at gmax, down at gmax, down at gmin.
  const table = [
    [0.01, 1.005, 0.995, 1.005, 0.995],
    [0.1, 1.05, 0.95, 1.05, 0.95],
    [0.5, 1.27, 0.77, 1.27, 0.77],
    [1, 1.57, 0.58, 1.57, 0.58],
  ] as const;
  it('reproduces the step-gain table of the reference (small steps at the range ends)', () => {
    const step = 1e-6 * R;
    const gain = (v: number, g: number, d: number) => apply(v, Float64Array.of(g), Float64Array.of(d))[0]! / d;
    for (const [v, upLow, upHigh, downHigh, downLow] of table) {
      // The table rounds to two places (1.57 at v = 1 is 1.582 exactly, v/(1 − e^−v)); allow 0.015.
      expect(Math.abs(gain(v, gmin, step) - upLow)).toBeLessThan(0.015);
      expect(Math.abs(gain(v, gmax, step) - upHigh)).toBeLessThan(0.015);
      expect(Math.abs(gain(v, gmax, -step) - downHigh)).toBeLessThan(0.015);
      expect(Math.abs(gain(v, gmin, -step) - downLow)).toBeLessThan(0.015);
      // The exact small-step gains: v/(1 − e^−v) at the favourable end, that minus v at the other.
      const high = v / (1 - Math.exp(-v));
      expect(gain(v, gmin, step)).toBeCloseTo(high, 5);
      expect(gain(v, gmax, step)).toBeCloseTo(high - v, 5);
    }
  });

  it('never steps past the asymptote: repeated increases stay below gmin + w0', () => {
    let g = gmin;
    const v = 1;
    for (let n = 0; n < 200; n++) g += apply(v, Float64Array.of(g), Float64Array.of(0.05 * R))[0]!;
    expect(g).toBeLessThan(gmin + R / (1 - Math.exp(-v)));
  });
});
