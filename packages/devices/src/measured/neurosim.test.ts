import { describe, expect, it } from 'vitest';
import { tileGeometry, type PluginContext } from '@txsim/core';
import { pluginContext, sampleStats, updateContext } from '@txsim/core/testing';
import { neurosim } from './neurosim.js';
import { nonlinearityLabel, normalisedA } from './neurosim-table.js';

// NeuroSim's table entries for the Ag:a-Si labels, copied from MLP+NeuroSim V3.0 formula.cpp (getParamA):
// index (int)(|NL|·100) − 1, entry 239 for 2.40 and 487 for 4.88.
const A_NORM_2_40 = 0.499181;
const A_NORM_4_88 = 0.200303;
const GMIN = 3.0769e-9;
const GMAX = 3.8462e-8;

/** NeuroSim's NonlinearWeight and InvNonlinearWeight, written out as published (formula.cpp). */
const weight = (x: number, A: number, P: number) => ((GMAX - GMIN) / (1 - Math.exp(-P / A))) * (1 - Math.exp(-x / A)) + GMIN;
const position = (g: number, A: number, P: number) => -A * Math.log(1 - (g - GMIN) / ((GMAX - GMIN) / (1 - Math.exp(-P / A))));

const parse = (o: object) => neurosim.meta.params.parse(o);
const ctxOf = (rows: number, cols: number, seed = 'ns'): PluginContext => ({ ...pluginContext(seed), geometry: tileGeometry(rows, cols, rows, cols) });

describe('NeuroSim nonlinearity table', () => {
  it('returns the published entries on the 0.01 grid and interpolates between them', () => {
    expect(normalisedA(2.4)).toBeCloseTo(A_NORM_2_40, 9);
    expect(normalisedA(-4.88)).toBeCloseTo(-A_NORM_4_88, 9);
    // Other entries of the published table (documents/Nonlinearity-NormA.htm): 0.01 → 126.269, 1.51 → 0.8195, 7.51 → 0.0702.
    expect(normalisedA(0.01)).toBeCloseTo(126.268958, 5);
    expect(normalisedA(1.51)).toBeCloseTo(0.8195, 4);
    expect(normalisedA(7.51)).toBeCloseTo(0.0702, 4);
    // Between 1.51 (0.819477) and 1.52 (0.813863): strictly inside the bracket.
    const mid = normalisedA(1.515);
    expect(mid).toBeLessThan(0.819477);
    expect(mid).toBeGreaterThan(0.813863);
    expect(nonlinearityLabel(normalisedA(3.333))).toBeCloseTo(3.333, 6);
    expect(nonlinearityLabel(normalisedA(-0.63))).toBeCloseTo(-0.63, 6);
  });
});

describe('neurosim device', () => {
  it('follows NeuroSim\'s formula over a full sweep, 0 → P up one pulse at a time, then down to Gmin', () => {
    const p = parse({ sigmaC2c: 0 });
    const dev = neurosim.create(ctxOf(1, 1), p);
    const Au = A_NORM_2_40 * 97;
    const Ad = -A_NORM_4_88 * 100;
    let g = Float64Array.of(GMIN);
    const one = Float32Array.of(1);
    const zero = Float32Array.of(0);
    let worst = 0;
    for (let i = 1; i <= 97; i++) {
      const out = new Float64Array(1);
      dev.pulse!(g, one, zero, out, updateContext(g));
      worst = Math.max(worst, Math.abs(out[0]! - weight(i, Au, 97)) / (GMAX - GMIN));
      g = out;
    }
    expect(g[0]).toBeCloseTo(GMAX, 20);
    for (let j = 1; j <= 100; j++) {
      const out = new Float64Array(1);
      dev.pulse!(g, zero, one, out, updateContext(g));
      worst = Math.max(worst, Math.abs(out[0]! - weight(100 - j, Ad, 100)) / (GMAX - GMIN));
      g = out;
    }
    expect(g[0]).toBeCloseTo(GMIN, 20);
    expect(worst).toBeLessThan(1e-12);
    expect(dev.pulseStep).toBeCloseTo((GMAX - GMIN) / 97, 25);
  });

  it('applies several pulses at once as NeuroSim does, and interleaves up and down pulses', () => {
    const dev = neurosim.create(ctxOf(1, 3), parse({ sigmaC2c: 0 }));
    const Au = A_NORM_2_40 * 97;
    const Ad = -A_NORM_4_88 * 100;
    const g0 = 1.5e-8;
    const g = Float64Array.of(g0, g0, g0);
    const out = new Float64Array(3);
    dev.pulse!(g, Float32Array.of(5, 0, 3), Float32Array.of(0, 7, 2), out, updateContext(g));
    expect(out[0]! / weight(position(g0, Au, 97) + 5, Au, 97)).toBeCloseTo(1, 12);
    expect(out[1]! / weight(position(g0, Ad, 100) - 7, Ad, 100)).toBeCloseTo(1, 12);
    // up, down, up, down, up — each pulse from the state the last one left.
    let s = g0;
    for (const dir of [1, -1, 1, -1, 1]) s = dir > 0 ? weight(position(s, Au, 97) + 1, Au, 97) : weight(position(s, Ad, 100) - 1, Ad, 100);
    expect(out[2]! / s).toBeCloseTo(1, 12);
    // The pair does not cancel on asymmetric curves: the result differs from one plain up pulse.
    expect(Math.abs(out[2]! - weight(position(g0, Au, 97) + 1, Au, 97))).toBeGreaterThan(1e-12);
  });

  it('treats an analog change as delta/pulseStep fractional pulses', () => {
    const dev = neurosim.create(ctxOf(1, 2), parse({ sigmaC2c: 0 }));
    const Au = A_NORM_2_40 * 97;
    const Ad = -A_NORM_4_88 * 100;
    const g = Float64Array.of(1e-8, 2e-8);
    const out = new Float64Array(2);
    const step = (GMAX - GMIN) / 97;
    dev.respond!(g, Float64Array.of(2.5 * step, -0.4 * step), out, updateContext(g));
    expect(out[0]! / weight(position(1e-8, Au, 97) + 2.5, Au, 97)).toBeCloseTo(1, 12);
    expect(out[1]! / weight(position(2e-8, Ad, 100) - 0.4, Ad, 100)).toBeCloseTo(1, 12);
  });

  it('adds cycle-to-cycle noise with std σ·(Gmax − Gmin)·√n', () => {
    const rows = 200;
    const cols = 200;
    const noisy = neurosim.create(ctxOf(rows, cols, 'c2c'), parse({ sigmaC2c: 0.02 }));
    const clean = neurosim.create(ctxOf(rows, cols, 'c2c'), parse({ sigmaC2c: 0 }));
    const n = rows * cols;
    const g = new Float64Array(n).fill((GMIN + GMAX) / 2);
    for (const pulses of [1, 4, 9]) {
      const up = new Float32Array(n).fill(pulses);
      const zero = new Float32Array(n);
      const a = new Float64Array(n);
      const b = new Float64Array(n);
      noisy.pulse!(g, up, zero, a, updateContext(g));
      clean.pulse!(g, up, zero, b, updateContext(g));
      const { mean, std } = sampleStats(a.map((v, k) => v - b[k]!));
      const expected = 0.02 * (GMAX - GMIN) * Math.sqrt(pulses);
      expect(Math.abs(mean)).toBeLessThan(0.02 * expected);
      expect(std / expected).toBeGreaterThan(0.97);
      expect(std / expected).toBeLessThan(1.03);
    }
  });

  it('spreads each device\'s labels by σ_d2d, independently for LTP and LTD and per polarity', () => {
    const rows = 80;
    const cols = 80;
    const dev = neurosim.create(ctxOf(rows, cols, 'd2d'), parse({ sigmaC2c: 0, sigmaD2d: 0.3, maxLevel: 50, maxLevelLtd: 50 }));
    const n = rows * cols;
    const one = new Float32Array(n).fill(1);
    const zero = new Float32Array(n);
    // One pulse from the end of a curve reveals A: G1/R = (1 − e^(−1/A))/(1 − e^(−P/A)) (solved by bisection here).
    const labels = (from: number, up: boolean, polarity: 'plus' | 'minus') => {
      const g = new Float64Array(n).fill(from);
      const out = new Float64Array(n);
      dev.pulse!(g, up ? one : zero, up ? zero : one, out, updateContext(g, polarity));
      return Array.from(out, (v) => {
        const target = up ? (v - GMIN) / (GMAX - GMIN) : (v - GMIN) / (GMAX - GMIN);
        const x = up ? 1 : 49;
        const f = (A: number) => (1 - Math.exp(-x / A)) / (1 - Math.exp(-50 / A)) - target;
        // A > 0 for the LTP labels around 2.4, A < 0 for the LTD labels around −4.88.
        let lo = up ? 1 : -200;
        let hi = up ? 200 : -1;
        for (let i = 0; i < 70; i++) {
          const m = (lo + hi) / 2;
          if (Math.sign(f(m)) === Math.sign(f(lo))) lo = m;
          else hi = m;
        }
        return nonlinearityLabel((lo + hi) / 2 / 50);
      });
    };
    const ltpPlus = sampleStats(labels(GMIN, true, 'plus'));
    const ltpMinus = sampleStats(labels(GMIN, true, 'minus'));
    const ltdPlus = sampleStats(labels(GMAX, false, 'plus'));
    for (const [s, mean] of [[ltpPlus, 2.4], [ltpMinus, 2.4], [ltdPlus, -4.88]] as const) {
      expect(Math.abs(s.mean - mean)).toBeLessThan(0.015);
      expect(s.std).toBeGreaterThan(0.3 * 0.95);
      expect(s.std).toBeLessThan(0.3 * 1.05);
    }
    const plus = labels(GMIN, true, 'plus');
    const minus = labels(GMIN, true, 'minus');
    expect(plus.filter((v, k) => Math.abs(v - minus[k]!) < 1e-9).length).toBeLessThan(n / 100);
  });

  it('rejects gmax ≤ gmin and labels beyond the table', () => {
    expect(neurosim.meta.params.safeParse({ gmin: '10 uS', gmax: '1 uS' }).success).toBe(false);
    expect(neurosim.meta.params.safeParse({ nlLtp: 9.5 }).success).toBe(false);
    expect(parse({ gmin: '1 uS', gmax: '10 uS' }).gmax).toBeCloseTo(1e-5, 15);
  });
});
