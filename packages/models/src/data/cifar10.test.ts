import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CIFAR10_SUBDIR, CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES, loadCifar10, missingCifar10File } from './cifar10.js';
import { cifarRecords, pixel, tempDataDir } from './test-files.js';

/** Five training batches of two records (examples 0–9, labels 0–9) and a test batch of three (examples 100–102). */
function writeCifar(dir: string): void {
  mkdirSync(dir, { recursive: true });
  CIFAR10_TRAIN_FILES.forEach((f, b) => writeFileSync(join(dir, f), cifarRecords([2 * b, 2 * b + 1], 2 * b)));
  writeFileSync(join(dir, CIFAR10_TEST_FILE), cifarRecords([7, 3, 0], 100));
}

describe('CIFAR-10 batch files that are not regular files', () => {
  it('refuses a FIFO or a link to /dev/zero by name, without blocking', () => {
    const dir = tempDataDir('cifar-hostile');
    writeCifar(dir);
    rmSync(join(dir, CIFAR10_TRAIN_FILES[1]!));
    execFileSync('mkfifo', [join(dir, CIFAR10_TRAIN_FILES[1]!)]);
    expect(() => loadCifar10(dir)).toThrow(/data_batch_2\.bin: the CIFAR-10 batch file is a named pipe/);
    rmSync(join(dir, CIFAR10_TRAIN_FILES[1]!));
    symlinkSync('/dev/zero', join(dir, CIFAR10_TRAIN_FILES[1]!));
    expect(() => loadCifar10(dir)).toThrow(/data_batch_2\.bin: the CIFAR-10 batch file is a character device/);
  });
});

describe('CIFAR-10 binary batches', () => {
  it('reads labels in batch order and the R, G, B planes as C·H·W rows scaled to [0, 1]', () => {
    const dir = tempDataDir('cifar');
    writeCifar(dir);
    const { train, test } = loadCifar10(dir);
    expect(train.shape).toEqual([3, 32, 32]);
    expect(Array.from(train.data.labels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(test.data.labels)).toEqual([7, 3, 0]);
    expect(train.data.inputs.cols).toBe(3072);
    // Green channel (c = 1), row 5, column 30 of training example 7 (second record of batch 4).
    expect(train.data.inputs.get(7, 1 * 1024 + 5 * 32 + 30)).toBeCloseTo(pixel(7, 1, 5, 30) / 255, 7);
    // Blue, last pixel, of test example 2.
    expect(test.data.inputs.get(2, 3071)).toBeCloseTo(pixel(102, 2, 31, 31) / 255, 7);
    expect(train.data.inputs.get(0, 0)).toBe(0);
  });

  it('stops reading at the limit, across batch files', () => {
    const dir = tempDataDir('cifar-limit');
    writeCifar(dir);
    const { train, test } = loadCifar10(dir, { trainLimit: 3, testLimit: 1 });
    expect(Array.from(train.data.labels)).toEqual([0, 1, 2]);
    expect(train.data.inputs.get(2, 100)).toBeCloseTo(pixel(2, 0, 3, 4) / 255, 7);
    expect(test.data.labels.length).toBe(1);
  });

  it('finds the folder the archive extracts to', () => {
    const dir = tempDataDir('cifar-sub');
    writeCifar(join(dir, CIFAR10_SUBDIR));
    expect(missingCifar10File(dir)).toBeUndefined();
    expect(loadCifar10(dir).test.data.labels.length).toBe(3);
  });

  it('names a missing batch and where to get the data set', () => {
    const dir = tempDataDir('cifar-missing');
    writeFileSync(join(dir, CIFAR10_TEST_FILE), cifarRecords([1], 0));
    expect(missingCifar10File(dir)).toBe('data_batch_1.bin');
    expect(() => loadCifar10(dir)).toThrow(`CIFAR-10: ${join(dir, 'data_batch_1.bin')} not found; download cifar-10-binary.tar.gz from www.cs.toronto.edu/~kriz/cifar.html and extract it into ${dir}`);
  });

  it('rejects a file that is not whole records', () => {
    const dir = tempDataDir('cifar-torn');
    writeCifar(dir);
    writeFileSync(join(dir, CIFAR10_TEST_FILE), new Uint8Array(3073 + 10));
    expect(() => loadCifar10(dir)).toThrow(/3083 bytes is not a whole number of 3073-byte CIFAR-10 records/);
  });
});
