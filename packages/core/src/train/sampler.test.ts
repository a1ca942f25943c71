import { describe, expect, it } from 'vitest';
import { Matrix } from '../matrix/matrix.js';
import { RngFactory } from '../random/rng-factory.js';
import { epochOrder, samplesPerEpoch, type SamplerSpec } from './sampler.js';
import { Trainer } from './trainer.js';
import type { Dataset, TrainableNetwork } from './types.js';

/** The order the trainer built before samplers existed (trainer.ts up to #15), kept as the reference. */
function legacyShuffle(seed: number, n: number, epoch: number): Uint32Array {
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  new RngFactory(seed).stream('shuffle', epoch).shuffle(order);
  return order;
}

describe('samplers', () => {
  it('shuffle (and no sampler) is the seeded per-epoch permutation training always used', () => {
    for (const epoch of [1, 2, 7]) {
      expect(epochOrder('shuffle', 257, new RngFactory(3), epoch)).toEqual(legacyShuffle(3, 257, epoch));
      expect(epochOrder(undefined, 257, new RngFactory(3), epoch)).toEqual(legacyShuffle(3, 257, epoch));
    }
    // A permutation, different each epoch.
    const o = epochOrder('shuffle', 257, new RngFactory(3), 1);
    expect([...o].sort((a, b) => a - b)).toEqual([...Array(257).keys()]);
    expect(o).not.toEqual(epochOrder('shuffle', 257, new RngFactory(3), 2));
  });

  it('in-order visits the file order every epoch', () => {
    for (const epoch of [1, 5]) expect([...epochOrder('in-order', 11, new RngFactory(1), epoch)]).toEqual([...Array(11).keys()]);
  });

  it('an epoch order depends on seed and epoch only, so a resumed run continues with the same order', () => {
    const sampler: SamplerSpec = { name: 'with-replacement', samples: 300 };
    const rngs = new RngFactory(9);
    const straight = [1, 2, 3].map((e) => epochOrder(sampler, 100, rngs, e));
    // A resumed run starts at epoch 3 with a fresh factory.
    expect(epochOrder(sampler, 100, new RngFactory(9), 3)).toEqual(straight[2]);
    expect(straight[0]).not.toEqual(straight[1]);
    expect(epochOrder(sampler, 100, new RngFactory(10), 1)).not.toEqual(straight[0]);
    // Its own stream: drawing does not move the shuffle's.
    expect(epochOrder('shuffle', 100, rngs, 1)).toEqual(legacyShuffle(9, 100, 1));
  });

  it('with-replacement: per-index counts are multinomial (chi-square), all indices in range', () => {
    const n = 50;
    const samples = 100_000;
    const order = epochOrder({ name: 'with-replacement', samples }, n, new RngFactory(1), 1);
    expect(order.length).toBe(samples);
    const counts = new Array<number>(n).fill(0);
    for (const i of order) counts[i]!++;
    expect(Math.max(...order)).toBeLessThan(n);
    const expected = samples / n;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    // 49 degrees of freedom: P(χ² > 85.4) = 0.001, P(χ² < 23.0) = 0.0005 (too even is as wrong as too uneven,
    // e.g. a shuffled repetition of the index list would give χ² = 0).
    expect(chi2).toBeLessThan(85.4);
    expect(chi2).toBeGreaterThan(23.0);
    // Each count is Binomial(samples, 1/n): within 5 standard deviations.
    const sd = Math.sqrt(samples * (1 / n) * (1 - 1 / n));
    for (const c of counts) expect(Math.abs(c - expected)).toBeLessThan(5 * sd);
  });

  it('with-replacement: duplicates come at the rate independent draws give', () => {
    // N draws from N examples leave n·(1 − 1/n)^N examples unseen (≈ n/e); variance ≈ n·e⁻¹·(1 − 2e⁻¹) for N = n.
    const n = 1000;
    const epochs = 20;
    const rngs = new RngFactory(4);
    let unseen = 0;
    for (let e = 1; e <= epochs; e++) {
      const seen = new Uint8Array(n);
      for (const i of epochOrder({ name: 'with-replacement', samples: n }, n, rngs, e)) seen[i] = 1;
      unseen += n - seen.reduce((s, v) => s + v, 0);
    }
    const mean = n * (1 - 1 / n) ** n;
    const sdOfMean = Math.sqrt((n * Math.exp(-1) * (1 - 2 * Math.exp(-1))) / epochs);
    expect(Math.abs(unseen / epochs - mean)).toBeLessThan(5 * sdOfMean);
  });

  it('epoch accounting uses the number of samples', () => {
    expect(samplesPerEpoch({ name: 'with-replacement', samples: 8000 }, 60000)).toBe(8000);
    expect(samplesPerEpoch('in-order', 60000)).toBe(60000);
    expect(samplesPerEpoch(undefined, 123)).toBe(123);
  });
});

/** A network that predicts nothing and records which examples each batch held (inputs carry their index). */
function recorder(classes: number) {
  const batches: number[][] = [];
  const net: TrainableNetwork = {
    forward: (x, training) => {
      if (training) batches.push(Array.from({ length: x.rows }, (_, i) => x.data[i * x.cols]!));
      return new Matrix(x.rows, classes);
    },
    backward: () => {},
    update: () => {},
    activity: () => ({}),
  };
  return { net, batches };
}

const dataset = (n: number): Dataset => ({ inputs: new Matrix(n, 1, Float32Array.from({ length: n }, (_, i) => i)), labels: new Uint8Array(n) });

describe('Trainer with a sampler', () => {
  const clock = { now: () => 0 };

  it('cuts the batches from the sampled order and averages the loss over the samples', async () => {
    const { net, batches } = recorder(4);
    const sampler: SamplerSpec = { name: 'with-replacement', samples: 7 };
    const history = await new Trainer(new RngFactory(2), clock).train(net, dataset(5), dataset(2), { epochs: 2, batchSize: 3, learningRate: 1, sampler });
    expect(batches.map((b) => b.length)).toEqual([3, 3, 1, 3, 3, 1]);
    expect(batches.slice(0, 3).flat()).toEqual([...epochOrder(sampler, 5, new RngFactory(2), 1)]);
    expect(batches.slice(3).flat()).toEqual([...epochOrder(sampler, 5, new RngFactory(2), 2)]);
    // Zero logits: every sample's loss is ln 4, so the mean is ln 4 only if it divides by the 7 samples.
    expect(history[0]!.trainLoss).toBeCloseTo(Math.log(4), 6);
  });

  it('in-order feeds the file order', async () => {
    const { net, batches } = recorder(3);
    await new Trainer(new RngFactory(2), clock).train(net, dataset(5), dataset(2), { epochs: 1, batchSize: 2, learningRate: 1, sampler: 'in-order' });
    expect(batches).toEqual([[0, 1], [2, 3], [4]]);
  });
});
