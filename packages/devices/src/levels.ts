import { defineDevice, flag, integer, kernels, params, quantity, type DeviceSlices } from '@txsim/core';

/**
 * A resistive device programmable to a limited number of evenly spaced conductance levels between
 * 1/Rmax and 1/Rmin. As in TxSim, the stored state is a high-precision copy and reads see it rounded
 * to the nearest level; a weight spread over `slices` cells (bit slicing with exact digital
 * shift-and-add) reads at levels^slices steps.
 *
 * With `sliceAdc` each slice is its own array sensed through its own ADC groups. The stored state's level
 * index ℓ (of 2^(bits·slices)) is written in base B = 2^bits, most significant slice first,
 * ℓ = Σ_s d_s·B^(S−1−s); slice s of each device of the pair is a cell at gmin + d_s·(gmax − gmin)/(B − 1),
 * so G± of a slice comes from the digits of that polarity's own level. Shift-and-add weights
 * B^(S−1−s)·(B − 1)/(B^S − 1) (they sum to 1) recombine the slices into exactly the combined read.
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
      sliceAdc: flag({ description: 'Sense and convert each slice separately, then shift-add (false: slices combine exactly before the converters).', default: false, neutral: false }),
    })
      .refine((p) => p.rmax > p.rmin, { message: 'rmax must exceed rmin (the on/off ratio must be > 1)', path: ['rmax'] })
      .refine((p) => !p.sliceAdc || p.bits * p.slices <= 52, { message: 'per-slice reads need bits × slices ≤ 52 (level indices exact in a double)', path: ['sliceAdc'] }),
    references: [
      'Roy et al., TxSim, IEEE TVLSI 29(4), 2021 (arXiv 2002.11151): 2-bit Ag/Si cells, Rmin 100 kΩ, Rmax 1 MΩ.',
      'Ankit et al., PUMA (ASPLOS 2019) and Chakraborty et al., GENIEx (DAC 2020): weight slices converted separately and shift-added.',
    ],
  },
  create: (_ctx, p) => {
    const gmin = 1 / p.rmax;
    const gmax = 1 / p.rmin;
    const steps = 2 ** (p.bits * p.slices) - 1;
    const step = (gmax - gmin) / steps;
    const base = 2 ** p.bits;
    const slices: DeviceSlices | undefined = p.sliceAdc && p.slices > 1 ? {
      count: p.slices,
      weights: Array.from({ length: p.slices }, (_, s) => base ** (p.slices - 1 - s) * (base - 1) / steps),
      read(src, dst) {
        const inv = 1 / step;
        const cell = (gmax - gmin) / (base - 1);
        for (let k = 0; k < src.length; k++) {
          let level = Math.floor((src[k]! - gmin) * inv + 0.5);
          level = level < 0 ? 0 : level > steps ? steps : level;
          // Least significant slice last: peel digits off the bottom.
          for (let s = p.slices - 1; s >= 0; s--) {
            const digit = level % base;
            dst[s]![k] = gmin + digit * cell;
            level = (level - digit) / base;
          }
        }
      },
    } : undefined;
    return {
      gmin,
      gmax,
      read(src, dst) {
        // Stored states stay within [gmin, gmax] (the tile clips), so floor(x + 0.5) rounds to the nearest level.
        kernels.levels(src, dst, gmin, step, steps);
      },
      fusedRead: { kind: 'levels', gmin, step, steps },
      ...(slices ? { slices } : {}),
    };
  },
});
