import type { DataTransform } from '@txsim/core';
import { mapInputs, type TransformData } from './types.js';

type Scale = Extract<DataTransform, { name: 'scale' }>;

/** x ← x·factor + offset on every value of both splits. */
export function scale(t: Scale, data: TransformData): TransformData {
  const { factor, offset } = t;
  const fn = (x: Float32Array, out: Float32Array) => {
    for (let i = 0; i < x.length; i++) out[i] = x[i]! * factor + offset;
  };
  return { train: mapInputs(data.train, fn), test: mapInputs(data.test, fn), shape: data.shape };
}
