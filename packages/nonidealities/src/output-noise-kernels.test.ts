import { describe, expect, it } from 'vitest';
import { registeredKernels, Rng } from '@txsim/core';
import { addRowNoise, outputNoiseKernels, rowAbsMax } from './output-noise-kernels.js';

function uniform(n: number, seed: string, lo = -1, hi = 1): Float64Array {
  return new Rng(seed).fillUniform(new Float64Array(n), lo, hi) as Float64Array;
}

describe('output noise\'s compiled kernels against their TypeScript loops', () => {
  it('are registered with core and instantiated on the shared kernel memory', () => {
    expect(registeredKernels()).toContain('@txsim/nonidealities/output-noise');
    expect(outputNoiseKernels.api).not.toBeNull();
  });

  it('row maxima of |x| and row-scaled additive noise equal the reference exactly', () => {
    for (const [batch, cols, width] of [[3, 7, 5], [4, 64, 256], [1, 1, 1], [6, 13, 9]] as const) {
      const v = Float32Array.from(uniform(batch * cols, `ram${cols}`, -2, 2));
      const got = new Float32Array(batch);
      const want = new Float32Array(batch);
      rowAbsMax.compiled!(v, got, batch, cols);
      rowAbsMax.reference(v, want, batch, cols);
      expect(Array.from(got)).toEqual(Array.from(want));
      const src = Float32Array.from(uniform(batch * width, `arn${width}`, -1e-5, 1e-5));
      const z = uniform(batch * width, `arz${width}`, -3, 3);
      const scales = uniform(batch, `ars${width}`, 0, 1e-6);
      const a = new Float32Array(batch * width);
      const b = new Float32Array(batch * width);
      addRowNoise.compiled!(src, z, a, scales, batch, width);
      addRowNoise.reference(src, z, b, scales, batch, width);
      expect(Array.from(a)).toEqual(Array.from(b));
    }
  });
});
