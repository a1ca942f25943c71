import type { RngFactory } from '../random/rng-factory.js';

/**
 * The order in which an epoch visits the training set (`training.sampler`):
 * - `shuffle`: every example once, in a fresh seeded permutation per epoch (the default);
 * - `in-order`: every example once, in file order, every epoch;
 * - `{ name: with-replacement, samples }`: `samples` independent uniform draws from the whole training
 *   set, so an example can come twice in one epoch or not at all (MLP+NeuroSim's `rand() % N` per step).
 */
export type SamplerSpec = 'shuffle' | 'in-order' | { readonly name: 'with-replacement'; readonly samples: number };

/** Examples one epoch visits: the batches are cut from them and the epoch's mean loss averages over them. */
export function samplesPerEpoch(sampler: SamplerSpec | undefined, trainSize: number): number {
  return typeof sampler === 'object' ? sampler.samples : trainSize;
}

/**
 * The indices into the training set that epoch `epoch` (1-based) visits, in order. It depends only on
 * the master seed, the sampler and the epoch, never on earlier epochs, so a resumed run continues with
 * the very order an uninterrupted one would have used.
 */
export function epochOrder(sampler: SamplerSpec | undefined, trainSize: number, rngs: RngFactory, epoch: number): Uint32Array {
  if (sampler === undefined || sampler === 'shuffle') {
    const order = Uint32Array.from({ length: trainSize }, (_, i) => i);
    // The stream path is the one training has always used: defaults stay bit for bit.
    rngs.stream('shuffle', epoch).shuffle(order);
    return order;
  }
  if (sampler === 'in-order') return Uint32Array.from({ length: trainSize }, (_, i) => i);
  return drawWithReplacement(sampler.samples, trainSize, rngs, epoch);
}

/**
 * `samples` independent draws, each uniform over [0, trainSize): a 32-bit draw is rejected when it falls
 * in the incomplete top block, so no index is favoured by the modulo (rejection is rarer than 1 in 2^32/n).
 */
function drawWithReplacement(samples: number, trainSize: number, rngs: RngFactory, epoch: number): Uint32Array {
  if (trainSize < 1) throw new Error('training.sampler: with-replacement needs a non-empty training set');
  const rng = rngs.stream('sampler', 'with-replacement', epoch);
  const limit = Math.floor(0x1_0000_0000 / trainSize) * trainSize;
  const out = new Uint32Array(samples);
  for (let i = 0; i < samples; i++) {
    let u = rng.nextU32();
    while (u >= limit) u = rng.nextU32();
    out[i] = u % trainSize;
  }
  return out;
}
