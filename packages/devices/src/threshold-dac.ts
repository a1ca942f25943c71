import { defineDac, flag, params, quantity, real } from '@txsim/core';

/**
 * A binarising DAC (MLP+NeuroSim V3's binarised hidden activation): the array is driven with x ≥ threshold
 * → vRead, else 0 V, and the digital value of one volt is 1/vRead, so a driven line stands for an input of
 * exactly 1. Only the hardware read sees the binary value: the layer keeps its analog input, from which the
 * weight gradient and the update's outer product are formed (NeuroSim updates with the analog activation).
 *
 * The threshold is above 0 because the tile drives its padding lines with zero inputs: a threshold at or
 * below 0 would switch them on.
 */
export const thresholdDac = defineDac({
  meta: {
    name: 'threshold-dac',
    description: 'Binarising DAC: drives vRead where the input is at or above a threshold, 0 V elsewhere.',
    phases: ['forward', 'backward'],
    params: params({
      threshold: real({ description: 'Inputs at or above it drive the line (NeuroSim binarises sigmoid activations at 0.5).', default: 0.5, min: 0, exclusiveMin: true }),
      vRead: quantity('V', { description: 'Drive voltage of a binary 1.', default: 0.2, min: 0, exclusiveMin: true }),
      binarize: flag({ description: 'false drives x·vRead unquantised (an ideal linear DAC): the neutral setting, for sweeps with the binarisation off.', default: true, neutral: false }),
    }),
    references: ['Chen, Peng and Yu, MLP+NeuroSim V3.0 (Georgia Tech): binarised hidden-layer activations on the second layer\'s read.'],
  },
  create: (_ctx, p) => ({
    convert(src, dst, batch, lines, scales) {
      const n = batch * lines;
      const { threshold, vRead } = p;
      if (p.binarize) for (let i = 0; i < n; i++) dst[i] = src[i]! >= threshold ? vRead : 0;
      else for (let i = 0; i < n; i++) dst[i] = src[i]! * vRead;
      scales.fill(1 / vRead, 0, batch);
    },
  }),
});
