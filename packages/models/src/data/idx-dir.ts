import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Matrix } from '@txsim/core';
import { readIdx } from './idx.js';
import type { ImageShape, LoadedDataset, LoadedSplit, SplitLimits } from './split.js';

/** The four files of an MNIST-format set (MNIST, Fashion-MNIST, KMNIST…), each optionally gzipped. */
export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** Where to get a set when its files are missing; `dir` is the directory looked in. */
export const IDX_HINT = (dir: string) => 'for Fashion-MNIST: apt install dataset-fashion-mnist (it installs the gzipped files under '
  + `/usr/share/datasets/fashion-mnist), or download the four IDX files from github.com/zalandoresearch/fashion-mnist into ${dir}; `
  + 'any set in the MNIST IDX format works';

export interface IdxDirOptions extends SplitLimits {
  /** Names the set in messages (default "IDX data set"). */
  readonly label?: string;
  /** Says where to get the files when one is missing; default: IDX_HINT. */
  readonly hint?: (dir: string) => string;
}

/** The path of `name` or `name.gz` in `dir`, or undefined. */
export function findIdxFile(dir: string, name: string): string | undefined {
  return [join(dir, name), join(dir, `${name}.gz`)].find((p) => existsSync(p));
}

/** The first of the four files `dir` lacks (as "name[.gz]"), or undefined when all are there. */
export function missingIdxFile(dir: string): string | undefined {
  const name = Object.values(IDX_FILES).find((f) => !findIdxFile(dir, f));
  return name && `${name}[.gz]`;
}

function split(dir: string, images: string, labels: string, limit: number | undefined, options: IdxDirOptions): LoadedSplit {
  const label = options.label ?? 'IDX data set';
  const find = (name: string) => {
    const path = findIdxFile(dir, name);
    if (!path) throw new Error(`${label}: ${name} not found in ${dir} (nor ${name}.gz); ${(options.hint ?? IDX_HINT)(dir)}`);
    return path;
  };
  const imgPath = find(images);
  const labPath = find(labels);
  const img = readIdx(imgPath);
  const lab = readIdx(labPath);
  // Rank 3 is [count, height, width] (one channel); rank 4 is [count, channels, height, width].
  if (img.dims.length !== 3 && img.dims.length !== 4) throw new Error(`${imgPath}: expected images of rank 3 or 4, got dimensions ${img.dims.join('×')}`);
  if (lab.dims.length !== 1) throw new Error(`${labPath}: expected a rank-1 label file, got dimensions ${lab.dims.join('×')}`);
  const count = img.dims[0]!;
  const shape = (img.dims.length === 3 ? [1, img.dims[1]!, img.dims[2]!] : img.dims.slice(1)) as unknown as ImageShape;
  if (lab.dims[0] !== count) throw new Error(`${label}: ${imgPath} holds ${count} images but ${labPath} ${lab.dims[0]} labels`);
  const n = Math.min(count, limit ?? count);
  const features = shape[0] * shape[1] * shape[2];
  const inputs = new Matrix(n, features);
  const src = img.data;
  const dst = inputs.data;
  for (let k = 0; k < n * features; k++) dst[k] = src[k]! / 255;
  return { data: { inputs, labels: lab.data.slice(0, n) }, shape, source: imgPath };
}

/** An MNIST-format IDX directory's training and test splits, images scaled to [0, 1]. */
export function loadIdxDir(dir: string, options: IdxDirOptions = {}): LoadedDataset {
  return {
    train: split(dir, IDX_FILES.trainImages, IDX_FILES.trainLabels, options.trainLimit, options),
    test: split(dir, IDX_FILES.testImages, IDX_FILES.testLabels, options.testLimit, options),
  };
}
