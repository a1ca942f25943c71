import { z } from 'zod';
import { SPEC_LIMITS as L } from './limits.js';

/**
 * `data.transforms`: input transforms applied once, in order, to the loaded images (after trainLimit and
 * testLimit), before any training. Inputs arrive as C·H·W rows scaled to [0, 1]. The shape they change
 * (crop) is planned from the spec alone (`transformedShape`), so the layers are sized for it and a crop
 * outside the image is refused before any data is read. packages/models/src/data/transforms/ applies them.
 */

const whole = (what: string, min: number) => z.number({ error: `expected an integer (${what})` }).int({ error: `expected an integer (${what})` }).min(min, { error: `must be ≥ ${min} (${what})` }).max(L.imageSide, { error: `must be ≤ ${L.imageSide} (${what})` });
const finite = (what: string) => z.number({ error: `expected a number (${what})` }).refine(Number.isFinite, { error: `expected a finite number (${what})` });
const positive = (what: string) => z.number({ error: `expected a number (${what})` }).positive({ error: `must be > 0 (${what})` }).refine(Number.isFinite, { error: `expected a finite number (${what})` });

/** Keeps rows top … top+height−1 and columns left … left+width−1 of every channel (pixels, 0-based). */
export const cropSchema = z.strictObject({
  name: z.literal('crop'),
  top: whole('first row kept, pixels from the top', 0),
  left: whole('first column kept, pixels from the left', 0),
  height: whole('rows kept, pixels', 1),
  width: whole('columns kept, pixels', 1),
});

/** x ← x·factor + offset, on every value (dimensionless, like the inputs). */
export const scaleSchema = z.strictObject({
  name: z.literal('scale'),
  factor: finite('multiplier'),
  offset: finite('added after the multiplication').default(0),
});

/**
 * x ← (x − mean) / std · targetStd with one mean and one std for all pixels and channels (CrossSim's
 * "gauss" input scaling; its MNIST training uses targetStd 0.5). Absent mean or std: measured over every
 * value of the training set (after trainLimit and the transforms before this one), population std
 * (divided by N), and applied to the test set too.
 */
export const standardizeSchema = z.strictObject({
  name: z.literal('standardize'),
  mean: finite('value subtracted; default the training set mean').optional(),
  std: positive('divisor; default the training set standard deviation').optional(),
  targetStd: positive('standard deviation of the result').default(1),
});

/** x ← 1 where x ≥ threshold, else 0 (MLP+NeuroSim reads its patches this way with threshold 0.5). */
export const binarizeSchema = z.strictObject({
  name: z.literal('binarize'),
  threshold: finite('values at or above it become 1, the rest 0'),
});

export const TRANSFORM_NAMES = ['crop', 'scale', 'standardize', 'binarize'] as const;

export const transformSchema = z.discriminatedUnion('name', [cropSchema, scaleSchema, standardizeSchema, binarizeSchema], {
  error: (issue) => (issue.code === 'invalid_union' && issue.note === 'No matching discriminator'
    ? `expected a transform { name: ${TRANSFORM_NAMES.join(' | ')}, … }` : undefined),
});

export const transformsSchema = z.array(transformSchema).max(L.transforms, { error: `at most ${L.transforms} transforms (see docs/limits.md)` });

export type DataTransform = z.output<typeof transformSchema>;
export type CropTransform = z.output<typeof cropSchema>;
export type StandardizeTransform = z.output<typeof standardizeSchema>;

/** [channels, height, width] of one image (C·H·W rows). */
export type ChwShape = readonly [number, number, number];

/** A transform that does not fit the image it is given: the field to change and why. */
export interface TransformShapeIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/**
 * The image shape after `transforms`, from the source shape; or the first transform that does not fit
 * (a crop reaching outside its image), with the field and its valid range. Only crop changes the shape.
 */
export function transformedShape(source: ChwShape, transforms: readonly DataTransform[] | undefined): { shape: ChwShape; issues: TransformShapeIssue[] } {
  let [c, h, w] = source;
  const issues: TransformShapeIssue[] = [];
  (transforms ?? []).forEach((t, i) => {
    if (t.name !== 'crop' || issues.length) return;
    const fits = (start: 'top' | 'left', size: 'height' | 'width', extent: number, unit: string) => {
      if (t[start] > extent - 1) {
        issues.push({ path: [i, start], message: `${start} ${t[start]} is outside the ${extent}-${unit} image the crop gets; valid ${start}: 0 … ${extent - 1}` });
        return false;
      }
      if (t[start] + t[size] > extent) {
        issues.push({ path: [i, size], message: `${size} ${t[size]} from ${start} ${t[start]} reaches ${unit} ${t[start] + t[size] - 1}, outside the ${extent}-${unit} image the crop gets (${unit}s 0 … ${extent - 1}); valid ${size} with ${start} ${t[start]}: 1 … ${extent - t[start]}` });
        return false;
      }
      return true;
    };
    if (fits('top', 'height', h, 'row') && fits('left', 'width', w, 'column')) {
      h = t.height;
      w = t.width;
    }
  });
  return { shape: [c, h, w], issues };
}

/** The image shape in the data files: `data.shape`, else the data set's own (CIFAR-10 3×32×32, else 1×28×28). */
export function sourceImageShape(data: { readonly dataset: string; readonly shape?: readonly [number, number, number] | undefined }): ChwShape {
  return data.shape ?? (data.dataset === 'cifar10' ? [3, 32, 32] : [1, 28, 28]);
}
