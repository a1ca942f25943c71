import { choice, defineNonideality, params, real, type Polarity } from '@txsim/core';

/** The stuck devices of one array of the pair: flat cell indexes and the conductance each is stuck at. */
interface StuckSet {
  readonly index: Int32Array;
  readonly value: Float64Array;
}

/**
 * Stuck-at faults: a random fraction of devices is frozen at gmin (stuck-off / stuck-at-high-resistance),
 * at gmax (stuck-on), or at either with probability ½. TxSim has no fault model. aihwkit welds faults
 * into its device (`corrupt_devices_prob`, fixed at a random value); here they are a separate plugin
 * with a fixed random mask and the stuck-at-0/1 values of RRAM fault studies (Chen et al., DATE 2017).
 *
 * The mask is drawn once per device array (G+ and G− independently). Reads see the stuck value, and
 * the `after` hook writes it back into the stored state, so the update rule cannot move a stuck device
 * and its (wasted) updates never accumulate there. Every cell draws the same random numbers whatever
 * `fraction` is, so with one seed the stuck set at a larger fraction contains the one at a smaller.
 */
export const stuckCells = defineNonideality({
  meta: {
    name: 'stuck-cells',
    description: 'A random fraction of devices stuck at gmin, gmax or either, fixed for the run.',
    phases: ['forward', 'backward', 'update'],
    params: params({
      fraction: real({ description: 'Probability that a device is stuck (dimensionless, per device).', default: 0.01, neutral: 0, min: 0, max: 1 }),
      mode: choice(['gmin', 'gmax', 'random'], {
        description: 'Where stuck devices sit: gmin (off), gmax (on), or random (gmin or gmax with probability ½ each).',
        default: 'gmin',
      }),
    }),
    references: [
      'Rasch et al., aihwkit PulsedDevice corrupt_devices_prob (the same fixed mask, at a random value).',
      'Chen et al., "Accelerator-friendly neural-network training: learning variations and defects in RRAM crossbar", DATE 2017.',
    ],
  },
  create: (ctx, p) => {
    if (!ctx.range) throw new Error(`stuck-cells (layer ${ctx.layer}): needs the device's conductance range`);
    const { gmin, gmax } = ctx.range;
    const n = ctx.geometry.paddedRows * ctx.geometry.paddedCols;
    const draw = (): StuckSet => {
      const index: number[] = [];
      const value: number[] = [];
      for (let k = 0; k < n; k++) {
        const stuck = ctx.rng.next() < p.fraction;
        const high = p.mode === 'random' ? ctx.rng.next() < 0.5 : p.mode === 'gmax';
        if (!stuck) continue;
        index.push(k);
        value.push(high ? gmax : gmin);
      }
      return { index: Int32Array.from(index), value: Float64Array.from(value) };
    };
    const sets: Record<Polarity, StuckSet> = { plus: draw(), minus: draw() };
    const pin = (src: Float64Array, dst: Float64Array, polarity: Polarity) => {
      dst.set(src);
      const { index, value } = sets[polarity];
      for (let s = 0; s < index.length; s++) dst[index[s]!] = value[s]!;
    };
    return {
      conductance: (src, dst, c) => pin(src, dst, c.polarity),
      after: (src, dst, c) => pin(src, dst, c.polarity),
    };
  },
});
