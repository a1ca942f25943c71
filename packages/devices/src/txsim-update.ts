import { defineUpdateRule, kernels, params, real } from '@txsim/core';

/**
 * TxSim's update abstraction: the layer's digital gradient becomes an ideal conductance change
 * through a per-layer scale, ΔG = −η · s · ∇W, with s the mapping's siemens per weight unit; pulses
 * are not simulated one by one. Non-linearity and write noise act on ΔG afterwards, as hooks.
 */
export const txsimUpdate = defineUpdateRule({
  meta: {
    name: 'txsim-update',
    description: 'Scaled-gradient update: the conductance change is the learning rate times the gradient in siemens.',
    phases: ['update'],
    params: params({
      gain: real({ description: 'Extra factor on the per-layer gradient-to-conductance scale.', default: 1, neutral: 1, min: 0, exclusiveMin: true }),
    }),
    references: ['Roy et al., TxSim, IEEE TVLSI 29(4), 2021, §III-B (Scale_Layer-k).'],
  },
  create: (_ctx, p) => ({
    update({ grad, learningRate, siemensPerWeight }, { want }) {
      kernels.widen(grad, -learningRate * siemensPerWeight * p.gain, want);
      return 'analog';
    },
  }),
});
