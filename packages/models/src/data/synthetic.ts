import { Matrix, Rng, type Dataset } from '@txsim/core';
import type { ImageShape, LoadedDataset, LoadedSplit } from './split.js';

export interface SyntheticOptions {
  readonly shape: ImageShape;
  readonly classes: number;
  readonly trainSize: number;
  readonly testSize: number;
  /** Master seed; the data depend on it and on nothing else (not on the run's random streams). */
  readonly seed: number | string;
  /** Per-pixel standard deviation of the noise around each class mean. */
  readonly noise?: number;
}

export const SYNTHETIC_DEFAULTS = { trainSize: 10_000, testSize: 2_000, noise: 0.15 } as const;

/**
 * Example i has class i mod classes (so any prefix is balanced) and pixels mean_class + noise,
 * clipped to [0, 1]. The means are uniform in [0.2, 0.8] per pixel, so two classes differ by about
 * 0.24·√pixels in distance against noise of `noise` along any direction: separable for a linear
 * classifier at the usual image sizes, yet noisy enough that a network has something to learn.
 */
function sample(means: Float64Array, features: number, classes: number, size: number, noise: number, rng: Rng): Dataset {
  const inputs = new Matrix(size, features);
  const labels = new Uint8Array(size);
  const x = inputs.data;
  rng.fillNormal(x, 0, noise);
  for (let i = 0; i < size; i++) {
    const c = i % classes;
    labels[i] = c;
    const row = i * features;
    const mean = c * features;
    for (let k = 0; k < features; k++) {
      const v = x[row + k]! + means[mean + k]!;
      x[row + k] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
  return { inputs, labels };
}

/**
 * Seeded synthetic images: deterministic for a seed, with the training and test sets drawn from
 * separate streams, so a set's size never changes the other set's examples.
 */
export function syntheticDataset(options: SyntheticOptions): LoadedDataset {
  const { shape, classes, seed } = options;
  if (classes > 256) throw new RangeError(`synthetic data: at most 256 classes fit byte labels, got ${classes}`);
  const features = shape[0] * shape[1] * shape[2];
  const noise = options.noise ?? SYNTHETIC_DEFAULTS.noise;
  const stream = (name: string) => new Rng(`${String(seed)}/data/synthetic/${name}`);
  const means = stream('means').fillUniform(new Float64Array(classes * features), 0.2, 0.8) as Float64Array;
  const split = (name: string, size: number): LoadedSplit => ({
    data: sample(means, features, classes, size, noise, stream(name)),
    shape,
    source: `synthetic ${name} set (seed ${String(seed)})`,
  });
  return { train: split('train', options.trainSize), test: split('test', options.testSize) };
}
