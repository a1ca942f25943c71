import { defineKernel, type ActiveCells, type Rng } from '@txsim/core';
import { pulsedKernels, resident, rngBlock } from '../kernels.js';
import type { PulsedHidden } from './hidden.js';

/**
 * The per-cell processes of the aihwkit pulsed devices outside the pulse rounds (engine.ts): write-noise
 * redraws, decay and diffusion, reset, and reads through the write-noise offsets. Each is a compiled kernel
 * of assembly/pulsed.ts with its TypeScript loop as the reference (and the fallback), drawing from the
 * device's own plugin stream in the same order (the kernel continues the Rng's exact sequence).
 */

/** Weight ↔ conductance of a pulsed device: w = wMin + (g − gmin)·invS, g = gmin + (w − wMin)·s. */
export interface WeightScale {
  readonly wMin: number;
  readonly gmin: number;
  readonly s: number;
  readonly invS: number;
}

/**
 * Write noise of the cells just written: off[k] = std·ξ for k in `cells` (list order; all cells 0 .. n
 * without a list, then as Rng.fillNormal writes them: 0 + std·ξ).
 */
export const redrawWriteNoise = defineKernel(
  pulsedKernels,
  (api, memory, off: Float64Array, std: number, rng: Rng, cells?: ActiveCells): void => {
    // Lists outside kernel memory (a test's plain arrays) take the reference loop.
    if (cells && !memory.resident(cells.idx)) return redrawWriteNoise.reference(off, std, rng, cells);
    const block = rngBlock(memory);
    const m = memory.begin();
    const st = block.enter(rng);
    api.pulsedRedraw(cells ? cells.idx.byteOffset : 0, cells ? cells.count : off.length, m.inout(off), std, st, !cells);
    m.end();
    block.leave(rng);
  },
  (off: Float64Array, std: number, rng: Rng, cells?: ActiveCells) => {
    if (!cells) {
      rng.fillNormal(off, 0, std);
      return;
    }
    for (let i = 0; i < cells.count; i++) off[cells.idx[i]!] = std * rng.normal();
  },
);

/** Decay (when `decays`) and diffusion (when `diffuses`, one draw per cell) of every device, in place. */
export const settleDevices = defineKernel(
  pulsedKernels,
  (api, memory, g: Float64Array, h: PulsedHidden, decays: boolean, diffuses: boolean, rng: Rng, u: WeightScale): void => {
    const block = rngBlock(memory);
    const m = memory.begin();
    const st = block.enter(rng);
    api.pulsedSettle(
      m.inout(g), g.length, resident(h.resetBias).byteOffset, resident(h.retention).byteOffset, resident(h.diffusion).byteOffset,
      resident(h.bmin).byteOffset, resident(h.bmax).byteOffset, decays, diffuses, st, u.wMin, u.gmin, u.invS, u.s,
    );
    m.end();
    block.leave(rng);
  },
  (g, h, decays, diffuses, rng, u) => {
    for (let k = 0; k < g.length; k++) {
      let v = u.wMin + (g[k]! - u.gmin) * u.invS;
      if (decays) v = (v - h.resetBias[k]!) * h.retention[k]! + h.resetBias[k]!;
      if (diffuses) v += h.diffusion[k]! * rng.normal();
      g[k] = u.gmin + ((v < h.bmin[k]! ? h.bmin[k]! : v > h.bmax[k]! ? h.bmax[k]! : v) - u.wMin) * u.s;
    }
  },
);

/** aihwkit's reset_weights: each device to its reset bias plus resetStd·ξ (no draw at 0), within its bounds. */
export const resetDevices = defineKernel(
  pulsedKernels,
  (api, memory, g: Float64Array, h: PulsedHidden, resetStd: number, rng: Rng, u: WeightScale): void => {
    const block = rngBlock(memory);
    const m = memory.begin();
    const st = block.enter(rng);
    api.pulsedReset(m.inout(g), g.length, resident(h.resetBias).byteOffset, resident(h.bmin).byteOffset, resident(h.bmax).byteOffset,
      resetStd, st, u.wMin, u.gmin, u.s);
    m.end();
    block.leave(rng);
  },
  (g, h, resetStd, rng, u) => {
    for (let k = 0; k < g.length; k++) {
      const v = h.resetBias[k]! + (resetStd > 0 ? resetStd * rng.normal() : 0);
      g[k] = u.gmin + ((v < h.bmin[k]! ? h.bmin[k]! : v > h.bmax[k]! ? h.bmax[k]! : v) - u.wMin) * u.s;
    }
  },
);

/** dst = src + off: a read through the write-noise offsets. */
export const addWriteOffsets = defineKernel(
  pulsedKernels,
  (api, memory, src: Float64Array, off: Float64Array, dst: Float64Array): void => {
    const m = memory.begin();
    api.addOffsets(m.in(src), m.in(off), m.out(dst), src.length);
    m.end();
  },
  (src, off, dst) => {
    for (let k = 0; k < src.length; k++) dst[k] = src[k]! + off[k]!;
  },
);
