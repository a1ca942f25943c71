import type { DataTransform, StandardizeTransform } from '@txsim/core';
import { binarize } from './binarize.js';
import { crop } from './crop.js';
import { scale } from './scale.js';
import { standardize, type StandardizeStatistics } from './standardize.js';
import type { TransformData } from './types.js';

export { globalStatistics, type StandardizeStatistics } from './standardize.js';
export type { TransformData } from './types.js';

/**
 * A transform as it was applied: the spec's entry, with a standardize's measured statistics filled in.
 * The list is written to the run directory (data-transforms.json) and read back by a resumed run.
 */
export type AppliedTransform = Exclude<DataTransform, { name: 'standardize' }> | AppliedStandardize;

/** A standardize transform with the statistics it used. */
export type AppliedStandardize = StandardizeTransform & { mean: number; std: number; measured: StandardizeStatistics['measured'] };

/**
 * Applies `transforms` in order to both splits. A standardize without mean or std measures them on the
 * training split as it stands at that point; `recorded` (a resumed run's applied list) supplies them
 * instead, so the run goes on with the statistics it started with.
 */
export function applyTransforms(transforms: readonly DataTransform[], data: TransformData, recorded?: readonly AppliedTransform[]): TransformData & { applied: AppliedTransform[] } {
  if (recorded && (recorded.length !== transforms.length || recorded.some((r, i) => r.name !== transforms[i]!.name))) {
    throw new Error(`data.transforms: the run directory recorded transforms ${recorded.map((r) => r.name).join(', ') || '(none)'} but the spec has ${transforms.map((t) => t.name).join(', ') || '(none)'}`);
  }
  const applied: AppliedTransform[] = [];
  let cur = data;
  transforms.forEach((t, i) => {
    switch (t.name) {
      case 'crop':
        cur = crop(t, cur);
        applied.push(t);
        break;
      case 'scale':
        cur = scale(t, cur);
        applied.push(t);
        break;
      case 'binarize':
        cur = binarize(t, cur);
        applied.push(t);
        break;
      case 'standardize': {
        const before = recorded?.[i] as AppliedStandardize | undefined;
        const out = standardize(before ? { ...t, mean: before.mean, std: before.std } : t, cur);
        const measured = before?.measured ?? out.statistics.measured;
        cur = out;
        applied.push({ ...t, mean: out.statistics.mean, std: out.statistics.std, measured });
        break;
      }
    }
  });
  return { train: cur.train, test: cur.test, shape: cur.shape, applied };
}
