import { defineDevice, flag, real, type Rng } from '@txsim/core';
import type { PulsedHidden } from './hidden.js';
import { pulsedDevice, type PulsedModel } from './engine.js';
import { PULSED_REFERENCES, pulsedSchema, type PulsedParams } from './pulsed-base.js';

/** LinearStep's per-device slopes: the step is s·w + Δ, so it shrinks linearly towards a bound. */
export interface LinearStepHidden extends PulsedHidden {
  readonly slopeUp: Float64Array;
  readonly slopeDown: Float64Array;
}

export interface LinearStepOptions {
  gammaUp: number;
  gammaDown: number;
  gammaUpDtod: number;
  gammaDownDtod: number;
  allowIncreasing: boolean;
  meanBoundReference: boolean;
  multNoise: boolean;
  reverseUp: boolean;
  reverseDown: boolean;
  reverseOffset: number;
}

/**
 * s⁺ = −|γ⁺ + γ⁺_dtod·ξ|·Δ⁺/w_ref⁺ and s⁻ = −|γ⁻ + γ⁻_dtod·ξ|·Δ⁻/w_ref⁻ (|·| unless allowIncreasing), with
 * w_ref the mean bounds (meanBoundReference) or the device's own; reverse uses the opposite bound ∓ offset.
 * Up: w += (s⁺w + Δ⁺)(1 + σξ) (multiplicative noise) or s⁺w + Δ⁺(1 + σξ) (additive); down mirrors it.
 */
export function linearStepModel(p: PulsedParams & LinearStepOptions): PulsedModel<LinearStepHidden> {
  const sigma = p.dwMinStd;
  return {
    extend(rng: Rng, base: PulsedHidden): LinearStepHidden {
      const n = base.bmin.length;
      const xiUp = new Float64Array(n);
      const xiDown = new Float64Array(n);
      if (p.gammaUpDtod > 0) rng.fillNormal(xiUp);
      if (p.gammaDownDtod > 0) rng.fillNormal(xiDown);
      const slopeUp = new Float64Array(n);
      const slopeDown = new Float64Array(n);
      for (let k = 0; k < n; k++) {
        let gu = p.gammaUp + p.gammaUpDtod * xiUp[k]!;
        let gd = p.gammaDown + p.gammaDownDtod * xiDown[k]!;
        if (!p.allowIncreasing) {
          gu = Math.abs(gu);
          gd = Math.abs(gd);
        }
        const lo = p.meanBoundReference ? p.wMin : base.bmin[k]!;
        const hi = p.meanBoundReference ? p.wMax : base.bmax[k]!;
        const refUp = p.reverseUp ? lo - p.reverseOffset : hi;
        const refDown = p.reverseDown ? hi + p.reverseOffset : lo;
        slopeUp[k] = refUp !== 0 ? (-gu * base.dUp[k]!) / refUp : 0;
        slopeDown[k] = refDown !== 0 ? (-gd * base.dDown[k]!) / refDown : 0;
      }
      return { ...base, slopeUp, slopeDown };
    },
    compiled: { family: p.multNoise ? 1 : 2 },
    kernel(w, h, b) {
      const { idx, sgn, n, xi } = b;
      const { bmin, bmax, dUp, dDown, slopeUp, slopeDown } = h;
      for (let i = 0; i < b.count; i++) {
        const k = idx[i]!;
        const x = w[k]!;
        const f = n[i]! + sigma * xi[i]!;
        let v: number;
        if (p.multNoise) v = sgn[i]! > 0 ? x + (slopeUp[k]! * x + dUp[k]!) * f : x - (slopeDown[k]! * x + dDown[k]!) * f;
        else v = sgn[i]! > 0 ? x + slopeUp[k]! * x * n[i]! + dUp[k]! * f : x - slopeDown[k]! * x * n[i]! - dDown[k]! * f;
        w[k] = v < bmin[k]! ? bmin[k]! : v > bmax[k]! ? bmax[k]! : v;
      }
    },
  };
}

/** aihwkit's LinearStepDevice: the step shrinks linearly with the weight towards each bound. */
export const linearStep = defineDevice({
  meta: {
    name: 'linear-step',
    description: 'A pulsed device whose step changes linearly with the weight, shrinking towards each bound (aihwkit LinearStep).',
    phases: ['forward', 'backward', 'update'],
    params: pulsedSchema({
      gammaUp: real({ description: 'Relative decrease of the potentiating step at the upper reference bound (0.1: 10 % smaller there than at w = 0).', default: 0, neutral: 0 }),
      gammaDown: real({ description: 'Relative decrease of the depressing step at the lower reference bound.', default: 0, neutral: 0 }),
      gammaUpDtod: real({ description: 'Device-to-device spread of gammaUp (absolute).', default: 0.05, min: 0, neutral: 0 }),
      gammaDownDtod: real({ description: 'Device-to-device spread of gammaDown (absolute).', default: 0.05, min: 0, neutral: 0 }),
      allowIncreasing: flag({ description: 'Let a drawn gamma be negative (steps growing towards the bound) instead of taking |gamma|.', default: false }),
      meanBoundReference: flag({ description: 'Scale slopes by the mean bounds wMax/wMin rather than each device\'s own bounds.', default: true }),
      multNoise: flag({ description: 'Cycle-to-cycle noise multiplies the whole step (true) or only its constant part Δ (false).', default: true }),
      reverseUp: flag({ description: 'Reference the potentiating slope to the lower bound − reverseOffset (steps grow with the weight).', default: false }),
      reverseDown: flag({ description: 'Reference the depressing slope to the upper bound + reverseOffset.', default: false }),
      reverseOffset: real({ description: 'Offset of the reversed reference bound (weight units).', default: 0.01 }),
    }),
    references: [
      'IBM aihwkit, src/rpucuda/rpu_linearstep_device.cpp (populate, update_once_mult/add) and src/aihwkit/simulator/configs/devices.py (LinearStepDevice).',
      ...PULSED_REFERENCES,
    ],
  },
  create: (ctx, p) => pulsedDevice(ctx, p, linearStepModel(p)),
});
