import { defineNonideality, kernels, params, real } from '@txsim/core';

/**
 * Asymmetric, state-dependent update non-linearity (TxSim Eq. 1). The equation is lost from the
 * paper's text; this is CrossSim's asymmetric model, which matches every quantity TxSim says Eq. 1
 * depends on and its reported trend (v ≤ 0.1 harmless, v = 1 fails). With R = gmax − gmin and
 * w0 = R / (1 − e^(−v)):
 *
 *   ΔG > 0:  ΔG_NL = (gmin + w0 − G) · (1 − exp(−v·ΔG/R))
 *   ΔG < 0:  ΔG_NL = (gmax − w0 − G) · (1 − exp(+v·ΔG/R))
 *
 * A step up near gmin is larger than asked (v/(1 − e^(−v)) for a small step: 1.58× at v = 1) and near
 * gmax smaller (0.58×), and mirrored for steps down; because the two directions disagree, equal up and
 * down requests do not cancel and weights drift toward the middle of the range.
 *
 * As v → 0, w0 → ∞ and both branches tend to ΔG, but evaluating them there is 0·∞; v = 0 is therefore
 * the identity by definition, and expm1 keeps small v accurate (1 − e^(−x) loses all digits for tiny x).
 */
export const updateNonlinearity = defineNonideality({
  meta: {
    name: 'update-nonlinearity',
    description: 'Asymmetric state-dependent conductance-update non-linearity with factor v.',
    phases: ['update'],
    params: params({
      v: real({
        description: 'Update non-linearity factor (dimensionless); 0 is linear, 1 gives 1.58× / 0.58× steps at the range ends.',
        default: 0.01,
        neutral: 0,
        min: 0,
      }),
    }),
    references: [
      'Roy et al., TxSim, IEEE TVLSI 29(4), 2021, Eq. (1) and the v sweep (0.01–1).',
      'Agarwal et al., IJCNN 2016; CrossSim cross_sim/backprop/nonlinear.py (asymmetric model).',
      'Chen et al., ICCAD 2015 (asymmetric write non-linearity).',
    ],
  },
  create: (_ctx, p) => ({
    delta(src, dst, ctx) {
      if (p.v === 0) {
        dst.set(src);
        return;
      }
      const { gmin, gmax, conductance: g } = ctx;
      const range = gmax - gmin;
      // 1 − e^(−x) is evaluated as its x⁴ Taylor series below x = 1e-3 (training steps are x ~ 1e-5 at
      // v = 0.01, where it is exact to double precision) and with expm1 above.
      kernels.updateNonlinearity(src, g, dst, gmin, gmax, range / -Math.expm1(-p.v), p.v / range);
    },
    fusedDelta: ({ gmin, gmax }) => (p.v === 0 ? { kind: 'identity' }
      : { kind: 'nonlinearity', w0: (gmax - gmin) / -Math.expm1(-p.v), k: p.v / (gmax - gmin) }),
  }),
});

