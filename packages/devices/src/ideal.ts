import { defineDevice, params, quantity } from '@txsim/core';

/** A device that stores any conductance in its range exactly and changes by exactly what it is asked. */
export const ideal = defineDevice({
  meta: {
    name: 'ideal',
    description: 'A linear, noiseless device with a continuous conductance range.',
    phases: ['forward', 'backward', 'update'],
    params: params({
      gmin: quantity('S', { description: 'Lowest conductance.', default: 0, min: 0 }),
      gmax: quantity('S', { description: 'Highest conductance.', default: 1e-5, min: 0, exclusiveMin: true }),
    }).refine((p) => p.gmax > p.gmin, { message: 'gmax must exceed gmin', path: ['gmax'] }),
  },
  create: (_ctx, p) => ({ gmin: p.gmin, gmax: p.gmax }),
});
