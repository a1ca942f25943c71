import { describe, expect, it } from 'vitest';
import { kernels, Rng, tileGeometry, type DeviceModel } from '@txsim/core';
import { pulsedKernels } from '../kernels.js';
import { constantStep, constantStepModel } from './constant-step.js';
import { pulsedDevice, type PulsedModel } from './engine.js';
import { expStep, expStepModel } from './exp-step.js';
import type { PulsedHidden } from './hidden.js';
import { linearStep, linearStepModel } from './linear-step.js';
import { piecewiseStep, piecewiseStepModel } from './piecewise-step.js';
import { powStep, powStepModel } from './pow-step.js';

// The compiled analog update (assembly/pulsed.ts: pulsedRespond) against engine.ts respondScaled's TypeScript
// loop (the same model without `compiled`): the same seeds and requests give equal conductances, write-noise
// offsets and Rng states afterwards, bit for bit.
const GEO = tileGeometry(40, 30, 40, 30);
const N = GEO.paddedRows * GEO.paddedCols;
// Write noise on (offsets redrawn for the written cells), some corrupt devices (b_min = b_max: exp-step
// and pow-step leave them as they are, piecewise-step takes its first node).
const base = { gmin: 1e-6, gmax: 11e-6, dwMin: 0.01, dwMinStd: 0.3, upDown: 0.05, writeNoiseStd: 0.5, corruptDevicesProb: 0.1 };

const families: Array<[string, () => { p: object; model: (q: never) => PulsedModel<PulsedHidden> }]> = [
  ['constant-step', () => ({ p: constantStep.meta.params.parse(base), model: constantStepModel as never })],
  ['constant-step (no cycle-to-cycle noise)', () => ({ p: constantStep.meta.params.parse({ ...base, dwMinStd: 0 }), model: constantStepModel as never })],
  ['linear-step (mult noise)', () => ({ p: linearStep.meta.params.parse({ ...base, gammaUp: 0.3, gammaDown: 0.2 }), model: linearStepModel as never })],
  ['linear-step (additive noise)', () => ({ p: linearStep.meta.params.parse({ ...base, gammaUp: 0.3, multNoise: false }), model: linearStepModel as never })],
  ['exp-step', () => ({ p: expStep.meta.params.parse(base), model: expStepModel as never })],
  ['exp-step (complex noise, unbracketed bounds)', () => ({
    p: expStep.meta.params.parse({ ...base, dwMinStdAdd: 0.002, dwMinStdSlope: 0.1, enforceConsistency: false, wMinDtod: 2, wMaxDtod: 2 }),
    model: expStepModel as never,
  })],
  ['pow-step', () => ({ p: powStep.meta.params.parse({ ...base, powGamma: 1.5, powUpDownDtod: 0.05 }), model: powStepModel as never })],
  ['piecewise-step', () => ({ p: piecewiseStep.meta.params.parse({ ...base, piecewiseUp: [1.5, 1, 0.4, 0.1], piecewiseDown: [0.2, 0.6, 1, 1.4] }), model: piecewiseStepModel as never })],
];

/** The bits of each value (−0 and NaN payloads included). */
const bits = (a: Float64Array) => Array.from(new BigUint64Array(a.buffer, a.byteOffset, a.length));

/** Requests (siemens): most cells zero (±0), the rest spread over many magnitudes, some NaN, tiny or huge. */
function requests(seed: string): Float64Array {
  const r = new Rng(seed);
  const d = kernels.float64(N);
  for (let k = 0; k < N; k++) {
    const u = r.next();
    const sign = r.next() < 0.5 ? -1 : 1;
    if (u < 0.4) d[k] = 0;
    else if (u < 0.45) d[k] = -0;
    else if (u < 0.47) d[k] = NaN;
    else if (u < 0.5) d[k] = sign * 5e-324;
    else if (u < 0.53) d[k] = sign * 1e-30;
    else if (u < 0.56) d[k] = sign * 1e-3; // far past either bound
    else d[k] = sign * 1e-7 * 10 ** (3 * r.next() - 2);
  }
  return d;
}

describe('the compiled analog update equals the TypeScript one', () => {
  it('the module is built', () => expect(pulsedKernels.api).not.toBeNull());

  for (const [name, make] of families) {
    it(`${name}: factors 1, ±0.5 and 3, in place and not, both polarities, bit for bit`, () => {
      const { p, model } = make();
      const m = model(p as never);
      expect(m.compiled).toBeDefined();
      const rFast = new Rng('dev');
      const rSlow = new Rng('dev');
      const ctx = (rng: Rng) => ({ layer: 'test', geometry: GEO, backend: undefined as never, rng, range: { gmin: 1e-6, gmax: 11e-6 } });
      const fast: DeviceModel = pulsedDevice(ctx(rFast), p as never, m);
      const slow: DeviceModel = pulsedDevice(ctx(rSlow), p as never, { ...m, compiled: undefined });
      const gFast = { plus: kernels.float64(N), minus: kernels.float64(N) };
      const gSlow = { plus: new Float64Array(N), minus: new Float64Array(N) };
      // Some cells at, or beyond, the device range (the weights are held to each cell's bounds on load).
      for (const [polarity, seed] of [['plus', 'g0'], ['minus', 'g1']] as const) {
        const g = gFast[polarity];
        new Rng(seed).fillUniform(g, 0, 12e-6);
        for (let k = 0; k < N; k += 7) g[k] = k % 2 ? 1e-6 : 11e-6;
        gSlow[polarity].set(g);
      }
      const out = { fast: kernels.float64(N), slow: new Float64Array(N) };
      let moved = 0;
      [1, 0.5, -0.5, 3].forEach((factor, s) => {
        for (const polarity of ['plus', 'minus'] as const) {
          const d = requests(`${name}-${s}-${polarity}`);
          const uc = { polarity, conductance: gFast[polarity], gmin: 1e-6, gmax: 11e-6 };
          const before = Float64Array.from(gFast[polarity]);
          if (s % 2 === 0) {
            // In place, as the tile calls it.
            fast.respondScaled!(gFast[polarity], d, factor, gFast[polarity], uc);
            slow.respondScaled!(gSlow[polarity], Float64Array.from(d), factor, gSlow[polarity], uc);
          } else {
            fast.respondScaled!(gFast[polarity], d, factor, out.fast, uc);
            slow.respondScaled!(gSlow[polarity], Float64Array.from(d), factor, out.slow, uc);
            expect(bits(out.fast)).toEqual(bits(out.slow));
            gFast[polarity].set(out.fast);
            gSlow[polarity].set(out.slow);
          }
          expect(bits(gFast[polarity])).toEqual(bits(gSlow[polarity]));
          moved += gFast[polarity].filter((v, k) => v !== before[k]).length;
          // The generator and the polar method's spare: the next draws agree.
          expect([rFast.normal(), rFast.next()]).toEqual([rSlow.normal(), rSlow.next()]);
        }
      });
      expect(moved).toBeGreaterThan(N);
      // respond() is respondScaled with factor 1.
      const d = requests(`${name}-respond`);
      const uc = { polarity: 'plus' as const, conductance: gFast.plus, gmin: 1e-6, gmax: 11e-6 };
      fast.respond!(gFast.plus, d, gFast.plus, uc);
      slow.respond!(gSlow.plus, Float64Array.from(d), gSlow.plus, uc);
      expect(bits(gFast.plus)).toEqual(bits(gSlow.plus));
      // Write-noise offsets (both polarities) and the normal stream.
      expect(fast.snapshot!()).toEqual(slow.snapshot!());
      expect(rFast.next()).toBe(rSlow.next());
    });
  }
});
