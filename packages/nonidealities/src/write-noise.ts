import { defineNonideality, kernels, NormalStream, params, real, type NormalStreamState } from '@txsim/core';

/**
 * Cycle-to-cycle write noise: each programmed change lands with a Gaussian error whose standard
 * deviation grows with the square root of the change,
 *
 *   ΔG_noisy = ΔG + σ·ξ,   σ = (γ/100) · √((gmax − gmin) · |ΔG|),   ξ ~ N(0, 1) per device and update.
 *
 * The √ form is TxSim's (noise grows with the update size; it is CrossSim's SQRTFIXED mode). The /100
 * is an inference: TxSim calls γ = 5 almost harmless and γ = 10 a ~10 % accuracy loss. Read literally,
 * σ = γ·√(R·|ΔG|) is γ·√(R/|ΔG|) times the update itself: about 150× for a typical update of 10⁻³ of
 * the range at γ = 5, which no network survives. Read as a percentage, the same update gets σ ≈ 1.6×
 * its size, inside the "up to 300 % of a characteristic update" CrossSim (Agarwal et al.) found
 * trainable, and consistent with TxSim's sweep.
 *
 * A cell with ΔG = 0 receives no pulse, so it gets no noise and costs no draw. ξ comes from the plugin's
 * own SIMD normal stream (seeded from its Rng; its state is this plugin's snapshot), one draw per changed
 * cell, in cell order.
 */
export const writeNoise = defineNonideality({
  meta: {
    name: 'write-noise',
    description: 'Gaussian cycle-to-cycle write noise whose deviation grows with the square root of each update.',
    phases: ['update'],
    params: params({
      gamma: real({
        description: 'Write-noise factor γ in percent: σ = (γ/100)·√((gmax − gmin)·|ΔG|).',
        default: 5,
        neutral: 0,
        min: 0,
      }),
    }),
    references: [
      'Roy et al., TxSim, IEEE TVLSI 29(4), 2021 (write-noise factor γ; γ = 1, 5, 10 sweep).',
      'Agarwal et al., IJCNN 2016; CrossSim cross_sim/backprop/writenoise.py (SQRTFIXED mode).',
    ],
  },
  create: (ctx, p) => {
    const scale = p.gamma / 100;
    const normals = new NormalStream(ctx.rng);
    return {
      snapshot: () => normals.snapshot(),
      restore: (state) => normals.restore(state as NormalStreamState),
      delta(src, dst, u) {
        if (scale === 0) dst.set(src);
        else kernels.writeNoise(normals, src, dst, scale, u.gmax - u.gmin);
      },
      fusedDelta: () => (scale === 0 ? { kind: 'identity' } : { kind: 'write-noise', stream: normals, scale }),
    };
  },
});
