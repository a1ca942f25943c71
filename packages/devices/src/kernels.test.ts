import { describe, expect, it } from 'vitest';
import { kernels, registeredKernels, Rng } from '@txsim/core';
import { pulsedKernels, rngBlock } from './kernels.js';

describe('the device package kernel module', () => {
  it('is registered with core and instantiated on the shared kernel memory', () => {
    expect(registeredKernels()).toContain('@txsim/devices/pulsed');
    expect(pulsedKernels.api).not.toBeNull();
  });

  it('computes logarithms bit for bit as Math.log (fdlibm), over uniforms and a wide range', () => {
    const api = pulsedKernels.api!;
    const n = 20000;
    const src = kernels.float64(n);
    const out = kernels.float64(n);
    const r = new Rng('log');
    for (let i = 0; i < n; i++) src[i] = i % 2 ? r.next() + 2 ** -40 : Math.exp(600 * (r.next() - 0.5));
    src[0] = 1;
    src[1] = Number.MIN_VALUE; // subnormal
    api.logs(src.byteOffset, out.byteOffset, n);
    for (let i = 0; i < n; i++) if (out[i] !== Math.log(src[i]!)) expect([i, out[i]]).toEqual([i, Math.log(src[i]!)]);
  });

  it("draws an Rng's normals exactly, continuing its stream (odd counts leave the spare)", () => {
    const api = pulsedKernels.api!;
    const block = rngBlock(pulsedKernels.memory!);
    const a = new Rng('normals');
    const b = new Rng('normals');
    for (const n of [7, 1, 64]) {
      const out = kernels.float64(n);
      api.normals(block.enter(a), out.byteOffset, n);
      block.leave(a);
      expect(Array.from(out)).toEqual(Array.from(b.fillNormal(new Float64Array(n))));
    }
    expect(a.next()).toBe(b.next());
  });
});
