import { choice, defineNonideality, kernels, NormalStream, params, real, type NormalStreamState } from '@txsim/core';
import { addRowNoise, rowAbsMax } from './output-noise-kernels.js';

/**
 * Additive output noise (aihwkit's out_noise): every sensed output of every read gets an independent
 * Gaussian, y ← y + σ_I·ξ, before the sense amplifier and ADC. aihwkit states σ in output units, where
 * a unit weight driven by a full-scale input gives 1; here one such unit is one device swing driven at
 * the row's full drive, so σ_I = sigma · (gmax − gmin) · max_i |v_i| for each batch row (per-vector
 * input scaling makes max |v| the DAC's full-scale voltage for every non-zero input vector).
 *
 * With `units: weight` one output unit is one unit of weight instead, as aihwkit's weights are in weight
 * units: σ_I = sigma · s · max_i |v_i|, s the layer's siemens per weight unit. The read's result is
 * current × (digital value of a volt) / s, and a row's digital scale is max|x| / max|v|, so the noise
 * reaches the result as sigma · max|x|: aihwkit's out_noise on the abs-max-normalised input, rescaled by
 * the same α = max|x| (noise management) after the ADC.
 */
export const outputNoise = defineNonideality({
  meta: {
    name: 'output-noise',
    description: 'Additive Gaussian noise on every sensed output, relative to one device swing at full drive.',
    phases: ['forward', 'backward'],
    params: params({
      sigma: real({ description: 'Standard deviation relative to one output unit × the row’s full-scale drive (aihwkit out_noise, default 0.06).', default: 0.06, neutral: 0, min: 0 }),
      units: choice(['swing', 'weight'], { description: 'The output unit sigma is relative to: one device swing gmax − gmin (swing), or one unit of weight (weight: aihwkit’s out_noise).', default: 'swing' }),
    }),
    references: ['Rasch et al., aihwkit IOParameters out_noise (0.06 by default; 0.1 in PresetIOParameters).'],
  },
  create: (ctx, p) => {
    if (p.units === 'weight' && !ctx.range?.siemensPerWeight) throw new Error(`${ctx.layer}: output-noise in weight units needs the layer's weight mapping`);
    const swing = !ctx.range ? 0 : p.units === 'weight' ? ctx.range.siemensPerWeight! : ctx.range.gmax - ctx.range.gmin;
    // Every output of every read draws one normal: the plugin's SIMD stream (its state is the snapshot).
    const stream = new NormalStream(ctx.rng);
    let normals: Float64Array = new Float64Array(0);
    let drive: Float32Array = new Float32Array(0);
    let scales: Float64Array = new Float64Array(0);
    // Views of the first n values, kept per array and length: a forward and a backward read alternate
    // lengths every step, and a fresh view per read would also miss the kernels' residency cache.
    const views = new WeakMap<object, Map<number, Float32Array | Float64Array>>();
    const head = <T extends Float32Array | Float64Array>(a: T, n: number): T => {
      if (a.length === n) return a;
      let byLength = views.get(a);
      if (!byLength) views.set(a, (byLength = new Map()));
      let v = byLength.get(n) as T | undefined;
      if (!v) byLength.set(n, (v = a.subarray(0, n) as T));
      return v;
    };
    return {
      snapshot: () => stream.snapshot(),
      restore: (state) => stream.restore(state as NormalStreamState),
      output(src, dst, read) {
        const { batch, width } = read;
        const v = read.voltages;
        if (p.sigma === 0 || swing === 0) {
          dst.set(src.subarray(0, dst.length));
          return;
        }
        if (normals.length < batch * width) views.delete(normals), (normals = kernels.float64(batch * width));
        if (drive.length < batch) {
          views.delete(drive), views.delete(scales);
          drive = kernels.float32(batch);
          scales = kernels.float64(batch);
        }
        const z = head(normals, batch * width);
        stream.fill(z);
        // σ_I per batch row from its largest drive, then one fused pass adds the noise.
        const rowDrive = head(drive, batch);
        rowAbsMax(head(v.data, batch * v.cols), rowDrive, batch, v.cols);
        for (let b = 0; b < batch; b++) scales[b] = p.sigma * swing * drive[b]!;
        addRowNoise(head(src, batch * width), z, head(dst, batch * width), head(scales, batch), batch, width);
      },
    };
  },
});
