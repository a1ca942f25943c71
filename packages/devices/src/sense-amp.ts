import { defineSenseAmp, params, quantity, real } from '@txsim/core';

/** A sense amplifier with gain error, input-referred offset and input-referred noise, per read. */
export const senseAmp = defineSenseAmp({
  meta: {
    name: 'sense-amp',
    description: 'Sense amplifier with relative gain, input-referred offset current and input-referred noise current.',
    phases: ['forward', 'backward'],
    params: params({
      gain: real({ description: 'Gain relative to nominal (digital rescaling assumes 1).', default: 1, neutral: 1, min: 0, exclusiveMin: true }),
      offset: quantity('A', { description: 'Input-referred offset current.', default: 0, neutral: 0 }),
      noise: quantity('A', { description: 'Input-referred noise current (rms), fresh each read.', default: 0, neutral: 0, min: 0 }),
    }),
  },
  create: (ctx, p) => ({
    exact: p.gain === 1 && p.offset === 0 && p.noise === 0,
    amplify(src, dst) {
      const n = src.length;
      if (p.noise === 0) {
        for (let k = 0; k < n; k++) dst[k] = p.gain * (src[k]! + p.offset);
        return;
      }
      for (let k = 0; k < n; k++) dst[k] = p.gain * (src[k]! + p.offset + p.noise * ctx.rng.normal());
    },
  }),
});
