import { Matrix } from '@txsim/core';
import type { Layer } from './layer.js';

/** Channels × height × width of the images a digital layer sees (rows in C·H·W order). */
export interface FeatureMapShape {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
}

/** Pooling windows of `size` × `size` moved by `stride` (no padding; a partial window at the edge is dropped). */
abstract class Pool2d implements Layer {
  readonly kind = 'digital' as const;
  readonly out: FeatureMapShape;
  protected batch = 0;

  constructor(readonly name: string, readonly input: FeatureMapShape, readonly size = 2, readonly stride = size) {
    const height = Math.floor((input.height - size) / stride) + 1;
    const width = Math.floor((input.width - size) / stride) + 1;
    if (height < 1 || width < 1) throw new RangeError(`${name}: a ${size}×${size} window does not fit ${input.height}×${input.width} images`);
    this.out = { channels: input.channels, height, width };
  }

  protected check(x: Matrix): void {
    const { channels, height, width } = this.input;
    if (x.cols !== channels * height * width) throw new RangeError(`${this.name}: input rows have ${x.cols} values, expected ${channels * height * width}`);
  }

  abstract forward(x: Matrix, training: boolean): Matrix;
  abstract backward(dy: Matrix): Matrix;
}

/** Max pooling: the gradient goes to the (first) largest input of each window. */
export class MaxPool2dLayer extends Pool2d {
  private argmax: Int32Array | undefined;

  forward(x: Matrix, training: boolean): Matrix {
    this.check(x);
    const { height: H, width: W } = this.input;
    const { channels: C, height: oh, width: ow } = this.out;
    const { size: k, stride: s } = this;
    const y = new Matrix(x.rows, C * oh * ow);
    const arg = training ? new Int32Array(y.data.length) : undefined;
    const xd = x.data;
    let o = 0;
    for (let plane = 0; plane < x.rows * C; plane++) {
      const base = plane * H * W;
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++, o++) {
          let best = -Infinity;
          let at = 0;
          for (let ky = 0; ky < k; ky++) {
            const row = base + (oy * s + ky) * W + ox * s;
            for (let kx = 0; kx < k; kx++) {
              const v = xd[row + kx]!;
              if (v > best) { best = v; at = row + kx; }
            }
          }
          y.data[o] = best;
          if (arg) arg[o] = at;
        }
      }
    }
    this.argmax = arg;
    this.batch = x.rows;
    return y;
  }

  backward(dy: Matrix): Matrix {
    const arg = this.argmax;
    if (!arg) throw new Error(`${this.name}: backward without a training forward`);
    const { channels, height, width } = this.input;
    const dx = new Matrix(this.batch, channels * height * width);
    for (let o = 0; o < arg.length; o++) dx.data[arg[o]!]! += dy.data[o]!;
    return dx;
  }
}

/** Average pooling: each input of a window gets 1/size² of the window's gradient. */
export class AvgPool2dLayer extends Pool2d {
  private trained = false;

  forward(x: Matrix, training: boolean): Matrix {
    this.check(x);
    const { height: H, width: W } = this.input;
    const { channels: C, height: oh, width: ow } = this.out;
    const { size: k, stride: s } = this;
    const y = new Matrix(x.rows, C * oh * ow);
    const xd = x.data;
    const scale = 1 / (k * k);
    let o = 0;
    for (let plane = 0; plane < x.rows * C; plane++) {
      const base = plane * H * W;
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++, o++) {
          let sum = 0;
          for (let ky = 0; ky < k; ky++) {
            const row = base + (oy * s + ky) * W + ox * s;
            for (let kx = 0; kx < k; kx++) sum += xd[row + kx]!;
          }
          y.data[o] = sum * scale;
        }
      }
    }
    this.trained = training;
    this.batch = x.rows;
    return y;
  }

  backward(dy: Matrix): Matrix {
    if (!this.trained) throw new Error(`${this.name}: backward without a training forward`);
    const { height: H, width: W } = this.input;
    const { channels: C, height: oh, width: ow } = this.out;
    const { size: k, stride: s } = this;
    const dx = new Matrix(this.batch, C * H * W);
    const scale = 1 / (k * k);
    let o = 0;
    for (let plane = 0; plane < this.batch * C; plane++) {
      const base = plane * H * W;
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++, o++) {
          const g = dy.data[o]! * scale;
          for (let ky = 0; ky < k; ky++) {
            const row = base + (oy * s + ky) * W + ox * s;
            for (let kx = 0; kx < k; kx++) dx.data[row + kx]! += g;
          }
        }
      }
    }
    return dx;
  }
}
