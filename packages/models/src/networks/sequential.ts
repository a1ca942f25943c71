import { parameterHealth, type LayerActivity, type Matrix, type ParameterHealth, type TrainableNetwork } from '@txsim/core';
import type { Layer, LayerRates, LayerState } from '../layers/layer.js';

export type NetworkState = Record<string, LayerState>;

/** Layers applied in order; the trainer's view of a model. */
export class Sequential implements TrainableNetwork {
  constructor(readonly layers: readonly Layer[]) {}

  forward(x: Matrix, training: boolean): Matrix {
    let y = x;
    for (const layer of this.layers) y = layer.forward(y, training);
    return y;
  }

  backward(dLogits: Matrix): void {
    // The first parameterised layer needs no input gradient: skipping it saves a whole backward read.
    const first = this.layers.findIndex((l) => l.update);
    let d: Matrix | null = dLogits;
    for (let i = this.layers.length - 1; i >= first && d; i--) d = this.layers[i]!.backward(d, i > first);
  }

  update(learningRate: number, layerRates?: LayerRates): void {
    for (const layer of this.layers) layer.update?.(layerRates?.[layer.name] ?? learningRate, layerRates);
  }

  activity(): Record<string, LayerActivity> {
    const out: Record<string, LayerActivity> = {};
    for (const layer of this.layers) if (layer.activity) out[layer.name] = layer.activity();
    return out;
  }

  parameterHealth(): ParameterHealth {
    return parameterHealth(this.state());
  }

  state(): NetworkState {
    const out: NetworkState = {};
    for (const layer of this.layers) if (layer.state) out[layer.name] = layer.state();
    return out;
  }

  restore(state: NetworkState): void {
    for (const layer of this.layers) {
      const s = state[layer.name];
      if (layer.restore && s) layer.restore(s);
    }
  }
}
