import type { ComputeBackend, ConvShape, LayerActivity, Matrix, TiledCrossbar } from '@txsim/core';
import { ConvFrame } from './conv-frame.js';
import type { Layer, LayerState } from './layer.js';
import { crossbarLayerState, restoreCrossbarLayer } from './crossbar-state.js';

/**
 * A 2-D convolution whose (C·k·k) × outC kernel matrix lives on crossbar tiles, read as a GEMM over
 * im2col'd patches: every patch of a batch is one input vector of a single forward read, the error
 * rows δ (one per output position) one backward read δ·Wᵀ, whose patch gradients col2im folds back
 * onto the input. The weight gradient patchesᵀ·δ is formed digitally
 * and handed to the tile with the patches and δ rows themselves, so pulse-train rules see one
 * x/δ pair per output position. The bias stays digital.
 */
export class AnalogConv2dLayer implements Layer {
  readonly kind = 'analog' as const;
  readonly frame: ConvFrame;

  constructor(readonly name: string, shape: ConvShape, readonly crossbar: TiledCrossbar, readonly bias: Float32Array, backend: ComputeBackend) {
    this.frame = new ConvFrame(name, shape, backend);
    const { rows, cols } = crossbar.geometry;
    if (rows !== this.frame.patchSize || cols !== shape.outChannels || bias.length !== shape.outChannels) {
      throw new RangeError(`${name}: a ${rows}×${cols} crossbar and ${bias.length} biases do not fit a ${shape.channels}→${shape.outChannels} ${shape.kernel}×${shape.kernel} conv`);
    }
  }

  forward(x: Matrix, training: boolean): Matrix {
    return this.frame.images(this.crossbar.forward(this.frame.patches(x, training)), this.bias);
  }

  backward(dy: Matrix, needInput: boolean): Matrix | null {
    const d = this.frame.gradients(dy);
    return needInput ? this.frame.inputGradient(this.crossbar.backward(d)) : null;
  }

  update(learningRate: number): void {
    const { x, d } = this.frame.operands();
    this.crossbar.update(this.frame.weightGrad, learningRate, x, d);
    this.frame.stepBias(this.bias, learningRate);
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
