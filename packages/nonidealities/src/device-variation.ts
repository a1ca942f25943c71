import { choice, defineNonideality, kernels, params, real } from '@txsim/core';

/**
 * Device-to-device (process) variation: every device of the layer, each of the differential pair
 * and the padding cells too, reads its conductance times a factor drawn once when the layer is built.
 * TxSim applies a per-cell "variation profile" before its circuit model; RxNN used σ/µ = 10 %.
 *
 * `sigma` is the relative standard deviation of the factor for both distributions. The lognormal
 * one (the default) keeps G positive: factor = exp(s·ξ − s²/2) with s² = ln(1 + σ²), which has mean 1
 * and standard deviation exactly σ, so switching distributions does not change the average weight.
 * The normal one, 1 + σ·ξ, is clamped at 0 because a device cannot have negative conductance.
 */
export const deviceVariation = defineNonideality({
  meta: {
    name: 'device-variation',
    description: 'Fixed multiplicative device-to-device conductance variation, drawn once per device.',
    phases: ['forward', 'backward'],
    params: params({
      sigma: real({ description: 'Relative standard deviation of the per-device factor (σ/µ, dimensionless).', default: 0.1, neutral: 0, min: 0 }),
      distribution: choice(['normal', 'lognormal'], {
        description: 'Distribution of the factor: lognormal (mean 1, always > 0) or normal (1 + σξ, clamped at 0).',
        default: 'lognormal',
      }),
    }),
    references: [
      'Roy et al., TxSim, IEEE TVLSI 29(4), 2021 (per-cell process variation before FCM).',
      'Jain et al., RxNN, IEEE TCAD 2020 (arXiv 1809.00072): σ/µ = 10 % Monte-Carlo.',
    ],
  },
  create: (ctx, p) => {
    const n = ctx.geometry.paddedRows * ctx.geometry.paddedCols;
    const draw = (): Float64Array => {
      const f = kernels.float64(n);
      if (p.distribution === 'lognormal') {
        const s = Math.sqrt(Math.log1p(p.sigma * p.sigma));
        for (let k = 0; k < n; k++) f[k] = Math.exp(s * ctx.rng.normal() - 0.5 * s * s);
      } else {
        for (let k = 0; k < n; k++) f[k] = Math.max(0, 1 + p.sigma * ctx.rng.normal());
      }
      return f;
    };
    // Drawn in a fixed order (G+ then G−) so one seed always gives the same devices.
    const factors = { plus: draw(), minus: draw() };
    return {
      conductance(src, dst, c) {
        kernels.multiply(src, factors[c.polarity], dst);
      },
      fusedConductance: (c) => ({ kind: 'multiply', factors: factors[c.polarity] }),
    };
  },
});
