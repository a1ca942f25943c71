import type { TiledCrossbar } from '@txsim/core';
import type { LayerState } from './layer.js';

/** What a checkpoint keeps of a layer on crossbars: both device arrays of the pair and the digital bias, if any. */
export function crossbarLayerState(crossbar: TiledCrossbar, bias: Float32Array | null): LayerState {
  return { plus: crossbar.conductances('plus'), minus: crossbar.conductances('minus'), ...(bias ? { bias: bias.slice() } : {}) };
}

/** Takes over a {@link crossbarLayerState} of a layer built from the same plan. */
export function restoreCrossbarLayer(crossbar: TiledCrossbar, bias: Float32Array | null, state: LayerState): void {
  crossbar.restore(state.plus as Float64Array, state.minus as Float64Array);
  if (bias) bias.set(state.bias!);
}
