import { describe, expect, it } from 'vitest';
import { kernels, Rng, tileGeometry, type DeviceModel } from '@txsim/core';
import { pluginContext } from '@txsim/core/testing';
import { pulsedKernels } from '../kernels.js';
import { constantStepModel } from './constant-step.js';
import { pulsedDevice, type PulsedModel } from './engine.js';
import type { PulsedHidden } from './hidden.js';
import { linearStepModel } from './linear-step.js';
import { piecewiseStepModel } from './piecewise-step.js';
import { expStep, expStepModel } from './exp-step.js';
import { powStep, powStepModel } from './pow-step.js';
import { constantStep } from './constant-step.js';
import { linearStep } from './linear-step.js';
import { piecewiseStep } from './piecewise-step.js';

// The compiled pulse path (assembly/pulsed.ts: gather, pulseRound, scatter) against the TypeScript one of
// engine.ts (the same model without `compiled`): the same seeds, the same requests, equal states bit for bit.
const GEO = tileGeometry(60, 50, 60, 50);
const N = GEO.paddedRows * GEO.paddedCols;
const base = { gmin: 1e-6, gmax: 11e-6, dwMin: 0.01, dwMinStd: 0.3, upDown: 0.05 };

const families: Array<[string, () => { p: object; model: (q: never) => PulsedModel<PulsedHidden> }]> = [
  ['constant-step', () => ({ p: constantStep.meta.params.parse(base), model: constantStepModel as never })],
  ['linear-step (mult noise)', () => ({ p: linearStep.meta.params.parse({ ...base, gammaUp: 0.3, gammaDown: 0.2 }), model: linearStepModel as never })],
  ['linear-step (additive noise)', () => ({ p: linearStep.meta.params.parse({ ...base, gammaUp: 0.3, multNoise: false }), model: linearStepModel as never })],
  ['exp-step', () => ({ p: expStep.meta.params.parse(base), model: expStepModel as never })],
  ['exp-step (complex noise)', () => ({ p: expStep.meta.params.parse({ ...base, dwMinStdAdd: 0.002, dwMinStdSlope: 0.1 }), model: expStepModel as never })],
  ['pow-step', () => ({ p: powStep.meta.params.parse({ ...base, powGamma: 1.5, powUpDownDtod: 0.05 }), model: powStepModel as never })],
  ['piecewise-step', () => ({ p: piecewiseStep.meta.params.parse({ ...base, piecewiseUp: [1.5, 1, 0.4, 0.1], piecewiseDown: [0.2, 0.6, 1, 1.4] }), model: piecewiseStepModel as never })],
];

/** Pulse counts for a step: about one cell in five pulsed, some with both directions. */
function step(seed: string, list: Int32Array | null) {
  const r = new Rng(seed);
  const up = kernels.float32(N);
  const down = kernels.float32(N);
  let count = 0;
  for (let k = 0; k < N; k++) {
    if (r.next() < 0.2) {
      up[k] = Math.floor(r.next() * 5);
      down[k] = Math.floor(r.next() * 3);
      if (list && up[k]! + down[k]! > 0) list[count++] = k;
    }
  }
  return { up, down, count };
}

describe('compiled pulsed devices equal their TypeScript pulse path', () => {
  it('the module is built', () => expect(pulsedKernels.api).not.toBeNull());

  for (const [name, make] of families) {
    it(`${name}: several steps, listed and unlisted, both polarities, bit for bit`, () => {
      const { p, model } = make();
      const m = model(p as never);
      expect(m.compiled).toBeDefined();
      const fast: DeviceModel = pulsedDevice(pluginContext('dev', GEO), p as never, m);
      const slow: DeviceModel = pulsedDevice(pluginContext('dev', GEO), p as never, { ...m, compiled: undefined });
      const gFast = { plus: kernels.float64(N), minus: kernels.float64(N) };
      const gSlow = { plus: new Float64Array(N), minus: new Float64Array(N) };
      new Rng('g0').fillUniform(gFast.plus, 1e-6, 11e-6);
      new Rng('g1').fillUniform(gFast.minus, 1e-6, 11e-6);
      gSlow.plus.set(gFast.plus);
      gSlow.minus.set(gFast.minus);
      const list = kernels.int32(N);
      for (let s = 0; s < 6; s++) {
        const listed = s % 2 === 0;
        const { up, down, count } = step(`${name}-${s}`, listed ? list : null);
        for (const polarity of ['plus', 'minus'] as const) {
          const active = listed ? { idx: list, count } : undefined;
          const before = Float64Array.from(gFast[polarity]);
          fast.pulse!(gFast[polarity], up, down, gFast[polarity], { polarity, conductance: gFast[polarity], gmin: 1e-6, gmax: 11e-6, active });
          slow.pulse!(gSlow[polarity], Float32Array.from(up), Float32Array.from(down), gSlow[polarity], { polarity, conductance: gSlow[polarity], gmin: 1e-6, gmax: 11e-6, active: active && { idx: Int32Array.from(list), count } });
          expect(Array.from(gFast[polarity])).toEqual(Array.from(gSlow[polarity]));
          expect(gFast[polarity].some((v, k) => v !== before[k])).toBe(true);
        }
      }
    });
  }
});
