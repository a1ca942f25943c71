import { choice, defineDac, integer, kernels, params, quantity, real } from '@txsim/core';

/**
 * A signed DAC. With `abs-max` scaling each input vector is first divided by its largest magnitude
 * (a digital pre-scale undone after the ADC), so small back-propagated errors still use every level.
 */
export const dac = defineDac({
  meta: {
    name: 'dac',
    description: 'Input DAC with a bit width, a drive voltage and per-vector or fixed input scaling.',
    phases: ['forward', 'backward'],
    params: params({
      bits: integer({ description: 'Resolution including sign; 0 means unquantised.', default: 8, neutral: 0, min: 0, max: 24, unit: 'bits' }),
      vRead: quantity('V', { description: 'Drive voltage at full scale.', default: 0.2, min: 0, exclusiveMin: true }),
      scaling: choice(['abs-max', 'fixed'], { description: 'Full scale per input vector (abs-max) or the fixed `range`.', default: 'abs-max' }),
      range: real({ description: 'Digital value mapped to full scale when scaling is fixed; larger inputs clip.', default: 1, min: 0, exclusiveMin: true }),
    }),
    references: ['Rasch et al., aihwkit IOParameters (inp_res, inp_bound, noise management abs_max).'],
  },
  create: (_ctx, p) => {
    const levels = p.bits === 0 ? 0 : Math.max(1, 2 ** (p.bits - 1) - 1);
    return {
      // Rounds half away from zero so positive and negative inputs quantise symmetrically.
      convert(src, dst, batch, lines, scales) {
        kernels.dac(src, dst, batch, lines, scales, p.scaling === 'abs-max', p.range, levels, p.vRead);
      },
    };
  },
});
