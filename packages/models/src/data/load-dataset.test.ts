import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ParsedSpec } from '@txsim/core';
import { describe, expect, it } from 'vitest';
import { CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES } from './cifar10.js';
import { IDX_FILES } from './idx-dir.js';
import { dataFilesProblem, loadDataset } from './load-dataset.js';
import { cifarRecords, tempDataDir, writeIdx } from './test-files.js';

type Data = ParsedSpec['data'];

/** An IDX set of 4 training and 2 test images of 1×2×3 pixels, labels up to `top`. */
function smallIdx(top = 3): string {
  const dir = tempDataDir('load-idx');
  writeIdx(dir, IDX_FILES.trainImages, [4, 2, 3], new Array(24).fill(255), true);
  writeIdx(dir, IDX_FILES.trainLabels, [4], [0, 1, 2, top], true);
  writeIdx(dir, IDX_FILES.testImages, [2, 2, 3], new Array(12).fill(0), true);
  writeIdx(dir, IDX_FILES.testLabels, [2], [1, 0], true);
  return dir;
}

const messageOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return '';
};

describe('loadDataset', () => {
  it('loads an idx directory of the planned shape, with limits', () => {
    const dir = smallIdx();
    const { train, test } = loadDataset({ dataset: 'idx', dir, shape: [1, 2, 3], classes: 4, trainLimit: 3 } as Data, 1);
    expect(train.inputs.rows).toBe(3);
    expect(train.inputs.data[0]).toBe(1);
    expect(test.labels.length).toBe(2);
  });

  it('names the file and both shapes when the files do not match the spec', () => {
    const dir = smallIdx();
    const message = messageOf(() => loadDataset({ dataset: 'idx', dir } as Data, 1));
    expect(message).toContain(join(dir, `${IDX_FILES.trainImages}.gz`));
    expect(message).toContain('training images are 1×2×3');
    expect(message).toContain("the spec's data set is 1×28×28");
    expect(message).toContain('set data.shape to [1, 2, 3]');
  });

  it('rejects labels beyond the spec\'s classes', () => {
    const dir = smallIdx(7);
    expect(() => loadDataset({ dataset: 'idx', dir, shape: [1, 2, 3], classes: 5 } as Data, 1)).toThrow(/training labels go up to 7 but the spec's data set has 5 classes/);
  });

  it('checks CIFAR-10 against a spec that asks for another shape', () => {
    const dir = tempDataDir('load-cifar');
    for (const f of CIFAR10_TRAIN_FILES) writeFileSync(join(dir, f), cifarRecords([1], 0));
    writeFileSync(join(dir, CIFAR10_TEST_FILE), cifarRecords([2], 0));
    expect(loadDataset({ dataset: 'cifar10', dir } as Data, 1).train.labels.length).toBe(5);
    expect(() => loadDataset({ dataset: 'cifar10', dir, shape: [1, 32, 32] } as Data, 1)).toThrow(/training images are 3×32×32 .* is 1×32×32/);
  });

  it('makes synthetic data of the spec\'s shape, sizes and limits, from the seed', () => {
    const data = { dataset: 'synthetic', shape: [2, 3, 3], classes: 3, trainSize: 30, testSize: 12, testLimit: 5 } as Data;
    const a = loadDataset(data, 5);
    expect(a.train.inputs.rows).toBe(30);
    expect(a.train.inputs.cols).toBe(18);
    expect(a.test.labels.length).toBe(5);
    expect(Math.max(...a.train.labels)).toBe(2);
    expect(loadDataset(data, 5).train.inputs.data).toEqual(a.train.inputs.data);
    expect(loadDataset(data, 6).train.inputs.data).not.toEqual(a.train.inputs.data);
  });

  it('says what is missing where, and where to get it, without reading anything', () => {
    const root = tempDataDir('load-missing');
    const nowhere = join(root, 'no-such-dir');
    expect(dataFilesProblem({ dataset: 'cifar10', dir: nowhere } as Data)).toBe(`directory ${nowhere} does not exist; download cifar-10-binary.tar.gz from www.cs.toronto.edu/~kriz/cifar.html and extract it into ${nowhere}`);
    expect(dataFilesProblem({ dataset: 'idx', dir: nowhere } as Data)).toMatch(/does not exist; for Fashion-MNIST: apt install dataset-fashion-mnist/);
    mkdirSync(join(root, 'half'));
    writeIdx(join(root, 'half'), IDX_FILES.trainImages, [1, 1, 1], [0]);
    expect(dataFilesProblem({ dataset: 'idx', dir: join(root, 'half') } as Data)).toMatch(/^train-labels-idx1-ubyte\[\.gz\] not found in .*half; /);
    expect(dataFilesProblem({ dataset: 'idx', dir: smallIdx() } as Data)).toBeUndefined();
    expect(dataFilesProblem({ dataset: 'synthetic' } as Data)).toBeUndefined();
    expect(dataFilesProblem({ dataset: 'mnist' } as Data)).toBeUndefined();
  });
});
