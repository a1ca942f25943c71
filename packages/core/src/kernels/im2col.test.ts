import { describe, expect, it } from 'vitest';
import { Rng } from '../random/rng.js';
import type { ConvShape } from '../spec/model-layers.js';
import { col2im, im2col, referenceCol2im, referenceIm2col } from './im2col.js';

function shape(channels: number, height: number, width: number, kernel: number, stride: number, pad: number): ConvShape {
  const outHeight = Math.floor((height + 2 * pad - kernel) / stride) + 1;
  const outWidth = Math.floor((width + 2 * pad - kernel) / stride) + 1;
  return { channels, height, width, kernel, stride, pad, outChannels: 1, outHeight, outWidth };
}

// 3×3 (the k = 3 fast path), 5×5 (a vector and a tail), 1×1, strides 1 and 2, paddings 0–2, odd sizes.
const SHAPES: Array<[string, ConvShape]> = [
  ['3×3 pad 1', shape(3, 8, 8, 3, 1, 1)],
  ['3×3 stride 2 pad 1', shape(4, 9, 7, 3, 2, 1)],
  ['5×5 pad 2', shape(2, 11, 10, 5, 1, 2)],
  ['5×5 no pad', shape(6, 12, 12, 5, 1, 0)],
  ['1×1 stride 2', shape(5, 6, 6, 1, 2, 0)],
  ['2×2 stride 2', shape(1, 7, 9, 2, 2, 0)],
];

describe('im2col and col2im kernels', () => {
  it.each(SHAPES)('equal the TypeScript loops bit for bit (%s)', (_, s) => {
    const batch = 3;
    const rng = new Rng(`im2col/${s.kernel}/${s.stride}/${s.pad}`);
    const x = rng.fillUniform(new Float32Array(batch * s.channels * s.height * s.width), -1, 1) as Float32Array;
    const patch = s.channels * s.kernel * s.kernel;
    const rows = batch * s.outHeight * s.outWidth;
    const got = new Float32Array(rows * patch).fill(NaN);
    const want = new Float32Array(rows * patch).fill(NaN);
    im2col(x, batch, s, got);
    referenceIm2col(x, batch, s, want);
    expect(Array.from(got)).toEqual(Array.from(want));

    const cols = rng.fillUniform(new Float32Array(rows * patch), -1, 1) as Float32Array;
    const back = new Float32Array(x.length).fill(NaN);
    const backRef = new Float32Array(x.length).fill(NaN);
    col2im(cols, batch, s, back);
    referenceCol2im(cols, batch, s, backRef);
    expect(Array.from(back)).toEqual(Array.from(backRef));
  });

  it('col2im is the adjoint of im2col: <im2col(x), c> = <x, col2im(c)>', () => {
    const s = shape(3, 9, 8, 3, 2, 1);
    const batch = 2;
    const rng = new Rng('adjoint');
    const x = rng.fillUniform(new Float32Array(batch * s.channels * s.height * s.width), -1, 1) as Float32Array;
    const rows = batch * s.outHeight * s.outWidth;
    const c = rng.fillUniform(new Float32Array(rows * s.channels * 9), -1, 1) as Float32Array;
    const p = new Float32Array(c.length);
    const back = new Float32Array(x.length);
    im2col(x, batch, s, p);
    col2im(c, batch, s, back);
    let lhs = 0;
    let rhs = 0;
    for (let i = 0; i < c.length; i++) lhs += p[i]! * c[i]!;
    for (let i = 0; i < x.length; i++) rhs += x[i]! * back[i]!;
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * Math.abs(lhs) + 1e-4);
  });
});
