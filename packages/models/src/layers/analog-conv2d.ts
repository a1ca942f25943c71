import { Matrix, type ComputeBackend, type ConvShape, type LayerActivity, type TiledCrossbar } from '@txsim/core';
import { withBiasRow, withOnes, withoutLast } from './analog-bias.js';
import { ConvFrame } from './conv-frame.js';
import type { Layer, LayerState } from './layer.js';
import { crossbarLayerState, restoreCrossbarLayer } from './crossbar-state.js';
import { ReusedBuffer } from './im2col.js';
import { LayerScratch } from './scratch.js';

const OUT = 0;
const DX = 1;

/**
 * The reads' product rows (batch·P × outC forward, batch·P × C·k·k backward), shared by every analog conv
 * layer of the process: images() and col2im consume them within the same call, before any other read, so
 * one buffer of the largest size serves all (per layer they would hold ~20 MB each for ResNet-20 at batch 32).
 */
const productRows = new ReusedBuffer();
const patchGradients = new ReusedBuffer();

/**
 * A 2-D convolution whose (C·k·k) × outC kernel matrix lives on crossbar tiles, read as a GEMM over
 * im2col'd patches: every patch of a batch is one input vector of a single forward read, the error
 * rows δ (one per output position) one backward read δ·Wᵀ, whose patch gradients col2im folds back
 * onto the input. The weight gradient patchesᵀ·δ is formed digitally
 * and handed to the tile with the patches and δ rows themselves, so pulse-train rules see one
 * x/δ pair per output position. The bias is digital, absent (`null`), or analog (`analogBias`): the
 * array's last row, driven by 1 in every patch, its gradient Σδ the last row of [patches, 1]ᵀ·δ.
 */
export class AnalogConv2dLayer implements Layer {
  readonly kind = 'analog' as const;
  readonly frame: ConvFrame;
  private readonly analogBias: boolean;
  private widePatches: Matrix | undefined;
  private wideGrad: Matrix | undefined;
  // The layer's output and input gradient, reused across steps: valid until the layer's next forward of the
  // same batch size and mode, or its next backward (see LayerScratch).
  readonly #scratch = new LayerScratch(2);

  constructor(readonly name: string, shape: ConvShape, readonly crossbar: TiledCrossbar, readonly bias: Float32Array | null, backend: ComputeBackend, options: { analogBias?: boolean } = {}) {
    this.frame = new ConvFrame(name, shape, backend);
    this.analogBias = !!options.analogBias;
    const { rows, cols } = crossbar.geometry;
    const wantRows = this.frame.patchSize + (this.analogBias ? 1 : 0);
    if (rows !== wantRows || cols !== shape.outChannels || (bias && bias.length !== shape.outChannels) || (this.analogBias && bias)) {
      throw new RangeError(`${name}: a ${rows}×${cols} crossbar and ${bias?.length ?? 0} biases do not fit a ${shape.channels}→${shape.outChannels} ${shape.kernel}×${shape.kernel} conv${this.analogBias ? ' with an analog bias row' : ''}`);
    }
  }

  forward(x: Matrix, training: boolean): Matrix {
    const patches = this.frame.patches(x, training);
    const { cols } = this.crossbar.geometry;
    const rows = productRows.matrix(patches.rows, cols);
    const y = this.#scratch.get(OUT, x.rows, this.frame.outputSize, training);
    if (!this.analogBias) return this.frame.images(this.crossbar.forward(patches, rows), this.bias, y);
    const wide = withOnes(patches);
    this.widePatches = training ? wide : undefined;
    return this.frame.images(this.crossbar.forward(wide, rows), null, y);
  }

  backward(dy: Matrix, needInput: boolean): Matrix | null {
    const d = this.frame.gradients(dy);
    if (!needInput) return null;
    const { rows } = this.crossbar.geometry;
    const dp = this.crossbar.backward(d, patchGradients.matrix(d.rows, rows));
    return this.frame.inputGradient(this.analogBias ? withoutLast(dp) : dp, this.#scratch.get(DX, dy.rows, this.frame.inputSize, true));
  }

  update(learningRate: number): void {
    const { x, d } = this.frame.operands();
    if (this.analogBias) {
      if (!this.widePatches) throw new Error(`${this.name}: update without a training forward`);
      // [patches, 1]ᵀ·δ = [patchesᵀ·δ; Σδ]: the frame's weight and bias gradients stacked.
      this.wideGrad = withBiasRow(this.frame.weightGrad, this.frame.biasGrad, this.wideGrad);
      this.crossbar.update(this.wideGrad, learningRate, this.widePatches, d);
      return;
    }
    this.crossbar.update(this.frame.weightGrad, learningRate, x, d);
    if (this.bias) this.frame.stepBias(this.bias, learningRate);
  }

  activity(): LayerActivity {
    return this.crossbar.activity;
  }

  state(): LayerState {
    return crossbarLayerState(this.crossbar, this.bias);
  }

  restore(state: LayerState): void {
    restoreCrossbarLayer(this.crossbar, this.bias, state);
  }
}
