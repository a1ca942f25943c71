import { existsSync, statSync } from 'node:fs';
import { sourceDataShape, type Dataset, type DataShape, type ParsedSpec } from '@txsim/core';
import { CIFAR10_HINT, loadCifar10, missingCifar10File } from './cifar10.js';
import { IDX_HINT, loadIdxDir, missingIdxFile } from './idx-dir.js';
import { defaultMnistDir, MNIST_HINT } from './mnist.js';
import type { LoadedDataset, LoadedSplit } from './split.js';
import { SYNTHETIC_DEFAULTS, syntheticDataset } from './synthetic.js';
import { applyTransforms, type AppliedTransform } from './transforms/index.js';

export type DataSpec = ParsedSpec['data'];

const dims = (s: readonly number[]) => s.join('×');

/** The file's image shape must be the one the layers were planned for; labels must be below `classes`. */
function check(split: LoadedSplit, expected: DataShape, which: string): Dataset {
  const want = [expected.channels, expected.height, expected.width];
  if (split.shape.some((d, i) => d !== want[i])) {
    throw new Error(`${split.source}: ${which} images are ${dims(split.shape)} (channels×height×width) but the spec's data set is `
      + `${dims(want)}; set data.shape to [${split.shape.join(', ')}] or point data.dir at the right files`);
  }
  let top = 0;
  for (const l of split.data.labels) if (l > top) top = l;
  if (split.data.labels.length && top >= expected.classes) {
    throw new Error(`${split.source}: ${which} labels go up to ${top} but the spec's data set has ${expected.classes} classes; set data.classes to at least ${top + 1}`);
  }
  return split.data;
}

/**
 * Why a spec's data files cannot be read, naming what was looked for where and where to get it; or
 * undefined when they are all there. Checks existence only, so `txsim validate` can reject a spec
 * without reading any data.
 */
export function dataFilesProblem(data: DataSpec): string | undefined {
  if (data.dataset === 'synthetic' || (data.dataset === 'mnist' && data.dir === undefined)) return undefined;
  const dir = data.dir;
  if (dir === undefined) return `the ${data.dataset} data set needs a directory`;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    const hint = data.dataset === 'cifar10' ? CIFAR10_HINT(dir) : data.dataset === 'idx' ? IDX_HINT(dir) : MNIST_HINT();
    return `directory ${dir} does not exist; ${hint}`;
  }
  if (data.dataset === 'cifar10') {
    const file = missingCifar10File(dir);
    return file && `${file} not found in ${dir}; ${CIFAR10_HINT(dir)}`;
  }
  const file = missingIdxFile(dir);
  return file && `${file} not found in ${dir}; ${data.dataset === 'idx' ? IDX_HINT(dir) : MNIST_HINT()}`;
}

/** What `loadDataset` can be told beyond the spec. */
export interface LoadDatasetOptions {
  /** A resumed run's recorded transforms (data-transforms.json): their statistics are used, not re-measured. */
  readonly recordedTransforms?: readonly AppliedTransform[];
}

/**
 * The training and test sets a spec's `data` block names, with its limits applied, the files' image
 * shape and labels checked against the spec (`sourceDataShape`), then `data.transforms` applied in
 * order. Rows are images in C·H·W order, scaled to [0, 1] before the transforms. `transforms` is the
 * list as applied (statistics filled in), for the run directory. Nothing is downloaded; a missing file
 * is an error saying where to get it.
 */
export function loadDataset(data: DataSpec, seed: number | string, options: LoadDatasetOptions = {}): { train: Dataset; test: Dataset; transforms: AppliedTransform[] } {
  const expected = sourceDataShape(data);
  const limits = { trainLimit: data.trainLimit, testLimit: data.testLimit };
  let loaded: LoadedDataset;
  switch (data.dataset) {
    case 'synthetic': {
      const trainSize = data.trainSize ?? SYNTHETIC_DEFAULTS.trainSize;
      const testSize = data.testSize ?? SYNTHETIC_DEFAULTS.testSize;
      loaded = syntheticDataset({
        shape: [expected.channels, expected.height, expected.width],
        classes: expected.classes,
        // Only the examples used are drawn; each set is a prefix of the full-size one.
        trainSize: Math.min(trainSize, data.trainLimit ?? trainSize),
        testSize: Math.min(testSize, data.testLimit ?? testSize),
        seed,
      });
      break;
    }
    case 'cifar10':
      if (data.dir === undefined) throw new Error(`data.dir: the cifar10 data set needs a directory; ${CIFAR10_HINT('it')}`);
      loaded = loadCifar10(data.dir, limits);
      break;
    case 'idx':
      if (data.dir === undefined) throw new Error(`data.dir: the idx data set needs a directory; ${IDX_HINT('it')}`);
      loaded = loadIdxDir(data.dir, { ...limits, label: 'IDX data set' });
      break;
    case 'mnist':
      loaded = loadIdxDir(data.dir ?? defaultMnistDir(), { ...limits, label: 'MNIST', hint: MNIST_HINT });
      break;
  }
  const train = check(loaded.train, expected, 'training');
  const test = check(loaded.test, expected, 'test');
  if (!data.transforms?.length) return { train, test, transforms: [] };
  const out = applyTransforms(data.transforms, { train, test, shape: [expected.channels, expected.height, expected.width] }, options.recordedTransforms);
  return { train: out.train, test: out.test, transforms: out.applied };
}
