import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppliedTransform } from '@txsim/models';

/**
 * The input transforms as a run applied them (data.transforms with a standardize's training-set mean and
 * std filled in). Written when the run directory is made; a resumed run reads the statistics back
 * instead of measuring them again, so it goes on with the inputs it started with.
 */
export const DATA_TRANSFORMS_FILE = 'data-transforms.json';

export interface DataTransformsRecord {
  readonly transforms: readonly AppliedTransform[];
}

/** The transforms a run directory recorded, or undefined when it has none recorded. */
export function readRecordedTransforms(runDir: string): readonly AppliedTransform[] | undefined {
  const file = join(runDir, DATA_TRANSFORMS_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as DataTransformsRecord).transforms;
  } catch (e) {
    throw new Error(`${file} is unreadable (${e instanceof Error ? e.message : String(e)}); the run's input statistics cannot be recovered without it`);
  }
}

/** One line per measured statistic, for the run log. */
export function describeTransforms(transforms: readonly AppliedTransform[]): string[] {
  return transforms.flatMap((t, i) => (t.name === 'standardize' && 'measured' in t && t.measured.length
    ? [`data.transforms[${i}] standardize: mean ${t.mean.toPrecision(6)}, std ${t.std.toPrecision(6)} (${t.measured.join(' and ')} measured on the training set) → std ${t.targetStd}`]
    : []));
}
