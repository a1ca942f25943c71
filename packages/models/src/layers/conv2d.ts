import { trainingKernels, type ComputeBackend, type ConvShape, type Matrix } from '@txsim/core';
import { clipWeights } from './analog-bias.js';
import { ConvFrame } from './conv-frame.js';
import { ReusedBuffer } from './im2col.js';
import type { Layer, LayerState } from './layer.js';
import { LayerScratch } from './scratch.js';

const OUT = 0;
const DX = 1;

/**
 * The product rows (batch·P × outC), shared by every digital conv layer of the process: images() consumes
 * them at once, so one buffer of the largest size serves all.
 */
const productRows = new ReusedBuffer();

/**
 * A float32 2-D convolution with stride and zero padding, as one matrix product over im2col patches:
 * the digital reference of AnalogConv2dLayer. Weights are (C·k·k) × outC, the bias one value per
 * output channel; inputs and outputs are images in C·H·W order, one per row.
 */
export class Conv2dLayer implements Layer {
  readonly kind = 'digital' as const;
  readonly frame: ConvFrame;
  private readonly patchGrads = new ReusedBuffer();
  // The layer's output and input gradient, reused across steps: valid until the layer's next forward of the
  // same batch size and mode, or its next backward (see LayerScratch).
  readonly #scratch = new LayerScratch(2);

  /** `bias` null: no bias at all. `clip`: |w| ≤ clip after every update (the bias is not clipped). */
  constructor(readonly name: string, shape: ConvShape, readonly weights: Matrix, readonly bias: Float32Array | null, private readonly backend: ComputeBackend, private readonly clip?: number) {
    this.frame = new ConvFrame(name, shape, backend);
    if (weights.rows !== this.frame.patchSize || weights.cols !== shape.outChannels || (bias && bias.length !== shape.outChannels)) {
      throw new RangeError(`${name}: weights ${weights.rows}×${weights.cols} and ${bias?.length ?? 0} biases do not fit a ${shape.channels}→${shape.outChannels} ${shape.kernel}×${shape.kernel} conv`);
    }
  }

  forward(x: Matrix, training: boolean): Matrix {
    const p = this.frame.patches(x, training);
    const rows = productRows.matrix(p.rows, this.weights.cols);
    this.backend.gemm(p, this.weights, rows);
    return this.frame.images(rows, this.bias, this.#scratch.get(OUT, x.rows, this.frame.outputSize, training));
  }

  backward(dy: Matrix, needInput: boolean): Matrix | null {
    const d = this.frame.gradients(dy);
    if (!needInput) return null;
    // Patch gradients, reused from batch to batch (col2im reads them at once; a fresh matrix of
    // batch·P × C·k·k per step mostly fed the garbage collector).
    const dp = this.patchGrads.matrix(d.rows, this.weights.rows);
    this.backend.gemm(d, this.weights, dp, { transB: true });
    return this.frame.inputGradient(dp, this.#scratch.get(DX, dy.rows, this.frame.inputSize, true));
  }

  update(learningRate: number): void {
    const w = this.weights.data;
    trainingKernels.sgdStep(w, this.frame.weightGrad.data, learningRate);
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
