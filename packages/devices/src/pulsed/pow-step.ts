import { defineDevice, real, type Rng } from '@txsim/core';
import type { PulsedHidden } from './hidden.js';
import { pulsedDevice, type PulsedModel } from './engine.js';
import { PULSED_REFERENCES, pulsedSchema, type PulsedParams } from './pulsed-base.js';

/** PowStep's per-device exponents γ⁺, γ⁻. */
export interface PowStepHidden extends PulsedHidden {
  readonly gammaUp: Float64Array;
  readonly gammaDown: Float64Array;
}

export interface PowStepOptions {
  powGamma: number;
  powGammaDtod: number;
  powUpDown: number;
  powUpDownDtod: number;
}

/**
 * Up: w += Δ⁺((b_max − w)/(b_max − b_min))^γ⁺(1 + σξ); down: w −= Δ⁻((w − b_min)/(b_max − b_min))^γ⁻(1 + σξ).
 * γ± are drawn as Δ± are: γ⁺ = (gain + r + upBias)·powGamma, γ⁻ = (gain − r + downBias)·powGamma with
 * gain = 1 + powGammaDtod·ξ, r = powUpDownDtod·ξ and the bias split by powUpDown.
 */
export function powStepModel(p: PulsedParams & PowStepOptions): PulsedModel<PowStepHidden> {
  const sigma = p.dwMinStd;
  return {
    extend(rng: Rng, base: PulsedHidden): PowStepHidden {
      const n = base.bmin.length;
      const xiGain = new Float64Array(n);
      const xiR = new Float64Array(n);
      if (p.powGammaDtod > 0) rng.fillNormal(xiGain);
      if (p.powUpDownDtod > 0) rng.fillNormal(xiR);
      const upBias = Math.min(p.powUpDown, 0);
      const downBias = -Math.max(p.powUpDown, 0);
      const gammaUp = new Float64Array(n);
      const gammaDown = new Float64Array(n);
      for (let k = 0; k < n; k++) {
        const gain = 1 + p.powGammaDtod * xiGain[k]!;
        const r = p.powUpDownDtod * xiR[k]!;
        const gu = (upBias + gain + r) * p.powGamma;
        const gd = (downBias + gain - r) * p.powGamma;
        gammaUp[k] = p.enforceConsistency ? Math.abs(gu) : gu;
        gammaDown[k] = p.enforceConsistency ? Math.abs(gd) : gd;
      }
      return { ...base, gammaUp, gammaDown };
    },
    compiled: { family: 5 },
    kernel(w, h, b) {
      const { idx, sgn, n, xi } = b;
      const { bmin, bmax, dUp, dDown, gammaUp, gammaDown } = h;
      for (let i = 0; i < b.count; i++) {
        const k = idx[i]!;
        const range = bmax[k]! - bmin[k]!;
        if (range === 0) continue;
        const x = w[k]!;
        const f = n[i]! + sigma * xi[i]!;
        const v = sgn[i]! > 0
          ? x + dUp[k]! * ((bmax[k]! - x) / range) ** gammaUp[k]! * f
          : x - dDown[k]! * ((x - bmin[k]!) / range) ** gammaDown[k]! * f;
        w[k] = v < bmin[k]! ? bmin[k]! : v > bmax[k]! ? bmax[k]! : v;
      }
    },
  };
}

/** aihwkit's PowStepDevice (a shifted Fusi–Abbott model): the step is a power of the distance to the bound. */
export const powStep = defineDevice({
  meta: {
    name: 'pow-step',
    description: 'A pulsed device whose step is a power of the remaining distance to the bound it moves towards (aihwkit PowStep).',
    phases: ['forward', 'backward', 'update'],
    params: pulsedSchema({
      powGamma: real({ description: 'Mean exponent γ of the step\'s dependence on the distance to the bound (1: soft bounds).', default: 1, min: 0 }),
      powGammaDtod: real({ description: 'Device-to-device spread of γ, relative to powGamma.', default: 0.1, min: 0, neutral: 0 }),
      powUpDown: real({ description: 'Up/down asymmetry of γ: > 0 lowers γ⁻, < 0 lowers γ⁺ (relative).', default: 0, neutral: 0 }),
      powUpDownDtod: real({ description: 'Device-to-device spread of the γ asymmetry (relative).', default: 0, min: 0, neutral: 0 }),
    }),
    references: [
      'IBM aihwkit, src/rpucuda/rpu_powstep_device.cpp (populate, update_once) and src/aihwkit/simulator/configs/devices.py (PowStepDevice).',
      'S. Fusi and L. F. Abbott, Limits on the memory storage capacity of bounded synapses, Nature Neuroscience 10:485, 2007.',
      ...PULSED_REFERENCES,
    ],
  },
  create: (ctx, p) => pulsedDevice(ctx, p, powStepModel(p)),
});
