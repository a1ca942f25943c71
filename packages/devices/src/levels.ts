import { defineDevice, integer, kernels, params, quantity } from '@txsim/core';

/**
 * A resistive device programmable to a limited number of evenly spaced conductance levels between
 * 1/Rmax and 1/Rmin. As in TxSim, the stored state is a high-precision copy and reads see it rounded
 * to the nearest level; a weight spread over `slices` cells (bit slicing with exact digital
 * shift-and-add) reads at levels^slices steps.
 */
export const levels = defineDevice({
  meta: {
    name: 'levels',
    description: 'A device with a limited number of conductance levels between 1/Rmax and 1/Rmin.',
    phases: ['forward', 'backward', 'update'],
    params: params({
      rmin: quantity('ohm', { description: 'Low-resistance (on) state, 1/gmax.', default: 100e3, min: 0, exclusiveMin: true }),
      rmax: quantity('ohm', { description: 'High-resistance (off) state, 1/gmin.', default: 1e6, min: 0, exclusiveMin: true }),
      bits: integer({ description: 'Bits per cell: 2^bits levels.', default: 2, min: 1, max: 16, unit: 'bits' }),
      slices: integer({ description: 'Cells per weight (bit slices combined digitally).', default: 1, min: 1, max: 16 }),
    }).refine((p) => p.rmax > p.rmin, { message: 'rmax must exceed rmin (the on/off ratio must be > 1)', path: ['rmax'] }),
    references: ['Roy et al., TxSim, IEEE TVLSI 29(4), 2021 (arXiv 2002.11151): 2-bit Ag/Si cells, Rmin 100 kΩ, Rmax 1 MΩ.'],
  },
  create: (_ctx, p) => {
    const gmin = 1 / p.rmax;
    const gmax = 1 / p.rmin;
    const steps = 2 ** (p.bits * p.slices) - 1;
    const step = (gmax - gmin) / steps;
    return {
      gmin,
      gmax,
      read(src, dst) {
        // Stored states stay within [gmin, gmax] (the tile clips), so floor(x + 0.5) rounds to the nearest level.
        kernels.levels(src, dst, gmin, step, steps);
      },
    };
  },
});
