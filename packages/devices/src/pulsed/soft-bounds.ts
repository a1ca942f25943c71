import { defineDevice, flag } from '@txsim/core';
import { pulsedDevice } from './engine.js';
import { linearStepModel } from './linear-step.js';
import { PULSED_REFERENCES, pulsedSchema } from './pulsed-base.js';

/**
 * aihwkit's SoftBoundsDevice: LinearStep with γ⁺ = γ⁻ = 1, no gamma spread and each device's own bounds as
 * reference, so the up step is Δ⁺(1 − w/b_max) and the down step Δ⁻(1 − w/b_min): both reach 0 at the bound.
 */
export const softBounds = defineDevice({
  meta: {
    name: 'soft-bounds',
    description: 'A pulsed device whose step shrinks linearly to zero at each of its own bounds (aihwkit SoftBounds).',
    phases: ['forward', 'backward', 'update'],
    params: pulsedSchema({
      multNoise: flag({ description: 'Cycle-to-cycle noise multiplies the whole step (true) or only its constant part Δ (false).', default: true }),
    }),
    references: [
      'IBM aihwkit, src/rpucuda/rpu_linearstep_device.h (SoftBounds meta-parameter) and src/aihwkit/simulator/configs/devices.py (SoftBoundsDevice).',
      'S. Kim et al., Zero-shifting Technique for Deep Neural Network Training on Resistive Cross-point Arrays, arXiv:1907.10228, 2019 (soft-bounds devices and their symmetry point).',
      ...PULSED_REFERENCES,
    ],
  },
  create: (ctx, p) =>
    pulsedDevice(ctx, p, linearStepModel({
      ...p, gammaUp: 1, gammaDown: 1, gammaUpDtod: 0, gammaDownDtod: 0, allowIncreasing: false,
      meanBoundReference: false, reverseUp: false, reverseDown: false, reverseOffset: 0,
    })),
});
