import { defineKernel, defineKernels } from '@txsim/core';

/** The exports of assembly/arrhenius.ts (addresses are byte offsets into txsim's kernel memory). */
interface ArrheniusExports {
  respond(g: number, delta: number, dst: number, n: number, factor: number, gmin: number, gmax: number): void;
}

/** The pack's compiled module, instantiated by txsim on its shared kernel memory when first used. */
const module = defineKernels<ArrheniusExports>('txsim-pack-thermal/arrhenius', new URL('./build/arrhenius.wasm', import.meta.url));

/**
 * dst = clip(g + factor·delta, gmin, gmax), compiled; the arrow below is its TypeScript reference (the
 * fallback where the module is not built, and what the test compares it with). Arrays outside the kernel
 * memory are copied in and out; the tile's own arrays are used in place.
 */
export const respondKernel = defineKernel(
  module,
  (api, memory, g: Float64Array, delta: Float64Array, dst: Float64Array, factor: number, gmin: number, gmax: number): void => {
    const m = memory.begin();
    api.respond(m.in(g), m.in(delta), m.out(dst), g.length, factor, gmin, gmax);
    m.end();
  },
  (g, delta, dst, factor, gmin, gmax) => {
    for (let k = 0; k < g.length; k++) {
      const next = g[k]! + delta[k]! * factor;
      dst[k] = next < gmin ? gmin : next > gmax ? gmax : next;
    }
  },
);
