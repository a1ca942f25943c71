import { describe, expect, it } from 'vitest';
import { Rng, tileGeometry, type DeviceModel } from '@txsim/core';
import { countDiffering, pluginContext, sampleStats } from '@txsim/core/testing';
import { constantStep } from './constant-step.js';
import { drawHidden } from './engine.js';
import { powStep } from './pow-step.js';
import { powStepModel } from './pow-step.js';
import { softBounds } from './soft-bounds.js';

// Shared behaviour of the pulsed devices (peers.md b.2), exercised through constant-step (and soft-bounds
// where the order of pulses must show). Weight w ↔ g = gmin + (w − wMin)·S, S = (gmax − gmin)/(wMax − wMin).
const GMIN = 1e-6;
const GMAX = 13e-6;
const BIG = tileGeometry(100, 100, 100, 100); // 10⁴ cells per polarity
const PLUS = { polarity: 'plus' } as const;
const ctxU = (g: Float64Array) => ({ polarity: 'plus' as const, conductance: g, gmin: GMIN, gmax: GMAX });
const QUIET = { gmin: GMIN, gmax: GMAX, dwMinDtod: 0, dwMinStd: 0, upDownDtod: 0, wMaxDtod: 0, wMinDtod: 0 };

type Make = (p: object, seed?: string) => { dev: DeviceModel; S: number; wMin: number; toW: (g: number) => number; toG: (w: number) => number };
const maker = (plugin: typeof constantStep | typeof softBounds): Make => (p, seed = 'engine') => {
  const params = plugin.meta.params.parse(p);
  const dev = (plugin.create as (ctx: unknown, q: unknown) => DeviceModel)(pluginContext(seed, BIG), params);
  const S = (params.gmax - params.gmin) / (params.wMax - params.wMin);
  return { dev, S, wMin: params.wMin, toW: (g) => params.wMin + (g - params.gmin) / S, toG: (w) => params.gmin + (w - params.wMin) * S };
};
const constant = maker(constantStep);
const soft = maker(softBounds);
const N = BIG.paddedRows * BIG.paddedCols;
const filled = (v: number) => new Float64Array(N).fill(v);
const counts = (v: number) => new Float32Array(N).fill(v);

/** One pulse call; returns the new state. */
function pulse(dev: DeviceModel, g: Float64Array, up: number | Float32Array, down: number | Float32Array): Float64Array {
  const out = new Float64Array(N);
  dev.pulse!(g, typeof up === 'number' ? counts(up) : up, typeof down === 'number' ? counts(down) : down, out, ctxU(g));
  return out;
}

describe('pulsed devices: device-to-device sampling (b.2)', () => {
  it('draws Δ⁺ with mean dwMin and spread dwMin·√(dwMinDtod² + upDownDtod²), Δ⁻ shrunk by upDown', () => {
    const p = { ...QUIET, dwMin: 0.002, dwMinDtod: 0.2, upDownDtod: 0.05, upDown: 0.25 };
    const { dev, S, toW, toG } = constant(p);
    const g0 = filled(toG(0));
    const upSteps = Array.from(pulse(dev, g0, 1, 0), (g) => (toW(g) - 0) / p.dwMin);
    const downSteps = Array.from(pulse(dev, g0, 0, 1), (g) => -(toW(g) - 0) / p.dwMin);
    const up = sampleStats(upSteps);
    const down = sampleStats(downSteps);
    // upDown > 0 leaves Δ⁺ alone and takes upDown·dwMin off Δ⁻ (peers.md b.2: down_bias = −max(up_down, 0)).
    const spread = Math.hypot(0.2, 0.05);
    expect(up.mean).toBeCloseTo(1, 2);
    expect(down.mean).toBeCloseTo(0.75, 2);
    expect(up.std / spread).toBeGreaterThan(0.96);
    expect(up.std / spread).toBeLessThan(1.04);
    expect(down.std / spread).toBeGreaterThan(0.96);
    expect(down.std / spread).toBeLessThan(1.04);
    expect(dev.pulseStep).toBeCloseTo(p.dwMin * S, 18);
  });

  it('draws each device\'s bounds around wMax and wMin with relative spreads wMaxDtod and wMinDtod', () => {
    const p = { ...QUIET, dwMin: 0.05, wMax: 0.8, wMin: -0.4, wMaxDtod: 0.2, wMinDtod: 0.1 };
    const { dev, toW, toG } = constant(p);
    const top = sampleStats(Array.from(pulse(dev, filled(toG(0)), 100, 0), toW));
    const bottom = sampleStats(Array.from(pulse(dev, filled(toG(0)), 0, 100), toW));
    expect(top.mean).toBeCloseTo(0.8, 2);
    expect(top.std / (0.8 * 0.2)).toBeGreaterThan(0.96);
    expect(top.std / (0.8 * 0.2)).toBeLessThan(1.04);
    expect(bottom.mean).toBeCloseTo(-0.4, 2);
    expect(bottom.std / (0.4 * 0.1)).toBeGreaterThan(0.96);
    expect(bottom.std / (0.4 * 0.1)).toBeLessThan(1.04);
  });

  it('gives the minus array its own devices (plus and minus are different physical devices)', () => {
    const { dev, toG } = constant({ ...QUIET, dwMinDtod: 0.3 });
    const g = filled(toG(0));
    const plus = new Float64Array(N);
    const minus = new Float64Array(N);
    dev.pulse!(g, counts(1), counts(0), plus, ctxU(g));
    dev.pulse!(g, counts(1), counts(0), minus, { ...ctxU(g), polarity: 'minus' });
    expect(countDiffering(plus, minus)).toBeGreaterThan(N * 0.99);
  });

  it('sticks corrupt devices at one value within ±corruptDevicesRange, with probability corruptDevicesProb', () => {
    const { dev, toW, toG } = constant({ ...QUIET, dwMin: 0.01, corruptDevicesProb: 0.3, corruptDevicesRange: 0.05 });
    const a = Array.from(pulse(dev, filled(toG(0)), 200, 0), toW);
    const b = Array.from(pulse(dev, filled(toG(0)), 0, 200), toW);
    let stuck = 0;
    for (let k = 0; k < N; k++) {
      if (a[k] === b[k]) {
        stuck++;
        expect(Math.abs(a[k]!)).toBeLessThanOrEqual(0.05 + 1e-12);
      }
    }
    // Binomial(10⁴, 0.3): std 46 cells.
    expect(Math.abs(stuck - 0.3 * N)).toBeLessThan(250);
  });

  it('draws the same arrays from the same seed and others from another', () => {
    const p = { gmin: GMIN, gmax: GMAX, upDown: 0.1 };
    const g = filled(constant(p).toG(0.1));
    const a = pulse(constant(p, 's1').dev, g, 3, 1);
    const b = pulse(constant(p, 's1').dev, g, 3, 1);
    const c = pulse(constant(p, 's2').dev, g, 3, 1);
    expect(countDiffering(a, b)).toBe(0);
    expect(countDiffering(a, c)).toBeGreaterThan(N * 0.99);
    // The exponents of pow-step are drawn like the steps: gain 1 + powGammaDtod·ξ times powGamma.
    const pp = powStep.meta.params.parse({ powGamma: 2, powGammaDtod: 0.1 });
    const hidden = drawHidden(new Rng('h'), pp, N, powStepModel(pp));
    const gu = sampleStats(hidden.plus.gammaUp);
    expect(gu.mean).toBeCloseTo(2, 2);
    expect(gu.std / 0.2).toBeGreaterThan(0.96);
    expect(gu.std / 0.2).toBeLessThan(1.04);
    expect(Array.from(hidden.plus.gammaUp)).toEqual(Array.from(hidden.plus.gammaDown)); // no up/down bias or spread
  });
});

describe('pulsed devices: pulses', () => {
  it('spreads single steps cycle to cycle by dwMinStd (std of step/dwMin)', () => {
    const { dev, toW, toG } = constant({ ...QUIET, dwMin: 0.001, dwMinStd: 0.3 });
    const steps = sampleStats(Array.from(pulse(dev, filled(toG(0)), 1, 0), (g) => toW(g) / 0.001));
    expect(steps.mean).toBeCloseTo(1, 1);
    expect(steps.std / 0.3).toBeGreaterThan(0.96);
    expect(steps.std / 0.3).toBeLessThan(1.04);
  });

  it('alternates up and down pulses (up first) while both remain, then gives the rest', () => {
    // Soft bounds make the order visible: the step depends on the weight.
    const p = { ...QUIET, dwMin: 0.05, wMax: 1, wMin: -1 };
    const { dev, toW, toG } = soft(p);
    const upStep = (w: number) => w + 0.05 * (1 - w / 1);
    const downStep = (w: number) => w - 0.05 * (1 - w / -1);
    const w0 = 0.3;
    const order = (seq: string) => [...seq].reduce((w, c) => (c === 'u' ? upStep(w) : downStep(w)), w0);
    const up = new Float32Array(N);
    const down = new Float32Array(N);
    up[0] = 3; down[0] = 2; // u d u d u
    up[1] = 1; down[1] = 4; // u d d d d
    up[2] = 5; down[2] = 0;
    const out = pulse(dev, filled(toG(w0)), up, down);
    expect(toW(out[0]!)).toBeCloseTo(order('ududu'), 13);
    expect(Math.abs(order('ududu') - order('uuudd'))).toBeGreaterThan(1e-5);
    expect(toW(out[1]!)).toBeCloseTo(order('udddd'), 13);
    expect(toW(out[2]!)).toBeCloseTo(order('uuuuu'), 13);
    expect(out[3]).toBe(filled(toG(w0))[3]); // no pulses: untouched
  });

  it('treats an analog request as delta/pulseStep fractional pulses: step × n, noise × √n', () => {
    const p = { ...QUIET, dwMin: 0.001 };
    const { dev, toW, toG } = constant(p);
    const g = filled(toG(0));
    const delta = filled(2.5 * dev.pulseStep!);
    const out = new Float64Array(N);
    dev.respond!(g, delta, out, ctxU(g));
    for (let k = 0; k < N; k += 997) expect(toW(out[k]!)).toBeCloseTo(0.0025, 13);
    const noisy = constant({ ...p, dwMinStd: 0.4 }).dev;
    noisy.respond!(g, delta, out, ctxU(g));
    const steps = sampleStats(Array.from(out, (v) => toW(v) / 0.001));
    expect(steps.mean).toBeCloseTo(2.5, 1);
    const expected = 0.4 * Math.sqrt(2.5);
    expect(steps.std / expected).toBeGreaterThan(0.96);
    expect(steps.std / expected).toBeLessThan(1.04);
    // Negative requests depress; soft bounds evaluate the step once, at the present weight.
    const sb = soft({ ...QUIET, dwMin: 0.01, wMax: 1, wMin: -1 });
    const gs = filled(sb.toG(0.4));
    sb.dev.respond!(gs, filled(-3 * sb.dev.pulseStep!), out, ctxU(gs));
    expect(sb.toW(out[0]!)).toBeCloseTo(0.4 - 3 * 0.01 * (1 + 0.4), 13);
  });
});

describe('pulsed devices: write noise, decay, diffusion, reset', () => {
  it('adds write noise writeNoiseStd·dwMin to reads of written cells only, never to the stored state', () => {
    const p = { ...QUIET, dwMin: 0.002, writeNoiseStd: 5 };
    const { dev, S, toG } = constant(p);
    const clean = constant({ ...p, writeNoiseStd: 0 }).dev;
    const g = filled(toG(0));
    const up = counts(2);
    for (let k = 0; k < N; k += 2) up[k] = 0; // odd cells written
    const stored = pulse(dev, g, up, 0);
    expect(countDiffering(stored, pulse(clean, g, up, 0))).toBe(0);
    const read = new Float64Array(N);
    dev.read!(stored, read, PLUS);
    const written: number[] = [];
    for (let k = 0; k < N; k++) {
      if (k % 2 === 0) expect(read[k]).toBe(stored[k]);
      else written.push((read[k]! - stored[k]!) / S);
    }
    const noise = sampleStats(written);
    expect(Math.abs(noise.mean)).toBeLessThan(4 * (5 * 0.002) / Math.sqrt(written.length));
    expect(noise.std / (5 * 0.002)).toBeGreaterThan(0.96);
    expect(noise.std / (5 * 0.002)).toBeLessThan(1.04);
  });

  it('decays each mini-batch towards the reset weight: w ← (w − b)(1 − 1/lifetime) + b', () => {
    const { dev, toW, toG } = constant({ ...QUIET, lifetime: 20, reset: 0.1, resetStd: 0 });
    const g = Float64Array.from({ length: N }, (_, k) => toG(-0.5 + k / N));
    const w0 = Array.from(g, toW);
    dev.settle!(g, PLUS);
    for (let k = 0; k < N; k += 101) expect(toW(g[k]!)).toBeCloseTo((w0[k]! - 0.1) * (1 - 1 / 20) + 0.1, 13);
    // A device whose lifetime is ≤ 1 mini-batch forgets everything at once.
    const fast = constant({ ...QUIET, lifetime: 0.5, reset: -0.2 });
    const h = filled(fast.toG(0.4));
    fast.dev.settle!(h, PLUS);
    expect(fast.toW(h[0]!)).toBeCloseTo(-0.2, 13);
  });

  it('diffuses each mini-batch by a random walk of std diffusion·(1 + diffusionDtod·ξ)', () => {
    const { dev, toW, toG } = constant({ ...QUIET, diffusion: 0.01 });
    const g = filled(toG(0));
    dev.settle!(g, PLUS);
    const moves = sampleStats(Array.from(g, toW));
    expect(Math.abs(moves.mean)).toBeLessThan(4 * 0.01 / Math.sqrt(N));
    expect(moves.std / 0.01).toBeGreaterThan(0.96);
    expect(moves.std / 0.01).toBeLessThan(1.04);
    // Spread of the rates: the walk's std over devices is diffusion·√(1 + diffusionDtod²).
    const spread = constant({ ...QUIET, diffusion: 0.01, diffusionDtod: 0.5 });
    const h = filled(spread.toG(0));
    spread.dev.settle!(h, PLUS);
    const std = sampleStats(Array.from(h, spread.toW)).std / (0.01 * Math.hypot(1, 0.5));
    expect(std).toBeGreaterThan(0.96);
    expect(std).toBeLessThan(1.04);
  });

  it('resets to b + resetStd·ξ with b = reset + resetDtod·ξ fixed per device', () => {
    const { dev, toW, toG } = constant({ ...QUIET, reset: 0.1, resetDtod: 0.05, resetStd: 0.01 });
    const a = filled(toG(0.3));
    const b = filled(toG(-0.3));
    dev.reset!(a, PLUS);
    dev.reset!(b, PLUS);
    const first = sampleStats(Array.from(a, toW));
    expect(first.mean).toBeCloseTo(0.1, 2);
    expect(first.std / Math.hypot(0.05, 0.01)).toBeGreaterThan(0.96);
    expect(first.std / Math.hypot(0.05, 0.01)).toBeLessThan(1.04);
    // Two resets of the same devices differ only by the cycle-to-cycle part.
    const diff = sampleStats(Array.from(a, (v, k) => toW(v) - toW(b[k]!))).std / (0.01 * Math.SQRT2);
    expect(diff).toBeGreaterThan(0.96);
    expect(diff).toBeLessThan(1.04);
  });
});
