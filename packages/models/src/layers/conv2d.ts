import { Matrix, type ComputeBackend, type ConvShape } from '@txsim/core';
import { clipWeights } from './analog-bias.js';
import { ConvFrame } from './conv-frame.js';
import { ReusedBuffer } from './im2col.js';
import type { Layer, LayerState } from './layer.js';

/**
 * A float32 2-D convolution with stride and zero padding, as one matrix product over im2col patches:
 * the digital reference of AnalogConv2dLayer. Weights are (C·k·k) × outC, the bias one value per
 * output channel; inputs and outputs are images in C·H·W order, one per row.
 */
export class Conv2dLayer implements Layer {
  readonly kind = 'digital' as const;
  readonly frame: ConvFrame;
  private readonly patchGrads = new ReusedBuffer();

  /** `bias` null: no bias at all. `clip`: |w| ≤ clip after every update (the bias is not clipped). */
  constructor(readonly name: string, shape: ConvShape, readonly weights: Matrix, readonly bias: Float32Array | null, private readonly backend: ComputeBackend, private readonly clip?: number) {
    this.frame = new ConvFrame(name, shape, backend);
    if (weights.rows !== this.frame.patchSize || weights.cols !== shape.outChannels || (bias && bias.length !== shape.outChannels)) {
      throw new RangeError(`${name}: weights ${weights.rows}×${weights.cols} and ${bias?.length ?? 0} biases do not fit a ${shape.channels}→${shape.outChannels} ${shape.kernel}×${shape.kernel} conv`);
    }
  }

  forward(x: Matrix, training: boolean): Matrix {
    const p = this.frame.patches(x, training);
    const rows = new Matrix(p.rows, this.weights.cols);
    this.backend.gemm(p, this.weights, rows);
    return this.frame.images(rows, this.bias);
  }

  backward(dy: Matrix, needInput: boolean): Matrix | null {
    const d = this.frame.gradients(dy);
    if (!needInput) return null;
    // Patch gradients, reused from batch to batch (col2im reads them at once; a fresh matrix of
    // batch·P × C·k·k per step mostly fed the garbage collector).
    const dp = new Matrix(d.rows, this.weights.rows, this.patchGrads.view(d.rows * this.weights.rows));
    this.backend.gemm(d, this.weights, dp, { transB: true });
    return this.frame.inputGradient(dp);
  }

  update(learningRate: number): void {
    const w = this.weights.data;
    const g = this.frame.weightGrad.data;
    for (let k = 0; k < w.length; k++) w[k]! -= learningRate * g[k]!;
    if (this.clip !== undefined) clipWeights(w, this.clip);
    if (this.bias) this.frame.stepBias(this.bias, learningRate);
  }

  state(): LayerState {
    return { weights: this.weights.data.slice(), ...(this.bias ? { bias: this.bias.slice() } : {}) };
  }

  restore(state: LayerState): void {
    this.weights.data.set(state.weights!);
    this.bias?.set(state.bias!);
  }
}
