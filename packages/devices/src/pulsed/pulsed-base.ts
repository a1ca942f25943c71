import { flag, params, quantity, real, type ParamSchema } from '@txsim/core';

/**
 * The parameters every aihwkit pulsed device shares (`configs/devices.py: PulsedDevice`), in aihwkit's
 * normalised weight units, plus the physical range the weights map onto: weight w ↔ conductance
 * gmin + (w − wMin)·(gmax − gmin)/(wMax − wMin), so wMin ↔ gmin and wMax ↔ gmax. The per-device
 * bounds drawn around wMin and wMax (wMinDtod, wMaxDtod) may lie beyond [gmin, gmax], as aihwkit's
 * bounds lie beyond [w_min, w_max]; the device keeps each cell within its own bounds.
 */
export const pulsedFields = {
  gmin: quantity('S', { description: 'Conductance of the nominal lower weight bound wMin (txsim choice: 0 S, the bottom of the range).', default: 0, min: 0 }),
  gmax: quantity('S', { description: 'Conductance of the nominal upper weight bound wMax (txsim choice: 25 uS, aihwkit\'s inference g_max).', default: 25e-6, min: 0, exclusiveMin: true }),
  dwMin: real({ description: 'Mean weight change of one pulse (weight units).', default: 0.001, min: 0, exclusiveMin: true }),
  dwMinDtod: real({ description: 'Device-to-device spread of the step size, relative to dwMin.', default: 0.3, min: 0, neutral: 0 }),
  dwMinDtodLogNormal: flag({ description: 'Draw the step-size gain as exp(dwMinDtod·ξ) instead of 1 + dwMinDtod·ξ.', default: false }),
  dwMinStd: real({ description: 'Cycle-to-cycle spread of each step, relative to the step.', default: 0.3, min: 0, neutral: 0 }),
  upDown: real({ description: 'Up/down asymmetry: > 0 shrinks depressing steps by upDown·dwMin, < 0 shrinks potentiating ones.', default: 0, neutral: 0 }),
  upDownDtod: real({ description: 'Device-to-device spread of the up/down asymmetry, relative to dwMin.', default: 0.01, min: 0, neutral: 0 }),
  wMax: real({ description: 'Mean upper weight bound (weight units, ≥ 0).', default: 0.6, min: 0 }),
  wMin: real({ description: 'Mean lower weight bound (weight units, ≤ 0).', default: -0.6, max: 0 }),
  wMaxDtod: real({ description: 'Device-to-device spread of the upper bound, relative to wMax.', default: 0.3, min: 0, neutral: 0 }),
  wMinDtod: real({ description: 'Device-to-device spread of the lower bound, relative to wMin.', default: 0.3, min: 0, neutral: 0 }),
  writeNoiseStd: real({ description: 'Write noise: reads see the stored weight plus writeNoiseStd·dwMin·ξ, re-drawn whenever the device is written.', default: 0, min: 0, neutral: 0 }),
  lifetime: real({ description: 'Decay time constant in mini-batches (0: no decay); each mini-batch w ← (w − b)(1 − 1/lifetime) + b.', default: 0, min: 0, neutral: 0 }),
  lifetimeDtod: real({ description: 'Device-to-device spread of the lifetime, relative to lifetime.', default: 0, min: 0, neutral: 0 }),
  diffusion: real({ description: 'Std of the random walk added to each weight per mini-batch (weight units).', default: 0, min: 0, neutral: 0 }),
  diffusionDtod: real({ description: 'Device-to-device spread of the diffusion rate, relative to diffusion.', default: 0, min: 0, neutral: 0 }),
  reset: real({ description: 'Weight a device resets (and decays) to (weight units).', default: 0 }),
  resetDtod: real({ description: 'Device-to-device spread of the reset weight (weight units, additive).', default: 0, min: 0, neutral: 0 }),
  resetStd: real({ description: 'Cycle-to-cycle spread of each reset (weight units).', default: 0.01, min: 0, neutral: 0 }),
  corruptDevicesProb: real({ description: 'Probability that a device is stuck at one value within ±corruptDevicesRange.', default: 0, min: 0, max: 1, neutral: 0 }),
  corruptDevicesRange: real({ description: 'Range of the values stuck devices hold (weight units).', default: 0.1, min: 0 }),
  enforceConsistency: flag({ description: 'Take |·| of the drawn steps and force each device\'s bounds to bracket 0.', default: true }),
};

/** The parsed shared parameters. */
export interface PulsedParams {
  gmin: number;
  gmax: number;
  dwMin: number;
  dwMinDtod: number;
  dwMinDtodLogNormal: boolean;
  dwMinStd: number;
  upDown: number;
  upDownDtod: number;
  wMax: number;
  wMin: number;
  wMaxDtod: number;
  wMinDtod: number;
  writeNoiseStd: number;
  lifetime: number;
  lifetimeDtod: number;
  diffusion: number;
  diffusionDtod: number;
  reset: number;
  resetDtod: number;
  resetStd: number;
  corruptDevicesProb: number;
  corruptDevicesRange: number;
  enforceConsistency: boolean;
}

const shared = (p: unknown) => p as PulsedParams;

/** A device's parameter schema: the shared fields, its own, and the cross-field checks. */
export function pulsedSchema<E extends Record<string, ParamSchema['shape'][string]>>(extra: E) {
  return params({ ...pulsedFields, ...extra })
    .refine((p) => shared(p).gmax > shared(p).gmin, { message: 'gmax must exceed gmin', path: ['gmax'] })
    .refine((p) => shared(p).wMax > shared(p).wMin, { message: 'wMax must exceed wMin ([wMin, wMax] must contain 0)', path: ['wMax'] });
}

/** Where the shared model comes from. */
export const PULSED_REFERENCES = [
  'IBM aihwkit, src/aihwkit/simulator/configs/devices.py (PulsedDevice) and src/rpucuda/rpu_pulsed_device.cpp (populate, decay, diffusion, reset, write noise).',
  'M. J. Rasch et al., A flexible and fast PyTorch toolkit for simulating training and inference on analog crossbar arrays, IEEE AICAS 2021 (arXiv:2104.02184).',
] as const;
