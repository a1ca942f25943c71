import { addRowVector, type ComputeBackend, type LayerActivity, type Matrix, type TiledCrossbar } from '@txsim/core';
import { withOnes, withoutLast } from './analog-bias.js';
import type { Layer, LayerState } from './layer.js';
import { LinearGradients } from './linear-gradients.js';
import { crossbarLayerState, restoreCrossbarLayer } from './crossbar-state.js';
import { LayerScratch } from './scratch.js';

const OUT = 0;
const DX = 1;

/**
 * A linear layer whose weights live on crossbar tiles: forward (x·W) and backward (δ·Wᵀ) are array
 * reads, and the update goes through the tile's update rule and device. The weight gradient xᵀ·δ is
 * formed digitally (TxSim's update abstraction) before the tile turns it into conductance changes.
 *
 * The bias is digital (aihwkit's digital_bias, the default), absent (`null`), or analog: the array's last
 * row, driven by an input of 1 (`analogBias`), so [x, 1] is read, its gradient [x, 1]ᵀ·δ carries the bias
 * gradient Σδ in its last row, and the bias moves through the device like any weight.
 *
 * The reads write into buffers the layer reuses across steps (see LayerScratch): the output stays valid
 * until this layer's next forward of the same batch size and mode (the next layer may keep it for its
 * backward, as ReLU does), the input gradient until its next backward (the layer below keeps it as δ).
 */
export class AnalogLinearLayer implements Layer {
  readonly kind = 'analog' as const;
  private readonly grads: LinearGradients;
  private readonly analogBias: boolean;
  readonly #scratch = new LayerScratch(2);

  constructor(readonly name: string, readonly crossbar: TiledCrossbar, readonly bias: Float32Array | null, backend: ComputeBackend, options: { analogBias?: boolean } = {}) {
    this.analogBias = !!options.analogBias;
    if (this.analogBias && bias) throw new RangeError(`${name}: an analog bias lives on the array; pass no digital bias`);
    this.grads = new LinearGradients(name, crossbar.geometry.rows, crossbar.geometry.cols, backend);
  }

  forward(x: Matrix, training: boolean): Matrix {
    const input = this.analogBias ? withOnes(x) : x;
    const y = this.crossbar.forward(input, this.#scratch.get(OUT, input.rows, this.crossbar.geometry.cols, training));
    if (this.bias) addRowVector(y, this.bias);
    this.grads.keep(input, training);
    return y;
  }

  backward(dy: Matrix, needInput: boolean): Matrix | null {
    this.grads.compute(dy);
    if (!needInput) return null;
    const dx = this.crossbar.backward(dy, this.#scratch.get(DX, dy.rows, this.crossbar.geometry.rows, true));
    return this.analogBias ? withoutLast(dx) : dx;
  }

  update(learningRate: number): void {
    const { x, d } = this.grads.operands();
    this.crossbar.update(() => this.grads.weights, learningRate, x, d);
    if (this.bias) this.grads.stepBias(this.bias, learningRate);
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
