import type { DataTransform } from '@txsim/core';
import { mapInputs, type TransformData } from './types.js';

type Binarize = Extract<DataTransform, { name: 'binarize' }>;

/**
 * x ← 1 where x ≥ threshold, else 0. The comparison is made on the float32 value as stored, so with
 * MNIST bytes scaled by 1/255 and threshold 0.5, a byte of 128 (0.50196) becomes 1 and 127 becomes 0.
 */
export function binarize(t: Binarize, data: TransformData): TransformData {
  const { threshold } = t;
  const fn = (x: Float32Array, out: Float32Array) => {
    for (let i = 0; i < x.length; i++) out[i] = x[i]! >= threshold ? 1 : 0;
  };
  return { train: mapInputs(data.train, fn), test: mapInputs(data.test, fn), shape: data.shape };
}
