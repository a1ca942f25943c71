import { defineDevice, realList } from '@txsim/core';
import type { PulsedHidden } from './hidden.js';
import { pulsedDevice, type PulsedModel } from './engine.js';
import { PULSED_REFERENCES, pulsedSchema, type PulsedParams } from './pulsed-base.js';

export interface PiecewiseStepOptions {
  piecewiseUp: readonly number[];
  piecewiseDown: readonly number[];
}

/**
 * A measured step-size curve: nodes v_0 … v_m (relative to Δ±) equally spaced over each device's bounds.
 * u = max((w − b_min)/(b_max − b_min)·m, 0), j = min(⌊u⌋, m − 1), t = min(u − j, 1);
 * up: w += Δ⁺((1 − t)v⁺_j + t·v⁺_(j+1))(1 + σξ); down: w −= Δ⁻((1 − t)v⁻_j + t·v⁻_(j+1))(1 + σξ).
 * One node (or b_max ≤ b_min) means the constant step v_0·Δ.
 */
export function piecewiseStepModel(p: PulsedParams & PiecewiseStepOptions): PulsedModel<PulsedHidden> {
  const sigma = p.dwMinStd;
  const up = Float64Array.from(p.piecewiseUp);
  const down = Float64Array.from(p.piecewiseDown);
  const m = up.length - 1;
  return {
    extend: (_rng, base) => base,
    compiled: { family: 3, nodes: Float64Array.of(...up, ...down) },
    kernel(w, h, b) {
      const { idx, sgn, n, xi } = b;
      const { bmin, bmax, dUp, dDown } = h;
      for (let i = 0; i < b.count; i++) {
        const k = idx[i]!;
        const x = w[k]!;
        const range = bmax[k]! - bmin[k]!;
        const nodes = sgn[i]! > 0 ? up : down;
        let rel: number;
        if (m <= 0 || !(range > 0)) rel = nodes[0]!;
        else {
          const u = Math.max(((x - bmin[k]!) / range) * m, 0);
          const j = Math.min(Math.floor(u), m - 1);
          const t = Math.min(u - j, 1);
          rel = (1 - t) * nodes[j]! + t * nodes[j + 1]!;
        }
        const f = n[i]! + sigma * xi[i]!;
        const v = sgn[i]! > 0 ? x + dUp[k]! * rel * f : x - dDown[k]! * rel * f;
        w[k] = v < bmin[k]! ? bmin[k]! : v > bmax[k]! ? bmax[k]! : v;
      }
    },
  };
}

/** aihwkit's PiecewiseStepDevice: the step size follows a measured curve, linearly interpolated over the weight. */
export const piecewiseStep = defineDevice({
  meta: {
    name: 'piecewise-step',
    description: 'A pulsed device whose step size follows a measured curve of nodes spread evenly over each device\'s bounds (aihwkit PiecewiseStep).',
    phases: ['forward', 'backward', 'update'],
    params: pulsedSchema({
      piecewiseUp: realList({ description: 'Potentiating step sizes relative to dwMin at equally spaced weights from b_min to b_max.', default: [1], minLength: 1 }),
      piecewiseDown: realList({ description: 'Depressing step sizes relative to dwMin at the same weights (same length as piecewiseUp).', default: [1], minLength: 1 }),
    }).refine((p) => (p.piecewiseUp as number[]).length === (p.piecewiseDown as number[]).length, {
      message: 'piecewiseUp and piecewiseDown need the same number of nodes',
      path: ['piecewiseDown'],
    }),
    references: [
      'IBM aihwkit, src/rpucuda/rpu_piecewisestep_device.cpp (update_once) and src/aihwkit/simulator/configs/devices.py (PiecewiseStepDevice).',
      ...PULSED_REFERENCES,
    ],
  },
  create: (ctx, p) => pulsedDevice(ctx, p, piecewiseStepModel(p)),
});
