import { Matrix } from '@txsim/core';
import type { Layer, LayerRates } from './layer.js';
import type { FeatureMapShape } from './pool.js';

/**
 * A residual block y = act(F(x) + shortcut(x)) (He et al. 2016), F a chain of sub-layers. The
 * shortcut is parameter-free, option A of the paper (its CIFAR-10 ResNets use it throughout): the
 * identity when shapes agree, otherwise x subsampled by `stride` with the extra channels zero —
 * the input's channels are the first ones of the output. Sub-layers keep their own names, state
 * and activity; `leaves()` lists them for the network (checkpoints, per-layer tables).
 */
export class ResidualBlock implements Layer {
  readonly kind = 'digital' as const;
  private batch = 0;

  constructor(
    readonly name: string,
    readonly body: readonly Layer[],
    readonly act: Layer,
    readonly input: FeatureMapShape,
    readonly output: FeatureMapShape,
    readonly stride = 1,
  ) {
    const h = Math.ceil(input.height / stride);
    const w = Math.ceil(input.width / stride);
    if (h !== output.height || w !== output.width || output.channels < input.channels) {
      throw new RangeError(`${name}: an option-A shortcut cannot take ${input.channels}×${input.height}×${input.width} to ${output.channels}×${output.height}×${output.width} with stride ${stride}`);
    }
  }

  leaves(): Layer[] {
    return [...this.body, this.act];
  }

  forward(x: Matrix, training: boolean): Matrix {
    let h = x;
    for (const layer of this.body) h = layer.forward(h, training);
    // A copy: the body's last layer may keep its output for its own backward.
    const z = h.clone();
    this.addShortcut(x, z);
    this.batch = x.rows;
    return this.act.forward(z, training);
  }

  backward(dy: Matrix, needInput: boolean): Matrix | null {
    const dz = this.act.backward(dy, true)!;
    let d: Matrix | null = dz;
    for (let i = this.body.length - 1; i >= 0 && d; i--) d = this.body[i]!.backward(d, needInput || i > 0);
    if (!needInput) return null;
    const dx = d ?? new Matrix(this.batch, this.input.channels * this.input.height * this.input.width);
    this.shortcutGradient(dz, dx);
    return dx;
  }

  update(learningRate: number, layerRates?: LayerRates): void {
    for (const layer of this.body) layer.update?.(layerRates?.[layer.name] ?? learningRate, layerRates);
  }

  /** z += shortcut(x). */
  private addShortcut(x: Matrix, z: Matrix): void {
    this.shortcut(x.data, z.data, x.rows, true);
  }

  /** dx += shortcutᵀ(dz): the subsampled positions of the first channels get the output gradient back. */
  private shortcutGradient(dz: Matrix, dx: Matrix): void {
    this.shortcut(dx.data, dz.data, dz.rows, false);
  }

  /** Adds along every (input, output) pair the shortcut connects: into `out` when `forward`, else into `inp`. */
  private shortcut(inp: Float32Array, out: Float32Array, batch: number, forward: boolean): void {
    const { channels: C, height: H, width: W } = this.input;
    const { channels: Co, height: Ho, width: Wo } = this.output;
    const s = this.stride;
    if (s === 1 && C === Co) {
      const n = batch * C * H * W;
      if (forward) for (let i = 0; i < n; i++) out[i]! += inp[i]!;
      else for (let i = 0; i < n; i++) inp[i]! += out[i]!;
      return;
    }
    for (let n = 0; n < batch; n++) {
      for (let c = 0; c < C; c++) {
        const src = (n * C + c) * H * W;
        const dst = (n * Co + c) * Ho * Wo;
        for (let oy = 0; oy < Ho; oy++) {
          for (let ox = 0; ox < Wo; ox++) {
            const i = src + oy * s * W + ox * s;
            const o = dst + oy * Wo + ox;
            if (forward) out[o]! += inp[i]!;
            else inp[i]! += out[o]!;
          }
        }
      }
    }
  }
}
