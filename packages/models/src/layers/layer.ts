import type { LayerActivity, Matrix } from '@txsim/core';

/** Learning rates of the layers that have their own, by layer name. */
export type LayerRates = Readonly<Record<string, number>>;

/** Saved parameters of one layer (typed arrays, copied). */
export type LayerState = Record<string, Float32Array | Float64Array>;

export interface Layer {
  readonly name: string;
  readonly kind: 'analog' | 'digital' | 'activation';
  /** Output for a batch; with `training`, keeps what backward needs. */
  forward(x: Matrix, training: boolean): Matrix;
  /** Keeps parameter gradients and returns dL/dx, or null when `needInput` is false (the first layer). */
  backward(dy: Matrix, needInput: boolean): Matrix | null;
  /** Applies the kept gradients; a layer made of sub-layers gives each its own rate from `layerRates` when named there. */
  update?(learningRate: number, layerRates?: LayerRates): void;
  activity?(): LayerActivity;
  state?(): LayerState;
  restore?(state: LayerState): void;
}
