import { kernels, Matrix, trainingKernels, type ComputeBackend, type ConvShape } from '@txsim/core';
import { channelSums, imagesToRows, rowsToImages } from './cnn-kernels.js';
import { col2im, im2col, ReusedBuffer } from './im2col.js';

/**
 * What a convolution does around its matrix product, digital or on a crossbar: im2col of the batch,
 * the layout change between product rows and images, the digital bias, col2im of the input
 * gradient, and the digital weight gradient patchesᵀ·δ. Patches and δ rows live in buffers reused
 * from batch to batch; they stay valid from a training forward until the next forward.
 */
export class ConvFrame {
  readonly weightGrad: Matrix;
  readonly biasGrad: Float32Array;
  /** Output positions per image (outH·outW). */
  readonly positions: number;
  /**
   * Inference patches are not kept, so every conv of the process shares one buffer for them: large
   * evaluation batches then cost one patch matrix, not one per layer.
   */
  private static readonly inferencePatches = new ReusedBuffer();
  private readonly patchBuf = new ReusedBuffer();
  private readonly deltaBuf = new ReusedBuffer();
  private kept: Matrix | undefined;
  private noBias: Float32Array | undefined;
  private delta: Matrix | undefined;

  constructor(readonly name: string, readonly shape: ConvShape, private readonly backend: ComputeBackend) {
    this.positions = shape.outHeight * shape.outWidth;
    this.weightGrad = new Matrix(this.patchSize, shape.outChannels, kernels.float32(this.patchSize * shape.outChannels));
    this.biasGrad = kernels.float32(shape.outChannels);
  }

  get patchSize(): number {
    return this.shape.channels * this.shape.kernel * this.shape.kernel;
  }

  get inputSize(): number {
    return this.shape.channels * this.shape.height * this.shape.width;
  }

  get outputSize(): number {
    return this.shape.outChannels * this.positions;
  }

  /** All patches of the batch, (batch·P) × (C·k·k); kept for backward when training. */
  patches(x: Matrix, training: boolean): Matrix {
    if (x.cols !== this.inputSize) throw new RangeError(`${this.name}: input rows have ${x.cols} values, expected ${this.inputSize} (C·H·W)`);
    const rows = x.rows * this.positions;
    const buffer = training ? this.patchBuf : ConvFrame.inferencePatches;
    const p = buffer.matrix(rows, this.patchSize);
    im2col(x.data, x.rows, this.shape, p.data);
    this.kept = training ? p : undefined;
    return p;
  }

  /** Product rows (batch·P × outC) → images (batch × outC·P) with the bias added (null: none). */
  images(rows: Matrix, bias: Float32Array | null, out?: Matrix): Matrix {
    const batch = rows.rows / this.positions;
    const y = out ?? new Matrix(batch, this.outputSize);
    rowsToImages(rows.data, batch, this.positions, this.shape.outChannels, bias ?? (this.noBias ??= kernels.float32(this.shape.outChannels)), y.data);
    return y;
  }

  /** Takes dL/dy (batch × outC·P): keeps δ as rows, forms the weight and bias gradients, returns δ rows. */
  gradients(dy: Matrix): Matrix {
    const patches = this.kept;
    if (!patches) throw new Error(`${this.name}: backward without a training forward`);
    if (dy.cols !== this.outputSize || dy.rows * this.positions !== patches.rows) {
      throw new RangeError(`${this.name}: output gradient is ${dy.rows}×${dy.cols}, expected ${patches.rows / this.positions}×${this.outputSize}`);
    }
    const { outChannels } = this.shape;
    const d = this.deltaBuf.matrix(patches.rows, outChannels);
    imagesToRows(dy.data, dy.rows, this.positions, outChannels, d.data);
    this.backend.gemm(patches, d, this.weightGrad, { transA: true });
    // Sums over batch·P rows (50,000 for a LeNet batch) accumulate in float64, row by row, per channel.
    channelSums(d.data, this.biasGrad);
    this.delta = d;
    return d;
  }

  /** Patch-row gradients (batch·P × C·k·k) → dL/dx (batch × C·H·W). */
  inputGradient(dPatches: Matrix, out?: Matrix): Matrix {
    const batch = dPatches.rows / this.positions;
    const dx = out ?? new Matrix(batch, this.inputSize);
    col2im(dPatches.data, batch, this.shape, dx.data);
    return dx;
  }

  /** The patches and δ rows of the last gradient (weight gradient = patchesᵀ·δ), for pulse-train updates. */
  operands(): { x: Matrix; d: Matrix } {
    if (!this.kept || !this.delta) throw new Error(`${this.name}: update without a backward`);
    return { x: this.kept, d: this.delta };
  }

  /** b ← b − η·∇b. */
  stepBias(bias: Float32Array, learningRate: number): void {
    trainingKernels.sgdStep(bias, this.biasGrad, learningRate);
  }
}
