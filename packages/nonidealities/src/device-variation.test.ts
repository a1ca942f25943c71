import { tileGeometry } from '@txsim/core';
import { pluginContext, randomConductances, sampleStats, countDiffering } from '@txsim/core/testing';
import { describe, expect, it } from 'vitest';
import { deviceVariation } from './device-variation.js';


// 512 × 512 cells: the standard error of a sample std of σ is σ/√(2n) ≈ 0.14 % of σ.
const GEO = tileGeometry(500, 500, 64, 64);
const N = GEO.paddedRows * GEO.paddedCols;

function factors(params: { sigma: number; distribution: 'normal' | 'lognormal' }, polarity: 'plus' | 'minus' = 'plus', seed = 'dv') {
  const hooks = deviceVariation.create(pluginContext(seed, GEO), params);
  const dst = new Float64Array(N);
  hooks.conductance!(new Float64Array(N).fill(1), dst, { direction: 'forward', polarity });
  return dst;
}


describe('device-variation', () => {
  for (const distribution of ['lognormal', 'normal'] as const) {
    it(`${distribution} factors have mean 1 and relative std sigma`, () => {
      for (const sigma of [0.05, 0.1, 0.3]) {
        const f = factors({ sigma, distribution });
        const { mean, std } = sampleStats(f);
        expect(Math.abs(mean - 1)).toBeLessThan(5 * (sigma / Math.sqrt(N)) + (distribution === 'normal' ? 1e-4 : 0));
        expect(Math.abs(std / sigma - 1)).toBeLessThan(0.02);
      }
    });
  }

  it('lognormal factors are log-normal with s² = ln(1 + σ²) and always positive', () => {
    const sigma = 0.3;
    const f = factors({ sigma, distribution: 'lognormal' });
    expect(f.reduce((m, v) => Math.min(m, v))).toBeGreaterThan(0);
    const { mean, std } = sampleStats(f.map(Math.log));
    const s = Math.sqrt(Math.log(1 + sigma * sigma));
    expect(Math.abs(mean + (s * s) / 2)).toBeLessThan(5 * (s / Math.sqrt(N)));
    expect(Math.abs(std / s - 1)).toBeLessThan(0.02);
  });

  it('clamps normal factors at 0', () => {
    const f = factors({ sigma: 0.5, distribution: 'normal' });
    expect(f.reduce((m, v) => Math.min(m, v))).toBe(0);
    // P(1 + 0.5ξ < 0) = Φ(−2) ≈ 2.28 %.
    const zeros = f.filter((v) => v === 0).length / N;
    expect(zeros).toBeGreaterThan(0.02);
    expect(zeros).toBeLessThan(0.0255);
  });

  it('draws G+ and G− independently, once, and scales each conductance by its factor', () => {
    const p = { sigma: 0.1, distribution: 'lognormal' as const };
    const hooks = deviceVariation.create(pluginContext('dv', GEO), p);
    const g = randomConductances('g', GEO);
    const read = (polarity: 'plus' | 'minus', direction: 'forward' | 'backward' = 'forward') => {
      const dst = new Float64Array(N);
      hooks.conductance!(g, dst, { direction, polarity });
      return dst;
    };
    const plus = read('plus');
    expect(countDiffering(read('plus', 'backward'), plus)).toBe(0);
    const fPlus = factors(p, 'plus');
    const fMinus = factors(p, 'minus');
    for (const k of [0, 1, 777, N - 1]) expect(plus[k]).toBe(g[k]! * fPlus[k]!);
    let same = 0;
    for (let k = 0; k < N; k++) if (fPlus[k] === fMinus[k]) same++;
    expect(same).toBe(0);
  });
});
