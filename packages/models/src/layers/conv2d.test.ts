import { describe, expect, it } from 'vitest';
import { createWasmBackend, Matrix, ReferenceBackend, Rng, type ConvShape } from '@txsim/core';
import { Conv2dLayer } from './conv2d.js';

function shapeOf(channels: number, height: number, width: number, kernel: number, stride: number, pad: number, outChannels: number): ConvShape {
  const outHeight = Math.floor((height + 2 * pad - kernel) / stride) + 1;
  const outWidth = Math.floor((width + 2 * pad - kernel) / stride) + 1;
  return { channels, height, width, kernel, stride, pad, outChannels, outHeight, outWidth };
}

const rand = (n: number, seed: string) => new Rng(seed).fillUniform(new Float32Array(n), -1, 1) as Float32Array;

/**
 * The textbook definition, computed directly in float64 with no patch matrix:
 * y[n,o,i,j] = b[o] + Σ_{c,u,v} x[n,c,i·s+u−p, j·s+v−p] · W[(c·k+u)·k+v, o], zero outside the image.
 * Gradients by the chain rule through the same sum: every term adds dy·x to dW, dy·W to dx, dy to db.
 */
function reference(x: Float32Array, w: Float32Array, b: Float32Array, dy: Float32Array, batch: number, s: ConvShape) {
  const { channels: C, height: H, width: W, kernel: k, stride, pad, outChannels: O, outHeight: OH, outWidth: OW } = s;
  const y = new Float64Array(batch * O * OH * OW);
  const dx = new Float64Array(batch * C * H * W);
  const dw = new Float64Array(C * k * k * O);
  const db = new Float64Array(O);
  for (let n = 0; n < batch; n++) {
    for (let o = 0; o < O; o++) {
      for (let i = 0; i < OH; i++) {
        for (let j = 0; j < OW; j++) {
          const out = ((n * O + o) * OH + i) * OW + j;
          let sum = b[o]!;
          const g = dy[out]!;
          db[o] += g;
          for (let c = 0; c < C; c++) {
            for (let u = 0; u < k; u++) {
              for (let v = 0; v < k; v++) {
                const yy = i * stride + u - pad;
                const xx = j * stride + v - pad;
                if (yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
                const xi = ((n * C + c) * H + yy) * W + xx;
                const wi = ((c * k + u) * k + v) * O + o;
                sum += x[xi]! * w[wi]!;
                dw[wi] += g * x[xi]!;
                dx[xi] += g * w[wi]!;
              }
            }
          }
          y[out] = sum;
        }
      }
    }
  }
  return { y, dx, dw, db };
}

function worst(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]!));
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
  }
  return diff / scale;
}

const cases: Array<[string, ConvShape, number]> = [
  ['3×3, stride 1, pad 1', shapeOf(3, 7, 6, 3, 1, 1, 4), 2],
  ['5×5, stride 1, no pad', shapeOf(2, 9, 9, 5, 1, 0, 3), 3],
  ['3×3, stride 2, pad 1 (odd size)', shapeOf(2, 7, 7, 3, 2, 1, 5), 2],
  ['2×2, stride 2, pad 0, one channel', shapeOf(1, 6, 8, 2, 2, 0, 2), 2],
  ['5×5, stride 3, pad 2', shapeOf(3, 8, 10, 5, 3, 2, 2), 2],
  ['1×1, stride 2', shapeOf(4, 5, 5, 1, 2, 0, 3), 2],
];

describe('Conv2dLayer against a direct convolution', () => {
  for (const backend of [new ReferenceBackend(), createWasmBackend()]) {
    for (const [label, s, batch] of cases) {
      it(`${label} (${backend.name}): output, input, weight and bias gradients`, () => {
        const K = s.channels * s.kernel * s.kernel;
        const x = new Matrix(batch, s.channels * s.height * s.width, rand(batch * s.channels * s.height * s.width, `x${label}`));
        const w = new Matrix(K, s.outChannels, rand(K * s.outChannels, `w${label}`));
        const b = rand(s.outChannels, `b${label}`);
        const dy = new Matrix(batch, s.outChannels * s.outHeight * s.outWidth, rand(batch * s.outChannels * s.outHeight * s.outWidth, `dy${label}`));
        const ref = reference(x.data, w.data, b, dy.data, batch, s);
        const layer = new Conv2dLayer('conv', s, w, b.slice(), backend);
        const y = layer.forward(x, true);
        expect(worst(y.data, ref.y)).toBeLessThan(1e-5);
        const dx = layer.backward(dy, true)!;
        expect(worst(dx.data, ref.dx)).toBeLessThan(1e-5);
        expect(worst(layer.frame.weightGrad.data, ref.dw)).toBeLessThan(1e-5);
        expect(worst(layer.frame.biasGrad, ref.db)).toBeLessThan(1e-5);
      });
    }
  }

  it('reuses its buffers across batches of different sizes without mixing them up', () => {
    const s = shapeOf(2, 6, 6, 3, 1, 1, 3);
    const w = new Matrix(18, 3, rand(54, 'w'));
    const b = rand(3, 'b');
    const layer = new Conv2dLayer('conv', s, w, b.slice(), new ReferenceBackend());
    for (const [batch, seed] of [[4, 'a'], [1, 'b'], [3, 'c']] as const) {
      const x = new Matrix(batch, 72, rand(batch * 72, seed));
      const dy = new Matrix(batch, 108, rand(batch * 108, `d${seed}`));
      const ref = reference(x.data, w.data, b, dy.data, batch, s);
      expect(worst(layer.forward(x, true).data, ref.y)).toBeLessThan(1e-5);
      expect(worst(layer.backward(dy, true)!.data, ref.dx)).toBeLessThan(1e-5);
      expect(worst(layer.frame.weightGrad.data, ref.dw)).toBeLessThan(1e-5);
    }
  });

  it('chained inference forwards (sharing one patch buffer) give each layer its own correct output', () => {
    const s1 = shapeOf(2, 6, 6, 3, 1, 1, 3);
    const s2 = shapeOf(3, 6, 6, 3, 2, 1, 4);
    const w1 = new Matrix(18, 3, rand(54, 'w1'));
    const w2 = new Matrix(27, 4, rand(108, 'w2'));
    const b1 = rand(3, 'b1');
    const b2 = rand(4, 'b2');
    const x = new Matrix(5, 72, rand(360, 'x'));
    const l1 = new Conv2dLayer('c1', s1, w1, b1, new ReferenceBackend());
    const l2 = new Conv2dLayer('c2', s2, w2, b2, new ReferenceBackend());
    const y1 = l1.forward(x, false);
    const y2 = l2.forward(y1, false);
    const r1 = reference(x.data, w1.data, b1, new Float32Array(5 * 108), 5, s1);
    expect(worst(y1.data, r1.y)).toBeLessThan(1e-5);
    expect(worst(y2.data, reference(y1.data, w2.data, b2, new Float32Array(5 * 36), 5, s2).y)).toBeLessThan(1e-5);
    expect(() => l2.backward(new Matrix(5, 36), true)).toThrow(/without a training forward/);
  });

  it('steps weights and bias by −η·gradient', () => {
    const s = shapeOf(1, 4, 4, 3, 1, 1, 2);
    const w = new Matrix(9, 2, rand(18, 'w'));
    const w0 = w.data.slice();
    const b = rand(2, 'b');
    const b0 = b.slice();
    const layer = new Conv2dLayer('conv', s, w, b, new ReferenceBackend());
    const x = new Matrix(2, 16, rand(32, 'x'));
    const dy = new Matrix(2, 32, rand(64, 'dy'));
    const ref = reference(x.data, w0, b0, dy.data, 2, s);
    layer.forward(x, true);
    expect(layer.backward(dy, false)).toBeNull();
    layer.update(0.5);
    for (let i = 0; i < w0.length; i++) expect(w.data[i]).toBeCloseTo(w0[i]! - 0.5 * ref.dw[i]!, 5);
    for (let o = 0; o < 2; o++) expect(b[o]).toBeCloseTo(b0[o]! - 0.5 * ref.db[o]!, 5);
  });
});
