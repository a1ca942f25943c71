import { defineDevice, real } from '@txsim/core';
import type { PulsedHidden } from './hidden.js';
import { pulsedDevice, type PulsedModel } from './engine.js';
import { PULSED_REFERENCES, pulsedSchema, type PulsedParams } from './pulsed-base.js';

export interface ExpStepOptions {
  aUp: number;
  aDown: number;
  gammaUp: number;
  gammaDown: number;
  a: number;
  b: number;
  dwMinStdAdd: number;
  dwMinStdSlope: number;
}

/**
 * z = 2a·w/(b_max − b_min) + b; y⁺ = max(1 − A⁺e^(γ⁺z), 0), y⁻ = max(1 − A⁻e^(−γ⁻z), 0).
 * Up: w += y⁺(1 + σξ)Δ⁺; down: w −= y⁻(1 + σξ)Δ⁻. With dwMinStdAdd or dwMinStdSlope ≠ 0 ("complex
 * noise"): dw = ±yΔ, w += dw + σ(|dw| + σ_add + σ_slope|w|)ξ. Devices with b_max ≤ b_min are not updated.
 */
export function expStepModel(p: PulsedParams & ExpStepOptions): PulsedModel<PulsedHidden> {
  const sigma = p.dwMinStd;
  const complex = p.dwMinStdAdd !== 0 || p.dwMinStdSlope !== 0;
  return {
    extend: (_rng, base) => base,
    compiled: { family: 4, nodes: Float64Array.of(p.aUp, p.aDown, p.gammaUp, p.gammaDown, p.a, p.b, p.dwMinStdAdd, p.dwMinStdSlope, complex ? 1 : 0) },
    kernel(w, h, bt) {
      const { idx, sgn, n, xi } = bt;
      const { bmin, bmax, dUp, dDown } = h;
      for (let i = 0; i < bt.count; i++) {
        const k = idx[i]!;
        const range = bmax[k]! - bmin[k]!;
        if (!(range > 0)) continue;
        const x = w[k]!;
        const z = ((2 * p.a * x) / range) + p.b;
        let dw: number;
        if (sgn[i]! > 0) dw = Math.max(1 - p.aUp * Math.exp(p.gammaUp * z), 0) * dUp[k]!;
        else dw = -Math.max(1 - p.aDown * Math.exp(-p.gammaDown * z), 0) * dDown[k]!;
        const v = complex
          ? x + dw * n[i]! + sigma * (Math.abs(dw) + p.dwMinStdAdd + p.dwMinStdSlope * Math.abs(x)) * xi[i]!
          : x + dw * (n[i]! + sigma * xi[i]!);
        w[k] = v < bmin[k]! ? bmin[k]! : v > bmax[k]! ? bmax[k]! : v;
      }
    },
  };
}

/** aihwkit's ExpStepDevice: steps that fall off exponentially towards each bound (fitted to ReRAM and PCM). */
export const expStep = defineDevice({
  meta: {
    name: 'exp-step',
    description: 'A pulsed device whose step falls off exponentially towards each bound (aihwkit ExpStep).',
    phases: ['forward', 'backward', 'update'],
    params: pulsedSchema({
      aUp: real({ description: 'A_up: amplitude of the exponential fall-off of potentiating steps.', default: 0.00081 }),
      aDown: real({ description: 'A_down: amplitude of the exponential fall-off of depressing steps.', default: 0.36833 }),
      gammaUp: real({ description: 'gamma_up: exponent of the potentiating fall-off.', default: 12.44625 }),
      gammaDown: real({ description: 'gamma_down: exponent of the depressing fall-off.', default: 12.78785 }),
      a: real({ description: 'a: scale of the normalised weight z = 2a·w/(b_max − b_min) + b.', default: 0.244 }),
      b: real({ description: 'b: offset of the normalised weight z.', default: 0.2425 }),
      dwMinStdAdd: real({ description: 'Complex noise: additive part of the step spread, σ·(|dw| + dwMinStdAdd + dwMinStdSlope·|w|) (weight units).', default: 0, neutral: 0 }),
      dwMinStdSlope: real({ description: 'Complex noise: part of the step spread proportional to |w|.', default: 0, neutral: 0 }),
    }),
    references: [
      'IBM aihwkit, src/rpucuda/rpu_expstep_device.cpp (update_once, update_once_complex_noise) and src/aihwkit/simulator/configs/devices.py (ExpStepDevice).',
      'N. Gong et al., Signal and noise extraction from analog memory elements for neuromorphic computing, Nature Communications 9:2102, 2018.',
      ...PULSED_REFERENCES,
    ],
  },
  create: (ctx, p) => pulsedDevice(ctx, p, expStepModel(p)),
});
