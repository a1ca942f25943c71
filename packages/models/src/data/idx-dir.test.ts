import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IDX_FILES, loadIdxDir, missingIdxFile } from './idx-dir.js';
import { pixel, tempDataDir, writeIdx } from './test-files.js';

/** n images of h×w (one channel) following `pixel`, numbered from `first`. */
function images(n: number, h: number, w: number, first = 0): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.push(pixel(first + i, 0, y, x));
  return out;
}

function writeSet(dir: string, gzip: { images: boolean; labels: boolean }): void {
  writeIdx(dir, IDX_FILES.trainImages, [5, 2, 3], images(5, 2, 3), gzip.images);
  writeIdx(dir, IDX_FILES.trainLabels, [5], [3, 1, 4, 1, 5], gzip.labels);
  writeIdx(dir, IDX_FILES.testImages, [3, 2, 3], images(3, 2, 3, 100), !gzip.images);
  writeIdx(dir, IDX_FILES.testLabels, [3], [9, 2, 6], !gzip.labels);
}

describe('MNIST-format IDX directories', () => {
  it('reads plain and gzipped files alike: row-major pixels / 255, labels in order', () => {
    for (const gzip of [{ images: true, labels: false }, { images: false, labels: true }]) {
      const dir = tempDataDir('idx');
      writeSet(dir, gzip);
      const { train, test } = loadIdxDir(dir);
      expect(train.shape).toEqual([1, 2, 3]);
      expect(train.data.inputs.rows).toBe(5);
      expect(train.data.inputs.cols).toBe(6);
      expect(Array.from(train.data.labels)).toEqual([3, 1, 4, 1, 5]);
      expect(Array.from(test.data.labels)).toEqual([9, 2, 6]);
      // Example 1, row 1, column 2 sits at 1·6 + 1·3 + 2.
      expect(train.data.inputs.data[6 + 3 + 2]).toBeCloseTo(pixel(1, 0, 1, 2) / 255, 7);
      expect(test.data.inputs.data[2 * 6 + 0 * 3 + 1]).toBeCloseTo(pixel(102, 0, 0, 1) / 255, 7);
      expect(test.source.endsWith(gzip.images ? IDX_FILES.testImages : `${IDX_FILES.testImages}.gz`)).toBe(true);
    }
  });

  it('applies limits to each split', () => {
    const dir = tempDataDir('idx-limit');
    writeSet(dir, { images: false, labels: false });
    const { train, test } = loadIdxDir(dir, { trainLimit: 2, testLimit: 1 });
    expect(Array.from(train.data.labels)).toEqual([3, 1]);
    expect(train.data.inputs.rows).toBe(2);
    expect(Array.from(test.data.labels)).toEqual([9]);
  });

  it('reads rank-4 files as [count, channels, height, width]', () => {
    const dir = tempDataDir('idx-rank4');
    const data = Array.from({ length: 2 * 2 * 2 * 2 }, (_, k) => k * 10);
    writeIdx(dir, IDX_FILES.trainImages, [2, 2, 2, 2], data);
    writeIdx(dir, IDX_FILES.trainLabels, [2], [0, 1]);
    writeIdx(dir, IDX_FILES.testImages, [1, 2, 2, 2], data.slice(0, 8));
    writeIdx(dir, IDX_FILES.testLabels, [1], [1]);
    const { train } = loadIdxDir(dir);
    expect(train.shape).toEqual([2, 2, 2]);
    expect(train.data.inputs.get(1, 7)).toBeCloseTo(150 / 255, 7);
  });

  it('rejects images and labels of different counts', () => {
    const dir = tempDataDir('idx-count');
    writeSet(dir, { images: false, labels: false });
    writeIdx(dir, IDX_FILES.trainLabels, [4], [1, 2, 3, 4]);
    expect(() => loadIdxDir(dir)).toThrow(/holds 5 images but .*train-labels-idx1-ubyte 4 labels/);
  });

  it('says which file it looked for where, and where to get Fashion-MNIST', () => {
    const dir = tempDataDir('idx-missing');
    writeIdx(dir, IDX_FILES.trainImages, [1, 2, 3], images(1, 2, 3));
    expect(missingIdxFile(dir)).toBe('train-labels-idx1-ubyte[.gz]');
    const error = (() => {
      try {
        loadIdxDir(dir);
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(error).toContain(`train-labels-idx1-ubyte not found in ${dir} (nor train-labels-idx1-ubyte.gz)`);
    expect(error).toContain('apt install dataset-fashion-mnist');
    expect(error).toContain(`github.com/zalandoresearch/fashion-mnist into ${dir}`);
  });

  // Debian's dataset-fashion-mnist package, where installed: the published first labels of each split
  // (9 ankle boot, 0 T-shirt, 0, 3 dress…; test 9, 2 pullover, 1 trouser, 1, 6 shirt).
  const FASHION = '/usr/share/datasets/fashion-mnist';
  it.skipIf(!existsSync(FASHION))('reads the Fashion-MNIST package: 60,000 + 10,000 28×28 images', () => {
    const { train, test } = loadIdxDir(FASHION, { trainLimit: 1000 });
    expect(train.shape).toEqual([1, 28, 28]);
    expect(Array.from(train.data.labels.slice(0, 4))).toEqual([9, 0, 0, 3]);
    expect(test.data.labels.length).toBe(10_000);
    expect(Array.from(test.data.labels.slice(0, 5))).toEqual([9, 2, 1, 1, 6]);
  });
});
