import { describe, expect, it } from 'vitest';
import { kernels, registeredKernels, Rng } from '@txsim/core';
import { respondKernel } from './arrhenius-kernel.js';

describe('the pack\'s own WASM kernel', () => {
  it('is registered with txsim and built (the root `pnpm build` or the pack\'s `build` script)', () => {
    expect(respondKernel.compiled).not.toBeNull();
    expect(registeredKernels()).toContain('txsim-pack-thermal/arrhenius');
  });

  it('equals its TypeScript reference bit for bit, on kernel-memory arrays and on plain ones', () => {
    const n = 1001;
    const r = new Rng('arrhenius');
    const g = r.fillUniform(kernels.float64(n), 1e-6, 1e-5) as Float64Array;
    const delta = r.fillUniform(new Float64Array(n), -3e-6, 3e-6) as Float64Array;
    const want = new Float64Array(n);
    respondKernel.reference(g, delta, want, 2.87, 1e-6, 1e-5);
    for (const dst of [kernels.float64(n), new Float64Array(n)]) {
      respondKernel.compiled!(g, delta, dst, 2.87, 1e-6, 1e-5);
      expect(Array.from(dst)).toEqual(Array.from(want));
    }
    // Some cells clip at each bound, the rest move by factor·delta.
    expect(want.filter((v) => v === 1e-5).length).toBeGreaterThan(10);
    expect(want.filter((v) => v === 1e-6).length).toBeGreaterThan(10);
    expect(want[500]).toBeCloseTo(Math.min(1e-5, Math.max(1e-6, g[500]! + 2.87 * delta[500]!)), 20);
  });
});
