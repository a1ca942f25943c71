import { closeSync, constants, existsSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { GiB, Matrix, statRegularFile } from '@txsim/core';
import type { ImageShape, LoadedDataset, LoadedSplit, SplitLimits } from './split.js';

/** CIFAR-10's binary version: five training batches and one test batch of 10,000 records each. */
export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const CIFAR10_TEST_FILE = 'test_batch.bin';
/** The folder cifar-10-binary.tar.gz extracts to, looked in when the named directory lacks the files. */
export const CIFAR10_SUBDIR = 'cifar-10-batches-bin';

/** One record: a label byte, then 1024 red, 1024 green and 1024 blue bytes, each plane row-major. */
const SHAPE: ImageShape = [3, 32, 32];
const FEATURES = 3 * 32 * 32;
const RECORD = 1 + FEATURES;

export const CIFAR10_HINT = (dir: string) => `download cifar-10-binary.tar.gz from www.cs.toronto.edu/~kriz/cifar.html and extract it into ${dir}`;

/** The directory holding the batches: `dir` itself, or the archive's folder inside it. */
export function cifar10Dir(dir: string): string {
  const inner = join(dir, CIFAR10_SUBDIR);
  return !existsSync(join(dir, CIFAR10_TEST_FILE)) && existsSync(join(inner, CIFAR10_TEST_FILE)) ? inner : dir;
}

/** The first batch file `dir` lacks, or undefined when all six are there. */
export function missingCifar10File(dir: string): string | undefined {
  const root = cifar10Dir(dir);
  return [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE].find((f) => !existsSync(join(root, f)));
}

/**
 * Reads records from `files` in order until `limit` are read. The planes are already in C·H·W order,
 * so each record's pixels are copied straight into its row.
 */
function split(root: string, dir: string, files: readonly string[], limit: number | undefined): LoadedSplit {
  const paths = files.map((f) => join(root, f));
  const counts = paths.map((p) => {
    if (!existsSync(p)) throw new Error(`CIFAR-10: ${p} not found; ${CIFAR10_HINT(dir)}`);
    // A batch is 30 MB; the limit only keeps a wrong file (or /dev/zero, a FIFO) from being read at all.
    const { size } = statRegularFile(p, { maxBytes: GiB, what: 'CIFAR-10 batch file' });
    if (size % RECORD !== 0) throw new Error(`${p}: ${size} bytes is not a whole number of ${RECORD}-byte CIFAR-10 records`);
    return size / RECORD;
  });
  const total = counts.reduce((a, b) => a + b, 0);
  const n = Math.min(total, limit ?? total);
  const inputs = new Matrix(n, FEATURES);
  const labels = new Uint8Array(n);
  const x = inputs.data;
  let row = 0;
  const used: string[] = [];
  for (let f = 0; f < paths.length && row < n; f++) {
    const take = Math.min(counts[f]!, n - row);
    const bytes = new Uint8Array(take * RECORD);
    const fd = openSync(paths[f]!, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      for (let done = 0; done < bytes.length;) {
        const got = readSync(fd, bytes, done, bytes.length - done, done);
        if (got === 0) throw new Error(`${paths[f]}: file shrank while reading`);
        done += got;
      }
    } finally {
      closeSync(fd);
    }
    for (let r = 0; r < take; r++, row++) {
      const at = r * RECORD;
      labels[row] = bytes[at]!;
      const out = row * FEATURES;
      for (let k = 0; k < FEATURES; k++) x[out + k] = bytes[at + 1 + k]! / 255;
    }
    used.push(paths[f]!);
  }
  return { data: { inputs, labels }, shape: SHAPE, source: used.length === 1 ? used[0]! : `${used[0]}…${used[used.length - 1]}` };
}

/** CIFAR-10 from the binary batches in `dir` (or its cifar-10-batches-bin folder); nothing is downloaded. */
export function loadCifar10(dir: string, limits: SplitLimits = {}): LoadedDataset {
  const root = cifar10Dir(dir);
  return {
    train: split(root, dir, CIFAR10_TRAIN_FILES, limits.trainLimit),
    test: split(root, dir, [CIFAR10_TEST_FILE], limits.testLimit),
  };
}
