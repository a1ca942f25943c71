import { defineNonideality, params, quantity, real } from '@txsim/core';

/**
 * Conductance drift (PCM-style power law, aihwkit's drift model): a device read at age t after it was
 * last programmed reads G·(t/t0)^(−ν), for t > t0, with a per-device exponent ν_ij = max(0, ν + ν_dtod·ξ)
 * drawn once per device of the pair.
 *
 * A cell's age restarts whenever an update changes it and otherwise grows by `updateInterval` per
 * update step, so during training rarely written cells drift further than busy ones; every read adds
 * `readAge` on top (the delay between programming and use, e.g. one day for an inference study).
 */
export const drift = defineNonideality({
  meta: {
    name: 'drift',
    description: 'Power-law conductance drift since each device was last programmed, with device-to-device exponents.',
    phases: ['forward', 'backward', 'update'],
    params: params({
      nu: real({ description: 'Mean drift exponent ν (dimensionless; PCM ≈ 0.05).', default: 0.05, neutral: 0, min: 0 }),
      nuDtod: real({ description: 'Device-to-device standard deviation of ν (absolute).', default: 0.01, neutral: 0, min: 0 }),
      t0: quantity('s', { description: 'Reference time: no drift before it.', default: 1, min: 0, exclusiveMin: true }),
      readAge: quantity('s', { description: 'Time from programming to a read, added to every cell’s age.', default: 86400, neutral: 0, min: 0 }),
      updateInterval: quantity('s', { description: 'Time one training step takes: unwritten cells age by it per update.', default: 0, min: 0 }),
    }),
    references: [
      'IBM aihwkit, DriftParameter / PulsedDevice drift: w·((t + Δt)/t0)^(−ν) with ν_dtod (src/aihwkit/simulator/parameters/inference.py).',
      'Nandakumar et al., ICECS 2019: PCM drift exponents ≈ 0.05.',
    ],
  },
  create: (ctx, p) => {
    const n = ctx.geometry.paddedRows * ctx.geometry.paddedCols;
    const exponents = (): Float64Array => {
      const nu = new Float64Array(n);
      for (let k = 0; k < n; k++) nu[k] = Math.max(0, p.nu + p.nuDtod * ctx.rng.normal());
      return nu;
    };
    // Drawn in a fixed order (G+ then G−) so one seed always gives the same devices.
    const nu = { plus: exponents(), minus: exponents() };
    const age = { plus: new Float64Array(n), minus: new Float64Array(n) };
    const logT0 = Math.log(p.t0);
    return {
      conductance(src, dst, c) {
        const a = age[c.polarity];
        const v = nu[c.polarity];
        for (let k = 0; k < n; k++) {
          const t = a[k]! + p.readAge;
          dst[k] = t > p.t0 ? src[k]! * Math.exp(-v[k]! * (Math.log(t) - logT0)) : src[k]!;
        }
      },
      after(src, dst, u) {
        const a = age[u.polarity];
        const before = u.conductance;
        for (let k = 0; k < n; k++) a[k] = src[k] !== before[k] ? 0 : a[k]! + p.updateInterval;
        dst.set(src);
      },
      snapshot: () => ({ plus: Array.from(age.plus), minus: Array.from(age.minus) }),
      restore(state) {
        const s = state as { plus: number[]; minus: number[] };
        age.plus.set(s.plus);
        age.minus.set(s.minus);
      },
    };
  },
});
