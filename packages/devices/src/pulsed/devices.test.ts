import { describe, expect, it } from 'vitest';
import { tileGeometry, type AnyPlugin, type DeviceModel } from '@txsim/core';
import { maxRelativeDifference, pluginContext, sampleStats } from '@txsim/core/testing';
import { constantStep } from './constant-step.js';
import { expStep } from './exp-step.js';
import { linearStep } from './linear-step.js';
import { piecewiseStep } from './piecewise-step.js';
import { powStep } from './pow-step.js';
import { softBounds } from './soft-bounds.js';

// Each device's pulse response, checked against its update-once rule written out here from peers.md b.3,
// in weight units, with every spread off (so all devices share Δ⁺ = (1 + min(upDown, 0))·dwMin,
// Δ⁻ = (1 − max(upDown, 0))·dwMin and the bounds wMin, wMax).
const GMIN = 1e-6;
const GMAX = 11e-6;
const QUIET = { gmin: GMIN, gmax: GMAX, dwMinDtod: 0, dwMinStd: 0, upDownDtod: 0, wMaxDtod: 0, wMinDtod: 0 };
const SMALL = tileGeometry(3, 4, 3, 4);
const clip = (w: number, lo: number, hi: number) => Math.min(Math.max(w, lo), hi);

interface Case {
  plugin: AnyPlugin;
  params: Record<string, unknown>;
  /** One update-once in weight units (up = potentiation), clipped to [wMin, wMax]. */
  step(w: number, up: boolean): number;
}

const exp = { aUp: 0.00081, aDown: 0.36833, gammaUp: 12.44625, gammaDown: 12.78785, a: 0.244, b: 0.2425 };

const CASES: Record<string, Case> = {
  'constant-step': {
    plugin: constantStep as unknown as AnyPlugin,
    params: { dwMin: 0.01, upDown: 0.2, wMax: 0.6, wMin: -0.6 },
    step: (w, up) => clip(up ? w + 0.01 : w - 0.008, -0.6, 0.6),
  },
  'linear-step': {
    plugin: linearStep as unknown as AnyPlugin,
    params: { dwMin: 0.01, upDown: -0.1, wMax: 0.8, wMin: -0.6, gammaUp: 0.3, gammaDown: 0.5, gammaUpDtod: 0, gammaDownDtod: 0 },
    // s⁺ = −γ⁺Δ⁺/wMax, s⁻ = −γ⁻Δ⁻/wMin (mean bound reference); w ± (s·w + Δ).
    step: (w, up) => {
      const dUp = 0.009;
      const dDown = 0.01;
      return clip(up ? w + ((-0.3 * dUp) / 0.8) * w + dUp : w - (((-0.5 * dDown) / -0.6) * w + dDown), -0.6, 0.8);
    },
  },
  'soft-bounds': {
    plugin: softBounds as unknown as AnyPlugin,
    params: { dwMin: 0.01, upDown: -0.1, wMax: 1, wMin: -0.5 },
    step: (w, up) => clip(up ? w + 0.009 * (1 - w / 1) : w - 0.01 * (1 - w / -0.5), -0.5, 1),
  },
  'exp-step': {
    plugin: expStep as unknown as AnyPlugin,
    params: { dwMin: 0.005, wMax: 0.6, wMin: -0.6 },
    step: (w, up) => {
      const z = (2 * exp.a * w) / (0.6 - -0.6) + exp.b;
      const y = up ? Math.max(1 - exp.aUp * Math.exp(exp.gammaUp * z), 0) : Math.max(1 - exp.aDown * Math.exp(-exp.gammaDown * z), 0);
      return clip(up ? w + y * 0.005 : w - y * 0.005, -0.6, 0.6);
    },
  },
  'pow-step': {
    plugin: powStep as unknown as AnyPlugin,
    // γ⁺ = (1 + 0)·2 = 2, γ⁻ = (1 − 0.3)·2 = 1.4.
    params: { dwMin: 0.02, wMax: 0.7, wMin: -0.5, powGamma: 2, powGammaDtod: 0, powUpDown: 0.3 },
    step: (w, up) => clip(up ? w + 0.02 * ((0.7 - w) / 1.2) ** 2 : w - 0.02 * ((w + 0.5) / 1.2) ** 1.4, -0.5, 0.7),
  },
  'piecewise-step': {
    plugin: piecewiseStep as unknown as AnyPlugin,
    params: { dwMin: 0.01, wMax: 0.6, wMin: -0.6, piecewiseUp: [1, 0.5, 0.2], piecewiseDown: [0.3, 0.8, 1.2] },
    step: (w, up) => {
      const nodes = up ? [1, 0.5, 0.2] : [0.3, 0.8, 1.2];
      const u = Math.max(((w + 0.6) / 1.2) * 2, 0);
      const j = Math.min(Math.floor(u), 1);
      const t = Math.min(u - j, 1);
      const rel = (1 - t) * nodes[j]! + t * nodes[j + 1]!;
      return clip(up ? w + 0.01 * rel : w - 0.01 * rel, -0.6, 0.6);
    },
  },
};

function make(c: Case, extra: object = {}, geometry = SMALL, seed = 'sweep') {
  const params = c.plugin.meta.params.parse({ ...QUIET, ...c.params, ...extra }) as { wMin: number; wMax: number; gmin: number; gmax: number };
  const dev = (c.plugin.create as (ctx: unknown, p: unknown) => DeviceModel)(pluginContext(seed, geometry), params);
  const S = (params.gmax - params.gmin) / (params.wMax - params.wMin);
  return { dev, toG: (w: number) => params.gmin + (w - params.wMin) * S, toW: (g: number) => params.wMin + (g - params.gmin) / S };
}

function pulseAll(dev: DeviceModel, g: Float64Array, up: number, down: number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(g.length);
  dev.pulse!(g, new Float32Array(g.length).fill(up), new Float32Array(g.length).fill(down), out, { polarity: 'plus', conductance: g, gmin: GMIN, gmax: GMAX });
  return out;
}

describe.each(Object.keys(CASES))('%s: full up/down sweep against its update-once rule', (name) => {
  const c = CASES[name]!;
  const PULSES = 250;

  it('matches the rule pulse by pulse from b_min to the top and back (noise off)', () => {
    const { dev, toG } = make(c);
    const wMin = c.params.wMin as number;
    const n = SMALL.paddedRows * SMALL.paddedCols;
    let g = new Float64Array(n).fill(toG(wMin));
    let w = wMin;
    const seen: number[] = [];
    const expected: number[] = [];
    for (let p = 0; p < 2 * PULSES; p++) {
      const up = p < PULSES;
      g = pulseAll(dev, g, up ? 1 : 0, up ? 0 : 1);
      w = c.step(w, up);
      seen.push(g[0]!, g[n - 1]!);
      expected.push(toG(w), toG(w));
    }
    expect(maxRelativeDifference(seen, expected)).toBeLessThan(1e-12);
    // The sweep really moves: well up from the bottom, then back down.
    const top = Math.max(...expected);
    expect((top - GMIN) / (GMAX - GMIN)).toBeGreaterThan(0.3);
  });

  it('applies a train of pulses in one call as it applies them one by one', () => {
    const { dev, toG } = make(c);
    const n = SMALL.paddedRows * SMALL.paddedCols;
    let one = new Float64Array(n).fill(toG(0.05));
    for (let p = 0; p < 40; p++) one = pulseAll(dev, one, 1, 0);
    const train = pulseAll(dev, new Float64Array(n).fill(toG(0.05)), 40, 0);
    expect(maxRelativeDifference(train, one)).toBeLessThan(1e-13);
  });
});

describe('device-specific noise', () => {
  const BIG = tileGeometry(100, 100, 100, 100);
  const N = BIG.paddedRows * BIG.paddedCols;

  it('linear-step: multiplicative noise scales the whole step, additive noise only Δ', () => {
    const c = CASES['linear-step']!;
    const w0 = 0.5;
    const mean = c.step(w0, true) - w0;
    for (const [multNoise, std] of [[true, 0.2 * mean], [false, 0.2 * 0.009]] as const) {
      const { dev, toG, toW } = make(c, { dwMinStd: 0.2, multNoise }, BIG);
      const steps = sampleStats(Array.from(pulseAll(dev, new Float64Array(N).fill(toG(w0)), 1, 0), (g) => toW(g) - w0));
      expect(steps.mean / mean).toBeCloseTo(1, 2);
      expect(steps.std / std).toBeGreaterThan(0.96);
      expect(steps.std / std).toBeLessThan(1.04);
    }
  });

  it('exp-step: cycle-to-cycle spread σ·y·Δ, and σ(|dw| + dwMinStdAdd + dwMinStdSlope·|w|) with complex noise', () => {
    const c = CASES['exp-step']!;
    const w0 = -0.2;
    // Wide bounds so no step is clipped; z scales with the bound range: z = 2a·w/(5 − (−5)) + b.
    const z = (2 * exp.a * w0) / 10 + exp.b;
    const dw = Math.max(1 - exp.aUp * Math.exp(exp.gammaUp * z), 0) * 0.005;
    const cases = [
      [{ dwMinStd: 0.5 }, 0.5 * dw],
      [{ dwMinStd: 0.5, dwMinStdAdd: 0.004, dwMinStdSlope: 0.01 }, 0.5 * (dw + 0.004 + 0.01 * 0.2)],
    ] as const;
    for (const [extra, std] of cases) {
      const { dev, toG, toW } = make(c, { ...extra, wMax: 5, wMin: -5 }, BIG);
      const steps = sampleStats(Array.from(pulseAll(dev, new Float64Array(N).fill(toG(w0)), 1, 0), (g) => toW(g) - w0));
      expect(steps.mean / dw).toBeCloseTo(1, 1);
      expect(steps.std / std).toBeGreaterThan(0.96);
      expect(steps.std / std).toBeLessThan(1.04);
    }
  });
});
