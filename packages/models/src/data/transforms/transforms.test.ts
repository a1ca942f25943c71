import { Matrix, specSchema, type Dataset, type DataTransform } from '@txsim/core';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../load-dataset.js';
import { applyTransforms, globalStatistics, type AppliedTransform } from './index.js';

/** A split from hand-written images (each a flat C·H·W list). */
const split = (images: number[][]): Dataset => ({
  inputs: new Matrix(images.length, images[0]!.length, Float32Array.from(images.flat())),
  labels: new Uint8Array(images.length),
});
const rows = (d: Dataset) => Array.from({ length: d.inputs.rows }, (_, i) => Array.from(d.inputs.data.subarray(i * d.inputs.cols, (i + 1) * d.inputs.cols)));
const f32 = (xs: number[]) => xs.map((x) => Math.fround(x));

describe('data transforms against hand computation', () => {
  it('crop keeps the window of every channel, rows in order', () => {
    // Two images of 2 channels × 3 rows × 4 columns; pixel value = 100·image + 10·(channel·3 + row) + column.
    const img = (k: number) => Array.from({ length: 24 }, (_, p) => 100 * k + 10 * Math.floor(p / 4) + (p % 4));
    const out = applyTransforms([{ name: 'crop', top: 1, left: 2, height: 2, width: 2 }], { train: split([img(0), img(1)]), test: split([img(2)]), shape: [2, 3, 4] });
    expect(out.shape).toEqual([2, 2, 2]);
    // Channel 0 rows 1, 2 → tens 1, 2; channel 1 rows 1, 2 → tens 4, 5; columns 2, 3.
    expect(rows(out.train)).toEqual([[12, 13, 22, 23, 42, 43, 52, 53], [112, 113, 122, 123, 142, 143, 152, 153]]);
    expect(rows(out.test)).toEqual([[212, 213, 222, 223, 242, 243, 252, 253]]);
  });

  it('scale is x·factor + offset', () => {
    const out = applyTransforms([{ name: 'scale', factor: 2, offset: -1 }], { train: split([[0, 0.25, 1]]), test: split([[0.5, 0.75, 3]]), shape: [1, 1, 3] });
    expect(rows(out.train)).toEqual([[-1, -0.5, 1]]);
    expect(rows(out.test)).toEqual([[0, 0.5, 5]]);
  });

  it('binarize: x ≥ threshold → 1, else 0 (MNIST bytes 127 and 128 fall either side of 0.5)', () => {
    const out = applyTransforms([{ name: 'binarize', threshold: 0.5 }], { train: split([[0.49, 0.5, 0.51, 128 / 255, 127 / 255, -2]]), test: split([[1, 0, 0.5, 0.4, 7, 0.5]]), shape: [1, 2, 3] });
    expect(rows(out.train)).toEqual([[0, 1, 1, 1, 0, 0]]);
    expect(rows(out.test)).toEqual([[1, 0, 1, 0, 1, 1]]);
  });

  it('standardize measures one mean and one population std over the whole training split, and applies them to the test split', () => {
    // Training values 0, 1, 2, 3: mean 1.5, variance (2.25 + 0.25 + 0.25 + 2.25)/4 = 1.25.
    const std = Math.sqrt(1.25);
    const out = applyTransforms([{ name: 'standardize', targetStd: 0.5 }], { train: split([[0, 1], [2, 3]]), test: split([[1.5, 4]]), shape: [1, 1, 2] });
    expect(rows(out.train).flat()).toEqual(f32([0, 1, 2, 3].map((x) => ((x - 1.5) / std) * 0.5)));
    expect(rows(out.test).flat()).toEqual(f32([0, ((4 - 1.5) / std) * 0.5]));
    expect(out.applied).toEqual([{ name: 'standardize', targetStd: 0.5, mean: 1.5, std, measured: ['mean', 'std'] }]);
    // The result has the target std (population), mean 0.
    const s = globalStatistics(out.train.inputs.data);
    expect(s.mean).toBeCloseTo(0, 7);
    expect(s.std).toBeCloseTo(0.5, 6);
  });

  it('standardize uses the spec’s mean and std where given and measures only what is missing', () => {
    const given = applyTransforms([{ name: 'standardize', mean: 1, std: 2, targetStd: 1 }], { train: split([[0, 1], [2, 3]]), test: split([[5, 1]]), shape: [1, 1, 2] });
    expect(rows(given.train).flat()).toEqual([-0.5, 0, 0.5, 1]);
    expect(rows(given.test).flat()).toEqual([2, 0]);
    expect(given.applied[0]).toMatchObject({ mean: 1, std: 2, measured: [] });
    const meanOnly = applyTransforms([{ name: 'standardize', mean: 0, targetStd: 1 }], { train: split([[0, 1], [2, 3]]), test: split([[0, 0]]), shape: [1, 1, 2] });
    expect(meanOnly.applied[0]).toMatchObject({ mean: 0, std: Math.sqrt(1.25), measured: ['std'] });
  });

  it('standardize refuses a constant training set instead of dividing by zero', () => {
    expect(() => applyTransforms([{ name: 'standardize', targetStd: 1 }], { train: split([[0.3, 0.3]]), test: split([[1, 1]]), shape: [1, 1, 2] }))
      .toThrow(/standard deviation of 0 .*give std/);
  });

  it('applies in order: the statistics are those of the data the standardize gets', () => {
    // Crop to the 2nd column, then standardize: only the values 1 and 3 (mean 2, std 1) count.
    const data = { train: split([[0, 1], [2, 3]]), test: split([[9, 4]]), shape: [1, 1, 2] as const };
    const out = applyTransforms([{ name: 'crop', top: 0, left: 1, height: 1, width: 1 }, { name: 'standardize', targetStd: 1 }], data);
    expect(rows(out.train)).toEqual([[-1], [1]]);
    expect(rows(out.test)).toEqual([[2]]);
    // The inputs as loaded are left alone.
    expect(rows(data.train)).toEqual([[0, 1], [2, 3]]);
  });

  it('a resumed run’s recorded statistics are used, not measured again', () => {
    const recorded: AppliedTransform[] = [{ name: 'standardize', targetStd: 1, mean: 10, std: 4, measured: ['mean', 'std'] }];
    const out = applyTransforms([{ name: 'standardize', targetStd: 1 }], { train: split([[2, 14]]), test: split([[10, 18]]), shape: [1, 1, 2] }, recorded);
    expect(rows(out.train)).toEqual([[-2, 1]]);
    expect(rows(out.test)).toEqual([[0, 2]]);
    expect(out.applied).toEqual(recorded);
    expect(() => applyTransforms([{ name: 'binarize', threshold: 0.5 }], { train: split([[0]]), test: split([[0]]), shape: [1, 1, 1] }, recorded))
      .toThrow(/recorded transforms standardize but the spec has binarize/);
  });
});

describe('loadDataset with transforms', () => {
  const data = (transforms: DataTransform[] | undefined, trainLimit?: number) => specSchema.parse({
    data: { dataset: 'synthetic', shape: [2, 6, 5], classes: 3, trainSize: 40, testSize: 10, trainLimit, transforms },
  }).data;

  it('crops to the planned shape and measures statistics after trainLimit, on the training split only', () => {
    const raw = loadDataset(data(undefined, 12), 5);
    const out = loadDataset(data([{ name: 'crop', top: 1, left: 2, height: 4, width: 3 }, { name: 'standardize', targetStd: 0.5 }], 12), 5);
    expect(out.train.inputs.cols).toBe(2 * 4 * 3);
    expect(out.train.labels.length).toBe(12);
    // Independent crop of the raw data, then the textbook mean and population std.
    const kept: number[] = [];
    for (let i = 0; i < 12; i++) for (let c = 0; c < 2; c++) for (let r = 1; r < 5; r++) for (let x = 2; x < 5; x++) kept.push(raw.train.inputs.data[i * 60 + c * 30 + r * 5 + x]!);
    const mean = kept.reduce((s, v) => s + v, 0) / kept.length;
    const std = Math.sqrt(kept.reduce((s, v) => s + (v - mean) ** 2, 0) / kept.length);
    const applied = out.transforms[1] as { mean: number; std: number };
    expect(applied.mean).toBeCloseTo(mean, 10);
    expect(applied.std).toBeCloseTo(std, 10);
    expect(out.train.inputs.data[0]).toBe(Math.fround(((kept[0]! - applied.mean) / applied.std) * 0.5));
    // The whole training set (no limit) gives other statistics: the limit is applied first.
    const all = loadDataset(data([{ name: 'crop', top: 1, left: 2, height: 4, width: 3 }, { name: 'standardize', targetStd: 0.5 }]), 5);
    expect((all.transforms[1] as { mean: number }).mean).not.toBeCloseTo(mean, 6);
  });

  it('without transforms the data are as before', () => {
    const a = loadDataset(data(undefined), 5);
    const b = loadDataset(data([]), 5);
    expect(a.transforms).toEqual([]);
    expect(b.train.inputs.data).toEqual(a.train.inputs.data);
  });
});
