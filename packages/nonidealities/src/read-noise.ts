import { defineNonideality, Matrix, params, real } from '@txsim/core';

/**
 * Read noise: every read sees each device's conductance as G·(1 + σ·ξ), independently per device and
 * per read (each batch row is its own read). A column current is a sum of independent Gaussians, so
 * the sensed output is exactly Gaussian with
 *
 *   Var(I_j) = σ² · Σ_i v_i² · (G+_ij² + G−_ij²),
 *
 * and adding one Gaussian per output is the same in distribution as perturbing every device, for
 * the price of one extra GEMM: (v∘v) (batch × lines) · (G+² + G−²) (lines × width). TxSim does not
 * model read noise; CrossSim's requirement of < 5 % read noise bounds the useful range of σ.
 */
export const readNoise = defineNonideality({
  meta: {
    name: 'read-noise',
    description: 'Gaussian per-read conductance fluctuation, applied as the equivalent noise on each sensed output.',
    phases: ['forward', 'backward'],
    params: params({
      sigma: real({ description: 'Relative standard deviation of each device conductance per read (dimensionless).', default: 0.02, neutral: 0, min: 0 }),
    }),
    references: [
      'Agarwal et al., IJCNN 2016 (CrossSim: read noise must stay below ~5 %).',
      'Rasch et al., aihwkit IOParameters w_noise (per-read weight noise, applied on the output).',
    ],
  },
  create: (ctx, p) => {
    // Scratch reused between reads of the same shape; outputs depend only on inputs and the stream.
    let squares: Matrix | undefined;
    let variance: Matrix | undefined;
    return {
      output(src, dst, read) {
        if (p.sigma === 0) {
          dst.set(src);
          return;
        }
        const v = read.voltages;
        if (squares?.rows !== v.rows || squares.cols !== v.cols) squares = new Matrix(v.rows, v.cols);
        if (variance?.rows !== read.batch || variance.cols !== read.width) variance = new Matrix(read.batch, read.width);
        for (let k = 0; k < v.data.length; k++) squares.data[k] = v.data[k]! * v.data[k]!;
        ctx.backend.gemm(squares, read.squaredConductance(), variance);
        const vars = variance.data;
        for (let k = 0; k < src.length; k++) dst[k] = src[k]! + p.sigma * Math.sqrt(vars[k]!) * ctx.rng.normal();
      },
    };
  },
});
