import { choice, defineDac, integer, params, quantity, real } from '@txsim/core';

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
      convert(src, dst, batch, lines, scales) {
        for (let b = 0; b < batch; b++) {
          const row = b * lines;
          let full = p.range;
          if (p.scaling === 'abs-max') {
            full = 0;
            for (let i = 0; i < lines; i++) full = Math.max(full, Math.abs(src[row + i]!));
          }
          if (full === 0) {
            dst.fill(0, row, row + lines);
            scales[b] = 0;
            continue;
          }
          const toUnit = 1 / full;
          for (let i = 0; i < lines; i++) {
            let u = src[row + i]! * toUnit;
            u = u > 1 ? 1 : u < -1 ? -1 : u;
            if (levels) {
              // Round half away from zero so positive and negative inputs quantise symmetrically.
              const r = u * levels;
              let q = Math.round(r);
              if (q - r === 0.5 && r < 0) q -= 1;
              u = q / levels;
            }
            dst[row + i] = u * p.vRead;
          }
          scales[b] = full / p.vRead;
        }
      },
    };
  },
});
