import { addRowVector, type ComputeBackend, type LayerActivity, type Matrix, type TiledCrossbar } from '@txsim/core';
import type { Layer, LayerState } from './layer.js';
import { LinearGradients } from './linear-gradients.js';
import { crossbarLayerState, restoreCrossbarLayer } from './crossbar-state.js';

/**
 * A linear layer whose weights live on crossbar tiles: forward (x·W) and backward (δ·Wᵀ) are array
 * reads, and the update goes through the tile's update rule and device. The bias stays digital, as in
 * aihwkit's default (digital_bias), and the weight gradient xᵀ·δ is formed digitally (TxSim's update
 * abstraction) before the tile turns it into conductance changes.
 */
export class AnalogLinearLayer implements Layer {
  readonly kind = 'analog' as const;
  private readonly grads: LinearGradients;

  constructor(readonly name: string, readonly crossbar: TiledCrossbar, readonly bias: Float32Array, backend: ComputeBackend) {
    this.grads = new LinearGradients(name, crossbar.geometry.rows, crossbar.geometry.cols, backend);
  }

  forward(x: Matrix, training: boolean): Matrix {
    const y = this.crossbar.forward(x);
    addRowVector(y, this.bias);
    this.grads.keep(x, training);
    return y;
  }

  backward(dy: Matrix, needInput: boolean): Matrix | null {
    this.grads.compute(dy);
    return needInput ? this.crossbar.backward(dy) : null;
  }

  update(learningRate: number): void {
    const { x, d } = this.grads.operands();
    this.crossbar.update(() => this.grads.weights, learningRate, x, d);
    this.grads.stepBias(this.bias, learningRate);
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
