import { defineDevice } from '@txsim/core';
import type { PulsedHidden } from './hidden.js';
import { pulsedDevice, type PulsedModel } from './engine.js';
import { PULSED_REFERENCES, pulsedSchema, type PulsedParams } from './pulsed-base.js';

/** w ← w + Δ⁺(1 + σξ) up, w ← w − Δ⁻(1 + σξ) down: each device's own step, whatever the weight. */
export function constantStepModel(p: PulsedParams): PulsedModel<PulsedHidden> {
  const sigma = p.dwMinStd;
  return {
    extend: (_rng, base) => base,
    compiled: { family: 0 },
    kernel(w, h, b) {
      const { idx, sgn, n, xi } = b;
      const { bmin, bmax, dUp, dDown } = h;
      for (let i = 0; i < b.count; i++) {
        const k = idx[i]!;
        const f = n[i]! + sigma * xi[i]!;
        const v = sgn[i]! > 0 ? w[k]! + dUp[k]! * f : w[k]! - dDown[k]! * f;
        w[k] = v < bmin[k]! ? bmin[k]! : v > bmax[k]! ? bmax[k]! : v;
      }
    },
  };
}

/** aihwkit's ConstantStepDevice: a fixed step per pulse with device-to-device and cycle-to-cycle spread, hard bounds. */
export const constantStep = defineDevice({
  meta: {
    name: 'constant-step',
    description: 'A pulsed device whose every pulse moves the weight by a constant per-device step, up to hard per-device bounds (aihwkit ConstantStep).',
    phases: ['forward', 'backward', 'update'],
    params: pulsedSchema({}),
    references: [
      'IBM aihwkit, src/rpucuda/rpu_constantstep_device.cpp (update-once) and src/aihwkit/simulator/configs/devices.py (ConstantStepDevice).',
      'T. Gokmen and Y. Vlasov, Acceleration of Deep Neural Network Training with Resistive Cross-Point Devices, Front. Neurosci. 10:333, 2016.',
      ...PULSED_REFERENCES,
    ],
  },
  create: (ctx, p) => pulsedDevice(ctx, p, constantStepModel(p)),
});
