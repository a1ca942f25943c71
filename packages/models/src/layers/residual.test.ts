import { describe, expect, it } from 'vitest';
import { Matrix, ReferenceBackend, Rng, type ConvShape } from '@txsim/core';
import { ReluLayer, SigmoidLayer } from './activations.js';
import { BatchNorm2dLayer } from './batch-norm.js';
import { Conv2dLayer } from './conv2d.js';
import { ResidualBlock } from './residual.js';

const backend = new ReferenceBackend();
const rand = (n: number, seed: string, lo = -1, hi = 1) => new Rng(seed).fillUniform(new Float32Array(n), lo, hi) as Float32Array;

function conv(name: string, channels: number, size: number, out: number, stride: number): Conv2dLayer {
  const o = Math.floor((size + 2 - 3) / stride) + 1;
  const s: ConvShape = { channels, height: size, width: size, kernel: 3, stride, pad: 1, outChannels: out, outHeight: o, outWidth: o };
  return new Conv2dLayer(name, s, new Matrix(channels * 9, out, rand(channels * 9 * out, `w${name}`, -0.4, 0.4)), rand(out, `b${name}`, -0.1, 0.1), backend);
}

/** conv → BN → sigmoid → conv → BN, + shortcut, then sigmoid (smooth, so finite differences hold everywhere). */
function block(inC: number, outC: number, size: number, stride: number): ResidualBlock {
  const out = Math.ceil(size / stride);
  const c1 = conv('c1', inC, size, outC, stride);
  const c2 = conv('c2', outC, out, outC, 1);
  const shapeOut = { channels: outC, height: out, width: out };
  return new ResidualBlock('block', [c1, new BatchNorm2dLayer('c1.bn', shapeOut), new SigmoidLayer('c1.act'), c2, new BatchNorm2dLayer('c2.bn', shapeOut)],
    new SigmoidLayer('block.act'), { channels: inC, height: size, width: size }, shapeOut, stride);
}

function gradientCheck(inC: number, outC: number, size: number, stride: number) {
  const b = block(inC, outC, size, stride);
  const batch = 3;
  const x = new Matrix(batch, inC * size * size, rand(batch * inC * size * size, 'x', -2, 2));
  const y0 = b.forward(x, true);
  const r = rand(y0.data.length, 'r');
  const dx = b.backward(new Matrix(y0.rows, y0.cols, r), true)!.data;
  const c1 = b.body[0] as Conv2dLayer;
  const dw = c1.frame.weightGrad.data.slice();
  const loss = (m: Matrix) => b.forward(m, true).data.reduce((s, v, i) => s + v * r[i]!, 0);
  const eps = 1e-2;
  let worstX = 0;
  for (let i = 0; i < x.data.length; i++) {
    const p = x.clone();
    const q = x.clone();
    p.data[i]! += eps;
    q.data[i]! -= eps;
    worstX = Math.max(worstX, Math.abs((loss(p) - loss(q)) / (2 * eps) - dx[i]!));
  }
  let worstW = 0;
  for (let i = 0; i < dw.length; i += 3) {
    const w = c1.weights.data;
    const base = w[i]!;
    w[i] = base + eps;
    const up = loss(x);
    w[i] = base - eps;
    const down = loss(x);
    w[i] = base;
    worstW = Math.max(worstW, Math.abs((up - down) / (2 * eps) - dw[i]!));
  }
  const scale = Math.max(...Array.from(dx, Math.abs), ...Array.from(dw, Math.abs));
  return { worstX: worstX / scale, worstW: worstW / scale };
}

describe('ResidualBlock', () => {
  it('identity shortcut: input and conv-weight gradients match central differences', () => {
    const { worstX, worstW } = gradientCheck(3, 3, 5, 1);
    expect(worstX).toBeLessThan(2e-3);
    expect(worstW).toBeLessThan(2e-3);
  });

  it('option-A shortcut (stride 2, channels doubled): gradients match central differences', () => {
    const { worstX, worstW } = gradientCheck(2, 4, 6, 2);
    expect(worstX).toBeLessThan(2e-3);
    expect(worstW).toBeLessThan(2e-3);
  });

  it('option A passes every other pixel of each input channel into the same channel and zeros into the new ones', () => {
    // A body that outputs zeros (zero weights and bias) leaves act(shortcut(x)).
    const c = conv('z', 2, 4, 4, 2);
    c.weights.data.fill(0);
    c.bias!.fill(0);
    const b = new ResidualBlock('blk', [c], new ReluLayer('blk.act'), { channels: 2, height: 4, width: 4 }, { channels: 4, height: 2, width: 2 }, 2);
    const x = new Matrix(1, 32, Float32Array.from({ length: 32 }, (_, i) => i + 1));
    // Channel 0 is 1..16 on a 4×4 grid: rows 0 and 2, columns 0 and 2 → 1, 3, 9, 11; channel 1 adds 16.
    expect(Array.from(b.forward(x, false).data)).toEqual([1, 3, 9, 11, 17, 19, 25, 27, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('refuses a shortcut that cannot map the shapes', () => {
    expect(() => new ResidualBlock('bad', [], new ReluLayer('a'), { channels: 4, height: 4, width: 4 }, { channels: 2, height: 2, width: 2 }, 2)).toThrow(/option-A/);
  });
});
