import type { StandardizeTransform } from '@txsim/core';
import { mapInputs, type TransformData } from './types.js';

/** The statistics a standardize transform used: recorded in the run directory so a resumed run uses them. */
export interface StandardizeStatistics {
  readonly mean: number;
  readonly std: number;
  readonly targetStd: number;
  /** Which of mean and std were measured on the training set (the others came from the spec). */
  readonly measured: readonly ('mean' | 'std')[];
}

/**
 * Mean and population standard deviation (divided by N) of every value of a split, in float64: one
 * number each over all pixels and channels, as CrossSim's "gauss" scaling measures them.
 */
export function globalStatistics(values: Float32Array): { mean: number; std: number } {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  const mean = sum / values.length;
  let sq = 0;
  for (let i = 0; i < values.length; i++) {
    const d = values[i]! - mean;
    sq += d * d;
  }
  return { mean, std: Math.sqrt(sq / values.length) };
}

/**
 * x ← (x − mean) / std · targetStd on both splits, with mean and std from the spec or else measured on
 * the training split only (the test set is scaled with the training statistics).
 */
export function standardize(t: StandardizeTransform, data: TransformData): TransformData & { statistics: StandardizeStatistics } {
  const values = data.train.inputs.data;
  const measured: ('mean' | 'std')[] = [];
  if ((t.mean === undefined || t.std === undefined) && values.length === 0) {
    throw new Error('data.transforms: standardize without mean and std measures them on the training set, which is empty');
  }
  const stats = t.mean === undefined || t.std === undefined ? globalStatistics(values) : undefined;
  if (t.mean === undefined) measured.push('mean');
  if (t.std === undefined) measured.push('std');
  const mean = t.mean ?? stats!.mean;
  const std = t.std ?? stats!.std;
  if (!(std > 0)) {
    throw new Error(`data.transforms: standardize measured a standard deviation of ${std} on the training set (every value is ${mean}); give std, or drop the transform`);
  }
  const gain = t.targetStd / std;
  const fn = (x: Float32Array, out: Float32Array) => {
    for (let i = 0; i < x.length; i++) out[i] = (x[i]! - mean) * gain;
  };
  return { train: mapInputs(data.train, fn), test: mapInputs(data.test, fn), shape: data.shape, statistics: { mean, std, targetStd: t.targetStd, measured } };
}
