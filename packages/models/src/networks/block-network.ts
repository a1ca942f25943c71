import type { Matrix } from '@txsim/core';
import type { Layer, LayerRates } from '../layers/layer.js';
import { Sequential } from './sequential.js';

/** A layer made of sub-layers (a residual block), which lists them for the network. */
export interface CompositeLayer extends Layer {
  leaves(): Layer[];
}

const isComposite = (l: Layer): l is CompositeLayer => typeof (l as Partial<CompositeLayer>).leaves === 'function';

/**
 * A chain of layers some of which are blocks of sub-layers. Forward, backward and update run over
 * the blocks; `layers` — what checkpoints, activity tables and layer summaries look at — lists the
 * leaves, so a conv inside a residual block is found by its own name like any other layer.
 */
export class BlockNetwork extends Sequential {
  constructor(readonly blocks: readonly Layer[]) {
    const flat = (ls: readonly Layer[]): Layer[] => ls.flatMap((l) => (isComposite(l) ? flat(l.leaves()) : [l]));
    super(flat(blocks));
  }

  override forward(x: Matrix, training: boolean): Matrix {
    let y = x;
    for (const block of this.blocks) y = block.forward(y, training);
    return y;
  }

  override backward(dLogits: Matrix): void {
    const first = this.blocks.findIndex((l) => l.update);
    let d: Matrix | null = dLogits;
    for (let i = this.blocks.length - 1; i >= first && d; i--) d = this.blocks[i]!.backward(d, i > first);
  }

  override update(learningRate: number, layerRates?: LayerRates): void {
    for (const block of this.blocks) block.update?.(layerRates?.[block.name] ?? learningRate, layerRates);
  }
}
