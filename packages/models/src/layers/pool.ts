import { kernels, type Matrix } from '@txsim/core';
import { avgPoolBackward, avgPoolForward, maxPoolBackward, maxPoolForward, type PoolWindows } from './cnn-kernels.js';
import type { Layer } from './layer.js';
import { LayerScratch } from './scratch.js';

export type { PoolWindows } from './cnn-kernels.js';

/** Channels × height × width of the images a digital layer sees (rows in C·H·W order). */
export interface FeatureMapShape {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
}

const OUT = 0;
const DX = 1;

/**
 * Pooling windows of `size` × `size` moved by `stride` (no padding; a partial window at the edge is dropped).
 * Outputs and input gradients live in buffers reused across steps (see LayerScratch): valid until the layer's
 * next forward of the same batch size and mode, or its next backward.
 */
abstract class Pool2d implements Layer {
  readonly kind = 'digital' as const;
  readonly out: FeatureMapShape;
  protected batch = 0;
  readonly #scratch = new LayerScratch(2);
  /** The kernels' view of the windows; only `planes` changes with the batch. */
  readonly #windows: { -readonly [K in keyof PoolWindows]: PoolWindows[K] };

  constructor(readonly name: string, readonly input: FeatureMapShape, readonly size = 2, readonly stride = size) {
    const height = Math.floor((input.height - size) / stride) + 1;
    const width = Math.floor((input.width - size) / stride) + 1;
    if (height < 1 || width < 1) throw new RangeError(`${name}: a ${size}×${size} window does not fit ${input.height}×${input.width} images`);
    this.out = { channels: input.channels, height, width };
    this.#windows = { planes: 0, height: input.height, width: input.width, outHeight: height, outWidth: width, size, stride };
  }

  /** The output buffer of a forward of `rows` images (reused; see the class comment). */
  protected output(rows: number, training: boolean): Matrix {
    return this.#scratch.get(OUT, rows, this.outputSize, training);
  }

  /** The input-gradient buffer of a backward of the last training batch (reused). */
  protected inputGradient(): Matrix {
    return this.#scratch.get(DX, this.batch, this.inputSize, true);
  }

  protected get inputSize(): number {
    return this.input.channels * this.input.height * this.input.width;
  }

  protected get outputSize(): number {
    return this.out.channels * this.out.height * this.out.width;
  }

  /** Checks a forward's input and returns the windows of its batch. */
  protected windows(x: Matrix): PoolWindows {
    if (x.cols !== this.inputSize) throw new RangeError(`${this.name}: input rows have ${x.cols} values, expected ${this.inputSize}`);
    this.#windows.planes = x.rows * this.input.channels;
    return this.#windows;
  }

  /** Checks a backward's output gradient against the last training forward and returns its windows. */
  protected backwardWindows(dy: Matrix): PoolWindows {
    if (dy.rows !== this.batch || dy.cols !== this.outputSize) {
      throw new RangeError(`${this.name}: output gradient is ${dy.rows}×${dy.cols}, expected ${this.batch}×${this.outputSize}`);
    }
    this.#windows.planes = this.batch * this.input.channels;
    return this.#windows;
  }

  abstract forward(x: Matrix, training: boolean): Matrix;
  abstract backward(dy: Matrix): Matrix;
}

/** Max pooling: the gradient goes to the (first) largest input of each window. */
export class MaxPool2dLayer extends Pool2d {
  private argmax: Int32Array | undefined;
  /** Arg-max indices of a training forward, one buffer per batch size, in kernel memory. */
  readonly #argmaxes = new Map<number, Int32Array>();

  forward(x: Matrix, training: boolean): Matrix {
    const w = this.windows(x);
    const y = this.output(x.rows, training);
    const arg = training ? this.#argmaxFor(y.data.length) : undefined;
    maxPoolForward(x.data, y.data, arg ?? null, w);
    this.argmax = arg;
    this.batch = x.rows;
    return y;
  }

  backward(dy: Matrix): Matrix {
    const arg = this.argmax;
    if (!arg) throw new Error(`${this.name}: backward without a training forward`);
    const w = this.backwardWindows(dy);
    const dx = this.inputGradient();
    maxPoolBackward(dy.data, arg, dx.data, w);
    return dx;
  }

  #argmaxFor(n: number): Int32Array {
    let a = this.#argmaxes.get(n);
    if (!a) {
      if (this.#argmaxes.size >= 8) this.#argmaxes.clear();
      this.#argmaxes.set(n, (a = kernels.int32(n)));
    }
    return a;
  }
}

/** Average pooling: each input of a window gets 1/size² of the window's gradient. */
export class AvgPool2dLayer extends Pool2d {
  private trained = false;

  forward(x: Matrix, training: boolean): Matrix {
    const w = this.windows(x);
    const y = this.output(x.rows, training);
    avgPoolForward(x.data, y.data, w);
    this.trained = training;
    this.batch = x.rows;
    return y;
  }

  backward(dy: Matrix): Matrix {
    if (!this.trained) throw new Error(`${this.name}: backward without a training forward`);
    const w = this.backwardWindows(dy);
    const dx = this.inputGradient();
    avgPoolBackward(dy.data, dx.data, w);
    return dx;
  }
}
